//! `c8dr preflight` against the lab: all green on the default lab, and the broken rule named
//! with its evidence on a lab that breaks it.

use crate::common::TestLab;
use c8dr_lab::Options;
use serde_json::Value;
use std::process::Command;

fn preflight(lab: &TestLab, extra: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(&lab.lab.ready.config)
        .args(["preflight", "--json"])
        .args(extra)
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("c8dr-test-state"),
        )
        .output()
        .expect("c8dr runs");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap_or(-1), json)
}

fn status<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_lab_passes_every_check() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let (code, json) = preflight(&lab, &[]);
    for c in json["checks"].as_array().unwrap() {
        for key in ["id", "title", "status", "evidence", "rule"] {
            assert!(c.get(key).is_some(), "{c}");
        }
        // Latency measures the machine the test runs on, not the lab: timing is not asserted.
        if c["id"] == "latency" {
            assert!(c["status"] == "pass" || c["status"] == "warn", "{c}");
            continue;
        }
        assert_eq!(c["status"], "pass", "{c}");
    }
    assert!(code == 0 || status(&json, "latency")["status"] == "warn");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replication_factor_of_3_is_named_with_its_evidence() {
    let lab = TestLab::start_with(Options {
        replication_factor: 3,
        speed: 10.0,
        ..Options::default()
    })
    .await;
    let (code, json) = preflight(&lab, &[]);
    let sizes = status(&json, "sizes");
    assert_eq!(sizes["status"], "fail");
    assert!(
        sizes["evidence"]
            .as_str()
            .unwrap()
            .contains("replication factor 3"),
        "{sizes}"
    );
    let placement = status(&json, "placement");
    assert_eq!(placement["status"], "fail");
    assert!(
        placement["evidence"]
            .as_str()
            .unwrap()
            .contains("P1 on brokers 0, 1, 2"),
        "{placement}"
    );
    assert_eq!(code, 2);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_left_paused_warns_about_failback_readiness() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    lab.post(format!("{}/actuator/exporting/pause", lab.mgmt(0)), None)
        .await;
    let (code, json) = preflight(&lab, &[]);
    let ready = status(&json, "failback-ready");
    assert_eq!(ready["status"], "warn", "{ready}");
    assert!(
        ready["evidence"]
            .as_str()
            .unwrap()
            .contains("exporting paused")
    );
    assert!(code >= 1);
    lab.shutdown().await;
}

/// Each misconfiguration the lab can be given breaks exactly the rule it is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_rule_is_named_with_its_evidence() {
    for (kind, check_id, word, evidence) in [
        (
            "exporter-wrong-region",
            "exporter-targets",
            "fail",
            "should name camunda-paris",
        ),
        (
            "contact-points-one-region",
            "contact-points",
            "fail",
            "does not name camunda-paris",
        ),
        (
            "opensearch",
            "elasticsearch-version",
            "fail",
            "OpenSearch 2.11.0",
        ),
        ("mixed-versions", "versions", "warn", "on brokers 7"),
        (
            "unsupported-component",
            "unsupported-components",
            "fail",
            "camunda-optimize",
        ),
        (
            "overlapping-pod-ranges",
            "pod-ranges",
            "fail",
            "region 1 pods in 10.100.x.x",
        ),
        (
            "no-snapshot-repository",
            "snapshot-repository",
            "warn",
            "region 1: none",
        ),
        ("no-recent-backup", "backup", "warn", "days ago"),
    ] {
        let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
        let answer = lab
            .post(
                format!("{}/lab/misconfigure?kind={kind}", lab.control()),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{kind}: {:?}", answer.body);
        let (code, json) = preflight(&lab, &[]);
        let c = status(&json, check_id);
        assert_eq!(c["status"], word, "{kind}: {c}");
        assert!(
            c["evidence"].as_str().unwrap().contains(evidence),
            "{kind}: {c}"
        );
        assert!(!c["rule"].as_str().unwrap().is_empty());
        // Only that rule is broken (latency measures the test machine, not the lab).
        let broken: Vec<&str> = json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"] != "latency" && (c["status"] == "fail" || c["status"] == "warn"))
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(broken, vec![check_id], "{kind}");
        assert!(code >= 1, "{kind}");
        lab.shutdown().await;
    }
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let answer = lab
        .post(
            format!("{}/lab/misconfigure?kind=nonsense", lab.control()),
            None,
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("exporter-wrong-region")
    );
    lab.shutdown().await;
}

/// The upgrade watch: a staged rolling restart (one broker at a time) only warns about the
/// last spare replica; two replicas of a partition down together is critical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_watch_is_quiet_for_a_staged_roll_and_alarms_for_an_unstaged_one() {
    use c8dr::model::{self, Level, ModelConfig};
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let mut config = c8dr::config::Config::load(&lab.lab.ready.config).unwrap();
    config.poll.interval_ms = 200;
    config.poll.timeout_ms = 300;
    let cfg = ModelConfig::from_config(&config);
    let observer = c8dr::observe::Observer::start(&config).await.unwrap();
    let view = || {
        model::derive(
            &observer.snapshot.borrow(),
            &cfg,
            jiff::Timestamp::now(),
            None,
        )
    };
    crate::common::wait_until("healthy", crate::common::DEADLINE, || async {
        let v = view();
        if v.verdict.level == Level::Ok {
            Ok(())
        } else {
            Err(format!("{:?}", v.verdict.reasons))
        }
    })
    .await;

    // Staged: the Helm roll of region 0 restarts one broker at a time.
    lab.control_post("/lab/regions/0/webapps/off").await;
    let mut warned = false;
    loop {
        let v = view();
        assert_ne!(
            v.verdict.level,
            Level::Critical,
            "a staged roll raised {:?}",
            v.verdict.reasons
        );
        warned |= v
            .verdict
            .reasons
            .iter()
            .any(|r| r.contains("last spare replica"));
        let state = lab.state().await;
        if state["webapps"][0]["rolling"] == false && state["webapps"][0]["active"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        warned,
        "the last spare replica was announced during the roll"
    );

    // Unstaged: brokers 0 and 2 (two replicas of partition 1) go down together.
    let k = c8dr::source::RegionKube::connect(
        "region 0",
        "c8dr-lab-london",
        "camunda-london",
        "camunda",
        Some(&lab.lab.ready.kubeconfig),
    )
    .await
    .unwrap();
    for pod in ["camunda-zeebe-0", "camunda-zeebe-1"] {
        k.pods().delete(pod, &Default::default()).await.unwrap();
    }
    crate::common::wait_until("a critical alarm", crate::common::DEADLINE, || async {
        let v = view();
        if v.verdict.level == Level::Critical && v.partitions[0].has_quorum == Some(false) {
            Ok(())
        } else {
            Err(format!("{:?}", v.verdict.reasons))
        }
    })
    .await;
    lab.shutdown().await;
}
