//! Stuck recreated brokers (camunda/camunda#55038, dual-region-procedure.md §8 #3): a broker
//! that started before its peers resolved hangs Running-but-not-Ready and never joins until
//! its pod is replaced. While the engine waits for the recreated brokers, it offers to delete
//! such a pod: one at a time, with confirmation, at most `max_restarts` per run.

use super::*;
use crate::runbook::plan::Danger;

impl<E: Executor, O: Operator> Runner<E, O> {
    /// Offers to restart one recreated broker pod that hangs Running-but-not-Ready without
    /// joining (camunda/camunda#55038): one at a time, with confirmation, at most
    /// `max_restarts` per run. Declining keeps the pod and the wait goes on.
    pub(super) async fn heal_stuck(&mut self, idx: usize, facts: &Facts) {
        let Some(pod) = self.due_stuck_pod(facts) else {
            return;
        };
        let step = self.restart_step(idx, &pod);
        let eval = Eval {
            met: None,
            progress: None,
            evidence: format!("{pod} Running, not Ready, not in the topology"),
        };
        let approval = match self.approval(idx, &step, &eval, vec![]).await {
            Ok(a) => a,
            Err(_) => {
                self.keep.insert(pod);
                self.set(
                    idx,
                    StepState::Verifying,
                    "the stuck pod is kept, as the operator chose",
                );
                return;
            }
        };
        // The moment of acting: only a pod that is still stuck is deleted.
        let fresh = self.facts().await;
        if !self.stuck_pods(&fresh).contains(&pod) {
            self.stuck_since.remove(&pod);
            self.set(
                idx,
                StepState::Verifying,
                format!("{pod} is no longer stuck (or c8dr cannot tell): not restarted"),
            );
            return;
        }
        let result = self.gate.restart_pod(approval, idx, &step).await;
        self.restarts += 1;
        self.last_restart = Some(Instant::now());
        self.stuck_since.remove(&pod);
        self.set(
            idx,
            StepState::Verifying,
            match result {
                Ok(()) => format!(
                    "restarted the stuck pod {pod} ({}/{})",
                    self.restarts, self.settings.max_restarts
                ),
                Err(e) => format!("restarting {pod} failed: {e}"),
            },
        );
    }
}

impl<E: Executor, O: Operator> Runner<E, O> {
    /// The stuck pod to offer a restart for now, if any: a failback with a kube context for
    /// the recreated region, the pod stuck for `stuck_after`, not kept by the operator, the
    /// last restart `stuck_after` ago, fewer than `max_restarts` so far.
    fn due_stuck_pod(&mut self, facts: &Facts) -> Option<String> {
        let i = &self.state.inputs;
        if i.procedure != crate::runbook::plan::Procedure::Failback || i.kube[i.region].is_none() {
            return None;
        }
        let now = Instant::now();
        let stuck = self.stuck_pods(facts);
        self.stuck_since.retain(|pod, _| stuck.contains(pod));
        for pod in &stuck {
            self.stuck_since.entry(pod.clone()).or_insert(now);
        }
        let due = self
            .last_restart
            .is_none_or(|t| t.elapsed() >= self.settings.stuck_after);
        let pod = self
            .stuck_since
            .iter()
            .find(|(p, since)| {
                !self.keep.contains(*p) && since.elapsed() >= self.settings.stuck_after
            })
            .map(|(p, _)| p.clone())?;
        (due && self.restarts < self.settings.max_restarts).then_some(pod)
    }

    /// The restart of `pod` as a step of its own, under the key of the step that waits
    /// (`idx`), so that the gate asks for it and books it like any other.
    fn restart_step(&self, idx: usize, pod: &str) -> Step {
        let i = &self.state.inputs;
        let region = i.region;
        Step {
            key: self.state.steps[idx].key.clone(),
            title: format!("Restart stuck broker pod {pod} in {}", i.names[region]),
            cite: "§8 #3 (camunda/camunda#55038)",
            region,
            danger: Danger::Mutating,
            action: Action::RestartPod {
                region,
                pod: pod.to_string(),
            },
            check: Check::Unobservable,
            guards: vec![],
            note: Some(format!(
                "{pod} has been Running but not Ready, outside the cluster, for {} s: a broker \
                 that started before its peers resolved hangs until its pod is replaced.",
                self.settings.stuck_after.as_secs()
            )),
        }
    }

    /// The recreated brokers' pods that run but are not ready and that a fresh topology
    /// shows missing (without a topology no pod counts as stuck: c8dr cannot tell).
    fn stuck_pods(&self, facts: &Facts) -> BTreeSet<String> {
        let i = &self.state.inputs;
        let Some((_, _, release)) = &i.kube[i.region] else {
            return BTreeSet::new();
        };
        facts
            .view
            .brokers
            .iter()
            .filter(|b| {
                i.ids.contains(&b.id)
                    && b.region == i.region
                    && b.pod_status.as_deref() == Some("Running")
                    && b.pod_ready == Some(false)
                    && b.reachable == Some(false)
            })
            .map(|b| b.id.pod(release))
            .collect()
    }
}

/// Checks that wait for the recreated brokers to come up (where a hung pod blocks).
pub(super) fn waits_for_recreated_brokers(c: &Check) -> bool {
    match c {
        Check::BrokersListed(_) | Check::ClusterComplete { .. } | Check::ZoneComplete { .. } => {
            true
        }
        Check::All(v) => v.iter().any(waits_for_recreated_brokers),
        _ => false,
    }
}
