//! Property tests of `model::derive` (issue 17 §2): random observation sets built from a few
//! brokers, partitions and the real role and health words (plus unknown ones), with sources
//! missing, failed or stale. The model never panics, and what it says holds together.

use c8dr::api::*;
use c8dr::model::{self, ModelConfig, Obs, PodInfo, Snapshot, Source};
use c8dr::source::SourceError;
use proptest::prelude::*;
use serde_json::json;
use std::time::Duration;

/// A small budget inside `cargo test`; the bench binary `props` runs many more.
pub fn config() -> ProptestConfig {
    config_with(64)
}

/// `cases` cases, no persistence files written into the repository.
pub fn config_with(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn cfg() -> ModelConfig {
    ModelConfig {
        name: "prop".into(),
        region_names: PerRegion(["london".into(), "paris".into()]),
        zones: ZoneMap::from_names(&PerRegion(["london".into(), "paris".into()])),
        primary: Region::ZERO,
        active_active: false,
        traffic_addresses: PerRegion([
            vec!["10.0.0.10".parse().unwrap()],
            vec!["10.0.0.11".parse().unwrap()],
        ]),
        dns_configured: true,
        kube: PerRegion([None, None]),
        stale_after: Duration::from_secs(5),
        stale_after_slow: Duration::from_secs(12),
        exporter_still_after: Duration::ZERO,
    }
}

fn now() -> jiff::Timestamp {
    "2026-11-27T12:00:00Z".parse().unwrap()
}

const ROLES: &[&str] = &[
    "leader",
    "follower",
    "inactive",
    "candidate",
    "promoting",
    "odd",
];
const HEALTH: &[&str] = &["healthy", "unhealthy", "dead", "weird"];

/// How a source answered: not at all, with an error, stale, or fresh.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Missing,
    Failed,
    Stale,
    Fresh,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        1 => Just(Answer::Missing),
        1 => Just(Answer::Failed),
        1 => Just(Answer::Stale),
        3 => Just(Answer::Fresh),
    ]
}

fn obs<T>(a: Answer, value: T) -> Option<Obs<T>> {
    match a {
        Answer::Missing => None,
        Answer::Failed => Some(Obs::failed(
            now(),
            SourceError::Connect {
                cause: Some("Connection refused".into()),
            },
        )),
        Answer::Stale => Some(Obs::ok(now() - jiff::SignedDuration::from_secs(60), value)),
        Answer::Fresh => Some(Obs::ok(now(), value)),
    }
}

/// One broker as a gateway lists it: (broker id, [(partition, role, health)]).
type Listed = (i32, Vec<(i32, usize, usize)>);

fn listed() -> impl Strategy<Value = Listed> {
    (
        0..8i32,
        proptest::collection::vec((1..5i32, 0..ROLES.len(), 0..HEALTH.len()), 0..5),
    )
}

fn topology(brokers: &[Listed], size: i32, rf: i32, parts: i32) -> TopologyResponse {
    let brokers: Vec<_> = brokers
        .iter()
        .map(|(id, ps)| {
            json!({"nodeId": id, "host": format!("camunda-zeebe-{}", id / 2), "port": 26501,
                   "version": "8.8.0",
                   "partitions": ps.iter().map(|(p, r, h)| json!({"partitionId": p,
                        "role": ROLES[*r], "health": HEALTH[*h]})).collect::<Vec<_>>()})
        })
        .collect();
    serde_json::from_value(json!({"brokers": brokers, "clusterSize": size,
        "partitionsCount": parts, "replicationFactor": rf, "gatewayVersion": "8.8.0",
        "lastCompletedChangeId": "-1"}))
    .unwrap()
}

fn cluster(members: &[i32], parts: i32, rf: i32) -> ClusterTopology {
    let brokers: Vec<_> = members
        .iter()
        .map(|id| {
            // Replicas round robin over the members, as the chart lays them out.
            let ps: Vec<_> = (1..=parts)
                .filter(|p| {
                    members.iter().position(|m| m == id).is_some_and(|i| {
                        (0..rf).any(|k| (*p as usize - 1 + k as usize) % members.len() == i)
                    })
                })
                .map(|p| json!({"id": p, "state": "ACTIVE", "priority": 1}))
                .collect();
            json!({"id": id, "state": "ACTIVE", "version": 3, "partitions": ps})
        })
        .collect();
    serde_json::from_value(json!({"version": 3, "brokers": brokers})).unwrap()
}

#[derive(Debug, Clone)]
struct RegionGen {
    topo: (Answer, Vec<Listed>, i32, i32, i32),
    cluster: (Answer, Vec<i32>, i32, i32),
    pods: (Answer, Vec<(i32, bool)>),
}

fn region_gen() -> impl Strategy<Value = RegionGen> {
    (
        (
            answer(),
            proptest::collection::vec(listed(), 0..8),
            0..10i32,
            0..5i32,
            0..5i32,
        ),
        (
            answer(),
            proptest::collection::btree_set(0..8i32, 0..8),
            1..5i32,
            1..5i32,
        ),
        (
            answer(),
            proptest::collection::vec((0..8i32, any::<bool>()), 0..8),
        ),
    )
        .prop_map(|(t, (ca, members, parts, rf), pods)| RegionGen {
            topo: t,
            cluster: (ca, members.into_iter().collect(), parts, rf),
            pods,
        })
}

fn snapshot(gens: &[RegionGen; 2]) -> Snapshot {
    let mut s = Snapshot::default();
    for (r, g) in [Region::ZERO, Region::ONE].into_iter().zip(gens) {
        let o = &mut s.regions[r];
        o.configured
            .extend([Source::Topology, Source::Cluster, Source::Pods]);
        let (a, brokers, size, rf, parts) = &g.topo;
        o.topology = obs(*a, topology(brokers, *size, *rf, *parts));
        let (a, members, parts, rf) = &g.cluster;
        if !members.is_empty() {
            o.cluster = obs(*a, cluster(members, *parts, *rf));
        }
        let (a, pods) = &g.pods;
        o.pods = obs(
            *a,
            pods.iter()
                .map(|(i, ready)| PodInfo {
                    name: format!("camunda-zeebe-{i}"),
                    broker: Some(BrokerId::Numbered(*i)),
                    ready: *ready,
                    status: "Running".into(),
                    ip: None,
                })
                .collect(),
        );
    }
    s
}

/// Derives views from random observation sets and checks each holds together.
pub fn check_derive(config: ProptestConfig) {
    let mut runner = proptest::test_runner::TestRunner::new(config);
    runner
        .run(
            &(region_gen(), region_gen(), any::<bool>()),
            |(a, b, again)| {
                let s = snapshot(&[a, b]);
                let first = model::derive(&s, &cfg(), now(), None);
                // With memory too: the second view is derived from the first.
                let v = if again {
                    model::derive(&s, &cfg(), now(), Some(&first))
                } else {
                    first
                };
                for p in &v.partitions {
                    if let Some(l) = p.leader {
                        prop_assert!(
                            p.live_replicas.contains(&l),
                            "partition {}: leader {l:?} not among live {:?}",
                            p.id,
                            p.live_replicas
                        );
                        prop_assert_eq!(
                            p.has_quorum,
                            Some(true),
                            "partition {}: a committing leader without quorum",
                            p.id
                        );
                    }
                    if p.has_quorum == Some(false) {
                        prop_assert!(p.leader.is_none(), "partition {} LOST and committing", p.id);
                    }
                }
                for r in &v.regions {
                    if let (Some(up), Some(expected)) = (r.brokers_up, r.brokers_expected) {
                        prop_assert!(
                            up <= expected,
                            "{}: {up} brokers up of {expected} expected",
                            r.name
                        );
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn derive_never_panics_and_its_view_holds_together() {
    check_derive(config());
}
