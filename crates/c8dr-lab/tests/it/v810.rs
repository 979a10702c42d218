//! The lab as a numbered Camunda 8.10 cluster: what differs from 8.8/8.9 (exporting as cluster
//! changes, `GET /v2/exporting`, two-phase joins, `physicalTenant` on exporters), by raw calls.

use crate::common::{DEADLINE, TestLab, spec, wait_state_until, wait_until};
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};

fn ops(change: &Value, list: &str) -> Vec<Value> {
    change[list].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_pause_and_resume_are_cluster_changes_on_8_10() {
    let lab = TestLab::start(Camunda::V810, 20.0).await;
    let m0 = lab.mgmt(0);
    let paused = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(paused.status, 200);
    assert_eq!(
        paused.body,
        json!({"body": null, "status": 204, "contentType": null})
    );
    // The change is the last one, one EXPORTING_STATE_CHANGE per member.
    let c = lab.get(format!("{m0}/actuator/cluster")).await.body;
    assert!(c.get("pendingChange").is_none(), "{c}");
    assert_eq!(c["lastChange"]["status"], "COMPLETED");
    let s = lab.state().await;
    assert_eq!(s["exporting_paused"], true);
    assert_eq!(s["exporting"], "PAUSED");
    let p = lab
        .get(format!("{}/actuator/partitions", lab.broker(0)))
        .await
        .body;
    let leaders: Vec<&Value> = p
        .as_object()
        .unwrap()
        .values()
        .filter(|v| v["role"] == "LEADER")
        .collect();
    assert!(!leaders.is_empty());
    assert!(
        leaders.iter().all(|v| v["exporterPhase"] == "PAUSED"),
        "{p}"
    );
    // Pausing again plans nothing and still succeeds.
    let last = c["lastChange"]["id"].clone();
    let again = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(again.body["status"], 204);
    let c = lab.get(format!("{m0}/actuator/cluster")).await.body;
    assert_eq!(c["lastChange"]["id"], last, "no new change");
    // Soft pause, then resume.
    let soft = lab
        .post(format!("{m0}/actuator/exporting/pause?soft=true"), None)
        .await;
    assert_eq!(soft.body["status"], 204);
    assert_eq!(lab.state().await["exporting"], "SOFT_PAUSED");
    let resumed = lab
        .post(format!("{m0}/actuator/exporting/resume"), None)
        .await;
    assert_eq!(resumed.body["status"], 204);
    let s = lab.state().await;
    assert_eq!(
        (s["exporting"].clone(), s["exporting_paused"].clone()),
        (json!("EXPORTING"), json!(false))
    );
    // The per-broker exporting operations are gone (PR #60737): 500, Spring's error body.
    for op in ["pauseExporting", "softPauseExporting", "resumeExporting"] {
        let a = lab
            .post(format!("{}/actuator/partitions/{op}", lab.broker(2)), None)
            .await;
        assert_eq!(a.status, 500, "{op}: {}", a.body);
        assert_eq!(a.body["error"], "Internal Server Error");
        assert_eq!(a.body["path"], format!("/actuator/partitions/{op}"));
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_exporting_change_shows_refuses_others_and_blocks_the_force_removal() {
    // camunda/camunda#63506 with 8.10's exporting changes: a pause that never completes is a
    // pending change like any other.
    let lab = TestLab::start(Camunda::V810, 20.0).await;
    let m0 = lab.mgmt(0);
    let s = lab.control_post("/lab/exporting/stall").await;
    let id = s["pending_change"]["id"].as_i64().expect("a held change");
    lab.control_post("/lab/regions/1/fail").await;
    let c = lab.get(format!("{m0}/actuator/cluster")).await.body;
    assert_eq!(c["pendingChange"]["id"], id);
    let pending = ops(&c["pendingChange"], "pending");
    assert_eq!(pending.len(), 8);
    assert!(
        pending
            .iter()
            .all(|o| o["operation"] == "EXPORTING_STATE_CHANGE" && o["exportingState"] == "PAUSED")
    );
    spec::management_810("GetTopologyResponse", false).assert_valid(&c);
    // Another exporting change is refused as the endpoint refuses it: HTTP 200, inner 500.
    let resume = lab
        .post(format!("{m0}/actuator/exporting/resume"), None)
        .await;
    assert_eq!(resume.status, 200);
    assert_eq!(resume.body["status"], 500);
    let message = resume.body["body"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("CONCURRENT_MODIFICATION: "),
        "{message}"
    );
    // The failover's force removal: 409.
    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(forced.status, 409, "{}", forced.body);
    // Cancelled, the change is the last one, CANCELLED, and the removal goes through.
    let cancel = lab
        .send(
            lab.http
                .delete(format!("{m0}/actuator/cluster/changes/{id}")),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    assert_eq!(cancel.body["lastChange"]["status"], "CANCELLED");
    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(forced.status, 202, "{}", forced.body);
    lab.wait_change_completed(&m0, forced.body["changeId"].as_i64().unwrap())
        .await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_during_a_region_loss_stalls_on_its_brokers_and_times_out() {
    // The endpoint waits for the change (ClusterConfigExportingControlService, 60 s).
    let lab = TestLab::start(Camunda::V810, 50.0).await;
    let m0 = lab.mgmt(0);
    lab.control_post("/lab/regions/1/fail").await;
    let pause = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(pause.status, 200);
    assert_eq!(pause.body["status"], 500, "{}", pause.body);
    let message = pause.body["body"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Timed out waiting for exporter state change "),
        "{message}"
    );
    let s = lab.state().await;
    assert_eq!(s["pending_change"]["next"]["brokerId"], 1, "{s}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_stays_as_before_on_8_9() {
    let lab = TestLab::start(Camunda::V89, 20.0).await;
    let m0 = lab.mgmt(0);
    let paused = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(paused.body["status"], 204);
    let c = lab.get(format!("{m0}/actuator/cluster")).await.body;
    assert!(c.get("lastChange").is_none(), "no change on 8.9: {c}");
    let s = lab.state().await;
    assert!(s.get("exporting").is_none());
    assert_eq!(s["exporting_paused"], true);
    let stall = lab
        .post(format!("{}/lab/exporting/stall", lab.control()), None)
        .await;
    assert_eq!(stall.status, 409);
    let per_broker = lab
        .post(
            format!("{}/actuator/partitions/pauseExporting", lab.broker(0)),
            None,
        )
        .await;
    assert_eq!(per_broker.status, 405);
    assert_eq!(lab.rest_get(0, "/v2/exporting").await.status, 404);
    let e = lab.get(format!("{m0}/actuator/exporters")).await.body;
    assert!(e[0].get("physicalTenant").is_none(), "{e}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_exporting_reads_the_state_behind_authentication() {
    let lab = TestLab::start(Camunda::V810, 20.0).await;
    let schema = spec::rest_v2_810_exporting();
    assert_eq!(
        lab.get(format!("{}/v2/exporting", lab.rest(0)))
            .await
            .status,
        401
    );
    let a = lab.rest_get(0, "/v2/exporting").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, json!({"status": "EXPORTING"}));
    schema.assert_valid(&a.body);
    lab.post(format!("{}/actuator/exporting/pause", lab.mgmt(0)), None)
        .await;
    assert_eq!(
        lab.rest_get(1, "/v2/exporting").await.body["status"],
        "PAUSED"
    );
    // A pause stuck on a lost region: some replicas paused, some not.
    lab.post(format!("{}/actuator/exporting/resume", lab.mgmt(0)), None)
        .await;
    lab.control_post("/lab/regions/1/fail").await;
    lab.control_post("/lab/exporting/stall").await;
    lab.control_post("/lab/exporting/release").await;
    let mixed = wait_until("a partial pause", DEADLINE, || async {
        let a = lab.rest_get(0, "/v2/exporting").await;
        if a.body["status"] == "MIXED" {
            Ok(a.body)
        } else {
            Err(a.body.to_string())
        }
    })
    .await;
    schema.assert_valid(&mixed);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporters_name_their_physical_tenant_on_8_10() {
    let lab = TestLab::start(Camunda::V810, 20.0).await;
    let e = lab
        .get(format!("{}/actuator/exporters", lab.mgmt(0)))
        .await
        .body;
    let list = e.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for x in list {
        assert_eq!(x["physicalTenant"], "default", "{e}");
    }
    spec::management_810_exporters().assert_valid(&e);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failback_re_add_joins_as_learners_then_promotes_on_8_10() {
    let lab = TestLab::start(Camunda::V810, 20.0).await;
    let m0 = lab.mgmt(0);
    lab.failover_region1_88().await;
    lab.control_post("/lab/regions/1/recreate").await;
    let add = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"brokers": {"add": [1, 3, 5, 7]}, "partitions": {"replicationFactor": 4}}),
        )
        .await;
    assert_eq!(add.status, 202, "{}", add.body);
    let planned = ops(&add.body, "plannedChanges");
    let kinds: Vec<&str> = planned
        .iter()
        .filter_map(|o| o["operation"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "PARTITION_JOIN").count(), 16);
    assert_eq!(
        kinds.iter().filter(|k| **k == "PARTITION_PROMOTE").count(),
        16
    );
    for (i, k) in kinds.iter().enumerate() {
        if *k == "PARTITION_JOIN" {
            assert_eq!(kinds[i + 1], "PARTITION_PROMOTE");
            assert_eq!(planned[i + 1]["brokerId"], planned[i]["brokerId"]);
            assert_eq!(planned[i + 1]["partitionId"], planned[i]["partitionId"]);
        }
    }
    spec::management_810("PlannedOperationsResponse", false).assert_valid(&add.body);
    // A joiner shows as LEARNER in the configuration before it is promoted.
    wait_until("a LEARNER replica", DEADLINE, || async {
        let c = lab.get(format!("{m0}/actuator/cluster")).await.body;
        let learner = c["brokers"].as_array().into_iter().flatten().any(|b| {
            b["partitions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["state"] == "LEARNER")
        });
        if learner {
            spec::management_810("GetTopologyResponse", false).assert_valid(&c);
            Ok(())
        } else {
            Err(c["pendingChange"].to_string())
        }
    })
    .await;
    lab.wait_change_completed(&m0, add.body["changeId"].as_i64().unwrap())
        .await;
    let s = wait_state_until(&lab, "RF 4", |s| s["replication_factor"] == 4).await;
    assert_eq!(s["cluster_size"], 8);
    lab.shutdown().await;
}
