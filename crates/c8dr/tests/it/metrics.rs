//! Metrics as a source (issue 16 §1): the observation loop scrapes every broker's
//! `/actuator/prometheus` in the lab, parses it, and a stalled exporter's position stands
//! still in the observations while the other region's moves on.

use crate::common::{DEADLINE, TestLab, wait_until};
use c8dr::api::{PerRegion, Region};
use c8dr::config::Config;
use c8dr::model::Snapshot;
use c8dr::observe::Observer;
use c8dr_lab::sim::Camunda;
use std::collections::BTreeMap;
use std::path::Path;

/// The lab's config file with a fast poll.
fn fast(path: &Path) -> Config {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replacen(
        "primary = 0\n",
        "primary = 0\n\n[poll]\ninterval_ms = 200\ntimeout_ms = 1000\nslow_interval_ms = 500\n",
        1,
    );
    Config::parse(&text, path).unwrap()
}

/// Per (exporter, partition): the highest exported position any broker of either region
/// showed in an answer taken after `since`.
fn exported(snap: &Snapshot, since: jiff::Timestamp) -> BTreeMap<(String, i32), i64> {
    let mut out = BTreeMap::new();
    for (_, r) in snap.regions.iter() {
        for o in r.metrics.values().filter(|o| o.at > since) {
            let Ok(m) = &o.value else { continue };
            for (e, p, pos) in m.exporters() {
                let v = out.entry((e.to_string(), p)).or_insert(pos);
                *v = (*v).max(pos);
            }
        }
    }
    out
}

fn of(all: &BTreeMap<(String, i32), i64>, exporter: &str) -> BTreeMap<i32, i64> {
    all.iter()
        .filter(|((e, _), _)| e == exporter)
        .map(|((_, p), v)| (*p, *v))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_exporter_stands_still_in_the_observations_while_the_other_moves_on() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let partitions = lab.state().await["partitions"].as_array().unwrap().len();
    let config = fast(&lab.lab.ready.config);
    let observer = Observer::start(&config).await.unwrap();
    let snap = || observer.snapshot.borrow().clone();
    let start = jiff::Timestamp::now();

    // Every broker's answer parses, and both exporters are seen on every partition.
    wait_until("every broker's metrics parsed", DEADLINE, || async {
        let s = snap();
        let counts = PerRegion::from_fn(|r| {
            let m = &s.regions[r].metrics;
            (m.len(), m.values().filter(|o| o.value.is_ok()).count())
        });
        let all = exported(&s, start);
        let ok = Region::BOTH
            .iter()
            .all(|r| counts[*r].0 == 4 && counts[*r].1 == 4)
            && of(&all, "camundaregion0").len() == partitions
            && of(&all, "camundaregion1").len() == partitions;
        if ok {
            Ok(())
        } else {
            let errors: Vec<String> = s
                .regions
                .iter()
                .flat_map(|(_, r)| r.metrics.values())
                .filter_map(|o| o.value.as_ref().err().map(|e| e.to_string()))
                .collect();
            Err(format!("{counts:?} {all:?} {errors:?}"))
        }
    })
    .await;
    let s = snap();
    let any = s.regions[Region::ZERO].metrics.values().next().unwrap();
    let m = any.value.as_ref().unwrap();
    assert!(
        m.partitions
            .values()
            .all(|p| p.committed_position.is_some() && p.role.is_some() && p.health.is_some())
    );
    assert_eq!(m.changes.status.as_deref(), Some("COMPLETED"));

    lab.control_post("/lab/exporters/region1/stall").await;
    // Answers to scrapes sent after the stall (an answer is stamped when it came, so one
    // that came a timeout later was asked after): region 1's exporter no longer moves,
    // region 0's does.
    let stalled_at =
        jiff::Timestamp::now() + jiff::SignedDuration::try_from(config.poll.timeout()).unwrap();
    let (before0, before1) = wait_until("a full scrape after the stall", DEADLINE, || async {
        let all = exported(&snap(), stalled_at);
        let (r0, r1) = (of(&all, "camundaregion0"), of(&all, "camundaregion1"));
        if r0.len() == partitions && r1.len() == partitions {
            Ok((r0, r1))
        } else {
            Err(format!("{all:?}"))
        }
    })
    .await;
    let later = jiff::Timestamp::now();
    let (after0, after1) = wait_until("region 0's exporter moves on", DEADLINE, || async {
        let all = exported(&snap(), later);
        let (r0, r1) = (of(&all, "camundaregion0"), of(&all, "camundaregion1"));
        let moved = r0.len() == partitions
            && r1.len() == partitions
            && r0
                .iter()
                .all(|(p, v)| before0.get(p).is_some_and(|b| v > b));
        if moved {
            Ok((r0, r1))
        } else {
            Err(format!("{before0:?} → {r0:?}"))
        }
    })
    .await;
    assert!(after0.iter().all(|(p, v)| v > &before0[p]));
    assert_eq!(
        after1, before1,
        "the stalled exporter's positions stand still"
    );

    lab.control_post("/lab/exporters/region1/unstall").await;
    let resumed = jiff::Timestamp::now();
    wait_until("region 1's exporter moves again", DEADLINE, || async {
        let r1 = of(&exported(&snap(), resumed), "camundaregion1");
        let moved = r1.len() == partitions
            && r1
                .iter()
                .all(|(p, v)| before1.get(p).is_some_and(|b| v > b));
        if moved {
            Ok(())
        } else {
            Err(format!("{before1:?} → {r1:?}"))
        }
    })
    .await;

    // A lost region's brokers answer no scrape.
    lab.control_post("/lab/regions/1/fail").await;
    let failed = jiff::Timestamp::now();
    wait_until("region 1's scrapes fail", DEADLINE, || async {
        let s = snap();
        let m = &s.regions[Region::ONE].metrics;
        let all_failed = !m.is_empty() && m.values().all(|o| o.at > failed && o.value.is_err());
        if all_failed {
            Ok(())
        } else {
            Err(format!(
                "{:?}",
                m.values().map(|o| o.value.is_ok()).collect::<Vec<_>>()
            ))
        }
    })
    .await;
    lab.shutdown().await;
}

/// The cockpit's way of deriving: a view per look at the latest snapshot (many per
/// observation), each with the one before as its memory.
struct Cockpit {
    cfg: c8dr::model::ModelConfig,
    view: Option<c8dr::model::ClusterView>,
}

impl Cockpit {
    fn look(&mut self, snap: &Snapshot) -> c8dr::model::ClusterView {
        let v = c8dr::model::derive(snap, &self.cfg, jiff::Timestamp::now(), self.view.as_ref());
        self.view = Some(v.clone());
        v
    }
}

fn exporter<'a>(v: &'a c8dr::model::ClusterView, id: &str) -> &'a c8dr::model::ExporterView {
    v.exporters
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no exporter {id}: {:?}", v.exporters))
}

/// Issue 16's done-when, against the lab: stalling region 1's exporter is named stuck within
/// two poll intervals (waited for with a generous deadline) while region 0's stays healthy;
/// unstalling clears it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_exporter_is_named_stuck_within_two_polls_and_clears_when_it_moves_again() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let config = fast(&lab.lab.ready.config);
    let interval = config.poll.interval();
    let observer = Observer::start(&config).await.unwrap();
    let cockpit = std::sync::Mutex::new(Cockpit {
        cfg: c8dr::model::ModelConfig::from_config(&config),
        view: None,
    });
    let look = || {
        let snap = observer.snapshot.borrow().clone();
        cockpit.lock().unwrap().look(&snap)
    };
    wait_until("both exporters judged exporting", DEADLINE, || async {
        let v = look();
        let judged = ["camundaregion0", "camundaregion1"].iter().all(|id| {
            v.exporters
                .iter()
                .any(|e| e.id == *id && e.stuck == Some(false) && e.lag_rate_per_s.is_some())
        });
        if judged {
            Ok(())
        } else {
            Err(format!("{:?}", v.exporters))
        }
    })
    .await;
    // Ten polls of healthy exporting: never called stuck (nor stalled, nor blocked).
    let healthy_until = std::time::Instant::now() + interval * 10;
    while std::time::Instant::now() < healthy_until {
        let v = look();
        for e in &v.exporters {
            use c8dr::model::ExporterFlow::{Blocked, Stalled, Stuck};
            assert!(!matches!(e.flow, Stuck | Blocked | Stalled), "{e:?}");
        }
        tokio::time::sleep(interval / 4).await;
    }

    lab.control_post("/lab/exporters/region1/stall").await;
    let stalled = std::time::Instant::now();
    let v = wait_until("camundaregion1 named stuck", DEADLINE, || async {
        let v = look();
        if exporter(&v, "camundaregion1").stuck == Some(true) {
            Ok(v)
        } else {
            Err(format!("{:?}", exporter(&v, "camundaregion1")))
        }
    })
    .await;
    let took = stalled.elapsed();
    eprintln!("stuck named after {took:?} (poll interval {interval:?})");
    let e1 = exporter(&v, "camundaregion1");
    assert_eq!(e1.region, Some(Region::ONE));
    assert!(e1.lag_rate_per_s.is_some_and(|r| r > 0.0), "{e1:?}");
    // Region 0's exporter is never called stuck (a partition whose leader's scrape is late
    // under load may leave it "cannot tell", never "stuck").
    let e0 = exporter(&v, "camundaregion0");
    assert_ne!(e0.stuck, Some(true), "{e0:?}");
    assert!(e0.stuck_partitions().is_empty(), "{e0:?}");
    let reason = crate::model::reason(&v, "camundaregion1 stuck on partitions ");
    assert!(
        reason.contains("lag growing ") && reason.contains("/s"),
        "{reason}"
    );
    assert!(
        !v.verdict
            .reasons
            .iter()
            .any(|r| r.contains("camundaregion0")),
        "{:?}",
        v.verdict.reasons
    );

    lab.control_post("/lab/exporters/region1/unstall").await;
    wait_until("camundaregion1 no longer stuck", DEADLINE, || async {
        let v = look();
        let e1 = exporter(&v, "camundaregion1");
        let told = v.verdict.reasons.iter().any(|r| r.contains("stuck"));
        if e1.stuck == Some(false) && !told {
            Ok(())
        } else {
            Err(format!("{e1:?} {:?}", v.verdict.reasons))
        }
    })
    .await;
    lab.shutdown().await;
}

/// `c8dr status --json` on the lab: `exporters[]` per region with their lag, rate and stuck
/// (null after one observation: not "no"), schema version 3; a scrape that fails is in its
/// region's `sources[]` and leaves the region up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_lists_exporters_with_lag_rate_and_stuck_and_a_failing_scrape() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let text = std::fs::read_to_string(&lab.lab.ready.config).unwrap();
    let text = text.replacen(
        "primary = 0\n",
        "primary = 0\n\n[poll]\ninterval_ms = 200\ntimeout_ms = 500\nslow_interval_ms = 500\n",
        1,
    );
    let cfg = lab.lab.dir.join("status-json.toml");
    crate::at_rest::write_private(&cfg, &text);
    let state = tempfile::tempdir().unwrap();
    let status = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_c8dr"))
            .arg("--config")
            .arg(&cfg)
            .args(["status", "--json"])
            .env("XDG_STATE_HOME", state.path())
            .env_remove("C8DR_DEBUG")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    // The human summary lists each exporter under its region; one scrape tells no flow.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(&cfg)
        .arg("status")
        .env("XDG_STATE_HOME", state.path())
        .env_remove("C8DR_DEBUG")
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    for (region, id) in [
        ("region0 london", "camundaregion0"),
        ("region1 paris", "camundaregion1"),
    ] {
        assert!(
            human.lines().any(|l| l.trim_start().starts_with(region)
                && l.contains(&format!("{id} ENABLED · flow unknown · lag "))),
            "{human}"
        );
    }
    let v = status();
    assert_eq!(v["version"], 3);
    let exporters = v["exporters"].as_array().unwrap();
    assert_eq!(exporters.len(), 2, "{exporters:?}");
    for (i, e) in exporters.iter().enumerate() {
        assert_eq!(e["id"], format!("camundaregion{i}"));
        assert_eq!(e["region"], i);
        assert!(e["lag"].is_i64(), "{e}");
        assert!(e["stuck"].is_null() || e["stuck"].is_boolean(), "{e}");
        assert!(e.get("lag_rate_per_s").is_some(), "{e}");
        assert!(!e["partitions"].as_array().unwrap().is_empty(), "{e}");
    }
    let metrics_ok = |v: &serde_json::Value, r: usize| {
        v["regions"][r]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "metrics")
            .map(|s| s["ok"].clone())
    };
    assert_eq!(metrics_ok(&v, 0), Some(serde_json::json!(true)), "{v}");

    let a = lab
        .post(
            format!("{}/lab/faults", lab.control()),
            Some(
                serde_json::json!({"target": "broker0.management", "kind": "body", "status": 500,
                "path": "/actuator/prometheus", "body": {"message": "scrape refused"}}),
            ),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let v = status();
    assert_eq!(metrics_ok(&v, 0), Some(serde_json::json!(false)), "{v}");
    assert_eq!(v["regions"][0]["reachable"], "up", "{v}");
    lab.shutdown().await;
}
