//! The runbook engine: walks a plan step by step — check, guards, confirmation, action through
//! the gate, verification — and records every state in the journal. It does no I/O of its
//! own: an [`Executor`] reads facts and performs calls, an [`Operator`] is asked for decisions
//! and shown progress (the TUI pane, the terminal, or a test).
//!
//! Fail closed (DESIGN.md §7): a check that cannot tell blocks a mutating step; "skipped,
//! already satisfied" is only decided from a fresh read; right before every mutating request
//! — after the operator's answer, after any wait, on every retry — the facts are read again
//! and the step's check and guards re-evaluated, and a change stops the step with what
//! changed. A force is never sent without a dry run that answered with a plan.
//!
//! Retry rules (dual-region-procedure.md §9.5–9.6): a request that never left and a 5xx are
//! retried with backoff after re-checking; a 409 waits for the pending change to finish;
//! before any change request c8dr waits while a change is pending, so a second `force` is
//! never sent while one runs. A request whose answer never came (timeout, connection lost)
//! is never re-sent blindly: c8dr waits for any pending change, checks the effect, and asks.
//!
//! Resume: finished steps whose effect is observable are verified again (a skip decided on
//! bad facts does not survive); a step whose request went out is settled from the journal
//! and the cluster — its own change or restore is waited for, not refused — and only sent
//! again when the cluster shows it never arrived.

use super::audit::Audit;

mod heal;
use super::answer::{Answer, SendError, Verdict, dry_run_summary, gist};
use super::check::{self, Eval, Facts, RunFacts};
use super::gate::{self, Approved, Books, Decision};
use super::journal::{Attempt, AttemptAnswer, Journal, Outcome, Record, StepState};
use super::plan::{Action, Check, Danger, Expect, Inputs, Request, RequestKind, Scale, Step};
use heal::waits_for_recreated_brokers;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

/// Reads facts and performs calls for the engine.
pub trait Executor: Send {
    fn facts(&mut self) -> impl Future<Output = Facts> + Send;
    /// Performs a request; only the gate holds an [`Approved`]. An error says whether the
    /// request may have reached the server.
    fn send(
        &mut self,
        req: &Request,
        approved: &Approved,
    ) -> impl Future<Output = Result<Answer, SendError>> + Send;
    fn scale(
        &mut self,
        s: &Scale,
        approved: &Approved,
    ) -> impl Future<Output = Result<(), String>> + Send;
    fn delete_pod(
        &mut self,
        region: u8,
        pod: &str,
        approved: &Approved,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// The request's full URL, without credentials (journal, audit, curl).
    fn target(&self, req: &Request) -> String;
}

/// The person (or policy) running the procedure.
pub trait Operator: Send {
    fn update(&mut self, state: &RunState);
    /// Asked before a step acts; `preview` holds the dry run of a force step.
    fn approve(&mut self, step: &Step, preview: &Preview) -> impl Future<Output = Decision> + Send;
    /// A manual step or checklist no API shows: has it been done?
    fn confirm_manual(&mut self, step: &Step) -> impl Future<Output = Decision> + Send;
    /// A step failed (`refused`: a guard said no). The default stops the run.
    fn on_failure(
        &mut self,
        _step: &Step,
        _why: &str,
        _refused: bool,
    ) -> impl Future<Output = Recovery> + Send {
        async { Recovery::Abort }
    }
    /// The operator asked to stop (checked while waiting).
    fn abort_requested(&mut self) -> bool {
        false
    }
}

/// What to do after a failed step (DESIGN.md §4: retry / skip-with-reason / abort).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    Retry,
    /// Go on without it; the reason is audited and journaled.
    Skip(String),
    /// Run it again past its refused guards; needs the region's name typed.
    Override {
        typed: String,
    },
    Abort,
}

/// What the operator sees before approving.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preview {
    pub guards: Vec<String>,
    pub evidence: String,
    /// The dry run's answer (force steps), or why there is none.
    pub dry_run: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub read_only: bool,
    /// Proceed past refused guards (audited as overrides).
    pub override_guards: bool,
    pub step_timeout: Duration,
    /// How often facts are read while waiting.
    pub poll: Duration,
    pub attempts: u32,
    pub backoff: Duration,
    /// A recreated broker pod Running but not Ready and not in the topology this long is
    /// offered a restart (camunda/camunda#55038; the blueprint tests use 90 s).
    pub stuck_after: Duration,
    /// At most this many such restarts per run, one at a time.
    pub max_restarts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            read_only: false,
            override_guards: false,
            step_timeout: Duration::from_secs(900),
            poll: Duration::from_millis(500),
            attempts: 8,
            backoff: Duration::from_millis(500),
            stuck_after: Duration::from_secs(90),
            max_restarts: 6,
        }
    }
}

/// One step's progress in this run.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    pub state: StepState,
    /// Why it is in that state, in words.
    pub detail: String,
    pub evidence: String,
    pub progress: Option<(usize, usize)>,
    pub took: Option<Duration>,
    pub attempts: u32,
    /// The last answer (status and gist).
    pub answer: Option<String>,
}

/// The run as the pane and the CLI show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    pub run: String,
    pub inputs: Inputs,
    pub steps: Vec<Step>,
    pub progress: Vec<StepRun>,
    pub current: Option<usize>,
    /// Wall time since the run (or its resume) started.
    pub elapsed: Duration,
    /// Time spent waiting for the operator (confirmations, manual steps).
    pub operator: Duration,
    pub outcome: Option<Outcome>,
    pub message: Option<String>,
}

impl RunState {
    pub fn new(run: &str, inputs: Inputs, steps: Vec<Step>) -> RunState {
        let progress = steps
            .iter()
            .map(|_| StepRun {
                state: StepState::Pending,
                detail: String::new(),
                evidence: String::new(),
                progress: None,
                took: None,
                attempts: 0,
                answer: None,
            })
            .collect();
        RunState {
            run: run.into(),
            inputs,
            steps,
            progress,
            current: None,
            elapsed: Duration::ZERO,
            operator: Duration::ZERO,
            outcome: None,
            message: None,
        }
    }

    /// c8dr's own time: elapsed minus waiting for the operator.
    pub fn own(&self) -> Duration {
        self.elapsed.saturating_sub(self.operator)
    }
}

/// A failed step: the message says which and why.
enum Stop {
    Failed(String),
    Aborted(String),
}

pub struct Runner<E: Executor, O: Operator> {
    pub exec: E,
    pub op: O,
    journal: Journal,
    audit: Audit,
    settings: Settings,
    state: RunState,
    /// Journaled final states from before a resume.
    carried: BTreeMap<usize, StepState>,
    /// Each step's last request (dry runs aside) and its answer, from the journal and this run.
    attempts: BTreeMap<usize, Attempt>,
    /// What the run knows that the cluster does not show (its own changes, the snapshot's
    /// documents); handed to every check.
    known: RunFacts,
    /// The operator overrode the refused guards of the step being retried.
    override_once: bool,
    /// Stuck broker pods: since when each was seen Running-not-Ready outside the topology.
    stuck_since: BTreeMap<String, Instant>,
    restarts: u32,
    last_restart: Option<Instant>,
    /// Pods the operator chose not to restart.
    keep: BTreeSet<String>,
    started: Instant,
}

/// How a request that already went out for a step ended, as far as c8dr can tell.
enum Settled {
    /// Its effect is there (verified): the step is done.
    Done,
    /// It provably did not take effect: the step goes on as if it had never been sent.
    Resend,
}

/// The newest topology change the cluster shows (pending or completed).
fn newest_change(f: &Facts) -> Option<i64> {
    let c = &f.view.cluster;
    [
        c.pending_change.as_ref().map(|p| p.id),
        c.last_change.as_ref().map(|l| l.id),
    ]
    .into_iter()
    .flatten()
    .max()
}

/// The part of a check that a finished step leaves behind for good: health, quorum, DNS and
/// broker listings come and go, so a resume does not re-run a step because of them.
fn durable(c: &Check) -> Option<Check> {
    match c {
        Check::ElasticsearchUp(_)
        | Check::ElasticsearchGreen(_)
        | Check::ProcessingActive
        | Check::BrokersListed(_)
        | Check::TrafficAway(_)
        | Check::RegionLost(_)
        | Check::Unobservable => None,
        Check::All(v) => {
            let kept: Vec<Check> = v.iter().filter_map(durable).collect();
            match kept.len() {
                0 => None,
                1 => kept.into_iter().next(),
                _ => Some(Check::All(kept)),
            }
        }
        other => Some(other.clone()),
    }
}

fn parts(c: &Check) -> Vec<&Check> {
    match c {
        Check::All(v) => v.iter().flat_map(parts).collect(),
        other => vec![other],
    }
}

/// A later step of the plan undoes this check on purpose (webapps off, then on again).
fn undone_later(steps: &[Step], idx: usize, c: &Check) -> bool {
    let inverse = |a: &Check, b: &Check| match (a, b) {
        (Check::WebappsOff(x), Check::WebappsOn(y))
        | (Check::WebappsOn(x), Check::WebappsOff(y)) => x == y,
        (Check::Exporter { id: a, enabled: x }, Check::Exporter { id: b, enabled: y }) => {
            a == b && x != y
        }
        _ => false,
    };
    steps[idx + 1..].iter().any(|later| {
        parts(c)
            .iter()
            .any(|a| parts(&later.check).iter().any(|b| inverse(a, b)))
    })
}

impl<E: Executor, O: Operator> Runner<E, O> {
    /// A new run: the journal gets its first record here.
    pub fn start(
        exec: E,
        op: O,
        mut journal: Journal,
        audit: Audit,
        settings: Settings,
        state: RunState,
    ) -> std::io::Result<Self> {
        let mut started = Record::run_started(
            &state.run,
            state.inputs.procedure.name(),
            state.inputs.region,
            &state.inputs.version,
        );
        if let Record::RunStarted { basis, .. } = &mut started {
            *basis = Some(super::journal::Basis {
                ids: state.inputs.ids.clone(),
                all_ids: state.inputs.all_ids.clone(),
                snapshot: state.inputs.snapshot.clone(),
                baseline_change: state.inputs.baseline_change,
            });
        }
        journal.append(&started)?;
        let mut r = Self::with(exec, op, journal, audit, settings, state);
        r.known.baseline_change = r.state.inputs.baseline_change;
        Ok(r)
    }

    /// Continues a journaled run (see the module comment for what is and is not repeated).
    pub fn resume(
        exec: E,
        op: O,
        journal: Journal,
        replay: &super::journal::Replay,
        audit: Audit,
        settings: Settings,
        state: RunState,
    ) -> Self {
        let mut r = Self::with(exec, op, journal, audit, settings, state);
        let states = replay.step_states();
        r.carried = states
            .iter()
            .filter(|(_, s)| matches!(s, StepState::Done | StepState::Skipped))
            .map(|(i, s)| (*i, *s))
            .collect();
        let attempts = replay.attempts();
        // This run's restore answered success before the resume (finished steps included).
        let restore_finished = attempts.iter().any(|(i, a)| {
            matches!(&r.state.steps.get(*i).map(|s| &s.action), Some(Action::Http(req)) if req.kind() == RequestKind::Restore)
                && a.answer.as_ref().is_some_and(|x| x.verdict.as_deref() == Some("success"))
        });
        r.attempts = attempts
            .into_iter()
            .filter(|(i, _)| !r.carried.contains_key(i))
            .collect();
        r.known = RunFacts {
            own_changes: replay.own_changes(),
            baseline_change: replay
                .started()
                .and_then(|(_, _, _, b)| b.and_then(|b| b.baseline_change))
                .or(r.state.inputs.baseline_change),
            snapshot_docs: replay.snapshot_docs(),
            restore_finished,
        };
        r
    }

    fn with(
        exec: E,
        op: O,
        journal: Journal,
        audit: Audit,
        settings: Settings,
        state: RunState,
    ) -> Self {
        Runner {
            exec,
            op,
            journal,
            audit,
            settings,
            state,
            carried: BTreeMap::new(),
            attempts: BTreeMap::new(),
            known: RunFacts::default(),
            override_once: false,
            stuck_since: BTreeMap::new(),
            restarts: 0,
            last_restart: None,
            keep: BTreeSet::new(),
            started: Instant::now(),
        }
    }

    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// Runs every remaining step; the final state says how it ended.
    pub async fn run(mut self) -> (RunState, E, O) {
        let outcome = self.run_steps().await;
        let (outcome, message) = match outcome {
            Ok(()) => (Outcome::Completed, None),
            Err(Stop::Failed(m)) => (Outcome::Failed, Some(m)),
            Err(Stop::Aborted(m)) => (Outcome::Aborted, Some(m)),
        };
        self.state.outcome = Some(outcome);
        self.state.message = message;
        self.state.current = None;
        self.tick();
        let _ = self.journal.append(&Record::RunEnded {
            outcome,
            at: jiff::Timestamp::now().to_string(),
            own_ms: Some(self.state.own().as_millis() as u64),
        });
        self.op.update(&self.state);
        (self.state, self.exec, self.op)
    }

    fn tick(&mut self) {
        self.state.elapsed = self.started.elapsed();
    }

    fn set(&mut self, idx: usize, state: StepState, detail: impl Into<String>) {
        let detail = detail.into();
        let step = &self.state.steps[idx];
        let name = format!("{} {}", step.key, step.title);
        let p = &mut self.state.progress[idx];
        p.state = state;
        p.detail = detail.clone();
        let _ = self.journal.append(&Record::step(
            idx,
            &name,
            state,
            (!detail.is_empty()).then_some(detail),
        ));
        self.tick();
        self.op.update(&self.state);
    }

    /// A word on what the step is doing, without a new state.
    fn note(&mut self, idx: usize, detail: impl Into<String>) {
        self.state.progress[idx].detail = detail.into();
        self.tick();
        self.op.update(&self.state);
    }

    fn show(&mut self, idx: usize, eval: &Eval) {
        let p = &mut self.state.progress[idx];
        p.evidence = eval.evidence.clone();
        p.progress = eval.progress;
        self.tick();
        self.op.update(&self.state);
    }

    fn books(&mut self) -> Books<'_> {
        Books {
            journal: &mut self.journal,
            audit: &mut self.audit,
            run: &self.state.run,
        }
    }

    /// One request through the gate (the journal and audit are this run's).
    async fn send(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        approved: &Approved,
        seen: Option<i64>,
    ) -> gate::Sent {
        let mut books = Books {
            journal: &mut self.journal,
            audit: &mut self.audit,
            run: &self.state.run,
        };
        gate::send(&mut books, &mut self.exec, idx, step, req, approved, seen).await
    }

    fn overriding(&self) -> bool {
        self.settings.override_guards || self.override_once
    }

    async fn run_steps(&mut self) -> Result<(), Stop> {
        for idx in 0..self.state.steps.len() {
            self.state.current = Some(idx);
            self.override_once = false;
            if self.carried.contains_key(&idx) && self.still_done(idx).await {
                continue;
            }
            let started = Instant::now();
            loop {
                let result = Box::pin(self.run_step(idx)).await;
                self.state.progress[idx].took = Some(started.elapsed());
                let key = self.state.steps[idx].key.clone();
                match result {
                    Ok(()) => break,
                    Err(Stop::Failed(m)) => {
                        self.set(idx, StepState::Failed, m.clone());
                        if self.recover(idx, &m).await? {
                            break;
                        }
                    }
                    Err(Stop::Aborted(m)) => {
                        self.set(idx, StepState::Aborted, m.clone());
                        return Err(Stop::Aborted(format!("{key} aborted: {m}")));
                    }
                }
            }
        }
        Ok(())
    }

    /// A step finished before the resume: its lasting effect is verified again from fresh
    /// facts. `true`: it stays finished; `false`: it runs again (and says why).
    async fn still_done(&mut self, idx: usize) -> bool {
        let Some(carried) = self.carried.get(&idx).copied() else {
            return false;
        };
        let step = self.state.steps[idx].clone();
        let lasting = durable(&step.check)
            .filter(|c| step.action.mutates() && !undone_later(&self.state.steps, idx, c));
        let Some(c) = lasting else {
            self.state.progress[idx].state = carried;
            self.state.progress[idx].detail = "finished before the resume".into();
            self.op.update(&self.state);
            return true;
        };
        let (_, eval) = self.judge(idx, &c).await;
        if eval.met == Some(true) {
            self.state.progress[idx].state = carried;
            self.state.progress[idx].detail =
                format!("finished before the resume; still true: {}", eval.evidence);
            self.op.update(&self.state);
            return true;
        }
        self.carried.remove(&idx);
        self.attempts.remove(&idx);
        self.note(
            idx,
            format!(
                "journaled {carried:?} before the resume, but {}: running it again",
                match eval.met {
                    Some(false) => format!("no longer true ({})", eval.evidence),
                    _ => format!("cannot be told now ({})", eval.evidence),
                }
            ),
        );
        false
    }

    /// A step failed: the operator retries it, skips it (with a reason), overrides a refused
    /// guard (typing the region's name), or stops. `Ok(true)`: go on with the next step;
    /// `Ok(false)`: run the step again.
    async fn recover(&mut self, idx: usize, why: &str) -> Result<bool, Stop> {
        let step = self.state.steps[idx].clone();
        let refused = why.starts_with("refused");
        let asked = Instant::now();
        let choice = self.op.on_failure(&step, why, refused).await;
        self.state.operator += asked.elapsed();
        let name = self.state.inputs.names[self.state.inputs.region as usize].clone();
        match choice {
            Recovery::Retry => Ok(false),
            Recovery::Override { typed } if refused && typed.trim() == name => {
                gate::refused(
                    &mut self.books(),
                    &step,
                    &format!("override requested: {why}"),
                    true,
                );
                self.override_once = true;
                Ok(false)
            }
            Recovery::Override { .. } if refused => Err(Stop::Failed(format!(
                "{} failed: {why} (the override needs {name:?} typed exactly)",
                step.key
            ))),
            Recovery::Skip(reason) if !reason.trim().is_empty() => {
                gate::skipped(
                    &mut self.books(),
                    &step,
                    &format!("{reason} (after: {why})"),
                );
                self.set(
                    idx,
                    StepState::Skipped,
                    format!("skipped by the operator: {reason}"),
                );
                Ok(true)
            }
            _ => Err(Stop::Failed(format!("{} failed: {why}", step.key))),
        }
    }

    /// Fresh facts of both regions, with what the run itself knows.
    async fn facts(&mut self) -> Facts {
        let mut f = Box::pin(self.exec.facts()).await;
        f.run = self.known.clone();
        f
    }

    /// Fresh facts judged by `c`, shown in the pane.
    async fn judge(&mut self, idx: usize, c: &Check) -> (Facts, Eval) {
        let facts = self.facts().await;
        let eval = check::evaluate(c, &facts);
        self.show(idx, &eval);
        (facts, eval)
    }

    /// A check that cannot tell blocks a step that acts, and a step that confirms the
    /// preconditions of acting (an observation with guards, such as confirming the loss):
    /// c8dr stops and names what it cannot read instead of waiting for it (unless
    /// overridden).
    fn refuse_unknown(&mut self, step: &Step, eval: &Eval, when: &str) -> Result<(), Stop> {
        let confirms = matches!(step.action, Action::Observe) && !step.guards.is_empty();
        if eval.met.is_some()
            || !check::observable(&step.check)
            || !(step.action.mutates() || confirms)
        {
            return Ok(());
        }
        let why = if confirms {
            format!("{} cannot be confirmed: {}", step.key, eval.evidence)
        } else {
            format!(
                "cannot tell {when} whether {} is already done: {}",
                step.key, eval.evidence
            )
        };
        let overridden = self.overriding();
        gate::refused(&mut self.books(), step, &why, overridden);
        if overridden {
            Ok(())
        } else {
            Err(Stop::Failed(format!("refused: {why}")))
        }
    }

    async fn run_step(&mut self, idx: usize) -> Result<(), Stop> {
        let step = self.state.steps[idx].clone();
        self.set(idx, StepState::Checking, "");
        if let (Some(attempt), Action::Http(req)) = (self.attempts.get(&idx).cloned(), &step.action)
        {
            match self.settle(idx, &step, req, &attempt).await? {
                Settled::Done => return Ok(()),
                Settled::Resend => {
                    self.attempts.remove(&idx);
                }
            }
        }
        let (facts, eval) = self.judge(idx, &step.check).await;
        if eval.met == Some(true) && !check::partly_unobservable(&step.check) {
            let (state, why) = if matches!(step.action, Action::Observe) {
                (StepState::Done, eval.evidence.clone())
            } else {
                (
                    StepState::Skipped,
                    format!("already satisfied: {}", eval.evidence),
                )
            };
            self.set(idx, state, why);
            return Ok(());
        }
        self.refuse_unknown(&step, &eval, "from a fresh read")?;
        let guards = self.guards(&step, &facts, None)?;
        match &step.action {
            Action::Observe if eval.met.is_none() && !step.guards.is_empty() => {
                // Only reached when the operator overrode what c8dr could not confirm.
                self.set(
                    idx,
                    StepState::Done,
                    format!(
                        "overridden by the operator; c8dr could not confirm it: {}",
                        eval.evidence
                    ),
                );
                Ok(())
            }
            Action::Observe => {
                self.set(idx, StepState::Verifying, "");
                self.verify(idx, &step.check).await?;
                let e = self.state.progress[idx].evidence.clone();
                self.set(idx, StepState::Done, e);
                Ok(())
            }
            Action::Manual { .. } | Action::Checklist(_) => self.manual(idx, &step).await,
            Action::RestartPod { .. } => Err(Stop::Failed(
                "a pod restart is offered while waiting, never planned as a step".into(),
            )),
            Action::Http(req) => {
                let approved = self.approval(idx, &step, &eval, guards, Some(req)).await?;
                self.set(idx, StepState::Running, "");
                self.perform(idx, &step, req, &approved).await?;
                self.finish(idx, &step).await
            }
            Action::Scale(list) => {
                let approved = self.approval(idx, &step, &eval, guards, None).await?;
                self.set(idx, StepState::Running, "");
                // The moment of acting: what held when the operator confirmed must hold now.
                let facts = self.facts().await;
                self.guards(&step, &facts, Some("at the moment of acting"))?;
                for s in list {
                    let mut books = Books {
                        journal: &mut self.journal,
                        audit: &mut self.audit,
                        run: &self.state.run,
                    };
                    gate::scale(&mut books, &mut self.exec, idx, &step, s, &approved)
                        .await
                        .map_err(|e| {
                            Stop::Failed(format!(
                                "scaling {} in region{}: {e}",
                                s.deployment, s.region
                            ))
                        })?;
                }
                self.finish(idx, &step).await
            }
        }
    }

    /// Evaluates the guards; refusals are audited and stop the step unless overridden.
    /// `when` names a re-evaluation after the operator's confirmation.
    fn guards(
        &mut self,
        step: &Step,
        facts: &Facts,
        when: Option<&str>,
    ) -> Result<Vec<String>, Stop> {
        let mut shown = vec![];
        for g in &step.guards {
            match check::guard(g, facts) {
                Ok(why) => shown.push(format!("✔ {why}")),
                Err(why) => {
                    let why = match when {
                        Some(w) => format!("{w} (it held when confirmed): {why}"),
                        None => why,
                    };
                    let overridden = self.overriding();
                    gate::refused(&mut self.books(), step, &why, overridden);
                    if !overridden {
                        return Err(Stop::Failed(format!("refused: {why}")));
                    }
                    shown.push(format!("⚠ overridden: {why}"));
                }
            }
        }
        Ok(shown)
    }

    async fn approval(
        &mut self,
        idx: usize,
        step: &Step,
        eval: &Eval,
        guards: Vec<String>,
        req: Option<&Request>,
    ) -> Result<Approved, Stop> {
        if self.settings.read_only && step.action.mutates() {
            // Read-only sends nothing at all, not even a dry run.
            let why = "read-only mode: c8dr shows the plan but does not run it".to_string();
            gate::refused(&mut self.books(), step, &why, false);
            return Err(Stop::Aborted(why));
        }
        let mut preview = Preview {
            guards,
            evidence: eval.evidence.clone(),
            dry_run: None,
        };
        if step.danger == Danger::Force
            && let Some(dry) = req.and_then(Request::dry_run)
        {
            let (ok, text) = self.dry_run(idx, step, &dry).await?;
            preview.dry_run = Some(text.clone());
            if !ok {
                let why = format!(
                    "the dry run did not answer with a plan ({text}): the force is not sent"
                );
                let overridden = self.overriding();
                gate::refused(&mut self.books(), step, &why, overridden);
                if !overridden {
                    return Err(Stop::Failed(format!("refused: {why}")));
                }
            }
        }
        self.set(
            idx,
            StepState::Ready,
            format!("{} step: waiting for confirmation", step.danger.word()),
        );
        let asked = Instant::now();
        let decision = self.op.approve(step, &preview).await;
        self.state.operator += asked.elapsed();
        let name = self.state.inputs.names[self.state.inputs.region as usize].clone();
        match gate::approve(step, &decision, &name, self.settings.read_only) {
            Ok(a) => Ok(a),
            Err(why) => {
                gate::refused(&mut self.books(), step, &why, false);
                if decision == Decision::Decline {
                    Err(Stop::Aborted(why))
                } else {
                    Err(Stop::Failed(why))
                }
            }
        }
    }

    /// The dry run of a force step, retried like any request that changes nothing; `true`
    /// when it answered with a plan.
    async fn dry_run(
        &mut self,
        idx: usize,
        step: &Step,
        dry: &Request,
    ) -> Result<(bool, String), Stop> {
        let Some(pass) = gate::dry_run_pass(dry) else {
            return Ok((false, "not a dry run".into()));
        };
        let mut backoff = self.settings.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let facts = self.facts().await;
            let seen = newest_change(&facts);
            let sent = self.send(idx, step, dry, &pass, seen).await;
            match (&sent.verdict, &sent.answer) {
                (Verdict::Success, Ok(a)) => {
                    return Ok((
                        true,
                        format!("HTTP {}: {}", a.status, dry_run_summary(&a.body)),
                    ));
                }
                (Verdict::Retry(why) | Verdict::Unknown(why), _)
                    if attempt < self.settings.attempts =>
                {
                    self.note(
                        idx,
                        format!("dry run attempt {attempt} failed ({why}); retrying"),
                    );
                    self.sleep(backoff).await?;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                (_, Ok(a)) => return Ok((false, format!("HTTP {}: {}", a.status, gist(&a.body)))),
                (_, Err(e)) => return Ok((false, format!("dry run failed: {e}"))),
            }
        }
    }

    /// Sends the request with the retry rules; returns once it took effect (an answer that
    /// counts as success, or the effect seen right before sending).
    async fn perform(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        approved: &Approved,
    ) -> Result<(), Stop> {
        let mut attempt = 0u32;
        let mut backoff = self.settings.backoff;
        loop {
            attempt += 1;
            self.state.progress[idx].attempts = attempt;
            if req.expect == Expect::Change {
                self.wait_no_pending(idx, "waiting for the pending change before sending")
                    .await?;
            }
            // The moment of sending: the facts are read again and everything re-judged.
            let (facts, eval) = self.judge(idx, &step.check).await;
            if eval.met == Some(true) && !check::partly_unobservable(&step.check) {
                self.note(
                    idx,
                    format!("already there at the moment of sending: {}", eval.evidence),
                );
                return Ok(());
            }
            self.refuse_unknown(step, &eval, "at the moment of sending")?;
            self.guards(step, &facts, Some("at the moment of sending"))?;
            if req.kind() == RequestKind::Snapshot {
                self.record_snapshot_docs(idx, step, &facts);
            }
            let seen = newest_change(&facts);
            let sent = self.send(idx, step, req, approved, seen).await;
            if let Some(c) = sent.change_id {
                self.known.own_changes.insert(c);
            }
            self.attempts.insert(
                idx,
                Attempt {
                    seen_change: seen,
                    answer: Some(AttemptAnswer {
                        status: sent.answer.as_ref().ok().map(|a| a.status),
                        verdict: Some(
                            match (&sent.verdict, &sent.answer) {
                                (_, Err(SendError::NotSent(_))) => "not_sent",
                                (Verdict::Success, _) => "success",
                                (Verdict::Unknown(_), _) => "unknown",
                                _ => "failed",
                            }
                            .into(),
                        ),
                        change_id: sent.change_id,
                    }),
                },
            );
            self.state.progress[idx].answer = Some(match &sent.answer {
                Ok(a) => format!("HTTP {}: {}", a.status, gist(&a.body)),
                Err(e) => crate::text::clean(&e.to_string()),
            });
            self.op.update(&self.state);
            match sent.verdict {
                Verdict::Success => {
                    if req.kind() == RequestKind::Restore {
                        self.known.restore_finished = true;
                    }
                    return Ok(());
                }
                Verdict::Conflict => {
                    self.wait_no_pending(idx, "409: another change is in progress")
                        .await?;
                }
                Verdict::Retry(why) if attempt < self.settings.attempts => {
                    self.note(
                        idx,
                        format!(
                            "attempt {attempt} failed ({why}); retrying in {} ms after checking again",
                            backoff.as_millis()
                        ),
                    );
                    self.sleep(backoff).await?;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                Verdict::Retry(why) => {
                    return Err(Stop::Failed(format!("{why} (after {attempt} attempts)")));
                }
                Verdict::Fatal(why) => return Err(Stop::Failed(why)),
                Verdict::Unknown(why) => {
                    return match self.settle_unknown(idx, step, req, seen).await? {
                        Settled::Done => Ok(()),
                        Settled::Resend => Err(Stop::Failed(format!(
                            "the answer never came ({why}) and the cluster shows no trace of the request yet; it may still arrive, so c8dr does not send it again by itself: retry to check again and send it after confirmation"
                        ))),
                    };
                }
            }
            if attempt >= self.settings.attempts * 2 {
                return Err(Stop::Failed(format!("gave up after {attempt} attempts")));
            }
        }
    }

    /// Before the run's snapshot: the surviving region's documents per index (exporting is
    /// paused), journaled, so the restore can later be judged by its data and not by names.
    fn record_snapshot_docs(&mut self, idx: usize, step: &Step, facts: &Facts) {
        if self.known.snapshot_docs.is_some() {
            return;
        }
        let Some(indices) = &facts.es[step.region as usize].indices else {
            return;
        };
        let docs: BTreeMap<String, u64> = indices
            .iter()
            .filter_map(|(name, docs)| docs.map(|d| (name.clone(), d)))
            .collect();
        let _ = self.journal.append(&Record::SnapshotDocs {
            step: idx,
            at: jiff::Timestamp::now().to_string(),
            docs: docs.clone(),
        });
        self.known.snapshot_docs = Some(docs);
    }

    /// A request of this step already went out in this run (before a resume, or an attempt
    /// whose outcome is unknown): decides from the journal and fresh facts whether it took
    /// effect (then waits for it), provably did not (then it may be sent again), or cannot
    /// be told (then the operator decides).
    async fn settle(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        attempt: &Attempt,
    ) -> Result<Settled, Stop> {
        // Journals written before verdicts were recorded: a 2xx counts as success.
        let ok = |a: &AttemptAnswer| match a.verdict.as_deref() {
            Some(v) => v == "success",
            None => a.status.is_some_and(|s| (200..300).contains(&s)),
        };
        match &attempt.answer {
            Some(a) if ok(a) => {
                if let Some(c) = a.change_id {
                    self.known.own_changes.insert(c);
                    // This run's change that ended without success did not take effect.
                    let facts = self.facts().await;
                    if let Some(l) = &facts.view.cluster.last_change
                        && l.id == c
                        && l.status != "COMPLETED"
                        && facts.view.cluster.pending_change.is_none()
                    {
                        self.note(
                            idx,
                            format!(
                                "this run's change #{c} ended {}: the step runs again",
                                l.status
                            ),
                        );
                        return Ok(Settled::Resend);
                    }
                }
                if req.kind() == RequestKind::Restore {
                    self.known.restore_finished = true;
                }
                self.note(
                    idx,
                    "sent earlier in this run and answered: verifying its effect",
                );
                self.finish(idx, step).await?;
                Ok(Settled::Done)
            }
            Some(a)
                if a.verdict.as_deref() != Some("unknown")
                    && a.status.is_some_and(|s| s >= 300) =>
            {
                // The server refused it: nothing took effect.
                Ok(Settled::Resend)
            }
            Some(a) if a.verdict.as_deref() == Some("not_sent") => Ok(Settled::Resend),
            _ => {
                self.settle_unknown(idx, step, req, attempt.seen_change)
                    .await
            }
        }
    }

    /// The answer to a request never came: let any change it may have started finish, check
    /// the effect, and look for the request's trace in the cluster.
    async fn settle_unknown(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        seen: Option<i64>,
    ) -> Result<Settled, Stop> {
        self.note(
            idx,
            "a request whose answer never came may still be applying: checking its effect",
        );
        self.wait_no_pending(
            idx,
            "a request whose answer never came may still be applying",
        )
        .await?;
        let (facts, eval) = self.judge(idx, &step.check).await;
        if eval.met == Some(true) && !check::partly_unobservable(&step.check) {
            self.note(
                idx,
                format!("the earlier request took effect: {}", eval.evidence),
            );
            self.finish(idx, step).await?;
            return Ok(Settled::Done);
        }
        if self.overriding() {
            return Ok(Settled::Resend);
        }
        let r = req.region as usize;
        match req.kind() {
            RequestKind::Idempotent => Ok(Settled::Resend),
            RequestKind::Change => {
                if facts.view.cluster.config_from.is_none() {
                    return Err(Stop::Failed(format!(
                        "refused: the answer to {}'s request never came, and c8dr cannot read the cluster's changes to tell whether it arrived ({})",
                        step.key,
                        check::source_problem(
                            &facts.view,
                            req.region,
                            crate::model::Source::Cluster
                        )
                    )));
                }
                match (seen, newest_change(&facts)) {
                    (Some(s), Some(n)) if n > s => Err(Stop::Failed(format!(
                        "refused: the answer to {}'s request never came; change #{n} happened after it left ({}) but the step's effect is not there ({}): look at the cluster before sending again",
                        step.key,
                        facts
                            .view
                            .cluster
                            .last_change
                            .as_ref()
                            .filter(|l| l.id == n)
                            .map(|l| l.status.clone())
                            .unwrap_or_else(|| "pending".into()),
                        eval.evidence
                    ))),
                    (Some(s), _) => {
                        self.note(
                            idx,
                            format!(
                                "the earlier request left no trace: the newest change is still #{s}"
                            ),
                        );
                        Ok(Settled::Resend)
                    }
                    (None, Some(n)) => Err(Stop::Failed(format!(
                        "refused: the answer to {}'s request never came and c8dr did not record the cluster's changes before it left; the newest change is #{n}: look at the cluster before sending again",
                        step.key
                    ))),
                    (None, None) => Ok(Settled::Resend),
                }
            }
            RequestKind::Snapshot => match &facts.es[r].snapshot {
                Some(Ok(Some(_))) => {
                    self.note(idx, "this run's snapshot exists: waiting for it to finish");
                    self.finish(idx, step).await?;
                    Ok(Settled::Done)
                }
                Some(Ok(None)) => Ok(Settled::Resend),
                other => Err(Stop::Failed(format!(
                    "refused: cannot tell whether this run's snapshot was started: {}",
                    match other {
                        Some(Err(e)) => e.to_string(),
                        _ => "the repository was not asked".into(),
                    }
                ))),
            },
            RequestKind::Restore => {
                let snapshot = facts.es.iter().find_map(|e| match &e.snapshot {
                    Some(Ok(Some(s))) => Some(s.indices.clone()),
                    _ => None,
                });
                match (snapshot, &facts.es[r].indices) {
                    (Some(want), Some(have)) => {
                        if want.iter().any(|i| have.contains_key(i)) {
                            self.note(
                                idx,
                                "the snapshot's indices exist: this run's restore is under way, waiting for it",
                            );
                            self.finish(idx, step).await?;
                            Ok(Settled::Done)
                        } else {
                            Ok(Settled::Resend)
                        }
                    }
                    _ => Err(Stop::Failed(format!(
                        "refused: cannot tell whether this run's restore started: {}",
                        eval.evidence
                    ))),
                }
            }
        }
    }

    /// After the action: wait for the effect, then done.
    async fn finish(&mut self, idx: usize, step: &Step) -> Result<(), Stop> {
        self.set(idx, StepState::Verifying, "");
        if !check::observable(&step.check) {
            let a = self.state.progress[idx].answer.clone().unwrap_or_default();
            self.set(
                idx,
                StepState::Done,
                format!("the answer is the signal: {a}"),
            );
            return Ok(());
        }
        self.verify(idx, &step.check).await?;
        let e = self.state.progress[idx].evidence.clone();
        self.set(idx, StepState::Done, e);
        Ok(())
    }

    async fn manual(&mut self, idx: usize, step: &Step) -> Result<(), Stop> {
        self.set(idx, StepState::Manual, "waiting for the operator");
        let asked = Instant::now();
        // What c8dr can see, it waits for; what it cannot (no API, no kube context for that
        // region), the operator confirms.
        let mut result = Ok(String::new());
        if check::observable(&step.check) {
            result = self
                .verify(idx, &step.check)
                .await
                .map(|()| self.state.progress[idx].evidence.clone());
        }
        if result.is_ok() && check::partly_unobservable(&step.check) {
            result = match self.op.confirm_manual(step).await {
                Decision::Approve { by, .. } => Ok(format!(
                    "{}confirmed by {by} (not observable)",
                    result
                        .as_ref()
                        .map(|e| if e.is_empty() {
                            String::new()
                        } else {
                            format!("{e}; ")
                        })
                        .unwrap_or_default()
                )),
                Decision::Decline => Err(Stop::Aborted(
                    "the operator stopped at a manual step".into(),
                )),
            };
        }
        self.state.operator += asked.elapsed();
        let detail = result?;
        self.set(idx, StepState::Done, detail);
        Ok(())
    }

    /// Waits until the check is met (deadline: the step timeout). One of this run's changes
    /// that ends FAILED or CANCELLED stops the wait at once.
    async fn verify(&mut self, idx: usize, c: &Check) -> Result<(), Stop> {
        let until = Instant::now() + self.settings.step_timeout;
        loop {
            let (facts, eval) = self.judge(idx, c).await;
            if eval.met == Some(true) {
                return Ok(());
            }
            if let Some(l) = &facts.view.cluster.last_change
                && self.known.own_changes.contains(&l.id)
                && matches!(l.status.as_str(), "FAILED" | "CANCELLED")
                && facts.view.cluster.pending_change.is_none()
                && self
                    .attempts
                    .get(&idx)
                    .and_then(|a| a.answer.as_ref())
                    .and_then(|a| a.change_id)
                    == Some(l.id)
            {
                return Err(Stop::Failed(format!(
                    "this run's change #{} ended {}: {}",
                    l.id, l.status, eval.evidence
                )));
            }
            if waits_for_recreated_brokers(c) {
                self.heal_stuck(idx, &facts).await;
            }
            if Instant::now() >= until {
                return Err(Stop::Failed(format!(
                    "not verified within {} s: {}",
                    self.settings.step_timeout.as_secs(),
                    eval.evidence
                )));
            }
            self.sleep(self.settings.poll).await?;
        }
    }

    async fn wait_no_pending(&mut self, idx: usize, why: &str) -> Result<(), Stop> {
        let until = Instant::now() + self.settings.step_timeout;
        loop {
            let facts = self.facts().await;
            let Some(c) = facts.view.cluster.pending_change.clone() else {
                return Ok(());
            };
            let own = if self.known.own_changes.contains(&c.id) {
                "this run's "
            } else {
                ""
            };
            let p = &mut self.state.progress[idx];
            p.detail = why.to_string();
            p.evidence = format!(
                "{own}change #{} {} ({}/{} operations)",
                c.id, c.status, c.done, c.total
            );
            p.progress = Some((c.done, c.total));
            self.op.update(&self.state);
            if Instant::now() >= until {
                return Err(Stop::Failed(format!(
                    "change #{} still pending after {} s (camunda/camunda#63506?)",
                    c.id,
                    self.settings.step_timeout.as_secs()
                )));
            }
            self.sleep(self.settings.poll).await?;
        }
    }

    async fn sleep(&mut self, d: Duration) -> Result<(), Stop> {
        if self.op.abort_requested() {
            return Err(Stop::Aborted("aborted by the operator".into()));
        }
        tokio::time::sleep(d).await;
        self.tick();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_waits_for_recreated_brokers_offer_pod_restarts() {
        assert!(waits_for_recreated_brokers(&Check::All(vec![
            Check::BrokersListed(vec![1]),
            Check::ElasticsearchUp(1)
        ])));
        assert!(waits_for_recreated_brokers(&Check::ClusterComplete {
            ids: vec![0, 1],
            rf: 4
        }));
        assert!(!waits_for_recreated_brokers(&Check::BrokersRemoved(vec![
            1
        ])));
        assert!(!waits_for_recreated_brokers(&Check::WebappsOff(0)));
    }

    #[test]
    fn a_resume_verifies_again_what_finished_steps_left_behind_for_good() {
        // Health and quorum come and go; removals, exporters and restores stay.
        assert_eq!(
            durable(&Check::All(vec![
                Check::Restored(1),
                Check::ElasticsearchGreen(1)
            ])),
            Some(Check::Restored(1))
        );
        assert_eq!(durable(&Check::ProcessingActive), None);
        assert_eq!(
            durable(&Check::BrokersRemoved(vec![1, 3])),
            Some(Check::BrokersRemoved(vec![1, 3]))
        );
        // Webapps turned off for the backup and on again later are not re-checked as off.
        let i = crate::runbook::plan::tests_support::inputs_87_failback();
        let steps = crate::runbook::plan::build(&i);
        let fb2 = steps.iter().position(|s| s.key == "FB-2").unwrap();
        assert!(undone_later(&steps, fb2, &steps[fb2].check));
        let fb7 = steps.iter().position(|s| s.key == "FB-7").unwrap();
        assert!(!undone_later(&steps, fb7, &steps[fb7].check));
    }
}
