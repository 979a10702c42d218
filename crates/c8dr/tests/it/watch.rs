//! `c8dr watch` as Prometheus scrapes it, and `c8dr check`'s thresholds, both against the
//! lab through the binary: the metrics parse as the text format, tell the truth, and change
//! when a region fails.

use crate::common::{DEADLINE, TestLab, wait_until};
use prometheus_parse::{Scrape, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;

fn c8dr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_c8dr"))
}

/// The value of the one sample of `metric` with these labels.
fn sample(sc: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    sc.samples
        .iter()
        .filter(|s| s.metric == metric)
        .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            Value::Gauge(v) | Value::Counter(v) | Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}

/// Kills the child on drop, so a failed assertion never leaves a watcher running.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `c8dr --config CONFIG watch` on a free port: the child (killed on drop) and its base URL,
/// from the line it prints once it listens.
fn spawn_watch(config: &std::path::Path, state: &std::path::Path) -> (Child, String) {
    let mut child = Child(
        c8dr()
            .arg("--config")
            .arg(config)
            .args(["watch", "--listen", "127.0.0.1:0"])
            .env("XDG_STATE_HOME", state)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("c8dr watch starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx.recv_timeout(DEADLINE).expect("a ready line");
    let base = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .and_then(|w| w.strip_suffix("/metrics"))
        .map(|a| format!("http://{a}"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_serves_metrics_a_prometheus_parser_reads_and_they_follow_a_lost_region() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V89, 10.0).await;
    let state = tempfile::tempdir().unwrap();
    let (child, base) = spawn_watch(&lab.lab.ready.config, state.path());
    let http = reqwest::Client::new();

    // Healthy once the first view is derived.
    wait_until("/healthz to answer 200", DEADLINE, || async {
        let r = http.get(format!("{base}/healthz")).send().await;
        match r {
            Ok(r) if r.status() == 200 => Ok(()),
            Ok(r) => Err(format!("{}", r.status())),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    let scrape = || async {
        let r = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if !ct.starts_with("text/plain; version=0.0.4") {
            return Err(format!("content type {ct:?}"));
        }
        let body = r.text().await.map_err(|e| e.to_string())?;
        Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).map_err(|e| e.to_string())
    };
    let healthy = wait_until("an OK verdict with both regions up", DEADLINE, || async {
        let sc = scrape().await?;
        let ok = sample(&sc, "c8dr_verdict_level", &[]) == Some(0.0)
            && sample(&sc, "c8dr_region_reachable", &[("region", "0")]) == Some(1.0)
            && sample(&sc, "c8dr_region_reachable", &[("region", "1")]) == Some(1.0);
        if ok {
            Ok(sc)
        } else {
            Err(format!("{:?}", sc.samples.len()))
        }
    })
    .await;
    let partitions = sample(&healthy, "c8dr_partitions", &[]).unwrap();
    assert!(partitions > 0.0);
    assert_eq!(
        sample(&healthy, "c8dr_partitions_with_quorum", &[]),
        Some(partitions)
    );
    assert_eq!(sample(&healthy, "c8dr_up", &[]), Some(1.0));
    assert_eq!(
        sample(&healthy, "c8dr_info", &[("camunda_family", "8.8+")]),
        Some(1.0)
    );
    // Every sample is the program's own, and the help and type of each family are there.
    assert!(
        healthy
            .samples
            .iter()
            .all(|s| s.metric.starts_with("c8dr_"))
    );
    assert!(healthy.docs.contains_key("c8dr_region_reachable"));

    lab.control_post("/lab/regions/1/fail").await;
    let lost = wait_until("the lost region in the metrics", DEADLINE, || async {
        let sc = scrape().await?;
        let ok = sample(&sc, "c8dr_verdict_level", &[]) == Some(2.0)
            && sample(&sc, "c8dr_region_reachable", &[("region", "1")]) == Some(0.0)
            && sample(&sc, "c8dr_partitions_with_quorum", &[]) == Some(0.0);
        if ok { Ok(sc) } else { Err("not yet".into()) }
    })
    .await;
    assert_eq!(
        sample(&lost, "c8dr_region_reachable", &[("region", "0")]),
        Some(1.0)
    );
    assert_eq!(
        sample(&lost, "c8dr_processing", &[("state", "halted")]),
        Some(1.0)
    );
    assert!(sample(&lost, "c8dr_verdict_changes_total", &[]).unwrap_or(0.0) >= 1.0);
    assert!(sample(&lost, "c8dr_events_total", &[("level", "critical")]).unwrap_or(0.0) >= 1.0);
    lab.shutdown().await;
    drop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_thresholds_raise_the_level_and_fill_the_performance_data() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let config = lab.lab.ready.config.clone();
    let state = tempfile::tempdir().unwrap();
    let check = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let config = config.clone();
        let state = state.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            c8dr()
                .arg("--config")
                .arg(&config)
                .arg("check")
                .args(args)
                .env("XDG_STATE_HOME", &state)
                .output()
                .unwrap()
        })
    };
    // Wide ranges on a healthy lab: OK, with the ranges in the performance data.
    let out = check(&["--lag-warning", "1000000000", "--age-warning", "~:3600"])
        .await
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{line}");
    assert!(line.starts_with("C8DR OK - "), "{line}");
    assert!(line.contains("region0_data_age="), "{line}");
    assert!(line.contains("s;~:3600;;0;"), "{line}");
    // Any age at all is critical: the level is raised and the reason names the region.
    let out = check(&["--age-critical", "@0:"]).await.unwrap();
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(2), "{line}");
    assert!(
        line.starts_with("C8DR CRITICAL - ")
            && line.contains("region 0 (london) data age")
            && line.contains("critical range @0:"),
        "{line}"
    );
    // A range that is no range is refused before anything is observed.
    let out = check(&["--lag-critical", "20:10"]).await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--lag-critical") && err.contains("10:20"),
        "{err}"
    );
    lab.shutdown().await;
}

/// A webhook receiver for the tests: every body it was sent.
async fn webhook() -> (
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    String,
) {
    let got = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body.0);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (got, url)
}

/// The lab's configuration with a `[notify]` webhook (generic format, no rate limit to
/// speak of), in `dir`, private as c8dr wants it.
fn config_with_webhook(lab: &TestLab, dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let url_file = dir.join("hook-url");
    std::fs::write(&url_file, url).unwrap();
    std::fs::set_permissions(&url_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut text = std::fs::read_to_string(&lab.lab.ready.config).unwrap();
    text.push_str(&format!(
        "\n[notify]\nmin_interval_s = 0\nverdict_senders = [\"watch\"]\n\
         [[notify.webhooks]]\nname = \"test\"\nformat = \"generic\"\nurl_file = \"{}\"\n",
        url_file.display()
    ));
    let path = dir.join("c8dr.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Every message the receiver got, as "kind level/step state".
fn messages(got: &std::sync::Mutex<Vec<serde_json::Value>>) -> Vec<serde_json::Value> {
    got.lock()
        .unwrap()
        .iter()
        .flat_map(|b| b["messages"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_hear_the_verdict_change_from_watch_and_every_step_of_a_failover() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let dir = tempfile::tempdir().unwrap();
    let (got, url) = webhook().await;
    let config = config_with_webhook(&lab, dir.path(), &url);
    let (child, base) = spawn_watch(&config, dir.path());
    // The watcher's first view is made after every source answered once: an OK verdict
    // then is the settled one.
    let http = reqwest::Client::new();
    wait_until("an OK verdict settled", DEADLINE, || async {
        let body = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let sc =
            Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).map_err(|e| e.to_string())?;
        if sample(&sc, "c8dr_verdict_level", &[]) == Some(0.0) {
            Ok(())
        } else {
            Err("not OK yet".to_string())
        }
    })
    .await;
    assert!(
        messages(&got).is_empty(),
        "nothing to tell yet: {:?}",
        messages(&got)
    );
    lab.control_post("/lab/regions/1/fail").await;
    wait_until("the CRITICAL verdict at the webhook", DEADLINE, || async {
        let m = messages(&got);
        m.iter()
            .find(|m| m["kind"] == "verdict" && m["level"] == "critical")
            .cloned()
            .ok_or(format!("{m:?}"))
    })
    .await;
    // What the watcher saw is in the history the incident record reads, by "watch".
    let history = dir.path().join("c8dr").join("history.jsonl");
    wait_until(
        "the watcher's CRITICAL verdict in the history",
        DEADLINE,
        || async {
            let text = std::fs::read_to_string(&history).map_err(|e| e.to_string())?;
            text.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|e| e["kind"] == "verdict" && e["level"] == "critical" && e["by"] == "watch")
                .map(|_| ())
                .ok_or(text)
        },
    )
    .await;
    drop(child);

    // The failover, run by the binary: each step's progress reaches the webhook, the last
    // one (completed) before the process exits.
    let out = tokio::task::spawn_blocking({
        let config = config.clone();
        let state = dir.path().to_path_buf();
        move || {
            c8dr()
                .arg("--config")
                .arg(&config)
                .args(["failover", "--lost", "paris", "--execute", "--yes"])
                .env("XDG_STATE_HOME", &state)
                .env("C8DR_OPERATOR", "erin")
                .env("C8DR_HOST", "erin-laptop")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let steps: Vec<String> = messages(&got)
        .iter()
        .filter(|m| m["kind"] == "runbook")
        .map(|m| {
            format!(
                "{} {}",
                m["step"].as_str().unwrap_or("-"),
                m["state"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(steps.iter().any(|s| s.starts_with("FO-1 ")), "{steps:?}");
    assert!(
        steps.last().is_some_and(|s| s.ends_with(" completed")),
        "{steps:?}"
    );
    let one = messages(&got)
        .into_iter()
        .find(|m| m["kind"] == "runbook")
        .unwrap();
    assert_eq!(one["holder"], "erin@erin-laptop");
    assert_eq!(one["region"], "paris");
    assert_eq!(one["procedure"], "failover");
    lab.shutdown().await;
}
