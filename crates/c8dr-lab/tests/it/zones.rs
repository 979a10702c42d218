//! The 8.10 zone-aware lab (`--camunda 8.10 --zones london,paris`) by raw API calls: zoned
//! ids everywhere, the zones API's failover and failback with the server's refusals, the
//! changes endpoints, the zoned StatefulSets, and every answer validated against the 8.10
//! specs (management rc1 components, REST 8.10-dev).

use crate::common::spec::{self, Schema};
use crate::common::{DEADLINE, TestLab, wait_until};
use c8dr_lab::Options;
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};

async fn zoned_lab(speed: f64) -> TestLab {
    TestLab::start_with(Options {
        camunda: Camunda::V810,
        speed,
        zones: Some(["london".into(), "paris".into()]),
        ..Options::default()
    })
    .await
}

struct Specs {
    cluster: Schema,
    planned: Schema,
    change: Schema,
    changes: Schema,
    error: Schema,
    topology: Schema,
}

fn specs() -> Specs {
    Specs {
        cluster: spec::management_810("GetTopologyResponse", true),
        planned: spec::management_810("PlannedOperationsResponse", true),
        change: spec::management_810("ConfigurationChange", true),
        changes: spec::management_810("GetConfigurationChangesResponse", true),
        error: spec::management_810("Error", true),
        topology: spec::rest_v2("8.10-dev", "TopologyResponse", true),
    }
}

fn ids(list: &Value, key: &str) -> Vec<Value> {
    list.as_array()
        .map(|a| a.iter().map(|b| b[key].clone()).collect())
        .unwrap_or_default()
}

fn zone_names(cluster: &Value) -> Vec<String> {
    cluster["partitioning"]["zones"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|z| z["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Partitions whose committing leader is in `zone`, from `/lab/state`.
fn leaders_in(state: &Value, zone: &str) -> usize {
    state["partitions"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| {
                    p["leader"]
                        .as_str()
                        .is_some_and(|l| l.starts_with(&format!("{zone}_")))
                })
                .count()
        })
        .unwrap_or(0)
}

async fn wait_change(lab: &TestLab, m: &str, id: i64) -> Value {
    wait_until(&format!("change {id} COMPLETED"), DEADLINE, || async {
        let c = lab.get(format!("{m}/actuator/cluster/changes/{id}")).await;
        if c.body["status"] == "COMPLETED" {
            Ok(c.body)
        } else {
            Err(format!("{} {}", c.status, c.body))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zoned_lab_names_its_brokers_by_zone_everywhere() {
    let s = specs();
    let lab = zoned_lab(1.0).await;
    let ready: Value = serde_json::from_str(&lab.lab.ready_line()).unwrap();
    assert_eq!(ready["brokers"][0]["id"], "london_0", "{ready}");
    assert_eq!(ready["brokers"][4]["id"], "paris_0");
    assert_eq!(ready["brokers"][4]["region"], 1);
    assert_eq!(ready["regions"][1]["zone"], "paris");

    let c = lab.get(format!("{}/actuator/cluster", lab.mgmt(0))).await;
    assert_eq!(c.status, 200);
    s.cluster.assert_valid(&c.body);
    assert_eq!(
        ids(&c.body["brokers"], "id"),
        [
            "london_0", "london_1", "london_2", "london_3", "paris_0", "paris_1", "paris_2",
            "paris_3"
        ]
        .map(Value::from)
    );
    assert_eq!(
        c.body["partitioning"],
        json!({"scheme": "ZONE_AWARE", "zones": [
            {"name": "london", "numberOfReplicas": 2, "priority": 1000},
            {"name": "paris", "numberOfReplicas": 2, "priority": 500}]})
    );

    let t = lab.rest_get(1, "/v2/topology").await;
    assert_eq!(t.status, 200);
    s.topology.assert_valid(&t.body);
    let brokers = t.body["brokers"].as_array().unwrap();
    let pairs: Vec<(String, i64)> = brokers
        .iter()
        .map(|b| {
            (
                b["brokerId"].as_str().unwrap().to_string(),
                b["nodeId"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(pairs.contains(&("london_0".into(), 0)), "{pairs:?}");
    assert!(
        pairs.contains(&("paris_0".into(), 0)),
        "nodeId is zone-local: {pairs:?}"
    );
    assert_eq!(
        (
            t.body["clusterSize"].as_i64(),
            t.body["replicationFactor"].as_i64()
        ),
        (Some(8), Some(4))
    );

    let state = lab.state().await;
    assert_eq!(state["brokers"][7]["id"], "paris_3");
    assert_eq!(state["partitions"][0]["replicas"][0], "london_0");
    assert_eq!(
        leaders_in(&state, "london"),
        8,
        "leaders prefer region 0's zone"
    );
    assert_eq!(state["partitioning"]["scheme"], "ZONE_AWARE");

    // Each zoned broker has its own management port, and the control API names it by id.
    let own = lab
        .get(format!("{}/actuator/partitions", lab.broker(4)))
        .await;
    assert_eq!(own.status, 200);
    assert!(
        own.body.as_object().is_some_and(|m| !m.is_empty()),
        "paris_0 holds partitions: {}",
        own.body
    );
    let hung = lab.control_post("/lab/brokers/paris_1/hang").await;
    assert!(
        hung["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "paris_1" && b["process_running"] == false),
        "{}",
        hung["brokers"]
    );
    let changes = lab
        .get(format!("{}/actuator/cluster/changes", lab.mgmt(0)))
        .await;
    assert_eq!(changes.status, 200);
    s.changes.assert_valid(&changes.body);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbered_810_reports_broker_ids_as_strings_and_refuses_zone_calls() {
    let s = specs();
    let lab = TestLab::start(Camunda::V810, 1.0).await;
    let t = lab.rest_get(0, "/v2/topology").await;
    s.topology.assert_valid(&t.body);
    assert_eq!(t.body["brokers"][0]["brokerId"], "0");
    assert_eq!(t.body["brokers"][1]["brokerId"], "1");
    assert_eq!(t.body["brokers"][1]["nodeId"], 1);
    let c = lab.get(format!("{}/actuator/cluster", lab.mgmt(0))).await;
    assert_eq!(c.body["brokers"][0]["id"], 0, "numbered ids stay integers");
    s.cluster.assert_valid(&c.body);
    assert!(c.body.get("partitioning").is_none());
    let d = lab
        .send(lab.http.delete(format!(
            "{}/actuator/cluster/zones/paris?force=true",
            lab.mgmt(0)
        )))
        .await;
    assert_eq!(d.status, 400);
    s.error.assert_valid(&d.body);
    assert_eq!(
        d.body["message"],
        "Remove zone requires a persisted zone-aware partition distribution config, but was not set."
    );
    let p = lab
        .post(
            format!("{}/actuator/cluster/zones/paris", lab.mgmt(0)),
            Some(json!({"numberOfReplicas": 2, "priority": 500, "numberOfBrokers": 4})),
        )
        .await;
    assert_eq!(p.status, 400);
    assert!(
        p.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Adding a zone requires a persisted zone-aware partition distribution config, but was not set."),
        "{}",
        p.body
    );
    // 8.10 refuses parameters it does not know, sorted; older versions ignore them.
    let bad = lab
        .patch(
            format!(
                "{}/actuator/cluster?dry-run=true&zeta=1&force=true",
                lab.mgmt(0)
            ),
            json!({"brokers": {"remove": [1]}}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body["message"],
        "Unsupported query parameter(s): dry-run, zeta"
    );
    let get = lab
        .get(format!(
            "{}/actuator/cluster?physicalTenant=default",
            lab.mgmt(0)
        ))
        .await;
    assert_eq!(get.status, 200, "an accepted parameter passes");
    lab.shutdown().await;
    let old = TestLab::start(Camunda::V89, 1.0).await;
    let ignored = old
        .get(format!("{}/actuator/cluster?dry-run=true", old.mgmt(0)))
        .await;
    assert_eq!(ignored.status, 200, "8.9 ignores unknown parameters");
    for path in ["/actuator/cluster/changes", "/actuator/cluster/changes/2"] {
        let a = old.get(format!("{}{path}", old.mgmt(0))).await;
        assert_eq!(a.status, 404, "{path} is 8.10's");
    }
    let z = old
        .send(old.http.delete(format!(
            "{}/actuator/cluster/zones/paris?force=true",
            old.mgmt(0)
        )))
        .await;
    assert_eq!(z.status, 404, "the zones API is 8.10's");
    old.shutdown().await;
}

#[test]
fn zones_need_810_and_two_distinct_names() {
    let with = |camunda, zones: [&str; 2]| Options {
        camunda,
        zones: Some(zones.map(String::from)),
        ..Options::default()
    };
    let err = with(Camunda::V89, ["london", "paris"])
        .validate()
        .unwrap_err();
    assert!(
        err.to_string().contains("--zones needs --camunda 8.10"),
        "{err}"
    );
    assert!(with(Camunda::V810, ["a", "a"]).validate().is_err());
    assert!(with(Camunda::V810, ["a/b", "c"]).validate().is_err());
    assert!(with(Camunda::V810, ["zone-a", "zone-b"]).validate().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_paris_then_removing_and_re_adding_its_zone() {
    let s = specs();
    // Slow enough to see the change pending.
    let lab = zoned_lab(0.05).await;
    let m0 = lab.mgmt(0);
    lab.control_post("/lab/regions/1/fail").await;
    let delete = |q: &str| {
        let url = format!("{m0}/actuator/cluster/zones/paris{q}");
        lab.send(lab.http.delete(url))
    };

    // Validation first.
    let unknown = lab
        .send(
            lab.http
                .delete(format!("{m0}/actuator/cluster/zones/tokyo?force=true")),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["message"],
        "Remove zone request targets unknown zone 'tokyo'."
    );
    let coordinator = lab
        .send(
            lab.http
                .delete(format!("{m0}/actuator/cluster/zones/london")),
        )
        .await;
    assert_eq!(coordinator.status, 400);
    assert_eq!(
        coordinator.body["message"],
        "Cannot remove zone 'london' without force because it contains the elected coordinator 'london_0'. Retry with force=true"
    );

    let dry = delete("?force=true&dryRun=true").await;
    assert_eq!(dry.status, 202, "{}", dry.body);
    s.planned.assert_valid(&dry.body);
    let ops: Vec<String> = ids(&dry.body["plannedChanges"], "operation")
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ops.iter()
            .filter(|o| *o == "PARTITION_FORCE_RECONFIGURE")
            .count(),
        8
    );
    assert_eq!(ops.iter().filter(|o| *o == "BROKER_REMOVE").count(), 4);
    assert_eq!(ops.last().map(String::as_str), Some("UPDATE_PARTITIONING"));
    assert_eq!(
        dry.body["expectedTopology"].as_array().map(Vec::len),
        Some(4),
        "{}",
        dry.body
    );
    assert_eq!(
        lab.state().await["cluster_size"],
        8,
        "a dry run changes nothing"
    );

    let forced = delete("?force=true").await;
    assert_eq!(forced.status, 202, "{}", forced.body);
    s.planned.assert_valid(&forced.body);
    let id = forced.body["changeId"].as_i64().unwrap();
    let again = delete("?force=true").await;
    assert_eq!(
        again.status, 409,
        "one zone (one change) at a time: {}",
        again.body
    );
    s.error.assert_valid(&again.body);
    let add_now = lab
        .post(
            format!("{m0}/actuator/cluster/zones/paris"),
            Some(json!({"numberOfReplicas": 2, "priority": 500, "numberOfBrokers": 4})),
        )
        .await;
    assert_eq!(
        add_now.status, 409,
        "409 before the zone is checked: {}",
        add_now.body
    );
    let pending = lab.get(format!("{m0}/actuator/cluster/changes/{id}")).await;
    assert_eq!(pending.status, 200);
    s.change.assert_valid(&pending.body);
    assert_eq!(pending.body["status"], "IN_PROGRESS");
    // Mid-flight, with operations done: `completed` holds plain operations.
    let mid = wait_until("an operation completed", DEADLINE, || async {
        let c = lab.get(format!("{m0}/actuator/cluster/changes/{id}")).await;
        if c.body["completed"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            Ok(c.body)
        } else {
            Err(c.body.to_string())
        }
    })
    .await;
    s.change.assert_valid(&mid);
    let list = lab.get(format!("{m0}/actuator/cluster/changes")).await;
    s.changes.assert_valid(&list.body);
    let c = lab.get(format!("{m0}/actuator/cluster")).await;
    s.cluster.assert_valid(&c.body);

    lab.control_post("/lab/clock?speed=20").await;
    let done = wait_change(&lab, &m0, id).await;
    s.change.assert_valid(&done);
    assert_eq!(
        (done["completed"].clone(), done["pending"].clone()),
        (json!([]), json!([]))
    );
    let c = lab.get(format!("{m0}/actuator/cluster")).await;
    s.cluster.assert_valid(&c.body);
    assert_eq!(zone_names(&c.body), ["london"]);
    assert_eq!(c.body["brokers"].as_array().map(Vec::len), Some(4));
    let t = lab.rest_get(0, "/v2/topology").await;
    s.topology.assert_valid(&t.body);
    assert_eq!(
        (
            t.body["clusterSize"].as_i64(),
            t.body["replicationFactor"].as_i64()
        ),
        (Some(4), Some(2))
    );
    let state = lab.state().await;
    assert_eq!(crate::common::committing(&state).len(), 8);
    let list = lab.get(format!("{m0}/actuator/cluster/changes")).await;
    s.changes.assert_valid(&list.body);
    assert!(
        list.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );

    // The PATCH of the numbered procedure is refused on a zone-aware cluster.
    let rf = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"brokers": {"add": [1, 3]}, "partitions": {"replicationFactor": 4}}),
        )
        .await;
    assert_eq!(rf.status, 400);
    assert_eq!(
        rf.body["message"],
        "Changing the replication factor is not supported on zone-aware clusters."
    );
    let bare = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"brokers": {"add": [1, 3]}}),
        )
        .await;
    assert_eq!(bare.status, 400);
    assert_eq!(
        bare.body["message"],
        "Members without a zone cannot be added to a zone-aware cluster"
    );
    let bare_post = lab
        .post(format!("{m0}/actuator/cluster/brokers"), Some(json!([1])))
        .await;
    assert_eq!(
        bare_post.body["message"],
        "Members without a zone cannot be added to a zone-aware cluster"
    );

    // Failback: the region comes back fresh; its brokers run but host nothing.
    lab.control_post("/lab/regions/1/recreate").await;
    let t = lab.rest_get(1, "/v2/topology").await;
    let idle: Vec<&Value> = t.body["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| {
            b["brokerId"]
                .as_str()
                .is_some_and(|i| i.starts_with("paris_"))
        })
        .collect();
    assert_eq!(idle.len(), 4, "{}", t.body);
    assert!(idle.iter().all(|b| b["partitions"] == json!([])));

    let post = |body: Value| lab.post(format!("{m0}/actuator/cluster/zones/paris"), Some(body));
    for (body, message) in [
        (
            json!({"numberOfReplicas": 2, "priority": 500}),
            "Exactly one of brokers and numberOfBrokers must be set.",
        ),
        (
            json!({"numberOfReplicas": 2, "priority": 500, "numberOfBrokers": 4, "brokers": ["paris_0"]}),
            "Exactly one of brokers and numberOfBrokers must be set.",
        ),
        (
            json!({"numberOfReplicas": 2, "priority": 500, "numberOfBrokers": 0}),
            "numberOfBrokers must be at least 1.",
        ),
        (
            json!({"numberOfReplicas": 2, "priority": 500, "brokers": ["paris_0", "london_1"]}),
            "Requested brokers must belong to zone 'paris', but got brokers not in that zone: [london_1]",
        ),
        (
            json!({"numberOfReplicas": 2, "priority": 500, "brokers": ["paris_0"]}),
            "Request provided 1 broker(s), which is less than the requested number of replicas [2] for zone 'paris'.",
        ),
    ] {
        let a = post(body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        s.error.assert_valid(&a.body);
        assert_eq!(a.body["message"], message, "{body}");
    }
    let present = lab
        .post(
            format!("{m0}/actuator/cluster/zones/london"),
            Some(json!({"numberOfReplicas": 2, "priority": 1000, "numberOfBrokers": 4})),
        )
        .await;
    assert_eq!(
        present.body["message"],
        "Cannot add back zone 'london' because it is already present in the partition distribution config."
    );

    let add = post(json!({"numberOfReplicas": 2, "priority": 500, "numberOfBrokers": 4})).await;
    assert_eq!(add.status, 202, "{}", add.body);
    s.planned.assert_valid(&add.body);
    let ops = ids(&add.body["plannedChanges"], "operation");
    assert_eq!(ops.iter().filter(|o| **o == "BROKER_ADD").count(), 4);
    assert_eq!(
        ops.iter().filter(|o| **o == "UPDATE_PARTITIONING").count(),
        1
    );
    assert_eq!(ops.iter().filter(|o| **o == "PARTITION_JOIN").count(), 16);
    wait_change(&lab, &m0, add.body["changeId"].as_i64().unwrap()).await;
    let c = lab.get(format!("{m0}/actuator/cluster")).await;
    s.cluster.assert_valid(&c.body);
    assert_eq!(zone_names(&c.body), ["london", "paris"], "appended");
    let t = lab.rest_get(1, "/v2/topology").await;
    s.topology.assert_valid(&t.body);
    assert_eq!(
        (
            t.body["clusterSize"].as_i64(),
            t.body["replicationFactor"].as_i64()
        ),
        (Some(8), Some(4))
    );
    assert_eq!(leaders_in(&lab.state().await, "london"), 8);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_zone_removal_on_a_lost_region_stays_in_progress_until_cancelled() {
    let lab = zoned_lab(10.0).await;
    let m0 = lab.mgmt(0);
    lab.control_post("/lab/regions/1/fail").await;
    let d = lab
        .send(
            lab.http
                .delete(format!("{m0}/actuator/cluster/zones/paris")),
        )
        .await;
    assert_eq!(d.status, 202, "{}", d.body);
    let id = d.body["changeId"].as_i64().unwrap();
    // Many simulated seconds later it is still in progress.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let c = lab.get(format!("{m0}/actuator/cluster/changes/{id}")).await;
    assert_eq!(c.body["status"], "IN_PROGRESS", "{}", c.body);
    let cancel = lab
        .send(
            lab.http
                .delete(format!("{m0}/actuator/cluster/changes/{id}")),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    let c = lab.get(format!("{m0}/actuator/cluster/changes/{id}")).await;
    assert_eq!(c.body["status"], "CANCELLED");
    let forced = lab
        .send(
            lab.http
                .delete(format!("{m0}/actuator/cluster/zones/paris?force=true")),
        )
        .await;
    // The drain already persisted the shrunk layout (nothing is rolled back on cancel), so
    // the zone is gone from the layout although its brokers are still members.
    assert_eq!(forced.status, 400, "{}", forced.body);
    assert_eq!(
        forced.body["message"],
        "Remove zone request targets unknown zone 'paris'."
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_ids_are_checked() {
    let lab = zoned_lab(1.0).await;
    let m0 = lab.mgmt(0);
    let nan = lab.get(format!("{m0}/actuator/cluster/changes/abc")).await;
    assert_eq!(
        (nan.status, nan.body["message"].clone()),
        (400, json!("Change id must be a number"))
    );
    let unknown = lab.get(format!("{m0}/actuator/cluster/changes/999")).await;
    assert_eq!(unknown.status, 404);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zoned_statefulsets_scale_and_their_pods_are_named_by_zone() {
    let lab = zoned_lab(10.0).await;
    let region = &lab.lab.ready.regions[1];
    let sts = format!(
        "{}/apis/apps/v1/namespaces/{}/statefulsets",
        region.kube_api, region.namespace
    );
    let list = lab.get(sts.clone()).await;
    let names = ids(&list.body["items"], "metadata");
    let names: Vec<&str> = names.iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(names.contains(&"camunda-zeebe-paris"), "{names:?}");
    assert!(!names.contains(&"camunda-zeebe"), "{names:?}");
    let pods = lab
        .get(format!(
            "{}/api/v1/namespaces/{}/pods",
            region.kube_api, region.namespace
        ))
        .await;
    let pod_names: Vec<String> = ids(&pods.body["items"], "metadata")
        .iter()
        .filter_map(|m| m["name"].as_str().map(str::to_string))
        .filter(|n| n.starts_with("camunda-zeebe-paris-"))
        .collect();
    assert_eq!(pod_names.len(), 4, "{pod_names:?}");
    assert!(pod_names.contains(&"camunda-zeebe-paris-3".to_string()));
    let scaled = lab
        .send(
            lab.http
                .patch(format!("{sts}/camunda-zeebe-paris/scale"))
                .header("Content-Type", "application/merge-patch+json")
                .body(json!({"spec": {"replicas": 2}}).to_string()),
        )
        .await;
    assert_eq!(scaled.status, 200, "{}", scaled.body);
    let state = crate::common::wait_state_until(&lab, "paris_3 scaled down", |s| {
        s["brokers"].as_array().is_some_and(|b| {
            b.iter()
                .any(|b| b["id"] == "paris_3" && b["process_running"] == false)
        })
    })
    .await;
    assert!(
        state["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "paris_1" && b["process_running"] == true)
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_is_walked_secondary_zone_first_with_mixed_ids_on_the_way() {
    let s = specs();
    let lab = TestLab::start_with(Options {
        camunda: Camunda::V810,
        speed: 10.0,
        zones: Some(["london".into(), "paris".into()]),
        migrate: true,
        ..Options::default()
    })
    .await;
    let m0 = lab.mgmt(0);
    let state = lab.state().await;
    assert_eq!(state["migration"]["stage"], 2, "{}", state["migration"]);
    // Both StatefulSets in each region; the zoned brokers are not members yet.
    let region = &lab.lab.ready.regions[1];
    let sts = lab
        .get(format!(
            "{}/apis/apps/v1/namespaces/{}/statefulsets",
            region.kube_api, region.namespace
        ))
        .await;
    let names: Vec<String> = ids(&sts.body["items"], "metadata")
        .iter()
        .filter_map(|m| m["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        names.contains(&"camunda-zeebe".into()) && names.contains(&"camunda-zeebe-paris".into()),
        "{names:?}"
    );

    let put = |path: &'static str, body: Value| {
        lab.send(
            lab.http
                .put(format!("{m0}/actuator/cluster/{path}"))
                .json(&body),
        )
    };
    let early = put("zones", json!({"zone": "paris"})).await;
    assert_eq!(early.status, 400);
    s.error.assert_valid(&early.body);
    let both = put(
        "partitioning",
        json!({"config": {"scheme": "ZONE_AWARE", "zones": []}, "zonePriorities": ["paris"]}),
    )
    .await;
    assert_eq!(
        both.body["message"],
        "Exactly one of config and zonePriorities must be set."
    );
    let wrong_sum = put(
        "partitioning",
        json!({"config": {"scheme": "ZONE_AWARE", "zones": [
            {"name": "london", "numberOfReplicas": 1, "priority": 100},
            {"name": "paris", "numberOfReplicas": 1, "priority": 90}]}}),
    )
    .await;
    assert_eq!(
        wrong_sum.body["message"],
        "Sum of zone replicas [2] must equal the current replication factor [4] before zone migration starts."
    );
    let layout = put(
        "partitioning",
        json!({"config": {"scheme": "ZONE_AWARE", "zones": [
            {"name": "london", "numberOfReplicas": 2, "priority": 100},
            {"name": "paris", "numberOfReplicas": 2, "priority": 90}]}}),
    )
    .await;
    assert_eq!(layout.status, 202, "{}", layout.body);
    s.planned.assert_valid(&layout.body);
    wait_change(&lab, &m0, layout.body["changeId"].as_i64().unwrap()).await;
    assert_eq!(lab.state().await["migration"]["next_zone"], "paris");

    let primary_first = put("zones", json!({"zone": "london"})).await;
    assert_eq!(primary_first.status, 400);
    assert_eq!(
        primary_first.body["message"],
        "Zone migration must proceed from the highest remaining zone index to the lowest. Expected next zoneIndex 1 but got 0."
    );
    let paris = put("zones", json!({"zone": "paris"})).await;
    assert_eq!(paris.status, 202, "{}", paris.body);
    s.planned.assert_valid(&paris.body);
    wait_change(&lab, &m0, paris.body["changeId"].as_i64().unwrap()).await;
    let c = lab.get(format!("{m0}/actuator/cluster")).await;
    s.cluster.assert_valid(&c.body);
    assert_eq!(
        ids(&c.body["brokers"], "id"),
        [
            json!(0),
            json!(2),
            json!(4),
            json!(6),
            json!("paris_0"),
            json!("paris_1"),
            json!("paris_2"),
            json!("paris_3")
        ],
        "ints and strings side by side"
    );
    let t = lab.rest_get(0, "/v2/topology").await;
    s.topology.assert_valid(&t.body);
    let state = lab.state().await;
    assert_eq!(
        (
            state["migration"]["stage"].clone(),
            state["migration"]["next_zone"].clone()
        ),
        (json!(4), json!("london"))
    );
    let rf = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"partitions": {"replicationFactor": 3}}),
        )
        .await;
    assert_eq!(
        rf.body["message"],
        "Changing the replication factor is not supported on zone-aware clusters."
    );

    let london = put("zones", json!({"zone": "london"})).await;
    assert_eq!(london.status, 202, "{}", london.body);
    wait_change(&lab, &m0, london.body["changeId"].as_i64().unwrap()).await;
    let c = lab.get(format!("{m0}/actuator/cluster")).await;
    s.cluster.assert_valid(&c.body);
    assert!(
        ids(&c.body["brokers"], "id").iter().all(Value::is_string),
        "{}",
        c.body
    );
    let state = lab.state().await;
    assert_eq!(
        (
            state["migration"]["stage"].clone(),
            state["migration"]["next_zone"].clone()
        ),
        (json!(5), Value::Null)
    );
    assert_eq!(crate::common::committing(&state).len(), 8);
    lab.shutdown().await;
}
