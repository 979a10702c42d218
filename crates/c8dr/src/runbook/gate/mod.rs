//! The one gate every mutating call passes (DESIGN.md §7). It owns the run's [`Executor`] and
//! its [`Ledger`] (the journal and the audit trail): it says which [`Confirmation`] a step
//! needs, knows the read-only mode, turns the operator's [`Decision`] into a single-use
//! [`Approval`] bound to that step of this run and stamped with who gave it ([`Identity`]),
//! journals every request before it leaves and its answer after, and audits both, and every
//! refusal. The executor only performs a mutation when handed an [`Approved`] pass, which only
//! this module makes, and only for an approval of the step being run (or for the dry run of a
//! force, which changes nothing). Pure: the executor and the ledger are traits, their I/O is
//! `crate::act`.

mod approval;

pub use approval::{Approval, Confirmation, Decision, Identity, Refusal};

use super::answer::{self, Answer, SendError, Verdict};
use super::audit::{self, Entry};
use super::check::Facts;
use super::journal::Record;
use super::needs::Needs;
use super::plan::{Action, Danger, Expect, Request, RequestKind, Scale, Step};
use crate::api::Region;
use std::future::Future;
use std::io;
use std::time::Instant;

/// Reads facts and performs calls; only the gate calls it.
pub trait Executor: Send {
    fn facts(&mut self) -> impl Future<Output = Facts> + Send;
    /// Facts with at least what `needs` names read fresh (a wait's re-read); the rest may be
    /// kept from the last [`Executor::facts`]. The default reads everything.
    fn read(&mut self, needs: &Needs) -> impl Future<Output = Facts> + Send {
        let _ = needs;
        self.facts()
    }
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
        region: Region,
        pod: &str,
        approved: &Approved,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// The request's full URL, without credentials (journal, audit, curl).
    fn target(&self, req: &Request) -> String;
}

/// Where the gate writes: the run's journal and the audit trail, both durable before the call
/// returns. An error names what could not be written.
pub trait Ledger: Send {
    fn journal(&mut self, record: &Record) -> io::Result<()>;
    fn audit(&mut self, entry: &Entry) -> io::Result<()>;
}

/// The gate's pass for one call of the executor. Cannot be built outside this module.
#[derive(Debug)]
pub struct Approved {
    _private: (),
}

/// What went out and what came back.
pub struct Sent {
    pub answer: Result<Answer, SendError>,
    pub verdict: Verdict,
    /// The change the answer started (change requests).
    pub change_id: Option<i64>,
    /// The approval, handed back when the request provably did not take effect (it may be
    /// sent again after re-checking: a retry or a 409); otherwise it was used up.
    pub approval: Option<Approval>,
}

impl Sent {
    /// Nothing left: the gate refused to send, or could not journal the request.
    fn not_sent(why: String) -> Sent {
        Sent {
            verdict: Verdict::Fatal(why.clone()),
            answer: Err(SendError::NotSent(why)),
            change_id: None,
            approval: None,
        }
    }
}

/// A Kubernetes action as the gate books it: journal method and target, audit kind.
struct KubeCall<'a> {
    method: &'a str,
    target: String,
    kind: &'a str,
    region: Region,
}

pub struct Gate<E: Executor> {
    exec: E,
    clerk: Clerk,
    /// The lost or recreated region's name: what a force needs typed.
    region_name: String,
    read_only: bool,
}

/// The gate's writing side (journal, audit, who and which run), apart from the executor so
/// that a call can be booked while the executor performs it.
struct Clerk {
    ledger: Box<dyn Ledger>,
    identity: Identity,
    /// The run the gate serves, set by the engine when the run starts or resumes.
    run: String,
}

const READ_ONLY: &str = "read-only mode: c8dr shows the plan but does not run it";

fn journal_problem(e: io::Error) -> String {
    format!("cannot write the journal: {e} (nothing was sent)")
}

impl<E: Executor> Gate<E> {
    /// The gate over an executor and a ledger; `identity` answers its questions.
    pub fn new(exec: E, ledger: impl Ledger + 'static, identity: Identity) -> Gate<E> {
        Gate {
            exec,
            clerk: Clerk {
                ledger: Box::new(ledger),
                identity,
                run: String::new(),
            },
            region_name: String::new(),
            read_only: true,
        }
    }

    /// Ties the gate to a run: its id, the region whose name a force needs typed, the mode.
    pub(in crate::runbook) fn bind(&mut self, run: &str, region_name: &str, read_only: bool) {
        self.clerk.run = run.to_string();
        self.region_name = region_name.to_string();
        self.read_only = read_only;
    }

    pub(in crate::runbook) fn into_executor(self) -> E {
        self.exec
    }

    /// Fresh facts (a read: no approval needed).
    pub(in crate::runbook) async fn facts(&mut self) -> Facts {
        Box::pin(self.exec.facts()).await
    }

    /// Facts with what `needs` names read fresh (a read: no approval needed).
    pub(in crate::runbook) async fn read(&mut self, needs: &Needs) -> Facts {
        if needs.all {
            return self.facts().await;
        }
        Box::pin(self.exec.read(needs)).await
    }

    /// One record of the run's progress (step states, the run's start and end).
    pub(in crate::runbook) fn journal(&mut self, record: &Record) -> io::Result<()> {
        self.clerk.ledger.journal(record)
    }

    /// The confirmation `step` needs (DESIGN.md §7): a force needs the region's name typed,
    /// a step no API shows needs the operator's word that it was done, any other a yes.
    pub fn confirmation(&self, step: &Step) -> Confirmation {
        match (&step.action, step.danger) {
            (Action::Manual { .. } | Action::Checklist(_), _) => Confirmation::ConfirmManualStep,
            (_, Danger::Force) => Confirmation::TypeRegionName(self.region_name.clone()),
            _ => Confirmation::Yes,
        }
    }

    /// Read-only mode sends nothing for a step that acts, not even its dry run; the refusal
    /// is audited.
    pub(in crate::runbook) fn refuse_read_only(&mut self, step: &Step) -> Result<(), String> {
        if self.read_only && step.action.mutates() {
            self.refused(step, READ_ONLY, false);
            return Err(READ_ONLY.into());
        }
        Ok(())
    }

    /// Checks the operator's decision against the confirmation `step` needs and the mode, and
    /// makes the approval of step `idx` of this run in the gate's identity. A refusal of a
    /// step that acts is audited (a manual step has nothing to refuse: it stops the run).
    pub(in crate::runbook) fn approve(
        &mut self,
        idx: usize,
        step: &Step,
        decision: Decision,
    ) -> Result<Approval, Refusal> {
        let needs = self.confirmation(step);
        let result = match decision {
            _ if self.read_only && step.action.mutates() => Err(Refusal::Refused(READ_ONLY.into())),
            Decision::Decline => Err(Refusal::Declined("declined by the operator".into())),
            Decision::Approve { typed } => match &needs {
                Confirmation::TypeRegionName(name)
                    if typed.as_deref().map(str::trim) != Some(name.as_str()) =>
                {
                    Err(Refusal::Refused(format!(
                        "a force step needs the lost region's name typed exactly ({name:?})"
                    )))
                }
                _ => Ok(Approval {
                    run: self.clerk.run.clone(),
                    step: idx,
                    key: step.key.clone(),
                    action: step.action.clone(),
                    by: self.clerk.identity.approver().to_string(),
                    unattended: self.clerk.identity.is_unattended(),
                }),
            },
        };
        match &result {
            Err(r) if needs != Confirmation::ConfirmManualStep => {
                self.refused(step, r.why(), false)
            }
            Err(_) => {}
            Ok(a) => self.approved(step, &needs, a),
        }
        result
    }

    /// Audits an approval (issue 16 §5: the incident record names every decision): what
    /// was confirmed and who gave it; never what was typed.
    fn approved(&mut self, step: &Step, needs: &Confirmation, a: &Approval) {
        let how = match needs {
            Confirmation::Yes => "approved",
            Confirmation::TypeRegionName(_) => "approved with the region's name typed",
            Confirmation::ConfirmManualStep => "confirmed done by hand",
        };
        let by = if a.unattended {
            format!("unattended ({}): nobody was asked", a.by)
        } else {
            format!("by {}", a.by)
        };
        let what = format!("{} step {how} {by}", step.danger.word());
        self.clerk.note(step, "approve", "approved", &what);
    }

    /// An override of refused guards needs the region's name typed exactly; it is audited.
    /// The error says what was expected.
    pub(in crate::runbook) fn override_guards(
        &mut self,
        step: &Step,
        typed: &str,
        why: &str,
    ) -> Result<(), String> {
        if typed.trim() != self.region_name {
            return Err(format!(
                "the override needs {:?} typed exactly",
                self.region_name
            ));
        }
        self.refused(step, &format!("override requested: {why}"), true);
        Ok(())
    }

    /// The approval was made by this gate for step `idx` (`step`, with the very action the
    /// operator was shown) of this run; anything else is refused (audited) and nothing is
    /// sent.
    fn check_approval(
        &mut self,
        approval: &Approval,
        idx: usize,
        step: &Step,
    ) -> Result<(), String> {
        if approval.run == self.clerk.run
            && approval.step == idx
            && approval.key == step.key
            && approval.action == step.action
        {
            return Ok(());
        }
        let why = format!(
            "an approval of {} (step {}) of run {} cannot act for {} (step {idx}) of run {}",
            approval.key, approval.step, approval.run, step.key, self.clerk.run
        );
        self.refused(step, &why, false);
        Err(why)
    }

    /// Sends the request of step `idx` with its approval, journaled and audited. The approval
    /// comes back in [`Sent`] only when the request provably did not take effect.
    pub(in crate::runbook) async fn send(
        &mut self,
        approval: Approval,
        idx: usize,
        step: &Step,
        seen_change: Option<i64>,
    ) -> Sent {
        if let Err(why) = self.check_approval(&approval, idx, step) {
            return Sent::not_sent(why);
        }
        let Action::Http(req) = &step.action else {
            let why = format!("{} sends no request", step.key);
            self.refused(step, &why, false);
            return Sent::not_sent(why);
        };
        let mut sent = self.call(idx, step, req, seen_change).await;
        if matches!(sent.verdict, Verdict::Retry(_) | Verdict::Conflict) {
            sent.approval = Some(approval);
        }
        sent
    }

    /// Sends the dry run of step `idx`'s request, journaled and audited; it changes nothing
    /// and needs no approval. `None`: the step's request has no dry-run form.
    pub(in crate::runbook) async fn dry_run(
        &mut self,
        idx: usize,
        step: &Step,
        seen_change: Option<i64>,
    ) -> Option<Sent> {
        let dry = match &step.action {
            Action::Http(req) => req.dry_run()?,
            _ => return None,
        };
        if self.read_only {
            return Some(Sent::not_sent(
                "read-only mode: c8dr sends nothing, not even a dry run".into(),
            ));
        }
        Some(self.call(idx, step, &dry, seen_change).await)
    }

    /// One request through the executor: journal first (so resume knows it may have
    /// happened, and which change the cluster showed before: `seen_change`), then the call,
    /// then the answer with its verdict and change id in the journal and the audit trail.
    async fn call(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        seen_change: Option<i64>,
    ) -> Sent {
        let target = self.exec.target(req);
        let mut record = Record::request(idx, req.method, &target);
        if let Record::Request {
            seen_change: s,
            dry_run,
            aside,
            ..
        } = &mut record
        {
            *s = seen_change;
            *dry_run = req.is_dry_run();
            // A cancel is offered while its step is blocked; it is not the step's request.
            *aside = req.kind() == RequestKind::Cancel;
        }
        if let Err(e) = self.clerk.ledger.journal(&record) {
            return Sent::not_sent(journal_problem(e));
        }
        let started = Instant::now();
        let result = self.exec.send(req, &Approved { _private: () }).await;
        let took = started.elapsed();
        let verdict = answer::classify(req.expect, &result);
        let change_id = match (&result, req.expect) {
            (Ok(a), Expect::Change) => answer::change_id(a),
            _ => None,
        };
        let (status, detail) = match &result {
            Ok(a) => (Some(a.status), answer::said(&a.body)),
            Err(e) => (None, Some(crate::text::clean(&e.to_string()))),
        };
        let mut response = Record::response(idx, status, detail.clone());
        if let Record::Response {
            verdict: v,
            change_id: c,
            ..
        } = &mut response
        {
            *v = Some(
                match &result {
                    Err(SendError::NotSent(_) | SendError::Refused(_)) => "not_sent",
                    _ => verdict.word(),
                }
                .into(),
            );
            *c = change_id;
        }
        let _ = self.clerk.ledger.journal(&response);
        let mut entry = self.clerk.entry(step, req.region, "request", "ok");
        entry.method = Some(req.method.into());
        entry.target = Some(target);
        entry.body_sha256 = req
            .body
            .as_ref()
            .map(|b| audit::digest(b.to_string().as_bytes()));
        entry.duration_ms = Some(took.as_millis() as u64);
        entry.status = status;
        entry.outcome = match &verdict {
            Verdict::Success => "ok",
            Verdict::Unknown(_) => "unknown",
            _ => "failed",
        }
        .into();
        entry.detail = detail;
        self.clerk.audit(&entry);
        Sent {
            answer: result,
            verdict,
            change_id,
            approval: None,
        }
    }

    /// Scales the Deployments of step `idx` with its approval, one after the other, each
    /// journaled and audited like a request; the first failure stops it.
    pub(in crate::runbook) async fn scale(
        &mut self,
        approval: Approval,
        idx: usize,
        step: &Step,
    ) -> Result<(), String> {
        self.check_approval(&approval, idx, step)?;
        let Action::Scale(list) = &step.action else {
            let why = format!("{} scales nothing", step.key);
            self.refused(step, &why, false);
            return Err(why);
        };
        for s in list {
            let call = KubeCall {
                method: "SCALE",
                target: format!(
                    "deployments/{} scale --replicas {}",
                    s.deployment, s.replicas
                ),
                kind: "scale",
                region: s.region,
            };
            let pass = Approved { _private: () };
            self.clerk
                .kube_call(idx, step, call, self.exec.scale(s, &pass))
                .await
                .map_err(|e| format!("scaling {} in region{}: {e}", s.deployment, s.region))?;
        }
        Ok(())
    }

    /// Deletes the stuck broker pod of a restart step (offered by the engine while it waits
    /// for the recreated brokers) with its approval, journaled and audited.
    pub(in crate::runbook) async fn restart_pod(
        &mut self,
        approval: Approval,
        idx: usize,
        step: &Step,
    ) -> Result<(), String> {
        self.check_approval(&approval, idx, step)?;
        let Action::RestartPod { region, pod } = &step.action else {
            let why = format!("{} restarts no pod", step.key);
            self.refused(step, &why, false);
            return Err(why);
        };
        let call = KubeCall {
            method: "DELETE",
            target: format!("pods/{pod} delete"),
            kind: "delete-pod",
            region: *region,
        };
        let pass = Approved { _private: () };
        self.clerk
            .kube_call(idx, step, call, self.exec.delete_pod(*region, pod, &pass))
            .await
    }

    /// Records a refusal (or its override) in the audit trail.
    pub(in crate::runbook) fn refused(&mut self, step: &Step, reason: &str, overridden: bool) {
        if overridden {
            self.clerk.note(step, "override", "overridden", reason);
        } else {
            self.clerk.note(step, "refused", "refused", reason);
        }
    }

    /// Records a step the operator chose to skip.
    pub(in crate::runbook) fn skipped(&mut self, step: &Step, reason: &str) {
        self.clerk.note(step, "skip", "skipped", reason);
    }
}

impl Clerk {
    /// Journals a Kubernetes action before it runs, then its outcome, and audits it.
    async fn kube_call(
        &mut self,
        idx: usize,
        step: &Step,
        call: KubeCall<'_>,
        action: impl Future<Output = Result<(), String>>,
    ) -> Result<(), String> {
        self.ledger
            .journal(&Record::request(idx, call.method, &call.target))
            .map_err(journal_problem)?;
        let started = Instant::now();
        let result = action.await;
        let mut entry = self.entry(step, call.region, call.kind, "ok");
        entry.target = Some(call.target);
        entry.duration_ms = Some(started.elapsed().as_millis() as u64);
        if let Err(e) = &result {
            entry.outcome = "failed".into();
            entry.detail = Some(crate::text::clean(e));
        }
        let mut response = Record::response(
            idx,
            result.is_ok().then_some(200),
            result.as_ref().err().cloned(),
        );
        if let Record::Response { verdict, .. } = &mut response {
            *verdict = Some(if result.is_ok() { "success" } else { "retry" }.into());
        }
        let _ = self.ledger.journal(&response);
        self.audit(&entry);
        result
    }

    fn note(&mut self, step: &Step, kind: &str, outcome: &str, reason: &str) {
        let mut entry = self.entry(step, step.region, kind, outcome);
        entry.detail = Some(crate::text::clean(reason));
        self.audit(&entry);
    }

    fn entry(&self, step: &Step, region: Region, kind: &str, outcome: &str) -> Entry {
        Entry::new(
            self.identity.user(),
            &self.run,
            &step.key,
            region,
            kind,
            outcome,
        )
    }

    /// An audit entry that cannot be written does not stop the run (the journal has it);
    /// it is logged.
    fn audit(&mut self, entry: &Entry) {
        if let Err(e) = self.ledger.audit(entry) {
            tracing::error!("{e}");
        }
    }
}

#[cfg(test)]
mod tests;
