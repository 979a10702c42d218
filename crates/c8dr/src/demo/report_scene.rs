//! The incident record scene (`:report` in the cockpit, issue 16 §5): a failover of paris as
//! its journal, audit trail and history would hold it, at fixed times before the scenes' clock,
//! so the screenshot and the snapshot tests are deterministic.

use crate::api::Region;
use crate::incident::history::{Entry as Shown, HLevel};
use crate::incident::record::{self, IncidentRecord};
use crate::runbook::audit::Entry as Audit;
use crate::runbook::journal::{Outcome, Record, StepState};
use crate::tui::app::{App, Mode};

const RUN: &str = "failover-r1-20261127t115840";

/// `secs` before the scenes' clock, as the books write times.
fn ago(secs: i64) -> String {
    (super::scenes::clock() - jiff::SignedDuration::from_millis(secs * 1000)).to_string()
}

fn step(i: usize, name: &str, state: StepState, at: i64, detail: Option<&str>) -> Record {
    Record::Step {
        step: i,
        name: name.into(),
        state,
        at: ago(at),
        detail: detail.map(str::to_string),
    }
}

fn journal() -> Vec<Record> {
    let (fo0, fo1, fo2) = (
        "FO-0 Confirm paris is lost",
        "FO-1 Force-remove paris's brokers 1, 3, 5, 7",
        "FO-2 Disable exporter camundaregion1 (writes to paris)",
    );
    vec![
        Record::RunStarted {
            run: RUN.into(),
            procedure: "failover".into(),
            region: Region::ONE,
            camunda: "8.8.2".into(),
            at: ago(80),
            basis: None,
        },
        step(0, fo0, StepState::Checking, 80, None),
        step(
            0,
            fo0,
            StepState::Done,
            79,
            Some("region1 paris does not answer; london's fresh topology lists brokers 0,2,4,6"),
        ),
        step(1, fo1, StepState::Checking, 79, None),
        step(
            1,
            fo1,
            StepState::Ready,
            78,
            Some("FORCE step: waiting for confirmation"),
        ),
        step(1, fo1, StepState::Running, 62, None),
        Record::Request {
            step: 1,
            method: "PATCH".into(),
            target: "https://zeebe.london:9600/actuator/cluster?force=true".into(),
            at: ago(62),
            seen_change: Some(1),
            dry_run: false,
            aside: false,
        },
        Record::Response {
            step: 1,
            status: Some(202),
            at: ago(62),
            detail: None,
            verdict: Some("success".into()),
            change_id: Some(2),
        },
        step(
            1,
            fo1,
            StepState::Done,
            50,
            Some("brokers 1,3,5,7 are no members; cluster size 4, replication factor 2"),
        ),
        step(2, fo2, StepState::Checking, 50, None),
        step(2, fo2, StepState::Running, 45, None),
        step(2, fo2, StepState::Done, 41, Some("camundaregion1 DISABLED")),
        Record::RunEnded {
            outcome: Outcome::Completed,
            at: ago(40),
            own_ms: Some(22_000),
        },
    ]
}

fn audit() -> Vec<Audit> {
    let entry = |at: i64, step: &str, kind: &str, outcome: &str| {
        let mut e = Audit::new("alice", RUN, step, Region::ZERO, kind, outcome);
        e.at = ago(at);
        e
    };
    let mut approve = entry(62, "FO-1", "approve", "approved");
    approve.detail = Some("FORCE step approved with the region's name typed by alice".into());
    let mut force = entry(62, "FO-1", "request", "ok");
    force.method = Some("PATCH".into());
    force.target = Some("https://zeebe.london:9600/actuator/cluster?force=true".into());
    force.status = Some(202);
    force.duration_ms = Some(48);
    vec![approve, force]
}

fn history() -> Vec<Shown> {
    let verdict = |at: i64, level: HLevel, why: &str, processing: &str| Shown::Verdict {
        at: ago(at),
        level,
        reasons: vec![why.into()],
        processing: processing.into(),
        by: "cockpit".into(),
    };
    vec![
        verdict(200, HLevel::Ok, "", "active"),
        verdict(
            125,
            HLevel::Critical,
            "region1 paris unreachable; processing halted",
            "halted",
        ),
        Shown::Event {
            at: ago(125),
            level: HLevel::Critical,
            text: "8 partitions lost quorum (1,2,3,4,5,6,7,8)".into(),
            by: "cockpit".into(),
        },
        verdict(
            55,
            HLevel::Warning,
            "region1 paris unreachable; its 4 brokers missing",
            "active",
        ),
    ]
}

/// The scene's record.
pub fn example() -> IncidentRecord {
    record::build(RUN, &journal(), &audit(), &history())
}

/// Opens the record over the dashboard, as `:report` does.
pub fn open(app: &mut App) {
    let r = example();
    app.report = Some(crate::tui::report::Pane::new(
        &r.run,
        &crate::incident::markdown::render(&r),
    ));
    app.mode = Mode::Report;
}
