//! The incident record (issue 16 §5): the cockpit keeps what it showed in the history, and a
//! failover rehearsal against the lab makes a report whose timeline matches the journal and
//! the audit trail, that parses as JSON, and that holds no secret.

use crate::common::{DEADLINE, TestLab};
use c8dr::api::Region;
use c8dr::incident::history::{Entry, HLevel};
use c8dr::incident::history_file::{self, History};
use c8dr::model::{ClusterView, Level, Reach};
use c8dr::tui::app::App;
use c8dr_lab::sim::Camunda;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A cockpit's observation path on the lab: the observer's snapshots derived and handed to the
/// app, as the loop does, until the view shows `what`.
async fn observe_until(
    app: &mut App,
    observer: &c8dr::observe::Observer,
    cfg: &c8dr::model::ModelConfig,
    what: &str,
    until: impl Fn(&ClusterView) -> bool,
) {
    let start = Instant::now();
    loop {
        let snap = observer.snapshot.borrow().clone();
        let view = c8dr::model::derive(&snap, cfg, jiff::Timestamp::now(), app.view.as_ref());
        app.update_view(view);
        if app.view.as_ref().is_some_and(&until) {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}; last verdict {:?}: {:?}",
            app.view.as_ref().map(|v| v.verdict.level),
            app.view.as_ref().map(|v| &v.verdict.reasons)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ok(v: &ClusterView) -> bool {
    v.verdict.level == Level::Ok
}

/// Critical, and region 1 told unreachable: the verdict turns critical as soon as the
/// partitions lose quorum, a moment before the region is judged down (and its event told).
fn region1_lost(v: &ClusterView) -> bool {
    v.verdict.level == Level::Critical
        && v.region(Region::ONE)
            .is_some_and(|r| r.reachable == Reach::Down)
}

fn app() -> App {
    App::new(
        false,
        vec![],
        vec!["default".into()],
        jiff::Timestamp::now(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_keeps_its_verdict_changes_and_events_in_the_history() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c8dr").join("history.jsonl");
    let config = c8dr::config::Config::load(&lab.lab.ready.config).unwrap();
    let cfg = c8dr::model::ModelConfig::from_config(&config);
    let observer = c8dr::observe::Observer::start(&config).await.unwrap();
    let mut app = app();
    app.history = Some(History::start(path.clone(), "cockpit"));
    observe_until(&mut app, &observer, &cfg, "an OK verdict", ok).await;
    lab.control_post("/lab/regions/1/fail").await;
    observe_until(&mut app, &observer, &cfg, "region 1 lost", region1_lost).await;
    // The writer finishes what it was handed when the history goes.
    app.history = None;
    let (entries, bad) = history_file::read(&path).unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    let verdicts: Vec<HLevel> = entries
        .iter()
        .filter(|e| matches!(e, Entry::Verdict { .. }))
        .map(Entry::level)
        .collect();
    assert!(
        verdicts.contains(&HLevel::Ok) && verdicts.last() == Some(&HLevel::Critical),
        "{entries:#?}"
    );
    assert!(
        entries.iter().any(|e| matches!(e, Entry::Event { text, .. } if text.contains("region1") && text.contains("unreachable"))),
        "{entries:#?}"
    );
    // Only changes: far fewer lines than views derived.
    assert!(entries.len() < 40, "{}", entries.len());
    lab.shutdown().await;
}

fn c8dr(state: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ats<'a>(items: impl Iterator<Item = &'a Value>) -> Vec<String> {
    items
        .map(|v| v["at"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_rehearsal_makes_a_report_whose_timeline_matches_the_journal_and_the_audit() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let state = tempfile::tempdir().unwrap();
    let config_path = lab.lab.ready.config.clone();
    let books = state.path().join("c8dr");

    // The cockpit watches the region go.
    let config = c8dr::config::Config::load(&config_path).unwrap();
    let cfg = c8dr::model::ModelConfig::from_config(&config);
    let observer = c8dr::observe::Observer::start(&config).await.unwrap();
    let mut app = app();
    app.history = Some(History::start(books.join("history.jsonl"), "cockpit"));
    observe_until(&mut app, &observer, &cfg, "an OK verdict", ok).await;
    lab.control_post("/lab/regions/1/fail").await;
    observe_until(&mut app, &observer, &cfg, "region 1 lost", region1_lost).await;
    app.history = None;
    drop(observer);

    // The rehearsal.
    let (s, c) = (state.path().to_path_buf(), config_path.clone());
    let out = tokio::task::spawn_blocking(move || {
        c8dr(
            &s,
            &c,
            &["failover", "--lost", "paris", "--execute", "--yes"],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let (s, c) = (state.path().to_path_buf(), config_path.clone());
    let (json_out, md_out, missing) = tokio::task::spawn_blocking(move || {
        (
            c8dr(&s, &c, &["report", "latest", "--format", "json"]),
            c8dr(&s, &c, &["report", "latest"]),
            c8dr(&s, &c, &["report", "failover-r1-nope"]),
        )
    })
    .await
    .unwrap();
    assert!(!missing.status.success());
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(
        said.contains("no run \"failover-r1-nope\"") && said.contains("c8dr journal"),
        "{said}"
    );
    assert!(
        json_out.status.success(),
        "{}",
        String::from_utf8_lossy(&json_out.stderr)
    );
    let report: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    let md = String::from_utf8(md_out.stdout).unwrap();
    assert!(md_out.status.success() && md.starts_with("# Incident record: failover-r1-"));

    // The run is the journal's only run.
    let run = report["run"].as_str().unwrap().to_string();
    let journal = lines(&books.join("runs").join(format!("{run}.jsonl")));
    assert_eq!(report["schema"], 1);
    assert_eq!(report["outcome"], "completed");
    assert_eq!(report["started_at"], journal[0]["at"]);

    // Every journal record and every audit entry of the run, in order, with its time.
    let timeline = report["timeline"].as_array().unwrap();
    let of = |source: &str| ats(timeline.iter().filter(|i| i["source"] == source));
    assert_eq!(of("journal"), ats(journal.iter()));
    let audit: Vec<Value> = lines(&books.join("audit.jsonl"))
        .into_iter()
        .filter(|e| e["run"] == run.as_str())
        .collect();
    assert_eq!(of("audit"), ats(audit.iter()));
    let requests: Vec<&Value> = audit
        .iter()
        .filter(|e| e["kind"] == "request" || e["kind"] == "scale")
        .collect();
    assert!(!requests.is_empty());
    let reported = report["requests"].as_array().unwrap();
    assert_eq!(reported.len(), requests.len());
    for (r, a) in reported.iter().zip(&requests) {
        assert_eq!(
            (&r["at"], &r["method"], &r["target"]),
            (&a["at"], &a["method"], &a["target"])
        );
    }
    // Every step journaled is in the report with its final state and evidence.
    let steps = report["steps"].as_array().unwrap();
    let journaled: std::collections::BTreeSet<u64> = journal
        .iter()
        .filter(|r| r["event"] == "step")
        .map(|r| r["step"].as_u64().unwrap())
        .collect();
    assert_eq!(steps.len(), journaled.len());
    assert!(
        steps.iter().all(|s| s["ended_at"].is_string()),
        "{steps:#?}"
    );
    for s in steps {
        let name = s["name"].as_str().unwrap();
        assert!(md.contains(name), "{name} missing from the Markdown");
    }
    // The force was approved unattended, and says so.
    let decisions = report["decisions"].as_array().unwrap();
    assert!(
        decisions.iter().any(|d| d["kind"] == "approve"
            && d["step"] == "FO-1"
            && d["detail"].as_str().unwrap().contains("--yes")),
        "{decisions:#?}"
    );

    // What was known when: the cockpit's critical verdict before the run, the run's own views.
    let t = &report["timings"];
    let time = |v: &Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert!(
        time(&t["first_critical_at"]) <= time(&report["started_at"]),
        "{t}"
    );
    assert!(
        time(&t["incident_seen_at"]) <= time(&t["first_critical_at"]),
        "{t}"
    );
    assert!(t["detect_ms"].as_i64().unwrap() >= 0, "{t}");
    assert!(t["decide_ms"].as_i64().unwrap() >= 0, "{t}");
    assert!(t["total_ms"].as_i64().unwrap() > 0, "{t}");
    let by: Vec<&str> = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["by"].as_str().unwrap())
        .collect();
    assert!(by.contains(&"cockpit") && by.contains(&"run"), "{by:?}");
    let run_phase = report["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "run")
        .unwrap();
    assert_eq!(run_phase["limit_ms"], 60_000);
    assert!(md.contains("Camunda documents no per-phase"), "{md}");

    // No secret anywhere: not the REST password the config refers to, nor its header.
    use base64::Engine;
    let auth = &lab.lab.ready.rest_auth;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", auth.username, auth.password));
    let history = std::fs::read_to_string(books.join("history.jsonl")).unwrap();
    for (what, text) in [
        (
            "json",
            String::from_utf8_lossy(&json_out.stdout).to_string(),
        ),
        ("md", md.clone()),
        ("history", history),
    ] {
        assert!(
            !text.contains(&auth.password) && !text.contains(&basic),
            "the secret leaked into the {what}"
        );
    }
    lab.shutdown().await;
}

fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
}

fn screen(app: &App, w: u16, h: u16) -> String {
    c8dr::tui::export::text(&c8dr::tui::frame::render(
        app,
        &c8dr::tui::theme::Theme::built_in("default"),
        w,
        h,
    ))
}

/// `:report` opens the record of the latest run (`:report RUN` a chosen one) in a scrollable
/// overlay; Esc closes it.
#[test]
fn the_cockpit_opens_the_record_scrolls_it_and_closes_it() {
    use c8dr::tui::app::{Action, Mode};
    use crossterm::event::KeyCode;
    let scene = c8dr::demo::scenes::SCENES
        .iter()
        .find(|s| s.name == "incident-report")
        .unwrap();
    let mut app = c8dr::demo::scenes::app(scene);
    assert_eq!(app.mode, Mode::Report);
    insta::assert_snapshot!("incident_report_80x24", screen(&app, 80, 24));
    app.on_key(key(KeyCode::PageDown));
    assert_eq!(app.report.as_ref().unwrap().scroll, 10);
    let scrolled = screen(&app, 120, 36);
    assert!(!scrolled.contains("# Incident record:"), "{scrolled}");
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);

    let mut typed = |text: &str| {
        app.on_key(key(KeyCode::Char(':')));
        for c in text.chars() {
            app.on_key(key(KeyCode::Char(c)));
        }
        app.on_key(key(KeyCode::Enter))
    };
    assert_eq!(typed("report"), Some(Action::ShowReport("latest".into())));
    assert_eq!(
        typed("report failover-r1-x"),
        Some(Action::ShowReport("failover-r1-x".into()))
    );
    assert_eq!(typed("report ../x"), None);
}
