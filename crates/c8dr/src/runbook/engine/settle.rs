//! A request of a step already went out in this run (before a resume, or an attempt whose
//! answer never came): whether it took effect is decided from the journal and fresh facts —
//! then its effect is waited for —, whether it provably did not — then it may be sent again —,
//! or c8dr cannot tell, and then the operator decides. Never re-sent blindly (DESIGN.md §7).

use super::*;
use crate::runbook::journal::AttemptAnswer;
use crate::runbook::plan::Request;

impl<E: Executor, O: Operator> Runner<E, O> {
    /// Settles the step's earlier request from its journaled attempt.
    pub(super) async fn settle(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        attempt: &Attempt,
    ) -> Result<Settled, Stop> {
        // Journals written before verdicts were recorded: a 2xx counts as success.
        let ok = |a: &AttemptAnswer| match a.verdict.as_deref() {
            Some(v) => v == "success",
            None => a.status.is_some_and(|s| (200..300).contains(&s)),
        };
        match &attempt.answer {
            Some(a) if ok(a) => self.settle_answered(idx, step, req, a.change_id).await,
            Some(a)
                if a.verdict.as_deref() != Some("unknown")
                    && a.status.is_some_and(|s| s >= 300) =>
            {
                // The server refused it: nothing took effect.
                Ok(Settled::Resend)
            }
            Some(a) if a.verdict.as_deref() == Some("not_sent") => Ok(Settled::Resend),
            _ => {
                self.settle_unknown(idx, step, req, attempt.seen_change)
                    .await
            }
        }
    }

    /// The earlier request was answered with success: its effect is waited for, unless the
    /// change it started ended without success.
    async fn settle_answered(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        change_id: Option<i64>,
    ) -> Result<Settled, Stop> {
        if let Some(c) = change_id {
            self.known.own_changes.insert(c);
            // This run's change that ended without success did not take effect.
            let facts = self.facts().await;
            if let Some(l) = &facts.view.cluster.last_change
                && l.id == c
                && l.status != crate::model::ChangeState::Completed
                && facts.view.cluster.pending_change.is_none()
            {
                self.note(
                    idx,
                    format!(
                        "this run's change #{c} ended {}: the step runs again",
                        l.status
                    ),
                );
                return Ok(Settled::Resend);
            }
        }
        if req.kind() == RequestKind::Restore {
            self.known.restore_finished = true;
        }
        self.note(
            idx,
            "sent earlier in this run and answered: verifying its effect",
        );
        self.finish(idx, step).await?;
        Ok(Settled::Done)
    }

    /// The answer to a request never came: let any change it may have started finish, check
    /// the effect, and look for the request's trace in the cluster.
    pub(super) async fn settle_unknown(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        seen: Option<i64>,
    ) -> Result<Settled, Stop> {
        self.note(
            idx,
            "a request whose answer never came may still be applying: checking its effect",
        );
        self.wait_no_pending(
            idx,
            "a request whose answer never came may still be applying",
        )
        .await?;
        let (facts, eval) = self.judge(idx, &step.check).await;
        if eval.met == Some(true) && !check::partly_unobservable(&step.check) {
            self.note(
                idx,
                format!("the earlier request took effect: {}", eval.evidence),
            );
            self.finish(idx, step).await?;
            return Ok(Settled::Done);
        }
        if self.overriding() {
            return Ok(Settled::Resend);
        }
        match req.kind() {
            // A second cancel names the same change: it cancels nothing else.
            RequestKind::Idempotent | RequestKind::Cancel => Ok(Settled::Resend),
            RequestKind::Change => self.trace_of_change(idx, step, req, seen, &facts, &eval),
            RequestKind::Snapshot => self.trace_of_snapshot(idx, step, req, &facts).await,
            RequestKind::Restore => self.trace_of_restore(idx, step, req, &facts, &eval).await,
        }
    }

    /// A change request: a newer change than the one seen before it left may be its own.
    fn trace_of_change(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        seen: Option<i64>,
        facts: &Facts,
        eval: &Eval,
    ) -> Result<Settled, Stop> {
        if facts.view.cluster.config_from.is_none() {
            return Err(Stop::Failed(format!(
                "refused: the answer to {}'s request never came, and c8dr cannot read the cluster's changes to tell whether it arrived ({})",
                step.key,
                check::source_problem(&facts.view, req.region, crate::model::Source::Cluster)
            )));
        }
        match (seen, newest_change(facts)) {
            (Some(s), Some(n)) if n > s => Err(Stop::Failed(format!(
                "refused: the answer to {}'s request never came; change #{n} happened after it left ({}) but the step's effect is not there ({}): look at the cluster before sending again",
                step.key,
                facts
                    .view
                    .cluster
                    .last_change
                    .as_ref()
                    .filter(|l| l.id == n)
                    .map(|l| l.status.clone())
                    .unwrap_or_else(|| "pending".into()),
                eval.evidence
            ))),
            (Some(s), _) => {
                self.note(
                    idx,
                    format!("the earlier request left no trace: the newest change is still #{s}"),
                );
                Ok(Settled::Resend)
            }
            (None, Some(n)) => Err(Stop::Failed(format!(
                "refused: the answer to {}'s request never came and c8dr did not record the cluster's changes before it left; the newest change is #{n}: look at the cluster before sending again",
                step.key
            ))),
            (None, None) => Ok(Settled::Resend),
        }
    }

    /// The run's snapshot request: the snapshot exists (then it is waited for) or not.
    async fn trace_of_snapshot(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        facts: &Facts,
    ) -> Result<Settled, Stop> {
        match &facts.es[req.region].snapshot {
            Some(Ok(Some(_))) => {
                self.note(idx, "this run's snapshot exists: waiting for it to finish");
                self.finish(idx, step).await?;
                Ok(Settled::Done)
            }
            Some(Ok(None)) => Ok(Settled::Resend),
            other => Err(Stop::Failed(format!(
                "refused: cannot tell whether this run's snapshot was started: {}",
                match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "the repository was not asked".into(),
                }
            ))),
        }
    }

    /// The run's restore request: the snapshot's indices exist (the restore is under way and
    /// waited for) or none does.
    async fn trace_of_restore(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        facts: &Facts,
        eval: &Eval,
    ) -> Result<Settled, Stop> {
        let snapshot = facts.es.values().find_map(|e| match &e.snapshot {
            Some(Ok(Some(s))) => Some(s.indices.clone()),
            _ => None,
        });
        match (snapshot, &facts.es[req.region].indices) {
            (Some(want), Some(have)) => {
                if want.iter().any(|i| have.contains_key(i)) {
                    self.note(
                        idx,
                        "the snapshot's indices exist: this run's restore is under way, waiting for it",
                    );
                    self.finish(idx, step).await?;
                    Ok(Settled::Done)
                } else {
                    Ok(Settled::Resend)
                }
            }
            _ => Err(Stop::Failed(format!(
                "refused: cannot tell whether this run's restore started: {}",
                eval.evidence
            ))),
        }
    }
}
