//! The numbered runbooks against a Camunda 8.10 lab: failback's re-add now joins as learners
//! and promotes them (PR #61173), and exporting pause/resume are cluster changes, so a pause
//! that never finished blocks the failover's force removal (camunda/camunda#63506) until it is
//! cancelled through the gate.

use crate::common::{TestLab, wait_state_until};
use crate::drive::*;
use crate::runbook::Watching;
use c8dr::api::Region;
use c8dr::runbook::journal::StepState;
use c8dr::runbook::plan::Procedure;
use c8dr_lab::sim::Camunda;
use serde_json::json;

/// Active-active (8.9+): FO-3's DNS change, done by the operator (the lab).
const TRAFFIC_TO_0: &[(&str, &[&str])] = &[("FO-3", &["/lab/traffic/0"])];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_region1_on_810_numbered_fail_over_and_back() {
    let lab = TestLab::start(Camunda::V810, 10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ONE, TRAFFIC_TO_0).await;
    assert_completed(&fo);
    assert_failed_over(&lab, 1, "camundaregion").await;
    assert_eq!(forces(&requests(&lab).await), 1);
    lab.control_post("/lab/regions/1/recreate").await;
    let fb = run(
        &lab,
        &b,
        Procedure::Failback,
        Region::ONE,
        HELM_88_RECREATED_1,
        settings(),
    )
    .await;
    assert_completed(&fb);
    assert_failed_back(&lab, 1).await;
    // The re-add was planned in two phases and every joiner was promoted.
    let c = lab
        .get(format!("{}/actuator/cluster", lab.mgmt(0)))
        .await
        .body;
    for broker in c["brokers"].as_array().unwrap() {
        for p in broker["partitions"].as_array().unwrap() {
            assert_eq!(p["state"], "ACTIVE", "{broker}");
        }
    }
    let log = requests(&lab).await;
    let add = log
        .iter()
        .find(|r| r["method"] == "PATCH" && r["body"]["brokers"]["add"].is_array())
        .expect("the add request");
    assert_eq!(
        add["body"],
        json!({"brokers": {"add": [1, 3, 5, 7]}, "partitions": {"replicationFactor": 4}})
    );
    // Exporting was paused and resumed as cluster changes and ended running.
    let s = lab.state().await;
    assert_eq!(s["exporting"], "EXPORTING", "{s}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbered_failover_on_810_with_a_pending_exporting_change() {
    // A pause (a backup job's, say) held pending when paris is lost: the force removal is
    // refused while it is pending. c8dr names it as the exporting change it is, offers its
    // cancellation through the gate (paris typed), cancels it once, and FO-1 goes on.
    let lab = TestLab::start(Camunda::V810, 10.0).await;
    let b = books();
    let s = lab.control_post("/lab/exporting/stall").await;
    let id = s["pending_change"]["id"]
        .as_i64()
        .expect("a held exporting change");
    lab.control_post("/lab/regions/1/fail").await;
    let config = config(&lab, false);
    let (runner, _) = start(
        &config,
        &b,
        Procedure::Failover,
        Region::ONE,
        |i| Watching {
            inner: drill(&lab, &i.names[Region::ONE], TRAFFIC_TO_0),
            decline_cancel: false,
            asked: vec![],
        },
        settings(),
    )
    .await;
    let (fo, op) = finish(runner).await;
    assert_completed(&fo);
    assert_eq!(states(&fo)[1], ("FO-1".into(), StepState::Done));
    let (key, title, _, preview) = op
        .asked
        .iter()
        .find(|a| a.1.starts_with("Cancel"))
        .cloned()
        .expect("the cancel was offered");
    assert_eq!(key, "FO-1");
    assert_eq!(title, format!("Cancel the blocking change #{id}"));
    let offer = preview.offer.join("\n");
    for part in [
        format!("blocking change #{id} IN_PROGRESS"),
        "an exporting change (EXPORTING_STATE_CHANGE to PAUSED".into(),
        "EXPORTING_STATE_CHANGE ×8".into(),
        "waits on brokers 1, 3, 5, 7 of the lost paris".into(),
    ] {
        assert!(offer.contains(&part), "{part:?} in\n{offer}");
    }
    assert_one_cancel_then_one_force(&lab, id).await;
    assert_failed_over(&lab, 1, "camundaregion").await;
    let s = wait_state_until(&lab, "no pending change", |s| s["pending_change"].is_null()).await;
    assert_eq!(s["last_change"]["status"], "COMPLETED");
    lab.shutdown().await;
}

#[test]
fn a_learner_mid_failback_is_neither_a_replica_nor_a_failure() {
    // PR #61173: during the 8.10 re-add a joiner is a LEARNER in the configuration (and, like
    // any promotable Raft member, a follower to its gateway). It does not vote: the cockpit
    // neither counts it toward quorum nor calls anything failed.
    use c8dr::demo::scenes;
    use c8dr::model::{self, Level, Processing};
    use c8dr_lab::sim::{Entry, Settings, Sim, plan};
    use std::collections::BTreeSet;
    use std::time::Duration;
    let settings = Settings {
        camunda: Camunda::V810,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let mut sim = Sim::new(settings, scenes::clock());
    sim.fail_region(1);
    let odd: BTreeSet<c8dr::api::BrokerId> = [1, 3, 5, 7]
        .into_iter()
        .map(c8dr::api::BrokerId::Numbered)
        .collect();
    let force = plan::force_remove(&sim.members, 8, &odd, 4).unwrap();
    sim.start_change(Entry::Gateway(0), force, false).unwrap();
    sim.tick(Duration::from_secs(5));
    sim.recreate_region(1, false, false);
    let all = (0..8).map(c8dr::api::BrokerId::Numbered).collect();
    let add = sim.versioned(plan::scale(&sim.members, 8, &all, 4).unwrap());
    sim.start_change(Entry::Gateway(0), add, false).unwrap();
    let learner = loop {
        let now = sim.now + Duration::from_millis(20);
        sim.tick(now);
        let found = sim.members.iter().find_map(|(b, m)| {
            m.replicas
                .iter()
                .find(|(_, r)| r.state == c8dr::api::PartitionStateCode::Learner)
                .map(|(p, _)| (*b, *p))
        });
        if let Some(f) = found {
            break f;
        }
        assert!(sim.now < Duration::from_secs(60), "no learner appeared");
    };
    let mut cfg = scenes::model_config(Camunda::V810);
    cfg.stale_after = Duration::from_secs(3600);
    cfg.stale_after_slow = Duration::from_secs(3600);
    let v = model::derive(
        &scenes::observe(&sim, scenes::clock()),
        &cfg,
        scenes::clock(),
        None,
    );
    let (b, p) = learner;
    let part = v.partitions.iter().find(|x| x.id == p).unwrap();
    assert!(!part.replicas.contains(&b), "{part:?}");
    assert!(!part.live_replicas.contains(&b), "{part:?}");
    assert_eq!(part.has_quorum, Some(true));
    assert_eq!(v.processing, Processing::Active);
    assert_ne!(v.verdict.level, Level::Critical, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict
            .reasons
            .iter()
            .all(|r| !r.contains("fail") || r.contains("failover")),
        "{:?}",
        v.verdict.reasons
    );
    assert!(
        v.cluster.pending_change.is_some(),
        "the re-add is shown in flight"
    );
}
