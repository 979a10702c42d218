//! Waiting: for a check to be met (with the pod restarts a hung recreated broker needs), for a
//! pending topology change to finish, and between attempts — each wait bounded by the step's
//! timeout and ended early when the operator asks to stop. A wait re-reads only what decides
//! it ([`Needs`]), fast at first and backing off to the poll ([`pace`]).

use super::*;

impl<E: Executor, O: Operator> Runner<E, O> {
    /// Waits until the check is met (deadline: the step timeout). One of this run's changes
    /// that ends FAILED or CANCELLED stops the wait at once.
    pub(super) async fn verify(&mut self, idx: usize, c: &Check) -> Result<(), Stop> {
        let until = Instant::now() + self.settings.step_timeout;
        // The check's own reads, the cluster's changes (this run's change ending FAILED stops
        // the wait) and, while recreated brokers are awaited, their pods.
        let mut needs = Needs::of(c).with(Needs::cluster());
        if waits_for_recreated_brokers(c) {
            needs = needs.with(Needs::sources(&[
                crate::model::Source::Pods,
                crate::model::Source::Topology,
            ]));
        }
        let (started, mut reads, mut progress) = (Instant::now(), 0, pace::Progress::default());
        loop {
            let (facts, eval) = self.judge_on(idx, c, &needs).await;
            reads += 1;
            if eval.met == Some(true) {
                return Ok(());
            }
            if let Some(l) = &facts.view.cluster.last_change
                && self.known.own_changes.contains(&l.id)
                && matches!(l.status.as_str(), "FAILED" | "CANCELLED")
                && facts.view.cluster.pending_change.is_none()
                && self
                    .attempts
                    .get(&idx)
                    .and_then(|a| a.answer.as_ref())
                    .and_then(|a| a.change_id)
                    == Some(l.id)
            {
                return Err(Stop::Failed(format!(
                    "this run's change #{} ended {}: {}",
                    l.id, l.status, eval.evidence
                )));
            }
            if waits_for_recreated_brokers(c) {
                self.heal_stuck(idx, &facts).await;
            }
            if Instant::now() >= until {
                return Err(Stop::Failed(format!(
                    "not verified within {} s: {}",
                    self.settings.step_timeout.as_secs(),
                    eval.evidence
                )));
            }
            let pending = pending_progress(&facts.view);
            self.sleep(progress.next(self.settings.poll, reads, started.elapsed(), pending))
                .await?;
        }
    }

    pub(super) async fn wait_no_pending(&mut self, idx: usize, why: &str) -> Result<(), Stop> {
        let until = Instant::now() + self.settings.step_timeout;
        let (started, mut reads, mut progress) = (Instant::now(), 0, pace::Progress::default());
        loop {
            let facts = self.read(&Needs::cluster()).await;
            reads += 1;
            let Some(c) = facts.view.cluster.pending_change.clone() else {
                return Ok(());
            };
            let own = if self.known.own_changes.contains(&c.id) {
                "this run's "
            } else {
                ""
            };
            let p = &mut self.state.progress[idx];
            p.detail = why.to_string();
            p.evidence = format!(
                "{own}change #{} {} ({}/{} operations)",
                c.id, c.status, c.done, c.total
            );
            p.progress = Some((c.done, c.total));
            self.op.update(&self.state);
            if Instant::now() >= until {
                return Err(Stop::Failed(format!(
                    "change #{} still pending after {} s (camunda/camunda#63506?)",
                    c.id,
                    self.settings.step_timeout.as_secs()
                )));
            }
            let pending = Some((c.id, c.done, c.total));
            self.sleep(progress.next(self.settings.poll, reads, started.elapsed(), pending))
                .await?;
        }
    }

    pub(super) async fn sleep(&mut self, d: Duration) -> Result<(), Stop> {
        if self.op.abort_requested() {
            return Err(Stop::Aborted("aborted by the operator".into()));
        }
        tokio::time::sleep(d).await;
        self.tick();
        Ok(())
    }
}

/// The change in flight, as the pace projects its end from: id, operations done, in all.
fn pending_progress(v: &crate::model::ClusterView) -> Option<(i64, usize, usize)> {
    v.cluster
        .pending_change
        .as_ref()
        .map(|c| (c.id, c.done, c.total))
}
