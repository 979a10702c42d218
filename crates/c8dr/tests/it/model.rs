//! The model on real payloads and odd inputs: quorum from replicas (never roles), stale data,
//! splits, unusual sizes, unknown words, contradictions, traffic, verdicts and events.

use crate::common::examples_dir;
use c8dr::api::*;
use c8dr::model::run_lease::RunLease;
use c8dr::model::{self, Level, ModelConfig, Obs, PodInfo, Processing, Reach, Snapshot, Source};
use c8dr::source::SourceError;
use serde_json::json;
use std::time::Duration;

fn example<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = std::fs::read_to_string(examples_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn cfg() -> ModelConfig {
    ModelConfig {
        name: "test".into(),
        region_names: PerRegion(["london".into(), "paris".into()]),
        zones: c8dr::api::ZoneMap::from_names(&PerRegion(["london".into(), "paris".into()])),
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

pub(crate) fn now() -> jiff::Timestamp {
    "2026-11-27T12:00:00Z".parse().unwrap()
}

/// The verdict's reason that starts with `prefix`; the test fails naming all of them when
/// none does.
pub fn reason<'a>(v: &'a model::ClusterView, prefix: &str) -> &'a str {
    v.verdict
        .reasons
        .iter()
        .find(|r| r.starts_with(prefix))
        .unwrap_or_else(|| panic!("no reason starts with {prefix:?}: {:?}", v.verdict.reasons))
}

fn snap_with_topology(region: Region, t: TopologyResponse) -> Snapshot {
    let mut s = Snapshot::default();
    s.regions[region].configured.insert(Source::Topology);
    s.regions[region].topology = Some(Obs::ok(now(), t));
    s
}

/// `cannot connect: Connection refused`.
fn refused() -> SourceError {
    SourceError::Connect {
        cause: Some("Connection refused".into()),
    }
}

fn fail(s: &mut Snapshot, region: Region, why: SourceError) {
    s.regions[region].configured.insert(Source::Topology);
    s.regions[region].topology = Some(Obs::failed(now(), why));
}

#[test]
fn the_documented_region_loss_is_halted_although_leaders_are_reported() {
    for name in [
        "v2-topology-get-region-lost-before-failover-8.6.0-doc.json",
        "v2-topology-get-region-lost-before-failover-8.8.0-doc.json",
    ] {
        let mut s = snap_with_topology(Region::ZERO, example(name));
        fail(&mut s, Region::ONE, refused());
        let v = model::derive(&s, &cfg(), now(), None);
        assert_eq!(v.processing, Processing::Halted, "{name}");
        assert!(
            v.partitions
                .iter()
                .all(|p| p.has_quorum == Some(false) && p.leader.is_none()),
            "{name}"
        );
        assert!(
            v.partitions.iter().any(|p| !p.reported_leaders.is_empty()),
            "stale leaders are still shown as reported"
        );
        assert_eq!(v.region(Region::ONE).unwrap().reachable, Reach::Down);
        assert_eq!(v.verdict.level, Level::Critical);
        assert!(
            v.verdict.reasons[0].contains(
                "fail over when the region will not come back soon (c8dr failover --lost paris)"
            ),
            "{:?}",
            v.verdict.reasons
        );
        // Without the cluster configuration the members are unknown; the survivors are seen.
        assert_eq!(
            v.brokers
                .iter()
                .filter(|b| b.reachable == Some(true))
                .count(),
            4
        );
    }
}

#[test]
fn after_the_documented_force_removal_processing_is_active_with_rf_2() {
    let mut s = snap_with_topology(
        Region::ZERO,
        example("v2-topology-get-after-force-remove-8.8.0-doc.json"),
    );
    fail(&mut s, Region::ONE, SourceError::Connect { cause: None });
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.processing, Processing::Active);
    assert_eq!(v.cluster.replication_factor, Some(2));
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("replication factor 2")),
        "{:?}",
        v.verdict.reasons
    );
}

fn broker(id: i32, parts: &[(i32, &str)]) -> serde_json::Value {
    json!({"nodeId": id, "host": format!("camunda-zeebe-{}", id / 2), "port": 26501, "version": "8.8.0",
           "partitions": parts.iter().map(|(p, r)| json!({"partitionId": p, "role": r, "health": "healthy"})).collect::<Vec<_>>()})
}

fn topo(brokers: Vec<serde_json::Value>, size: i32, rf: i32, parts: i32) -> TopologyResponse {
    serde_json::from_value(json!({"brokers": brokers, "clusterSize": size, "partitionsCount": parts,
                                  "replicationFactor": rf, "gatewayVersion": "8.8.0", "lastCompletedChangeId": "-1"}))
    .unwrap()
}

#[test]
fn a_split_halts_both_halves_even_though_every_broker_is_seen() {
    // Each gateway sees only its own region's brokers.
    let t0 = topo(
        vec![broker(0, &[(1, "leader")]), broker(2, &[(1, "follower")])],
        4,
        4,
        1,
    );
    let t1 = topo(
        vec![broker(1, &[(1, "leader")]), broker(3, &[(1, "follower")])],
        4,
        4,
        1,
    );
    let mut s = snap_with_topology(Region::ZERO, t0);
    s.regions[Region::ONE].configured.insert(Source::Topology);
    s.regions[Region::ONE].topology = Some(Obs::ok(now(), t1));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.processing, Processing::Halted);
    assert_eq!(
        v.brokers
            .iter()
            .filter(|b| b.reachable == Some(true))
            .count(),
        4
    );
    assert!(
        v.verdict.reasons[0].contains("network split"),
        "{:?}",
        v.verdict.reasons
    );
}

#[test]
fn the_first_seconds_of_a_lost_region_are_not_called_a_network_split() {
    // Region 1's topology answered a moment ago (still fresh), its cluster read now fails:
    // the region is not down yet, but it does not answer either.
    let t0 = topo(
        vec![broker(0, &[(1, "leader")]), broker(2, &[(1, "follower")])],
        4,
        4,
        1,
    );
    let t1 = topo(
        vec![broker(1, &[(1, "follower")]), broker(3, &[(1, "follower")])],
        4,
        4,
        1,
    );
    let mut s = snap_with_topology(Region::ZERO, t0);
    s.regions[Region::ONE].configured.insert(Source::Topology);
    s.regions[Region::ONE].topology = Some(Obs::ok(now() - jiff::SignedDuration::from_secs(1), t1));
    s.regions[Region::ONE].configured.insert(Source::Cluster);
    s.regions[Region::ONE].cluster = Some(Obs::failed(now(), refused()));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.processing, Processing::Halted);
    let words = v.verdict.reasons.join(" | ");
    assert!(
        !words.contains("cannot reach each other") && !words.contains("do not fail over"),
        "{words}"
    );
    assert!(
        words.contains("processing halted while region1 paris stops answering"),
        "{words}"
    );
}

#[test]
fn odd_shapes_unknown_words_and_missing_fields_do_not_break_the_model() {
    // Six brokers, RF 3, a broker with no partitions, a role nobody knows.
    let t = topo(
        vec![
            broker(0, &[(1, "leader"), (2, "follower")]),
            broker(2, &[(1, "follower"), (2, "candidate")]),
            broker(4, &[(1, "follower"), (2, "leader")]),
            broker(6, &[]),
        ],
        6,
        3,
        2,
    );
    let mut s = snap_with_topology(Region::ZERO, t);
    fail(&mut s, Region::ONE, SourceError::Timeout { within: None });
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.cluster.size, Some(6));
    assert_eq!(v.partitions.len(), 2);
    assert!(
        v.partitions.iter().all(|p| p.has_quorum == Some(true)),
        "{:?}",
        v.partitions
    );
    let b6 = v
        .brokers
        .iter()
        .find(|b| b.id == BrokerId::Numbered(6))
        .unwrap();
    assert_eq!(
        b6.member, None,
        "without a cluster configuration membership is unknown, never guessed from partitions: []"
    );
    assert!(
        !v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("not cluster members")),
        "{:?}",
        v.verdict.reasons
    );

    // A topology with only required-by-nobody fields.
    let bare: TopologyResponse =
        serde_json::from_value(json!({"brokers": [{"nodeId": 1}]})).unwrap();
    let v = model::derive(&snap_with_topology(Region::ONE, bare), &cfg(), now(), None);
    assert_eq!(v.processing, Processing::Unknown);
    assert_eq!(v.region(Region::ZERO).unwrap().reachable, Reach::Unknown);
}

#[test]
fn contradicting_sources_prefer_the_newest_configuration_and_never_count_twice() {
    let mut s = Snapshot::default();
    let duplicate = topo(
        vec![
            broker(0, &[(1, "leader")]),
            broker(0, &[(1, "leader")]),
            broker(2, &[(1, "follower")]),
        ],
        4,
        4,
        1,
    );
    s.regions[Region::ZERO].topology = Some(Obs::ok(now(), duplicate));
    let mut old: ClusterTopology = example("actuator-cluster-get-steady-after-purge-8.8-doc.json");
    old.version = Some(1);
    let mut newer = old.clone();
    newer.version = Some(9);
    newer.brokers[0].partitions.clear();
    s.regions[Region::ZERO].cluster = Some(Obs::ok(now(), old));
    s.regions[Region::ONE].cluster = Some(Obs::ok(now(), newer));
    let v = model::derive(&s, &cfg(), now(), None);
    assert!(
        v.partitions.iter().all(|p| p.live_replicas.len() <= 1),
        "a broker listed twice counts once per replica: {:?}",
        v.partitions
    );
}

#[test]
fn stale_observations_count_as_missing() {
    let mut s = snap_with_topology(
        Region::ZERO,
        example("v2-topology-get-after-force-remove-8.8.0-doc.json"),
    );
    let later = now() + jiff::SignedDuration::from_secs(60);
    let v = model::derive(&s, &cfg(), later, None);
    assert_eq!(v.processing, Processing::Unknown);
    assert_eq!(
        v.region(Region::ZERO).unwrap().reachable,
        Reach::Down,
        "old data is not a live region"
    );
    s.regions[Region::ZERO].topology.as_mut().unwrap().at = later;
    assert_eq!(
        model::derive(&s, &cfg(), later, None).processing,
        Processing::Active
    );
}

#[test]
fn exporters_exporting_and_traffic() {
    let mut s = snap_with_topology(
        Region::ZERO,
        example("v2-topology-get-after-force-remove-8.8.0-doc.json"),
    );
    fail(&mut s, Region::ONE, SourceError::Connect { cause: None });
    s.regions[Region::ZERO].exporters = Some(Obs::ok(
        now(),
        example("actuator-exporters-get-dual-region-both-enabled-8.8-doc.json"),
    ));
    s.regions[Region::ZERO].partitions.insert(
        BrokerId::Numbered(0),
        Obs::ok(
            now(),
            example("actuator-partitions-get-test-BrokerAdminServiceEndpointTest.json"),
        ),
    );
    s.dns = Some(Obs::ok(now(), vec!["10.0.0.11".parse().unwrap()]));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(
        v.exporters.iter().map(|e| e.region).collect::<Vec<_>>(),
        vec![Some(Region::ZERO), Some(Region::ONE)]
    );
    assert!(
        v.verdict.reasons.iter().any(|r| r
            .contains("camundaregion1 (failover step 2): it still exports to unreachable region1")),
        "{:?}",
        v.verdict.reasons
    );
    assert_eq!(v.exporting.as_str(), "running");
    assert_eq!(v.traffic.observed, Some(vec![Region::ONE]));
    assert_eq!(v.traffic.agrees, Some(false));
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("user traffic still goes to unreachable region1")),
        "{:?}",
        v.verdict.reasons
    );
    assert_eq!(v.verdict.level, Level::Critical);

    // Active-active: both regions in DNS is the healthy state.
    let mut aa = cfg();
    aa.active_active = true;
    let mut healthy = Snapshot::default();
    for r in Region::BOTH {
        healthy.regions[r].topology = Some(Obs::ok(
            now(),
            topo(
                vec![broker(0, &[(1, "leader")]), broker(1, &[(1, "follower")])],
                2,
                2,
                1,
            ),
        ));
    }
    healthy.dns = Some(Obs::ok(
        now(),
        vec!["10.0.0.10".parse().unwrap(), "10.0.0.11".parse().unwrap()],
    ));
    assert_eq!(
        model::derive(&healthy, &aa, now(), None).traffic.agrees,
        Some(true)
    );
}

#[test]
fn events_name_what_changed() {
    let healthy_topo = || {
        topo(
            vec![
                broker(0, &[(1, "leader")]),
                broker(1, &[(1, "follower")]),
                broker(2, &[(1, "follower")]),
                broker(3, &[(1, "follower")]),
            ],
            4,
            4,
            1,
        )
    };
    let mut s = snap_with_topology(Region::ZERO, healthy_topo());
    s.regions[Region::ONE].topology = Some(Obs::ok(now(), healthy_topo()));
    let before = model::derive(&s, &cfg(), now(), None);
    assert_eq!(before.processing, Processing::Active);
    let lost = topo(
        vec![broker(0, &[(1, "leader")]), broker(2, &[(1, "follower")])],
        4,
        4,
        1,
    );
    let mut s2 = snap_with_topology(Region::ZERO, lost);
    fail(&mut s2, Region::ONE, SourceError::Connect { cause: None });
    let after = model::derive(&s2, &cfg(), now(), Some(&before));
    let texts: Vec<String> = model::events::diff(&before, &after)
        .into_iter()
        .map(|e| e.text)
        .collect();
    assert!(
        texts.iter().any(|t| t == "region1 paris unreachable"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "brokers 1,3 gone"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("partition 1 lost quorum")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "processing halted"), "{texts:?}");
}

#[test]
fn pods_show_readiness_and_running_non_members() {
    let mut s = snap_with_topology(
        Region::ZERO,
        example("v2-topology-get-after-force-remove-8.8.0-doc.json"),
    );
    s.regions[Region::ONE].configured.insert(Source::Pods);
    s.regions[Region::ONE].pods = Some(Obs::ok(
        now(),
        (0..4)
            .map(|i| PodInfo {
                name: format!("camunda-zeebe-{i}"),
                broker: Some(BrokerId::Numbered(i * 2 + 1)),
                ready: false,
                status: "Running".into(),
                ip: None,
            })
            .collect(),
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    let r1 = v.region(Region::ONE).unwrap();
    assert_eq!((r1.pods_ready, r1.pods_total), (Some(0), Some(4)));
    assert_eq!(
        v.brokers
            .iter()
            .filter(|b| b.pod_ready == Some(false))
            .count(),
        4
    );
}

#[test]
fn a_garbled_partition_count_is_bounded() {
    let t = topo(vec![broker(0, &[(1, "leader")])], 1, 1, i32::MAX);
    let v = model::derive(&snap_with_topology(Region::ZERO, t), &cfg(), now(), None);
    assert_eq!(v.partitions.len(), model::derive::MAX_PARTITIONS);
}

#[test]
fn the_upgrade_watch_counts_spare_replicas_per_partition() {
    use c8dr::demo::scenes;
    use c8dr_lab::sim::{Camunda, Settings, Sim};
    let view_with_down = |down: &[i32]| {
        let settings = Settings {
            camunda: Camunda::V88,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        let mut sim = Sim::new(settings, scenes::clock());
        for b in down {
            sim.delete_broker_pod(BrokerId::Numbered(*b));
        }
        let mut cfg = scenes::model_config(Camunda::V88);
        cfg.stale_after = Duration::from_secs(3600);
        model::derive(
            &scenes::observe(&sim, scenes::clock()),
            &cfg,
            scenes::clock(),
            None,
        )
    };
    // One broker restarting: its partitions are at their last spare replica.
    let v = view_with_down(&[0]);
    assert_eq!(v.processing, Processing::Active);
    let last: Vec<i32> = v
        .partitions
        .iter()
        .filter(|p| p.spare == Some(0))
        .map(|p| p.id)
        .collect();
    assert_eq!(last, vec![1, 6, 7, 8]);
    assert_eq!(v.verdict.level, Level::Warning);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.starts_with("partitions 1, 6, 7, 8 at their last spare replica")),
        "{:?}",
        v.verdict.reasons
    );
    // Brokers 0 and 2 down together cost partition 1 its quorum; 0 and 4 do not.
    let v = view_with_down(&[0, 2]);
    assert_eq!(v.partitions[0].has_quorum, Some(false));
    assert_eq!(v.processing, Processing::Degraded);
    assert_eq!(v.verdict.level, Level::Critical);
    let v = view_with_down(&[0, 4]);
    assert_eq!(v.processing, Processing::Active);
}

/// Four brokers, two per region, one partition on all four, as both gateways see it.
pub(crate) fn healthy_pair(edit: impl Fn(&mut serde_json::Value)) -> Snapshot {
    let mut brokers = vec![
        broker(0, &[(1, "leader")]),
        broker(1, &[(1, "follower")]),
        broker(2, &[(1, "follower")]),
        broker(3, &[(1, "follower")]),
    ];
    for b in &mut brokers {
        for p in b["partitions"].as_array_mut().unwrap() {
            edit(p);
        }
    }
    let t = topo(brokers, 4, 4, 1);
    let mut s = snap_with_topology(Region::ZERO, t.clone());
    s.regions[Region::ONE].configured.insert(Source::Topology);
    s.regions[Region::ONE].topology = Some(Obs::ok(now(), t));
    s
}

#[test]
fn dead_replicas_and_missing_leaders_are_never_ok() {
    let v = model::derive(&healthy_pair(|_| {}), &cfg(), now(), None);
    assert_eq!(v.verdict.level, Level::Ok, "{:?}", v.verdict.reasons);

    // Every replica reports dead: nothing processes, whatever the roles say.
    let v = model::derive(
        &healthy_pair(|p| p["health"] = json!("dead")),
        &cfg(),
        now(),
        None,
    );
    assert_eq!(v.processing, Processing::Halted);
    assert_eq!(v.verdict.level, Level::Critical);
    assert!(
        v.verdict.reasons[0].contains("report health dead"),
        "{:?}",
        v.verdict.reasons
    );
    assert!(
        !v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("network split")),
        "dead replicas are not a split: {:?}",
        v.verdict.reasons
    );

    // A live majority, but no replica leads.
    let v = model::derive(
        &healthy_pair(|p| p["role"] = json!("follower")),
        &cfg(),
        now(),
        None,
    );
    assert_eq!(v.verdict.level, Level::Critical);
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
fn a_region_c8dr_cannot_reach_is_lost_only_when_the_other_topology_lacks_its_brokers() {
    // Region 1's endpoints fail, but region 0's gateway lists its brokers leading: it runs.
    let t = topo(
        vec![
            broker(0, &[(1, "follower")]),
            broker(1, &[(1, "leader")]),
            broker(2, &[(1, "follower")]),
            broker(3, &[(1, "follower")]),
        ],
        4,
        4,
        1,
    );
    let mut s = snap_with_topology(Region::ZERO, t);
    fail(&mut s, Region::ONE, refused());
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.region(Region::ONE).unwrap().reachable, Reach::Down);
    assert_eq!(v.verdict.level, Level::Unknown, "{:?}", v.verdict.reasons);
    let all = v.verdict.reasons.join(" | ");
    assert!(all.contains("cannot reach region1 paris"), "{all}");
    assert!(all.contains("brokers 1, 3"), "{all}");
    assert!(
        !all.contains("missing") && !all.contains("disable it") && !all.contains("fail over"),
        "{all}"
    );

    // Its Elasticsearch answering does not make the region answer.
    s.regions[Region::ONE]
        .configured
        .insert(Source::ElasticsearchHealth);
    s.regions[Region::ONE].es_health = Some(Obs::ok(
        now(),
        serde_json::from_value(json!({"cluster_name": "es", "status": "green"})).unwrap(),
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.region(Region::ONE).unwrap().reachable, Reach::Down);

    // Without any fresh topology from region 0, nothing is confirmed.
    let mut s = Snapshot::default();
    fail(
        &mut s,
        Region::ZERO,
        SourceError::http(401, Some("Unauthorized".into())),
    );
    s.regions[Region::ZERO].configured.insert(Source::Exporters);
    s.regions[Region::ZERO].exporters = Some(Obs::ok(
        now(),
        example("actuator-exporters-get-dual-region-both-enabled-8.8-doc.json"),
    ));
    fail(&mut s, Region::ONE, SourceError::Connect { cause: None });
    let v = model::derive(&s, &cfg(), now(), None);
    assert_ne!(v.verdict.level, Level::Ok);
    assert_ne!(v.verdict.level, Level::Critical, "{:?}", v.verdict.reasons);
    let all = v.verdict.reasons.join(" | ");
    assert!(all.contains("cannot confirm a region loss"), "{all}");
}

#[test]
fn gateways_without_brokers_failing_sources_and_no_exporters_are_not_ok() {
    // Region 0's gateway lists nobody while region 1's lists everyone.
    let mut s = healthy_pair(|_| {});
    let empty = topo(vec![], 4, 4, 1);
    s.regions[Region::ZERO].topology = Some(Obs::ok(now(), empty));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.verdict.level, Level::Unknown, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("region0 london's gateway lists no brokers")),
        "{:?}",
        v.verdict.reasons
    );

    // The management API of a region that otherwise answers fails: named, with since when.
    let mut s = healthy_pair(|_| {});
    s.regions[Region::ZERO].configured.insert(Source::Cluster);
    s.regions[Region::ZERO].cluster = Some(Obs::failed(
        now(),
        SourceError::Timeout {
            within: Some(Duration::from_millis(2000)),
        },
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.verdict.level, Level::Unknown, "{:?}", v.verdict.reasons);
    assert!(
        v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("management /actuator/cluster fails") && r.contains("2000 ms")),
        "{:?}",
        v.verdict.reasons
    );
    let src = &v.region(Region::ZERO).unwrap().sources;
    let c = src.iter().find(|x| x.source == Source::Cluster).unwrap();
    assert!(!c.ok && c.failing_since.is_some(), "{c:?}");

    // A fresh, empty exporter list.
    let mut s = healthy_pair(|_| {});
    s.regions[Region::ZERO].configured.insert(Source::Exporters);
    s.regions[Region::ZERO].exporters = Some(Obs::ok(now(), vec![]));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.verdict.level, Level::Warning, "{:?}", v.verdict.reasons);
    assert!(v.verdict.reasons.iter().any(|r| r.contains("no exporters")));
}

#[test]
fn garbled_sizes_are_bounded_and_strings_are_cleaned() {
    // 100 000 brokers in one answer: not a cluster, ignored as garbled, quickly.
    let brokers: Vec<serde_json::Value> = (0..100_000)
        .map(|i| broker(i, &[(1 + i % 8, "follower")]))
        .collect();
    let s = snap_with_topology(Region::ZERO, topo(brokers, 100_000, 4, 8));
    let v = model::derive(&s, &cfg(), now(), None);
    assert!(v.brokers.len() <= model::derive::MAX_BROKERS);
    assert!(
        v.anomalies.iter().any(|a| a.contains("100000 brokers")),
        "{:?}",
        v.anomalies
    );
    assert_ne!(v.verdict.level, Level::Ok);

    // An escape sequence in a version string never reaches the view raw.
    let mut b = broker(0, &[(1, "leader")]);
    b["version"] = json!("8.8.0\u{1b}]2;pwned\u{7}");
    let v = model::derive(
        &snap_with_topology(Region::ZERO, topo(vec![b], 2, 1, 1)),
        &cfg(),
        now(),
        None,
    );
    let version = v.brokers[0].version.clone().unwrap();
    assert!(
        !version.contains('\u{1b}') && !version.contains('\u{7}'),
        "{version:?}"
    );
}

#[test]
fn no_reachable_again_at_start_up() {
    let start = model::derive(&Snapshot::default(), &cfg(), now(), None);
    let healthy = healthy_pair(|_| {});
    let first = model::derive(&healthy, &cfg(), now(), Some(&start));
    let texts = |a, b| -> Vec<String> {
        model::events::diff(a, b)
            .into_iter()
            .map(|e| e.text)
            .collect()
    };
    let at_start = texts(&start, &first);
    assert!(
        !at_start.iter().any(|t| t.contains("reachable again")),
        "{at_start:?}"
    );
    let mut down = healthy_pair(|_| {});
    fail(&mut down, Region::ONE, refused());
    let lost = model::derive(&down, &cfg(), now(), Some(&first));
    let back = model::derive(&healthy, &cfg(), now(), Some(&lost));
    assert!(
        texts(&lost, &back)
            .iter()
            .any(|t| t == "region1 paris reachable again"),
        "{:?}",
        texts(&lost, &back)
    );
}

#[test]
fn pods_read_on_the_slow_cadence_stay_shown_between_reads() {
    let pods = |ready| {
        [1, 3]
            .into_iter()
            .map(|i| PodInfo {
                name: format!("camunda-zeebe-{i}"),
                broker: Some(BrokerId::Numbered(i)),
                ready,
                status: "Running".into(),
                ip: None,
            })
            .collect::<Vec<_>>()
    };
    let mut s = healthy_pair(|_| {});
    s.regions[Region::ONE].configured.insert(Source::Pods);
    // Pods are read every 5 s: the last list is 6 s old just before the next one arrives.
    s.regions[Region::ONE].pods = Some(Obs::ok(
        now() - jiff::SignedDuration::from_secs(6),
        pods(true),
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    let r1 = v.region(Region::ONE).unwrap();
    assert_eq!((r1.pods_ready, r1.pods_total), (Some(2), Some(2)));
    assert!(r1.sources.iter().all(|src| src.ok), "{:?}", r1.sources);
    // A pod list that stopped coming is not shown for ever.
    s.regions[Region::ONE].pods = Some(Obs::ok(
        now() - jiff::SignedDuration::from_secs(60),
        pods(true),
    ));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.region(Region::ONE).unwrap().pods_ready, None);
}

/// `/actuator/cluster` with these member ids (ints or strings) and this `partitioning`.
fn cluster_of(ids: &[serde_json::Value], partitioning: serde_json::Value) -> ClusterTopology {
    let brokers: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "state": "ACTIVE", "version": 3, "partitions": []}))
        .collect();
    serde_json::from_value(json!({"version": 3, "brokers": brokers, "partitioning": partitioning}))
        .unwrap()
}

#[test]
fn the_topology_kind_comes_from_the_ids_and_the_persisted_layout() {
    use c8dr::model::TopologyKind;
    let zone_aware = json!({"scheme": "ZONE_AWARE", "zones": [
        {"name": "london", "numberOfReplicas": 2, "priority": 1000},
        {"name": "paris", "numberOfReplicas": 2, "priority": 500}]});
    let view_of = |c: ClusterTopology| {
        let mut s = Snapshot::default();
        s.regions[Region::ZERO].configured.insert(Source::Cluster);
        s.regions[Region::ZERO].cluster = Some(Obs::ok(now(), c));
        model::derive(&s, &cfg(), now(), None).cluster.topology
    };
    let numbered = view_of(cluster_of(
        &(0..8).map(|i| json!(i)).collect::<Vec<_>>(),
        json!({"scheme": "ROUND_ROBIN"}),
    ));
    assert_eq!(numbered.kind, TopologyKind::Numbered);
    assert!(numbered.zones.is_empty() && numbered.migration.is_none());

    let zoned_ids: Vec<_> = ["london", "paris"]
        .iter()
        .flat_map(|z| (0..4).map(move |i| json!(format!("{z}_{i}"))))
        .collect();
    let zoned = view_of(cluster_of(&zoned_ids, zone_aware.clone()));
    assert_eq!(zoned.kind, TopologyKind::ZoneAware);
    assert_eq!(
        zoned
            .zones
            .iter()
            .map(|z| (z.name.as_str(), z.replicas, z.priority, z.region, z.members))
            .collect::<Vec<_>>(),
        [
            ("london", 2, 1000, Some(Region::ZERO), 4),
            ("paris", 2, 500, Some(Region::ONE), 4)
        ]
    );

    // Layout persisted, nothing migrated yet: the secondary zone (the last) goes first.
    let layout_set = view_of(cluster_of(
        &(0..8).map(|i| json!(i)).collect::<Vec<_>>(),
        zone_aware.clone(),
    ));
    assert_eq!(layout_set.kind, TopologyKind::Migrating);
    let m = layout_set.migration.unwrap();
    assert!(m.layout_set && m.migrated.is_empty() && m.numbered_left == 8);
    assert_eq!(m.next.as_deref(), Some("paris"));

    // Paris migrated, London's numbered brokers still members: London is next.
    let mut half: Vec<_> = [0, 2, 4, 6].iter().map(|i| json!(i)).collect();
    half.extend((0..4).map(|i| json!(format!("paris_{i}"))));
    let half = view_of(cluster_of(&half, zone_aware));
    assert_eq!(half.kind, TopologyKind::Migrating);
    let m = half.migration.unwrap();
    assert_eq!(
        (m.migrated, m.next, m.numbered_left),
        (vec!["paris".to_string()], Some("london".into()), 4)
    );
}

#[test]
fn brokers_in_recovery_mode_are_named() {
    let c: ClusterTopology = serde_json::from_value(json!({"version": 3, "brokers": [
        {"id": 0, "state": "RECOVERING", "partitions": []},
        {"id": 1, "state": "ACTIVE", "partitions": [], "physicalTenants": [{"id": "default", "mode": "RECOVERING"}]},
        {"id": 2, "state": "ACTIVE", "partitions": [], "physicalTenants": [{"id": "default", "mode": "PROCESSING"}]}]}))
    .unwrap();
    let mut s = Snapshot::default();
    s.regions[Region::ZERO].configured.insert(Source::Cluster);
    s.regions[Region::ZERO].cluster = Some(Obs::ok(now(), c));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(
        v.cluster.topology.recovering,
        [BrokerId::Numbered(0), BrokerId::Numbered(1)]
    );
}

#[test]
fn brokers_answering_beyond_the_pod_count_make_the_expected_count_unknown() {
    // Found by the property test: the gateway sees a london broker, london's pods list no
    // broker pod and the configuration is unknown; "1/0 brokers" states a contradiction.
    let mut s = snap_with_topology(Region::ZERO, topo(vec![broker(6, &[])], 0, 0, 0));
    s.regions[Region::ZERO].configured.insert(Source::Pods);
    s.regions[Region::ZERO].pods = Some(Obs::ok(now(), vec![]));
    let v = model::derive(&s, &cfg(), now(), None);
    let r0 = v.region(Region::ZERO).unwrap();
    assert_eq!((r0.brokers_up, r0.brokers_expected), (Some(1), None));
}

mod exporters;
mod malformed;
mod unknown;
/// alice's failover of paris as her lease publishes it, on `step` in `state`, renewed at
/// `renewed` for 30 s (`holder` none: released).
fn run_lease(holder: Option<&str>, step: &str, state: &str, renewed: &str) -> RunLease {
    RunLease {
        holder: holder.map(str::to_string),
        run: "failover-r1-20261127t115801".into(),
        procedure: "failover".into(),
        region: Some(Region::ONE),
        region_name: "paris".into(),
        step: Some(step.into()),
        step_title: None,
        state: state.into(),
        acquired: Some("2026-11-27T11:58:01Z".parse().unwrap()),
        renewed: Some(renewed.parse().unwrap()),
        duration: Some(Duration::from_secs(30)),
    }
}

#[test]
fn a_failing_lease_read_is_a_source_problem_never_a_region_or_verdict_one() {
    // No RBAC permission on leases: the Kubernetes API refuses the read in london.
    let forbidden = SourceError::Kube(
        "forbidden: the Role needs get on leases (docs/bastion.md): leases.coordination.k8s.io \"c8dr-runbook\" is forbidden".into(),
    );
    let mut s = healthy_pair(|_| {});
    s.regions[Region::ZERO].configured.insert(Source::RunLease);
    s.regions[Region::ZERO].run_lease = Some(Obs::failed(now(), forbidden.clone()));
    let v = model::derive(&s, &cfg(), now(), None);
    assert_eq!(v.verdict.level, Level::Ok, "{:?}", v.verdict.reasons);
    let r0 = v.region(Region::ZERO).unwrap();
    assert_eq!(r0.reachable, Reach::Up);
    assert_eq!(r0.last_error, None);
    let lease = r0
        .sources
        .iter()
        .find(|x| x.source == Source::RunLease)
        .unwrap();
    assert!(
        !lease.ok
            && lease
                .error
                .as_deref()
                .is_some_and(|e| e.contains("forbidden"))
    );
    assert!(v.runs.is_empty());

    // A region whose only answer is the lease's (its Camunda endpoints not asked yet) is not
    // up on it, nor down on its refusal.
    let mut s = Snapshot::default();
    s.regions[Region::ONE].configured.insert(Source::RunLease);
    s.regions[Region::ONE].run_lease = Some(Obs::ok(now(), None));
    s.regions[Region::ZERO].configured.insert(Source::RunLease);
    s.regions[Region::ZERO].run_lease = Some(Obs::failed(now(), forbidden));
    let v = model::derive(&s, &cfg(), now(), None);
    for r in &v.regions {
        assert_eq!(r.reachable, Reach::Unknown, "{r:?}");
        assert_eq!((r.data_age_s, &r.last_error), (None, &None));
    }
}

#[test]
fn the_event_log_tells_another_runs_story() {
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    let view = |lease: Option<RunLease>, now: &str, prev: Option<&model::ClusterView>| {
        let mut s = healthy_pair(|_| {});
        for r in Region::BOTH {
            if let Some(o) = &mut s.regions[r].topology {
                o.at = at(now);
            }
        }
        s.regions[Region::ZERO].configured.insert(Source::RunLease);
        s.regions[Region::ZERO].run_lease = Some(Obs::ok(at(now), lease));
        model::derive(&s, &cfg(), at(now), prev)
    };
    let texts = |a: &model::ClusterView, b: &model::ClusterView| -> Vec<(Level, String)> {
        model::events::diff(a, b)
            .into_iter()
            .map(|e| (e.level, e.text))
            .collect()
    };
    let alice = Some("alice@laptop");
    let none = view(None, "2026-11-27T11:58:00Z", None);
    let started = view(
        Some(run_lease(alice, "FO-0", "running", "2026-11-27T11:58:01Z")),
        "2026-11-27T11:58:02Z",
        Some(&none),
    );
    assert_eq!(
        texts(&none, &started),
        [(
            Level::Warning,
            "failover of paris in progress by alice@laptop since 11:58:01Z, FO-0 running".into()
        )]
    );
    // `status` says it under the verdict; `status --json` lists it where it was found.
    assert!(
        c8dr::report::human(&started).contains(
            "\nRUN       failover of paris in progress by alice@laptop since 11:58:01Z, FO-0 running\n"
        ),
        "{}",
        c8dr::report::human(&started)
    );
    let json = serde_json::to_value(&started).unwrap();
    assert_eq!(json["version"], 3);
    let run = &json["runs"][0];
    assert_eq!(
        (&run["region"], &run["liveness"]),
        (&json!(0), &json!("live"))
    );
    assert_eq!(run["lease"]["holder"], "alice@laptop");
    assert_eq!(run["lease"]["run"], "failover-r1-20261127t115801");
    assert_eq!(run["lease"]["renewed"], "2026-11-27T11:58:01Z");
    assert_eq!(run["lease"]["duration"], 30);
    // Renewed, nothing else changed: no news.
    let renewed = view(
        Some(run_lease(alice, "FO-0", "running", "2026-11-27T11:58:10Z")),
        "2026-11-27T11:58:11Z",
        Some(&started),
    );
    assert!(texts(&started, &renewed).is_empty());
    let next = view(
        Some(run_lease(
            alice,
            "FO-1",
            "waiting for approval",
            "2026-11-27T11:58:20Z",
        )),
        "2026-11-27T11:58:21Z",
        Some(&renewed),
    );
    assert_eq!(
        texts(&renewed, &next),
        [(
            Level::Ok,
            "failover of paris in progress by alice@laptop since 11:58:01Z, FO-1 waiting for approval"
                .into()
        )]
    );
    // Not renewed for more than its 30 s: the holder may have died.
    let expired = view(
        Some(run_lease(
            alice,
            "FO-1",
            "waiting for approval",
            "2026-11-27T11:58:20Z",
        )),
        "2026-11-27T11:58:55Z",
        Some(&next),
    );
    let e = texts(&next, &expired);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, Level::Warning);
    assert!(e[0].1.contains("lease EXPIRED"), "{e:?}");
    let mut done = run_lease(None, "FO-7", "completed", "2026-11-27T11:59:30Z");
    done.step = None;
    let released = view(Some(done.clone()), "2026-11-27T11:59:31Z", Some(&expired));
    assert_eq!(
        texts(&expired, &released),
        [(
            Level::Ok,
            "failover of paris completed (run failover-r1-20261127t115801)".into()
        )]
    );
    assert!(
        texts(
            &released,
            &view(Some(done.clone()), "2026-11-27T11:59:40Z", None)
        )
        .is_empty()
    );
    // A run released before this cockpit looked is no news.
    assert!(texts(&none, &view(Some(done), "2026-11-27T11:59:40Z", None)).is_empty());
}
