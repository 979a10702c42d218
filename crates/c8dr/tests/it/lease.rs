//! The run lease end to end (issue 17 §1): two machines starting the same failover at the same
//! moment (one runs, the other is refused by name, one force removal), an expired lease taken
//! over only with the region's name, a live one never, the run's steps published for every
//! other cockpit, and a run that loses its lease sending nothing more.

use crate::common::{DEADLINE, TestLab};
use crate::drive::{forces, requests};
use crate::kube::region;
use c8dr::source::RegionKube;
use c8dr_lab::sim::Camunda;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::PostParams;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// The lab's config with a fast poll, written beside it.
fn config_file(lab: &TestLab) -> PathBuf {
    let text = std::fs::read_to_string(&lab.lab.ready.config).unwrap();
    // A lost region refuses connections at once, so nothing here waits for the timeout; a
    // generous one keeps a read of the live region that a loaded machine slowed from
    // failing a run that tests the lease, not the reads.
    let text = text.replacen(
        "primary = 0\n",
        "primary = 0\n\n[poll]\ninterval_ms = 200\ntimeout_ms = 3000\nslow_interval_ms = 500\n",
        1,
    );
    let path = lab.lab.dir.join("lease.toml");
    crate::at_rest::write_private(&path, &text);
    path
}

/// `c8dr` as `who` on their own laptop (own state directory, own name and host).
fn c8dr(config: &Path, state: &Path, who: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_c8dr"));
    c.arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("C8DR_OPERATOR", who)
        .env("C8DR_HOST", format!("{who}-laptop"))
        .env_remove("C8DR_DEBUG")
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn journals(state: &Path) -> usize {
    std::fs::read_dir(state.join("c8dr").join("runs"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
                .count()
        })
        .unwrap_or(0)
}

async fn lease(k: &RegionKube) -> Option<Lease> {
    k.leases()
        .get_opt("c8dr-runbook")
        .await
        .expect("lease read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_start_the_same_failover_together_one_runs_and_the_other_names_the_holder() {
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    // The operator took paris out of the traffic pool (FO-3 has nothing left to wait for).
    lab.control_post("/lab/traffic/0").await;
    let cfg = config_file(&lab);
    let (alice, bob) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["failover", "--lost", "paris", "--execute", "--yes"];
    let a = c8dr(&cfg, alice.path(), "alice", &args).spawn().unwrap();
    let b = c8dr(&cfg, bob.path(), "bob", &args).spawn().unwrap();
    let (a, b) = tokio::task::spawn_blocking(move || {
        (a.wait_with_output().unwrap(), b.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(
        codes,
        [Some(0), Some(1)],
        "one ran, one was refused:\n{:?}\n{:?}",
        text(&a),
        text(&b)
    );
    let (winner, loser, winner_state, loser_state, holder) = if a.status.success() {
        (&a, &b, &alice, &bob, "alice@alice-laptop")
    } else {
        (&b, &a, &bob, &alice, "bob@bob-laptop")
    };
    let (out, werr) = text(winner);
    assert!(
        out.contains("run lease c8dr-runbook taken in region 0 (london)"),
        "{out}"
    );
    // The lost region's API server is down: its lease cannot be read, and the run says so.
    assert!(
        werr.contains(
            "warning: the run lease in region 1 (paris) namespace camunda-paris could not be read"
        ) && werr.contains("a run started from that side is not seen"),
        "{werr}"
    );
    let (_, err) = text(loser);
    assert!(
        err.contains("another c8dr run holds the run lease")
            && err.contains(&format!("in progress by {holder}"))
            && err.contains("failover of paris"),
        "the refusal names the holder and the run: {err}"
    );
    for word in ["panicked", "backtrace", "Location:"] {
        assert!(!err.contains(word), "{word}: {err}");
    }
    assert_eq!(forces(&requests(&lab).await), 1, "one force removal");
    assert_eq!(journals(winner_state.path()), 1);
    assert_eq!(
        journals(loser_state.path()),
        0,
        "a refused run leaves no journal"
    );
    // The refusal is audited on the loser's machine.
    let audit = std::fs::read_to_string(loser_state.path().join("c8dr").join("audit.jsonl"))
        .unwrap_or_default();
    assert!(
        audit.contains("\"kind\":\"lease\"") && audit.contains("refused"),
        "{audit}"
    );

    // Released at the end, with the outcome for whoever looks.
    let k0 = region(&lab, 0).await;
    let l = lease(&k0).await.expect("the lease stays, released");
    let spec = l.spec.clone().unwrap();
    assert_eq!(spec.holder_identity, None, "{l:?}");
    let a = l.metadata.annotations.unwrap();
    assert_eq!(a["c8dr/state"], "completed");
    assert_eq!(a["c8dr/procedure"], "failover");
    assert_eq!(a["c8dr/region-name"], "paris");
    lab.shutdown().await;
}

/// A lease written by hand as another operator's run, renewed `ago` seconds ago.
async fn foreign_lease(k: &RegionKube, ago: i64) {
    let renewed = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(ago);
    let l: Lease = serde_json::from_value(json!({
        "metadata": {"name": "c8dr-runbook", "annotations": {
            "c8dr/run": "failover-r1-20261201t050000", "c8dr/procedure": "failover",
            "c8dr/region": "1", "c8dr/region-name": "paris", "c8dr/step": "FO-2",
            "c8dr/state": "running"}},
        "spec": {"holderIdentity": "carol@carol-laptop", "leaseDurationSeconds": 30,
                 "acquireTime": renewed.to_string(), "renewTime": renewed.to_string()}
    }))
    .unwrap();
    match lease(k).await {
        None => {
            k.leases().create(&PostParams::default(), &l).await.unwrap();
        }
        Some(old) => {
            let mut l = l;
            l.metadata.resource_version = old.metadata.resource_version;
            k.leases()
                .replace("c8dr-runbook", &PostParams::default(), &l)
                .await
                .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_lease_refuses_and_an_expired_one_is_taken_over_only_with_the_region_name() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    // The operator took paris out of the traffic pool (FO-3 has nothing left to wait for).
    lab.control_post("/lab/traffic/0").await;
    let cfg = config_file(&lab);
    let state = tempfile::tempdir().unwrap();
    let k0 = region(&lab, 0).await;
    let run = |args: &[&str]| {
        let mut c = c8dr(&cfg, state.path(), "dave", args);
        c.stdin(Stdio::null());
        c.output().unwrap()
    };
    let args = ["failover", "--lost", "paris", "--execute", "--yes"];

    // Carol's run is alive (renewed now): refused by name, with her step.
    foreign_lease(&k0, 0).await;
    let o = run(&args);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("in progress by carol@carol-laptop") && err.contains("FO-2 running"),
        "{err}"
    );
    assert!(
        err.contains("nothing was sent and no run was started"),
        "{err}"
    );
    // Even taking over is refused while it lives.
    let o = run(&[&args[..], &["--take-over-lease", "paris"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(forces(&requests(&lab).await), 0);

    // Carol's laptop died two minutes ago: unattended, c8dr does not take over on its own.
    foreign_lease(&k0, 120).await;
    let o = run(&args);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("expired") && err.contains("--take-over-lease paris"),
        "{err}"
    );
    let o = run(&[&args[..], &["--take-over-lease", "london"]].concat());
    assert_eq!(
        o.status.code(),
        Some(1),
        "the wrong region's name takes nothing"
    );
    assert_eq!(forces(&requests(&lab).await), 0);
    assert_eq!(journals(state.path()), 0);

    // The region's name typed: taken over, run, released; the audit trail says so.
    let o = run(&[&args[..], &["--take-over-lease", "paris"]].concat());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains("took over") && out.contains("carol@carol-laptop"),
        "{out}"
    );
    assert_eq!(forces(&requests(&lab).await), 1);
    let l = lease(&k0).await.unwrap();
    assert_eq!(l.spec.as_ref().unwrap().lease_transitions, Some(1), "{l:?}");
    let audit = std::fs::read_to_string(state.path().join("c8dr").join("audit.jsonl")).unwrap();
    assert!(
        audit.contains("taken over") && audit.contains("released"),
        "{audit}"
    );
    lab.shutdown().await;
}

/// A second cockpit (the real observation loop and model, as the dashboard runs them) follows
/// the run: the banner's sentence step by step, then the release with the outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_cockpit_follows_the_run_step_by_step() {
    use c8dr::model::run_lease::Liveness;
    // Slower than the other tests, so the changes take a few poll intervals each.
    let lab = TestLab::start(Camunda::V88, 2.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    lab.control_post("/lab/traffic/0").await;
    let cfg = config_file(&lab);
    let config = c8dr::config::Config::load(&cfg).unwrap();
    let observer = c8dr::observe::Observer::start(&config).await.unwrap();
    let model = c8dr::model::ModelConfig::from_config(&config);
    let state = tempfile::tempdir().unwrap();
    let child = c8dr(
        &cfg,
        state.path(),
        "erin",
        &["failover", "--lost", "paris", "--execute", "--yes"],
    )
    .spawn()
    .unwrap();
    let mut seen: Vec<(String, Liveness)> = vec![];
    let mut events: Vec<String> = vec![];
    let mut prev = None;
    let start = Instant::now();
    loop {
        let snap = observer.snapshot.borrow().clone();
        let v = c8dr::model::derive(&snap, &model, jiff::Timestamp::now(), prev.as_ref());
        if let Some(p) = &prev {
            events.extend(c8dr::model::events::diff(p, &v).into_iter().map(|e| e.text));
        }
        if let Some(r) = v.runs.iter().find(|r| r.region == c8dr::api::Region::ZERO) {
            let key = (r.sentence.clone(), r.liveness);
            if seen.last() != Some(&key) {
                seen.push(key);
            }
            if r.liveness == Liveness::Released && r.lease.state == "completed" {
                break;
            }
        }
        if start.elapsed() > DEADLINE {
            let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
                .await
                .unwrap();
            panic!(
                "never released: {seen:#?}\nlast read: {:?}\nrun: {:?}",
                snap.regions[c8dr::api::Region::ZERO].run_lease,
                text(&out)
            );
        }
        prev = Some(v);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let live: Vec<&str> = seen
        .iter()
        .filter(|(_, l)| *l == Liveness::Live)
        .map(|(s, _)| s.as_str())
        .collect();
    assert!(
        live.iter()
            .all(|s| s.starts_with("failover of paris in progress by erin@erin-laptop since ")),
        "{seen:#?}"
    );
    let mut steps: Vec<&str> = live
        .iter()
        .filter_map(|s| s.split(", ").last()?.split(' ').next())
        .filter(|k| k.starts_with("FO-"))
        .collect();
    steps.dedup();
    assert!(
        steps.len() >= 2 && steps.contains(&"FO-1"),
        "step by step: {seen:#?}"
    );
    // FO-0 … FO-5 sort in plan order: seen step by step, never back.
    assert!(steps.is_sorted(), "in order: {seen:#?}");
    assert!(
        seen.last()
            .is_some_and(|(s, l)| *l == Liveness::Released && s.contains("completed")),
        "{seen:#?}"
    );
    eprintln!("the second cockpit saw: {seen:#?}\nevents: {events:#?}");
    lab.shutdown().await;
}

/// Before FO-1's force, another run takes the lease (as a colleague would after wrongly
/// judging it expired): the keeper sees it at its next renewal and the executor refuses to
/// send, so the force never leaves; the step fails saying why.
struct Saboteur {
    inner: c8dr::demo::operator::LabOperator,
    kube: RegionKube,
    guard: c8dr::act::lease::LeaseGuard,
    publish: tokio::sync::watch::Sender<c8dr::act::lease::Published>,
    failures: Vec<String>,
}

impl c8dr::runbook::engine::Operator for Saboteur {
    fn update(&mut self, s: &c8dr::runbook::engine::RunState) {
        self.inner.update(s)
    }

    async fn confirm(
        &mut self,
        step: &c8dr::runbook::plan::Step,
        needs: &c8dr::runbook::gate::Confirmation,
        preview: &c8dr::runbook::engine::Preview,
    ) -> c8dr::runbook::gate::Decision {
        if step.key == "FO-1" && self.guard.check().is_ok() {
            foreign_lease(&self.kube, 0).await;
            // Progress published makes the keeper write at once (no 10 s wait).
            self.publish.send_replace(c8dr::act::lease::Published {
                step: Some("FO-1".into()),
                title: None,
                state: "waiting for approval".into(),
            });
            let start = Instant::now();
            while self.guard.check().is_ok() {
                assert!(
                    start.elapsed() < DEADLINE,
                    "the keeper never saw the takeover"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        self.inner.confirm(step, needs, preview).await
    }

    async fn on_failure(
        &mut self,
        _step: &c8dr::runbook::plan::Step,
        why: &str,
        _refused: bool,
    ) -> c8dr::runbook::engine::Recovery {
        self.failures.push(why.to_string());
        c8dr::runbook::engine::Recovery::Abort
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_lease_was_taken_sends_nothing_more() {
    use c8dr::act::{audit::Audit, journal::Journal, lease, session};
    use c8dr::api::Region;
    use c8dr::runbook::engine::{RunState, Runner};
    use c8dr::runbook::plan::Procedure;
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    // The operator took paris out of the traffic pool (FO-3 has nothing left to wait for).
    lab.control_post("/lab/traffic/0").await;
    let config = crate::drive::config(&lab, false);
    let b = crate::drive::books();
    let run = session::run_id(Procedure::Failover, Region::ONE);
    let (mut live, _, inputs, steps) = session::prepare_in(
        &config,
        Procedure::Failover,
        Region::ONE,
        &run,
        None,
        Some(&b.runs),
    )
    .await
    .unwrap();
    let mut audit = Audit::open(&b.audit).unwrap();
    let claim = lease::Claim {
        holder: "frank@frank-laptop".into(),
        run: run.clone(),
        procedure: Procedure::Failover,
        region: Region::ONE,
        region_name: "paris".into(),
    };
    let held = session::claim(&mut live, &claim, None, false, &mut audit, "frank")
        .await
        .unwrap();
    let keeper = held.keeper.as_ref().expect("a lease in the cluster");
    let op = Saboteur {
        inner: c8dr::demo::operator::LabOperator::new(&lab.control(), "paris"),
        kube: region(&lab, 0).await,
        guard: keeper.guard(),
        publish: held.publisher(),
        failures: vec![],
    };
    let journal = Journal::create(&b.runs, &run).unwrap();
    let state = RunState::new(&run, inputs, steps);
    let gate = crate::drive::gate(live, journal, audit);
    let runner = Runner::start(gate, op, crate::drive::settings(), state).unwrap();
    let (state, op) = crate::drive::finish(runner).await;
    assert_ne!(
        state.outcome,
        Some(c8dr::runbook::journal::Outcome::Completed)
    );
    assert!(
        op.failures
            .iter()
            .any(|f| f.contains("lease c8dr-runbook was lost") && f.contains("carol@carol-laptop")),
        "{:?}",
        op.failures
    );
    assert_eq!(forces(&requests(&lab).await), 0, "the force never left");
    // Lost for good: failed at once, not retried with backoff.
    let fo1 = state.steps.iter().position(|s| s.key == "FO-1").unwrap();
    assert_eq!(state.progress[fo1].attempts, 1, "{:?}", op.failures);
    // Releasing leaves carol's lease alone.
    assert!(held.release(&state).await.is_some());
    let l = lease(&region(&lab, 0).await).await.unwrap();
    assert_eq!(
        l.spec.unwrap().holder_identity.as_deref(),
        Some("carol@carol-laptop")
    );
    lab.shutdown().await;
}

/// `config` without any `[regions.kube]` table (direct URLs only), written beside it.
fn without_kube(lab: &TestLab, config: &Path) -> PathBuf {
    let text = std::fs::read_to_string(config).unwrap();
    let mut out = String::new();
    let mut skip = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skip = line == "[regions.kube]";
        }
        if !skip {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!out.contains("[regions.kube]") && out.contains("[[regions]]"));
    let path = lab.lab.dir.join("no-kube.toml");
    crate::at_rest::write_private(&path, &out);
    path
}

async fn lab_leases(lab: &TestLab) -> Vec<serde_json::Value> {
    let s = lab.state().await;
    s["regions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["leases"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_kube_context_or_with_without_lease_only_this_machine_is_locked_and_it_says_so() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    lab.control_post("/lab/traffic/0").await;
    let cfg = config_file(&lab);
    let state = tempfile::tempdir().unwrap();
    let args = ["failover", "--lost", "paris", "--execute", "--yes"];

    let o = c8dr(&without_kube(&lab, &cfg), state.path(), "gina", &args)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        err.contains("warning: no Kubernetes context for region0: no run lease in the cluster; only this machine's run lock guards the run, and other machines cannot see it"),
        "{err}"
    );
    assert!(lab_leases(&lab).await.is_empty());

    // With a context but --without-lease (the Lease API forbidden): the same, said so, audited.
    let o = c8dr(
        &cfg,
        state.path(),
        "gina",
        &[&args[..], &["--without-lease"]].concat(),
    )
    .output()
    .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        err.contains("warning: --without-lease: no run lease"),
        "{err}"
    );
    assert!(lab_leases(&lab).await.is_empty());
    let audit = std::fs::read_to_string(state.path().join("c8dr").join("audit.jsonl")).unwrap();
    assert_eq!(audit.matches("\"outcome\":\"local\"").count(), 2, "{audit}");
    lab.shutdown().await;
}
