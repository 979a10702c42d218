//! Exporters per region from the brokers' metrics (issue 16 §2): a stuck exporter is named
//! with its partitions, the growth rate and the documented remedy while the other region's
//! stays healthy; an exporter whose Elasticsearch does not answer is not stuck; one that a
//! failover disabled and that came back enabled is an alarm.

use super::{cfg, healthy_pair, now};
use c8dr::api::metrics::{BrokerMetrics, ExporterPhaseCode, PartitionMetrics, RaftRoleCode};
use c8dr::api::*;
use c8dr::model::{self, ClusterView, ExporterFlow, Level, Obs, Snapshot, Source};
use c8dr::source::SourceError;
use serde_json::json;

fn at(s: i64) -> jiff::Timestamp {
    now() + jiff::SignedDuration::from_secs(s)
}

/// Both regions answer, list both exporters with `status1` for region 1's, and report a
/// green Elasticsearch; broker 0 leads partition 1 and exports `x0`/`x1` of `committed`.
fn snapshot(when: i64, committed: i64, x0: i64, x1: i64, status1: &str) -> Snapshot {
    let mut s = healthy_pair(|_| {});
    let list: Vec<ExporterStatus> = serde_json::from_value(json!([
        {"exporterId": "camundaregion0", "status": "ENABLED"},
        {"exporterId": "camundaregion1", "status": status1},
    ]))
    .unwrap();
    let health: c8dr::api::elasticsearch::ClusterHealth =
        serde_json::from_value(json!({"status": "green"})).unwrap();
    for r in Region::BOTH {
        let o = &mut s.regions[r];
        o.topology.as_mut().unwrap().at = at(when);
        o.configured.extend([
            Source::Exporters,
            Source::ElasticsearchHealth,
            Source::Metrics,
        ]);
        o.exporters = Some(Obs::ok(at(when), list.clone()));
        o.es_health = Some(Obs::ok(at(when), health.clone()));
    }
    let leader = PartitionMetrics {
        committed_position: Some(committed),
        role: Some(RaftRoleCode::Leader),
        exporter_phase: Some(ExporterPhaseCode::Exporting),
        exported: [
            ("camundaregion0".to_string(), x0),
            ("camundaregion1".to_string(), x1),
        ]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let metrics = BrokerMetrics {
        partitions: [(1, leader)].into_iter().collect(),
        ..Default::default()
    };
    s.regions[Region::ZERO]
        .metrics
        .insert(BrokerId::Numbered(0), Obs::ok(at(when), metrics));
    s
}

/// Derives the snapshots one after the other, as the cockpit does, with `edit` applied to
/// each; returns the last view.
fn run(steps: &[Snapshot], edit: impl Fn(&mut Snapshot)) -> ClusterView {
    let mut prev: Option<ClusterView> = None;
    for (i, s) in steps.iter().enumerate() {
        let mut s = s.clone();
        edit(&mut s);
        prev = Some(model::derive(&s, &cfg(), at(i as i64), prev.as_ref()));
    }
    prev.unwrap()
}

fn stalled_region1() -> Vec<Snapshot> {
    // Committed grows 100/s; region 0's exporter follows, region 1's stands still at 1000.
    (0..4)
        .map(|i| snapshot(i, 1000 + 100 * i, 990 + 100 * i, 1000, "ENABLED"))
        .collect()
}

#[test]
fn a_stuck_exporter_is_named_with_partitions_rate_and_remedy_and_the_other_stays_healthy() {
    let v = run(&stalled_region1(), |_| {});
    let e0 = &v.exporters[0];
    let e1 = &v.exporters[1];
    assert_eq!(
        (e0.id.as_str(), e0.stuck, e0.flow),
        ("camundaregion0", Some(false), ExporterFlow::Exporting)
    );
    assert_eq!(e0.lag, Some(10));
    assert_eq!(
        (e1.id.as_str(), e1.stuck, e1.flow),
        ("camundaregion1", Some(true), ExporterFlow::Stuck)
    );
    assert_eq!(e1.lag, Some(300));
    assert!((e1.lag_rate_per_s.unwrap() - 100.0).abs() < 0.01, "{e1:?}");
    assert_eq!(e1.region, Some(Region::ONE));
    assert_eq!(v.verdict.level, Level::Warning, "{:?}", v.verdict.reasons);
    let told = super::reason(
        &v,
        "camundaregion1 stuck on partitions 1, lag growing 100/s",
    );
    assert!(
        told.contains("One at a time, restart brokers 0 (leading them)"),
        "{told}"
    );
    assert!(told.contains("camunda/camunda#38724"), "{told}");
    assert!(told.contains("derived from the brokers' metrics"), "{told}");
    assert!(
        !v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("camundaregion0")),
        "{:?}",
        v.verdict.reasons
    );
    // The JSON says it per exporter and partition.
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["version"], 3);
    let j1 = &json["exporters"][1];
    assert_eq!(j1["stuck"], true);
    assert_eq!(j1["lag"], 300);
    assert_eq!(j1["region"], 1);
    assert_eq!(j1["partitions"][0]["id"], 1);
    assert_eq!(j1["partitions"][0]["flow"], "stuck");
    assert_eq!(json["exporters"][0]["stuck"], false);
}

#[test]
fn an_exporter_whose_elasticsearch_does_not_answer_is_blocked_not_stuck() {
    let v = run(&stalled_region1(), |s| {
        s.regions[Region::ONE].es_health = Some(Obs::failed(
            s.regions[Region::ONE].exporters.as_ref().unwrap().at,
            SourceError::Timeout { within: None },
        ));
    });
    let e1 = &v.exporters[1];
    assert_eq!((e1.stuck, e1.flow), (Some(false), ExporterFlow::Blocked));
    assert!(
        !v.verdict.reasons.iter().any(|r| r.contains("stuck")),
        "{:?}",
        v.verdict.reasons
    );
}

#[test]
fn one_observation_cannot_tell_stuck() {
    let v = run(&stalled_region1()[..1], |_| {});
    assert_eq!(v.exporters[1].stuck, None);
    assert_eq!(v.exporters[1].lag, Some(0));
    assert_eq!(
        serde_json::to_value(&v).unwrap()["exporters"][1]["stuck"],
        json!(null)
    );
}

#[test]
fn an_exporter_the_failover_disabled_that_is_enabled_again_is_an_alarm() {
    // Region 1 lost and its exporter disabled, then ENABLED again (camunda/camunda#52260).
    let lose = |s: &mut Snapshot, when: i64| {
        let r1 = &mut s.regions[Region::ONE];
        r1.topology = Some(Obs::failed(at(when), SourceError::Timeout { within: None }));
        r1.exporters = Some(Obs::failed(at(when), SourceError::Timeout { within: None }));
    };
    let mut steps = vec![
        snapshot(0, 1000, 990, 900, "DISABLED"),
        snapshot(1, 1100, 1090, 900, "ENABLED"),
        snapshot(2, 1200, 1190, 900, "ENABLED"),
    ];
    for (i, s) in steps.iter_mut().enumerate() {
        lose(s, i as i64);
    }
    let v = run(&steps, |_| {});
    assert!(v.exporters[1].re_enabled, "{:?}", v.exporters[1]);
    assert_eq!(v.verdict.level, Level::Critical, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict.reasons.iter().any(|r| r.starts_with(
            "camundaregion1 was DISABLED and is ENABLED again while region1 paris does not answer"
        ) && r.contains("camunda/camunda#52260")),
        "{:?}",
        v.verdict.reasons
    );
    // Enabled into a region that answers (the failback's FB-5) is no alarm.
    let v = run(
        &[
            snapshot(0, 1000, 990, 900, "DISABLED"),
            snapshot(1, 1100, 1090, 1095, "ENABLED"),
        ],
        |_| {},
    );
    assert!(!v.exporters[1].re_enabled);
}

#[test]
fn the_event_log_tells_an_exporter_getting_stuck_and_moving_again_once_each() {
    let steps = stalled_region1();
    let mut views: Vec<ClusterView> = vec![];
    for (i, s) in steps.iter().enumerate() {
        let v = model::derive(s, &cfg(), at(i as i64), views.last());
        views.push(v);
    }
    let texts = |a: &ClusterView, b: &ClusterView| -> Vec<String> {
        model::events::diff(a, b)
            .into_iter()
            .map(|e| e.text)
            .collect()
    };
    let told: Vec<String> = views
        .windows(2)
        .flat_map(|w| texts(&w[0], &w[1]))
        .filter(|t| t.contains("stuck") || t.contains("moves again"))
        .collect();
    assert_eq!(told, ["exporter camundaregion1 stuck on partitions 1"]);
    // It moves again: told once.
    let mut moving = views.last().cloned().unwrap();
    for x in &mut moving.exporters {
        x.stuck = Some(false);
    }
    let last = views.last().unwrap();
    assert_eq!(
        texts(last, &moving),
        ["exporter camundaregion1 moves again"]
    );
}
