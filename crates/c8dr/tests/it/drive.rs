//! Driving the runbooks against the lab for the tests: the lab plays the operator, run
//! journals and audit trails go to a temporary directory, and the lab's ground truth and
//! request log tell what happened.

use crate::common::{TestLab, committing};
use c8dr::act::audit::Audit;
use c8dr::act::journal::Journal;
use c8dr::act::ledger::FileLedger;
use c8dr::act::live::Live;
use c8dr::act::session;
use c8dr::api::Region;
use c8dr::config::Config;
use c8dr::demo::operator::LabOperator;
use c8dr::runbook::engine::{Operator, Recovery, RunState, Runner, Settings};
use c8dr::runbook::gate::Gate;
use c8dr::runbook::journal::{Outcome, StepState};
use c8dr::runbook::plan::Inputs;
use c8dr::runbook::plan::Procedure;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The lab plays the operator: approves, and does the Helm/DNS/kubectl parts when a step
/// waits.
pub fn drill(lab: &TestLab, region_name: &str, on_manual: &[(&str, &[&str])]) -> LabOperator {
    on_manual
        .iter()
        .fold(operator(lab, region_name), |op, (k, paths)| {
            op.on_manual(k, paths)
        })
}

/// The lab's operator, with the regions' Kubernetes APIs for its kubectl work.
pub fn operator(lab: &TestLab, region_name: &str) -> LabOperator {
    LabOperator::new(&lab.control(), region_name).kube(
        lab.lab
            .ready
            .regions
            .iter()
            .map(|r| (r.kube_api.clone(), r.namespace.clone()))
            .collect(),
    )
}

pub struct Books {
    pub _dir: tempfile::TempDir,
    pub runs: PathBuf,
    pub audit: PathBuf,
}

pub fn books() -> Books {
    let dir = tempfile::tempdir().expect("tempdir");
    Books {
        runs: dir.path().join("runs"),
        audit: dir.path().join("audit.jsonl"),
        _dir: dir,
    }
}

pub fn config(lab: &TestLab, kube_only: bool) -> Config {
    let path = if kube_only {
        &lab.lab.ready.config_kube
    } else {
        &lab.lab.ready.config
    };
    Config::load(path).expect("lab config loads")
}

pub fn settings() -> Settings {
    Settings {
        step_timeout: Duration::from_secs(60),
        poll: Duration::from_millis(100),
        backoff: Duration::from_millis(100),
        ..Settings::default()
    }
}

pub async fn run(
    lab: &TestLab,
    books: &Books,
    procedure: Procedure,
    region: Region,
    on_manual: &[(&str, &[&str])],
    settings: Settings,
) -> RunState {
    run_with(lab, books, procedure, region, on_manual, settings, vec![])
        .await
        .0
}

/// As [`run`], answering failures with `recoveries`; also returns the failures seen.
pub async fn run_with(
    lab: &TestLab,
    books: &Books,
    procedure: Procedure,
    region: Region,
    on_manual: &[(&str, &[&str])],
    settings: Settings,
    recoveries: Vec<Recovery>,
) -> (RunState, Vec<(String, String, bool)>) {
    let config = config(lab, false);
    let (runner, _) = start(
        &config,
        books,
        procedure,
        region,
        |i| drill(lab, &i.names[region], on_manual).recoveries(recoveries),
        settings,
    )
    .await;
    let (state, drill) = finish(runner).await;
    (state, drill.failures)
}

/// The operator's Helm upgrades of an 8.8+ failback: webapps off in the survivor (FB-2), on in
/// both regions at the end (FB-8), FB-1's schema-manager env set when the install lacks it, the
/// recreated region upgraded from values without the
/// temporary schema-manager env (§4.4 FB-8; as `kubectl set env … NAME-` would); on 8.9 the
/// passwords synced (FB-1.2).
pub const HELM_88_RECREATED_1: &[(&str, &[&str])] = &[
    (
        "FB-1",
        &["kube/1/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false"],
    ),
    ("FB-1.2", &["kube/sync-es-passwords"]),
    ("FB-2", &["/lab/regions/0/webapps/off"]),
    (
        "FB-8",
        &[
            "/lab/regions/0/webapps/on",
            "kube/1/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA-",
            "/lab/regions/1/webapps/on",
        ],
    ),
];
pub const HELM_88_RECREATED_0: &[(&str, &[&str])] = &[
    (
        "FB-1",
        &["kube/0/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false"],
    ),
    ("FB-1.2", &["kube/sync-es-passwords"]),
    ("FB-2", &["/lab/regions/1/webapps/off"]),
    (
        "FB-8",
        &[
            "/lab/regions/1/webapps/on",
            "kube/0/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA-",
            "/lab/regions/0/webapps/on",
        ],
    ),
];

pub fn assert_completed(s: &RunState) {
    assert_eq!(
        s.outcome,
        Some(Outcome::Completed),
        "{}: {:?} {:?}",
        s.run,
        s.message,
        states(s)
    );
}

/// Fails `region` in the lab and runs the failover (the lab playing the operator).
pub async fn lose_and_fail_over(
    lab: &TestLab,
    b: &Books,
    region: Region,
    on_manual: &[(&str, &[&str])],
) -> RunState {
    lab.control_post(&format!("/lab/regions/{region}/fail"))
        .await;
    run(lab, b, Procedure::Failover, region, on_manual, settings()).await
}

pub fn states(s: &RunState) -> Vec<(String, StepState)> {
    s.steps
        .iter()
        .zip(&s.progress)
        .map(|(st, p)| (st.key.clone(), p.state))
        .collect()
}

pub async fn requests(lab: &TestLab) -> Vec<Value> {
    let v: Value = lab
        .http
        .get(format!("{}/lab/requests", lab.control()))
        .send()
        .await
        .expect("requests")
        .json()
        .await
        .expect("json");
    v.as_array().cloned().unwrap_or_default()
}

/// The lab received exactly one cancel, of change `id`, and after it exactly one force.
pub async fn assert_one_cancel_then_one_force(lab: &TestLab, id: i64) {
    let log = requests(lab).await;
    let cancels: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, r)| r["method"] == "DELETE")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(cancels.len(), 1, "{log:?}");
    assert_eq!(
        log[cancels[0]]["path"],
        format!("/actuator/cluster/changes/{id}")
    );
    let force = log
        .iter()
        .position(|r| forces(std::slice::from_ref(r)) == 1)
        .expect("the force");
    assert!(cancels[0] < force);
    assert_eq!(forces(&log), 1);
}

pub fn forces(log: &[Value]) -> usize {
    log.iter()
        .filter(|r| {
            let p = r["path"].as_str().unwrap_or_default();
            p.contains("force=true") && !p.contains("dryRun=true")
        })
        .count()
}

/// Lab ground truth after a failover: RF 2, leaders only in the survivor, lost exporter off.
pub async fn assert_failed_over(lab: &TestLab, lost: u8, prefix: &str) {
    let s = crate::common::wait_state_until(lab, "every partition commits", |s| {
        committing(s).len() == 8
    })
    .await;
    assert_eq!(s["replication_factor"], 2, "{s}");
    assert_eq!(s["cluster_size"], 4);
    for p in s["partitions"].as_array().unwrap() {
        let leader = p["leader"].as_i64().unwrap();
        assert_ne!(
            leader % 2,
            i64::from(lost),
            "leader in the lost region: {p}"
        );
    }
    let exporters = s["exporters"].as_array().unwrap();
    let lost_exp = exporters
        .iter()
        .find(|e| e["exporterId"] == format!("{prefix}{lost}"))
        .unwrap();
    assert_eq!(lost_exp["status"], "DISABLED");
}

/// Ground truth after a failback: 8 brokers, RF 4, both exporters on, and the recreated
/// region's Elasticsearch restored and receiving records.
pub async fn assert_failed_back(lab: &TestLab, r: u8) {
    let s = crate::common::wait_state_until(lab, "RF 4 and every partition commits", |s| {
        committing(s).len() == 8 && s["replication_factor"] == 4
    })
    .await;
    assert_eq!(s["cluster_size"], 8);
    for e in s["exporters"].as_array().unwrap() {
        assert_eq!(e["status"], "ENABLED", "{e}");
    }
    let docs = |s: &Value| -> u64 {
        s["elasticsearch"][r as usize]["indices"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["docs"].as_u64())
            .sum()
    };
    let before = docs(&s);
    assert!(before > 0, "restored documents in region{r}");
    crate::common::wait_state_until(lab, "new records reach the recreated region", |s| {
        docs(s) > before
    })
    .await;
}

/// The gate of a run the lab operates, over the real executor and these files.
pub fn gate(live: Live, journal: Journal, audit: Audit) -> Gate<Live> {
    Gate::new(
        live,
        FileLedger::new(journal, audit),
        LabOperator::identity(),
    )
}

/// A new run with any operator, ready to run: prepared from fresh facts, journaled in
/// `books`. Returns the runner and its journal's path.
pub async fn start<O: Operator>(
    config: &Config,
    books: &Books,
    procedure: Procedure,
    region: Region,
    op: impl FnOnce(&Inputs) -> O,
    settings: Settings,
) -> (Runner<Live, O>, PathBuf) {
    let run = session::run_id(procedure, region);
    let (live, _, inputs, steps) =
        session::prepare_in(config, procedure, region, &run, None, Some(&books.runs))
            .await
            .unwrap_or_else(|e| panic!("prepare {run}: {e:#}"));
    let op = op(&inputs);
    let journal = Journal::create(&books.runs, &run).expect("journal");
    let path = journal.path().to_path_buf();
    let audit = Audit::open(&books.audit).expect("audit");
    let state = RunState::new(&run, inputs, steps);
    let runner = Runner::start(gate(live, journal, audit), op, settings, state).expect("start");
    (runner, path)
}

/// Runs to the end (bounded), returning the final state and the operator.
pub async fn finish<O: Operator>(runner: Runner<Live, O>) -> (RunState, O) {
    let (state, _, op) = tokio::time::timeout(Duration::from_secs(180), runner.run())
        .await
        .expect("the run ends");
    (state, op)
}

/// Continues journaled run `run` once, as `c8dr failover --resume RUN` does.
pub async fn resume<O: Operator>(
    config: &Config,
    books: &Books,
    run: &str,
    op: O,
    settings: Settings,
) -> (RunState, O) {
    let j = session::reopen(&books.runs, run).unwrap_or_else(|e| panic!("reopen {run}: {e:#}"));
    let (live, _, inputs, steps) =
        session::prepare(config, j.procedure, j.region, run, j.basis.as_ref())
            .await
            .unwrap_or_else(|e| panic!("prepare the resume of {run}: {e:#}"));
    let state = RunState::new(run, inputs, steps);
    let audit = Audit::open(&books.audit).expect("audit");
    let runner = Runner::resume(gate(live, j.journal, audit), op, &j.replay, settings, state);
    finish(runner).await
}

/// Starts a run in a task and stops it like a crash (the task dropped at an await point)
/// once its journal satisfies `at`; returns the run id. Panics if the run ends first.
pub async fn crash_when<O: Operator + 'static>(
    runner: Runner<Live, O>,
    journal: &std::path::Path,
    what: &str,
    at: impl Fn(&str) -> bool,
) -> String {
    let run = runner.state().run.clone();
    let task = tokio::spawn(runner.run());
    crate::common::wait_until(what, crate::common::DEADLINE, || {
        let text = std::fs::read_to_string(journal).unwrap_or_default();
        let ended = text.contains("\"event\":\"run_ended\"");
        let hit = at(&text);
        async move {
            if hit {
                Ok(())
            } else if ended {
                panic!("the run ended before {what}")
            } else {
                Err("not yet".to_string())
            }
        }
    })
    .await;
    task.abort();
    let _ = task.await;
    run
}

/// Waits until the lab's request log holds a request that `hit` accepts. Takes the client
/// and control URL (not the lab) so that a spawned task can wait.
pub async fn wait_for_request(
    http: &reqwest::Client,
    control: &str,
    what: &str,
    hit: impl Fn(&Value) -> bool,
) {
    crate::common::wait_until(what, crate::common::DEADLINE, || {
        let (http, control) = (http.clone(), control.to_string());
        let hit = &hit;
        async move {
            let log: Value = http
                .get(format!("{control}/lab/requests"))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            log.as_array()
                .is_some_and(|l| l.iter().any(hit))
                .then_some(())
                .ok_or_else(|| format!("no {what} yet"))
        }
    })
    .await
}
