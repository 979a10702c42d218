//! The observation loop end to end against the lab, and `c8dr status` / `check` as scripts and
//! monitoring use them.

use crate::common::{DEADLINE, TestLab, examples_dir, wait_until};
use c8dr::api::{BrokerId, PerRegion, Region};
use c8dr::config::Config;
use c8dr::model::{self, ClusterView, ModelConfig, Processing, Reach, Snapshot};
use c8dr::observe::Observer;
use c8dr_lab::sim::Camunda;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const INTERVAL_MS: u64 = 200;
const TIMEOUT_MS: u64 = 300;

/// The lab's config file with a fast poll.
fn fast(path: &Path) -> Config {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replacen(
        "primary = 0\n",
        &format!("primary = 0\n\n[poll]\ninterval_ms = {INTERVAL_MS}\ntimeout_ms = {TIMEOUT_MS}\nslow_interval_ms = 500\n"),
        1,
    );
    Config::parse(&text, path).unwrap()
}

fn view(snap: &Snapshot, config: &Config) -> ClusterView {
    model::derive(
        snap,
        &ModelConfig::from_config(config),
        jiff::Timestamp::now(),
        None,
    )
}

async fn wait_view(
    observer: &Observer,
    config: &Config,
    what: &str,
    ok: impl Fn(&ClusterView) -> bool,
) -> (ClusterView, Snapshot) {
    wait_until(what, DEADLINE, || async {
        let snap = observer.snapshot.borrow().clone();
        let v = view(&snap, config);
        if ok(&v) {
            Ok((v, snap))
        } else {
            Err(format!("{:?} {:?}", v.processing, v.verdict.reasons))
        }
    })
    .await
}

async fn loss_and_restore(lab: &TestLab, config: Config) {
    let observer = Observer::start(&config).await.unwrap();
    wait_view(&observer, &config, "processing active", |v| {
        v.processing == Processing::Active && v.verdict.level == model::Level::Ok
    })
    .await;
    let failed_at = jiff::Timestamp::now();
    lab.control_post("/lab/regions/1/fail").await;
    let (v, snap) = wait_view(&observer, &config, "processing halted", |v| {
        v.processing == Processing::Halted
            && v.region(Region::ONE)
                .is_some_and(|r| r.reachable == Reach::Down)
            && v.brokers
                .iter()
                .filter(|b| b.region == Region::ONE && b.reachable == Some(false))
                .count()
                == 4
    })
    .await;
    // The halted view rests on region 0's topology taken within two poll intervals (plus one
    // request's timeout and some slack for a loaded machine) of the failure.
    let taken = snap.regions[Region::ZERO].topology.as_ref().unwrap().at;
    let after = taken.duration_since(failed_at).as_millis();
    eprintln!("fail → halted observation: {after} ms (poll interval {INTERVAL_MS} ms)");
    assert!(
        after <= (2 * INTERVAL_MS + TIMEOUT_MS + 1000) as i128,
        "observed {after} ms after the failure"
    );
    assert_eq!(v.region(Region::ONE).unwrap().reachable, Reach::Down);
    // The dashboard names its key, the command line its command (issue 14 §6).
    assert!(
        v.verdict.words(model::Front::Tui)[0].contains("(F: failover runbook)")
            && v.verdict.reasons[0].contains("(c8dr failover --lost paris)"),
        "{:?}",
        v.verdict.reasons
    );
    lab.control_post("/lab/regions/1/restore").await;
    wait_view(&observer, &config, "processing active again", |v| {
        v.processing == Processing::Active
            && v.region(Region::ONE)
                .is_some_and(|r| r.reachable == Reach::Up)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_loss_shows_as_halted_within_two_poll_intervals_and_recovers() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    loss_and_restore(&lab, fast(&lab.lab.ready.config)).await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_through_the_kubeconfig_only() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let config = fast(&lab.lab.ready.config_kube);
    assert!(
        config
            .regions
            .iter()
            .all(|r| r.rest_url.is_none() && r.kube.is_some())
    );
    loss_and_restore(&lab, config).await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_region_does_not_delay_the_other() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let config = fast(&lab.lab.ready.config);
    let observer = Observer::start(&config).await.unwrap();
    wait_view(&observer, &config, "processing active", |v| {
        v.processing == Processing::Active
    })
    .await;
    let body = serde_json::json!({"target": "region1.management", "kind": "hang"});
    lab.send(
        lab.http
            .post(format!("{}/lab/faults", lab.control()))
            .json(&body),
    )
    .await;
    let hung_at = jiff::Timestamp::now();
    let snap = wait_until("region 1's management to time out", DEADLINE, || async {
        let s = observer.snapshot.borrow().clone();
        match &s.regions[Region::ONE].cluster {
            Some(o) if o.at > hung_at && o.value.is_err() => Ok(s),
            other => Err(format!("{:?}", other.as_ref().map(|o| o.value.is_ok()))),
        }
    })
    .await;
    let err = snap.regions[Region::ONE]
        .cluster
        .as_ref()
        .unwrap()
        .value
        .as_ref()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no answer within") || err.contains("timed out"),
        "{err}"
    );
    // Meanwhile region 0 kept being observed at its own pace.
    let fresh0 = snap.regions[Region::ZERO].cluster.as_ref().unwrap();
    assert!(fresh0.value.is_ok());
    let lag = jiff::Timestamp::now().duration_since(fresh0.at).as_millis();
    assert!(
        lag < (3 * INTERVAL_MS + 1000) as i128,
        "region 0's data is {lag} ms old"
    );
    assert!(
        fresh0.took < Duration::from_millis(TIMEOUT_MS),
        "region 0's request took {:?}",
        fresh0.took
    );
    lab.send(lab.http.delete(format!("{}/lab/faults", lab.control())))
        .await;
    lab.shutdown().await;
}

fn c8dr(config: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("c8dr-test-state"),
        )
        .output()
        .expect("c8dr runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_exit_codes_and_status_for_scripts() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let cfg = lab.lab.ready.config.clone();
    let (code, line) = c8dr(&cfg, &["check"]);
    assert_eq!(code, 0, "{line}");
    assert!(
        line.starts_with("C8DR OK - ") && line.contains(" | partitions_with_quorum=8;;8:;0;8"),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1);

    let (code, json) = c8dr(&cfg, &["status", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in [
        "version",
        "processing",
        "verdict",
        "regions",
        "brokers",
        "partitions",
        "exporters",
        "exporting",
        "cluster",
        "traffic",
    ] {
        assert!(v.get(key).is_some(), "status --json lacks {key}");
    }
    assert_eq!(v["regions"][1]["brokers_expected"], 4);
    assert!(v["brokers"][3]["partitions"][0]["role"].as_str().is_some());
    assert_eq!(v["traffic"]["agrees"], true);
    // Schema 2 (now 3): the runs other cockpits publish. The lab keeps no run lease (its Kubernetes
    // API answers 404): read fine in both regions, and no run.
    assert_eq!(v["version"], 3);
    assert_eq!(v["runs"], serde_json::json!([]));
    for r in 0..2 {
        let lease = v["regions"][r]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "run_lease")
            .cloned()
            .unwrap_or_default();
        assert_eq!(lease["ok"], true, "region {r}: {lease}");
    }

    // Warning: exporting paused.
    lab.post(format!("{}/actuator/exporting/pause", lab.mgmt(0)), None)
        .await;
    let (code, line) = c8dr(&cfg, &["check"]);
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("exporting is paused"), "{line}");
    lab.post(format!("{}/actuator/exporting/resume", lab.mgmt(0)), None)
        .await;

    // Critical: a region lost, processing halted.
    lab.control_post("/lab/regions/1/fail").await;
    let (code, line) = c8dr(&cfg, &["check"]);
    assert_eq!(code, 2, "{line}");
    let (_, human) = c8dr(&cfg, &["status"]);
    assert!(
        human.contains("CRITICAL")
            && human.contains("processing HALTED")
            && human.contains("(c8dr failover --lost paris)")
            && !human.contains("(F"),
        "{human}"
    );

    // Unknown: nothing answers.
    lab.control_post("/lab/regions/0/fail").await;
    let (code, line) = c8dr(&cfg, &["check"]);
    assert_eq!(code, 3, "{line}");
    assert!(
        line.starts_with("C8DR UNKNOWN - no region answers"),
        "{line}"
    );

    // A bad configuration is UNKNOWN for check and an error naming the file for status.
    let bad = lab.lab.dir.join("bad.toml");
    crate::at_rest::write_private(&bad, "name = \"x\"\n");
    let (code, line) = c8dr(&bad, &["check"]);
    assert_eq!(code, 3);
    assert!(line.contains("bad.toml"), "{line}");
    lab.shutdown().await;
}

/// Every example payload fetched over HTTP through the client's own parsing path, then
/// through the model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples_through_the_live_parsing_path() {
    use axum::extract::Path as AxPath;
    let app = axum::Router::new().route(
        "/{file}",
        axum::routing::get(|AxPath(file): AxPath<String>| async move {
            std::fs::read_to_string(examples_dir().join(file)).unwrap_or_default()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = c8dr::source::http::client(Duration::from_secs(5), None).unwrap();
    let auth = c8dr::source::http::Auth::default();
    let now = jiff::Timestamp::now();
    let mut snap = Snapshot::default();
    let mut count = 0;
    for entry in std::fs::read_dir(examples_dir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("/{name}");
        let region = if name.contains("8.6") {
            Region::ONE
        } else {
            Region::ZERO
        };
        if name.starts_with("v2-topology-get") {
            let t = c8dr::source::http::get_json(&http, &auth, &base, &path)
                .await
                .unwrap();
            snap.regions[region].topology = Some(model::Obs::ok(now, t));
        } else if name.starts_with("actuator-cluster-get") {
            let c = c8dr::source::http::get_json(&http, &auth, &base, &path)
                .await
                .unwrap();
            snap.regions[region].cluster = Some(model::Obs::ok(now, c));
        } else if name.starts_with("actuator-exporters-get") {
            let e = c8dr::source::http::get_json(&http, &auth, &base, &path)
                .await
                .unwrap();
            snap.regions[region].exporters = Some(model::Obs::ok(now, e));
        } else if name.starts_with("actuator-partitions-get-test")
            || name.contains("takeSnapshot")
            || name.contains("follower")
        {
            let p = c8dr::source::http::get_json(&http, &auth, &base, &path)
                .await
                .unwrap();
            snap.regions[region]
                .partitions
                .insert(BrokerId::Numbered(count), model::Obs::ok(now, p));
        } else if name.starts_with("es-cluster-health") {
            let h = c8dr::source::http::get_json(&http, &auth, &base, &path)
                .await
                .unwrap();
            snap.regions[region].es_health = Some(model::Obs::ok(now, h));
        } else {
            continue;
        }
        count += 1;
        // Whatever combination of real payloads the model sees, it derives a view.
        let cfg = ModelConfig {
            name: "examples".into(),
            region_names: PerRegion(["a".into(), "b".into()]),
            zones: c8dr::api::ZoneMap::from_names(&PerRegion(["a".into(), "b".into()])),
            primary: Region::ZERO,
            active_active: false,
            traffic_addresses: PerRegion([vec![], vec![]]),
            dns_configured: false,
            kube: PerRegion([None, None]),
            stale_after: Duration::from_secs(60),
            stale_after_slow: Duration::from_secs(60),
            exporter_still_after: Duration::ZERO,
        };
        let v = model::derive(&snap, &cfg, now, None);
        assert!(!v.verdict.reasons.is_empty(), "{name}");
    }
    assert!(count >= 15, "only {count} payloads went through");
}

/// Issue 15 §2: on a zone-aware lab, `status --json` names zoned brokers by their string ids,
/// each with the region its zone belongs to; a zone different from the region's name comes
/// from the lab's config (`[[regions]] zone`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_names_zoned_brokers_and_their_regions() {
    let lab = TestLab::start_with(c8dr_lab::Options {
        camunda: Camunda::V810,
        speed: 10.0,
        zones: Some(["zone-a".into(), "zone-b".into()]),
        ..Default::default()
    })
    .await;
    let cfg = lab.lab.ready.config.clone();
    let (code, json) = c8dr(&cfg, &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(code, 0, "{json}");
    let brokers = v["brokers"].as_array().expect("brokers");
    assert_eq!(brokers.len(), 8, "{json}");
    for b in brokers {
        let id = b["id"]
            .as_str()
            .unwrap_or_else(|| panic!("a zoned id is a string: {b}"));
        let region = if id.starts_with("zone-a_") { 0 } else { 1 };
        assert!(
            id.starts_with("zone-a_") || id.starts_with("zone-b_"),
            "{id}"
        );
        assert_eq!(b["region"], region, "{b}");
    }
    lab.shutdown().await;
}
