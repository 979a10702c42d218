//! The run journal: one append-only JSON-lines file per run, fsynced after every record so a
//! crash loses at most the record being written. Reading it back is what resume stands on:
//! a torn last line is the crash itself and is dropped, a bad line anywhere else is corruption
//! and is reported with the file and line. A request is journaled *before* it is sent, so a
//! request without a response tells resume "this may have happened: check before repeating".
//! The journal holds the run lock ([`RunLock`]) while it is open: one run at a time. Its files
//! are readable by their owner only.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use super::lock::RunLock;
use crate::private_fs;

/// Where runs are journaled: `$XDG_STATE_HOME/c8dr/runs`.
pub fn runs_dir() -> Option<PathBuf> {
    crate::config::state_dir().map(|d| d.join("runs"))
}

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
        region: u8,
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
    pub ids: Vec<i32>,
    pub all_ids: Vec<i32>,
    pub snapshot: String,
    /// The newest topology change when the run started: a later one this run did not start
    /// is someone else's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_change: Option<i64>,
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

impl Record {
    pub fn run_started(run: &str, procedure: &str, region: u8, camunda: &str) -> Self {
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

/// An open journal that records are appended to; it holds the run lock while open.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    _lock: RunLock,
}

fn plain_run_id(run: &str) -> io::Result<()> {
    if run.is_empty() || run.contains(['/', '\\']) || run.starts_with('.') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("run id {run:?} is not a plain file name"),
        ));
    }
    Ok(())
}

impl Journal {
    /// Starts the journal of a new run, taking the run lock of `dir`; refuses to overwrite
    /// an existing run.
    pub fn create(dir: &Path, run: &str) -> io::Result<Self> {
        plain_run_id(run)?;
        let lock = RunLock::acquire(dir, run)?;
        Self::create_locked(lock, dir, run)
    }

    /// As [`Journal::create`], with the lock already taken (before the run's id was chosen
    /// and its plan built, so no other run can slip in between).
    pub fn create_locked(lock: RunLock, dir: &Path, run: &str) -> io::Result<Self> {
        plain_run_id(run)?;
        private_fs::create_dir_all(dir)?;
        let path = dir.join(format!("{run}.jsonl"));
        let file = private_fs::create_new(&path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => io::Error::new(
                e.kind(),
                format!("run {run} already exists in {}", dir.display()),
            ),
            _ => e,
        })?;
        Ok(Self {
            path,
            file,
            _lock: lock,
        })
    }

    /// Reopens a run's journal to continue it after a crash, taking the run lock of its
    /// directory. A torn last line is cut off first, so the next record starts on a line of
    /// its own.
    pub fn reopen(path: &Path) -> Result<(Self, Replay), JournalError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let run = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let lock = RunLock::acquire(dir, &run).map_err(|e| JournalError::io(path, e))?;
        let replay = read(path)?;
        if let Some((_, region, _, _)) = replay.started()
            && region > 1
        {
            return Err(JournalError {
                path: path.to_path_buf(),
                line: None,
                cause: format!("the run names region {region}; regions are 0 and 1"),
            });
        }
        // ftruncate works on an O_APPEND descriptor; later writes land at the new end.
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| JournalError::io(path, e))?;
        file.set_len(replay.valid_len)
            .map_err(|e| JournalError::io(path, e))?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
                _lock: lock,
            },
            replay,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and waits until it is on disk.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }
}

/// A journal read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub records: Vec<Record>,
    /// The last line was cut short (the process died while writing it); it was dropped.
    pub torn_tail: bool,
    /// Bytes up to the end of the last complete record.
    valid_len: u64,
}

#[derive(Debug)]
pub struct JournalError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub cause: String,
}

impl JournalError {
    fn io(path: &Path, e: io::Error) -> Self {
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

/// Reads a journal. Only the last line may be incomplete; that is what a crash mid-write
/// leaves, and it is dropped. Anything else that does not parse is an error naming the line.
pub fn read(path: &Path) -> Result<Replay, JournalError> {
    let bytes = std::fs::read(path).map_err(|e| JournalError::io(path, e))?;
    let mut records = Vec::new();
    let mut torn_tail = false;
    let mut valid_len = 0u64;
    let mut offset = 0usize;
    let mut number = 0usize;
    while offset < bytes.len() {
        number += 1;
        let rest = &bytes[offset..];
        let (line, complete) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => (&rest[..end], true),
            None => (rest, false),
        };
        offset += line.len() + usize::from(complete);
        if line.iter().all(u8::is_ascii_whitespace) {
            if complete {
                valid_len = offset as u64;
            }
            continue;
        }
        if !complete {
            // The append never returned, so nothing after it happened: drop it even if it parses.
            torn_tail = true;
            break;
        }
        match serde_json::from_slice::<Record>(line) {
            Ok(record) => {
                records.push(record);
                valid_len = offset as u64;
            }
            Err(e) => {
                return Err(JournalError {
                    path: path.to_path_buf(),
                    line: Some(number),
                    cause: format!("not a journal record: {e}"),
                });
            }
        }
    }
    Ok(Replay {
        records,
        torn_tail,
        valid_len,
    })
}

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
    pub fn started(&self) -> Option<(&str, u8, &str, Option<&Basis>)> {
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

    /// The last attempt of each step's request (dry runs aside): whether it was answered,
    /// how, and what the cluster showed before it left.
    pub fn attempts(&self) -> BTreeMap<usize, Attempt> {
        let mut last: BTreeMap<usize, Attempt> = BTreeMap::new();
        let mut dry = false;
        for record in &self.records {
            match record {
                Record::Request {
                    step,
                    target,
                    seen_change,
                    ..
                } => {
                    dry = target.contains("dryRun=true");
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
    pub region: Option<u8>,
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

/// Every run in `dir`, oldest first by file name; unreadable journals are listed with their error.
pub fn list(dir: &Path) -> io::Result<Vec<(PathBuf, Result<RunSummary, JournalError>)>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|p| {
            let summary = read(&p).map(|r| r.summary());
            (p, summary)
        })
        .collect())
}

/// The documented failover RTO: processing back within a minute (dual-region-procedure.md §4).
pub const FAILOVER_RTO_MS: i64 = 60_000;

fn seconds(ms: Option<i64>) -> String {
    ms.map_or("-".into(), |ms| format!("{:.1}s", ms as f64 / 1000.0))
}

fn outcome_word(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Completed) => "completed",
        Some(Outcome::Failed) => "failed",
        Some(Outcome::Aborted) => "aborted",
        None => "unfinished",
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
            format!("{:?}", st.state).to_lowercase(),
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

    fn at(record: Record, ts: &str) -> Record {
        let ts = ts.to_string();
        match record {
            Record::RunStarted {
                run,
                procedure,
                region,
                camunda,
                ..
            } => Record::RunStarted {
                run,
                procedure,
                region,
                camunda,
                at: ts,
                basis: None,
            },
            Record::Step {
                step,
                name,
                state,
                detail,
                ..
            } => Record::Step {
                step,
                name,
                state,
                detail,
                at: ts,
            },
            Record::Request {
                step,
                method,
                target,
                seen_change,
                ..
            } => Record::Request {
                step,
                method,
                target,
                at: ts,
                seen_change,
            },
            Record::Response {
                step,
                status,
                detail,
                verdict,
                change_id,
                ..
            } => Record::Response {
                step,
                status,
                detail,
                at: ts,
                verdict,
                change_id,
            },
            Record::SnapshotDocs { step, docs, .. } => Record::SnapshotDocs { step, at: ts, docs },
            Record::RunEnded { outcome, .. } => Record::RunEnded {
                outcome,
                at: ts,
                own_ms: None,
            },
        }
    }

    fn failover_run(dir: &Path) -> Journal {
        let mut j = Journal::create(dir, "failover-1").unwrap();
        for r in [
            at(
                Record::run_started("failover-1", "failover", 1, "8.8"),
                "2026-11-27T10:00:00Z",
            ),
            at(
                Record::step(0, "confirm loss", StepState::Checking, None),
                "2026-11-27T10:00:00Z",
            ),
            at(
                Record::step(0, "confirm loss", StepState::Done, None),
                "2026-11-27T10:00:01.5Z",
            ),
            at(
                Record::step(1, "remove brokers", StepState::Running, None),
                "2026-11-27T10:00:02Z",
            ),
            at(
                Record::request(
                    1,
                    "PATCH",
                    "http://127.0.0.1:9600/actuator/cluster?force=true",
                ),
                "2026-11-27T10:00:02Z",
            ),
        ] {
            j.append(&r).unwrap();
        }
        j
    }

    #[test]
    fn records_round_trip_and_unanswered_requests_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let j = failover_run(dir.path());
        let replay = read(j.path()).unwrap();
        assert_eq!(replay.records.len(), 5);
        assert!(!replay.torn_tail);
        assert_eq!(
            replay.unanswered_requests(),
            vec![(
                1,
                "PATCH",
                "http://127.0.0.1:9600/actuator/cluster?force=true"
            )]
        );
        assert_eq!(replay.step_states().get(&1), Some(&StepState::Running));
    }

    #[test]
    fn an_answer_closes_the_request() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = failover_run(dir.path());
        j.append(&Record::response(1, Some(202), None)).unwrap();
        assert!(read(j.path()).unwrap().unanswered_requests().is_empty());
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_reopen_continues_on_a_fresh_line() {
        let dir = tempfile::tempdir().unwrap();
        let j = failover_run(dir.path());
        let path = j.path().to_path_buf();
        drop(j);
        // What a crash in the middle of write_all leaves, even a prefix that happens to parse.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"event":"response","step":1,"status":202,"at":"2026-11"#)
            .unwrap();
        drop(f);

        let replay = read(&path).unwrap();
        assert!(replay.torn_tail);
        assert_eq!(replay.records.len(), 5);
        assert_eq!(
            replay.unanswered_requests().len(),
            1,
            "the torn answer does not count"
        );

        let (mut j, replay) = Journal::reopen(&path).unwrap();
        assert!(replay.torn_tail);
        j.append(&Record::response(1, Some(202), None)).unwrap();
        let after = read(&path).unwrap();
        assert!(!after.torn_tail);
        assert_eq!(after.records.len(), 6);
        assert!(after.unanswered_requests().is_empty());
    }

    #[test]
    fn a_bad_line_before_the_end_is_corruption_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        let good = serde_json::to_string(&Record::run_ended(Outcome::Completed)).unwrap();
        std::fs::write(
            &path,
            format!("{good}\n{{\"event\":\"nonsense\"}}\n{good}\n"),
        )
        .unwrap();
        let err = read(&path).unwrap_err();
        assert_eq!(err.line, Some(2));
        let text = err.to_string();
        assert!(text.contains("x.jsonl:2"), "{text}");
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
    fn run_ids_cannot_escape_the_runs_directory() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "../x", "a/b", ".hidden"] {
            assert!(Journal::create(dir.path(), bad).is_err(), "{bad:?}");
        }
        Journal::create(dir.path(), "ok").unwrap();
        assert!(
            Journal::create(dir.path(), "ok").is_err(),
            "an existing run is never overwritten"
        );
    }

    #[test]
    fn summary_times_steps_and_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = failover_run(dir.path());
        for r in [
            at(
                Record::response(1, Some(202), None),
                "2026-11-27T10:00:02.2Z",
            ),
            at(
                Record::step(1, "remove brokers", StepState::Done, None),
                "2026-11-27T10:00:05Z",
            ),
            at(
                Record::run_ended(Outcome::Completed),
                "2026-11-27T10:00:05.5Z",
            ),
        ] {
            j.append(&r).unwrap();
        }
        let s = read(j.path()).unwrap().summary();
        assert_eq!(s.run.as_deref(), Some("failover-1"));
        assert_eq!(s.region, Some(1));
        assert_eq!(s.outcome, Some(Outcome::Completed));
        assert_eq!(s.total_ms, Some(5_500));
        let durations: Vec<_> = s.steps.iter().map(|st| (st.step, st.duration_ms)).collect();
        assert_eq!(durations, vec![(0, Some(1_500)), (1, Some(3_000))]);
        let text = render_run(&s);
        assert!(
            text.contains("remove brokers") && text.contains("3.0s"),
            "{text}"
        );
        assert!(
            text.contains("within the documented failover RTO of 60.0s"),
            "{text}"
        );
    }

    #[test]
    fn list_reports_every_run_and_names_the_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        failover_run(dir.path());
        std::fs::write(dir.path().join("broken.jsonl"), "not json\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let runs = list(dir.path()).unwrap();
        assert_eq!(runs.len(), 2);
        assert!(runs[0].1.as_ref().is_err_and(|e| e.line == Some(1)));
        assert!(runs[1].1.as_ref().is_ok_and(|s| s.outcome.is_none()));
        assert!(list(&dir.path().join("missing")).unwrap().is_empty());
        let text = render_list(&runs);
        assert!(
            text.contains("broken") && text.contains("unreadable") && text.contains(":1:"),
            "{text}"
        );
        assert!(
            text.contains("failover-1") && text.contains("unfinished"),
            "{text}"
        );
        assert_eq!(render_list(&[]), "no runs journaled yet\n");
    }
}
