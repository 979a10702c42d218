//! The runbook engine: walks a plan step by step — check, guards, confirmation, action through
//! the gate, verification — and records every state in the journal. It does no I/O of its
//! own: an [`Executor`] reads facts and performs calls, an [`Operator`] is asked for decisions
//! and shown progress (the TUI pane, the terminal, or a test).
//!
//! Retry rules (dual-region-procedure.md §9.5–9.6): connection errors and 5xx are retried with
//! backoff after re-checking the step's effect; a 409 waits for the pending change to finish;
//! before any change request c8dr waits while a change is pending, so a second `force` is
//! never sent while one runs. Resume: steps finished in the journal stay finished; a step
//! whose request has no journaled answer is checked before anything is sent again.

use super::audit::Audit;

mod heal;
use super::check::{self, Eval, Facts};
use super::gate::{self, Answer, Approved, Books, Decision};
use super::journal::{Journal, Outcome, Record, StepState};
use super::plan::{Action, Check, Danger, Expect, Inputs, Request, Scale, Step};
use crate::api::ExportingOutcome;
use heal::waits_for_recreated_brokers;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

/// Reads facts and performs calls for the engine.
pub trait Executor: Send {
    fn facts(&mut self) -> impl Future<Output = Facts> + Send;
    /// Performs a request; only the gate holds an [`Approved`].
    fn send(
        &mut self,
        req: &Request,
        approved: &Approved,
    ) -> impl Future<Output = Result<Answer, String>> + Send;
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
    /// Steps with a request that has no journaled answer.
    unanswered: BTreeSet<usize>,
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
            });
        }
        journal.append(&started)?;
        Ok(Self::with(exec, op, journal, audit, settings, state))
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
        r.carried = replay
            .step_states()
            .into_iter()
            .filter(|(_, s)| matches!(s, StepState::Done | StepState::Skipped))
            .collect();
        r.unanswered = replay
            .unanswered_requests()
            .into_iter()
            .map(|(s, _, _)| s)
            .collect();
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
            unanswered: BTreeSet::new(),
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

    fn show(&mut self, idx: usize, eval: &Eval) {
        let p = &mut self.state.progress[idx];
        p.evidence = eval.evidence.clone();
        p.progress = eval.progress;
        self.tick();
        self.op.update(&self.state);
    }

    async fn run_steps(&mut self) -> Result<(), Stop> {
        for idx in 0..self.state.steps.len() {
            self.state.current = Some(idx);
            if let Some(s) = self.carried.get(&idx).copied() {
                self.state.progress[idx].state = s;
                self.state.progress[idx].detail = "finished before the resume".into();
                self.op.update(&self.state);
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

    /// A step failed: the operator retries it, skips it (with a reason), overrides a refused
    /// guard (typing the region's name), or stops. `Ok(true)`: go on with the next step;
    /// `Ok(false)`: run the step again.
    async fn recover(&mut self, idx: usize, why: &str) -> Result<bool, Stop> {
        let step = self.state.steps[idx].clone();
        let refused = why.starts_with("refused:");
        let asked = Instant::now();
        let choice = self.op.on_failure(&step, why, refused).await;
        self.state.operator += asked.elapsed();
        let name = self.state.inputs.names[self.state.inputs.region as usize].clone();
        let mut books = Books {
            journal: &mut self.journal,
            audit: &mut self.audit,
            run: &self.state.run,
        };
        match choice {
            Recovery::Retry => Ok(false),
            Recovery::Override { typed } if refused && typed.trim() == name => {
                gate::refused(
                    &mut books,
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
                gate::skipped(&mut books, &step, &format!("{reason} (after: {why})"));
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

    async fn facts(&mut self) -> Facts {
        Box::pin(self.exec.facts()).await
    }

    async fn run_step(&mut self, idx: usize) -> Result<(), Stop> {
        let step = self.state.steps[idx].clone();
        self.set(idx, StepState::Checking, "");
        if self.unanswered.remove(&idx) {
            // The request may have reached the cluster before the crash: let its change
            // finish before judging whether the effect is there.
            self.wait_no_pending(
                idx,
                "a request of the interrupted run may still be applying",
            )
            .await?;
        }
        let facts = self.facts().await;
        let eval = check::evaluate(&step.check, &facts);
        self.show(idx, &eval);
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
        let guards = self.guards(&step, &facts)?;
        match &step.action {
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

    /// Evaluates the guards; refusals are audited and stop the run unless overridden.
    fn guards(&mut self, step: &Step, facts: &Facts) -> Result<Vec<String>, Stop> {
        let mut shown = vec![];
        for g in &step.guards {
            match check::guard(g, facts) {
                Ok(why) => shown.push(format!("✔ {why}")),
                Err(why) => {
                    let overridden = self.settings.override_guards || self.override_once;
                    let mut books = Books {
                        journal: &mut self.journal,
                        audit: &mut self.audit,
                        run: &self.state.run,
                    };
                    gate::refused(&mut books, step, &why, overridden);
                    if !overridden {
                        return Err(Stop::Failed(format!("refused: {why}")));
                    }
                    shown.push(format!("⚠ overridden: {why}"));
                }
            }
        }
        self.override_once = false;
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
        let mut preview = Preview {
            guards,
            evidence: eval.evidence.clone(),
            dry_run: None,
        };
        if step.danger == Danger::Force
            && let Some(dry) = req.and_then(Request::dry_run)
            && let Some(pass) = gate::dry_run_pass(&dry)
        {
            let mut books = Books {
                journal: &mut self.journal,
                audit: &mut self.audit,
                run: &self.state.run,
            };
            preview.dry_run = Some(
                match gate::send(&mut books, &mut self.exec, idx, step, &dry, &pass).await {
                    Ok(a) => format!("HTTP {}: {}", a.status, dry_run_summary(&a.body)),
                    Err(e) => format!("dry run failed: {e}"),
                },
            );
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
                let mut books = Books {
                    journal: &mut self.journal,
                    audit: &mut self.audit,
                    run: &self.state.run,
                };
                gate::refused(&mut books, step, &why, false);
                if decision == Decision::Decline {
                    Err(Stop::Aborted(why))
                } else {
                    Err(Stop::Failed(why))
                }
            }
        }
    }

    /// Sends the request with the retry rules; returns once an answer counts as success.
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
            if attempt > 1 {
                // Check before repeating: the earlier try may have taken effect.
                let facts = self.facts().await;
                let eval = check::evaluate(&step.check, &facts);
                self.show(idx, &eval);
                if eval.met == Some(true) {
                    return Ok(());
                }
            }
            let mut books = Books {
                journal: &mut self.journal,
                audit: &mut self.audit,
                run: &self.state.run,
            };
            let answer = gate::send(&mut books, &mut self.exec, idx, step, req, approved).await;
            let verdict = classify(req.expect, &answer);
            self.state.progress[idx].answer = Some(match &answer {
                Ok(a) => format!("HTTP {}: {}", a.status, gist(&a.body)),
                Err(e) => e.clone(),
            });
            self.op.update(&self.state);
            match verdict {
                Verdict::Success => return Ok(()),
                Verdict::Conflict => {
                    self.wait_no_pending(idx, "409: another change is in progress")
                        .await?;
                }
                Verdict::Retry(why) if attempt < self.settings.attempts => {
                    self.state.progress[idx].detail = format!(
                        "attempt {attempt} failed ({why}); retrying in {} ms",
                        backoff.as_millis()
                    );
                    self.op.update(&self.state);
                    self.sleep(backoff).await?;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                Verdict::Retry(why) => {
                    return Err(Stop::Failed(format!("{why} (after {attempt} attempts)")));
                }
                Verdict::Fatal(why) => return Err(Stop::Failed(why)),
            }
            if attempt >= self.settings.attempts * 2 {
                return Err(Stop::Failed(format!("gave up after {attempt} attempts")));
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

    /// Waits until the check is met (deadline: the step timeout).
    async fn verify(&mut self, idx: usize, c: &Check) -> Result<(), Stop> {
        let until = Instant::now() + self.settings.step_timeout;
        loop {
            let facts = self.facts().await;
            let eval = check::evaluate(c, &facts);
            self.show(idx, &eval);
            if eval.met == Some(true) {
                return Ok(());
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
            let p = &mut self.state.progress[idx];
            p.detail = why.to_string();
            p.evidence = format!(
                "change #{} {} ({}/{} operations)",
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

enum Verdict {
    Success,
    Conflict,
    Retry(String),
    Fatal(String),
}

fn classify(expect: Expect, answer: &Result<Answer, String>) -> Verdict {
    let a = match answer {
        Ok(a) => a,
        Err(e) => return Verdict::Retry(e.clone()),
    };
    match (expect, a.status) {
        (Expect::Exporting, s) => match ExportingOutcome::from_response(s, &a.body) {
            ExportingOutcome::Succeeded => Verdict::Success,
            other => Verdict::Retry(format!("HTTP {s}: {other:?}: {}", gist(&a.body))),
        },
        (Expect::Change, 202) | (Expect::Change, 200) => {
            // A change needs its plan back; anything else is a garbled answer.
            match serde_json::from_slice::<crate::api::PlannedOperationsResponse>(&a.body) {
                Ok(_) => Verdict::Success,
                Err(e) => Verdict::Retry(format!("HTTP {}: unreadable plan: {e}", a.status)),
            }
        }
        (Expect::Elasticsearch, 200..=299) => {
            // A snapshot that finished with failed shards is no success.
            let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_default();
            match v
                .pointer("/snapshot/shards/failed")
                .and_then(|f| f.as_u64())
            {
                Some(n) if n > 0 => Verdict::Fatal(format!("the snapshot has {n} failed shards")),
                _ => Verdict::Success,
            }
        }
        (_, 409) => Verdict::Conflict,
        (_, s) if s >= 500 => Verdict::Retry(format!("HTTP {s}: {}", gist(&a.body))),
        (_, s) => Verdict::Fatal(format!("HTTP {s}: {}", gist(&a.body))),
    }
}

/// An answer body in a line: its message, or its start.
pub fn gist(body: &[u8]) -> String {
    let v: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if let Some(v) = &v {
        if let Some(id) = v.get("changeId") {
            return format!("change #{id} planned");
        }
        if let Some(m) = v
            .get("message")
            .or_else(|| v.pointer("/error/reason"))
            .or_else(|| v.pointer("/body/message"))
            .and_then(|m| m.as_str())
        {
            return m.chars().take(200).collect();
        }
    }
    let text = String::from_utf8_lossy(body);
    let t: String = text.chars().take(120).collect();
    if t.is_empty() { "(empty)".into() } else { t }
}

fn dry_run_summary(body: &[u8]) -> String {
    match serde_json::from_slice::<crate::api::PlannedOperationsResponse>(body) {
        Ok(p) => {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for op in &p.planned_changes {
                *counts.entry(op.operation.to_string()).or_default() += 1;
            }
            let ops: Vec<String> = counts.iter().map(|(k, n)| format!("{n}× {k}")).collect();
            format!(
                "would plan {} operations: {}",
                p.planned_changes.len(),
                ops.join(", ")
            )
        }
        Err(_) => gist(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<Answer, String> {
        Ok(Answer {
            status,
            body: body.as_bytes().to_vec(),
        })
    }

    fn word(v: Verdict) -> &'static str {
        match v {
            Verdict::Success => "success",
            Verdict::Conflict => "conflict",
            Verdict::Retry(_) => "retry",
            Verdict::Fatal(_) => "fatal",
        }
    }

    #[test]
    fn answers_are_classified_by_the_documented_success_rules() {
        let plan =
            r#"{"changeId":2,"currentTopology":[],"plannedChanges":[],"expectedTopology":[]}"#;
        let cases = [
            (Expect::Change, answer(202, plan), "success"),
            (Expect::Change, answer(202, "{\"brokers\": [{"), "retry"),
            (
                Expect::Change,
                answer(
                    409,
                    r#"{"message":"Another topology change is in progress"}"#,
                ),
                "conflict",
            ),
            (Expect::Change, answer(500, "{}"), "retry"),
            (Expect::Change, answer(502, "{}"), "retry"),
            (Expect::Change, answer(400, r#"{"message":"bad"}"#), "fatal"),
            (Expect::Change, Err("cannot connect".into()), "retry"),
            // §3.6: 204, or 200 with the status in the body.
            (Expect::Exporting, answer(204, ""), "success"),
            (
                Expect::Exporting,
                answer(200, r#"{"body":null,"status":204,"contentType":null}"#),
                "success",
            ),
            (
                Expect::Exporting,
                answer(
                    200,
                    r#"{"body":{"message":"Expected 3 members"},"status":500,"contentType":null}"#,
                ),
                "retry",
            ),
            (
                Expect::Exporting,
                answer(500, r#"{"message":"Expected 4 members"}"#),
                "retry",
            ),
            (
                Expect::Elasticsearch,
                answer(200, r#"{"acknowledged":true}"#),
                "success",
            ),
            (
                Expect::Elasticsearch,
                answer(
                    200,
                    r#"{"snapshot":{"shards":{"total":3,"failed":1,"successful":2}}}"#,
                ),
                "fatal",
            ),
            (
                Expect::Elasticsearch,
                answer(404, r#"{"error":{"reason":"missing"}}"#),
                "fatal",
            ),
            (Expect::Elasticsearch, answer(503, "{}"), "retry"),
        ];
        for (expect, a, want) in cases {
            assert_eq!(word(classify(expect, &a)), want, "{expect:?} {a:?}");
        }
    }

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
    fn gist_names_the_change_or_the_message() {
        assert_eq!(gist(br#"{"changeId":4}"#), "change #4 planned");
        assert_eq!(gist(br#"{"message":"nope"}"#), "nope");
        assert_eq!(gist(br#"{"error":{"reason":"r"}}"#), "r");
        assert_eq!(gist(b""), "(empty)");
    }
}
