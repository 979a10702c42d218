//! Every JSON example in `fixtures/camunda-api/zones/examples` (Camunda 8.10 zone-aware
//! clusters) parses into the c8dr type its name says it holds, and says what it should.
//! The directory is listed, so a new example without a rule fails.

use c8dr_api::*;
use std::path::PathBuf;

fn zones_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/camunda-api/zones/examples")
}

fn read(name: &str) -> String {
    let path = zones_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses one example by its name and checks the one thing it is there for.
fn parse_by_name(name: &str) {
    let is = |prefix: &str| name.starts_with(prefix);
    if is("actuator-cluster-error-400") {
        let e: ErrorBody = parse(name);
        assert!(!e.message.is_empty(), "{name}");
    } else if is("actuator-cluster-patch") && name.contains("-request") {
        let p: ClusterPatchRequest = parse(name);
        assert!(p.brokers.is_some() || p.partitions.is_some(), "{name}");
    } else if is("actuator-cluster-post-zones") && name.contains("-request") {
        let z: ZoneAddRequest = parse(name);
        assert!(
            z.brokers.is_some() != z.number_of_brokers.is_some(),
            "{name}: exactly one of brokers and numberOfBrokers"
        );
        assert!(z.number_of_replicas >= 1 && z.priority > 0, "{name}");
    } else if (is("actuator-cluster-put-partitioning")
        || is("actuator-cluster-put-partition-distribution"))
        && name.contains("-request")
    {
        let p: PartitioningRequest = parse(name);
        assert!(
            p.config.is_some() != p.zone_priorities.is_some(),
            "{name}: exactly one of config and zonePriorities"
        );
        if let Some(c) = &p.config {
            assert!(c.is_zone_aware() && !c.zones.is_empty(), "{name}");
        }
    } else if is("actuator-cluster-put-zones") && name.contains("-request") {
        let m: ZoneMigrateRequest = parse(name);
        assert!(!m.zone.is_empty(), "{name}");
    } else if is("v2-topology") {
        let t: TopologyResponse = parse(name);
        assert!(!t.brokers.is_empty(), "{name}");
    } else {
        panic!("{name}: no parser rule for this zones example; add one");
    }
}

#[test]
fn every_zones_example_parses() {
    let mut names: Vec<String> = std::fs::read_dir(zones_dir())
        .expect("zones examples directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    for name in &names {
        parse_by_name(name);
    }
    assert!(
        names.len() >= 12,
        "expected the 12 zones examples, found {names:?}"
    );
}

#[test]
fn zones_examples_say_what_the_lab_and_runbooks_need() {
    let add: ZoneAddRequest =
        parse("actuator-cluster-post-zones-numberOfBrokers-request-mgmt-api-doc.json");
    assert_eq!(
        (add.number_of_replicas, add.priority, add.number_of_brokers),
        (2, 500, Some(3))
    );
    let listed: ZoneAddRequest =
        parse("actuator-cluster-post-zones-brokers-request-mgmt-api-doc.json");
    assert_eq!(
        listed
            .brokers
            .map(|b| b.iter().map(|id| id.to_string()).collect::<Vec<_>>()),
        Some(vec![
            "zone-b_0".into(),
            "zone-b_1".into(),
            "zone-b_2".into()
        ])
    );
    let dual: PartitioningRequest =
        parse("actuator-cluster-put-partitioning-dual-region-migration-request-doc.json");
    assert_eq!(dual.config.map(|c| c.replication_factor()), Some(4));
    let alpha: PartitioningRequest = parse(
        "actuator-cluster-put-partition-distribution-type-request-add-remove-zone-doc-pre-rc1.json",
    );
    assert!(alpha.config.is_some_and(|c| c.is_zone_aware()));
    let prio: PartitioningRequest =
        parse("actuator-cluster-put-partitioning-zonePriorities-request-mgmt-api-doc.json");
    assert_eq!(
        prio.zone_priorities,
        Some(vec!["zone-b".into(), "zone-a".into()])
    );
    let count: ClusterPatchRequest =
        parse("actuator-cluster-patch-brokers-count-zone-request-pr55166.json");
    let b = count.brokers.expect("brokers");
    assert_eq!((b.count, b.zone.as_deref()), (Some(5), Some("zoneA")));
    let err: ErrorBody = parse("actuator-cluster-error-400-replication-factor-zone-aware.json");
    assert_eq!(
        err.message,
        "Changing the replication factor is not supported on zone-aware clusters."
    );
    let topo: TopologyResponse = parse("v2-topology-subset-zone-aware-test-fixture.json");
    let ids: Vec<String> = topo.brokers.iter().map(|b| b.id().to_string()).collect();
    assert_eq!(ids, vec!["london_0", "paris_0"]);
    assert!(topo.brokers.iter().all(|b| b.id().is_zoned()));
    assert_eq!(
        (topo.partitions_count, topo.replication_factor),
        (Some(3), Some(2))
    );
}
