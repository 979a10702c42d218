//! Words a later Camunda may send that c8dr does not know (issue 17 §2, "unknown values
//! kept"): the payload is still read, the word is shown as it came, and it never counts as
//! the good case: an unknown role is no leader, an unknown health is not healthy, an unknown
//! exporter or Elasticsearch state is said, not passed over.

use super::{cfg, healthy_pair, now};
use c8dr::api::*;
use c8dr::model::{self, Level, Obs, Processing, ReplicaHealth, ReplicaRole, Source};
use serde_json::json;

#[test]
fn an_unknown_role_is_never_a_leader() {
    let s = healthy_pair(|p| {
        if p["role"] == "leader" {
            p["role"] = json!("promoting");
        }
    });
    let v = model::derive(&s, &cfg(), now(), None);
    let p = &v.partitions[0];
    assert_eq!(p.has_quorum, Some(true), "the replicas answer: {p:?}");
    assert_eq!(p.leader, None);
    assert!(p.reported_leaders.is_empty(), "{p:?}");
    let b0 = v
        .brokers
        .iter()
        .find(|b| b.id == BrokerId::Numbered(0))
        .unwrap();
    assert_eq!(
        b0.partitions[0].role,
        ReplicaRole::Other("promoting".into())
    );
    assert_eq!(b0.partitions[0].role.to_string(), "promoting");
    assert_eq!(v.verdict.level, Level::Critical, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("no partition has a leader")),
        "{:?}",
        v.verdict.reasons
    );
}

#[test]
fn an_unknown_health_is_never_healthy() {
    // Every replica in a health c8dr does not know: shown as it came, never "healthy", and
    // whether the partition has quorum cannot be told (the word may mean dead).
    let v = model::derive(
        &healthy_pair(|p| p["health"] = json!("stalled")),
        &cfg(),
        now(),
        None,
    );
    let p = &v.partitions[0];
    assert_eq!(p.health, ReplicaHealth::Other("stalled".into()));
    assert_eq!(p.health.to_string(), "stalled");
    assert_eq!(p.has_quorum, None, "{p:?}");
    assert_eq!(p.leader, None, "no leader is shown as committing: {p:?}");
    assert_eq!(v.processing, Processing::Unknown);
    assert_ne!(v.verdict.level, Level::Ok, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict.reasons.iter().any(|r| r.contains("stalled")),
        "the word is said: {:?}",
        v.verdict.reasons
    );
    assert!(
        !v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("no fresh topology")),
        "{:?}",
        v.verdict.reasons
    );
}

#[test]
fn a_quorum_that_does_not_depend_on_an_unknown_health_is_told() {
    // One follower of four (broker 3's) in an unknown health: three healthy replicas are a
    // majority whatever the word means; the partition's health is the word (the worst), said.
    let mut s = healthy_pair(|_| {});
    for r in Region::BOTH {
        let t = s.regions[r].topology.as_mut().unwrap();
        let Ok(t) = &mut t.value else { panic!() };
        let b3 = t
            .brokers
            .iter_mut()
            .find(|b| b.id() == BrokerId::Numbered(3))
            .unwrap();
        b3.partitions[0].health = PartitionHealth::parse("stalled");
    }
    let v = model::derive(&s, &cfg(), now(), None);
    let p = &v.partitions[0];
    assert_eq!(p.has_quorum, Some(true), "{p:?}");
    assert_eq!(p.leader, Some(BrokerId::Numbered(0)));
    assert_eq!(p.health, ReplicaHealth::Other("stalled".into()));
    assert_eq!(v.processing, Processing::Active);
    assert_eq!(v.verdict.level, Level::Warning, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("partitions 1 report health stalled")),
        "{:?}",
        v.verdict.reasons
    );

    // Three dead and one unknown: no majority whatever the word means.
    for r in Region::BOTH {
        let t = s.regions[r].topology.as_mut().unwrap();
        let Ok(t) = &mut t.value else { panic!() };
        for b in &mut t.brokers {
            if b.id() != BrokerId::Numbered(3) {
                b.partitions[0].health = PartitionHealth::Dead;
            }
        }
    }
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.partitions[0].has_quorum, Some(false));
    assert_eq!(v.processing, Processing::Halted);
    // `dead` is shown before an unknown word: it surely stops processing.
    assert_eq!(v.partitions[0].health, ReplicaHealth::Dead);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("report health dead")),
        "{:?}",
        v.verdict.reasons
    );
}

/// The agreed configuration for `healthy_pair`: partition 1 on brokers 0..3, broker 3's
/// replica in `state`.
fn configuration(state: &str) -> ClusterTopology {
    let brokers: Vec<_> = (0..4)
        .map(|id| {
            let st = if id == 3 { state } else { "ACTIVE" };
            json!({"id": id, "state": "ACTIVE", "version": 3,
                   "partitions": [{"id": 1, "state": st, "priority": 1}]})
        })
        .collect();
    serde_json::from_value(json!({"version": 3, "brokers": brokers})).unwrap()
}

#[test]
fn a_replica_in_an_unknown_state_leaves_the_quorum_untold() {
    // Brokers 2 and 3 dead: with broker 3 a voter the partition has no majority (2 of 4),
    // without it it has one (2 of 3). A state c8dr does not know could mean either.
    let mut s = healthy_pair(|_| {});
    for r in Region::BOTH {
        let t = s.regions[r].topology.as_mut().unwrap();
        let Ok(t) = &mut t.value else { panic!() };
        for b in &mut t.brokers {
            if b.id() >= BrokerId::Numbered(2) {
                b.partitions[0].health = PartitionHealth::Dead;
            }
        }
    }
    s.regions[Region::ZERO].configured.insert(Source::Cluster);
    s.regions[Region::ZERO].cluster = Some(Obs::ok(now(), configuration("ACTIVE")));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(
        v.partitions[0].has_quorum,
        Some(false),
        "{:?}",
        v.partitions[0]
    );

    s.regions[Region::ZERO].cluster = Some(Obs::ok(now(), configuration("PROMOTING")));
    let v = model::derive(&s, &cfg(), now(), None);
    let p = &v.partitions[0];
    assert_eq!(p.has_quorum, None, "{p:?}");
    assert_eq!(p.leader, None);
    assert_eq!(v.processing, Processing::Unknown);
    assert!(
        v.verdict.reasons.iter().any(|r| r.contains("PROMOTING")),
        "the word is said: {:?}",
        v.verdict.reasons
    );
    assert_ne!(v.verdict.level, Level::Ok);
}

#[test]
fn an_unknown_exporter_state_is_said() {
    let mut s = healthy_pair(|_| {});
    s.regions[Region::ZERO].configured.insert(Source::Exporters);
    s.regions[Region::ZERO].exporters = Some(Obs::ok(
        now(),
        serde_json::from_value(json!([
            {"exporterId": "camundaregion0", "status": "PAUSING"},
            {"exporterId": "camundaregion1", "status": "ENABLED"}
        ]))
        .unwrap(),
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    let e = v
        .exporters
        .iter()
        .find(|e| e.id == "camundaregion0")
        .unwrap();
    assert_eq!(e.status.to_string(), "PAUSING");
    assert_ne!(v.verdict.level, Level::Ok, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("exporter camundaregion0 is PAUSING")),
        "{:?}",
        v.verdict.reasons
    );
}

#[test]
fn an_unknown_elasticsearch_health_is_not_green() {
    let mut s = healthy_pair(|_| {});
    s.regions[Region::ONE]
        .configured
        .insert(Source::ElasticsearchHealth);
    s.regions[Region::ONE].es_health = Some(Obs::ok(
        now(),
        serde_json::from_value(json!({"cluster_name": "c", "status": "purple"})).unwrap(),
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    let r = v.region(Region::ONE).unwrap();
    assert_eq!(r.elasticsearch.status.to_string(), "purple");
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("Elasticsearch is purple")),
        "{:?}",
        v.verdict.reasons
    );
    assert_ne!(v.verdict.level, Level::Ok);
}
