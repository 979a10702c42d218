//! End-to-end drills against the lab over real HTTP: region loss, the documented 8.8 and 8.7
//! failovers by raw API calls, failback, exporters, and the error cases the procedure warns
//! about. `/lab/state` is the ground truth each step is checked against.

use crate::common::{DEADLINE, TestLab, committing, spec, wait_until};
use c8dr_api::{ExportingOutcome, TopologyResponse};
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn topology(v: &Value) -> TopologyResponse {
    serde_json::from_value(v.clone()).expect("topology parses")
}

/// Brokers listed by a topology answer.
fn listed(t: &TopologyResponse) -> Vec<i32> {
    t.brokers.iter().map(|b| b.node_id).collect()
}

async fn wait_state(lab: &TestLab, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    wait_until(what, DEADLINE, || async {
        let s = lab.state().await;
        if ok(&s) { Ok(s) } else { Err(s.to_string()) }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_loss_halts_every_partition_while_the_survivor_still_shows_leaders() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let before = lab.state().await;
    assert_eq!(committing(&before).len(), 8);

    let after = lab.control_post("/lab/regions/1/fail").await;
    assert!(
        committing(&after).is_empty(),
        "no partition may commit: {after}"
    );
    for p in after["partitions"].as_array().unwrap() {
        assert_eq!(ids(&p["replicas"]).len(), 4);
        assert!(ids(&p["live_replicas"]).iter().all(|b| b % 2 == 0));
        assert!(p["leader"].is_null());
    }

    let t = topology(&lab.rest_get(0, "/v2/topology").await.body);
    assert_eq!(listed(&t), vec![0, 2, 4, 6]);
    assert_eq!((t.cluster_size, t.replication_factor), (Some(8), Some(4)));
    let reported_leaders = t
        .brokers
        .iter()
        .flat_map(|b| &b.partitions)
        .filter(|p| p.role == c8dr_api::PartitionRole::Leader)
        .count();
    assert!(
        reported_leaders > 0,
        "survivors keep reporting stale leaders, as real gateways do"
    );
    // /v2/status reads roles, so it says UP although nothing commits.
    let status = lab.get(format!("{}/v2/status", lab.rest(0))).await;
    assert_eq!(status.status, 204);

    // Positions stand still while quorum is lost.
    let p1 = after["partitions"][0]["processed_position"]
        .as_i64()
        .unwrap();
    let later = wait_state(&lab, "simulated time to pass", |s| {
        s["simulated_seconds"].as_f64().unwrap_or(0.0)
            > after["simulated_seconds"].as_f64().unwrap() + 2.0
    })
    .await;
    assert_eq!(
        later["partitions"][0]["processed_position"]
            .as_i64()
            .unwrap(),
        p1
    );

    // The failed region refuses connections.
    assert!(
        lab.http
            .get(format!("{}/actuator/cluster", lab.mgmt(1)))
            .send()
            .await
            .is_err()
    );
    assert!(
        lab.http
            .get(format!("{}/actuator/cluster", lab.broker(1)))
            .send()
            .await
            .is_err()
    );

    // Restored as it was: quorum comes back, on the same addresses.
    lab.control_post("/lab/regions/1/restore").await;
    wait_state(&lab, "all partitions to commit again", |s| {
        committing(s).len() == 8
    })
    .await;
    let c = lab.get(format!("{}/actuator/cluster", lab.mgmt(1))).await;
    assert_eq!(c.status, 200);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_88_by_the_documented_calls() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let m0 = lab.mgmt(0);
    lab.control_post("/lab/regions/1/fail").await;

    // Pausing exporting fails while members are missing: HTTP 200, inner status 500.
    let pause = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(pause.status, 200);
    assert!(matches!(
        ExportingOutcome::from_response(200, &pause.raw),
        ExportingOutcome::Failed { status: 500, .. }
    ));
    assert_eq!(
        lab.state().await["exporting_paused"],
        false,
        "8.8 pauses nothing on failure"
    );

    // FO-1: force-remove the lost brokers.
    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(forced.status, 202, "{:?}", forced.body);
    assert!(
        forced
            .raw
            .windows(27)
            .any(|w| w == b"PARTITION_FORCE_RECONFIGURE")
    );
    let id = forced.body["changeId"].as_i64().unwrap();
    assert_eq!(id, 2, "first change id as in the docs");
    let cluster = lab.wait_change_completed(&m0, id).await;
    let members: Vec<i64> = cluster["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["id"].as_i64())
        .collect();
    assert_eq!(members, vec![0, 2, 4, 6]);

    let t = topology(&lab.rest_get(0, "/v2/topology").await.body);
    assert_eq!(
        (t.cluster_size, t.replication_factor, t.partitions_count),
        (Some(4), Some(2), Some(8))
    );
    assert_eq!(t.last_completed_change_id.as_deref(), Some("2"));
    let s = wait_state(&lab, "every partition to commit in region 0", |s| {
        committing(s).len() == 8
    })
    .await;
    for p in s["partitions"].as_array().unwrap() {
        assert_eq!(ids(&p["replicas"]).len(), 2);
        assert_eq!(p["leader"].as_i64().unwrap() % 2, 0, "{p}");
    }

    // Idempotent retry: the same request finds nothing to do and starts no change.
    let again = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body["plannedChanges"], json!([]));
    assert_eq!(
        lab.get(format!("{m0}/actuator/cluster")).await.body["lastChange"]["id"],
        2
    );

    // FO-2: disable the lost region's exporter.
    let before = lab.state().await["partitions"][0]["exported_positions"]["camundaregion0"]
        .as_i64()
        .unwrap();
    let disable = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/disable"),
            None,
        )
        .await;
    assert_eq!(disable.status, 202);
    assert!(
        disable
            .raw
            .windows(26)
            .any(|w| w == b"PARTITION_DISABLE_EXPORTER")
    );
    let c = lab
        .wait_change_completed(&m0, disable.body["changeId"].as_i64().unwrap())
        .await;
    assert_eq!(c["lastChange"]["id"], 4);
    let exporters = lab.get(format!("{m0}/actuator/exporters")).await.body;
    assert_eq!(
        exporters,
        json!([{"exporterId": "camundaregion0", "status": "ENABLED"}, {"exporterId": "camundaregion1", "status": "DISABLED"}])
    );
    wait_state(&lab, "region 0's exporter to advance", |s| {
        s["partitions"][0]["exported_positions"]["camundaregion0"]
            .as_i64()
            .unwrap_or(0)
            > before
    })
    .await;

    // With the lost brokers gone, pause and resume work again.
    let pause = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(
        ExportingOutcome::from_response(pause.status, &pause.raw),
        ExportingOutcome::Succeeded
    );
    assert_eq!(lab.state().await["exporting_paused"], true);
    let phase = lab
        .get(format!("{}/actuator/partitions", lab.broker(0)))
        .await
        .body;
    assert!(
        phase
            .as_object()
            .unwrap()
            .values()
            .any(|p| p["exporterPhase"] == "PAUSED")
    );
    let resume = lab
        .post(format!("{m0}/actuator/exporting/resume"), None)
        .await;
    assert_eq!(
        ExportingOutcome::from_response(resume.status, &resume.raw),
        ExportingOutcome::Succeeded
    );
    assert_eq!(lab.state().await["exporting_paused"], false);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_87_keeps_the_surviving_list_and_failback_restores_rf4() {
    let lab = TestLab::start(Camunda::V87, 10.0).await;
    let m1 = lab.mgmt(1);
    lab.control_post("/lab/regions/0/fail").await;

    // 8.7 REST has no auth; pause fails with a real 500.
    assert_eq!(
        lab.get(format!("{}/v2/topology", lab.rest(1))).await.status,
        200
    );
    let pause = lab
        .post(format!("{m1}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(pause.status, 500, "{:?}", pause.body);
    assert!(
        pause.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Expected 4 members")
    );

    // FO-1 (8.7): the body lists the brokers to keep, as strings.
    let forced = lab
        .post(
            format!("{m1}/actuator/cluster/brokers?force=true"),
            Some(json!(["1", "3", "5", "7"])),
        )
        .await;
    assert_eq!(forced.status, 202, "{:?}", forced.body);
    lab.wait_change_completed(&m1, forced.body["changeId"].as_i64().unwrap())
        .await;
    let disable = lab
        .post(
            format!("{m1}/actuator/exporters/elasticsearchregion0/disable"),
            None,
        )
        .await;
    assert_eq!(disable.status, 202);
    lab.wait_change_completed(&m1, disable.body["changeId"].as_i64().unwrap())
        .await;
    let t: TopologyResponse = topology(&lab.get(format!("{}/v2/topology", lab.rest(1))).await.body);
    assert_eq!((t.cluster_size, t.replication_factor), (Some(4), Some(2)));
    assert_eq!(
        t.last_completed_change_id, None,
        "8.7 has no lastCompletedChangeId"
    );
    let s = wait_state(&lab, "odd brokers to lead every partition", |s| {
        committing(s).len() == 8
    })
    .await;
    assert!(
        s["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["leader"].as_i64().unwrap() % 2 == 1)
    );

    // Failback: recreate region 0; its brokers run but are not members, not ready.
    lab.control_post("/lab/regions/0/recreate").await;
    let t = topology(&lab.get(format!("{}/v2/topology", lab.rest(1))).await.body);
    assert_eq!(listed(&t), vec![0, 1, 2, 3, 4, 5, 6, 7]);
    for b in t.brokers.iter().filter(|b| b.node_id % 2 == 0) {
        assert!(
            b.partitions.is_empty(),
            "recreated broker {} holds no partitions",
            b.node_id
        );
    }
    assert_eq!(t.cluster_size, Some(4));
    let ready = lab
        .get(format!("{}/actuator/health/readiness", lab.broker(0)))
        .await;
    assert_eq!(ready.status, 503);

    let pause = lab
        .post(format!("{m1}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(pause.status, 204);
    let enable = lab
        .post(
            format!("{m1}/actuator/exporters/elasticsearchregion0/enable"),
            Some(json!({"initializeFrom": "elasticsearchregion1"})),
        )
        .await;
    assert_eq!(enable.status, 202, "{:?}", enable.body);
    assert!(
        enable
            .raw
            .windows(25)
            .any(|w| w == b"PARTITION_ENABLE_EXPORTER")
    );
    lab.wait_change_completed(&m1, enable.body["changeId"].as_i64().unwrap())
        .await;
    let s = lab.state().await;
    for p in s["partitions"].as_array().unwrap() {
        let pos = &p["exported_positions"];
        assert_eq!(
            pos["elasticsearchregion0"], pos["elasticsearchregion1"],
            "initialized from the survivor: {p}"
        );
    }
    assert_eq!(
        lab.post(format!("{m1}/actuator/exporting/resume"), None)
            .await
            .status,
        204
    );

    // Re-add the brokers with RF 4 (8.7 form, no force).
    let add = lab
        .post(
            format!("{m1}/actuator/cluster/brokers?replicationFactor=4"),
            Some(json!(["0", "1", "2", "3", "4", "5", "6", "7"])),
        )
        .await;
    assert_eq!(add.status, 202, "{:?}", add.body);
    let expected = &add.body["expectedTopology"];
    assert_eq!(expected.as_array().unwrap().len(), 8);
    lab.wait_change_completed(&m1, add.body["changeId"].as_i64().unwrap())
        .await;
    let s = wait_state(&lab, "RF 4 with two replicas per region", |s| {
        committing(s).len() == 8 && s["replication_factor"] == 4
    })
    .await;
    for p in s["partitions"].as_array().unwrap() {
        let r = ids(&p["replicas"]);
        assert_eq!(r.len(), 4, "{p}");
        assert_eq!(r.iter().filter(|b| *b % 2 == 0).count(), 2, "{p}");
    }
    let t = topology(&lab.get(format!("{}/v2/topology", lab.rest(0))).await.body);
    assert_eq!((t.cluster_size, t.replication_factor), (Some(8), Some(4)));
    assert!(t.brokers.iter().all(|b| b.partitions.len() == 4));
    assert_eq!(
        lab.get(format!("{}/actuator/health/readiness", lab.broker(0)))
            .await
            .status,
        200
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failback_88_readds_the_brokers_with_the_patch_api() {
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m0 = lab.mgmt(0);
    lab.failover_region1_88().await;

    lab.control_post("/lab/regions/1/recreate").await;
    let pause = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(
        ExportingOutcome::from_response(pause.status, &pause.raw),
        ExportingOutcome::Succeeded
    );
    let e = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/enable"),
            Some(json!({"initializeFrom": "camundaregion0"})),
        )
        .await;
    let c = lab
        .wait_change_completed(&m0, e.body["changeId"].as_i64().unwrap())
        .await;
    assert_eq!(
        c["lastChange"]["id"], 6,
        "change ids 2, 4, 6 as in the docs"
    );
    let resume = lab
        .post(format!("{m0}/actuator/exporting/resume"), None)
        .await;
    assert_eq!(
        ExportingOutcome::from_response(resume.status, &resume.raw),
        ExportingOutcome::Succeeded
    );

    // The docs once showed force=true with add; the real server refuses it.
    let body = json!({"brokers": {"add": [1, 3, 5, 7]}, "partitions": {"replicationFactor": 4}});
    let forced_add = lab
        .patch(format!("{m0}/actuator/cluster?force=true"), body.clone())
        .await;
    assert_eq!(forced_add.status, 400);
    let add = lab.patch(format!("{m0}/actuator/cluster"), body).await;
    assert_eq!(add.status, 202, "{:?}", add.body);
    let planned = add.body["plannedChanges"].as_array().unwrap();
    assert_eq!(
        planned
            .iter()
            .filter(|o| o["operation"] == "BROKER_ADD")
            .count(),
        4
    );
    assert_eq!(
        planned
            .iter()
            .filter(|o| o["operation"] == "PARTITION_JOIN")
            .count(),
        16
    );
    lab.wait_change_completed(&m0, add.body["changeId"].as_i64().unwrap())
        .await;
    let t = topology(&lab.rest_get(1, "/v2/topology").await.body);
    assert_eq!((t.cluster_size, t.replication_factor), (Some(8), Some(4)));
    assert_eq!(listed(&t), vec![0, 1, 2, 3, 4, 5, 6, 7]);
    let s = wait_state(&lab, "all partitions commit with 4 replicas", |s| {
        committing(s).len() == 8
    })
    .await;
    assert!(
        s["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| ids(&p["live_replicas"]).len() == 4)
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_refused_as_the_real_server_refuses_them() {
    let lab = TestLab::start(Camunda::V88, 0.2).await;
    let m0 = lab.mgmt(0);
    let post = |path: &str, body: Option<Value>| lab.post(format!("{m0}{path}"), body);

    // 400s from ClusterEndpointErrorResponseIT and the management docs.
    assert_eq!(
        post("/actuator/cluster/brokers", Some(json!([])))
            .await
            .status,
        400
    );
    assert_eq!(
        post("/actuator/cluster/brokers", Some(json!(["zero"])))
            .await
            .status,
        400
    );
    assert_eq!(
        post(
            "/actuator/cluster/brokers?force=true&replicationFactor=2",
            Some(json!(["0", "2"]))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        post("/actuator/cluster/brokers?force=maybe", Some(json!(["0"])))
            .await
            .status,
        400
    );
    for body in [
        json!({"brokers": {"add": [9]}}),
        json!({"brokers": {"count": 4}}),
        json!({"partitions": {"replicationFactor": 2}}),
    ] {
        let a = lab
            .patch(format!("{m0}/actuator/cluster?force=true"), body.clone())
            .await;
        assert_eq!(a.status, 400, "force with {body}: {:?}", a.body);
    }
    let a = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"brokers": {"count": 4, "add": [9]}}),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"partitions": {"replicationFactor": 9}}),
        )
        .await;
    assert_eq!(a.status, 400, "RF above the broker count");
    let a = lab
        .send(
            lab.http
                .patch(format!("{m0}/actuator/cluster"))
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        post("/actuator/exporters/camundaregion1/restart", None)
            .await
            .status,
        400
    );
    assert_eq!(
        post("/actuator/exporters/nosuch/disable", None)
            .await
            .status,
        400
    );
    let a = post(
        "/actuator/exporters/camundaregion1/enable",
        Some(json!({"initializeFrom": "camundaregion1"})),
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(a.body["message"].as_str().is_some());

    // dryRun plans without changing anything.
    let dry = lab
        .patch(
            format!("{m0}/actuator/cluster?dryRun=true"),
            json!({"brokers": {"remove": [6, 7]}}),
        )
        .await;
    assert_eq!(dry.status, 202);
    assert!(
        lab.get(format!("{m0}/actuator/cluster"))
            .await
            .body
            .get("pendingChange")
            .is_none()
    );

    // 409 while a change is pending; the first change goes on.
    let first = post("/actuator/exporters/camundaregion1/disable", None).await;
    assert_eq!(first.status, 202);
    let second = post("/actuator/exporters/camundaregion0/disable", None).await;
    assert_eq!(second.status, 409, "{:?}", second.body);
    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1]}}),
        )
        .await;
    assert_eq!(forced.status, 409);
    lab.control_post("/lab/clock?speed=20").await;
    lab.wait_change_completed(&m0, first.body["changeId"].as_i64().unwrap())
        .await;

    // 502: region 0 lost, so region 1's gateway cannot reach the coordinator (broker 0).
    lab.control_post("/lab/regions/0/fail").await;
    let a = lab
        .post(
            format!("{}/actuator/exporters/camundaregion0/disable", lab.mgmt(1)),
            None,
        )
        .await;
    assert_eq!(a.status, 502, "{:?}", a.body);

    // 401 without credentials in 8.8.
    assert_eq!(
        lab.get(format!("{}/v2/topology", lab.rest(1))).await.status,
        401
    );
    let wrong = lab
        .send(
            lab.http
                .get(format!("{}/v2/topology", lab.rest(1)))
                .basic_auth("demo", Some("wrong")),
        )
        .await;
    assert_eq!(wrong.status, 401);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_stuck_on_lost_brokers_blocks_the_force_removal() {
    // camunda/camunda#63506: disabling the exporter before the failover plans operations on
    // unreachable brokers; the change stalls and the force removal gets 409.
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m0 = lab.mgmt(0);
    lab.control_post("/lab/regions/1/fail").await;
    let d = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/disable"),
            None,
        )
        .await;
    assert_eq!(d.status, 202);
    let s = wait_state(&lab, "the change to stall on a lost broker", |s| {
        s["pending_change"]["next"]["brokerId"]
            .as_i64()
            .is_some_and(|b| b % 2 == 1)
    })
    .await;
    let stuck = s["pending_change"]["completed"].as_u64().unwrap();
    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(forced.status, 409);
    let exporters = lab.get(format!("{m0}/actuator/exporters")).await.body;
    assert_eq!(exporters[1]["status"], "DISABLING");
    // Bringing the region back lets the change finish.
    lab.control_post("/lab/regions/1/restore").await;
    lab.wait_change_completed(&m0, d.body["changeId"].as_i64().unwrap())
        .await;
    assert!(stuck < 32);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_removed_brokers_that_come_back_stop_and_never_lead() {
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m0 = lab.mgmt(0);
    // A network split, not a region loss: both halves run, neither has quorum.
    let s = lab.control_post("/lab/network/split").await;
    assert!(committing(&s).is_empty());
    let t = topology(&lab.rest_get(1, "/v2/topology").await.body);
    assert_eq!(
        listed(&t),
        vec![1, 3, 5, 7],
        "each gateway sees only its own region"
    );

    let f = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(f.status, 202);
    lab.wait_change_completed(&m0, f.body["changeId"].as_i64().unwrap())
        .await;
    let s = wait_state(&lab, "region 0 to commit alone", |s| {
        committing(s).len() == 8
    })
    .await;
    let leaders: Vec<i64> = s["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["leader"].as_i64())
        .collect();
    assert!(
        leaders.iter().all(|l| l % 2 == 0),
        "exactly one committing side: {leaders:?}"
    );
    // Region 1's brokers still run, cut off, believing in their old replicas.
    let t = topology(&lab.rest_get(1, "/v2/topology").await.body);
    assert_eq!(listed(&t), vec![1, 3, 5, 7]);

    // Healing: they learn they were removed and shut down.
    let s = lab.control_post("/lab/network/heal").await;
    let odd: Vec<&Value> = s["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["id"].as_i64().unwrap() % 2 == 1)
        .collect();
    assert!(
        odd.iter()
            .all(|b| b["process_running"] == false && b["stopped_reason"].is_string()),
        "{odd:?}"
    );
    assert!(
        lab.http
            .get(format!("{}/actuator/cluster", lab.broker(1)))
            .send()
            .await
            .is_err()
    );
    let t = topology(&lab.rest_get(0, "/v2/topology").await.body);
    assert_eq!(listed(&t), vec![0, 2, 4, 6]);
    assert_eq!(committing(&lab.state().await).len(), 8);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misconfigured_lab_has_what_it_was_asked_for() {
    let lab = TestLab::start_with(c8dr_lab::Options {
        brokers: 6,
        partitions: 3,
        replication_factor: 3,
        speed: 10.0,
        ..Default::default()
    })
    .await;
    let t = topology(&lab.rest_get(0, "/v2/topology").await.body);
    assert_eq!(
        (t.cluster_size, t.partitions_count, t.replication_factor),
        (Some(6), Some(3), Some(3))
    );
    // RF 3 puts two replicas of some partition in one region: losing it loses quorum there,
    // the other region keeps quorum for the partitions where it holds two of three.
    let s = lab.control_post("/lab/regions/1/fail").await;
    let quorum: Vec<i64> = committing(&s);
    assert!(!quorum.is_empty() && quorum.len() < 3, "{quorum:?}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_change_is_cancelled_by_id_and_the_force_removal_goes_through() {
    // camunda/camunda#63506 and its way out: DELETE /actuator/cluster/changes/{id}
    // (ClusterEndpoint.cancelChange) with the coordinator's checks.
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m0 = lab.mgmt(0);
    let delete = |path: String| lab.send(lab.http.delete(path));
    // Nothing to cancel yet.
    let none = delete(format!("{m0}/actuator/cluster/changes/1")).await;
    assert_eq!(none.status, 400);
    assert_eq!(
        none.body["message"],
        "Cannot cancel change 1 because no change is in progress"
    );
    let s = lab.control_post("/lab/regions/1/fail-mid-change").await;
    assert_eq!(s["regions"][1]["failed"], true, "{s}");
    let s = wait_state(&lab, "the change to stall on region 1", |s| {
        s["pending_change"]["next"]["brokerId"]
            .as_i64()
            .is_some_and(|b| b % 2 == 1)
    })
    .await;
    let id = s["pending_change"]["id"].as_i64().unwrap();
    let c = lab.get(format!("{m0}/actuator/cluster")).await.body;
    assert_eq!(c["pendingChange"]["id"], id);
    assert_eq!(
        c["pendingChange"]["completed"].as_array().unwrap().len(),
        16
    );
    assert_eq!(c["pendingChange"]["pending"].as_array().unwrap().len(), 16);
    let forced = lab
        .patch(
            format!("{m0}/actuator/cluster?force=true"),
            json!({"brokers": {"remove": [1, 3, 5, 7]}}),
        )
        .await;
    assert_eq!(forced.status, 409, "blocked while the change is pending");
    // The real server's refusals.
    let nan = delete(format!("{m0}/actuator/cluster/changes/abc")).await;
    assert_eq!(
        (nan.status, nan.body["message"].as_str()),
        (400, Some("Change id must be a number"))
    );
    let other = delete(format!("{m0}/actuator/cluster/changes/{}", id + 1)).await;
    assert_eq!(other.status, 400);
    assert_eq!(
        other.body["message"],
        format!(
            "Cannot cancel change {} because it is not the current change",
            id + 1
        )
    );
    let dry = delete(format!("{m0}/actuator/cluster/changes/{id}?dryRun=true")).await;
    assert_eq!(dry.status, 501);
    assert!(
        lab.get(format!("{m0}/actuator/cluster")).await.body["pendingChange"].is_object(),
        "refusals change nothing"
    );
    // The cancel: 200 with the configuration, the change now the last one, CANCELLED.
    let version = c["version"].as_i64().unwrap();
    let ok = delete(format!("{m0}/actuator/cluster/changes/{id}")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.get("pendingChange").is_none(), "{}", ok.body);
    assert_eq!(ok.body["lastChange"]["id"], id);
    assert_eq!(ok.body["lastChange"]["status"], "CANCELLED");
    assert_eq!(ok.body["version"], version + 2);
    spec::management("GetTopologyResponse", true).assert_valid(&ok.body);
    let after = lab.state().await;
    assert!(after["pending_change"].is_null());
    assert_eq!(after["last_change"]["status"], "CANCELLED");
    // A second cancel of the same change: nothing in progress any more.
    let twice = delete(format!("{m0}/actuator/cluster/changes/{id}")).await;
    assert_eq!(twice.status, 400);
    // The force removal is no longer blocked.
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
async fn a_change_whose_coordinator_is_lost_cannot_be_cancelled() {
    // camunda/camunda#63506's deadlock: the cancel must reach the coordinator (broker 0).
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m1 = lab.mgmt(1);
    let s = lab.control_post("/lab/regions/0/fail-mid-change").await;
    let id = s["pending_change"]["id"].as_i64().unwrap();
    let r = lab
        .send(
            lab.http
                .delete(format!("{m1}/actuator/cluster/changes/{id}")),
        )
        .await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(lab.state().await["pending_change"]["id"], id);
    // A second drill while a change is pending is refused.
    let again = lab
        .post(
            format!("{}/lab/regions/1/fail-mid-change", lab.control()),
            None,
        )
        .await;
    assert_eq!(again.status, 409);
    lab.shutdown().await;
}
