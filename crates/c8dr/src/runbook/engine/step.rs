//! One step, from its check to its verified effect: skipped when already satisfied (from a
//! fresh read), refused when c8dr cannot tell, its guards evaluated, the confirmation the gate
//! needs asked (after the dry run of a force), then its action sent through the gate with the
//! retry rules — re-checking everything at the moment of sending — and its effect waited for.

use super::unblock::Unblocked;
use super::*;
use crate::runbook::answer::{SendError, Verdict, dry_run_summary, gist};
use crate::runbook::gate::{Approval, Refusal, Sent};
use crate::runbook::journal::AttemptAnswer;
use crate::runbook::plan::{Danger, Expect, Request};

impl<E: Executor, O: Operator> Runner<E, O> {
    pub(super) async fn run_step(&mut self, idx: usize) -> Result<(), Stop> {
        let step = self.state.steps[idx].clone();
        self.set(idx, StepState::Checking, "");
        if self.settle_earlier_request(idx, &step).await? {
            return Ok(());
        }
        let (facts, eval) = self
            .judge_on(idx, &step.check, &Needs::of_step(&step))
            .await;
        if self.already_satisfied(idx, &step, &eval) {
            return Ok(());
        }
        self.refuse_unknown(&step, &eval, "from a fresh read")?;
        let kept = match self.unblock(idx, &step, &facts).await? {
            // The change in the way is gone: the step starts over on fresh facts.
            Unblocked::Cleared => return Box::pin(self.run_step(idx)).await,
            Unblocked::Kept(why) => Some(why),
            Unblocked::NotOffered => None,
        };
        let guards = match (self.guards(&step, &facts, None), kept) {
            (Err(Stop::Failed(m)), Some(why)) => Err(Stop::Failed(format!(
                "{m}; not cancelled: {why} (retry offers the cancel again)"
            ))),
            (result, _) => result,
        }?;
        self.act(idx, &step, &eval, guards).await
    }

    /// A request of this step went out earlier in this run: `true` when it took effect (the
    /// step is done); otherwise the step goes on as if it had never been sent.
    async fn settle_earlier_request(&mut self, idx: usize, step: &Step) -> Result<bool, Stop> {
        let (Some(attempt), Action::Http(req)) = (self.attempts.get(&idx).cloned(), &step.action)
        else {
            return Ok(false);
        };
        match self.settle(idx, step, req, &attempt).await? {
            Settled::Done => Ok(true),
            Settled::Resend => {
                self.attempts.remove(&idx);
                Ok(false)
            }
        }
    }

    /// The step's effect is there before it acts (never for a step partly only the operator
    /// can confirm): an observation is done, anything else skipped.
    fn already_satisfied(&mut self, idx: usize, step: &Step, eval: &Eval) -> bool {
        if eval.met != Some(true) || check::partly_unobservable(&step.check) {
            return false;
        }
        let (state, why) = if matches!(step.action, Action::Observe) {
            (StepState::Done, eval.evidence.clone())
        } else {
            (
                StepState::Skipped,
                format!("already satisfied: {}", eval.evidence),
            )
        };
        self.set(idx, state, why);
        true
    }

    /// The step's action, its checks and guards passed.
    async fn act(
        &mut self,
        idx: usize,
        step: &Step,
        eval: &Eval,
        guards: Vec<String>,
    ) -> Result<(), Stop> {
        match &step.action {
            Action::Observe if eval.met.is_none() && !step.guards.is_empty() => {
                // Only reached when the operator overrode what c8dr could not confirm.
                self.set(
                    idx,
                    StepState::Done,
                    format!(
                        "overridden by the operator; c8dr could not confirm it: {}",
                        eval.evidence
                    ),
                );
                Ok(())
            }
            Action::Observe => {
                self.set(idx, StepState::Verifying, "");
                self.verify(idx, &step.check).await?;
                let e = self.state.progress[idx].evidence.clone();
                self.set(idx, StepState::Done, e);
                Ok(())
            }
            Action::Manual { .. } | Action::Checklist(_) => self.manual(idx, step).await,
            Action::RestartPod { .. } => Err(Stop::Failed(
                "a pod restart is offered while waiting, never planned as a step".into(),
            )),
            Action::Http(req) => {
                let approval = self.approval(idx, step, eval, guards).await?;
                self.set(idx, StepState::Running, "");
                self.perform(idx, step, req, approval).await?;
                self.finish(idx, step).await
            }
            Action::Scale(_) => {
                let approval = self.approval(idx, step, eval, guards).await?;
                self.set(idx, StepState::Running, "");
                // The moment of acting: what held when the operator confirmed must hold now.
                let facts = self.read(&Needs::of_step(step)).await;
                self.guards(step, &facts, Some("at the moment of acting"))?;
                self.gate
                    .scale(approval, idx, step)
                    .await
                    .map_err(Stop::Failed)?;
                self.finish(idx, step).await
            }
        }
    }

    /// Asks the operator for the confirmation the gate needs (after the dry run of a force)
    /// and hands the decision to the gate, which makes the step's approval or refuses.
    pub(super) async fn approval(
        &mut self,
        idx: usize,
        step: &Step,
        eval: &Eval,
        guards: Vec<String>,
    ) -> Result<Approval, Stop> {
        self.approval_with(idx, step, eval, guards, vec![]).await
    }

    /// As [`Self::approval`], the operator also shown `offer`: what a remediation offered
    /// while the step is blocked does and risks.
    pub(super) async fn approval_with(
        &mut self,
        idx: usize,
        step: &Step,
        eval: &Eval,
        guards: Vec<String>,
        offer: Vec<String>,
    ) -> Result<Approval, Stop> {
        // Read-only sends nothing at all, not even a dry run.
        self.gate.refuse_read_only(step).map_err(Stop::Aborted)?;
        let mut preview = Preview {
            guards,
            evidence: eval.evidence.clone(),
            dry_run: None,
            offer,
        };
        if step.danger == Danger::Force {
            preview.dry_run = self.force_preview(idx, step).await?;
        }
        self.set(
            idx,
            StepState::Ready,
            format!("{} step: waiting for confirmation", step.danger.word()),
        );
        let decision = self.ask(step, &preview).await;
        self.gate
            .approve(idx, step, decision)
            .map_err(|refusal| match refusal {
                Refusal::Declined(why) => Stop::Aborted(why),
                Refusal::Refused(why) => Stop::Failed(why),
            })
    }

    /// Asks the operator what the gate needs confirmed; the wait counts as the operator's.
    async fn ask(&mut self, step: &Step, preview: &Preview) -> Decision {
        let needs = self.gate.confirmation(step);
        let asked = Instant::now();
        let decision = self.op.confirm(step, &needs, preview).await;
        self.state.operator += asked.elapsed();
        decision
    }

    /// The dry run a force is shown with; one that does not answer with a plan refuses the
    /// force (unless overridden). `None`: the step's request has no dry-run form.
    async fn force_preview(&mut self, idx: usize, step: &Step) -> Result<Option<String>, Stop> {
        let Some((ok, text)) = self.dry_run(idx, step).await? else {
            return Ok(None);
        };
        if !ok {
            // 409 is the management API's "another topology change is in progress": a change
            // started between this step's guards and its dry run (another run, another tool).
            let why = if text.starts_with("HTTP 409") {
                format!(
                    "another topology change is pending: the dry run was refused ({text}): the force is not sent"
                )
            } else {
                format!("the dry run did not answer with a plan ({text}): the force is not sent")
            };
            let overridden = self.overriding();
            self.gate.refused(step, &why, overridden);
            if !overridden {
                return Err(Stop::Failed(format!("refused: {why}")));
            }
        }
        Ok(Some(text))
    }

    /// The dry run of a force step, retried like any request that changes nothing; `true`
    /// when it answered with a plan.
    async fn dry_run(&mut self, idx: usize, step: &Step) -> Result<Option<(bool, String)>, Stop> {
        let mut backoff = self.settings.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The newest change is all the dry run's journal line needs.
            let facts = self.read(&Needs::cluster()).await;
            let seen = newest_change(&facts);
            let Some(sent) = self.gate.dry_run(idx, step, seen).await else {
                return Ok(None);
            };
            match (&sent.verdict, &sent.answer) {
                (Verdict::Success, Ok(a)) => {
                    return Ok(Some((
                        true,
                        format!("HTTP {}: {}", a.status, dry_run_summary(&a.body)),
                    )));
                }
                (Verdict::Retry(why) | Verdict::Unknown(why), _)
                    if attempt < self.settings.attempts =>
                {
                    self.note(
                        idx,
                        format!("dry run attempt {attempt} failed ({why}); retrying"),
                    );
                    self.sleep(backoff).await?;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                (_, Ok(a)) => {
                    return Ok(Some((
                        false,
                        format!("HTTP {}: {}", a.status, gist(&a.body)),
                    )));
                }
                (_, Err(e)) => return Ok(Some((false, format!("dry run failed: {e}")))),
            }
        }
    }

    /// Sends the step's request with the retry rules; returns once it took effect (an answer
    /// that counts as success, or the effect seen right before sending). The approval goes
    /// with the request; the gate hands it back only for a request that provably did not
    /// take effect, which is all a retry may send again.
    async fn perform(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        approval: Approval,
    ) -> Result<(), Stop> {
        let mut approval = Some(approval);
        let mut attempt = 0u32;
        let mut backoff = self.settings.backoff;
        loop {
            attempt += 1;
            self.state.progress[idx].attempts = attempt;
            let Some(facts) = self.moment_of_sending(idx, step, req).await? else {
                return Ok(());
            };
            let Some(pass) = approval.take() else {
                return Err(Stop::Failed(format!(
                    "{}'s approval was used up: c8dr does not send it again by itself",
                    step.key
                )));
            };
            let seen = newest_change(&facts);
            let sent = self.gate.send(pass, idx, step, seen).await;
            self.record_attempt(idx, seen, &sent);
            approval = sent.approval;
            match sent.verdict {
                Verdict::Success => {
                    if req.kind() == RequestKind::Restore {
                        self.known.restore_finished = true;
                    }
                    return Ok(());
                }
                Verdict::Conflict => {
                    self.wait_no_pending(idx, "409: another change is in progress")
                        .await?;
                }
                Verdict::Retry(why) if attempt < self.settings.attempts => {
                    self.note(
                        idx,
                        format!(
                            "attempt {attempt} failed ({why}); retrying in {} ms after checking again",
                            backoff.as_millis()
                        ),
                    );
                    self.sleep(backoff).await?;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                Verdict::Retry(why) => {
                    return Err(Stop::Failed(format!("{why} (after {attempt} attempts)")));
                }
                Verdict::Fatal(why) => return Err(Stop::Failed(why)),
                Verdict::Unknown(why) => {
                    return self.answer_never_came(idx, step, req, seen, &why).await;
                }
            }
            if attempt >= self.settings.attempts * 2 {
                return Err(Stop::Failed(format!("gave up after {attempt} attempts")));
            }
        }
    }

    /// The moment of sending: waits for a pending change (before a change request), reads
    /// the facts again and re-judges the check and the guards. `None`: the effect is already
    /// there, nothing is to be sent.
    async fn moment_of_sending(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
    ) -> Result<Option<Facts>, Stop> {
        if req.expect == Expect::Change {
            self.wait_no_pending(idx, "waiting for the pending change before sending")
                .await?;
        }
        let (facts, eval) = self.judge_on(idx, &step.check, &Needs::of_step(step)).await;
        if eval.met == Some(true) && !check::partly_unobservable(&step.check) {
            self.note(
                idx,
                format!("already there at the moment of sending: {}", eval.evidence),
            );
            return Ok(None);
        }
        self.refuse_unknown(step, &eval, "at the moment of sending")?;
        self.guards(step, &facts, Some("at the moment of sending"))?;
        if req.kind() == RequestKind::Snapshot {
            self.record_snapshot_docs(idx, step, &facts);
        }
        Ok(Some(facts))
    }

    /// What this attempt left for a later retry or resume to settle, and its answer shown.
    fn record_attempt(&mut self, idx: usize, seen: Option<i64>, sent: &Sent) {
        if let Some(c) = sent.change_id {
            self.known.own_changes.insert(c);
        }
        self.attempts.insert(
            idx,
            Attempt {
                seen_change: seen,
                answer: Some(AttemptAnswer {
                    status: sent.answer.as_ref().ok().map(|a| a.status),
                    verdict: Some(
                        match (&sent.verdict, &sent.answer) {
                            (_, Err(SendError::NotSent(_) | SendError::Refused(_))) => "not_sent",
                            (Verdict::Success, _) => "success",
                            (Verdict::Unknown(_), _) => "unknown",
                            _ => "failed",
                        }
                        .into(),
                    ),
                    change_id: sent.change_id,
                }),
            },
        );
        self.state.progress[idx].answer = Some(match &sent.answer {
            Ok(a) => format!("HTTP {}: {}", a.status, gist(&a.body)),
            Err(e) => crate::text::clean(&e.to_string()),
        });
        self.op.update(&self.state);
    }

    /// The answer never came: the request may have been applied. Its effect or its trace
    /// settles it; without either, c8dr does not send it again by itself.
    async fn answer_never_came(
        &mut self,
        idx: usize,
        step: &Step,
        req: &Request,
        seen: Option<i64>,
        why: &str,
    ) -> Result<(), Stop> {
        match self.settle_unknown(idx, step, req, seen).await? {
            Settled::Done => Ok(()),
            Settled::Resend => Err(Stop::Failed(format!(
                "the answer never came ({why}) and the cluster shows no trace of the request yet; it may still arrive, so c8dr does not send it again by itself: retry to check again and send it after confirmation"
            ))),
        }
    }

    /// Before the run's snapshot: the surviving region's documents per index (exporting is
    /// paused), journaled, so the restore can later be judged by its data and not by names.
    fn record_snapshot_docs(&mut self, idx: usize, step: &Step, facts: &Facts) {
        if self.known.snapshot_docs.is_some() {
            return;
        }
        let Some(indices) = &facts.es[step.region].indices else {
            return;
        };
        let docs: BTreeMap<String, u64> = indices
            .iter()
            .filter_map(|(name, docs)| docs.map(|d| (name.clone(), d)))
            .collect();
        let _ = self.gate.journal(&Record::SnapshotDocs {
            step: idx,
            at: jiff::Timestamp::now().to_string(),
            docs: docs.clone(),
        });
        self.known.snapshot_docs = Some(docs);
    }

    /// After the action: wait for the effect, then done.
    pub(super) async fn finish(&mut self, idx: usize, step: &Step) -> Result<(), Stop> {
        self.set(idx, StepState::Verifying, "");
        if !check::observable(&step.check) {
            let a = self.state.progress[idx].answer.clone().unwrap_or_default();
            self.set(
                idx,
                StepState::Done,
                format!("the answer is the signal: {a}"),
            );
            return Ok(());
        }
        self.verify(idx, &step.check).await?;
        let e = self.state.progress[idx].evidence.clone();
        self.set(idx, StepState::Done, e);
        Ok(())
    }

    /// A step done elsewhere: what c8dr can see, it waits for; what it cannot (no API, no
    /// kube context for that region), the operator confirms, in the gate's identity.
    async fn manual(&mut self, idx: usize, step: &Step) -> Result<(), Stop> {
        self.set(idx, StepState::Manual, "waiting for the operator");
        let asked = Instant::now();
        let mut result = Ok(String::new());
        if check::observable(&step.check) {
            result = self
                .verify(idx, &step.check)
                .await
                .map(|()| self.state.progress[idx].evidence.clone());
        }
        if let Ok(seen) = &result
            && check::partly_unobservable(&step.check)
        {
            let seen = if seen.is_empty() {
                String::new()
            } else {
                format!("{seen}; ")
            };
            let needs = self.gate.confirmation(step);
            let decision = self.op.confirm(step, &needs, &Preview::default()).await;
            result = match self.gate.approve(idx, step, decision) {
                Ok(a) if a.unattended() => Ok(format!(
                    "{seen}confirmed by {} (unattended; not observable, left to the operator)",
                    a.by()
                )),
                Ok(a) => Ok(format!("{seen}confirmed by {} (not observable)", a.by())),
                Err(_) => Err(Stop::Aborted(
                    "the operator stopped at a manual step".into(),
                )),
            };
        }
        self.state.operator += asked.elapsed();
        let detail = result?;
        self.set(idx, StepState::Done, detail);
        Ok(())
    }
}
