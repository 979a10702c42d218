//! A step blocked by a topology change it did not start (camunda/camunda#63506): a change
//! from before the outage that waits on the lost region never finishes, and the force removal
//! is refused while it is pending. When that change is the only thing in the way (every other
//! guard holds), the engine shows it — id, age, progress, operations, what it waits on — and
//! offers to cancel it (`DELETE /actuator/cluster/changes/{id}`) through the gate, with the
//! risk said: nothing is rolled back, the topology stays partially changed. The cancel needs
//! the lost region's name typed, is journaled and audited, and is only sent while that very
//! change is still the pending one; a change that ended meanwhile is not cancelled. Declining
//! leaves the step refused as before, nothing sent.

use super::*;
use crate::runbook::answer::{Verdict, gist};
use crate::runbook::blocker::{self, Blocker};
use crate::runbook::plan::{Danger, Guard, Request};

/// How the offer to cancel the change in the way ended.
pub(super) enum Unblocked {
    /// Nothing to offer: the step's guards decide as usual.
    NotOffered,
    /// That change is no longer pending (cancelled, or it ended meanwhile): the step starts
    /// over on fresh facts.
    Cleared,
    /// The change stays (the operator declined, or the gate refused): why.
    Kept(String),
}

impl<E: Executor, O: Operator> Runner<E, O> {
    /// The change in the way of `step`, when it is the only thing in the way: the step guards
    /// against pending changes, the configuration is fresh, the change is not this run's, and
    /// without it every guard of the step would hold (a change is never cancelled to let a
    /// step act that may not).
    fn blocker(&self, step: &Step, facts: &Facts) -> Option<Blocker> {
        if self.settings.read_only || !step.guards.contains(&Guard::NoPendingChange) {
            return None;
        }
        let c = facts.view.cluster.pending_change.as_ref()?;
        if facts.view.cluster.config_from.is_none() || self.known.own_changes.contains(&c.id) {
            return None;
        }
        let mut without = facts.clone();
        without.view.cluster.pending_change = None;
        if step
            .guards
            .iter()
            .any(|g| check::guard(g, &without).is_err())
        {
            return None;
        }
        blocker::describe(&facts.view, self.state.inputs.region)
    }

    /// The cancel as a step of its own, under the key of the blocked step (`idx`), so that
    /// the gate asks for it and books it like any other. A FORCE: the lost region's name is
    /// typed, as for the removal it clears the way for.
    fn cancel_step(&self, step: &Step, b: &Blocker) -> Step {
        Step {
            key: step.key.clone(),
            title: b.title(),
            cite: "§8 #1 (camunda/camunda#63506)",
            region: step.region,
            danger: Danger::Force,
            action: Action::Http(Request::cancel_change(step.region, b.id)),
            check: Check::Unobservable,
            guards: vec![],
            note: Some(
                "Cancelling rolls nothing back: applied operations stay, pending ones are dropped \
                 (ClusterEndpoint.cancelChange); the topology may need manual cleanup."
                    .into(),
            ),
        }
    }

    /// Offers to cancel the change blocking `step` (see the module comment).
    pub(super) async fn unblock(
        &mut self,
        idx: usize,
        step: &Step,
        facts: &Facts,
    ) -> Result<Unblocked, Stop> {
        let Some(b) = self.blocker(step, facts) else {
            return Ok(Unblocked::NotOffered);
        };
        let lost = self.state.inputs.names[self.state.inputs.region].clone();
        let cancel = self.cancel_step(step, &b);
        let mut offer = b.lines(&lost);
        offer.push(format!(
            "sends DELETE /actuator/cluster/changes/{} to {}'s management API; {} then starts over",
            b.id, self.state.inputs.names[step.region], step.key
        ));
        let guards: Vec<String> = step
            .guards
            .iter()
            .map(|g| match check::guard(g, facts) {
                Ok(why) => format!("✔ {why}"),
                Err(why) => format!("✖ {why}"),
            })
            .collect();
        let eval = Eval {
            met: Some(false),
            progress: Some((b.done, b.total)),
            evidence: offer.first().cloned().unwrap_or_default(),
        };
        self.show(idx, &eval);
        let approval = match self.approval_with(idx, &cancel, &eval, guards, offer).await {
            Ok(a) => a,
            Err(Stop::Failed(why) | Stop::Aborted(why)) => {
                self.note(idx, format!("change #{} kept pending: {why}", b.id));
                return Ok(Unblocked::Kept(why));
            }
        };
        self.set(
            idx,
            StepState::Running,
            format!("cancelling the blocking change #{}", b.id),
        );
        // The moment of sending: only that very change, still pending and still the only
        // thing in the way, is cancelled.
        let fresh = self.facts().await;
        match self.blocker(step, &fresh) {
            Some(now) if now.id == b.id => {}
            _ => {
                self.note(
                    idx,
                    format!(
                        "change #{} is no longer the one in the way ({}): nothing cancelled",
                        b.id,
                        pending_words(&fresh)
                    ),
                );
                return Ok(Unblocked::Cleared);
            }
        }
        let sent = self
            .gate
            .send(approval, idx, &cancel, newest_change(&fresh))
            .await;
        let answer = match &sent.answer {
            Ok(a) if sent.verdict == Verdict::Success => {
                format!("HTTP {}: change #{} cancelled", a.status, b.id)
            }
            Ok(a) => format!("HTTP {}: {}", a.status, gist(&a.body)),
            Err(e) => crate::text::clean(&e.to_string()),
        };
        self.state.progress[idx].answer = Some(answer.clone());
        self.op.update(&self.state);
        let after = self.facts().await;
        let still = after
            .view
            .cluster
            .pending_change
            .as_ref()
            .is_some_and(|c| c.id == b.id);
        if sent.verdict != Verdict::Success && still {
            let coordinator = match (b.coordinator, b.coordinator_lost) {
                (Some(c), true) => format!(
                    "; the cancel must reach the coordinator, broker {c}, in the lost {lost}: \
                     camunda/camunda#63506 leaves no way out through the API; escalate to \
                     Camunda support"
                ),
                _ => String::new(),
            };
            return Err(Stop::Failed(format!(
                "refused: change #{} blocks {} and cancelling it failed ({answer}){coordinator}",
                b.id, step.key
            )));
        }
        self.wait_gone(idx, b.id).await?;
        let fin = self.facts().await;
        let ended = match &fin.view.cluster.last_change {
            Some(l) if l.id == b.id => {
                if l.status == crate::model::ChangeState::Cancelled {
                    self.known.cancelled.insert(b.id);
                }
                l.status.to_string()
            }
            _ => "ended".into(),
        };
        self.note(
            idx,
            format!(
                "change #{} {ended}: its {} applied operations stay, {} pending ones were dropped; continuing {}",
                b.id,
                b.done,
                b.total.saturating_sub(b.done),
                step.key
            ),
        );
        Ok(Unblocked::Cleared)
    }

    /// Waits until change `id` is no longer pending (deadline: the step timeout).
    async fn wait_gone(&mut self, idx: usize, id: i64) -> Result<(), Stop> {
        self.note(idx, format!("waiting for change #{id} to end"));
        let until = Instant::now() + self.settings.step_timeout;
        let mut reads = 0;
        loop {
            // The cancel was just answered: its end is moments away and only the cluster's
            // configuration tells it, so read that alone, fast at first (`pace`).
            let facts = self.read(&Needs::cluster()).await;
            reads += 1;
            let pending = facts.view.cluster.pending_change.as_ref().map(|c| c.id);
            if facts.view.cluster.config_from.is_some() && pending != Some(id) {
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(Stop::Failed(format!(
                    "change #{id} was cancelled but still shows pending after {} s",
                    self.settings.step_timeout.as_secs()
                )));
            }
            self.sleep(pace::interval(self.settings.poll, reads))
                .await?;
        }
    }
}

/// The change the cluster shows now, in words.
fn pending_words(f: &Facts) -> String {
    let c = &f.view.cluster;
    match (&c.pending_change, &c.last_change) {
        (Some(p), _) => format!("change #{} is pending now", p.id),
        (None, Some(l)) => format!("no change pending; the last, #{}, ended {}", l.id, l.status),
        (None, None) => "no change pending".into(),
    }
}
