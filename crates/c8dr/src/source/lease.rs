//! A run's Lease as Kubernetes stores it (`coordination.k8s.io/v1`): the spec says who holds it
//! and until when (holder, renew time, duration, as leader election does), annotations say
//! what the run is (run id, procedure, region, step, state). Both directions live here so the
//! writer (`crate::act::lease`) and the readers (the dashboard's source, the runbook's check)
//! agree on every key.

use crate::api::Region;
use crate::model::run_lease::RunLease;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use std::collections::BTreeMap;
use std::time::Duration;

const RUN: &str = "c8dr/run";
const PROCEDURE: &str = "c8dr/procedure";
const REGION: &str = "c8dr/region";
const REGION_NAME: &str = "c8dr/region-name";
const STEP: &str = "c8dr/step";
const STEP_TITLE: &str = "c8dr/step-title";
const STATE: &str = "c8dr/state";

/// What c8dr makes of a Lease it finds: absent annotations are empty words, never an error
/// (a person may have created or edited the object with kubectl).
pub fn parse(lease: &Lease) -> RunLease {
    let empty = BTreeMap::new();
    let a = lease.metadata.annotations.as_ref().unwrap_or(&empty);
    let get = |k: &str| {
        a.get(k)
            .map(|v| crate::text::clean(v.trim()))
            .filter(|v| !v.is_empty())
    };
    let spec = lease.spec.clone().unwrap_or_default();
    RunLease {
        holder: spec
            .holder_identity
            .map(|h| crate::text::clean(h.trim()))
            .filter(|h| !h.is_empty()),
        run: get(RUN).unwrap_or_default(),
        procedure: get(PROCEDURE).unwrap_or_else(|| "a run".into()),
        region: get(REGION).and_then(|r| match r.as_str() {
            "0" => Some(Region::ZERO),
            "1" => Some(Region::ONE),
            _ => None,
        }),
        region_name: get(REGION_NAME).unwrap_or_else(|| "an unnamed region".into()),
        step: get(STEP),
        step_title: get(STEP_TITLE),
        state: get(STATE).unwrap_or_else(|| "state not published".into()),
        acquired: spec.acquire_time.map(|t| t.0),
        renewed: spec.renew_time.map(|t| t.0),
        duration: spec
            .lease_duration_seconds
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
    }
}

/// `base` (the stored object, with its resourceVersion, or a new one) carrying `run`: the
/// spec and c8dr's annotations replaced, everything else (other annotations, labels) kept.
/// `transition` counts a change of holder, as leader election does.
pub fn write(base: Option<&Lease>, namespace: &str, run: &RunLease, transition: bool) -> Lease {
    let mut lease = base.cloned().unwrap_or_else(|| Lease {
        metadata: ObjectMeta {
            name: Some(crate::model::run_lease::NAME.into()),
            namespace: Some(namespace.into()),
            labels: Some(BTreeMap::from([(
                "app.kubernetes.io/managed-by".to_string(),
                "c8dr".to_string(),
            )])),
            ..Default::default()
        },
        spec: None,
    });
    let a = lease.metadata.annotations.get_or_insert_with(BTreeMap::new);
    let mut set = |k: &str, v: Option<&str>| match v {
        Some(v) => {
            a.insert(k.to_string(), v.to_string());
        }
        None => {
            a.remove(k);
        }
    };
    set(RUN, Some(&run.run));
    set(PROCEDURE, Some(&run.procedure));
    set(REGION, run.region.map(|r| r.to_string()).as_deref());
    set(REGION_NAME, Some(&run.region_name));
    set(STEP, run.step.as_deref());
    set(STEP_TITLE, run.step_title.as_deref());
    set(STATE, Some(&run.state));
    let old = lease.spec.take().unwrap_or_default();
    lease.spec = Some(LeaseSpec {
        holder_identity: run.holder.clone(),
        lease_duration_seconds: run.duration.and_then(|d| i32::try_from(d.as_secs()).ok()),
        acquire_time: run.acquired.map(MicroTime),
        renew_time: run.renewed.map(MicroTime),
        lease_transitions: Some(old.lease_transitions.unwrap_or(0) + i32::from(transition)),
        ..old
    });
    lease
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunLease {
        RunLease {
            holder: Some("alice@laptop".into()),
            run: "failover-r1-20261201t060301".into(),
            procedure: "failover".into(),
            region: Some(Region::ONE),
            region_name: "paris".into(),
            step: Some("FO-2".into()),
            step_title: Some("Pause the exporters".into()),
            state: "running".into(),
            acquired: Some("2026-12-01T06:03:01.250Z".parse().unwrap()),
            renewed: Some("2026-12-01T06:04:00Z".parse().unwrap()),
            duration: Some(Duration::from_secs(30)),
        }
    }

    #[test]
    fn a_run_survives_the_round_trip_through_the_kubernetes_object() {
        let lease = write(None, "camunda-paris", &run(), true);
        let json = serde_json::to_value(&lease).unwrap();
        assert_eq!(json["metadata"]["name"], "c8dr-runbook");
        assert_eq!(json["spec"]["holderIdentity"], "alice@laptop");
        assert_eq!(json["spec"]["leaseDurationSeconds"], 30);
        assert_eq!(json["spec"]["leaseTransitions"], 1);
        assert_eq!(json["metadata"]["annotations"]["c8dr/step"], "FO-2");
        let back: Lease = serde_json::from_value(json).unwrap();
        assert_eq!(parse(&back), run());
    }

    #[test]
    fn a_rewrite_keeps_foreign_annotations_and_drops_a_finished_step() {
        let mut base = write(None, "ns", &run(), true);
        base.metadata
            .annotations
            .as_mut()
            .unwrap()
            .insert("note".into(), "war room bridge 4".into());
        let mut next = run();
        next.holder = None;
        next.step = None;
        next.state = "completed".into();
        let lease = write(Some(&base), "ns", &next, false);
        let a = lease.metadata.annotations.as_ref().unwrap();
        assert_eq!(a["note"], "war room bridge 4");
        assert!(!a.contains_key(STEP));
        assert_eq!(lease.spec.as_ref().unwrap().lease_transitions, Some(1));
        assert_eq!(parse(&lease), next);
    }

    #[test]
    fn a_lease_made_by_hand_reads_without_guessing() {
        let lease: Lease = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "c8dr-runbook", "annotations": {"c8dr/region": "7"}},
            "spec": {"holderIdentity": "  someone\u{1b}[31m  "}
        }))
        .unwrap();
        let l = parse(&lease);
        assert_eq!(l.region, None);
        assert!(l.holder.as_deref().is_some_and(|h| !h.contains('\u{1b}')));
        assert_eq!(
            l.liveness(jiff::Timestamp::now()),
            crate::model::run_lease::Liveness::Live
        );
    }
}
