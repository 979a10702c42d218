//! The runbook engine: walks a plan step by step — check, guards, confirmation, action through
//! the gate, verification — and records every state in the journal. It does no I/O of its
//! own: the [`Gate`] reads facts and performs calls through its executor and writes the
//! journal and the audit trail; an [`Operator`] is asked what the gate needs confirmed and is
//! shown progress (the TUI pane, the terminal, or a test).
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

mod heal;
pub mod pace;
mod settle;
mod step;
mod unblock;
mod wait;

use super::check::{self, Eval, Facts, RunFacts};
use super::gate::{Confirmation, Decision, Executor, Gate};
use super::journal::{Attempt, Outcome, Record, Replay, StepState};
use super::needs::Needs;
use super::plan::{Action, Check, Inputs, RequestKind, Step};
use heal::waits_for_recreated_brokers;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

/// The person (or policy) running the procedure.
pub trait Operator: Send {
    fn update(&mut self, state: &RunState);
    /// Asked before a step acts, and whether a step no API shows has been done: `needs` is
    /// the confirmation the gate accepts, which is what to ask; `preview` holds the guards as
    /// just checked and the dry run of a force step.
    fn confirm(
        &mut self,
        step: &Step,
        needs: &Confirmation,
        preview: &Preview,
    ) -> impl Future<Output = Decision> + Send;
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
    /// A remediation offered while the step is blocked (cancelling the change in its way):
    /// what it is, what it acts on, and its risk.
    pub offer: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub read_only: bool,
    /// Proceed past refused guards (audited as overrides).
    pub override_guards: bool,
    pub step_timeout: Duration,
    /// How often facts are read while waiting, once a wait has lasted (a fresh wait starts
    /// faster: [`pace`]).
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
    /// Every call, every journal record and every audit entry goes through it.
    gate: Gate<E>,
    op: O,
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
        | Check::LeadersIn(_)
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
        (
            Check::BrokerEnv {
                region: r1,
                name: n1,
                value: v1,
            },
            Check::BrokerEnv {
                region: r2,
                name: n2,
                value: v2,
            },
        ) => r1 == r2 && n1 == n2 && v1 != v2,
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
        gate: Gate<E>,
        op: O,
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
                zone: state.inputs.zone.clone(),
            });
        }
        let mut r = Self::with(gate, op, settings, state);
        r.gate.journal(&started)?;
        r.known.baseline_change = r.state.inputs.baseline_change;
        Ok(r)
    }

    /// Continues a journaled run (see the module comment for what is and is not repeated).
    pub fn resume(
        gate: Gate<E>,
        op: O,
        replay: &Replay,
        settings: Settings,
        state: RunState,
    ) -> Self {
        let mut r = Self::with(gate, op, settings, state);
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
            cancelled: replay.cancelled(),
        };
        r
    }

    /// The runner of `state`, its gate bound to the run: its id, the region whose name a
    /// force needs typed, the mode.
    fn with(mut gate: Gate<E>, op: O, settings: Settings, state: RunState) -> Self {
        let region = state.inputs.region;
        gate.bind(&state.run, &state.inputs.names[region], settings.read_only);
        Runner {
            gate,
            op,
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
        let _ = self.gate.journal(&Record::RunEnded {
            outcome,
            at: jiff::Timestamp::now().to_string(),
            own_ms: Some(self.state.own().as_millis() as u64),
        });
        self.op.update(&self.state);
        (self.state, self.gate.into_executor(), self.op)
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
        let _ = self.gate.journal(&Record::step(
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
                "journaled {} before the resume, but {}: running it again",
                super::render::state_word(carried),
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
        match choice {
            Recovery::Retry => Ok(false),
            Recovery::Override { typed } if refused => {
                match self.gate.override_guards(&step, &typed, why) {
                    Ok(()) => {
                        self.override_once = true;
                        Ok(false)
                    }
                    Err(needs) => Err(Stop::Failed(format!(
                        "{} failed: {why} ({needs})",
                        step.key
                    ))),
                }
            }
            Recovery::Skip(reason) if !reason.trim().is_empty() => {
                self.gate
                    .skipped(&step, &format!("{reason} (after: {why})"));
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
        let mut f = self.gate.facts().await;
        f.run = self.known.clone();
        f
    }

    /// Facts with what `needs` names read fresh (a wait's re-read), with what the run knows.
    async fn read(&mut self, needs: &Needs) -> Facts {
        let mut f = self.gate.read(needs).await;
        f.run = self.known.clone();
        f
    }

    /// Fresh facts judged by `c`, shown in the pane.
    async fn judge(&mut self, idx: usize, c: &Check) -> (Facts, Eval) {
        self.judge_on(idx, c, &Needs::all()).await
    }

    /// `c` judged on facts with what `needs` names read fresh, shown in the pane.
    async fn judge_on(&mut self, idx: usize, c: &Check, needs: &Needs) -> (Facts, Eval) {
        let facts = self.read(needs).await;
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
        self.gate.refused(step, &why, overridden);
        if overridden {
            Ok(())
        } else {
            Err(Stop::Failed(format!("refused: {why}")))
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
                    self.gate.refused(step, &why, overridden);
                    if !overridden {
                        return Err(Stop::Failed(format!("refused: {why}")));
                    }
                    shown.push(format!("⚠ overridden: {why}"));
                }
            }
        }
        Ok(shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{BrokerId, Region};

    #[test]
    fn only_waits_for_recreated_brokers_offer_pod_restarts() {
        assert!(waits_for_recreated_brokers(&Check::All(vec![
            Check::BrokersListed(vec![BrokerId::Numbered(1)]),
            Check::ElasticsearchUp(Region::ONE)
        ])));
        assert!(waits_for_recreated_brokers(&Check::ClusterComplete {
            ids: vec![BrokerId::Numbered(0), BrokerId::Numbered(1)],
            rf: 4
        }));
        assert!(!waits_for_recreated_brokers(&Check::BrokersRemoved(vec![
            BrokerId::Numbered(1)
        ])));
        assert!(!waits_for_recreated_brokers(&Check::WebappsOff(
            Region::ZERO
        )));
    }

    #[test]
    fn a_resume_verifies_again_what_finished_steps_left_behind_for_good() {
        // Health and quorum come and go; removals, exporters and restores stay.
        assert_eq!(
            durable(&Check::All(vec![
                Check::Restored(Region::ONE),
                Check::ElasticsearchGreen(Region::ONE)
            ])),
            Some(Check::Restored(Region::ONE))
        );
        assert_eq!(durable(&Check::ProcessingActive), None);
        assert_eq!(
            durable(&Check::BrokersRemoved(vec![
                BrokerId::Numbered(1),
                BrokerId::Numbered(3)
            ])),
            Some(Check::BrokersRemoved(vec![
                BrokerId::Numbered(1),
                BrokerId::Numbered(3)
            ]))
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
