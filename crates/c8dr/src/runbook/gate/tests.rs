//! The gate alone, over an executor and a ledger that only record what reaches them.

use super::*;
use crate::runbook::plan::{self, Check, tests_support};
use std::sync::{Arc, Mutex};

/// What reached the executor and the ledger.
#[derive(Default)]
struct Seen {
    sent: Vec<String>,
    scaled: Vec<String>,
    journal: Vec<Record>,
    audit: Vec<Entry>,
}

type Shared = Arc<Mutex<Seen>>;

/// Answers every request with `status` and `body`.
struct Fake {
    seen: Shared,
    status: u16,
    body: &'static str,
}

impl Executor for Fake {
    async fn facts(&mut self) -> Facts {
        panic!("the gate reads no facts by itself")
    }

    async fn send(&mut self, req: &Request, _approved: &Approved) -> Result<Answer, SendError> {
        self.seen.lock().unwrap().sent.push(req.path.clone());
        Ok(Answer {
            status: self.status,
            body: self.body.as_bytes().to_vec(),
        })
    }

    async fn scale(&mut self, s: &Scale, _approved: &Approved) -> Result<(), String> {
        self.seen.lock().unwrap().scaled.push(s.deployment.clone());
        Ok(())
    }

    async fn delete_pod(
        &mut self,
        _region: Region,
        _pod: &str,
        _a: &Approved,
    ) -> Result<(), String> {
        Ok(())
    }

    fn target(&self, req: &Request) -> String {
        format!("http://gw:9600{}", req.path)
    }
}

struct Book(Shared);

impl Ledger for Book {
    fn journal(&mut self, record: &Record) -> io::Result<()> {
        self.0.lock().unwrap().journal.push(record.clone());
        Ok(())
    }

    fn audit(&mut self, entry: &Entry) -> io::Result<()> {
        self.0.lock().unwrap().audit.push(entry.clone());
        Ok(())
    }
}

const PLAN: &str =
    r#"{"changeId":7,"currentTopology":[],"plannedChanges":[],"expectedTopology":[]}"#;

fn gate(status: u16, body: &'static str, read_only: bool) -> (Gate<Fake>, Shared) {
    let seen = Shared::default();
    let exec = Fake {
        seen: seen.clone(),
        status,
        body,
    };
    let mut g = Gate::new(exec, Book(seen.clone()), Identity::person("ops"));
    g.bind("failover-r1-x", "paris", read_only);
    (g, seen)
}

/// The 8.8 failover of region 1 (paris): FO-1 forces, FO-2 disables the exporter.
fn failover() -> Vec<Step> {
    plan::build(&tests_support::inputs_88_failover())
}

fn step(danger: Danger) -> Step {
    Step {
        key: "FO-1".into(),
        title: "t".into(),
        cite: "",
        region: Region::ZERO,
        danger,
        action: Action::Scale(vec![]),
        check: Check::Unobservable,
        guards: vec![],
        note: None,
    }
}

fn yes(typed: Option<&str>) -> Decision {
    Decision::Approve {
        typed: typed.map(String::from),
    }
}

#[test]
fn force_needs_the_region_name_and_read_only_refuses_mutations() {
    let (mut g, seen) = gate(202, PLAN, false);
    assert!(g.approve(0, &step(Danger::Force), yes(None)).is_err());
    assert!(
        g.approve(0, &step(Danger::Force), yes(Some("london")))
            .is_err()
    );
    assert!(
        g.approve(0, &step(Danger::Force), yes(Some(" paris ")))
            .is_ok()
    );
    assert!(g.approve(0, &step(Danger::Mutating), yes(None)).is_ok());
    assert!(matches!(
        g.approve(0, &step(Danger::Mutating), Decision::Decline),
        Err(Refusal::Declined(_))
    ));
    let refusals = seen
        .lock()
        .unwrap()
        .audit
        .iter()
        .filter(|e| e.kind == "refused")
        .count();
    assert_eq!(refusals, 3, "every refusal is audited");
    let (mut g, _) = gate(202, PLAN, true);
    assert!(matches!(
        g.approve(0, &step(Danger::Mutating), yes(None)),
        Err(Refusal::Refused(_))
    ));
    assert!(g.refuse_read_only(&step(Danger::Mutating)).is_err());
}

/// Issue 16 §5: the incident record names every decision, so the gate audits an approval
/// with what was confirmed and by whom (never what was typed).
#[test]
fn approvals_are_audited_with_what_was_confirmed_and_by_whom() {
    let (mut g, seen) = gate(202, PLAN, false);
    g.approve(0, &step(Danger::Force), yes(Some("paris")))
        .unwrap();
    g.approve(0, &step(Danger::Mutating), yes(None)).unwrap();
    let approvals: Vec<Entry> = seen
        .lock()
        .unwrap()
        .audit
        .iter()
        .filter(|e| e.kind == "approve")
        .cloned()
        .collect();
    assert_eq!(approvals.len(), 2, "{approvals:?}");
    let force = approvals[0].detail.as_deref().unwrap();
    assert!(
        force.contains("FORCE") && force.contains("region's name typed") && force.contains("ops"),
        "{force}"
    );
    assert_eq!(approvals[0].outcome, "approved");
    assert_eq!(approvals[0].step, "FO-1");
    assert!(approvals[1].detail.as_deref().unwrap().contains("mutating"));

    let (mut g, seen) = gate(202, PLAN, false);
    g.clerk.identity = Identity::unattended("ops", "--yes");
    g.approve(0, &step(Danger::Force), yes(None)).unwrap_err();
    g.approve(0, &step(Danger::Force), yes(Some("paris")))
        .unwrap();
    let s = seen.lock().unwrap();
    let a = s.audit.iter().find(|e| e.kind == "approve").unwrap();
    assert!(
        a.detail.as_deref().unwrap().contains("unattended (--yes)"),
        "{a:?}"
    );
    assert_eq!(a.user, "ops");
}

#[test]
fn the_gate_says_which_confirmation_a_step_needs() {
    let (g, _) = gate(202, PLAN, false);
    let steps = failover();
    let needs = |key: &str| g.confirmation(steps.iter().find(|s| s.key == key).unwrap());
    assert_eq!(needs("FO-1"), Confirmation::TypeRegionName("paris".into()));
    assert_eq!(needs("FO-2"), Confirmation::Yes);
    let manual = Step {
        action: Action::Checklist(vec!["reassign tasks".into()]),
        ..step(Danger::Mutating)
    };
    assert_eq!(g.confirmation(&manual), Confirmation::ConfirmManualStep);
}

#[tokio::test]
async fn an_approval_acts_for_its_own_step_only() {
    let (mut g, seen) = gate(202, PLAN, false);
    let steps = failover();
    let fo1 = steps.iter().position(|s| s.key == "FO-1").unwrap();
    let fo2 = steps.iter().position(|s| s.key == "FO-2").unwrap();
    let approval = g.approve(fo2, &steps[fo2], yes(None)).unwrap();
    assert_eq!(approval.step(), fo2);
    let sent = g.send(approval, fo1, &steps[fo1], None).await;
    assert!(
        matches!(sent.verdict, Verdict::Fatal(_)),
        "{:?}",
        sent.verdict
    );
    assert!(sent.approval.is_none(), "a refused approval is gone");
    {
        let s = seen.lock().unwrap();
        assert!(
            s.sent.is_empty(),
            "nothing reached the executor: {:?}",
            s.sent
        );
        assert!(s.journal.is_empty(), "nothing was journaled as sent");
        assert!(
            s.audit.iter().any(|e| e.kind == "refused"
                && e.step == "FO-1"
                && e.detail.as_deref().is_some_and(|d| d.contains("FO-2"))),
            "{:?}",
            s.audit
        );
    }

    // Another run's approval of the same step is refused too.
    let (mut other, _) = gate(202, PLAN, false);
    other.bind("failover-r1-y", "paris", false);
    let foreign = other.approve(fo2, &steps[fo2], yes(None)).unwrap();
    let sent = g.send(foreign, fo2, &steps[fo2], None).await;
    assert!(matches!(sent.verdict, Verdict::Fatal(_)));
    assert!(seen.lock().unwrap().sent.is_empty());
}

#[tokio::test]
async fn an_approval_is_used_up_unless_the_request_provably_did_not_take_effect() {
    let steps = failover();
    let fo2 = steps.iter().position(|s| s.key == "FO-2").unwrap();
    let (mut g, seen) = gate(503, "{}", false);
    let approval = g.approve(fo2, &steps[fo2], yes(None)).unwrap();
    let sent = g.send(approval, fo2, &steps[fo2], Some(3)).await;
    assert!(matches!(sent.verdict, Verdict::Retry(_)));
    let again = sent
        .approval
        .expect("a 503 hands the approval back for the retry");
    let (mut g2, _) = gate(202, PLAN, false);
    let approval = g2.approve(fo2, &steps[fo2], yes(None)).unwrap();
    let sent = g2.send(approval, fo2, &steps[fo2], None).await;
    assert_eq!(sent.verdict, Verdict::Success);
    assert!(sent.approval.is_none(), "an applied request uses it up");
    assert_eq!(sent.change_id, Some(7));
    // The retry goes through with the approval handed back; both are booked.
    let sent = g.send(again, fo2, &steps[fo2], Some(3)).await;
    assert!(matches!(sent.verdict, Verdict::Retry(_)));
    let s = seen.lock().unwrap();
    assert_eq!(s.sent.len(), 2);
    let requests = s
        .journal
        .iter()
        .filter(|r| {
            matches!(
                r,
                Record::Request {
                    seen_change: Some(3),
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        requests, 2,
        "journaled before it left, with the change seen"
    );
    assert!(
        s.audit
            .iter()
            .filter(|e| e.kind != "approve")
            .all(|e| e.kind == "request" && e.user == "ops" && e.outcome == "failed"),
        "{:?}",
        s.audit
    );
}

#[tokio::test]
async fn a_dry_run_is_the_steps_own_and_is_journaled_as_one() {
    let steps = failover();
    let fo1 = steps.iter().position(|s| s.key == "FO-1").unwrap();
    let fo2 = steps.iter().position(|s| s.key == "FO-2").unwrap();
    let (mut g, seen) = gate(200, PLAN, false);
    let sent = g
        .dry_run(fo1, &steps[fo1], None)
        .await
        .expect("a force has a dry run");
    assert_eq!(sent.verdict, Verdict::Success);
    assert!(
        g.dry_run(fo2, &steps[fo2], None).await.is_none(),
        "not a change to plan"
    );
    {
        let s = seen.lock().unwrap();
        assert_eq!(s.sent, vec!["/actuator/cluster?force=true&dryRun=true"]);
        assert!(s.journal[0].is_dry_run());
    }
    let (mut ro, seen) = gate(200, PLAN, true);
    let sent = ro.dry_run(fo1, &steps[fo1], None).await.unwrap();
    assert!(matches!(sent.verdict, Verdict::Fatal(_)));
    assert!(
        seen.lock().unwrap().sent.is_empty(),
        "read-only sends no dry run"
    );
}

#[tokio::test]
async fn the_gate_stamps_who_approved_and_who_runs() {
    let steps = failover();
    let fo2 = steps.iter().position(|s| s.key == "FO-2").unwrap();
    let seen = Shared::default();
    let exec = Fake {
        seen: seen.clone(),
        status: 202,
        body: PLAN,
    };
    let mut g = Gate::new(
        exec,
        Book(seen.clone()),
        Identity::unattended("ops", "--yes"),
    );
    g.bind("failover-r1-x", "paris", false);
    let approval = g.approve(fo2, &steps[fo2], yes(None)).unwrap();
    assert_eq!(approval.by(), "--yes");
    assert!(approval.unattended());
    g.send(approval, fo2, &steps[fo2], None).await;
    g.skipped(&steps[fo2], "done by hand");
    let s = seen.lock().unwrap();
    assert!(
        s.audit
            .iter()
            .all(|e| e.user == "ops" && e.run == "failover-r1-x")
    );
}

#[tokio::test]
async fn an_approval_covers_the_action_it_was_given_for() {
    // Same run, index and key, another action (a pod restart offered under a step's key):
    // the approval of one does not send the other.
    let steps = failover();
    let fo2 = steps.iter().position(|s| s.key == "FO-2").unwrap();
    let (mut g, seen) = gate(202, PLAN, false);
    let restart = Step {
        action: Action::RestartPod {
            region: Region::ZERO,
            pod: "camunda-zeebe-0".into(),
        },
        ..steps[fo2].clone()
    };
    let approval = g.approve(fo2, &restart, yes(None)).unwrap();
    let sent = g.send(approval, fo2, &steps[fo2], None).await;
    assert!(matches!(sent.verdict, Verdict::Fatal(_)));
    assert!(seen.lock().unwrap().sent.is_empty());
}

#[tokio::test]
async fn a_cancel_is_journaled_aside_from_its_steps_request_and_its_approval_covers_only_it() {
    let steps = failover();
    let fo1 = steps.iter().position(|s| s.key == "FO-1").unwrap();
    let cancel = Step {
        title: "Cancel the blocking change #7".into(),
        action: Action::Http(Request::cancel_change(Region::ZERO, 7)),
        ..steps[fo1].clone()
    };
    let (mut g, seen) = gate(200, r#"{"version":9}"#, false);
    assert_eq!(
        g.confirmation(&cancel),
        Confirmation::TypeRegionName("paris".into()),
        "typed, as a force"
    );
    // The approval of the cancel does not send the force.
    let approval = g.approve(fo1, &cancel, yes(Some("paris"))).unwrap();
    let sent = g.send(approval, fo1, &steps[fo1], None).await;
    assert!(matches!(sent.verdict, Verdict::Fatal(_)));
    assert!(seen.lock().unwrap().sent.is_empty());
    let approval = g.approve(fo1, &cancel, yes(Some("paris"))).unwrap();
    let sent = g.send(approval, fo1, &cancel, Some(7)).await;
    assert_eq!(sent.verdict, Verdict::Success);
    assert_eq!(sent.change_id, None, "a cancel starts no change");
    let s = seen.lock().unwrap();
    assert_eq!(s.sent, ["/actuator/cluster/changes/7"]);
    assert!(s.journal.iter().any(|r| r.is_aside()), "{:?}", s.journal);
    assert!(
        s.audit
            .iter()
            .any(|e| e.kind == "request" && e.method.as_deref() == Some("DELETE")),
        "{:?}",
        s.audit
    );
}
