//! 8.10: two-phase partition joins and leaves (camunda/camunda PR #61173;
//! zone-aware-dual-region.md §7.5).
//!
//! A joining replica first becomes a `LEARNER` (it replicates but does not vote) and is made a
//! voting member by a `PARTITION_PROMOTE` planned right after its `PARTITION_JOIN`; a leaving
//! replica is first demoted (`PARTITION_DEMOTE`, right before its `PARTITION_LEAVE`). The
//! order is the one camunda/camunda's transformers plan (`PartitionJoinOperation` then
//! `PartitionPromoteOperation` for the same member and partition). The expected configuration
//! of a plan is unchanged: a promoted replica ends `ACTIVE`, as a one-phase join did.

use super::Sim;
use super::plan::Plan;
use c8dr_api::{Operation, OperationKind, PartitionStateCode};

/// `plan` as 8.10 plans it: each join followed by its promotion, each leave preceded by its
/// demotion.
pub fn two_phase(plan: Plan) -> Plan {
    let mut operations = Vec::with_capacity(plan.operations.len());
    for op in plan.operations {
        let step = |kind: OperationKind| Operation {
            operation: kind,
            broker_id: op.broker_id,
            partition_id: op.partition_id,
            priority: None,
            brokers: None,
            exporter_id: None,
            physical_tenant: op.physical_tenant.clone(),
            exporting_state: None,
            partitioning_config: None,
        };
        match op.operation {
            OperationKind::PartitionJoin => {
                let promote = step(OperationKind::PartitionPromote);
                operations.push(op);
                operations.push(promote);
            }
            OperationKind::PartitionLeave => {
                operations.push(step(OperationKind::PartitionDemote));
                operations.push(op);
            }
            _ => operations.push(op),
        }
    }
    Plan { operations, ..plan }
}

impl Sim {
    /// The plan of a change request, as this Camunda version plans it.
    pub fn versioned(&self, plan: Plan) -> Plan {
        if self.settings.camunda >= super::Camunda::V810 {
            two_phase(plan)
        } else {
            plan
        }
    }

    /// What a completed operation does to a replica's state on 8.10: a join leaves a
    /// learner, a promotion makes it active, a demotion makes it a learner again.
    pub(super) fn two_phase_after(&mut self, op: &Operation, now: jiff::Timestamp) {
        if self.settings.camunda < super::Camunda::V810 {
            return;
        }
        let state = match op.operation {
            OperationKind::PartitionJoin | OperationKind::PartitionDemote => {
                PartitionStateCode::Learner
            }
            OperationKind::PartitionPromote => PartitionStateCode::Active,
            _ => return,
        };
        let (Some(b), Some(p)) = (op.broker_id, op.partition_id) else {
            return;
        };
        if let Some(m) = self.members.get_mut(&b)
            && let Some(r) = m.replicas.get_mut(&p)
        {
            r.state = state;
            m.version += 1;
            m.updated = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Camunda, Entry, Settings, plan};
    use c8dr_api::BrokerId;
    use std::collections::BTreeSet;
    use std::time::Duration;

    fn sim(camunda: Camunda) -> Sim {
        Sim::new(
            Settings {
                camunda,
                brokers: 8,
                partitions: 8,
                replication_factor: 4,
            },
            jiff::Timestamp::UNIX_EPOCH,
        )
    }

    fn kinds(plan: &Plan) -> Vec<OperationKind> {
        plan.operations
            .iter()
            .map(|o| o.operation.clone())
            .collect()
    }

    /// Region 1 force-removed, then the failback's re-add as planned by `camunda`.
    fn failed_over(camunda: Camunda) -> (Sim, Plan) {
        let mut s = sim(camunda);
        s.fail_region(1);
        let odd: BTreeSet<BrokerId> = [1, 3, 5, 7].into_iter().map(BrokerId::Numbered).collect();
        let force = plan::force_remove(&s.members, 8, &odd, 4).unwrap();
        s.start_change(Entry::Gateway(0), force, false).unwrap();
        for t in 1..=50 {
            s.tick(Duration::from_millis(100 * t));
        }
        assert!(s.pending.is_none());
        s.recreate_region(1, false, false);
        let all: BTreeSet<BrokerId> = (0..8).map(BrokerId::Numbered).collect();
        let add = s.versioned(plan::scale(&s.members, 8, &all, 4).unwrap());
        (s, add)
    }

    #[test]
    fn joins_are_promoted_and_leaves_demoted_on_8_10_only() {
        let (_, before) = failed_over(Camunda::V89);
        assert!(!kinds(&before).contains(&OperationKind::PartitionPromote));
        let (mut s, add) = failed_over(Camunda::V810);
        let k = kinds(&add);
        assert_eq!(
            k.iter()
                .filter(|o| **o == OperationKind::PartitionPromote)
                .count(),
            16
        );
        for (i, o) in add.operations.iter().enumerate() {
            if o.operation == OperationKind::PartitionJoin {
                let next = &add.operations[i + 1];
                assert_eq!(next.operation, OperationKind::PartitionPromote);
                assert_eq!(
                    (next.broker_id, next.partition_id),
                    (o.broker_id, o.partition_id)
                );
            }
        }
        // The joiner is a learner until its promotion, and does not vote.
        s.start_change(Entry::Gateway(0), add, false).unwrap();
        let mut saw_learner = false;
        for _ in 0..3000 {
            s.tick(s.now + Duration::from_millis(20));
            let learners: Vec<(BrokerId, i32)> = s
                .members
                .iter()
                .flat_map(|(b, m)| {
                    m.replicas
                        .iter()
                        .filter(|(_, r)| r.state == PartitionStateCode::Learner)
                        .map(|(p, _)| (*b, *p))
                })
                .collect();
            for (b, p) in &learners {
                assert!(!crate::sim::config::voters(&s.members, *p).contains_key(b));
            }
            saw_learner |= !learners.is_empty();
            if s.pending.is_none() {
                break;
            }
        }
        assert!(saw_learner, "a joiner was a learner for a while");
        assert!(s.pending.is_none(), "the re-add completes");
        assert_eq!(s.replication_factor, 4);
        assert!(s.members.values().all(|m| {
            m.replicas.len() == 4
                && m.replicas
                    .values()
                    .all(|r| r.state == PartitionStateCode::Active)
        }));
        // A leave is demoted first.
        let fewer: BTreeSet<BrokerId> = (0..8).map(BrokerId::Numbered).collect();
        let shrink = s.versioned(plan::scale(&s.members, 8, &fewer, 2).unwrap());
        let k = kinds(&shrink);
        let leave = k
            .iter()
            .position(|o| *o == OperationKind::PartitionLeave)
            .unwrap();
        assert_eq!(k[leave - 1], OperationKind::PartitionDemote);
    }
}
