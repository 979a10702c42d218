//! Runs: the runbook run leases found in the regions' namespaces (issue 17 §1), so every
//! cockpit connected to the cluster shows a run another c8dr is doing. Only a fresh answer
//! counts: a lease last read a while ago would turn "expired" on the clock alone while its
//! holder keeps renewing it where c8dr can no longer look. A read that fails is its source's
//! problem (the region's sources say so); it shows no run and decides nothing else.

use super::Ctx;
use crate::api::Region;
use crate::model::input::Source;
use crate::model::view::RunView;

pub(super) fn runs(cx: &Ctx) -> Vec<RunView> {
    Region::BOTH
        .into_iter()
        .filter_map(|r| {
            let lease = cx
                .fresh_from(Source::RunLease, &cx.snap.regions[r].run_lease)?
                .as_ref()?;
            Some(RunView {
                region: r,
                liveness: lease.liveness(cx.now),
                sentence: lease.sentence(cx.now),
                lease: lease.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::api::{PerRegion, Region};
    use crate::model::run_lease::{Liveness, RunLease};
    use crate::model::{ModelConfig, Obs, Snapshot, Source, derive};
    use crate::source::SourceError;
    use std::time::Duration;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn now() -> jiff::Timestamp {
        at("2026-12-01T06:05:00Z")
    }

    fn cfg() -> ModelConfig {
        ModelConfig {
            name: "t".into(),
            region_names: PerRegion(["london".into(), "paris".into()]),
            zones: crate::api::ZoneMap::from_names(&PerRegion(["london".into(), "paris".into()])),
            primary: Region::ZERO,
            active_active: false,
            traffic_addresses: PerRegion([vec![], vec![]]),
            dns_configured: false,
            kube: PerRegion([Some("a/b".into()), Some("c/d".into())]),
            stale_after: Duration::from_secs(5),
            stale_after_slow: Duration::from_secs(12),
            exporter_still_after: Duration::ZERO,
        }
    }

    /// alice's failover of paris, on FO-2, renewed at `renewed` for 30 s.
    fn lease(holder: Option<&str>, renewed: &str) -> RunLease {
        RunLease {
            holder: holder.map(str::to_string),
            run: "failover-r1-20261201t060301".into(),
            procedure: "failover".into(),
            region: Some(Region::ONE),
            region_name: "paris".into(),
            step: Some("FO-2".into()),
            step_title: Some("Pause the exporters".into()),
            state: "running".into(),
            acquired: Some(at("2026-12-01T06:03:01Z")),
            renewed: Some(at(renewed)),
            duration: Some(Duration::from_secs(30)),
        }
    }

    fn snap(leases: [Option<Obs<Option<RunLease>>>; 2]) -> Snapshot {
        let mut s = Snapshot::default();
        for (r, o) in Region::BOTH.into_iter().zip(leases) {
            s.regions[r].configured.insert(Source::RunLease);
            s.regions[r].run_lease = o;
        }
        s
    }

    fn runs(s: &Snapshot) -> Vec<crate::model::RunView> {
        derive(s, &cfg(), now(), None).runs
    }

    #[test]
    fn a_live_lease_is_a_run_in_progress_where_it_was_found() {
        let live = Obs::ok(
            now(),
            Some(lease(Some("alice@laptop"), "2026-12-01T06:04:50Z")),
        );
        let v = runs(&snap([Some(live), None]));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].region, Region::ZERO);
        assert_eq!(v[0].liveness, Liveness::Live);
        assert!(v[0].held());
        assert_eq!(
            v[0].sentence,
            "failover of paris in progress by alice@laptop since 06:03:01Z, FO-2 running"
        );
    }

    #[test]
    fn an_expired_lease_says_its_holder_may_have_died() {
        let old = Obs::ok(
            now(),
            Some(lease(Some("alice@laptop"), "2026-12-01T06:04:00Z")),
        );
        let v = runs(&snap([Some(old), None]));
        assert_eq!(v[0].liveness, Liveness::Expired);
        assert!(v[0].held());
        assert!(
            v[0].sentence.contains("lease EXPIRED") && v[0].sentence.contains("may have died"),
            "{}",
            v[0].sentence
        );
    }

    #[test]
    fn a_released_lease_is_the_last_runs_outcome_and_binds_nobody() {
        let mut l = lease(None, "2026-12-01T06:04:50Z");
        l.state = "completed".into();
        l.step = None;
        let v = runs(&snap([None, Some(Obs::ok(now(), Some(l)))]));
        assert_eq!(v[0].region, Region::ONE);
        assert_eq!(v[0].liveness, Liveness::Released);
        assert!(!v[0].held());
        assert_eq!(
            v[0].sentence,
            "failover of paris completed (run failover-r1-20261201t060301)"
        );
    }

    #[test]
    fn no_lease_a_failed_read_or_a_stale_answer_show_no_run() {
        let absent = Obs::ok(now(), None);
        let forbidden = Obs::failed(now(), SourceError::Kube("lease c8dr-runbook: 403".into()));
        assert!(runs(&snap([Some(absent), Some(forbidden)])).is_empty());
        assert!(runs(&snap([None, None])).is_empty());
        // Read a minute ago: its holder may have renewed it since, so no word on it.
        let stale = Obs::ok(
            at("2026-12-01T06:04:00Z"),
            Some(lease(Some("alice@laptop"), "2026-12-01T06:04:00Z")),
        );
        assert!(runs(&snap([Some(stale), None])).is_empty());
    }

    #[test]
    fn a_lease_in_each_region_is_two_runs_in_region_order() {
        let mut other = lease(Some("bob@bastion"), "2026-12-01T06:04:55Z");
        other.run = "failback-r0-20261201t060400".into();
        other.procedure = "failback".into();
        other.region_name = "london".into();
        let v = runs(&snap([
            Some(Obs::ok(
                now(),
                Some(lease(Some("alice@laptop"), "2026-12-01T06:04:50Z")),
            )),
            Some(Obs::ok(now(), Some(other))),
        ]));
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].region, v[1].region), (Region::ZERO, Region::ONE));
        assert!(
            v[1].sentence
                .starts_with("failback of london in progress by bob@bastion")
        );
    }
}
