//! The incident record of one runbook run (issue 16 §5), built from what c8dr wrote down while
//! it happened: the run's journal (steps, their evidence, every request and answer), the audit
//! trail (every request, approval, refusal, override, skip and lease), and the cockpit's
//! history (the verdicts and events it showed). Pure: the files are read by
//! [`super::load`]; the words are [`super::markdown`]; the JSON is this structure
//! (docs/report.md documents it).
//!
//! The definitions (docs/report.md says the same):
//! - the incident as c8dr saw it starts with the first verdict that was not OK in the stretch of
//!   not-OK verdicts that leads into the run's start;
//! - time to detect: from the first CRITICAL verdict of that stretch to the run's start;
//! - time to decide: from the run's start to the first step that acts being approved and
//!   started (its `running` record in the journal; the audit's approval names who);
//! - act: from then to the run's end; the run: start to end; c8dr's own time: the run without
//!   the waits for the operator (journaled at its end).

use super::history::{self, HLevel};
use super::targets::{self, Target};
use crate::api::Region;
use crate::runbook::audit::Entry as AuditEntry;
use crate::runbook::journal::{Record, StepState};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON form (docs/report.md).
pub const SCHEMA: u32 = 1;

/// How far before the run the history is shown when no incident stretch leads into it.
pub const LOOKBACK_MS: i64 = 10 * 60_000;
/// The most history before the run that is shown, however long the verdict was not OK.
pub const MAX_LOOKBACK_MS: i64 = 60 * 60_000;
/// How long after the run's end the history is shown (the recovery as the cockpit saw it).
pub const TAIL_MS: i64 = 2 * 60_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRecord {
    pub schema: u32,
    pub run: String,
    pub procedure: Option<String>,
    pub region: Option<Region>,
    pub camunda: Option<String>,
    pub started_at: Option<String>,
    /// The run's end record; `None` for a run that did not end (crashed, or still going).
    pub ended_at: Option<String>,
    /// `completed`, `failed`, `aborted` or `unfinished`.
    pub outcome: String,
    pub timings: Timings,
    pub target: Option<Target>,
    pub phases: Vec<Phase>,
    /// What the cockpit (or a run) showed from before the run to shortly after it.
    pub history: Vec<history::Entry>,
    pub steps: Vec<StepRecord>,
    /// Approvals, refusals, overrides, skips and lease decisions, from the audit trail.
    pub decisions: Vec<AuditEntry>,
    /// Every request the audit trail holds for the run (HTTP, scale, pod deletion).
    pub requests: Vec<AuditEntry>,
    /// Journal, audit and history merged by time, each in its own order.
    pub timeline: Vec<TimelineItem>,
    /// What the record could not tell, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Timings {
    /// The first not-OK verdict of the stretch that leads into the run.
    pub incident_seen_at: Option<String>,
    pub first_critical_at: Option<String>,
    /// The first step that acts approved and started.
    pub first_action_at: Option<String>,
    pub detect_ms: Option<i64>,
    pub decide_ms: Option<i64>,
    pub act_ms: Option<i64>,
    /// Run start to run end (to the last record of a run that did not end).
    pub total_ms: Option<i64>,
    pub own_ms: Option<i64>,
    pub operator_ms: Option<i64>,
    /// X of a failback: the steps that took the Elasticsearch snapshot and restored it.
    pub restore_ms: Option<i64>,
}

/// One measured phase, and its documented target if Camunda documents one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub duration_ms: Option<i64>,
    /// The limit it is judged against (the RTO, with X for a failback), if any.
    pub limit_ms: Option<i64>,
    /// `within`, `over`, or `None` when not judged.
    pub judged: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub index: usize,
    /// The key and title as journaled (`FO-1 Remove the lost brokers`).
    pub name: String,
    pub state: StepState,
    pub started_at: Option<String>,
    /// When it reached its last final state.
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
    /// The detail of its last state: what c8dr saw that made it done, skipped or failed.
    pub evidence: Option<String>,
    pub transitions: Vec<Transition>,
    pub requests: Vec<RequestRecord>,
    /// Documents per index before the snapshot (the failback's snapshot step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_docs: Option<BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub at: String,
    pub state: StepState,
    pub detail: Option<String>,
}

/// A request as the journal tells it: before it left, and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    pub at: String,
    pub method: String,
    pub target: String,
    pub dry_run: bool,
    pub aside: bool,
    pub answered_at: Option<String>,
    pub status: Option<u16>,
    pub verdict: Option<String>,
    pub change_id: Option<i64>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineItem {
    pub at: String,
    /// `journal`, `audit` or `history`.
    pub source: String,
    /// The step it belongs to (journal and audit), as its key or name.
    pub step: Option<String>,
    pub what: String,
}

/// Milliseconds from `a` to `b`, when both parse.
fn span(a: Option<&str>, b: Option<&str>) -> Option<i64> {
    let (a, b) = (ts(a?)?, ts(b?)?);
    Some(b.as_millisecond() - a.as_millisecond())
}

fn ts(s: &str) -> Option<jiff::Timestamp> {
    s.parse().ok()
}

fn ms(s: &str) -> Option<i64> {
    ts(s).map(|t| t.as_millisecond())
}

pub fn record_at(r: &Record) -> &str {
    match r {
        Record::RunStarted { at, .. }
        | Record::Step { at, .. }
        | Record::Request { at, .. }
        | Record::Response { at, .. }
        | Record::SnapshotDocs { at, .. }
        | Record::RunEnded { at, .. } => at,
    }
}

/// The record of run `run` from its journal `records`, the whole audit trail (entries of
/// other runs are left out here) and the whole history.
pub fn build(
    run: &str,
    records: &[Record],
    audit: &[AuditEntry],
    history: &[history::Entry],
) -> IncidentRecord {
    let mut notes = vec![];
    let audit: Vec<&AuditEntry> = audit.iter().filter(|e| e.run == run).collect();
    let started = records.iter().find_map(|r| match r {
        Record::RunStarted {
            procedure,
            region,
            camunda,
            at,
            ..
        } => Some((procedure.clone(), *region, camunda.clone(), at.clone())),
        _ => None,
    });
    let (procedure, region, camunda, started_at) = match started {
        Some((p, r, c, a)) => (Some(p), Some(r), Some(c), Some(a)),
        None => {
            notes.push("the journal has no start record".into());
            (None, None, None, None)
        }
    };
    let ended = records.iter().rev().find_map(|r| match r {
        Record::RunEnded {
            outcome,
            at,
            own_ms,
        } => Some((*outcome, at.clone(), *own_ms)),
        _ => None,
    });
    let last_at = records.last().map(|r| record_at(r).to_string());
    let end_at = ended.as_ref().map(|e| e.1.clone()).or(last_at);
    if ended.is_none() {
        notes.push(
            "the run did not end (it crashed, was stopped, or still goes on): times run to its last record"
                .into(),
        );
    }

    let steps = steps(records);
    let first_action_at = records.iter().find_map(|r| match r {
        Record::Step {
            state: StepState::Running,
            at,
            ..
        } => Some(at.clone()),
        _ => None,
    });

    // The history, in time order (several writers may interleave).
    let mut hist: Vec<&history::Entry> = history.iter().collect();
    hist.sort_by_key(|e| ms(e.at()).unwrap_or(i64::MIN));
    let start_ms = started_at.as_deref().and_then(ms);
    let (seen_at, critical_at) = match start_ms {
        Some(s) => onset(&hist, s),
        None => (None, None),
    };
    if history.is_empty() {
        notes.push(
            "no history of verdicts: no cockpit or run observed while this happened (time to detect cannot be told)"
                .into(),
        );
    } else if critical_at.is_none() {
        let seen_by_the_run_only = start_ms.is_some_and(|s| {
            hist.iter().any(|e| {
                matches!(
                    e,
                    history::Entry::Verdict {
                        level: HLevel::Critical,
                        ..
                    }
                ) && ms(e.at()).is_some_and(|a| a > s)
            })
        });
        notes.push(if seen_by_the_run_only {
            "the first CRITICAL verdict in the history is the run's own, after it started: no cockpit watched before, so the incident was detected outside c8dr (time to detect cannot be told)"
                .into()
        } else {
            "no CRITICAL verdict in the history leading into the run (time to detect cannot be told)"
                .into()
        });
    }
    let window_from = match (start_ms, seen_at.as_deref().and_then(ms)) {
        (Some(s), Some(seen)) => Some(seen.max(s - MAX_LOOKBACK_MS)),
        (Some(s), None) => Some(s - LOOKBACK_MS),
        _ => None,
    };
    let window_to = end_at.as_deref().and_then(ms).map(|e| e + TAIL_MS);
    let shown: Vec<history::Entry> = hist
        .iter()
        .filter(|e| {
            let at = ms(e.at());
            window_from.is_some_and(|f| at.is_some_and(|a| a >= f))
                && window_to.is_none_or(|t| at.is_some_and(|a| a <= t))
        })
        .map(|e| (*e).clone())
        .collect();

    let total_ms = span(started_at.as_deref(), end_at.as_deref());
    let own_ms = ended.as_ref().and_then(|e| e.2).map(|m| m as i64);
    let restore_ms = restore_time(&steps);
    let timings = Timings {
        detect_ms: span(critical_at.as_deref(), started_at.as_deref()),
        decide_ms: span(started_at.as_deref(), first_action_at.as_deref()),
        act_ms: span(first_action_at.as_deref(), end_at.as_deref()),
        total_ms,
        own_ms,
        operator_ms: total_ms.zip(own_ms).map(|(t, o)| (t - o).max(0)),
        restore_ms,
        incident_seen_at: seen_at,
        first_critical_at: critical_at,
        first_action_at,
    };
    let target = match (&procedure, &camunda) {
        (Some(p), Some(c)) => targets::documented(p, c),
        _ => None,
    };
    if target.is_none() {
        notes.push(format!(
            "no documented RTO for a {} of Camunda {}",
            procedure.as_deref().unwrap_or("?"),
            camunda.as_deref().unwrap_or("?")
        ));
    }
    let phases = phases(
        &timings,
        target.as_ref(),
        started_at.as_deref(),
        end_at.as_deref(),
    );
    let (requests, decisions): (Vec<AuditEntry>, Vec<AuditEntry>) = audit
        .iter()
        .map(|e| (*e).clone())
        .partition(|e| matches!(e.kind.as_str(), "request" | "scale" | "delete-pod"));
    let timeline = timeline(records, &steps, &audit, &shown);
    IncidentRecord {
        schema: SCHEMA,
        run: run.to_string(),
        procedure,
        region,
        camunda,
        started_at,
        ended_at: ended.as_ref().map(|e| e.1.clone()),
        outcome: ended.map_or("unfinished", |e| e.0.word()).to_string(),
        timings,
        target,
        phases,
        history: shown,
        steps,
        decisions,
        requests,
        timeline,
        notes,
    }
}

/// The incident as the history saw it before `start`: the first not-OK verdict of the
/// stretch of not-OK verdicts that leads into the run, and the first CRITICAL one in it.
fn onset(hist: &[&history::Entry], start: i64) -> (Option<String>, Option<String>) {
    let verdicts: Vec<&history::Entry> = hist
        .iter()
        .copied()
        .filter(|e| matches!(e, history::Entry::Verdict { .. }))
        .filter(|e| ms(e.at()).is_some_and(|a| a <= start))
        .collect();
    let stretch_from = verdicts
        .iter()
        .rposition(|e| e.level() == HLevel::Ok)
        .map_or(0, |i| i + 1);
    let stretch = &verdicts[stretch_from..];
    let seen = stretch.first().map(|e| e.at().to_string());
    let critical = stretch
        .iter()
        .find(|e| e.level() == HLevel::Critical)
        .map(|e| e.at().to_string());
    (seen, critical)
}

/// The steps as the journal tells them, in plan order.
fn steps(records: &[Record]) -> Vec<StepRecord> {
    let mut steps: BTreeMap<usize, StepRecord> = BTreeMap::new();
    let mut open: Option<usize> = None;
    for r in records {
        match r {
            Record::Step {
                step,
                name,
                state,
                at,
                detail,
            } => {
                let s = steps
                    .entry(*step)
                    .or_insert_with(|| new_step(*step, name, at));
                s.name = name.clone();
                s.state = *state;
                s.transitions.push(Transition {
                    at: at.clone(),
                    state: *state,
                    detail: detail.clone(),
                });
                if state.is_final() {
                    s.ended_at = Some(at.clone());
                    s.duration_ms = span(s.started_at.as_deref(), Some(at));
                    s.evidence = detail.clone();
                }
            }
            Record::Request {
                step,
                method,
                target,
                at,
                dry_run,
                aside,
                ..
            } => {
                let s = steps
                    .entry(*step)
                    .or_insert_with(|| new_step(*step, &format!("step {}", step + 1), at));
                s.requests.push(RequestRecord {
                    at: at.clone(),
                    method: method.clone(),
                    target: target.clone(),
                    dry_run: *dry_run || r.is_dry_run(),
                    aside: *aside,
                    answered_at: None,
                    status: None,
                    verdict: None,
                    change_id: None,
                    detail: None,
                });
                open = Some(*step);
            }
            Record::Response {
                step,
                status,
                at,
                detail,
                verdict,
                change_id,
            } => {
                if open == Some(*step)
                    && let Some(req) = steps.get_mut(step).and_then(|s| s.requests.last_mut())
                {
                    req.answered_at = Some(at.clone());
                    req.status = *status;
                    req.verdict = verdict.clone();
                    req.change_id = *change_id;
                    req.detail = detail.clone();
                }
                open = None;
            }
            Record::SnapshotDocs { step, docs, at } => {
                steps
                    .entry(*step)
                    .or_insert_with(|| new_step(*step, &format!("step {}", step + 1), at))
                    .snapshot_docs = Some(docs.clone());
            }
            Record::RunStarted { .. } | Record::RunEnded { .. } => {}
        }
    }
    steps.into_values().collect()
}

fn new_step(index: usize, name: &str, at: &str) -> StepRecord {
    StepRecord {
        index,
        name: name.to_string(),
        state: StepState::Pending,
        started_at: Some(at.to_string()),
        ended_at: None,
        duration_ms: None,
        evidence: None,
        transitions: vec![],
        requests: vec![],
        snapshot_docs: None,
    }
}

/// X of a failback: the time of the steps that take the Elasticsearch snapshot or restore it
/// (their requests go to `/_snapshot/`).
fn restore_time(steps: &[StepRecord]) -> Option<i64> {
    let times: Vec<i64> = steps
        .iter()
        .filter(|s| {
            s.requests
                .iter()
                .any(|r| !r.dry_run && r.target.contains("/_snapshot/") && r.method != "GET")
        })
        .filter_map(|s| s.duration_ms)
        .collect();
    (!times.is_empty()).then(|| times.iter().sum())
}

fn phases(
    t: &Timings,
    target: Option<&Target>,
    started: Option<&str>,
    ended: Option<&str>,
) -> Vec<Phase> {
    let phase = |name: &str, from: Option<&str>, to: Option<&str>, d: Option<i64>| Phase {
        name: name.to_string(),
        from: from.map(str::to_string),
        to: to.map(str::to_string),
        duration_ms: d,
        limit_ms: None,
        judged: None,
    };
    let limit = target.map(|g| {
        g.limit_ms
            + if g.plus_restore {
                t.restore_ms.unwrap_or(0)
            } else {
                0
            }
    });
    let judge = |mut p: Phase| {
        if let (Some(l), Some(d)) = (limit, p.duration_ms) {
            p.limit_ms = Some(l);
            p.judged = Some(if d <= l { "within" } else { "over" }.into());
        }
        p
    };
    vec![
        phase(
            "detect",
            t.first_critical_at.as_deref(),
            started,
            t.detect_ms,
        ),
        phase("decide", started, t.first_action_at.as_deref(), t.decide_ms),
        phase("act", t.first_action_at.as_deref(), ended, t.act_ms),
        judge(phase("run", started, ended, t.total_ms)),
        judge(phase("c8dr_own", None, None, t.own_ms)),
        phase("operator", None, None, t.operator_ms),
    ]
}

/// The journal, the run's audit entries and the history shown, merged by time; each source
/// keeps its own order (a clock that stepped back does not reorder a file).
fn timeline(
    records: &[Record],
    steps: &[StepRecord],
    audit: &[&AuditEntry],
    shown: &[history::Entry],
) -> Vec<TimelineItem> {
    let name = |i: usize| {
        steps
            .iter()
            .find(|s| s.index == i)
            .map_or_else(|| format!("step {}", i + 1), |s| s.name.clone())
    };
    let journal: Vec<TimelineItem> = records
        .iter()
        .map(|r| TimelineItem {
            at: record_at(r).to_string(),
            source: "journal".into(),
            step: match r {
                Record::Step { step, .. }
                | Record::Request { step, .. }
                | Record::Response { step, .. }
                | Record::SnapshotDocs { step, .. } => Some(name(*step)),
                _ => None,
            },
            what: journal_words(r),
        })
        .collect();
    let audit: Vec<TimelineItem> = audit
        .iter()
        .map(|e| TimelineItem {
            at: e.at.clone(),
            source: "audit".into(),
            step: Some(e.step.clone()),
            what: audit_words(e),
        })
        .collect();
    let history: Vec<TimelineItem> = shown
        .iter()
        .map(|e| TimelineItem {
            at: e.at().to_string(),
            source: "history".into(),
            step: None,
            what: e.words(),
        })
        .collect();
    merge(vec![history, journal, audit])
}

/// Merges lists each in its own order, by time: the earliest head goes first; on a tie the
/// list given first.
fn merge(lists: Vec<Vec<TimelineItem>>) -> Vec<TimelineItem> {
    let mut heads: Vec<std::iter::Peekable<std::vec::IntoIter<TimelineItem>>> = lists
        .into_iter()
        .map(|l| l.into_iter().peekable())
        .collect();
    let mut out = vec![];
    loop {
        let next = heads
            .iter_mut()
            .enumerate()
            .filter_map(|(i, h)| h.peek().map(|x| (i, ms(&x.at).unwrap_or(i64::MIN))))
            .min_by_key(|(i, at)| (*at, *i))
            .map(|(i, _)| i);
        match next.and_then(|i| heads[i].next()) {
            Some(item) => out.push(item),
            None => return out,
        }
    }
}

fn secs(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// A journal record in words.
pub fn journal_words(r: &Record) -> String {
    use crate::runbook::render::state_word;
    let clean = crate::text::clean;
    match r {
        Record::RunStarted {
            procedure,
            region,
            camunda,
            ..
        } => format!("run started: {procedure} of region{region}, Camunda {camunda}"),
        Record::Step { state, detail, .. } => match detail {
            Some(d) => format!("{}: {}", state_word(*state), clean(d)),
            None => state_word(*state).to_string(),
        },
        Record::Request {
            method,
            target,
            dry_run,
            aside,
            ..
        } => format!(
            "request {method} {}{}{}",
            clean(target),
            if *dry_run || r.is_dry_run() {
                " (dry run)"
            } else {
                ""
            },
            if *aside {
                " (aside: cancels what blocks the step)"
            } else {
                ""
            }
        ),
        Record::Response {
            status,
            verdict,
            change_id,
            detail,
            ..
        } => format!(
            "answer {}{}{}{}",
            status.map_or("none".to_string(), |s| s.to_string()),
            verdict
                .as_ref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default(),
            change_id
                .map(|c| format!(" (change #{c})"))
                .unwrap_or_default(),
            detail
                .as_ref()
                .map(|d| format!(": {}", clean(d)))
                .unwrap_or_default()
        ),
        Record::SnapshotDocs { docs, .. } => format!(
            "documents before the snapshot: {} in {} indices",
            docs.values().sum::<u64>(),
            docs.len()
        ),
        Record::RunEnded {
            outcome, own_ms, ..
        } => format!(
            "run ended: {}{}",
            outcome.word(),
            own_ms
                .map(|m| format!(" (c8dr's own time {})", secs(m as i64)))
                .unwrap_or_default()
        ),
    }
}

/// An audit entry in words.
pub fn audit_words(e: &AuditEntry) -> String {
    let clean = crate::text::clean;
    let what = match (&e.method, &e.target) {
        (Some(m), Some(t)) => format!(" {} {}", clean(m), clean(t)),
        (None, Some(t)) => format!(" {}", clean(t)),
        _ => String::new(),
    };
    format!(
        "{} {}{what}{}{}{} by {}",
        clean(&e.kind),
        clean(&e.outcome),
        e.status.map(|s| format!(" → {s}")).unwrap_or_default(),
        e.duration_ms
            .map(|d| format!(" in {d} ms"))
            .unwrap_or_default(),
        e.detail
            .as_ref()
            .map(|d| format!(" ({})", clean(d)))
            .unwrap_or_default(),
        clean(&e.user),
    )
}

#[cfg(test)]
mod tests;
