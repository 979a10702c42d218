//! The lab's answers validate against the official specs vendored in `fixtures/camunda-api`, strictly
//! (no property the spec does not define), in every state a failover walks through.

use crate::common::spec::{self, Schema};
use crate::common::{TestLab, examples_dir};
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn strict_mode_rejects_a_misspelled_field_and_accepts_real_payloads() {
    let topo = spec::rest_v2("8.8", "TopologyResponse", true);
    let good = json!({"brokers": [], "clusterSize": 8, "partitionsCount": 8, "replicationFactor": 4,
                      "gatewayVersion": "8.8.0", "lastCompletedChangeId": "-1"});
    topo.assert_valid(&good);
    let mut bad = good.clone();
    bad["partitionCount"] = json!(8);
    assert!(
        topo.check(&bad).is_err(),
        "an unknown property must fail strict validation"
    );
    let mut bad = good;
    bad["replicationFactor"] = json!("4");
    assert!(topo.check(&bad).is_err(), "a wrong type must fail");

    let read = |n: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(examples_dir().join(n)).unwrap()).unwrap()
    };
    spec::management("GetTopologyResponse", true).assert_valid(&read(
        "actuator-cluster-get-steady-after-purge-8.8-doc.json",
    ));
    spec::management("PlannedOperationsResponse", true)
        .assert_valid(&read("actuator-cluster-post-purge-response-8.8-doc.json"));
    spec::management("ExporterList", true).assert_valid(&read(
        "actuator-exporters-get-dual-region-both-enabled-8.8-doc.json",
    ));
}

struct Specs {
    topology: Schema,
    problem: Schema,
    cluster: Schema,
    planned: Schema,
    exporters: Schema,
    error: Schema,
}

fn specs() -> Specs {
    Specs {
        topology: spec::rest_v2("8.8", "TopologyResponse", true),
        problem: spec::rest_v2("8.8", "ProblemDetail", true),
        cluster: spec::management("GetTopologyResponse", true),
        planned: spec::management("PlannedOperationsResponse", true),
        exporters: spec::management("ExporterList", true),
        error: spec::management("Error", true),
    }
}

async fn check_reads(lab: &TestLab, s: &Specs, regions: &[usize], v88: bool) {
    for &r in regions {
        if v88 {
            let t = lab.rest_get(r, "/v2/topology").await;
            assert_eq!(t.status, 200);
            s.topology.assert_valid(&t.body);
        }
        let c = lab.get(format!("{}/actuator/cluster", lab.mgmt(r))).await;
        assert_eq!(c.status, 200, "{:?}", c.body);
        s.cluster.assert_valid(&c.body);
        let e = lab.get(format!("{}/actuator/exporters", lab.mgmt(r))).await;
        s.exporters.assert_valid(&e.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v88_answers_match_the_specs_through_failover_and_failback() {
    let s = specs();
    // Slow enough that a pending change can be observed mid-flight.
    let lab = TestLab::start(Camunda::V88, 0.05).await;
    let m0 = lab.mgmt(0);
    check_reads(&lab, &s, &[0, 1], true).await;

    let unauth = lab.get(format!("{}/v2/topology", lab.rest(0))).await;
    assert_eq!(unauth.status, 401);
    assert_eq!(unauth.headers["content-type"], "application/problem+json");
    s.problem.assert_valid(&unauth.body);

    lab.control_post("/lab/regions/1/fail").await;
    check_reads(&lab, &s, &[0], true).await;

    let dry = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true&dryRun=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(dry.status, 202);
    s.planned.assert_valid(&dry.body);

    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(forced.status, 202, "{:?}", forced.body);
    s.planned.assert_valid(&forced.body);
    // Mid-flight: pendingChange with completed and pending operations.
    let c = lab.get(format!("{m0}/actuator/cluster")).await;
    assert!(c.body.get("pendingChange").is_some(), "{}", c.body);
    s.cluster.assert_valid(&c.body);
    let conflict = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/disable"),
            None,
        )
        .await;
    assert_eq!(conflict.status, 409);
    s.error.assert_valid(&conflict.body);
    let invalid = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"add": [1]}}),
        )
        .await;
    assert_eq!(invalid.status, 400);
    s.error.assert_valid(&invalid.body);
    let id = forced.body["changeId"].as_i64().unwrap();
    lab.control_post("/lab/clock?speed=20").await;
    lab.wait_change_completed(&m0, id).await;
    check_reads(&lab, &s, &[0], true).await;

    let disable = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/disable"),
            None,
        )
        .await;
    assert_eq!(disable.status, 202);
    s.planned.assert_valid(&disable.body);
    lab.wait_change_completed(&m0, disable.body["changeId"].as_i64().unwrap())
        .await;

    lab.control_post("/lab/regions/1/recreate").await;
    check_reads(&lab, &s, &[0, 1], true).await;
    let enable = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/enable"),
            Some(json!({"initializeFrom": "camundaregion0"})),
        )
        .await;
    assert_eq!(enable.status, 202);
    s.planned.assert_valid(&enable.body);
    lab.wait_change_completed(&m0, enable.body["changeId"].as_i64().unwrap())
        .await;
    let add = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"brokers": {"add": [1, 3, 5, 7]}, "partitions": {"replicationFactor": 4}}),
        )
        .await;
    assert_eq!(add.status, 202, "{:?}", add.body);
    s.planned.assert_valid(&add.body);
    check_reads(&lab, &s, &[0, 1], true).await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v87_management_answers_match_the_specs() {
    let s = specs();
    let lab = TestLab::start(Camunda::V87, 0.05).await;
    let m1 = lab.mgmt(1);
    check_reads(&lab, &s, &[0, 1], false).await;
    lab.control_post("/lab/regions/0/fail").await;
    let forced = lab
        .post(
            format!("{m1}/actuator/cluster/brokers?force=true"),
            Some(json!(["1", "3", "5", "7"])),
        )
        .await;
    assert_eq!(forced.status, 202, "{:?}", forced.body);
    s.planned.assert_valid(&forced.body);
    check_reads(&lab, &s, &[1], false).await;
    let bad = lab
        .post(
            format!("{m1}/actuator/cluster/brokers"),
            Some(json!(["one"])),
        )
        .await;
    assert_eq!(bad.status, 400);
    s.error.assert_valid(&bad.body);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_answer_has_the_shape_of_the_real_payload() {
    let lab = TestLab::start(Camunda::V88, 1.0).await;
    let real: Value = serde_json::from_str(
        &std::fs::read_to_string(
            examples_dir().join("actuator-partitions-get-test-BrokerAdminServiceEndpointTest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let state = lab.state().await;
    let p1_leader = state["partitions"][0]["leader"].as_u64().unwrap() as usize;
    let answer = lab
        .get(format!("{}/actuator/partitions", lab.broker(p1_leader)))
        .await;
    assert_eq!(answer.status, 200);
    let mine = &answer.body["1"];
    assert_eq!(
        keys(mine),
        keys(&real["1"]),
        "leader entry keys differ from the real payload"
    );
    assert_eq!(mine["role"], "LEADER");
    assert_eq!(keys(&mine["health"]), keys(&real["1"]["health"]));
    lab.shutdown().await;
}
