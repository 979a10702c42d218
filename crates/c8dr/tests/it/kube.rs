//! Lab part 3 end to end: kube-rs (c8dr's client code) and kubectl against the lab's
//! Kubernetes API per region, port-forwards to the management API, REST and Elasticsearch,
//! and the DNS answer for user traffic.

use crate::common::{DEADLINE, TestLab, wait_until};
use c8dr::api::BrokerId;
use c8dr::source::kube::is_ready;
use c8dr::source::{ForwardTarget, PortForward, RegionKube, dns};
use c8dr_lab::sim::Camunda;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

pub async fn region(lab: &TestLab, r: usize) -> RegionKube {
    let ready = &lab.lab.ready;
    let reg = &ready.regions[r];
    RegionKube::connect(
        &format!("region {r} ({})", reg.name),
        &reg.kube_context,
        &reg.namespace,
        "camunda",
        Some(&ready.kubeconfig),
    )
    .await
    .expect("kube client per context")
}

const BROKERS: &str = "app.kubernetes.io/component=zeebe-broker";

async fn broker_pods(k: &RegionKube) -> Vec<Pod> {
    k.pods()
        .list(&ListParams::default().labels(BROKERS))
        .await
        .expect("list broker pods")
        .items
}

async fn get_json(
    http: &reqwest::Client,
    url: String,
    auth: Option<(&str, &str)>,
) -> Result<(u16, Value), String> {
    let mut req = http.get(url).timeout(Duration::from_secs(5));
    if let Some((u, p)) = auth {
        req = req.basic_auth(u, Some(p));
    }
    let resp = req.send().await.map_err(|e| format!("{e:#}"))?;
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.map_err(|e| format!("{e:#}"))?;
    Ok((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_lists_watches_scales_and_deletes_like_a_cluster() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let (k0, k1) = (region(&lab, 0).await, region(&lab, 1).await);
    for (k, parity) in [(&k0, 0), (&k1, 1)] {
        let pods = broker_pods(k).await;
        assert_eq!(pods.len(), 4, "{}", k.label);
        assert!(pods.iter().all(is_ready));
        let sts = k
            .statefulsets()
            .get("camunda-zeebe")
            .await
            .expect("statefulset");
        assert_eq!(sts.spec.replicas, Some(4));
        let env = k
            .statefulsets()
            .get("camunda-zeebe")
            .await
            .unwrap()
            .spec
            .template
            .spec
            .unwrap()
            .containers[0]
            .env
            .clone()
            .unwrap_or_default();
        let url = env
            .iter()
            .find(|e| {
                e.name == format!("ZEEBE_BROKER_EXPORTERS_CAMUNDAREGION{parity}_ARGS_CONNECT_URL")
            })
            .and_then(|e| e.value.clone())
            .expect("exporter URL in the environment");
        assert!(
            url.contains(&k.namespace),
            "region {parity}'s exporter writes to its own namespace: {url}"
        );
    }

    // A watcher (kube-rs's reflector, as kubectl --watch and a controller would use) sees a
    // pod replaced and ready again.
    let watched = watch(k0.pods());
    watched
        .store
        .wait_until_ready()
        .await
        .expect("initial list");
    assert_eq!(watched.store.state().len(), 5);
    let old_uid = k0.pods().get("camunda-zeebe-1").await.unwrap().metadata.uid;
    k0.pods()
        .delete("camunda-zeebe-1", &DeleteParams::default())
        .await
        .expect("delete pod");
    let state = lab.state().await;
    assert_eq!(state["brokers"][2]["alive"], false, "broker 2 restarts");
    wait_until(
        "the replaced pod in the watcher, ready again",
        DEADLINE,
        || async {
            let pod = watched
                .store
                .state()
                .into_iter()
                .find(|p| p.metadata.name.as_deref() == Some("camunda-zeebe-1"));
            match pod {
                Some(p) if p.metadata.uid != old_uid && is_ready(&p) => Ok(()),
                other => Err(format!(
                    "{:?}",
                    other.map(|p| (p.metadata.uid.clone(), is_ready(&p)))
                )),
            }
        },
    )
    .await;

    // /scale: the StatefulSet at 2 stops brokers 5 and 7; back at 4 they return.
    let sts = k1.statefulsets();
    let scaled = sts
        .patch_scale(
            "camunda-zeebe",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
        )
        .await
        .expect("patch scale");
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(2));
    let state = lab.state().await;
    let alive: Vec<i64> = state["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["alive"] == true)
        .filter_map(|b| b["id"].as_i64())
        .collect();
    assert_eq!(alive, vec![0, 1, 2, 3, 4, 6]);
    assert_eq!(broker_pods(&k1).await.len(), 2);
    assert_eq!(
        sts.get_scale("camunda-zeebe")
            .await
            .unwrap()
            .spec
            .and_then(|s| s.replicas),
        Some(2)
    );
    let bad = sts
        .patch_scale(
            "camunda-zeebe",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 9}})),
        )
        .await;
    assert!(
        bad.is_err(),
        "more replicas than the lab has brokers for the region is refused"
    );
    sts.patch_scale(
        "camunda-zeebe",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 4}})),
    )
    .await
    .unwrap();
    wait_until("all region 1 brokers ready again", DEADLINE, || async {
        let pods = broker_pods(&k1).await;
        if pods.len() == 4 && pods.iter().all(is_ready) {
            Ok(())
        } else {
            Err(format!("{}", pods.len()))
        }
    })
    .await;

    // 8.8: the orchestration config map carries the profiles.
    let cm: k8s_openapi::api::core::v1::ConfigMap =
        kube::Api::namespaced(k0.client.clone(), &k0.namespace)
            .get("camunda-zeebe-configuration-unified")
            .await
            .unwrap();
    let app = cm
        .data
        .unwrap_or_default()
        .remove("application.yaml")
        .unwrap_or_default();
    assert!(
        app.contains("broker,operate,tasklist,identity,consolidated-auth"),
        "{app}"
    );
    drop(watched);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_kubeconfig_alone_both_regions_answer_over_port_forwards() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let auth = lab.lab.ready.rest_auth.clone();
    let http = reqwest::Client::new();
    for r in [0, 1] {
        let k = region(&lab, r).await;
        assert_eq!(broker_pods(&k).await.len(), 4);
        let mgmt = PortForward::start(k.clone(), ForwardTarget::Gateway, 9600)
            .await
            .unwrap();
        let rest = PortForward::start(k.clone(), ForwardTarget::Gateway, 8080)
            .await
            .unwrap();
        let es = PortForward::start(k.clone(), ForwardTarget::Elasticsearch, 9200)
            .await
            .unwrap();
        let (status, cluster) =
            get_json(&http, format!("{}/actuator/cluster", mgmt.base_url()), None)
                .await
                .unwrap();
        assert_eq!(
            (status, cluster["brokers"].as_array().map(Vec::len)),
            (200, Some(8)),
            "region {r}"
        );
        let (status, topo) = get_json(
            &http,
            format!("{}/v2/topology", rest.base_url()),
            Some((&auth.username, &auth.password)),
        )
        .await
        .unwrap();
        assert_eq!(
            (status, topo["clusterSize"].clone()),
            (200, json!(8)),
            "region {r}"
        );
        let (status, health) = get_json(&http, format!("{}/_cluster/health", es.base_url()), None)
            .await
            .unwrap();
        assert_eq!(
            (status, health["status"].clone()),
            (200, json!("green")),
            "region {r}"
        );
        let broker = PortForward::start(
            k.clone(),
            ForwardTarget::Broker(BrokerId::Numbered(2 + r as i32)),
            9600,
        )
        .await
        .unwrap();
        let (status, partitions) = get_json(
            &http,
            format!("{}/actuator/partitions", broker.base_url()),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            (status, partitions.as_object().map(|m| m.len())),
            (200, Some(4))
        );
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tunnel_survives_a_pod_deletion() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let k = region(&lab, 0).await;
    let http = reqwest::Client::new();
    let forward = PortForward::start(
        k.clone(),
        ForwardTarget::Broker(BrokerId::Numbered(0)),
        9600,
    )
    .await
    .unwrap();
    let url = format!("{}/actuator/cluster", forward.base_url());
    assert_eq!(get_json(&http, url.clone(), None).await.unwrap().0, 200);
    k.pods()
        .delete("camunda-zeebe-0", &DeleteParams::default())
        .await
        .unwrap();
    let failures = std::sync::atomic::AtomicUsize::new(0);
    wait_until(
        "the forward to work again after the broker restarted",
        DEADLINE,
        || async {
            match get_json(&http, url.clone(), None).await {
                Ok((200, _)) => Ok(()),
                other => {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Err(format!("{other:?}"))
                }
            }
        },
    )
    .await;
    assert!(
        failures.into_inner() > 0,
        "requests fail while the pod is gone"
    );
    assert!(
        forward.last_error().is_some(),
        "the broken tunnel is reported"
    );

    // Through the gateway Service a new connection simply picks another Ready pod.
    let gateway = PortForward::start(k.clone(), ForwardTarget::Gateway, 9600)
        .await
        .unwrap();
    let gw_url = format!("{}/actuator/cluster", gateway.base_url());
    assert_eq!(get_json(&http, gw_url.clone(), None).await.unwrap().0, 200);
    k.pods()
        .delete("camunda-zeebe-1", &DeleteParams::default())
        .await
        .unwrap();
    wait_until("the gateway forward to answer", DEADLINE, || async {
        match get_json(&http, gw_url.clone(), None).await {
            Ok((200, _)) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_region_fails_fast_without_blocking_the_other() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let (k0, k1) = (region(&lab, 0).await, region(&lab, 1).await);
    lab.control_post("/lab/regions/1/fail").await;
    let started = Instant::now();
    let (api1, api0) = (k1.pods(), k0.pods());
    let (all, brokers) = (ListParams::default(), ListParams::default().labels(BROKERS));
    let (lost, alive) = tokio::join!(api1.list(&all), api0.list(&brokers));
    assert!(
        lost.is_err(),
        "the failed region's API server refuses connections"
    );
    let alive = alive.expect("the surviving region answers");
    assert_eq!(alive.items.len(), 4);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v87_has_gateway_and_webapp_deployments_that_really_scale() {
    let lab = TestLab::start(Camunda::V87, 10.0).await;
    let k = region(&lab, 1).await;
    let deployments = k.deployments().list(&ListParams::default()).await.unwrap();
    let names: Vec<String> = deployments
        .items
        .iter()
        .filter_map(|d| d.metadata.name.clone())
        .collect();
    assert_eq!(
        names,
        vec![
            "camunda-operate",
            "camunda-tasklist",
            "camunda-zeebe-gateway"
        ]
    );
    k.deployments()
        .patch_scale(
            "camunda-operate",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 0}})),
        )
        .await
        .unwrap();
    assert_eq!(
        lab.state().await["webapps"][1]["active"],
        false,
        "Operate scaled to 0 stops the webapps"
    );
    let broker_env = k
        .statefulsets()
        .get("camunda-zeebe")
        .await
        .unwrap()
        .spec
        .template
        .spec
        .unwrap()
        .containers[0]
        .env
        .clone()
        .unwrap_or_default();
    assert!(
        broker_env
            .iter()
            .any(|e| e.name == "ZEEBE_BROKER_EXPORTERS_ELASTICSEARCHREGION1_ARGS_URL")
    );
    let http = reqwest::Client::new();
    let gw = PortForward::start(k.clone(), ForwardTarget::Gateway, 9600)
        .await
        .unwrap();
    assert_eq!(
        get_json(&http, format!("{}/actuator/exporters", gw.base_url()), None)
            .await
            .unwrap()
            .0,
        200
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dns_answer_follows_user_traffic() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let ready = &lab.lab.ready;
    let ns: SocketAddr = ready.dns.parse().unwrap();
    let addr = |r: usize| -> IpAddr { ready.regions[r].traffic_address.parse().unwrap() };
    let ask = || dns::lookup(&ready.traffic_hostname, Some(ns), Duration::from_secs(2));
    assert_eq!(ask().await.unwrap(), vec![addr(0)]);
    lab.control_post("/lab/traffic/both").await;
    assert_eq!(ask().await.unwrap(), vec![addr(0), addr(1)]);
    lab.control_post("/lab/traffic/1").await;
    assert_eq!(ask().await.unwrap(), vec![addr(1)]);
    let missing = dns::lookup("nothing.lab.c8dr.test", Some(ns), Duration::from_secs(2)).await;
    assert!(missing.is_err());
    lab.shutdown().await;
}

/// kubectl is installed on these machines; when it is not, say so and skip.
fn kubectl() -> Option<Command> {
    match Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
    {
        Ok(o) if o.status.success() => Some(Command::new("kubectl")),
        _ => {
            eprintln!("SKIPPED: kubectl not found on PATH; the kubectl checks did not run");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sees_and_operates_the_same_pods() {
    if kubectl().is_none() {
        return;
    }
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let ready = lab.lab.ready.clone();
    let cache = tempfile::tempdir().unwrap();
    let run = |r: usize, args: &[&str]| {
        let reg = &ready.regions[r];
        let out = kubectl()
            .unwrap()
            .arg("--kubeconfig")
            .arg(&ready.kubeconfig)
            .args([
                "--context",
                &reg.kube_context,
                "-n",
                &reg.namespace,
                "--cache-dir",
            ])
            .arg(cache.path())
            .args(args)
            .output()
            .expect("kubectl runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let table = run(0, &["get", "pods,statefulsets,services"]);
    for name in [
        "pod/camunda-zeebe-0",
        "statefulset.apps/camunda-zeebe",
        "service/camunda-zeebe-gateway",
        "1/1",
    ] {
        assert!(table.contains(name), "{name} missing from:\n{table}");
    }
    let json: Value = serde_json::from_str(&run(1, &["get", "pods", "-o", "json"])).unwrap();
    let mut kubectl_names: Vec<String> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(String::from))
        .collect();
    kubectl_names.sort();
    let k1 = region(&lab, 1).await;
    let mut kube_names: Vec<String> = k1
        .pods()
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    kube_names.sort();
    assert_eq!(
        kubectl_names, kube_names,
        "kubectl and kube-rs see the same pods"
    );

    assert!(
        run(
            1,
            &["scale", "statefulset", "camunda-zeebe", "--replicas=3"]
        )
        .contains("scaled")
    );
    assert_eq!(lab.state().await["brokers"][7]["alive"], false);
    assert!(
        run(
            1,
            &["scale", "statefulset", "camunda-zeebe", "--replicas=4"]
        )
        .contains("scaled")
    );
    assert!(run(0, &["delete", "pod", "camunda-zeebe-2"]).contains("deleted"));
    let pods = run(0, &["get", "pods"]);
    assert!(pods.contains("camunda-zeebe-2"), "{pods}");
    lab.shutdown().await;
}

/// A reflector over `api`: a store kept current by a watch, stopped when dropped.
struct Watched<K: kube::Resource<DynamicType = ()> + 'static> {
    store: kube::runtime::reflector::Store<K>,
    task: tokio::task::JoinHandle<()>,
}

impl<K: kube::Resource<DynamicType = ()> + 'static> Drop for Watched<K> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn watch<K>(api: kube::Api<K>) -> Watched<K>
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    use futures_util::StreamExt;
    use kube::runtime::{WatchStreamExt, reflector, watcher};
    let (store, writer) = reflector::store::<K>();
    let stream = watcher(api, watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while stream.next().await.is_some() {}
    });
    Watched { store, task }
}

/// kubectl aimed at one region of the lab (its context and namespace), with its own HTTP
/// cache directory.
fn kubectl_for(ready: &c8dr_lab::Ready, cache: &std::path::Path, r: usize) -> Command {
    let reg = &ready.regions[r];
    let mut c = kubectl().expect("kubectl");
    c.arg("--kubeconfig")
        .arg(&ready.kubeconfig)
        .args([
            "--context",
            &reg.kube_context,
            "-n",
            &reg.namespace,
            "--cache-dir",
        ])
        .arg(cache);
    c
}

/// kubectl against one region of the lab, run to its end.
fn kubectl_in(
    ready: &c8dr_lab::Ready,
    cache: &std::path::Path,
    r: usize,
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String, String) {
    use std::io::Write as _;
    let mut child = kubectl_for(ready, cache, r)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    if let Some(input) = stdin
        && let Some(mut s) = child.stdin.take()
    {
        s.write_all(input.as_bytes()).expect("stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("kubectl ends");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sets_the_broker_env_lists_claims_and_syncs_secrets() {
    if kubectl().is_none() {
        return;
    }
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let ready = lab.lab.ready.clone();
    let cache = tempfile::tempdir().unwrap();
    let run = |r: usize, args: &[&str]| {
        let (ok, out, err) = kubectl_in(&ready, cache.path(), r, args, None);
        assert!(ok, "kubectl {args:?}: {err}");
        out
    };
    const ENV: &str = "CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA";
    // FB-1's temporary env, as an operator would set and remove it.
    run(
        1,
        &[
            "set",
            "env",
            "statefulset/camunda-zeebe",
            &format!("{ENV}=false"),
        ],
    );
    let yaml = run(1, &["get", "sts", "camunda-zeebe", "-o", "yaml"]);
    assert!(yaml.contains(&format!("name: {ENV}")), "{yaml}");
    let k1 = region(&lab, 1).await;
    let env = |sts: k8s_openapi::api::apps::v1::StatefulSet| {
        sts.spec
            .template
            .spec
            .and_then(|s| s.containers.into_iter().next())
            .and_then(|c| c.env)
            .unwrap_or_default()
    };
    let seen = env(k1.statefulsets().get("camunda-zeebe").await.unwrap());
    assert!(
        seen.iter()
            .any(|e| e.name == ENV && e.value.as_deref() == Some("false")),
        "kube-rs reads what kubectl set: {seen:?}"
    );
    run(
        1,
        &[
            "set",
            "env",
            "statefulset/camunda-zeebe",
            &format!("{ENV}-"),
        ],
    );
    let seen = env(k1.statefulsets().get("camunda-zeebe").await.unwrap());
    assert!(seen.iter().all(|e| e.name != ENV), "{seen:?}");
    assert!(
        seen.iter()
            .any(|e| e.name == "CAMUNDA_DATA_EXPORTERS_CAMUNDAREGION1_ARGS_CONNECT_URL"),
        "the chart's env stays"
    );

    // Claims, and deleting one.
    let pvcs = run(1, &["get", "pvc"]);
    for name in [
        "data-camunda-zeebe-0",
        "elasticsearch-data-elasticsearch-es-masters-0",
        "Bound",
    ] {
        assert!(pvcs.contains(name), "{name} missing from:\n{pvcs}");
    }
    assert!(run(1, &["delete", "pvc", "data-camunda-zeebe-3"]).contains("deleted"));

    // The region's password as the docs read it, and the sync script's create | apply.
    let p1 = run(
        1,
        &[
            "get",
            "secret",
            "elasticsearch-es-elastic-user",
            "-o",
            "jsonpath={.data.elastic}",
        ],
    );
    use base64::Engine as _;
    let p1 = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(p1.trim())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        Some(p1.clone()),
        ready.regions[1]
            .elasticsearch_auth
            .clone()
            .map(|a| a.password)
    );
    lab.control_post("/lab/regions/0/fail").await;
    lab.control_post("/lab/regions/0/recreate").await;
    // The lab serves no OpenAPI schema for client-side validation.
    for r in [0, 1] {
        let manifest = run(
            r,
            &[
                "create",
                "secret",
                "generic",
                "elasticsearch-es-password-region-1",
                &format!("--from-literal=elastic={p1}"),
                "--dry-run=client",
                "-o",
                "yaml",
            ],
        );
        let (ok, _, err) = kubectl_in(
            &ready,
            cache.path(),
            r,
            &["apply", "--validate=false", "-f", "-"],
            Some(&manifest),
        );
        assert!(ok, "apply in region {r}: {err}");
    }
    let copy = run(
        0,
        &[
            "get",
            "secret",
            "elasticsearch-es-password-region-1",
            "-o",
            "jsonpath={.data.elastic}",
        ],
    );
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(copy.trim())
            .unwrap(),
        p1.as_bytes()
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_reads_leftover_claims_and_secret_digests_but_never_the_values() {
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let k1 = region(&lab, 1).await;
    let clean = k1.leftovers().await.expect("claims and pods listed");
    assert!(clean.pvcs.is_empty() && clean.pods.is_empty(), "{clean:?}");
    let password = lab.lab.ready.regions[1]
        .elasticsearch_auth
        .clone()
        .unwrap()
        .password;
    let digest = k1
        .secret_digest("elasticsearch-es-elastic-user", "elastic")
        .await
        .unwrap()
        .expect("ECK's secret");
    assert_eq!(digest, c8dr::runbook::audit::digest(password.as_bytes()));
    assert!(!digest.contains(&password));
    assert_eq!(
        k1.secret_digest("no-such-secret", "elastic").await.unwrap(),
        None
    );
    lab.control_post("/lab/regions/1/fail").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    lab.control_post("/lab/regions/1/recreate?leftover_pvcs=on")
        .await;
    let left = k1.leftovers().await.expect("listed");
    assert_eq!(
        left.pvcs,
        [
            "data-camunda-zeebe-0",
            "data-camunda-zeebe-1",
            "data-camunda-zeebe-2",
            "data-camunda-zeebe-3"
        ]
    );
    assert!(
        left.pods.is_empty(),
        "the new install's pods: {:?}",
        left.pods
    );
    assert_eq!(
        k1.secret_digest("elasticsearch-es-password-region-0", "elastic")
            .await
            .unwrap(),
        None,
        "a new namespace has no copies until the sync"
    );
    lab.shutdown().await;
}

/// An 8.10 zone-aware lab (issue 15 §2) through kube-rs: the zoned StatefulSet
/// `camunda-zeebe-<zone>` and its pods `camunda-zeebe-<zone>-<n>` list, scale and forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoned_statefulsets_list_scale_and_forward() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let lab = TestLab::start_with(c8dr_lab::Options {
        camunda: Camunda::V810,
        speed: 10.0,
        zones: Some(["london".into(), "paris".into()]),
        ..Default::default()
    })
    .await;
    let k = region(&lab, 1).await;
    let mut names: Vec<String> = broker_pods(&k)
        .await
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "camunda-zeebe-paris-0",
            "camunda-zeebe-paris-1",
            "camunda-zeebe-paris-2",
            "camunda-zeebe-paris-3"
        ]
    );
    let sts = k
        .statefulsets()
        .get("camunda-zeebe-paris")
        .await
        .expect("zoned statefulset");
    assert_eq!(sts.spec.replicas, Some(4));
    assert!(
        k.statefulsets().get("camunda-zeebe").await.is_err(),
        "no numbered StatefulSet"
    );

    let mut pf = k
        .pods()
        .portforward("camunda-zeebe-paris-1", &[9600])
        .await
        .expect("port-forward to a zoned pod");
    let mut stream = pf.take_stream(9600).expect("stream");
    stream
        .write_all(
            b"GET /actuator/partitions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("LEADER") || answer.contains("FOLLOWER"),
        "paris_1's own partitions: {answer}"
    );
    drop(stream);
    let _ = pf.join().await;

    k.statefulsets()
        .patch_scale(
            "camunda-zeebe-paris",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .expect("scale the zoned StatefulSet");
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
            .any(|b| b["id"] == "london_3" && b["process_running"] == true)
    );
    lab.shutdown().await;
}

/// The run lease as c8dr would take it (issue 17 §1).
fn run_lease(holder: &str, renew: &str) -> k8s_openapi::api::coordination::v1::Lease {
    serde_json::from_value(json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "c8dr-runbook", "labels": {"app.kubernetes.io/name": "c8dr"},
                     "annotations": {"c8dr.io/run": "FO-20261201-1", "c8dr.io/step": "FO-1"}},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30,
                 "acquireTime": "2026-12-01T06:00:00.123456Z", "renewTime": renew,
                 "leaseTransitions": 0},
    }))
    .expect("a Lease")
}

/// The `Status` of a refused call, or a panic naming what came instead.
fn api_error<T: std::fmt::Debug>(r: Result<T, kube::Error>) -> Box<kube::core::Status> {
    match r {
        Err(kube::Error::Api(s)) => s,
        other => panic!("expected a Status from the API server, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_takes_a_lease_with_optimistic_concurrency() {
    use futures_util::StreamExt;
    use kube::api::{PostParams, WatchEvent, WatchParams};
    use kube::runtime::watcher;
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let k0 = region(&lab, 0).await;
    let leases = k0.leases();
    let pp = PostParams::default();
    let start = leases
        .list(&ListParams::default())
        .await
        .expect("list leases");
    assert!(start.items.is_empty(), "{:?}", start.items);
    let rv0 = start.metadata.resource_version.clone().expect("list rv");

    // A raw watch from the list's version sees every event by its name, and kube-rs's
    // watcher (as a cockpit would run it) sees the lease come, change and go.
    let mut raw = leases
        .watch(&WatchParams::default().timeout(20), &rv0)
        .await
        .expect("watch")
        .boxed();
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    let watching = {
        let leases = leases.clone();
        tokio::spawn(async move {
            let mut w = std::pin::pin!(watcher(leases, watcher::Config::default()));
            while let Some(e) = w.next().await {
                let seen = match e {
                    Ok(watcher::Event::InitDone) => "ready".to_string(),
                    Ok(watcher::Event::Apply(l)) => {
                        format!(
                            "apply {}",
                            l.spec.and_then(|s| s.holder_identity).unwrap_or_default()
                        )
                    }
                    Ok(watcher::Event::Delete(l)) => {
                        format!("delete {}", l.metadata.name.unwrap_or_default())
                    }
                    Ok(_) => continue,
                    Err(e) => format!("error {e}"),
                };
                if seen_tx.send(seen).is_err() {
                    return;
                }
            }
        })
    };

    // The watcher has listed (nothing) before the lease is taken.
    let ready = tokio::time::timeout(DEADLINE, seen_rx.recv()).await;
    assert_eq!(ready.ok().flatten().as_deref(), Some("ready"));
    let made = leases
        .create(
            &pp,
            &run_lease("alice@laptop", "2026-12-01T06:00:00.123456Z"),
        )
        .await
        .expect("create the lease");
    let meta = &made.metadata;
    assert_eq!(meta.namespace.as_deref(), Some(k0.namespace.as_str()));
    assert!(meta.uid.is_some() && meta.creation_timestamp.is_some());
    let rv1 = meta.resource_version.clone().expect("rv");
    let spec = made.spec.clone().expect("spec kept");
    assert_eq!(spec.holder_identity.as_deref(), Some("alice@laptop"));
    assert_eq!(spec.lease_duration_seconds, Some(30));
    assert_eq!(spec.lease_transitions, Some(0));
    assert_eq!(
        serde_json::to_value(&spec.renew_time).unwrap(),
        json!("2026-12-01T06:00:00.123456Z"),
        "MicroTime kept to the microsecond"
    );
    assert_eq!(
        meta.annotations
            .as_ref()
            .and_then(|a| a.get("c8dr.io/run"))
            .map(String::as_str),
        Some("FO-20261201-1")
    );

    // A second c8dr creating the same lease: 409 AlreadyExists, as a real API server says it.
    let taken = api_error(
        leases
            .create(&pp, &run_lease("bob@desk", "2026-12-01T06:00:01.000000Z"))
            .await,
    );
    assert_eq!((taken.code, taken.reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(
        taken.message,
        "leases.coordination.k8s.io \"c8dr-runbook\" already exists"
    );

    let got = leases.get("c8dr-runbook").await.expect("get");
    assert_eq!(got.metadata.resource_version.as_deref(), Some(rv1.as_str()));

    // The holder renews with the version it read: accepted, a new version.
    let mut renewed = got.clone();
    renewed.spec = Some(k8s_openapi::api::coordination::v1::LeaseSpec {
        renew_time: serde_json::from_value(json!("2026-12-01T06:00:10.000000Z")).unwrap(),
        ..spec.clone()
    });
    let after = leases
        .replace("c8dr-runbook", &pp, &renewed)
        .await
        .expect("replace with the current version");
    let rv2 = after.metadata.resource_version.clone().expect("rv");
    assert_ne!(rv2, rv1, "every write is a new version");

    // Bob, who read the lease before the renewal, loses the race: 409 Conflict.
    let mut stale = got.clone();
    stale.spec = Some(k8s_openapi::api::coordination::v1::LeaseSpec {
        holder_identity: Some("bob@desk".into()),
        lease_transitions: Some(1),
        ..spec.clone()
    });
    let conflict = api_error(leases.replace("c8dr-runbook", &pp, &stale).await);
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        conflict.message,
        "Operation cannot be fulfilled on leases.coordination.k8s.io \"c8dr-runbook\": \
         the object has been modified; please apply your changes to the latest version and try again"
    );
    // Without a version at all: refused (a Lease is never updated unconditionally).
    let mut blind = stale.clone();
    blind.metadata.resource_version = None;
    let invalid = api_error(leases.replace("c8dr-runbook", &pp, &blind).await);
    assert_eq!((invalid.code, invalid.reason.as_str()), (422, "Invalid"));
    let now = leases.get("c8dr-runbook").await.expect("get");
    assert_eq!(
        now.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("alice@laptop"),
        "the refused writes changed nothing"
    );

    // A merge patch of the run's step, with and without a version precondition.
    let step = |rv: Option<&str>| {
        let mut p = json!({"metadata": {"annotations": {"c8dr.io/step": "FO-2"}}});
        if let Some(rv) = rv {
            p["metadata"]["resourceVersion"] = json!(rv);
        }
        Patch::Merge(p)
    };
    let stale_patch = api_error(
        leases
            .patch("c8dr-runbook", &PatchParams::default(), &step(Some(&rv1)))
            .await,
    );
    assert_eq!(
        (stale_patch.code, stale_patch.reason.as_str()),
        (409, "Conflict")
    );
    let patched = leases
        .patch("c8dr-runbook", &PatchParams::default(), &step(Some(&rv2)))
        .await
        .expect("patch with the current version");
    let rv3 = patched.metadata.resource_version.clone().expect("rv");
    assert_ne!(rv3, rv2);
    let ann = patched.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(ann.get("c8dr.io/step").map(String::as_str), Some("FO-2"));
    assert_eq!(
        ann.get("c8dr.io/run").map(String::as_str),
        Some("FO-20261201-1")
    );
    assert_eq!(
        patched.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("alice@laptop")
    );

    // Listed in the namespace and across namespaces, with label selectors.
    let listed = leases
        .list(&ListParams::default().labels("app.kubernetes.io/name=c8dr"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    let rv_list: u64 = listed.metadata.resource_version.unwrap().parse().unwrap();
    assert!(rv_list >= rv3.parse().unwrap());
    assert!(
        leases
            .list(&ListParams::default().labels("app.kubernetes.io/name=other"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let all: kube::Api<k8s_openapi::api::coordination::v1::Lease> =
        kube::Api::all(k0.client.clone());
    assert_eq!(
        all.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
    // Another namespace has none, and a name that is not there is 404 NotFound.
    let elsewhere: kube::Api<k8s_openapi::api::coordination::v1::Lease> =
        kube::Api::namespaced(k0.client.clone(), "kube-system");
    assert!(
        elsewhere
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let missing = api_error(leases.get("nobody").await);
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));
    assert_eq!(
        missing.message,
        "leases.coordination.k8s.io \"nobody\" not found"
    );
    assert!(leases.get_opt("nobody").await.unwrap().is_none());

    // The lab's truth shows the lease of region 0.
    let state = lab.state().await;
    let truth = &state["regions"][0]["leases"][0];
    assert_eq!(truth["name"], "c8dr-runbook", "{state}");
    assert_eq!(truth["holderIdentity"], "alice@laptop");
    assert_eq!(truth["renewTime"], "2026-12-01T06:00:10.000000Z");
    assert_eq!(truth["leaseDurationSeconds"], 30);
    assert_eq!(truth["annotations"]["c8dr.io/step"], "FO-2");

    // Released: deleted, and gone.
    let deleted = leases
        .delete("c8dr-runbook", &DeleteParams::default())
        .await
        .expect("delete");
    if let Some(status) = deleted.right() {
        assert!(status.is_success(), "{status:?}");
    }
    assert!(leases.get_opt("c8dr-runbook").await.unwrap().is_none());
    let gone = api_error(
        leases
            .delete("c8dr-runbook", &DeleteParams::default())
            .await,
    );
    assert_eq!(gone.code, 404);

    let mut events = vec![];
    while events.len() < 4 {
        match tokio::time::timeout(DEADLINE, raw.next()).await {
            Ok(Some(Ok(WatchEvent::Added(l)))) => {
                events.push(format!("ADDED {}", l.metadata.resource_version.unwrap()))
            }
            Ok(Some(Ok(WatchEvent::Modified(l)))) => {
                events.push(format!("MODIFIED {}", l.metadata.resource_version.unwrap()))
            }
            Ok(Some(Ok(WatchEvent::Deleted(_)))) => events.push("DELETED".into()),
            Ok(Some(Ok(WatchEvent::Bookmark(_)))) => {}
            other => panic!("watch ended early after {events:?}: {other:?}"),
        }
    }
    assert_eq!(
        events,
        [
            format!("ADDED {rv1}"),
            format!("MODIFIED {rv2}"),
            format!("MODIFIED {rv3}"),
            "DELETED".to_string()
        ]
    );
    let mut seen = vec![];
    while seen.len() < 4 {
        match tokio::time::timeout(DEADLINE, seen_rx.recv()).await {
            Ok(Some(s)) => seen.push(s),
            other => panic!("watcher stopped after {seen:?}: {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            "apply alice@laptop",
            "apply alice@laptop",
            "apply alice@laptop",
            "delete c8dr-runbook"
        ]
    );
    watching.abort();
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_gets_annotates_watches_and_deletes_a_lease() {
    if kubectl().is_none() {
        return;
    }
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let ready = lab.lab.ready.clone();
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let (ok, out, err) = kubectl_in(&ready, cache.path(), 1, args, stdin);
        assert!(ok, "kubectl {args:?}: {err}");
        out
    };
    let manifest =
        serde_json::to_string(&run_lease("alice@laptop", "2026-12-01T06:00:00.123456Z")).unwrap();
    assert!(run(&["create", "--validate=false", "-f", "-"], Some(&manifest)).contains("created"));
    let (ok, _, err) = kubectl_in(
        &ready,
        cache.path(),
        1,
        &["create", "--validate=false", "-f", "-"],
        Some(&manifest),
    );
    assert!(!ok && err.contains("already exists"), "{err}");

    // The server-side table, with the columns a real cluster prints.
    let table = run(&["get", "leases"], None);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "HOLDER", "AGE"], "{table}");
    assert!(
        table.contains("c8dr-runbook") && table.contains("alice@laptop"),
        "{table}"
    );
    let json: Value =
        serde_json::from_str(&run(&["get", "lease", "c8dr-runbook", "-o", "json"], None))
            .expect("kubectl -o json");
    assert_eq!(json["spec"]["holderIdentity"], "alice@laptop");
    assert_eq!(json["spec"]["renewTime"], "2026-12-01T06:00:00.123456Z");
    serde_json::from_value::<k8s_openapi::api::coordination::v1::Lease>(json.clone())
        .expect("a Lease as k8s-openapi reads it");
    let yaml = run(&["get", "lease", "c8dr-runbook", "-o", "yaml"], None);
    assert!(yaml.contains("holderIdentity: alice@laptop"), "{yaml}");
    assert!(yaml.contains("kind: Lease"), "{yaml}");

    // kubectl annotate: a merge patch; --overwrite to change, `key-` to remove.
    assert!(
        run(
            &["annotate", "lease", "c8dr-runbook", "c8dr.io/note=war-room"],
            None
        )
        .contains("annotated")
    );
    assert!(
        run(
            &[
                "annotate",
                "--overwrite",
                "lease",
                "c8dr-runbook",
                "c8dr.io/step=FO-3"
            ],
            None
        )
        .contains("annotated")
    );
    assert!(
        run(
            &["annotate", "lease", "c8dr-runbook", "c8dr.io/note-"],
            None
        )
        .contains("annotated")
    );
    let k1 = region(&lab, 1).await;
    let lease = k1
        .leases()
        .get("c8dr-runbook")
        .await
        .expect("kube-rs reads it");
    let ann = lease.metadata.annotations.unwrap_or_default();
    assert_eq!(ann.get("c8dr.io/step").map(String::as_str), Some("FO-3"));
    assert_eq!(
        ann.get("c8dr.io/run").map(String::as_str),
        Some("FO-20261201-1")
    );
    assert!(!ann.contains_key("c8dr.io/note"), "{ann:?}");
    // With a stale --resource-version the annotation is refused.
    let (ok, _, err) = kubectl_in(
        &ready,
        cache.path(),
        1,
        &[
            "annotate",
            "--overwrite",
            "--resource-version=1",
            "lease",
            "c8dr-runbook",
            "c8dr.io/step=FO-9",
        ],
        None,
    );
    assert!(!ok && err.contains("the object has been modified"), "{err}");

    // `kubectl get leases -w` starts and shows the row.
    let mut watch = kubectl_for(&ready, cache.path(), 1)
        .args(["get", "leases", "-w"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl -w runs");
    let stdout = watch.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut lines = vec![];
    let until = Instant::now() + DEADLINE;
    while !lines.iter().any(|l: &String| l.contains("c8dr-runbook")) && Instant::now() < until {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            lines.push(l);
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("c8dr-runbook") && l.contains("alice@laptop")),
        "kubectl get leases -w: {lines:?}"
    );

    assert!(run(&["delete", "lease", "c8dr-runbook"], None).contains("deleted"));
    assert!(!run(&["get", "leases"], None).contains("c8dr-runbook"));
    let state = lab.state().await;
    assert_eq!(state["regions"][1]["leases"], json!([]), "{state}");
    lab.shutdown().await;
}
