//! The lab's Kubernetes objects by raw API calls: the broker StatefulSet's env as Helm and
//! `kubectl set env` change it, the claims a recreate leaves behind, and 8.9's Secrets with a
//! distinct Elasticsearch password per region.

use crate::common::TestLab;
use base64::Engine as _;
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn unb64(v: &Value) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 string"))
            .expect("base64"),
    )
    .expect("utf-8")
}

fn api(lab: &TestLab, r: usize, path: &str) -> String {
    let region = &lab.lab.ready.regions[r];
    format!(
        "{}{}",
        region.kube_api,
        path.replace("{ns}", &region.namespace)
    )
}

async fn get(lab: &TestLab, r: usize, path: &str) -> (u16, Value) {
    let a = lab.get(api(lab, r, path)).await;
    (a.status, a.body)
}

async fn send(lab: &TestLab, req: reqwest::RequestBuilder) -> (u16, Value) {
    let a = lab.send(req).await;
    (a.status, a.body)
}

fn env_of(sts: &Value) -> Vec<Value> {
    sts["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn env_value(sts: &Value, name: &str) -> Option<Value> {
    env_of(sts).into_iter().find(|e| e["name"] == name)
}

const CREATE_SCHEMA: &str = "CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA";
const STS: &str = "/apis/apps/v1/namespaces/{ns}/statefulsets/camunda-zeebe";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_env_follows_the_install_and_kubectl_set_env() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let (_, sts) = get(&lab, 1, STS).await;
    assert_eq!(env_value(&sts, CREATE_SCHEMA), None, "the blueprint's env");
    lab.control_post("/lab/regions/1/fail").await;
    lab.control_post("/lab/regions/1/recreate").await;
    let (_, sts) = get(&lab, 1, STS).await;
    assert_eq!(
        env_value(&sts, CREATE_SCHEMA),
        Some(json!({"name": CREATE_SCHEMA, "value": "false"})),
        "FB-1 installs with the schema manager off"
    );
    // `kubectl set env sts/camunda-zeebe CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA-`.
    let remove = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "orchestration", "env": [{"$patch": "delete", "name": CREATE_SCHEMA}]}]}}}});
    let (status, sts) = send(
        &lab,
        lab.http
            .patch(api(&lab, 1, STS))
            .header("Content-Type", "application/strategic-merge-patch+json")
            .body(remove.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{sts}");
    assert_eq!(env_value(&sts, CREATE_SCHEMA), None);
    let (_, again) = get(&lab, 1, STS).await;
    assert_eq!(env_of(&again), env_of(&sts), "the change is kept");
    assert!(
        env_value(&again, "ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS").is_some(),
        "the chart's entries stay"
    );
    // A Helm upgrade renders the values' env: FB-1's entry stays only while they carry it.
    lab.control_post("/lab/regions/1/recreate").await;
    lab.control_post("/lab/regions/1/webapps/on?schema_env=keep")
        .await;
    let (_, sts) = get(&lab, 1, STS).await;
    assert!(env_value(&sts, CREATE_SCHEMA).is_some());
    lab.control_post("/lab/regions/1/webapps/on").await;
    let (_, sts) = get(&lab, 1, STS).await;
    assert_eq!(env_value(&sts, CREATE_SCHEMA), None);
    // The trap: installed without the env, the schema manager created indices.
    lab.control_post("/lab/regions/1/recreate?schema_manager=on")
        .await;
    let (_, sts) = get(&lab, 1, STS).await;
    assert_eq!(env_value(&sts, CREATE_SCHEMA), None);
    // Other patch types and objects are refused as the API server refuses them.
    let (status, _) = send(
        &lab,
        lab.http
            .patch(api(&lab, 1, STS))
            .header("Content-Type", "application/json-patch+json")
            .body("[]"),
    )
    .await;
    assert_eq!(status, 415);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recreate_can_leave_the_old_broker_claims_behind() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let claims = |v: &Value| -> Vec<(String, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["metadata"]["name"].as_str().unwrap().to_string(),
                    c["metadata"]["creationTimestamp"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let (_, before) = get(&lab, 1, "/api/v1/namespaces/{ns}/persistentvolumeclaims").await;
    let names: Vec<String> = claims(&before).into_iter().map(|c| c.0).collect();
    assert_eq!(
        names,
        [
            "data-camunda-elasticsearch-master-0",
            "data-camunda-zeebe-0",
            "data-camunda-zeebe-1",
            "data-camunda-zeebe-2",
            "data-camunda-zeebe-3"
        ]
    );
    lab.control_post("/lab/regions/1/fail").await;
    // Let simulated time pass so that the new install is later than the old one.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    lab.control_post("/lab/regions/1/recreate").await;
    let (_, sts) = get(&lab, 1, STS).await;
    let installed = sts["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, clean) = get(&lab, 1, "/api/v1/namespaces/{ns}/persistentvolumeclaims").await;
    assert!(
        claims(&clean).iter().all(|(_, t)| *t >= installed),
        "a clean install has only new claims: {clean}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, before_trap) = get(&lab, 1, STS).await;
    lab.control_post("/lab/regions/1/recreate?leftover_pvcs=on")
        .await;
    let (_, sts) = get(&lab, 1, STS).await;
    let installed = sts["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        installed.as_str()
            > before_trap["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap()
    );
    let (_, left) = get(&lab, 1, "/api/v1/namespaces/{ns}/persistentvolumeclaims").await;
    let old: Vec<String> = claims(&left)
        .into_iter()
        .filter(|(_, t)| *t < installed)
        .map(|c| c.0)
        .collect();
    assert_eq!(
        old,
        [
            "data-camunda-zeebe-0",
            "data-camunda-zeebe-1",
            "data-camunda-zeebe-2",
            "data-camunda-zeebe-3"
        ]
    );
    // Deleting one gives its replica a new claim.
    let (status, _) = send(
        &lab,
        lab.http.delete(api(
            &lab,
            1,
            "/api/v1/namespaces/{ns}/persistentvolumeclaims/data-camunda-zeebe-1",
        )),
    )
    .await;
    assert_eq!(status, 200);
    let (_, after) = get(&lab, 1, "/api/v1/namespaces/{ns}/persistentvolumeclaims").await;
    let c1 = claims(&after)
        .into_iter()
        .find(|c| c.0 == "data-camunda-zeebe-1")
        .unwrap();
    assert!(c1.1 >= installed, "{c1:?} is new");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v89_has_a_password_per_region_in_secrets_that_kubectl_can_sync() {
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let pw = |r: usize| {
        lab.lab.ready.regions[r]
            .elasticsearch_auth
            .clone()
            .unwrap()
            .password
    };
    assert_ne!(pw(0), pw(1), "ECK generates one per region");
    // Each region's Elasticsearch takes only its own.
    let wrong = lab
        .send(
            lab.http
                .get(format!("{}/_cluster/health", lab.es(1)))
                .basic_auth("elastic", Some(pw(0))),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let right = lab
        .send(lab.es_request(reqwest::Method::GET, 1, "/_cluster/health"))
        .await;
    assert_eq!(right.status, 200);
    let secret = |name: &str| format!("/api/v1/namespaces/{{ns}}/secrets/{name}");
    for r in 0..2 {
        let (_, user) = get(&lab, r, &secret("elasticsearch-es-elastic-user")).await;
        assert_eq!(user["kind"], "Secret");
        assert_eq!(unb64(&user["data"]["elastic"]), pw(r));
        for k in 0..2 {
            let (_, copy) = get(
                &lab,
                r,
                &secret(&format!("elasticsearch-es-password-region-{k}")),
            )
            .await;
            assert_eq!(unb64(&copy["data"]["elastic"]), pw(k), "synced in both");
        }
    }
    // A recreated namespace has only ECK's secret until the passwords are synced again.
    lab.control_post("/lab/regions/1/fail").await;
    lab.control_post("/lab/regions/1/recreate").await;
    let (_, list) = get(&lab, 1, "/api/v1/namespaces/{ns}/secrets").await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["elasticsearch-es-elastic-user"]);
    let create = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "elasticsearch-es-password-region-0"},
        "data": {"elastic": b64(&pw(0))}});
    let (status, made) = send(
        &lab,
        lab.http
            .post(api(&lab, 1, "/api/v1/namespaces/{ns}/secrets"))
            .json(&create),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(unb64(&made["data"]["elastic"]), pw(0));
    let (status, _) = send(
        &lab,
        lab.http
            .post(api(&lab, 1, "/api/v1/namespaces/{ns}/secrets"))
            .json(&create),
    )
    .await;
    assert_eq!(status, 409, "already exists");
    // The sync script's effect through the control API (the demo's drill).
    lab.control_post("/lab/elasticsearch/passwords/sync").await;
    let (_, copy) = get(&lab, 0, &secret("elasticsearch-es-password-region-1")).await;
    assert_eq!(unb64(&copy["data"]["elastic"]), pw(1));
    let (status, replaced) = send(
        &lab,
        lab.http
            .put(api(&lab, 1, &secret("elasticsearch-es-password-region-0")))
            .json(
                &json!({"metadata": {"name": "elasticsearch-es-password-region-0"},
                          "stringData": {"elastic": "other"}}),
            ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(unb64(&replaced["data"]["elastic"]), "other");
    lab.shutdown().await;
}

const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases";

fn lease(name: &str, holder: &str) -> Value {
    json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
           "metadata": {"name": name, "annotations": {"c8dr.io/run": "FO-1"}},
           "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30,
                    "renewTime": "2026-12-01T06:00:00.123456Z", "leaseTransitions": 0}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_are_discovered_and_answer_like_the_api_server() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let (_, groups) = get(&lab, 0, "/apis").await;
    let coordination = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "coordination.k8s.io")
        .cloned()
        .unwrap_or_else(|| panic!("no coordination.k8s.io in {groups}"));
    assert_eq!(
        coordination["preferredVersion"]["groupVersion"],
        "coordination.k8s.io/v1"
    );
    let (status, resources) = get(&lab, 0, "/apis/coordination.k8s.io/v1").await;
    assert_eq!(status, 200);
    assert_eq!(resources["groupVersion"], "coordination.k8s.io/v1");
    let leases = &resources["resources"][0];
    assert_eq!(leases["name"], "leases");
    assert_eq!(leases["kind"], "Lease");
    assert_eq!(leases["namespaced"], true);

    let post = |r: usize, body: Value| lab.http.post(api(&lab, r, LEASES)).json(&body);
    let (status, made) = send(&lab, post(0, lease("c8dr-runbook", "alice@laptop"))).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["kind"], "Lease");
    assert_eq!(made["apiVersion"], "coordination.k8s.io/v1");
    let (status, exists) = send(&lab, post(0, lease("c8dr-runbook", "bob@desk"))).await;
    assert_eq!(status, 409);
    assert_eq!(exists["kind"], "Status");
    assert_eq!(exists["reason"], "AlreadyExists");
    assert_eq!(
        exists["details"],
        json!({"name": "c8dr-runbook", "group": "coordination.k8s.io", "kind": "leases"})
    );
    // Not a Lease, a bad name, a bad duration, a bad time: refused, nothing stored.
    for (bad, code) in [
        (
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}),
            400,
        ),
        (json!({"metadata": {}, "spec": {}}), 422),
        (json!({"metadata": {"name": "Not_A_Name"}}), 422),
        (
            json!({"metadata": {"name": "x"}, "spec": {"leaseDurationSeconds": 0}}),
            422,
        ),
        (
            json!({"metadata": {"name": "x"}, "spec": {"renewTime": "yesterday"}}),
            400,
        ),
        (
            json!({"metadata": {"name": "x"}, "spec": {"holderIdentity": 7}}),
            400,
        ),
        (json!([1, 2]), 400),
        (
            json!({"metadata": {"name": "x", "resourceVersion": "5"}}),
            500,
        ),
    ] {
        let (status, answer) = send(&lab, post(0, bad.clone())).await;
        assert_eq!(status, code, "{bad} → {answer}");
        assert_eq!(answer["kind"], "Status", "{answer}");
    }
    let (status, _) = send(
        &lab,
        lab.http
            .post(api(
                &lab,
                0,
                "/apis/coordination.k8s.io/v1/namespaces/elsewhere/leases",
            ))
            .json(&lease("x", "a")),
    )
    .await;
    assert_eq!(status, 404, "unknown namespace");
    let (_, list) = get(&lab, 0, LEASES).await;
    assert_eq!(list["kind"], "LeaseList");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // A PUT without a version is refused; a PUT of a lease that is not there creates it
    // (a Lease's strategy allows create-on-update).
    let one = |name: &str| format!("{LEASES}/{name}");
    let (status, invalid) = send(
        &lab,
        lab.http
            .put(api(&lab, 0, &one("c8dr-runbook")))
            .json(&lease("c8dr-runbook", "bob@desk")),
    )
    .await;
    assert_eq!(status, 422, "{invalid}");
    assert_eq!(
        invalid["message"],
        "leases.coordination.k8s.io \"c8dr-runbook\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
    );
    let (status, other) = send(
        &lab,
        lab.http
            .put(api(&lab, 0, &one("c8dr-runbook")))
            .json(&lease("other-name", "bob@desk")),
    )
    .await;
    assert_eq!(status, 400, "{other}");
    let (status, created) = send(
        &lab,
        lab.http
            .put(api(&lab, 0, &one("elsewhere")))
            .json(&lease("elsewhere", "bob@desk")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    // A server-side dry run is refused, not answered as if written.
    let (status, dry) = send(
        &lab,
        lab.http
            .delete(format!("{}?dryRun=All", api(&lab, 0, &one("elsewhere")))),
    )
    .await;
    assert_eq!(status, 400, "{dry}");
    // Delete preconditions: a stale version or another uid is a 409 Conflict.
    for pre in [json!({"resourceVersion": "1"}), json!({"uid": "not-it"})] {
        let (status, refused) = send(
            &lab,
            lab.http
                .delete(api(&lab, 0, &one("elsewhere")))
                .json(&json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": pre})),
        )
        .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["reason"], "Conflict");
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("Precondition failed"),
            "{refused}"
        );
    }
    let (status, deleted) = send(
        &lab,
        lab.http
            .delete(api(&lab, 0, &one("elsewhere")))
            .json(&json!({"preconditions": {"uid": created["metadata"]["uid"],
                                      "resourceVersion": created["metadata"]["resourceVersion"]}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["status"], "Success", "{deleted}");
    assert_eq!(deleted["details"]["uid"], created["metadata"]["uid"]);

    // Regions are apart: region 1 has none.
    let (_, list1) = get(&lab, 1, LEASES).await;
    assert_eq!(list1["items"], json!([]));

    // A lease survives the region failing and coming back; a recreated region has none.
    let names = |state: &Value, r: usize| -> Vec<String> {
        state["regions"][r]["leases"]
            .as_array()
            .unwrap_or_else(|| panic!("no leases in {state}"))
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&lab.state().await, 0), ["c8dr-runbook"]);
    lab.control_post("/lab/regions/0/fail").await;
    assert_eq!(
        names(&lab.state().await, 0),
        ["c8dr-runbook"],
        "kept while the region is down"
    );
    lab.control_post("/lab/regions/0/restore").await;
    let (status, kept) = get(&lab, 0, &one("c8dr-runbook")).await;
    assert_eq!(status, 200);
    assert_eq!(kept["spec"]["holderIdentity"], "alice@laptop");
    assert_eq!(kept["metadata"]["uid"], made["metadata"]["uid"]);
    lab.control_post("/lab/regions/0/fail").await;
    lab.control_post("/lab/regions/0/recreate").await;
    assert!(names(&lab.state().await, 0).is_empty());
    let (status, gone) = get(&lab, 0, &one("c8dr-runbook")).await;
    assert_eq!(status, 404, "{gone}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_of_one_lease_are_served_one_after_the_other() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let url = api(&lab, 0, LEASES);
    // Eight c8drs take the lease at the same moment: one creates it, seven hear AlreadyExists.
    let creates = (0..8).map(|i| {
        let req = lab
            .http
            .post(url.clone())
            .json(&lease("c8dr-runbook", &format!("op-{i}")));
        async move { req.send().await.expect("answer").status().as_u16() }
    });
    let mut codes = futures_util::future::join_all(creates).await;
    codes.sort_unstable();
    assert_eq!(codes, [201, 409, 409, 409, 409, 409, 409, 409]);
    let one = format!("{url}/c8dr-runbook");
    let (_, current) = send(&lab, lab.http.get(one.clone())).await;
    let rv = current["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    // The same unchanged object written back keeps its version, as a no-op update does.
    let (status, same) = send(&lab, lab.http.put(one.clone()).json(&current)).await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["metadata"]["resourceVersion"], rv);
    // Eight take it over from the same version: exactly one wins, seven hear Conflict.
    let takeovers = (0..8).map(|i| {
        let mut body = current.clone();
        body["spec"]["holderIdentity"] = json!(format!("taker-{i}"));
        let req = lab.http.put(one.clone()).json(&body);
        async move { req.send().await.expect("answer").status().as_u16() }
    });
    let mut codes = futures_util::future::join_all(takeovers).await;
    codes.sort_unstable();
    assert_eq!(codes, [200, 409, 409, 409, 409, 409, 409, 409]);
    let (_, after) = send(&lab, lab.http.get(one)).await;
    assert!(
        after["spec"]["holderIdentity"]
            .as_str()
            .unwrap()
            .starts_with("taker-")
    );
    assert_ne!(after["metadata"]["resourceVersion"], rv);
    lab.shutdown().await;
}
