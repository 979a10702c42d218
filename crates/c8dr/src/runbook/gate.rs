//! The one gate every mutating call passes (DESIGN.md §7): it knows the step's danger level,
//! the read-only mode and the confirmation each level needs, journals the request before it
//! leaves and the answer after, and audits both. An executor only performs a mutation when
//! handed an [`Approved`], which only this module can make.

use super::answer::{self, Answer, SendError, Verdict};
use super::audit::{self, Audit, Entry};
use super::journal::{Journal, Record};
use super::plan::{Danger, Expect, Request, Scale, Step};
use std::time::Instant;

/// Proof that the gate let a mutation through. Cannot be built outside this module.
#[derive(Debug)]
pub struct Approved {
    _private: (),
}

/// What the operator said when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `typed` is what was typed for a force step (the region's name).
    Approve {
        typed: Option<String>,
        by: String,
    },
    Decline,
}

/// Checks a decision against the step's danger level and the mode.
pub fn approve(
    step: &Step,
    decision: &Decision,
    region_name: &str,
    read_only: bool,
) -> Result<Approved, String> {
    if read_only && step.action.mutates() {
        return Err("read-only mode: c8dr shows the plan but does not run it".into());
    }
    match decision {
        Decision::Decline => Err("declined by the operator".into()),
        Decision::Approve { typed, .. } => {
            if step.danger == Danger::Force && typed.as_deref().map(str::trim) != Some(region_name)
            {
                return Err(format!(
                    "a force step needs the lost region's name typed exactly ({region_name:?})"
                ));
            }
            Ok(Approved { _private: () })
        }
    }
}

/// A dry run changes nothing (`dryRun=true`); it still travels through here to be journaled.
pub fn dry_run_pass(req: &Request) -> Option<Approved> {
    req.path
        .contains("dryRun=true")
        .then_some(Approved { _private: () })
}

/// Where the gate writes.
pub struct Books<'a> {
    pub journal: &'a mut Journal,
    pub audit: &'a mut Audit,
    pub run: &'a str,
}

fn journal_problem(e: std::io::Error) -> String {
    format!("cannot write the journal: {e} (nothing was sent)")
}

/// What went out and what came back.
pub struct Sent {
    pub answer: Result<Answer, SendError>,
    pub verdict: Verdict,
    /// The change the answer started (change requests).
    pub change_id: Option<i64>,
}

/// Sends one request through the executor: journal first (so resume knows it may have
/// happened, and which change the cluster showed before: `seen_change`), then the call,
/// then the answer with its verdict and change id in the journal and the audit trail.
pub async fn send<E: super::engine::Executor>(
    books: &mut Books<'_>,
    exec: &mut E,
    idx: usize,
    step: &Step,
    req: &Request,
    approved: &Approved,
    seen_change: Option<i64>,
) -> Sent {
    let target = exec.target(req);
    let mut record = Record::request(idx, req.method, &target);
    if let Record::Request { seen_change: s, .. } = &mut record {
        *s = seen_change;
    }
    if let Err(e) = books.journal.append(&record) {
        let e = SendError::NotSent(journal_problem(e));
        return Sent {
            verdict: Verdict::Fatal(e.to_string()),
            answer: Err(e),
            change_id: None,
        };
    }
    let started = Instant::now();
    let result = exec.send(req, approved).await;
    let took = started.elapsed();
    let verdict = answer::classify(req.expect, &result);
    let change_id = match (&result, req.expect) {
        (Ok(a), Expect::Change) => answer::change_id(a),
        _ => None,
    };
    let mut entry = Entry::new(books.run, &step.key, req.region, "request", "ok");
    entry.method = Some(req.method.into());
    entry.target = Some(target);
    entry.body_sha256 = req
        .body
        .as_ref()
        .map(|b| audit::digest(b.to_string().as_bytes()));
    entry.duration_ms = Some(took.as_millis() as u64);
    let (status, detail) = match &result {
        Ok(a) => (Some(a.status), answer::said(&a.body)),
        Err(e) => (None, Some(crate::text::clean(&e.to_string()))),
    };
    entry.status = status;
    entry.outcome = match &verdict {
        Verdict::Success => "ok",
        Verdict::Unknown(_) => "unknown",
        _ => "failed",
    }
    .into();
    entry.detail = detail.clone();
    let mut response = Record::response(idx, status, detail);
    if let Record::Response {
        verdict: v,
        change_id: c,
        ..
    } = &mut response
    {
        *v = Some(
            match &result {
                Err(SendError::NotSent(_)) => "not_sent",
                _ => verdict.word(),
            }
            .into(),
        );
        *c = change_id;
    }
    let _ = books.journal.append(&response);
    if let Err(e) = books.audit.append(&entry) {
        tracing::error!("audit trail {}: {e}", books.audit.path().display());
    }
    Sent {
        answer: result,
        verdict,
        change_id,
    }
}

/// A Kubernetes action as the gate books it: journal method and target, audit kind.
struct KubeCall<'a> {
    method: &'a str,
    target: String,
    kind: &'a str,
    region: u8,
}

/// Journals a Kubernetes action before it runs, then its outcome, and audits it.
async fn kube_call(
    books: &mut Books<'_>,
    idx: usize,
    step: &Step,
    call: KubeCall<'_>,
    action: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), String> {
    books
        .journal
        .append(&Record::request(idx, call.method, &call.target))
        .map_err(journal_problem)?;
    let started = Instant::now();
    let result = action.await;
    let mut entry = Entry::new(books.run, &step.key, call.region, call.kind, "ok");
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
    let _ = books.journal.append(&response);
    if let Err(e) = books.audit.append(&entry) {
        tracing::error!("audit trail {}: {e}", books.audit.path().display());
    }
    result
}

/// Scales a Deployment through the executor, journaled and audited like a request.
pub async fn scale<E: super::engine::Executor>(
    books: &mut Books<'_>,
    exec: &mut E,
    idx: usize,
    step: &Step,
    s: &Scale,
    approved: &Approved,
) -> Result<(), String> {
    let call = KubeCall {
        method: "SCALE",
        target: format!(
            "deployments/{} scale --replicas {}",
            s.deployment, s.replicas
        ),
        kind: "scale",
        region: s.region,
    };
    kube_call(books, idx, step, call, exec.scale(s, approved)).await
}

/// Deletes a stuck broker pod through the executor, journaled and audited.
pub async fn restart_pod<E: super::engine::Executor>(
    books: &mut Books<'_>,
    exec: &mut E,
    idx: usize,
    step: &Step,
    region: u8,
    pod: &str,
    approved: &Approved,
) -> Result<(), String> {
    let call = KubeCall {
        method: "DELETE",
        target: format!("pods/{pod} delete"),
        kind: "delete-pod",
        region,
    };
    kube_call(
        books,
        idx,
        step,
        call,
        exec.delete_pod(region, pod, approved),
    )
    .await
}

/// Records a refusal (or its override) in the audit trail.
pub fn refused(books: &mut Books<'_>, step: &Step, reason: &str, overridden: bool) {
    if overridden {
        record(books, step, "override", "overridden", reason);
    } else {
        record(books, step, "refused", "refused", reason);
    }
}

/// Records a step the operator chose to skip.
pub fn skipped(books: &mut Books<'_>, step: &Step, reason: &str) {
    record(books, step, "skip", "skipped", reason);
}

fn record(books: &mut Books<'_>, step: &Step, kind: &str, outcome: &str, reason: &str) {
    let mut entry = Entry::new(books.run, &step.key, step.region, kind, outcome);
    entry.detail = Some(crate::text::clean(reason));
    if let Err(e) = books.audit.append(&entry) {
        tracing::error!("audit trail {}: {e}", books.audit.path().display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::plan::{Action, Check};

    fn step(danger: Danger) -> Step {
        Step {
            key: "FO-1".into(),
            title: "t".into(),
            cite: "",
            region: 0,
            danger,
            action: Action::Scale(vec![]),
            check: Check::Unobservable,
            guards: vec![],
            note: None,
        }
    }

    #[test]
    fn force_needs_the_region_name_and_read_only_refuses_mutations() {
        let yes = |t: Option<&str>| Decision::Approve {
            typed: t.map(String::from),
            by: "test".into(),
        };
        assert!(approve(&step(Danger::Force), &yes(None), "paris", false).is_err());
        assert!(approve(&step(Danger::Force), &yes(Some("london")), "paris", false).is_err());
        assert!(approve(&step(Danger::Force), &yes(Some(" paris ")), "paris", false).is_ok());
        assert!(approve(&step(Danger::Mutating), &yes(None), "paris", false).is_ok());
        assert!(approve(&step(Danger::Mutating), &yes(None), "paris", true).is_err());
        assert!(approve(&step(Danger::Mutating), &Decision::Decline, "paris", false).is_err());
    }
}
