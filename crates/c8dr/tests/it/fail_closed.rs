//! Fail closed (issue 12): every defect the adversarial run found, reproduced against the lab
//! and now answered safely. The lab's ground truth (`/lab/state`) and request log
//! (`/lab/requests`) prove what reached the cluster; the journal and audit prove what c8dr
//! decided. One test per defect, named after it.

use crate::common::{DEADLINE, TestLab, wait_until};
use crate::drive::*;
use c8dr::act::journal::{self, Journal};
use c8dr::act::live::Live;
use c8dr::act::session;
use c8dr::api::Region;
use c8dr::config::Config;
use c8dr::demo::operator::LabOperator;
use c8dr::runbook::engine::Runner;
use c8dr::runbook::engine::{Operator, Preview, Recovery, RunState};
use c8dr::runbook::gate::{Confirmation, Decision};
use c8dr::runbook::journal::{Outcome, Record, StepState};
use c8dr::runbook::plan::{Danger, Procedure, Step};
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lab's config with a short poll timeout (hanging sources fail fast) and `edit` applied.
fn config_with(lab: &TestLab, edit: impl FnOnce(&mut Config)) -> Config {
    let mut c = config(lab, false);
    c.poll.timeout_ms = 500;
    edit(&mut c);
    c
}

/// A lab of `camunda` whose region 1 (paris) is lost, with run books and the fast config.
async fn region1_lost(camunda: Camunda) -> (TestLab, Books, Config) {
    let lab = TestLab::start(camunda, 10.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    let config = config_with(&lab, |_| {});
    (lab, books(), config)
}

async fn fault(lab: &TestLab, v: Value) {
    let a = lab
        .post(format!("{}/lab/faults", lab.control()), Some(v))
        .await;
    assert_eq!(a.status, 200, "fault: {:?}", a.body);
}

async fn clear_faults(lab: &TestLab) {
    lab.send(lab.http.delete(format!("{}/lab/faults", lab.control())))
        .await;
}

/// A failover of region 1 (paris), the lab playing the operator, ready to run.
async fn start_1_with(
    lab: &TestLab,
    b: &Books,
    config: &Config,
    settings: c8dr::runbook::engine::Settings,
) -> (Runner<Live, LabOperator>, PathBuf) {
    start(
        config,
        b,
        Procedure::Failover,
        Region::ONE,
        |i| LabOperator::new(&lab.control(), &i.names[Region::ONE]),
        settings,
    )
    .await
}

async fn start_1(
    lab: &TestLab,
    b: &Books,
    config: &Config,
) -> (Runner<Live, LabOperator>, PathBuf) {
    start_1_with(lab, b, config, settings()).await
}

/// Resumes a run of region 1 (paris) once, the lab playing the operator.
async fn resume_1(lab: &TestLab, b: &Books, config: &Config, run: &str) -> (RunState, LabOperator) {
    resume(
        config,
        b,
        run,
        LabOperator::new(&lab.control(), "paris"),
        settings(),
    )
    .await
}

/// Region 1 (paris) failed over, the lab playing the operator.
async fn fail_over_1(
    lab: &TestLab,
    b: &Books,
    config: &Config,
    settings: c8dr::runbook::engine::Settings,
) -> (RunState, LabOperator) {
    finish(start_1_with(lab, b, config, settings).await.0).await
}

fn step_state(s: &RunState, key: &str) -> Option<StepState> {
    s.steps
        .iter()
        .position(|st| st.key == key)
        .map(|i| s.progress[i].state)
}

/// Force requests the cluster answered with a change, over the journals given: how many
/// forces were applied.
/// Force removals the cluster applied, counted from the runs' journals: each force answered
/// with a change id counts once per distinct change. When two runs race, the later one can be
/// answered with the change the first one started (the brokers are gone, nothing is left to
/// remove): that is still one force applied to the cluster.
fn applied_forces(journals: &[&Path]) -> usize {
    let mut changes = std::collections::BTreeSet::new();
    for p in journals {
        let replay = journal::read(p).expect("journal");
        let mut force = false;
        for r in &replay.records {
            match r {
                Record::Request { target, .. } => {
                    force = target.contains("force=true") && !target.contains("dryRun");
                }
                Record::Response {
                    change_id: Some(id),
                    ..
                } if force => {
                    changes.insert(*id);
                }
                _ => {}
            }
        }
    }
    changes.len()
}

// ── Defect 1 ────────────────────────────────────────────────────────────────────────────

/// A healthy region is never force-removed because no topology could be read: a wrong
/// REST password, a 500 or a hang on the survivor's gateway leave the loss unconfirmed,
/// however unreachable the region is from c8dr's host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect1_no_topology_never_confirms_a_loss() {
    for (what, survivor_fault) in [
        ("a wrong REST password", None),
        (
            "the survivor's REST answering 500",
            Some(json!({"target": "region0.rest", "kind": "http500"})),
        ),
        (
            "the survivor's REST hanging",
            Some(json!({"target": "region0.rest", "kind": "hang"})),
        ),
    ] {
        let lab = TestLab::start(Camunda::V88, 10.0).await;
        let b = books();
        match survivor_fault {
            None => std::fs::write(lab.lab.dir.join("rest-password"), "expired-password").unwrap(),
            Some(f) => fault(&lab, f).await,
        }
        // Region 1 is healthy but unreachable from the operator's host.
        for t in [
            "region1.rest",
            "region1.management",
            "region1.elasticsearch",
        ] {
            fault(&lab, json!({"target": t, "kind": "refuse"})).await;
        }
        let config = config_with(&lab, |_| {});
        let (fo, op) = fail_over_1(&lab, &b, &config, settings()).await;
        assert_eq!(fo.outcome, Some(Outcome::Failed), "{what}");
        let m = fo.message.clone().unwrap_or_default();
        assert!(
            m.contains("FO-0") && m.contains("REST /v2/topology"),
            "{what}: {m}"
        );
        if what.contains("password") {
            assert!(
                m.contains("HTTP 401") && m.contains("rest_auth"),
                "{what}: {m}"
            );
        }
        assert!(
            op.failures[0].2,
            "{what}: a refusal the operator could override"
        );
        assert_eq!(requests(&lab).await.len(), 0, "{what}: nothing sent");
        clear_faults(&lab).await;
        let s = lab.state().await;
        assert_eq!(s["replication_factor"], 4, "{what}");
        assert_eq!(s["cluster_size"], 8, "{what}");
        lab.shutdown().await;
    }
}

// ── Defect 2 ────────────────────────────────────────────────────────────────────────────

/// Declines the step `at`: the run stops there, everything before it journaled.
struct StopAt {
    inner: LabOperator,
    at: &'static str,
}

impl Operator for StopAt {
    fn update(&mut self, s: &RunState) {
        self.inner.update(s)
    }
    async fn confirm(&mut self, step: &Step, needs: &Confirmation, preview: &Preview) -> Decision {
        if step.key == self.at && *needs != Confirmation::ConfirmManualStep {
            Decision::Decline
        } else {
            self.inner.confirm(step, needs, preview).await
        }
    }
}

/// The force step is never skipped when the survivor's `/actuator/cluster` cannot be read
/// (500, malformed, slow, hanging, refused, a wrong management_url; 8.7, 8.8 and 8.9): the
/// run stops naming the source, nothing is sent, and once the source answers again the same
/// run completes (the cluster is not wedged).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect2_no_configuration_never_skips_the_force() {
    let cases: &[(Camunda, &str)] = &[
        (Camunda::V87, "http500"),
        (Camunda::V89, "malformed"),
        (Camunda::V88, "http500"),
        (Camunda::V88, "malformed"),
        (Camunda::V88, "slow"),
        (Camunda::V88, "hang"),
        (Camunda::V88, "refuse"),
        (Camunda::V88, "wrong management_url"),
    ];
    for (camunda, kind) in cases {
        let what = format!("{camunda:?} {kind}");
        let lab = TestLab::start(*camunda, 10.0).await;
        let b = books();
        lab.control_post("/lab/regions/1/fail").await;
        let config = config_with(&lab, |c| {
            if *kind == "wrong management_url" {
                c.regions[0].management_url = Some("http://127.0.0.1:9".into());
            }
        });
        if *kind != "wrong management_url" {
            fault(
                &lab,
                json!({"target": "region0.management", "kind": kind, "duration_ms": 3000}),
            )
            .await;
        }
        let (fo, _) = fail_over_1(&lab, &b, &config, settings()).await;
        assert_eq!(fo.outcome, Some(Outcome::Failed), "{what}");
        assert_ne!(step_state(&fo, "FO-1"), Some(StepState::Skipped), "{what}");
        let m = fo.message.clone().unwrap_or_default();
        assert!(m.contains("/actuator/cluster"), "{what}: {m}");
        assert_eq!(requests(&lab).await.len(), 0, "{what}: nothing sent");
        lab.shutdown().await;
    }

    // The exact path of the report: the loss confirmed, then the configuration read fails
    // and the run is resumed. FO-1 refuses instead of trusting a fallback.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    let (runner, _) = start(
        &config,
        &b,
        Procedure::Failover,
        Region::ONE,
        |i| StopAt {
            inner: LabOperator::new(&lab.control(), &i.names[Region::ONE]),
            at: "FO-1",
        },
        settings(),
    )
    .await;
    let (first, _) = finish(runner).await;
    assert_eq!(first.outcome, Some(Outcome::Aborted));
    assert_eq!(step_state(&first, "FO-0"), Some(StepState::Done));
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "http500"}),
    )
    .await;
    let before = requests(&lab).await.len();
    let (second, _) = resume_1(&lab, &b, &config, &first.run).await;
    assert_eq!(second.outcome, Some(Outcome::Failed));
    assert_eq!(step_state(&second, "FO-1"), Some(StepState::Failed));
    let m = second.message.clone().unwrap_or_default();
    assert!(
        m.contains("cannot tell")
            && m.contains("management /actuator/cluster")
            && m.contains("HTTP 500"),
        "{m}"
    );
    assert_eq!(requests(&lab).await.len(), before, "nothing sent");
    clear_faults(&lab).await;
    let (third, _) = resume_1(&lab, &b, &config, &first.run).await;
    assert_eq!(
        third.outcome,
        Some(Outcome::Completed),
        "{:?}",
        third.message
    );
    assert_failed_over(&lab, 1, "camundaregion").await;
    assert_eq!(forces(&requests(&lab).await), 1);
    lab.shutdown().await;
}

// ── Defect 3 ────────────────────────────────────────────────────────────────────────────

/// While the operator types the region's name, region 1 comes back.
struct RestoredAtThePrompt {
    inner: LabOperator,
    control: String,
    rest1: String,
    auth: (String, String),
}

impl Operator for RestoredAtThePrompt {
    fn update(&mut self, s: &RunState) {
        self.inner.update(s)
    }
    async fn confirm(&mut self, step: &Step, needs: &Confirmation, preview: &Preview) -> Decision {
        if step.danger == Danger::Force && *needs != Confirmation::ConfirmManualStep {
            let http = reqwest::Client::new();
            let restored = http
                .post(format!("{}/lab/regions/1/restore", self.control))
                .send()
                .await
                .map(|r| r.status().as_u16());
            assert_eq!(restored.ok(), Some(200));
            let (url, (user, pw)) = (self.rest1.clone(), self.auth.clone());
            wait_until("region 1's gateway answers again", DEADLINE, || {
                let (http, url, user, pw) = (http.clone(), url.clone(), user.clone(), pw.clone());
                async move {
                    let r = http
                        .get(format!("{url}/v2/topology"))
                        .basic_auth(user, Some(pw))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    (r.status() == 200)
                        .then_some(())
                        .ok_or("not yet".to_string())
                }
            })
            .await;
        }
        self.inner.confirm(step, needs, preview).await
    }
    async fn on_failure(&mut self, step: &Step, why: &str, refused: bool) -> Recovery {
        self.inner.on_failure(step, why, refused).await
    }
}

/// Guards are checked again at the moment of sending: a region that comes back while the
/// operator types its name, or during a slow dry run of an unattended run, is not removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect3_a_region_back_by_the_time_of_sending_is_not_removed() {
    // At the typed prompt.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    let auth = &lab.lab.ready.rest_auth;
    let (runner, _) = start(
        &config,
        &b,
        Procedure::Failover,
        Region::ONE,
        |i| RestoredAtThePrompt {
            inner: LabOperator::new(&lab.control(), &i.names[Region::ONE]),
            control: lab.control(),
            rest1: lab.rest(1),
            auth: (auth.username.clone(), auth.password.clone()),
        },
        settings(),
    )
    .await;
    let (fo, op) = finish(runner).await;
    assert_eq!(fo.outcome, Some(Outcome::Failed));
    let why = &op.inner.failures[0].1;
    assert!(
        why.contains("at the moment of sending") && why.contains("it held when confirmed"),
        "{why}"
    );
    assert_eq!(
        forces(&requests(&lab).await),
        0,
        "no force reached the cluster"
    );
    let s = lab.state().await;
    assert_eq!(s["replication_factor"], 4);
    lab.shutdown().await;

    // Unattended, during a slow dry run.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "slow", "duration_ms": 3000,
               "path": "/actuator/cluster?force=true&dryRun=true"}),
    )
    .await;
    let (runner, _) = start_1(&lab, &b, &config).await;
    let control = lab.control();
    let http = lab.http.clone();
    let restorer = tokio::spawn(async move {
        wait_for_request(&http, &control, "the dry run", |r| {
            r["path"].as_str().is_some_and(|p| p.contains("dryRun"))
        })
        .await;
        http.post(format!("{control}/lab/regions/1/restore"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let (fo, _) = finish(runner).await;
    assert_eq!(restorer.await.unwrap().unwrap(), 200);
    assert_eq!(fo.outcome, Some(Outcome::Failed), "{:?}", fo.message);
    assert_eq!(
        forces(&requests(&lab).await),
        0,
        "no force after the dry run"
    );
    assert_eq!(lab.state().await["replication_factor"], 4);
    lab.shutdown().await;
}

// ── Defect 4 ────────────────────────────────────────────────────────────────────────────

/// Approves slowly: the run holds its lock a while.
struct Slow(LabOperator);

impl Operator for Slow {
    fn update(&mut self, s: &RunState) {
        self.0.update(s)
    }
    async fn confirm(&mut self, step: &Step, needs: &Confirmation, preview: &Preview) -> Decision {
        if *needs != Confirmation::ConfirmManualStep {
            tokio::time::sleep(Duration::from_millis(800)).await;
        }
        self.0.confirm(step, needs, preview).await
    }
}

/// Two runs at once send one force removal: on one machine the second is refused by the
/// run lock (with who holds it); from two machines the one that comes second finds the
/// other's change and does not force again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect4_two_runs_send_one_force() {
    // One state directory.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    let (runner, _) = start(
        &config,
        &b,
        Procedure::Failover,
        Region::ONE,
        |i| Slow(LabOperator::new(&lab.control(), &i.names[Region::ONE])),
        settings(),
    )
    .await;
    let first = tokio::spawn(finish(runner));
    let second = session::fresh_run_id(&b.runs, Procedure::Failover, Region::ONE);
    let e = Journal::create(&b.runs, &second).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");
    assert!(
        e.to_string().contains("another c8dr run is in progress"),
        "{e}"
    );
    let (fo, _) = first.await.unwrap();
    assert_eq!(fo.outcome, Some(Outcome::Completed), "{:?}", fo.message);
    assert_eq!(forces(&requests(&lab).await), 1);
    lab.shutdown().await;

    // Two machines (two state directories), started together.
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let (b1, b2) = (books(), books());
    lab.control_post("/lab/regions/1/fail").await;
    let config = config_with(&lab, |_| {});
    let (r1, j1) = start_1(&lab, &b1, &config).await;
    let (r2, j2) = start_1(&lab, &b2, &config).await;
    let (a, b) = tokio::join!(finish(r1), finish(r2));
    assert_failed_over(&lab, 1, "camundaregion").await;
    assert_eq!(
        applied_forces(&[&j1, &j2]),
        1,
        "one force applied: {:?} / {:?}",
        a.0.message,
        b.0.message
    );
    for s in [&a.0, &b.0] {
        if s.outcome != Some(Outcome::Completed) {
            let m = s.message.clone().unwrap_or_default();
            assert!(m.contains("did not start") || m.contains("pending"), "{m}");
        }
    }
    lab.shutdown().await;
}

// ── Defect 5 ────────────────────────────────────────────────────────────────────────────

/// A run killed anywhere resumes with one resume: after its force was answered (its own
/// change is waited for, not refused), at every point of a failover, during the restore
/// (its own restore is waited for, no advice to delete indices), after the re-add was
/// answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect5_a_run_killed_anywhere_resumes_once() {
    // Killed after the force was answered, before verification.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    let (runner, path) = start_1(&lab, &b, &config).await;
    let run = crash_when(runner, &path, "the force's answer", |j| {
        j.lines()
            .any(|l| l.contains("\"event\":\"response\"") && l.contains("\"change_id\""))
    })
    .await;
    let (fo, op) = resume_1(&lab, &b, &config, &run).await;
    assert_eq!(fo.outcome, Some(Outcome::Completed), "{:?}", fo.message);
    assert!(
        op.failures.is_empty(),
        "no refusal of its own change: {:?}",
        op.failures
    );
    assert_failed_over(&lab, 1, "camundaregion").await;
    assert_eq!(forces(&requests(&lab).await), 1);
    lab.shutdown().await;

    // Killed at every other journal record of a failover.
    let mut k = 2;
    loop {
        let (lab, b, config) = region1_lost(Camunda::V88).await;
        let (runner, path) = start_1(&lab, &b, &config).await;
        let run = runner.state().run.clone();
        let task = tokio::spawn(finish(runner));
        let reached = wait_until("the kill point or the end", DEADLINE, || {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            async move {
                if text.lines().count() >= k {
                    Ok(true)
                } else if text.contains("\"event\":\"run_ended\"") {
                    Ok(false)
                } else {
                    Err("not yet".to_string())
                }
            }
        })
        .await;
        task.abort();
        let _ = task.await;
        if !reached {
            lab.shutdown().await;
            break;
        }
        let (fo, op) = resume_1(&lab, &b, &config, &run).await;
        assert_eq!(
            fo.outcome,
            Some(Outcome::Completed),
            "killed after record {k}: {:?} {:?}",
            fo.message,
            op.failures
        );
        assert_failed_over(&lab, 1, "camundaregion").await;
        assert_eq!(forces(&requests(&lab).await), 1, "killed after record {k}");
        lab.shutdown().await;
        k += 3;
    }
    assert!(k > 20, "the sweep covered the failover ({k})");

    // A failback killed during its restore, then after its re-add was answered.
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ONE, &[]).await;
    assert_eq!(fo.outcome, Some(Outcome::Completed));
    lab.control_post("/lab/regions/1/recreate").await;
    let config = config_with(&lab, |_| {});
    let helm = |i: &c8dr::runbook::plan::Inputs| {
        HELM_88_RECREATED_1
            .iter()
            .fold(operator(&lab, &i.names[Region::ONE]), |op, (k, p)| {
                op.on_manual(k, p)
            })
    };
    let (runner, path) = start(
        &config,
        &b,
        Procedure::Failback,
        Region::ONE,
        helm,
        settings(),
    )
    .await;
    let run = crash_when(runner, &path, "the restore request", |j| {
        j.lines()
            .any(|l| l.contains("\"event\":\"request\"") && l.contains("_restore"))
    })
    .await;
    let fb7 = 9;
    let (runner, path) = {
        let j = session::reopen(&b.runs, &run).unwrap();
        let (live, _, inputs, steps) =
            session::prepare(&config, j.procedure, j.region, &run, j.basis.as_ref())
                .await
                .unwrap();
        assert_eq!(steps[fb7].key, "FB-7");
        let op = helm(&inputs);
        let state = RunState::new(&run, inputs, steps);
        let audit = c8dr::act::audit::Audit::open(&b.audit).unwrap();
        (
            c8dr::runbook::engine::Runner::resume(
                gate(live, j.journal, audit),
                op,
                &j.replay,
                settings(),
                state,
            ),
            j.path,
        )
    };
    crash_when(runner, &path, "FB-7's answer", |j| {
        j.lines().any(|l| {
            l.contains("\"event\":\"response\"")
                && l.contains(&format!("\"step\":{fb7},"))
                && l.contains("\"change_id\"")
        })
    })
    .await;
    let (fb, op) = resume(&config, &b, &run, helm_88(&lab), settings()).await;
    assert_eq!(
        fb.outcome,
        Some(Outcome::Completed),
        "{:?} {:?}",
        fb.message,
        op.failures
    );
    assert!(op.failures.is_empty(), "{:?}", op.failures);
    assert_failed_back(&lab, 1).await;
    let log = requests(&lab).await;
    let restores = log
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("_restore")))
        .count();
    assert_eq!(restores, 1, "the restore was sent once");
    let adds = log
        .iter()
        .filter(|r| r["method"] == "PATCH" && r["body"]["brokers"]["add"].is_array())
        .count();
    assert_eq!(adds, 1, "the re-add was sent once");
    lab.shutdown().await;
}

fn helm_88(lab: &TestLab) -> LabOperator {
    HELM_88_RECREATED_1
        .iter()
        .fold(operator(lab, "paris"), |op, (k, p)| op.on_manual(k, p))
}

// ── Defect 6 ────────────────────────────────────────────────────────────────────────────

/// Mutating requests have their own timeout and an unknown outcome is never re-sent
/// blindly: a management API slower than the poll timeout gets one force; one that never
/// answers gets one force and a question; an unattended run never forces without a dry
/// run that answered with a plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect6_one_force_per_decision_whatever_the_timing() {
    // Slower than the poll timeout (500 ms here): answered, sent once.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "slow", "duration_ms": 2500, "mutating_only": true}),
    )
    .await;
    let (fo, _) = fail_over_1(&lab, &b, &config, settings()).await;
    assert_eq!(fo.outcome, Some(Outcome::Completed), "{:?}", fo.message);
    assert_eq!(forces(&requests(&lab).await), 1);
    lab.shutdown().await;

    // Never answers within the request timeout: one force, then the operator decides.
    let (lab, b, _) = region1_lost(Camunda::V88).await;
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "hang", "path": "/actuator/cluster?force=true"}),
    )
    .await;
    let config = config_with(&lab, |c| c.runbook.request_timeout_s = 2);
    let (fo, op) = fail_over_1(&lab, &b, &config, settings()).await;
    assert_eq!(fo.outcome, Some(Outcome::Failed));
    assert!(op.failures[0].1.contains("never came"), "{:?}", op.failures);
    assert_eq!(forces(&requests(&lab).await), 1, "not sent again blindly");
    clear_faults(&lab).await;
    let (fo2, op) = resume_1(&lab, &b, &config, &fo.run).await;
    assert_eq!(
        fo2.outcome,
        Some(Outcome::Completed),
        "{:?} {:?}",
        fo2.message,
        op.failures
    );
    assert_failed_over(&lab, 1, "camundaregion").await;
    assert!(forces(&requests(&lab).await) <= 2);
    lab.shutdown().await;

    // A dry run that never answers with a plan: no force, even unattended.
    let (lab, b, config) = region1_lost(Camunda::V88).await;
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "http500",
               "path": "/actuator/cluster?force=true&dryRun=true"}),
    )
    .await;
    let (fo, _) = fail_over_1(
        &lab,
        &b,
        &config,
        c8dr::runbook::engine::Settings {
            attempts: 3,
            ..settings()
        },
    )
    .await;
    assert_eq!(fo.outcome, Some(Outcome::Failed));
    let m = fo.message.clone().unwrap_or_default();
    assert!(m.contains("dry run") && m.contains("not sent"), "{m}");
    assert_eq!(forces(&requests(&lab).await), 0);
    assert_eq!(lab.state().await["replication_factor"], 4);
    lab.shutdown().await;
}

// ── Defect 7 ────────────────────────────────────────────────────────────────────────────

/// The schema-manager trap stops the failback at the restore with the exact indices and
/// the documented remedy; once they are deleted, the same run restores the data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect7_the_schema_manager_trap_stops_or_restores_the_data() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ONE, &[]).await;
    assert_eq!(fo.outcome, Some(Outcome::Completed));
    lab.control_post("/lab/regions/1/recreate?schema_manager=on")
        .await;
    let config = config_with(&lab, |_| {});
    let (runner, path) = start(
        &config,
        &b,
        Procedure::Failback,
        Region::ONE,
        |_| helm_88(&lab),
        settings(),
    )
    .await;
    let (fb, _) = finish(runner).await;
    assert_eq!(fb.outcome, Some(Outcome::Failed));
    assert_ne!(step_state(&fb, "FB-4.4"), Some(StepState::Skipped));
    assert_eq!(step_state(&fb, "FB-4.4"), Some(StepState::Failed));
    let m = fb.message.clone().unwrap_or_default();
    assert!(
        m.contains("CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA") && m.contains("DELETE"),
        "{m}"
    );
    // The exact indices, every one of them.
    let cat = lab
        .send(lab.es_request(reqwest::Method::GET, 1, "/_cat/indices?format=json"))
        .await;
    let names: Vec<String> = cat
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["index"].as_str().map(String::from))
        .filter(|n| c8dr::runbook::check::is_camunda_index(n))
        .collect();
    assert!(!names.is_empty());
    for n in &names {
        assert!(m.contains(n.as_str()), "{n} not named in: {m}");
    }
    let log = requests(&lab).await;
    assert!(
        !log.iter()
            .any(|r| r["path"].as_str().is_some_and(|p| p.contains("_restore"))),
        "no restore over the trap's indices"
    );

    // The documented remedy, then the same run.
    let deleted = lab
        .send(lab.es_request(reqwest::Method::DELETE, 1, &format!("/{}", names.join(","))))
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    let (fb, op) = resume(&config, &b, &fb.run, helm_88(&lab), settings()).await;
    assert_eq!(
        fb.outcome,
        Some(Outcome::Completed),
        "{:?} {:?}",
        fb.message,
        op.failures
    );
    assert_failed_back(&lab, 1).await;
    // Region 1 holds at least what region 0 held when the snapshot was taken.
    let expected: u64 = journal::read(&path)
        .unwrap()
        .snapshot_docs()
        .expect("documents recorded before the snapshot")
        .values()
        .sum();
    let s = lab.state().await;
    let docs: u64 = s["elasticsearch"][1]["indices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["docs"].as_u64())
        .sum();
    assert!(expected > 0 && docs >= expected, "{docs} < {expected}");
    lab.shutdown().await;
}

// ── Defect 8 and the command line ───────────────────────────────────────────────────────

/// `c8dr` with the lab's config (short poll timeout) and a private state directory.
fn c8dr(config: &Path, state: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env_remove("C8DR_DEBUG")
        .output()
        .expect("c8dr runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The lab's config file with a short poll timeout, written beside it.
fn fast_config_file(lab: &TestLab) -> PathBuf {
    let text = std::fs::read_to_string(&lab.lab.ready.config).unwrap();
    let text = text.replacen(
        "primary = 0\n",
        "primary = 0\n\n[poll]\ninterval_ms = 200\ntimeout_ms = 500\nslow_interval_ms = 500\n",
        1,
    );
    let path = lab.lab.dir.join("fast.toml");
    crate::at_rest::write_private(&path, &text);
    path
}

/// An 8.8 lab for the command line: its fast config file and a private state directory.
async fn cli_lab() -> (TestLab, tempfile::TempDir, PathBuf) {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let cfg = fast_config_file(&lab);
    (lab, tempfile::tempdir().unwrap(), cfg)
}

/// The lab's live topology with every partition replica rewritten by `edit`.
async fn topology_with(lab: &TestLab, edit: impl Fn(&mut Value)) -> Value {
    let mut t = lab.rest_get(0, "/v2/topology").await.body;
    for b in t["brokers"].as_array_mut().unwrap() {
        for p in b["partitions"].as_array_mut().unwrap() {
            edit(p);
        }
    }
    t
}

async fn topology_fault(lab: &TestLab, regions: &[u8], body: &Value) {
    for r in regions {
        fault(
            lab,
            json!({"target": format!("region{r}.rest"), "kind": "body", "path": "/v2/topology", "body": body}),
        )
        .await;
    }
}

/// Verdicts never say OK when c8dr cannot know: replicas that report dead, no leader
/// anywhere, a region whose gateway refuses while its brokers run (not a loss, and no
/// advice to disable its exporter), a gateway that lists no brokers, no exporters. And the
/// same URL for both regions is a configuration error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect8_verdicts_are_unknown_or_worse_when_facts_are_missing_or_dead() {
    let (lab, state, cfg) = cli_lab().await;
    let check = || c8dr(&cfg, state.path(), &["check"]);
    let (code, line, _) = check();
    assert_eq!(code, 0, "{line}");

    let dead = topology_with(&lab, |p| p["health"] = json!("dead")).await;
    topology_fault(&lab, &[0, 1], &dead).await;
    let (code, line, _) = check();
    assert_eq!(code, 2, "every partition dead: {line}");
    assert!(line.contains("report health dead"), "{line}");
    clear_faults(&lab).await;

    let leaderless = topology_with(&lab, |p| p["role"] = json!("follower")).await;
    topology_fault(&lab, &[0, 1], &leaderless).await;
    let (code, line, _) = check();
    assert_eq!(code, 2, "no leader anywhere: {line}");
    assert!(line.contains("no partition has a leader"), "{line}");
    clear_faults(&lab).await;

    let mut empty = lab.rest_get(0, "/v2/topology").await.body;
    empty["brokers"] = json!([]);
    topology_fault(&lab, &[0], &empty).await;
    let (code, line, _) = check();
    assert_eq!(code, 3, "a gateway listing zero brokers: {line}");
    assert!(line.contains("lists no brokers"), "{line}");
    clear_faults(&lab).await;

    for r in [0, 1] {
        fault(
            &lab,
            json!({"target": format!("region{r}.management"), "kind": "body", "path": "/actuator/exporters", "body": []}),
        )
        .await;
    }
    let (code, line, _) = check();
    assert_eq!(code, 1, "no exporters: {line}");
    assert!(line.contains("no exporters"), "{line}");
    clear_faults(&lab).await;

    // Region 1's Camunda endpoints refuse c8dr; its Elasticsearch answers; its brokers run
    // and lead partitions (region 0's gateway lists them).
    for t in [
        "region1.rest",
        "region1.management",
        "broker1.management",
        "broker3.management",
        "broker5.management",
        "broker7.management",
    ] {
        fault(&lab, json!({"target": t, "kind": "refuse"})).await;
    }
    let (code, line, _) = check();
    assert_eq!(code, 3, "region 1 unreachable but running: {line}");
    let (status_code, human, _) = c8dr(&cfg, state.path(), &["status"]);
    assert!(human.contains("cannot reach region1 paris"), "{human}");
    // `status` exits like `check` (issue 14 §6): UNKNOWN is 3, never 0.
    assert_eq!(status_code, code, "status and check agree: {human}");
    assert!(
        !human.contains("missing") && !human.contains("disable it") && !human.contains("fail over"),
        "no region loss is claimed: {human}"
    );
    clear_faults(&lab).await;

    // The same URL for both regions.
    let text = std::fs::read_to_string(&cfg).unwrap();
    let same = text.replace(&lab.mgmt(1), &lab.mgmt(0));
    let bad = lab.lab.dir.join("same.toml");
    crate::at_rest::write_private(&bad, &same);
    let (code, line, _) = c8dr(&bad, state.path(), &["check"]);
    assert_eq!(code, 3, "{line}");
    assert!(line.contains("management_url"), "{line}");
    lab.shutdown().await;
}

/// Nothing from a server reaches the terminal raw, and no answer can make c8dr hold more
/// than a few MB: a hostile message with escape sequences is shown escaped by `status`,
/// `check`, a run's output and `c8dr audit`; an endless answer is cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_bounded_and_never_reach_the_terminal_raw() {
    let (lab, state, cfg) = cli_lab().await;
    let hostile = "boom \u{1b}]2;pwned\u{7}\u{1b}[2J\u{1b}]52;c;aGk=\u{7}";
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "body", "status": 500,
               "path": "/actuator/cluster", "body": {"message": hostile}}),
    )
    .await;
    for args in [&["status"][..], &["check"], &["status", "--json"]] {
        let (_, out, err) = c8dr(&cfg, state.path(), args);
        assert!(
            out.contains("boom"),
            "{args:?}: the message is shown: {out}"
        );
        for text in [&out, &err] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{args:?}: {text:?}"
            );
        }
    }
    clear_faults(&lab).await;

    // A run whose force answer carries escape sequences, then the audit trail.
    lab.control_post("/lab/regions/1/fail").await;
    fault(
        &lab,
        json!({"target": "region0.management", "kind": "body", "status": 500, "count": 1,
               "path": "/actuator/cluster?force=true", "body": {"message": hostile}}),
    )
    .await;
    let (code, out, err) = c8dr(
        &cfg,
        state.path(),
        &["failover", "--lost", "paris", "--execute", "--yes"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    for text in [&out, &err] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    let (_, audit, _) = c8dr(&cfg, state.path(), &["audit"]);
    assert!(audit.contains("boom"), "{audit}");
    assert!(
        !audit.contains('\u{1b}') && !audit.contains('\u{7}'),
        "{audit:?}"
    );
    let file = std::fs::read_to_string(state.path().join("c8dr").join("audit.jsonl")).unwrap();
    assert!(
        !file.contains("\\u001b"),
        "the audit file stores it cleaned"
    );

    // An endless answer: cut off, reported, and the other region still judged.
    fault(&lab, json!({"target": "region0.rest", "kind": "endless"})).await;
    let started = std::time::Instant::now();
    let (_, json_out, _) = c8dr(&cfg, state.path(), &["status", "--json"]);
    assert!(started.elapsed() < DEADLINE, "status ends");
    let v: Value = serde_json::from_str(&json_out).expect("status --json still answers");
    let sources = v["regions"][0]["sources"].as_array().unwrap();
    let rest = sources.iter().find(|s| s["source"] == "topology").unwrap();
    let error = rest["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("larger than") || error.contains("no answer within"),
        "{rest}"
    );
    lab.shutdown().await;
}

/// The command line keeps the rules: two runs started together in one state directory
/// send one force (the other is refused by name, without a backtrace); `--read-only` sends
/// nothing and journals nothing; a journal naming an impossible region is an error; the
/// state directory is private.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_runs_one_at_a_time_and_read_only_sends_nothing() {
    let (lab, state, cfg) = cli_lab().await;
    lab.control_post("/lab/regions/1/fail").await;

    let (code, out, err) = c8dr(
        &cfg,
        state.path(),
        &[
            "--read-only",
            "failover",
            "--lost",
            "paris",
            "--execute",
            "--yes",
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("read-only") && err.contains("nothing was sent"),
        "{err}"
    );
    assert!(out.contains("FO-1"), "the plan is shown: {out}");
    assert_eq!(requests(&lab).await.len(), 0, "not even a dry run");
    assert!(
        !state.path().join("c8dr").join("runs").exists()
            || std::fs::read_dir(state.path().join("c8dr").join("runs"))
                .unwrap()
                .filter_map(Result::ok)
                .all(|e| !e.file_name().to_string_lossy().ends_with(".jsonl")),
        "no journal"
    );

    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_c8dr"))
            .arg("--config")
            .arg(&cfg)
            .args(["failover", "--lost", "paris", "--execute", "--yes"])
            .env("XDG_STATE_HOME", state.path())
            .env_remove("C8DR_DEBUG")
            .env_remove("RUST_BACKTRACE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("c8dr starts")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(1)], "one ran, one was refused");
    let refused = if a.status.success() { &b } else { &a };
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("another c8dr run is in progress"), "{err}");
    for word in ["panicked", "backtrace", "Location:", "File exists"] {
        assert!(!err.contains(word), "{word}: {err}");
    }
    assert_eq!(forces(&requests(&lab).await), 1);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let c8dr_dir = state.path().join("c8dr");
        let runs = c8dr_dir.join("runs");
        assert_eq!(mode(&c8dr_dir), 0o700);
        assert_eq!(mode(&runs), 0o700);
        assert_eq!(mode(&c8dr_dir.join("audit.jsonl")), 0o600);
        assert_eq!(mode(&c8dr_dir.join("c8dr.log")), 0o600);
        for e in std::fs::read_dir(&runs).unwrap().filter_map(Result::ok) {
            assert_eq!(mode(&e.path()), 0o600, "{}", e.path().display());
        }
    }

    // A journal that names region 7.
    let runs = state.path().join("c8dr").join("runs");
    std::fs::write(
        runs.join("failover-r7-x.jsonl"),
        r#"{"event":"run_started","run":"failover-r7-x","procedure":"failover","region":7,"camunda":"8.8.0","at":"2026-11-30T00:00:00Z"}
"#,
    )
    .unwrap();
    let (code, out, err) = c8dr(
        &cfg,
        state.path(),
        &["failover", "--resume", "failover-r7-x"],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("region 7") && !err.contains("panicked"),
        "{err}"
    );
    lab.shutdown().await;
}
