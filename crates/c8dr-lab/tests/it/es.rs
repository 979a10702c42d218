//! Lab part 2 end to end: the 8.8 failback by the documented calls including the
//! Elasticsearch snapshot and restore, the schema-manager trap, webapps roll-outs, faults,
//! the request log and 8.9's authenticated Elasticsearch.

use crate::common::{DEADLINE, TestLab, committing, spec, wait_until};
use c8dr_api::ExportingOutcome;
use c8dr_lab::sim::Camunda;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const REPO: &str = "/_snapshot/camunda_backup";

fn s3_repo() -> Value {
    // The procedure's repository (dual-region-procedure.md §2.7).
    json!({"type": "s3", "settings": {"bucket": "camunda-dr-backups", "client": "camunda", "base_path": "backups"}})
}

async fn wait_state(lab: &TestLab, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    wait_until(what, DEADLINE, || async {
        let s = lab.state().await;
        if ok(&s) { Ok(s) } else { Err(s.to_string()) }
    })
    .await
}

fn docs(state: &Value, region: usize, index: &str) -> u64 {
    state["elasticsearch"][region]["indices"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == index))
        .and_then(|i| i["docs"].as_u64())
        .unwrap_or(0)
}

async fn es_send(
    lab: &TestLab,
    method: Method,
    r: usize,
    path: &str,
    body: Option<Value>,
) -> crate::common::Answer {
    let mut req = lab.es_request(method, r, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    lab.send(req).await
}

async fn wait_webapps(lab: &TestLab, r: usize, on: bool) -> Value {
    wait_state(
        lab,
        &format!("region {r} webapps {on} after the roll"),
        |s| s["webapps"][r]["active"] == on && s["webapps"][r]["rolling"] == false,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failback_88_by_the_documented_calls_restores_two_regions() {
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m0 = lab.mgmt(0);
    lab.failover_region1_88().await;

    // FB-1: recreate region 1 with the webapps off and the schema manager off.
    let s = lab.control_post("/lab/regions/1/recreate").await;
    assert_eq!(
        s["elasticsearch"][1]["indices"],
        json!([]),
        "a fresh, empty Elasticsearch"
    );
    let cat = es_send(&lab, Method::GET, 1, "/_cat/indices?format=json", None).await;
    assert_eq!((cat.status, cat.body.clone()), (200, json!([])));

    // FB-2: webapps off in the survivor: a Helm upgrade rolling its brokers.
    lab.control_post("/lab/regions/0/webapps/off").await;
    let s = wait_webapps(&lab, 0, false).await;
    assert_eq!(
        s["webapps"][0]["profiles"],
        "broker,identity,consolidated-auth"
    );
    wait_state(&lab, "quorum after the roll", |s| committing(s).len() == 8).await;

    // FB-3: pause exporting.
    let pause = lab
        .post(format!("{m0}/actuator/exporting/pause"), None)
        .await;
    assert_eq!(
        ExportingOutcome::from_response(pause.status, &pause.raw),
        ExportingOutcome::Succeeded
    );
    let frozen = lab.state().await;

    // FB-4: repository in S, snapshot with global state, repository in R, restore.
    let reg = es_send(&lab, Method::PUT, 0, REPO, Some(s3_repo())).await;
    assert_eq!(
        (reg.status, reg.body.clone()),
        (200, json!({"acknowledged": true}))
    );
    let snap = es_send(
        &lab,
        Method::PUT,
        0,
        &format!("{REPO}/failback?wait_for_completion=true"),
        Some(json!({"include_global_state": true})),
    )
    .await;
    assert_eq!(snap.status, 200, "{:?}", snap.body);
    assert_eq!(snap.body["snapshot"]["state"], "SUCCESS");
    assert_eq!(snap.body["snapshot"]["include_global_state"], true);
    assert_eq!(snap.body["snapshot"]["shards"]["failed"], 0);
    let all = es_send(&lab, Method::GET, 0, &format!("{REPO}/_all"), None).await;
    assert_eq!(all.body["snapshots"].as_array().unwrap().len(), 1);
    let status = es_send(
        &lab,
        Method::GET,
        0,
        &format!("{REPO}/failback/_status"),
        None,
    )
    .await;
    assert_eq!(status.body["snapshots"][0]["state"], "SUCCESS");

    assert_eq!(
        es_send(&lab, Method::PUT, 1, REPO, Some(s3_repo()))
            .await
            .status,
        200
    );
    let seen = es_send(&lab, Method::GET, 1, &format!("{REPO}/_all"), None).await;
    assert_eq!(
        seen.body["snapshots"][0]["snapshot"], "failback",
        "the shared bucket shows it"
    );
    let restore = es_send(
        &lab,
        Method::POST,
        1,
        &format!("{REPO}/failback/_restore?wait_for_completion=true"),
        Some(json!({"include_global_state": true})),
    )
    .await;
    assert_eq!(restore.status, 200, "{:?}", restore.body);
    assert_eq!(restore.body["snapshot"]["shards"]["failed"], 0);
    for r in [0, 1] {
        let h = es_send(
            &lab,
            Method::GET,
            r,
            "/_cluster/health?wait_for_status=green&timeout=30s",
            None,
        )
        .await;
        assert_eq!(
            (h.status, h.body["status"].clone()),
            (200, json!("green")),
            "region {r}"
        );
    }
    let restored = lab.state().await;
    let hot = "operate-list-view-8.3.0_";
    assert_eq!(
        docs(&restored, 1, hot),
        docs(&frozen, 0, hot),
        "restored what was paused"
    );
    assert!(docs(&restored, 1, hot) > 0);

    // FB-5..7: enable from the survivor, resume, re-add with RF 4 and no force.
    let e = lab
        .post(
            format!("{m0}/actuator/exporters/camundaregion1/enable"),
            Some(json!({"initializeFrom": "camundaregion0"})),
        )
        .await;
    assert_eq!(e.status, 202);
    lab.wait_change_completed(&m0, e.body["changeId"].as_i64().unwrap())
        .await;
    let resume = lab
        .post(format!("{m0}/actuator/exporting/resume"), None)
        .await;
    assert_eq!(
        ExportingOutcome::from_response(resume.status, &resume.raw),
        ExportingOutcome::Succeeded
    );
    let add = lab
        .patch(
            format!("{m0}/actuator/cluster"),
            json!({"brokers": {"add": [1, 3, 5, 7]}, "partitions": {"replicationFactor": 4}}),
        )
        .await;
    assert_eq!(add.status, 202, "{:?}", add.body);
    lab.wait_change_completed(&m0, add.body["changeId"].as_i64().unwrap())
        .await;

    // FB-8: webapps back on in both regions.
    lab.control_post("/lab/regions/0/webapps/on").await;
    lab.control_post("/lab/regions/1/webapps/on").await;
    wait_webapps(&lab, 0, true).await;
    let s = wait_webapps(&lab, 1, true).await;
    assert_eq!(
        s["webapps"][1]["profiles"],
        "broker,operate,tasklist,identity,consolidated-auth"
    );

    let t: c8dr_api::TopologyResponse =
        serde_json::from_value(lab.rest_get(1, "/v2/topology").await.body).unwrap();
    assert_eq!((t.cluster_size, t.replication_factor), (Some(8), Some(4)));
    let exporters = lab.get(format!("{m0}/actuator/exporters")).await.body;
    assert!(
        exporters
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "ENABLED"),
        "{exporters}"
    );
    let before = docs(&lab.state().await, 1, hot);
    wait_state(
        &lab,
        "new documents in the recreated region's Elasticsearch",
        |s| committing(s).len() == 8 && docs(s, 1, hot) > before,
    )
    .await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_fails_when_the_schema_manager_created_indices() {
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    lab.failover_region1_88().await;
    es_send(&lab, Method::PUT, 0, REPO, Some(s3_repo())).await;
    let snap = es_send(
        &lab,
        Method::PUT,
        0,
        &format!("{REPO}/failback?wait_for_completion=true"),
        Some(json!({"include_global_state": true})),
    )
    .await;
    assert_eq!(snap.status, 200);

    let s = lab
        .control_post("/lab/regions/1/recreate?schema_manager=on")
        .await;
    let created: Vec<String> = s["elasticsearch"][1]["indices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(created.len(), 33);
    es_send(&lab, Method::PUT, 1, REPO, Some(s3_repo())).await;
    let restore = es_send(
        &lab,
        Method::POST,
        1,
        &format!("{REPO}/failback/_restore?wait_for_completion=true"),
        Some(json!({"include_global_state": true})),
    )
    .await;
    assert_eq!(restore.status, 500, "{:?}", restore.body);
    assert_eq!(restore.body["error"]["type"], "snapshot_restore_exception");
    assert!(
        restore.body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("open index with same name already exists")
    );

    // The docs' fix: delete the created indices (by name; wildcards are refused), then restore.
    let wildcard = es_send(&lab, Method::DELETE, 1, "/operate-*", None).await;
    assert_eq!(wildcard.status, 400);
    let deleted = es_send(
        &lab,
        Method::DELETE,
        1,
        &format!("/{}", created.join(",")),
        None,
    )
    .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    let restore = es_send(
        &lab,
        Method::POST,
        1,
        &format!("{REPO}/failback/_restore?wait_for_completion=true"),
        Some(json!({"include_global_state": true})),
    )
    .await;
    assert_eq!(restore.status, 200, "{:?}", restore.body);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elasticsearch_errors_and_waits_answer_like_elasticsearch() {
    let lab = TestLab::start(Camunda::V88, 0.5).await;
    // The lab registers camunda_backup in both regions (a correct setup); another name is
    // missing.
    let missing = es_send(&lab, Method::PUT, 0, "/_snapshot/unregistered/x", None).await;
    assert_eq!(
        (missing.status, missing.body["error"]["type"].clone()),
        (404, json!("repository_missing_exception"))
    );
    es_send(&lab, Method::PUT, 0, REPO, Some(s3_repo())).await;
    let no_bucket = es_send(
        &lab,
        Method::PUT,
        0,
        "/_snapshot/other",
        Some(json!({"type": "s3", "settings": {}})),
    )
    .await;
    assert_eq!(no_bucket.status, 500);
    assert_eq!(
        es_send(&lab, Method::PUT, 0, &format!("{REPO}/a"), None)
            .await
            .body,
        json!({"accepted": true})
    );
    let dup = es_send(&lab, Method::PUT, 0, &format!("{REPO}/a"), None).await;
    assert_eq!(
        (dup.status, dup.body["error"]["type"].clone()),
        (400, json!("invalid_snapshot_name_exception"))
    );
    let gone = es_send(&lab, Method::GET, 0, &format!("{REPO}/nope"), None).await;
    assert_eq!(gone.status, 404);

    // A restore in progress keeps the cluster red: waiting for green times out with 408.
    let ok = es_send(
        &lab,
        Method::GET,
        0,
        "/_cluster/health?wait_for_status=green&timeout=0s",
        None,
    )
    .await;
    assert_eq!(ok.status, 200);
    es_send(&lab, Method::PUT, 1, REPO, Some(s3_repo())).await;
    wait_until("snapshot a to finish", DEADLINE, || async {
        let g = es_send(&lab, Method::GET, 1, &format!("{REPO}/a"), None).await;
        if g.body["snapshots"][0]["state"] == "SUCCESS" {
            Ok(())
        } else {
            Err(g.body.to_string())
        }
    })
    .await;
    // Region 1 has its own Camunda indices: restore under other names.
    let rename = json!({"rename_pattern": "(.+)", "rename_replacement": "restored-$1"});
    let r = es_send(
        &lab,
        Method::POST,
        1,
        &format!("{REPO}/a/_restore"),
        Some(rename),
    )
    .await;
    assert_eq!(r.body, json!({"accepted": true}));
    let red = es_send(
        &lab,
        Method::GET,
        1,
        "/_cluster/health?wait_for_status=green&timeout=100ms",
        None,
    )
    .await;
    assert_eq!(red.status, 408, "{:?}", red.body);
    assert_eq!(red.body["timed_out"], true);
    assert_eq!(red.body["status"], "red");
    let cat = es_send(
        &lab,
        Method::GET,
        1,
        "/_cat/indices/restored-*?format=json",
        None,
    )
    .await;
    assert_eq!(cat.body.as_array().unwrap().len(), 33);
    assert!(
        cat.body
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["health"] == "red")
    );
    let info = es_send(&lab, Method::GET, 0, "/", None).await;
    assert_eq!(info.body["version"]["number"], "8.18.0");
    let text = lab
        .send(lab.es_request(Method::GET, 0, "/_cat/indices?v"))
        .await;
    assert!(
        text.body
            .as_str()
            .unwrap()
            .starts_with("health status index")
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webapps_toggle_rolls_brokers_one_at_a_time_with_transient_errors() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let m0 = lab.mgmt(0);
    lab.control_post("/lab/regions/0/webapps/off").await;
    let mut restarted = Vec::new();
    let mut transient = 0;
    let mut missing_from_topology = false;
    let deadline = Instant::now() + DEADLINE;
    loop {
        let s = lab.state().await;
        let down: Vec<i64> = s["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["region"] == 0 && b["alive"] == false)
            .filter_map(|b| b["id"].as_i64())
            .collect();
        assert!(down.len() <= 1, "one broker at a time: {down:?}");
        if let Some(b) = s["webapps"][0]["restarting"].as_i64()
            && restarted.last() != Some(&b)
        {
            restarted.push(b);
        }
        let a = lab.get(format!("{m0}/actuator/cluster")).await;
        match a.status {
            200 => {}
            502 => transient += 1,
            other => panic!("unexpected {other}: {:?}", a.body),
        }
        if let Some(b) = down.first() {
            let t = lab.rest_get(1, "/v2/topology").await;
            if t.status == 200
                && !t.body["brokers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["nodeId"] == *b)
            {
                missing_from_topology = true;
            }
        }
        if s["webapps"][0]["rolling"] == false && s["webapps"][0]["active"] == false {
            break;
        }
        assert!(Instant::now() < deadline, "roll did not finish: {s}");
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert_eq!(
        restarted,
        vec![6, 4, 2, 0],
        "highest ordinal first, each once"
    );
    assert!(
        transient > 0,
        "requests routed to a restarting pod get a 502"
    );
    assert!(
        missing_from_topology,
        "the restarting broker is missing from the topology"
    );
    assert_eq!(committing(&lab.state().await).len(), 8);

    // 8.7: separate webapps, no broker restart.
    let lab87 = TestLab::start(Camunda::V87, 10.0).await;
    let s = lab87.control_post("/lab/regions/1/webapps/off").await;
    assert_eq!(
        (
            s["webapps"][1]["active"].clone(),
            s["webapps"][1]["rolling"].clone()
        ),
        (json!(false), json!(false))
    );
    assert!(
        s["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["alive"] == true)
    );
    lab87.shutdown().await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roll_blocks_on_brokers_that_are_not_members() {
    // FB-8 runs last because a recreated region's brokers never get ready before re-add.
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    lab.failover_region1_88().await;
    lab.control_post("/lab/regions/1/recreate").await;
    lab.control_post("/lab/regions/1/webapps/on").await;
    let s = wait_state(&lab, "the first restart to come back", |s| {
        s["webapps"][1]["restarting"] == 7 && s["brokers"][7]["alive"] == true
    })
    .await;
    assert_eq!(
        s["webapps"][1]["pending_restarts"],
        json!([5, 3, 1]),
        "stuck behind broker 7"
    );
    assert_eq!(s["webapps"][1]["active"], false);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_kind_appears_and_vanishes() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let url = format!("{}/actuator/cluster", lab.mgmt(0));
    let fault = |body: Value| {
        lab.send(
            lab.http
                .post(format!("{}/lab/faults", lab.control()))
                .json(&body),
        )
    };
    let clear = || lab.send(lab.http.delete(format!("{}/lab/faults", lab.control())));

    assert_eq!(
        fault(json!({"target": "region7.rest", "kind": "http500"}))
            .await
            .status,
        400
    );
    assert_eq!(
        fault(json!({"target": "region0.management", "kind": "explode"}))
            .await
            .status,
        400
    );

    fault(json!({"target": "region0.management", "kind": "http500", "ratio": 1.0})).await;
    let a = lab.get(url.clone()).await;
    assert_eq!(a.status, 500);
    assert!(a.body["message"].is_string());
    assert_eq!(
        lab.get(format!("{}/actuator/cluster", lab.mgmt(1)))
            .await
            .status,
        200,
        "only the target"
    );
    clear().await;
    assert_eq!(lab.get(url.clone()).await.status, 200);

    fault(json!({"target": "region0.management", "kind": "malformed"})).await;
    let a = lab.get(url.clone()).await;
    assert_eq!(a.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&a.raw).is_err(),
        "the body must not parse"
    );
    clear().await;

    fault(json!({"target": "region0.management", "kind": "slow", "duration_ms": 300})).await;
    let t = Instant::now();
    assert_eq!(lab.get(url.clone()).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    clear().await;

    fault(json!({"target": "region0.management", "kind": "hang"})).await;
    let hung = lab
        .http
        .get(url.clone())
        .timeout(Duration::from_millis(400))
        .send()
        .await;
    assert!(hung.is_err_and(|e| e.is_timeout()));
    clear().await;

    fault(json!({"target": "broker3.management", "kind": "refuse"})).await;
    assert!(
        lab.http
            .get(format!("{}/actuator/cluster", lab.broker(3)))
            .send()
            .await
            .is_err()
    );
    clear().await;
    assert_eq!(
        lab.get(format!("{}/actuator/cluster", lab.broker(3)))
            .await
            .status,
        200
    );

    fault(json!({"target": "region1.elasticsearch", "kind": "http500"})).await;
    let e = es_send(&lab, Method::GET, 1, "/_cluster/health", None).await;
    assert_eq!(e.status, 500);
    assert!(e.body["error"]["type"].is_string());
    fault(json!({"target": "region0.rest", "kind": "http500", "ratio": 0.0})).await;
    assert_eq!(
        lab.rest_get(0, "/v2/topology").await.status,
        200,
        "ratio 0 never fires"
    );
    let listed = lab.get(format!("{}/lab/faults", lab.control())).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    clear().await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_lists_exactly_the_mutating_calls() {
    let lab = TestLab::start(Camunda::V88, 20.0).await;
    let m0 = lab.mgmt(0);
    lab.get(format!("{m0}/actuator/cluster")).await;
    lab.control_post("/lab/regions/1/fail").await;
    let body = json!({"brokers": {"remove": [1, 3, 5, 7]}});
    lab.patch(format!("{m0}/actuator/cluster?force=true"), body.clone())
        .await;
    lab.post(format!("{}/actuator/exporting/pause", lab.broker(0)), None)
        .await;
    es_send(&lab, Method::PUT, 0, REPO, Some(s3_repo())).await;
    let log = lab
        .get(format!("{}/lab/requests", lab.control()))
        .await
        .body;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(
        (
            log[0]["target"].clone(),
            log[0]["method"].clone(),
            log[0]["path"].clone(),
            log[0]["body"].clone()
        ),
        (
            json!("region0.management"),
            json!("PATCH"),
            json!("/actuator/cluster?force=true"),
            body
        )
    );
    assert_eq!(log[1]["target"], "broker0.management");
    assert_eq!(log[1]["body"], Value::Null);
    assert_eq!(
        (log[2]["method"].clone(), log[2]["path"].clone()),
        (json!("PUT"), json!(REPO))
    );
    assert!(log.iter().all(|r| r["time"].is_string()));
    lab.send(lab.http.delete(format!("{}/lab/requests", lab.control())))
        .await;
    assert_eq!(
        lab.get(format!("{}/lab/requests", lab.control()))
            .await
            .body,
        json!([])
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v89_has_authenticated_elasticsearch_cluster_id_and_active_active_traffic() {
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let auth = lab.lab.ready.regions[0]
        .elasticsearch_auth
        .clone()
        .expect("8.9 ready line carries ES credentials");
    assert_eq!(auth.username, "elastic");
    let anonymous = lab.get(format!("{}/_cluster/health", lab.es(0))).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"]["type"], "security_exception");
    assert!(anonymous.headers.contains_key("www-authenticate"));
    let with = es_send(&lab, Method::GET, 0, "/_cluster/health", None).await;
    assert_eq!(
        (with.status, with.body["status"].clone()),
        (200, json!("green"))
    );
    let info = es_send(&lab, Method::GET, 0, "/", None).await;
    assert!(
        info.body["version"]["number"]
            .as_str()
            .unwrap()
            .starts_with('9')
    );

    let topo = lab.rest_get(0, "/v2/topology").await;
    assert!(topo.body["clusterId"].is_string());
    spec::rest_v2("8.9", "TopologyResponse", true).assert_valid(&topo.body);
    let state = lab.state().await;
    assert_eq!(state["traffic"], "both");
    let moved = lab.control_post("/lab/traffic/1").await;
    assert_eq!(moved["traffic"], 1);
    let config = std::fs::read_to_string(&lab.lab.ready.config).unwrap();
    assert!(config.contains("elasticsearch_auth") && !config.contains(&auth.password));
    lab.shutdown().await;
}
