//! The record builder on a fixed journal, audit trail and history of a failover of paris.

use super::*;
use crate::runbook::journal::Outcome;

fn step(i: usize, name: &str, state: StepState, at: &str, detail: Option<&str>) -> Record {
    Record::Step {
        step: i,
        name: name.into(),
        state,
        at: at.into(),
        detail: detail.map(str::to_string),
    }
}

fn t(hms: &str) -> String {
    format!("2026-12-01T{hms}Z")
}

fn journal() -> Vec<Record> {
    let fo0 = "FO-0 Confirm the loss of paris";
    let fo1 = "FO-1 Remove the lost brokers";
    let fo2 = "FO-2 Disable the lost exporter";
    vec![
        Record::RunStarted {
            run: "failover-r1-x".into(),
            procedure: "failover".into(),
            region: Region::ONE,
            camunda: "8.8.0".into(),
            at: t("08:01:30"),
            basis: None,
        },
        step(0, fo0, StepState::Checking, &t("08:01:30"), None),
        step(
            0,
            fo0,
            StepState::Done,
            &t("08:01:31"),
            Some("brokers 1, 3, 5, 7 absent from london's topology"),
        ),
        step(1, fo1, StepState::Checking, &t("08:01:31"), None),
        step(
            1,
            fo1,
            StepState::Ready,
            &t("08:01:32"),
            Some("FORCE step: waiting for confirmation"),
        ),
        step(1, fo1, StepState::Running, &t("08:01:40"), None),
        Record::Request {
            step: 1,
            method: "PATCH".into(),
            target: "http://gw:9600/actuator/cluster?force=true".into(),
            at: t("08:01:40.100"),
            seen_change: Some(4),
            dry_run: false,
            aside: false,
        },
        Record::Response {
            step: 1,
            status: Some(202),
            at: t("08:01:40.300"),
            detail: None,
            verdict: Some("success".into()),
            change_id: Some(5),
        },
        step(
            1,
            fo1,
            StepState::Done,
            &t("08:01:50"),
            Some("change #5 COMPLETED; brokers 1, 3, 5, 7 removed"),
        ),
        step(2, fo2, StepState::Checking, &t("08:01:50"), None),
        step(
            2,
            fo2,
            StepState::Skipped,
            &t("08:01:55"),
            Some("skipped by the operator: done by hand"),
        ),
        Record::RunEnded {
            outcome: Outcome::Completed,
            at: t("08:02:00"),
            own_ms: Some(20_000),
        },
    ]
}

fn audit(run: &str, at: &str, kind: &str, outcome: &str, step: &str) -> AuditEntry {
    let mut e = AuditEntry::new("ops", run, step, Region::ZERO, kind, outcome);
    e.at = at.into();
    e
}

fn trail() -> Vec<AuditEntry> {
    let mut lease = audit(
        "failover-r1-x",
        &t("08:01:30.500"),
        "lease",
        "taken",
        "lease",
    );
    lease.target = Some("leases/c8dr-run".into());
    let mut approve = audit(
        "failover-r1-x",
        &t("08:01:40"),
        "approve",
        "approved",
        "FO-1",
    );
    approve.detail = Some("FORCE step approved by ops: the region's name typed".into());
    let mut request = audit("failover-r1-x", &t("08:01:40.300"), "request", "ok", "FO-1");
    request.method = Some("PATCH".into());
    request.target = Some("http://gw:9600/actuator/cluster?force=true".into());
    request.status = Some(202);
    request.duration_ms = Some(200);
    let mut skip = audit("failover-r1-x", &t("08:01:55"), "skip", "skipped", "FO-2");
    skip.detail = Some("done by hand (after: refused: …)".into());
    vec![
        audit("someone-else", &t("08:01:35"), "request", "ok", "FO-1"),
        lease,
        approve,
        request,
        skip,
    ]
}

fn verdict(at: &str, level: HLevel, by: &str) -> history::Entry {
    history::Entry::Verdict {
        at: at.into(),
        level,
        reasons: vec![format!("{} reason", level.word())],
        processing: "halted".into(),
        by: by.into(),
    }
}

fn event(at: &str, text: &str) -> history::Entry {
    history::Entry::Event {
        at: at.into(),
        level: HLevel::Critical,
        text: text.into(),
        by: "cockpit".into(),
    }
}

fn history() -> Vec<history::Entry> {
    vec![
        // An earlier incident, over before this one.
        verdict(&t("07:00:00"), HLevel::Critical, "cockpit"),
        verdict(&t("07:05:00"), HLevel::Ok, "cockpit"),
        verdict(&t("08:00:00"), HLevel::Ok, "cockpit"),
        verdict(&t("08:01:00"), HLevel::Warning, "cockpit"),
        event(&t("08:01:05"), "region1 paris unreachable"),
        verdict(&t("08:01:10"), HLevel::Critical, "cockpit"),
        // A run observing, written by another process, out of order in the file.
        verdict(&t("08:01:31"), HLevel::Critical, "run"),
        verdict(&t("08:02:30"), HLevel::Ok, "cockpit"),
        // Long after: not this run's.
        verdict(&t("08:20:00"), HLevel::Warning, "cockpit"),
    ]
}

#[test]
fn timings_follow_the_definitions() {
    let r = build("failover-r1-x", &journal(), &trail(), &history());
    let tm = &r.timings;
    assert_eq!(tm.incident_seen_at.as_deref(), Some(t("08:01:00").as_str()));
    assert_eq!(
        tm.first_critical_at.as_deref(),
        Some(t("08:01:10").as_str())
    );
    assert_eq!(tm.detect_ms, Some(20_000), "first critical → run start");
    assert_eq!(tm.first_action_at.as_deref(), Some(t("08:01:40").as_str()));
    assert_eq!(tm.decide_ms, Some(10_000), "run start → FO-1 approved");
    assert_eq!(tm.act_ms, Some(20_000));
    assert_eq!(tm.total_ms, Some(30_000));
    assert_eq!(tm.own_ms, Some(20_000));
    assert_eq!(tm.operator_ms, Some(10_000));
    assert_eq!(tm.restore_ms, None);
    assert_eq!(r.outcome, "completed");
    let run = r.phases.iter().find(|p| p.name == "run").unwrap();
    assert_eq!(run.limit_ms, Some(60_000));
    assert_eq!(run.judged.as_deref(), Some("within"));
    let detect = r.phases.iter().find(|p| p.name == "detect").unwrap();
    assert_eq!(detect.judged, None, "Camunda documents no per-phase target");
    assert!(r.target.as_ref().unwrap().source.contains("8.8"));
}

#[test]
fn the_history_shown_is_the_incident_leading_into_the_run_and_shortly_after() {
    let r = build("failover-r1-x", &journal(), &trail(), &history());
    let shown: Vec<&str> = r.history.iter().map(|e| e.at()).collect();
    assert_eq!(
        shown,
        vec![
            t("08:01:00"),
            t("08:01:05"),
            t("08:01:10"),
            t("08:01:31"),
            t("08:02:30")
        ]
    );
}

#[test]
fn steps_carry_their_evidence_and_requests_and_the_audit_is_split_into_decisions_and_requests() {
    let r = build("failover-r1-x", &journal(), &trail(), &history());
    assert_eq!(r.steps.len(), 3);
    let fo1 = &r.steps[1];
    assert_eq!(fo1.name, "FO-1 Remove the lost brokers");
    assert_eq!(fo1.state, StepState::Done);
    assert_eq!(fo1.duration_ms, Some(19_000));
    assert_eq!(
        fo1.evidence.as_deref(),
        Some("change #5 COMPLETED; brokers 1, 3, 5, 7 removed")
    );
    assert_eq!(fo1.requests.len(), 1);
    let req = &fo1.requests[0];
    assert_eq!(
        (req.status, req.change_id, req.verdict.as_deref()),
        (Some(202), Some(5), Some("success"))
    );
    assert_eq!(r.steps[2].state, StepState::Skipped);
    let kinds: Vec<&str> = r.decisions.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(kinds, vec!["lease", "approve", "skip"]);
    assert_eq!(
        r.requests.len(),
        1,
        "another run's request is not this run's"
    );
    assert_eq!(r.requests[0].method.as_deref(), Some("PATCH"));
}

#[test]
fn the_timeline_holds_every_record_and_entry_in_its_own_order_with_its_own_time() {
    let j = journal();
    let r = build("failover-r1-x", &j, &trail(), &history());
    let of = |src: &str| -> Vec<String> {
        r.timeline
            .iter()
            .filter(|i| i.source == src)
            .map(|i| i.at.clone())
            .collect()
    };
    let journal_times: Vec<String> = j.iter().map(|x| record_at(x).to_string()).collect();
    assert_eq!(of("journal"), journal_times);
    let audit_times: Vec<String> = trail()
        .iter()
        .filter(|e| e.run == "failover-r1-x")
        .map(|e| e.at.clone())
        .collect();
    assert_eq!(of("audit"), audit_times);
    assert_eq!(of("history").len(), r.history.len());
    let times: Vec<i64> = r.timeline.iter().map(|i| ms(&i.at).unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["steps"][1]["state"], "done");
}

#[test]
fn what_cannot_be_told_is_said_not_guessed() {
    let mut j = journal();
    j.pop();
    let r = build("failover-r1-x", &j, &[], &[]);
    assert_eq!(r.outcome, "unfinished");
    assert_eq!(r.ended_at, None);
    assert_eq!(r.timings.detect_ms, None);
    assert_eq!(r.timings.total_ms, Some(25_000), "to the last record");
    assert!(
        r.notes.iter().any(|n| n.contains("no history")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("did not end")),
        "{:?}",
        r.notes
    );
    // A history without a critical verdict before the run.
    let calm = vec![verdict(&t("08:00:00"), HLevel::Ok, "cockpit")];
    let r = build("failover-r1-x", &journal(), &[], &calm);
    assert_eq!(r.timings.detect_ms, None);
    assert!(
        r.notes.iter().any(|n| n.contains("no CRITICAL")),
        "{:?}",
        r.notes
    );
    // Only the run itself saw it (a `c8dr failover` without a cockpit).
    let own = vec![verdict(&t("08:01:31"), HLevel::Critical, "run")];
    let r = build("failover-r1-x", &journal(), &[], &own);
    assert_eq!(r.timings.detect_ms, None);
    assert!(
        r.notes.iter().any(|n| n.contains("detected outside c8dr")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.history.len(), 1, "what the run saw is shown");
}

#[test]
fn a_failback_target_adds_the_measured_backup_and_restore_time() {
    let fb = |i: usize, name: &str, target: &str, from: &str, to: &str| {
        vec![
            step(i, name, StepState::Running, &t(from), None),
            Record::Request {
                step: i,
                method: "PUT".into(),
                target: target.into(),
                at: t(from),
                seen_change: None,
                dry_run: false,
                aside: false,
            },
            step(i, name, StepState::Done, &t(to), None),
        ]
    };
    let mut j = vec![Record::RunStarted {
        run: "fb".into(),
        procedure: "failback".into(),
        region: Region::ONE,
        camunda: "8.8.0".into(),
        at: t("09:00:00"),
        basis: None,
    }];
    j.extend(fb(
        3,
        "FB-4 Snapshot",
        "http://es0:9200/_snapshot/repo/snap",
        "09:01:00",
        "09:03:00",
    ));
    j.extend(fb(
        4,
        "FB-5 Restore",
        "http://es1:9200/_snapshot/repo/snap/_restore",
        "09:03:00",
        "09:06:00",
    ));
    j.push(Record::RunEnded {
        outcome: Outcome::Completed,
        at: t("09:09:00"),
        own_ms: None,
    });
    let r = build("fb", &j, &[], &[]);
    assert_eq!(r.timings.restore_ms, Some(300_000));
    let run = r.phases.iter().find(|p| p.name == "run").unwrap();
    assert_eq!(run.limit_ms, Some(600_000), "5 min + X");
    assert_eq!(run.judged.as_deref(), Some("within"));
}
