//! `decode` on real payloads with one value of the wrong type: the error names that value's
//! JSON path (issue 17 §2, "errors name the field").

use crate::examples_dir;
use c8dr_api::elasticsearch as es;
use c8dr_api::*;
use serde_json::{Value, json};

/// A fixture with the value at `pointer` replaced by `with`, as bytes.
fn mutated(name: &str, pointer: &str, with: Value) -> Vec<u8> {
    let text = std::fs::read_to_string(examples_dir().join(name)).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{name} has no {pointer}")) = with;
    serde_json::to_vec_pretty(&v).unwrap()
}

#[test]
fn a_replica_health_of_the_wrong_type_is_named() {
    let name = "v2-topology-get-region-lost-before-failover-8.8.0-doc.json";
    let body = mutated(name, "/brokers/2/partitions/0/health", json!(3));
    let e = decode::<TopologyResponse>(&body).unwrap_err();
    assert_eq!(e.path_text(), "brokers[2].partitions[0].health");
    assert!(
        e.to_string().starts_with(
            "brokers[2].partitions[0].health: invalid type: integer `3`, expected a string (line "
        ),
        "{e}"
    );
}

#[test]
fn a_broker_state_of_the_wrong_type_is_named() {
    let name = "actuator-cluster-get-pending-change-8.5-doc.json";
    let body = mutated(name, "/brokers/1/partitions/3/state", json!({"x": 1}));
    let e = decode::<ClusterTopology>(&body).unwrap_err();
    assert_eq!(e.path_text(), "brokers[1].partitions[3].state");
    assert_eq!(e.message, "invalid type: map, expected a string");
}

#[test]
fn a_count_of_the_wrong_type_is_named() {
    let name = "es-cluster-health-get-response.json";
    let body = mutated(name, "/number_of_nodes", json!("one"));
    let e = decode::<es::ClusterHealth>(&body).unwrap_err();
    assert_eq!(e.path_text(), "number_of_nodes");
    assert!(e.message.starts_with("invalid type: string \"one\""), "{e}");
}

#[test]
fn a_missing_required_field_is_named_by_its_parent() {
    let name = "actuator-cluster-get-pending-change-8.5-doc.json";
    let text = std::fs::read_to_string(examples_dir().join(name)).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let broker = v
        .pointer_mut("/brokers/1")
        .unwrap()
        .as_object_mut()
        .unwrap();
    broker.remove("id");
    let e = decode::<ClusterTopology>(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(e.path_text(), "brokers[1]");
    assert_eq!(e.message, "missing field `id`");
}

#[test]
fn a_body_that_parses_is_the_same_as_serde_json_reads_it() {
    let name = "v2-topology-get-region-lost-before-failover-8.8.0-doc.json";
    let text = std::fs::read(examples_dir().join(name)).unwrap();
    let a: TopologyResponse = decode(&text).unwrap();
    let b: TopologyResponse = serde_json::from_slice(&text).unwrap();
    assert_eq!(a, b);
}
