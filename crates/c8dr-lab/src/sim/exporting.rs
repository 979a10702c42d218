//! 8.10: exporting pause and resume as cluster configuration changes (camunda/camunda#39743,
//! PR #60737; zone-aware-dual-region.md §7.4).
//!
//! The exporting state lives in the configuration, per member (every partition it replicates),
//! so it survives restarts. A pause, soft pause or resume plans one `EXPORTING_STATE_CHANGE`
//! operation per member that is not yet in the wanted state (`ExportingStateChangeRequest
//! Transformer`: nothing to change → an empty plan), coordinated by the lowest member. Each
//! operation needs its broker, so a pause sent while a region is lost stalls on that region's
//! brokers and blocks a force removal (camunda/camunda#63506). `/lab/exporting/stall` holds such
//! a change pending on purpose, for drills and tests.
//!
//! Which runtime partitions are paused follows the state of the replica that exports: the
//! leader (a soft pause keeps exporting, it only stops committing positions).

use super::plan::{Plan, Refusal};
use super::{Camunda, Entry, Sim};
use c8dr_api::{BrokerId, ChangeStatus, ExporterPhase, Operation, OperationKind};
use std::collections::BTreeMap;

/// `ExportingState` of the configuration (API-D `components.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExportingState {
    Exporting,
    Paused,
    SoftPaused,
}

impl ExportingState {
    pub fn word(self) -> &'static str {
        match self {
            ExportingState::Exporting => "EXPORTING",
            ExportingState::Paused => "PAUSED",
            ExportingState::SoftPaused => "SOFT_PAUSED",
        }
    }

    fn parse(word: &str) -> Option<ExportingState> {
        [
            ExportingState::Exporting,
            ExportingState::Paused,
            ExportingState::SoftPaused,
        ]
        .into_iter()
        .find(|s| s.word() == word)
    }
}

/// The exporting part of the 8.10 configuration and the lab's hold on a change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exporting {
    /// Per member: the state its partitions' configuration holds (absent: EXPORTING).
    pub members: BTreeMap<BrokerId, ExportingState>,
    /// The change `/lab/exporting/stall` holds pending: none of its operations runs.
    pub held: Option<i64>,
}

/// How a change ended, as `ClusterConfigExportingControlService.progressOf` reads it from
/// `lastChange`: a later completed change means ours finished before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Pending,
    Completed,
    Failed,
}

impl Sim {
    /// Exporting is controlled through the configuration (8.10+).
    pub fn exporting_in_config(&self) -> bool {
        self.settings.camunda >= Camunda::V810
    }

    /// The exporting state of member `b`'s partitions.
    pub fn member_exporting(&self, b: BrokerId) -> ExportingState {
        self.exporting
            .members
            .get(&b)
            .copied()
            .unwrap_or(ExportingState::Exporting)
    }

    /// One `EXPORTING_STATE_CHANGE` per member with partitions not yet in `target`.
    pub fn plan_exporting(&self, target: ExportingState) -> Result<Plan, Refusal> {
        let Some(coordinator) = self.members.keys().copied().min() else {
            return Err(Refusal {
                status: 502,
                message: "No member broker to coordinate".into(),
            });
        };
        let operations = self
            .members
            .iter()
            .filter(|(b, m)| !m.replicas.is_empty() && self.member_exporting(**b) != target)
            .map(|(b, _)| Operation {
                operation: OperationKind::ExportingStateChange,
                broker_id: Some(*b),
                partition_id: None,
                priority: None,
                brokers: None,
                exporter_id: None,
                physical_tenant: None,
                exporting_state: Some(target.word().into()),
                partitioning_config: None,
            })
            .collect();
        Ok(Plan {
            operations,
            coordinator,
            replication_factor: self.replication_factor,
            initialize_from: None,
        })
    }

    /// Starts the change to `target`; `None` when every member already is in it.
    pub fn start_exporting_change(
        &mut self,
        entry: Entry,
        target: ExportingState,
    ) -> Result<Option<i64>, Refusal> {
        self.check_no_pending()?;
        let plan = self.plan_exporting(target)?;
        if plan.operations.is_empty() {
            return Ok(None);
        }
        let (id, _) = self.start_change(entry, plan, false)?;
        Ok(Some(id))
    }

    /// How change `id` stands.
    pub fn change_progress(&self, id: i64) -> Progress {
        match &self.last_change {
            Some(l) if l.id == id && l.status == ChangeStatus::Completed => Progress::Completed,
            Some(l) if l.id == id => Progress::Failed,
            Some(l) if l.id > id => Progress::Completed,
            _ => Progress::Pending,
        }
    }

    /// `/lab/exporting/stall`: starts a pause and holds it pending until it is cancelled or
    /// released (the backup job's pause that never finished, camunda/camunda#63506).
    pub fn stall_exporting(&mut self, entry: Entry) -> Result<i64, Refusal> {
        if !self.exporting_in_config() {
            return Err(Refusal {
                status: 409,
                message: "exporting changes are cluster changes from Camunda 8.10 only".into(),
            });
        }
        let target = if self
            .members
            .keys()
            .all(|b| self.member_exporting(*b) == ExportingState::Paused)
        {
            ExportingState::Exporting
        } else {
            ExportingState::Paused
        };
        let Some(id) = self.start_exporting_change(entry, target)? else {
            return Err(Refusal::invalid("no member to change"));
        };
        self.exporting.held = Some(id);
        Ok(id)
    }

    /// `/lab/exporting/release`: the held change may run again.
    pub fn release_exporting(&mut self) {
        self.exporting.held = None;
    }

    /// The lab holds change `id`: none of its operations starts.
    pub(super) fn held(&self, id: i64) -> bool {
        self.exporting.held == Some(id)
    }

    /// What a completed operation does to the exporting part of the configuration: an
    /// exporting change sets its member's state; a member that joins takes the state of the
    /// others ([derived]: a new replica starts from the agreed configuration); a removed one
    /// drops out.
    pub(super) fn exporting_after(&mut self, op: &Operation) {
        if !self.exporting_in_config() {
            return;
        }
        match (&op.operation, op.broker_id) {
            (OperationKind::ExportingStateChange, Some(b)) => {
                if let Some(s) = op
                    .exporting_state
                    .as_deref()
                    .and_then(ExportingState::parse)
                {
                    self.exporting.members.insert(b, s);
                }
            }
            (OperationKind::BrokerAdd, Some(b)) => {
                let agreed = self
                    .members
                    .keys()
                    .find(|m| **m != b)
                    .map(|m| self.member_exporting(*m))
                    .unwrap_or(ExportingState::Exporting);
                self.exporting.members.insert(b, agreed);
            }
            _ => {}
        }
        let members = &self.members;
        self.exporting
            .members
            .retain(|b, _| members.contains_key(b));
        self.refresh_paused();
    }

    /// Each partition is paused when the replica that exports (its leader, else its lowest
    /// replica) is paused.
    fn refresh_paused(&mut self) {
        let ids: Vec<i32> = self.partitions.keys().copied().collect();
        for p in ids {
            let exporter = self
                .partitions
                .get(&p)
                .and_then(|rt| rt.leader)
                .or_else(|| {
                    super::config::voters(&self.members, p)
                        .keys()
                        .next()
                        .copied()
                });
            let Some(b) = exporter else { continue };
            let paused = self.member_exporting(b) == ExportingState::Paused;
            if let Some(rt) = self.partitions.get_mut(&p) {
                rt.paused = paused;
            }
        }
    }

    /// `exporterPhase` a leader reports for its partition.
    pub fn exporter_phase(&self, p: i32, leader: BrokerId) -> ExporterPhase {
        if self.exporting_in_config() {
            return match self.member_exporting(leader) {
                ExportingState::Exporting => ExporterPhase::Exporting,
                ExportingState::Paused => ExporterPhase::Paused,
                ExportingState::SoftPaused => ExporterPhase::SoftPaused,
            };
        }
        if self.partitions.get(&p).is_some_and(|rt| rt.paused) {
            ExporterPhase::Paused
        } else {
            ExporterPhase::Exporting
        }
    }

    /// `POST /lab/exporters/{id}/stall|unstall`: the exporter `id` (or every exporter whose
    /// target is region N's Elasticsearch, for `regionN`) stops advancing while its target
    /// still answers, or advances again. Answers the exporters it applied to; none is an error.
    pub fn stall_exporters(&mut self, id: &str, stall: bool) -> Result<Vec<String>, String> {
        let region = id.strip_prefix("region").and_then(|r| r.parse::<u8>().ok());
        let which: Vec<String> = self
            .exporters
            .iter()
            .filter(|e| match region {
                Some(r) => Self::exporter_region(e) == Some(r),
                None => e.as_str() == id,
            })
            .cloned()
            .collect();
        if which.is_empty() {
            return Err(format!(
                "no exporter {id:?}; the exporters are {}",
                self.exporters.join(", ")
            ));
        }
        for e in &which {
            if stall {
                self.stalled_exporters.insert(e.clone());
            } else {
                self.stalled_exporters.remove(e);
            }
        }
        Ok(which)
    }

    /// `GET /v2/exporting`: one state when every replica reports it, else `MIXED`.
    pub fn exporting_status(&self) -> &'static str {
        let mut states = self
            .members
            .iter()
            .filter(|(_, m)| !m.replicas.is_empty())
            .map(|(b, _)| self.member_exporting(*b));
        let Some(first) = states.next() else {
            return ExportingState::Exporting.word();
        };
        if states.all(|s| s == first) {
            first.word()
        } else {
            "MIXED"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Settings, plan};
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

    fn run(s: &mut Sim, secs: u64) {
        let start = s.now;
        for t in 1..=secs * 10 {
            s.tick(start + Duration::from_millis(100 * t));
        }
    }

    #[test]
    fn a_pause_is_a_change_of_one_operation_per_member_and_a_repeat_plans_nothing() {
        let mut s = sim(Camunda::V810);
        let id = s
            .start_exporting_change(Entry::Gateway(0), ExportingState::Paused)
            .unwrap()
            .expect("a change");
        let pc = s.pending.clone().expect("pending");
        assert_eq!(pc.pending.len(), 8);
        assert!(pc.pending.iter().all(|o| {
            o.operation == OperationKind::ExportingStateChange
                && o.exporting_state.as_deref() == Some("PAUSED")
        }));
        assert_eq!(s.change_progress(id), Progress::Pending);
        assert_eq!(s.exporting_status(), "EXPORTING");
        run(&mut s, 3);
        assert_eq!(s.change_progress(id), Progress::Completed);
        assert!(s.partitions.values().all(|p| p.paused));
        assert_eq!(s.exporting_status(), "PAUSED");
        assert_eq!(
            s.start_exporting_change(Entry::Gateway(0), ExportingState::Paused),
            Ok(None)
        );
        // The state lives in the configuration: a restarted broker keeps it.
        s.set_webapps(0, false);
        run(&mut s, 30);
        assert!(s.partitions.values().all(|p| p.paused));
        let soft = s
            .start_exporting_change(Entry::Gateway(0), ExportingState::SoftPaused)
            .unwrap()
            .unwrap();
        run(&mut s, 3);
        assert_eq!(s.change_progress(soft), Progress::Completed);
        assert_eq!(s.exporting_status(), "SOFT_PAUSED");
        assert!(
            s.partitions.values().all(|p| !p.paused),
            "soft: still exporting"
        );
    }

    #[test]
    fn a_pause_during_a_region_loss_stalls_and_blocks_the_force_removal() {
        let mut s = sim(Camunda::V810);
        s.fail_region(1);
        let id = s
            .start_exporting_change(Entry::Gateway(0), ExportingState::Paused)
            .unwrap()
            .unwrap();
        run(&mut s, 5);
        assert_eq!(s.change_progress(id), Progress::Pending);
        let pc = s.pending.clone().unwrap();
        // Sequential, in member order: broker 0 applied it, broker 1 (lost) never answers.
        assert_eq!((pc.completed.len(), pc.pending.len()), (1, 7));
        assert_eq!(s.exporting_status(), "MIXED");
        let remove = [1, 3, 5, 7].into_iter().map(BrokerId::Numbered).collect();
        let force = plan::force_remove(&s.members, 8, &remove, 4).unwrap();
        let refused = s.start_change(Entry::Gateway(0), force, false).unwrap_err();
        assert_eq!(refused.status, 409);
        // Another pause is refused the same way.
        assert_eq!(
            s.start_exporting_change(Entry::Gateway(0), ExportingState::Exporting)
                .unwrap_err()
                .status,
            409
        );
        s.cancel_change(Entry::Gateway(0), id).unwrap();
        assert_eq!(s.change_progress(id), Progress::Failed);
    }

    #[test]
    fn a_stalled_change_is_held_until_cancelled_or_released() {
        let mut s = sim(Camunda::V810);
        let id = s.stall_exporting(Entry::Gateway(0)).unwrap();
        run(&mut s, 5);
        let pc = s.pending.clone().expect("held");
        assert_eq!((pc.id, pc.completed.len()), (id, 0));
        s.release_exporting();
        run(&mut s, 3);
        assert_eq!(s.change_progress(id), Progress::Completed);
        assert!(
            sim(Camunda::V89)
                .stall_exporting(Entry::Gateway(0))
                .is_err()
        );
    }
}
