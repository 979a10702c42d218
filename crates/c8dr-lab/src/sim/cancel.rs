//! Cancelling the change in flight (`DELETE /actuator/cluster/changes/{id}`) and the drill that
//! leaves one stuck on a lost region (camunda/camunda#63506).
//!
//! The semantics follow the coordinator's `cancelChange` (camunda/camunda#15180, #15208): the
//! request goes to the coordinator, the member with the lowest id (camunda/camunda#16424; a
//! cancel is no force request), so when that broker is lost the cancel cannot be performed —
//! the deadlock #63506 describes. It is refused with 400 when no change is in progress or the
//! id is not the current change's. Otherwise the pending operations are dropped, the ones
//! already applied stay (nothing is rolled back: "the cluster will be in an intermediate state
//! with partially applied changes"), the change becomes the last one with status CANCELLED and
//! the configuration version moves on by two.

use super::plan::{Plan, Refusal};
use super::{Entry, LastChange, Sim};
use c8dr_api::{BrokerId, ChangeStatus, Operation, OperationKind};

impl Sim {
    /// The broker a non-force request (such as a cancel) is sent to: the lowest member id.
    fn default_coordinator(&self) -> Option<BrokerId> {
        self.members.keys().copied().min()
    }

    /// `DELETE /actuator/cluster/changes/{id}` entering at `entry`.
    pub fn cancel_change(&mut self, entry: Entry, id: i64) -> Result<(), Refusal> {
        let Some(coordinator) = self.default_coordinator() else {
            return Err(Refusal {
                status: 502,
                message: "Failed to send request to broker: no member broker is known".into(),
            });
        };
        self.check_reach(entry, coordinator)?;
        let current = match &self.pending {
            None => {
                return Err(Refusal::invalid(format!(
                    "Cannot cancel change {id} because no change is in progress"
                )));
            }
            Some(pc) => pc.id,
        };
        if current != id {
            return Err(Refusal::invalid(format!(
                "Cannot cancel change {id} because it is not the current change"
            )));
        }
        let Some(pc) = self.pending.take() else {
            return Ok(());
        };
        tracing::warn!(
            change = id,
            applied = pc.completed.len(),
            dropped = pc.pending.len(),
            "lab: change cancelled; applied operations stay"
        );
        // As `ClusterConfiguration.cancelPendingChanges`: version + 2.
        self.version += 2;
        self.last_change = Some(LastChange {
            id,
            status: ChangeStatus::Cancelled,
            started: pc.started,
            completed: self.wall_now(),
        });
        Ok(())
    }

    /// `/lab/regions/{r}/fail-mid-change`: region `r` is lost while a change runs that needs
    /// its brokers — every replica's leader priority set again (what a rebalance plans), the
    /// other region's replicas first. The other region's operations complete; region `r`'s
    /// wait for brokers that do not answer, so the change stays pending (camunda/camunda#63506).
    /// When `r` holds the coordinator (broker 0, region 0), nothing progresses at all.
    /// Returns the change's id.
    pub fn fail_region_mid_change(&mut self, r: u8) -> Result<i64, Refusal> {
        self.check_no_pending()?;
        let Some(coordinator) = self.default_coordinator() else {
            return Err(Refusal::invalid("the cluster has no members"));
        };
        let ops = |in_r: bool| -> Vec<Operation> {
            self.members
                .iter()
                .filter(|(b, _)| (self.region_of(**b) == r) == in_r)
                .flat_map(|(b, m)| {
                    m.replicas.iter().map(|(p, rep)| Operation {
                        operation: OperationKind::PartitionReconfigurePriority,
                        broker_id: Some(*b),
                        partition_id: Some(*p),
                        priority: Some(rep.priority),
                        brokers: None,
                        exporter_id: None,
                        physical_tenant: None,
                        exporting_state: None,
                        partitioning_config: None,
                    })
                })
                .collect()
        };
        let waiting = ops(true);
        if waiting.is_empty() {
            return Err(Refusal::invalid(format!(
                "region {r} has no member brokers: no change can wait on it"
            )));
        }
        let mut operations = ops(false);
        operations.extend(waiting);
        let plan = Plan {
            operations,
            coordinator,
            replication_factor: self.replication_factor,
            initialize_from: None,
        };
        let (id, _) = self.start_change(Entry::Gateway(1 - r.min(1)), plan, false)?;
        self.fail_region(r);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{Camunda, Entry, Settings, Sim};
    use c8dr_api::ChangeStatus;
    use std::time::Duration;

    fn sim() -> Sim {
        Sim::new(
            Settings {
                camunda: Camunda::V88,
                brokers: 8,
                partitions: 8,
                replication_factor: 4,
            },
            jiff::Timestamp::UNIX_EPOCH,
        )
    }

    fn run(s: &mut Sim, secs: u64) {
        for t in 1..=secs * 10 {
            s.tick(Duration::from_millis(100 * t));
        }
    }

    #[test]
    fn a_change_stuck_on_region1_is_cancelled_keeping_what_was_applied() {
        let mut s = sim();
        run(&mut s, 1);
        let id = s.fail_region_mid_change(1).unwrap();
        run(&mut s, 5);
        let pc = s.pending.clone().expect("stuck");
        assert_eq!((pc.completed.len(), pc.pending.len()), (16, 16));
        let version = s.version;
        let wrong = s.cancel_change(Entry::Gateway(0), id + 1).unwrap_err();
        assert_eq!(wrong.status, 400);
        assert!(wrong.message.contains("not the current change"));
        s.cancel_change(Entry::Gateway(0), id).unwrap();
        assert!(s.pending.is_none());
        let last = s.last_change.clone().unwrap();
        assert_eq!((last.id, last.status), (id, ChangeStatus::Cancelled));
        assert_eq!(s.version, version + 2);
        let again = s.cancel_change(Entry::Gateway(0), id).unwrap_err();
        assert_eq!(again.status, 400);
        assert!(again.message.contains("no change is in progress"));
        // The next change gets a new id and is no longer blocked.
        assert!(s.check_no_pending().is_ok());
    }

    #[test]
    fn a_lost_coordinator_can_neither_progress_nor_cancel_the_change() {
        let mut s = sim();
        let id = s.fail_region_mid_change(0).unwrap();
        run(&mut s, 3);
        assert_eq!(s.pending.as_ref().map(|p| p.completed.len()), Some(0));
        let e = s.cancel_change(Entry::Gateway(1), id).unwrap_err();
        assert_eq!(e.status, 502, "{}", e.message);
        assert!(s.pending.is_some());
    }
}
