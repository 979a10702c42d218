//! The run journal's records and their replay: what resume stands on. A request is journaled
//! *before* it is sent, so a request without a response tells resume "this may have happened:
//! check before repeating". The records' on-disk form (one JSON line each) is kept across
//! versions so that a run journaled by an older c8dr resumes after an upgrade. Pure: the
//! files themselves (append and fsync, the torn tail, the run lock) are `crate::act::journal`.

use crate::api::{BrokerId, Region};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The states a step goes through (DESIGN.md §4, issue 7).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Checking,
    Ready,
    Running,
    Verifying,
    Done,
    Skipped,
    Manual,
    Failed,
    Aborted,
}

impl StepState {
    /// A step in one of these states will not change again in this run.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Done | Self::Skipped | Self::Failed | Self::Aborted
        )
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Failed,
    Aborted,
}

/// One line of the journal. Timestamps are RFC 3339 strings written by the journal itself.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    RunStarted {
        run: String,
        procedure: String,
        region: Region,
        camunda: String,
        at: String,
        /// What the plan was built on, so a resume rebuilds the same plan even after the
        /// cluster changed (e.g. the lost brokers are no members any more).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<Basis>,
    },
    Step {
        step: usize,
        name: String,
        state: StepState,
        at: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Written before the request leaves; `target` never carries credentials.
    Request {
        step: usize,
        method: String,
        target: String,
        at: String,
        /// The newest topology change the cluster showed just before sending: a change
        /// with a higher id afterwards may be this request's (resume reads it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen_change: Option<i64>,
        /// A dry run (it changed nothing); written only when true, so every other line keeps
        /// the form older versions wrote and read.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        dry_run: bool,
        /// Not the step's own request but one offered while it was blocked (cancelling the
        /// change in its way): a resume does not settle the step by it. Written only when
        /// true.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        aside: bool,
    },
    /// `status` is `None` when no HTTP answer came (connection error, timeout).
    Response {
        step: usize,
        status: Option<u16>,
        at: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// How the answer was judged: `success`, `conflict`, `retry`, `fatal`, `unknown`
        /// (may have been applied) or `not_sent` (never left).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verdict: Option<String>,
        /// The topology change the answer started.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change_id: Option<i64>,
    },
    /// Documents per index in the surviving region just before the run's snapshot (exporting
    /// paused): what the restore must bring at least.
    SnapshotDocs {
        step: usize,
        at: String,
        docs: BTreeMap<String, u64>,
    },
    RunEnded {
        outcome: Outcome,
        at: String,
        /// c8dr's own time: the run without the waits for the operator.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        own_ms: Option<u64>,
    },
}

/// The derived inputs of a run that the cluster no longer shows once steps are done.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Basis {
    pub ids: Vec<BrokerId>,
    pub all_ids: Vec<BrokerId>,
    pub snapshot: String,
    /// The newest topology change when the run started: a later one this run did not start
    /// is someone else's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_change: Option<i64>,
    /// Zone-aware runs: the zone with the replicas and priority it had (written before the
    /// forced removal drops them from the cluster; the failback reads them back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<super::plan::ZonePlan>,
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

impl Record {
    /// Whether the journal waits for this record to be on disk before the run goes on. A
    /// step's passing states (checking, ready, running, verifying, manual) are not: a resume
    /// decides nothing on them (it carries only finished steps and settles requests), and the
    /// next record that is durable — the request, its answer, the step's final state — takes
    /// them to disk with it, in order. Everything else is (issue 18 §2: an fsync costs a few
    /// milliseconds, five passing states per step cost more than the step's own reads).
    pub fn durable(&self) -> bool {
        !matches!(self, Self::Step { state, .. } if !state.is_final())
    }

    pub fn run_started(run: &str, procedure: &str, region: Region, camunda: &str) -> Self {
        Self::RunStarted {
            run: run.to_string(),
            procedure: procedure.to_string(),
            region,
            camunda: camunda.to_string(),
            at: now(),
            basis: None,
        }
    }

    pub fn step(step: usize, name: &str, state: StepState, detail: Option<String>) -> Self {
        Self::Step {
            step,
            name: name.to_string(),
            state,
            at: now(),
            detail,
        }
    }

    /// The target is stripped of user info, so a URL with credentials in it never reaches disk.
    pub fn request(step: usize, method: &str, target: &str) -> Self {
        Self::Request {
            step,
            method: method.to_string(),
            target: redact_target(target),
            at: now(),
            seen_change: None,
            dry_run: false,
            aside: false,
        }
    }

    /// A request offered while its step was blocked, not the step's own.
    pub fn is_aside(&self) -> bool {
        matches!(self, Self::Request { aside: true, .. })
    }

    /// Whether this is a dry run's request. Journals written before the record said so name
    /// it only in the target's query (`dryRun=true`), which is read as a URL, not searched.
    pub fn is_dry_run(&self) -> bool {
        match self {
            Self::Request { dry_run: true, .. } => true,
            Self::Request { target, .. } => reqwest::Url::parse(target)
                .is_ok_and(|url| url.query_pairs().any(|(k, v)| k == "dryRun" && v == "true")),
            _ => false,
        }
    }

    pub fn response(step: usize, status: Option<u16>, detail: Option<String>) -> Self {
        Self::Response {
            step,
            status,
            at: now(),
            detail: detail.map(|d| crate::text::clean(&d)),
            verdict: None,
            change_id: None,
        }
    }

    pub fn run_ended(outcome: Outcome) -> Self {
        Self::RunEnded {
            outcome,
            at: now(),
            own_ms: None,
        }
    }
}

fn redact_target(target: &str) -> String {
    match reqwest::Url::parse(target) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            // Both only fail for URLs that cannot carry user info, which these just did.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Ok(_) => target.to_string(),
        // Not a URL (a Kubernetes action such as "statefulset/camunda-zeebe scale 0"): keep it.
        Err(_) => target.to_string(),
    }
}

/// A journal read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub records: Vec<Record>,
    /// The last line was cut short (the process died while writing it); it was dropped.
    pub torn_tail: bool,
}

#[derive(Debug)]
pub struct JournalError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub cause: String,
}

impl JournalError {
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            cause: e.to_string(),
        }
    }
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "journal {}:{line}: {}", self.path.display(), self.cause),
            None => write!(f, "journal {}: {}", self.path.display(), self.cause),
        }
    }
}

impl std::error::Error for JournalError {}

impl Replay {
    /// Requests that were sent (or were about to be) without a journaled answer: resume must
    /// check whether their effect is already there before it sends anything for that step.
    pub fn unanswered_requests(&self) -> Vec<(usize, &str, &str)> {
        let mut open: Vec<(usize, &str, &str)> = Vec::new();
        for record in &self.records {
            match record {
                Record::Request {
                    step,
                    method,
                    target,
                    ..
                } => open.push((*step, method, target)),
                Record::Response { step, .. } => {
                    if let Some(i) = open.iter().rposition(|(s, _, _)| s == step) {
                        open.remove(i);
                    }
                }
                _ => {}
            }
        }
        open
    }

    /// The run's start record: procedure, region, version and basis.
    pub fn started(&self) -> Option<(&str, Region, &str, Option<&Basis>)> {
        self.records.iter().find_map(|r| match r {
            Record::RunStarted {
                procedure,
                region,
                camunda,
                basis,
                ..
            } => Some((
                procedure.as_str(),
                *region,
                camunda.as_str(),
                basis.as_ref(),
            )),
            _ => None,
        })
    }

    /// The last attempt of each step's request (dry runs and requests aside from the step's
    /// own left out): whether it was answered,
    /// how, and what the cluster showed before it left.
    pub fn attempts(&self) -> BTreeMap<usize, Attempt> {
        let mut last: BTreeMap<usize, Attempt> = BTreeMap::new();
        let mut dry = false;
        for record in &self.records {
            match record {
                Record::Request {
                    step, seen_change, ..
                } => {
                    dry = record.is_dry_run() || record.is_aside();
                    if !dry {
                        last.insert(
                            *step,
                            Attempt {
                                seen_change: *seen_change,
                                answer: None,
                            },
                        );
                    }
                }
                Record::Response {
                    step,
                    status,
                    verdict,
                    change_id,
                    ..
                } if !dry => {
                    if let Some(a) = last.get_mut(step) {
                        a.answer = Some(AttemptAnswer {
                            status: *status,
                            verdict: verdict.clone(),
                            change_id: *change_id,
                        });
                    }
                }
                _ => {}
            }
        }
        last
    }

    /// The topology changes this run cancelled: answered successes of its requests aside
    /// (`DELETE …/actuator/cluster/changes/{id}`).
    pub fn cancelled(&self) -> std::collections::BTreeSet<i64> {
        let mut out = std::collections::BTreeSet::new();
        let mut open: Option<(usize, i64)> = None;
        for record in &self.records {
            match record {
                Record::Request {
                    step,
                    method,
                    target,
                    aside: true,
                    ..
                } if method == "DELETE" => {
                    open = target
                        .split_once("/actuator/cluster/changes/")
                        .and_then(|(_, id)| id.split(['?', '/']).next()?.parse().ok())
                        .map(|id| (*step, id));
                }
                Record::Response {
                    step,
                    verdict: Some(v),
                    ..
                } if v == "success" => {
                    if let Some((s, id)) = open.take()
                        && s == *step
                    {
                        out.insert(id);
                    }
                }
                Record::Request { .. } | Record::Response { .. } => open = None,
                _ => {}
            }
        }
        out
    }

    /// The topology changes this run started.
    pub fn own_changes(&self) -> std::collections::BTreeSet<i64> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Record::Response { change_id, .. } => *change_id,
                _ => None,
            })
            .collect()
    }

    /// The documents recorded before the run's snapshot.
    pub fn snapshot_docs(&self) -> Option<BTreeMap<String, u64>> {
        self.records.iter().rev().find_map(|r| match r {
            Record::SnapshotDocs { docs, .. } => Some(docs.clone()),
            _ => None,
        })
    }

    /// The last journaled state of every step.
    pub fn step_states(&self) -> BTreeMap<usize, StepState> {
        let mut states = BTreeMap::new();
        for record in &self.records {
            if let Record::Step { step, state, .. } = record {
                states.insert(*step, *state);
            }
        }
        states
    }

    pub fn summary(&self) -> RunSummary {
        summarize(&self.records)
    }
}

/// A step's request as the journal tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub seen_change: Option<i64>,
    /// `None`: no answer was journaled (the run stopped while it was in flight, or before).
    pub answer: Option<AttemptAnswer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptAnswer {
    pub status: Option<u16>,
    pub verdict: Option<String>,
    pub change_id: Option<i64>,
}

/// What `c8dr journal` lists for a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunSummary {
    pub run: Option<String>,
    pub procedure: Option<String>,
    pub region: Option<Region>,
    pub camunda: Option<String>,
    pub outcome: Option<Outcome>,
    /// From run start to run end (or to the last record of an unfinished run).
    pub total_ms: Option<i64>,
    /// c8dr's own time (without operator waits), when the run ended.
    pub own_ms: Option<i64>,
    pub steps: Vec<StepSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepSummary {
    pub step: usize,
    pub name: String,
    pub state: StepState,
    /// From the step's first record to its last final state; `None` while it is unfinished.
    pub duration_ms: Option<i64>,
}

fn parse_at(at: &str) -> Option<jiff::Timestamp> {
    at.parse().ok()
}

fn millis(from: jiff::Timestamp, to: jiff::Timestamp) -> i64 {
    to.as_millisecond() - from.as_millisecond()
}

fn record_at(record: &Record) -> &str {
    match record {
        Record::RunStarted { at, .. }
        | Record::Step { at, .. }
        | Record::Request { at, .. }
        | Record::Response { at, .. }
        | Record::SnapshotDocs { at, .. }
        | Record::RunEnded { at, .. } => at,
    }
}

pub fn summarize(records: &[Record]) -> RunSummary {
    let mut summary = RunSummary::default();
    let mut started = None;
    let mut first_seen: BTreeMap<usize, jiff::Timestamp> = BTreeMap::new();
    let mut steps: BTreeMap<usize, StepSummary> = BTreeMap::new();
    for record in records {
        let at = parse_at(record_at(record));
        match record {
            Record::RunStarted {
                run,
                procedure,
                region,
                camunda,
                ..
            } => {
                summary.run = Some(run.clone());
                summary.procedure = Some(procedure.clone());
                summary.region = Some(*region);
                summary.camunda = Some(camunda.clone());
                started = at;
            }
            Record::Step {
                step, name, state, ..
            } => {
                if let Some(at) = at {
                    first_seen.entry(*step).or_insert(at);
                }
                let duration_ms = match (state.is_final(), first_seen.get(step), at) {
                    (true, Some(from), Some(to)) => Some(millis(*from, to)),
                    _ => None,
                };
                steps.insert(
                    *step,
                    StepSummary {
                        step: *step,
                        name: name.clone(),
                        state: *state,
                        duration_ms,
                    },
                );
            }
            Record::RunEnded {
                outcome, own_ms, ..
            } => {
                summary.outcome = Some(*outcome);
                summary.own_ms = own_ms.map(|m| m as i64);
            }
            Record::Request { .. } | Record::Response { .. } | Record::SnapshotDocs { .. } => {}
        }
    }
    let last = records.iter().rev().find_map(|r| parse_at(record_at(r)));
    summary.total_ms = started.zip(last).map(|(from, to)| millis(from, to));
    summary.steps = steps.into_values().collect();
    summary
}

/// The documented failover RTO: processing back within a minute (dual-region-procedure.md §4).
pub const FAILOVER_RTO_MS: i64 = 60_000;

fn seconds(ms: Option<i64>) -> String {
    ms.map_or("-".into(), |ms| format!("{:.1}s", ms as f64 / 1000.0))
}

fn outcome_word(outcome: Option<Outcome>) -> &'static str {
    outcome.map_or("unfinished", Outcome::word)
}

impl Outcome {
    /// How a run ended, in a word.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::Aborted => "aborted",
        }
    }
}

/// `c8dr journal`: one line per run.
pub fn render_list(runs: &[(PathBuf, Result<RunSummary, JournalError>)]) -> String {
    if runs.is_empty() {
        return "no runs journaled yet\n".into();
    }
    let mut out = format!(
        "{:<28} {:<9} {:>6} {:<7} {:<10} {:>8} {:>6}\n",
        "RUN", "PROCEDURE", "REGION", "CAMUNDA", "OUTCOME", "TOTAL", "STEPS"
    );
    for (path, summary) in runs {
        match summary {
            Ok(s) => {
                let done = s.steps.iter().filter(|st| st.state.is_final()).count();
                out.push_str(&format!(
                    "{:<28} {:<9} {:>6} {:<7} {:<10} {:>8} {:>6}\n",
                    s.run.as_deref().unwrap_or("?"),
                    s.procedure.as_deref().unwrap_or("?"),
                    s.region.map_or("?".into(), |r| r.to_string()),
                    s.camunda.as_deref().unwrap_or("?"),
                    outcome_word(s.outcome),
                    seconds(s.total_ms),
                    format!("{done}/{}", s.steps.len()),
                ));
            }
            Err(e) => out.push_str(&format!("{:<28} unreadable: {e}\n", file_stem(path))),
        }
    }
    out
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into(),
    )
}

/// `c8dr journal RUN`: the steps of one run with their timings, against the documented RTO.
pub fn render_run(summary: &RunSummary) -> String {
    let mut out = format!(
        "run {} ({} of region {}, Camunda {}): {} in {}\n",
        summary.run.as_deref().unwrap_or("?"),
        summary.procedure.as_deref().unwrap_or("?"),
        summary.region.map_or("?".into(), |r| r.to_string()),
        summary.camunda.as_deref().unwrap_or("?"),
        outcome_word(summary.outcome),
        seconds(summary.total_ms),
    );
    if let Some(own) = summary.own_ms {
        out.push_str(&format!(
            "  c8dr's own time {} (the rest was waiting for the operator)\n",
            seconds(Some(own))
        ));
    }
    for st in &summary.steps {
        out.push_str(&format!(
            "  {:>2}. {:<9} {:>8}  {}\n",
            st.step + 1,
            super::render::state_word(st.state),
            seconds(st.duration_ms),
            st.name,
        ));
    }
    if summary.procedure.as_deref() == Some("failover")
        && let Some(total) = summary.own_ms.or(summary.total_ms)
    {
        let verdict = if total <= FAILOVER_RTO_MS {
            "within"
        } else {
            "OVER"
        };
        out.push_str(&format!(
            "  {verdict} the documented failover RTO of {}\n",
            seconds(Some(FAILOVER_RTO_MS))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_resume_stands_on_is_durable_a_steps_passing_state_is_not() {
        let step = |state| Record::step(0, "FO-1 Force", state, None);
        for s in [
            StepState::Done,
            StepState::Skipped,
            StepState::Failed,
            StepState::Aborted,
        ] {
            assert!(step(s).durable(), "{s:?}");
        }
        for s in [
            StepState::Pending,
            StepState::Checking,
            StepState::Ready,
            StepState::Running,
            StepState::Verifying,
            StepState::Manual,
        ] {
            assert!(!step(s).durable(), "{s:?}");
        }
        assert!(Record::request(1, "PATCH", "http://gw/x").durable());
        assert!(Record::run_started("r", "failover", Region::ONE, "8.8").durable());
        assert!(
            Record::RunEnded {
                outcome: Outcome::Completed,
                at: now(),
                own_ms: None
            }
            .durable()
        );
    }

    #[test]
    fn a_cancel_aside_is_not_the_steps_attempt_and_is_remembered_as_cancelled() {
        let mut cancel = Record::request(1, "DELETE", "http://gw:9600/actuator/cluster/changes/7");
        if let Record::Request { aside, .. } = &mut cancel {
            *aside = true;
        }
        let line = serde_json::to_string(&cancel).unwrap();
        assert!(line.contains("\"aside\":true"), "{line}");
        let plain = serde_json::to_string(&Record::request(1, "PATCH", "http://gw/x")).unwrap();
        assert!(
            !plain.contains("aside"),
            "older journals keep their form: {plain}"
        );
        let mut ok = Record::response(1, Some(200), None);
        if let Record::Response { verdict, .. } = &mut ok {
            *verdict = Some("success".into());
        }
        let replay = Replay {
            records: vec![cancel.clone(), ok.clone()],
            torn_tail: false,
        };
        assert!(
            replay.attempts().is_empty(),
            "FO-1's own request never went out"
        );
        assert_eq!(replay.cancelled(), [7].into());
        assert!(replay.own_changes().is_empty());
        // A refused cancel cancelled nothing.
        let refused = Record::response(1, Some(400), None);
        let replay = Replay {
            records: vec![cancel, refused],
            torn_tail: false,
        };
        assert!(replay.cancelled().is_empty());
    }

    #[test]
    fn credentials_never_reach_the_journal() {
        let r = Record::request(
            3,
            "PUT",
            "https://elastic:s3cr3t@es.region0:9200/_snapshot/repo",
        );
        let line = serde_json::to_string(&r).unwrap();
        assert!(
            !line.contains("s3cr3t") && !line.contains("elastic@"),
            "{line}"
        );
        assert!(line.contains("es.region0:9200/_snapshot/repo"), "{line}");
        // Kubernetes actions are not URLs and stay as written.
        let k = Record::request(4, "SCALE", "deployment/camunda-operate replicas=0");
        assert!(
            serde_json::to_string(&k)
                .unwrap()
                .contains("camunda-operate replicas=0")
        );
    }

    #[test]
    fn dry_runs_are_told_by_the_record_and_in_old_journals_by_the_target_query() {
        let mut dry = Record::request(1, "PATCH", "http://gw:9600/actuator/cluster?force=true");
        if let Record::Request { dry_run, .. } = &mut dry {
            *dry_run = true;
        }
        let line = serde_json::to_string(&dry).unwrap();
        assert!(line.contains("\"dry_run\":true"), "{line}");
        assert!(serde_json::from_str::<Record>(&line).unwrap().is_dry_run());
        let real = Record::request(1, "PATCH", "http://gw:9600/actuator/cluster?force=true");
        let line = serde_json::to_string(&real).unwrap();
        assert!(!line.contains("dry_run"), "the old form: {line}");
        assert!(!real.is_dry_run());
        // A line as the previous version wrote it.
        let old = r#"{"event":"request","step":1,"method":"PATCH","target":"http://gw:9600/actuator/cluster?force=true&dryRun=true","at":"2026-11-27T10:00:02Z"}"#;
        assert!(serde_json::from_str::<Record>(old).unwrap().is_dry_run());
        let old = r#"{"event":"request","step":1,"method":"SCALE","target":"deployments/x scale --replicas 0","at":"2026-11-27T10:00:02Z"}"#;
        assert!(!serde_json::from_str::<Record>(old).unwrap().is_dry_run());
    }
}
