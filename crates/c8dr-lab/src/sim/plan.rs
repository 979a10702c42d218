//! Turning a requested change into planned operations, with the server's validation.
//!
//! Errors carry the HTTP status the real management API answers with
//! (`ClusterApiUtils`: invalid request → 400, concurrent change → 409, broker unreachable →
//! 502). Operation shapes follow `ClusterApiUtils.mapOperation` (examples/NOTES.md): a force
//! reconfigure names the executing broker and the new replica set, a force member removal the
//! coordinator and the removed broker.

use super::config::{Members, voters};
use super::layout::round_robin;
use c8dr_api::{BrokerId, ExporterStateCode, Operation, OperationKind};
use std::collections::BTreeSet;

/// A refused request, with the status code the real server uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    pub fn invalid(message: impl Into<String>) -> Self {
        Refusal {
            status: 400,
            message: message.into(),
        }
    }
}

/// A planned change, not yet started.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub operations: Vec<Operation>,
    /// The broker that coordinates the change (lowest member id; for force requests the
    /// lowest surviving id, camunda/camunda#16424).
    pub coordinator: BrokerId,
    /// Replication factor the topology reports once the change is done.
    pub replication_factor: i32,
    /// For exporter enables: the exporter whose position the enabled one starts from.
    pub initialize_from: Option<String>,
}

fn op(kind: OperationKind, broker: BrokerId) -> Operation {
    Operation {
        operation: kind,
        broker_id: Some(broker),
        partition_id: None,
        priority: None,
        brokers: None,
        exporter_id: None,
        physical_tenant: None,
        exporting_state: None,
        partitioning_config: None,
    }
}

fn lowest(ids: impl IntoIterator<Item = BrokerId>) -> Option<BrokerId> {
    ids.into_iter().min()
}

/// Force removal (`?force=true`): drops the given brokers from every replica set without
/// their cooperation and without redistributing, so the replication factor shrinks.
pub fn force_remove(
    members: &Members,
    partitions: u32,
    remove: &BTreeSet<BrokerId>,
    current_rf: i32,
) -> Result<Plan, Refusal> {
    if remove.is_empty() {
        return Err(Refusal::invalid(
            "Expected at least one broker to remove, but none given",
        ));
    }
    let removed: BTreeSet<BrokerId> = remove
        .iter()
        .copied()
        .filter(|b| members.contains_key(b))
        .collect();
    let survivors: Vec<BrokerId> = members
        .keys()
        .copied()
        .filter(|b| !removed.contains(b))
        .collect();
    let Some(coordinator) = lowest(survivors.iter().copied()) else {
        return Err(Refusal::invalid(
            "Cannot force remove all brokers of the cluster",
        ));
    };
    let mut operations = Vec::new();
    let mut rf = i32::MAX;
    for p in 1..=partitions as i32 {
        let replicas = voters(members, p);
        let remaining: Vec<BrokerId> = replicas
            .keys()
            .copied()
            .filter(|b| !removed.contains(b))
            .collect();
        if remaining.is_empty() {
            return Err(Refusal::invalid(format!(
                "Cannot force remove brokers {}: partition {p} would have no replicas left",
                list(&removed)
            )));
        }
        rf = rf.min(remaining.len() as i32);
        if remaining.len() < replicas.len() {
            let mut o = op(OperationKind::PartitionForceReconfigure, remaining[0]);
            o.partition_id = Some(p);
            o.brokers = Some(remaining);
            operations.push(o);
        }
    }
    for r in &removed {
        let mut o = op(OperationKind::BrokerRemove, coordinator);
        o.brokers = Some(vec![*r]);
        operations.push(o);
    }
    if operations.is_empty() {
        rf = current_rf;
    }
    Ok(Plan {
        operations,
        coordinator,
        replication_factor: rf,
        initialize_from: None,
    })
}

/// A regular reconfiguration to the member set `target` with replication factor `rf`:
/// add brokers, redistribute round-robin (join, reprioritize, leave), remove brokers.
pub fn scale(
    members: &Members,
    partitions: u32,
    target: &BTreeSet<BrokerId>,
    rf: i32,
) -> Result<Plan, Refusal> {
    if target.is_empty() {
        return Err(Refusal::invalid(
            "Expected at least one broker in the cluster, but none given",
        ));
    }
    if rf < 1 {
        return Err(Refusal::invalid(format!(
            "Replication factor {rf} must be at least 1"
        )));
    }
    if rf as usize > target.len() {
        return Err(Refusal::invalid(format!(
            "Replication factor {rf} must not be greater than the number of brokers {}",
            target.len()
        )));
    }
    let Some(coordinator) = lowest(members.keys().copied()) else {
        return Err(Refusal {
            status: 502,
            message: "No member broker to coordinate".into(),
        });
    };
    let wanted: Vec<BrokerId> = target.iter().copied().collect();
    let layout = round_robin(&wanted, partitions, rf as u32);
    let mut operations: Vec<Operation> = target
        .iter()
        .filter(|b| !members.contains_key(b))
        .map(|b| op(OperationKind::BrokerAdd, *b))
        .collect();
    operations.extend(redistribute(members, &layout));
    operations.extend(
        members
            .keys()
            .filter(|b| !target.contains(b))
            .map(|b| op(OperationKind::BrokerRemove, *b)),
    );
    Ok(Plan {
        operations,
        coordinator,
        replication_factor: rf,
        initialize_from: None,
    })
}

/// Enabling or disabling an exporter on every replica that is not yet in the wanted state.
pub fn exporter(
    members: &Members,
    configured: &[String],
    exporter_id: &str,
    enable: bool,
    initialize_from: Option<&str>,
    current_rf: i32,
) -> Result<Plan, Refusal> {
    if !configured.iter().any(|e| e == exporter_id) {
        return Err(Refusal::invalid(format!(
            "Exporter '{exporter_id}' is not configured; configured exporters are {}",
            configured.join(", ")
        )));
    }
    if let Some(from) = initialize_from {
        if from == exporter_id {
            return Err(Refusal::invalid(format!(
                "Cannot initialize exporter '{exporter_id}' from itself"
            )));
        }
        if !configured.iter().any(|e| e == from) {
            return Err(Refusal::invalid(format!(
                "Cannot initialize exporter '{exporter_id}' from '{from}': no such exporter"
            )));
        }
        if exporter_type(from) != exporter_type(exporter_id) {
            return Err(Refusal::invalid(format!(
                "Cannot initialize exporter '{exporter_id}' from '{from}': they are of different types"
            )));
        }
    }
    let Some(coordinator) = lowest(members.keys().copied()) else {
        return Err(Refusal {
            status: 502,
            message: "No member broker to coordinate".into(),
        });
    };
    let (kind, wanted) = if enable {
        (
            OperationKind::PartitionEnableExporter,
            ExporterStateCode::Enabled,
        )
    } else {
        (
            OperationKind::PartitionDisableExporter,
            ExporterStateCode::Disabled,
        )
    };
    let mut operations = Vec::new();
    for (b, m) in members {
        for (p, r) in &m.replicas {
            if r.exporters.get(exporter_id) != Some(&wanted) {
                let mut o = op(kind.clone(), *b);
                o.partition_id = Some(*p);
                o.exporter_id = Some(exporter_id.to_string());
                operations.push(o);
            }
        }
    }
    Ok(Plan {
        operations,
        coordinator,
        replication_factor: current_rf,
        initialize_from: initialize_from.map(str::to_string),
    })
}

/// Exporters of one class share an id prefix in the dual-region layout
/// (`camundaregionN`: Camunda exporter, `elasticsearchregionN`: Elasticsearch exporter).
fn exporter_type(id: &str) -> &str {
    id.trim_end_matches(|c: char| c.is_ascii_digit())
}

fn list(ids: &BTreeSet<BrokerId>) -> String {
    let v: Vec<String> = ids.iter().map(|b| b.to_string()).collect();
    format!("[{}]", v.join(", "))
}

/// The operations that move `members` to `layout`: joins, priority changes, leaves.
pub(super) fn redistribute(
    members: &Members,
    layout: &std::collections::BTreeMap<i32, super::layout::Replicas>,
) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (p, want) in layout {
        let have = voters(members, *p);
        for (b, prio) in want.iter().filter(|(b, _)| !have.contains_key(b)) {
            let mut o = op(OperationKind::PartitionJoin, *b);
            o.partition_id = Some(*p);
            o.priority = Some(*prio);
            ops.push(o);
        }
        for (b, prio) in want
            .iter()
            .filter(|(b, prio)| have.get(b).is_some_and(|h| h != *prio))
        {
            let mut o = op(OperationKind::PartitionReconfigurePriority, *b);
            o.partition_id = Some(*p);
            o.priority = Some(*prio);
            ops.push(o);
        }
        for b in have.keys().filter(|b| !want.contains_key(b)) {
            let mut o = op(OperationKind::PartitionLeave, *b);
            o.partition_id = Some(*p);
            ops.push(o);
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Camunda, Settings, Sim};

    fn healthy() -> Sim {
        let settings = Settings {
            camunda: Camunda::V88,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        Sim::new(settings, jiff::Timestamp::UNIX_EPOCH)
    }

    fn odd() -> BTreeSet<BrokerId> {
        [1, 3, 5, 7].into_iter().map(BrokerId::Numbered).collect()
    }

    fn count(plan: &Plan, kind: OperationKind) -> usize {
        plan.operations
            .iter()
            .filter(|o| o.operation == kind)
            .count()
    }

    #[test]
    fn force_removing_a_region_reconfigures_every_partition_to_rf_2() {
        let sim = healthy();
        let plan = force_remove(&sim.members, 8, &odd(), 4).unwrap();
        assert_eq!(count(&plan, OperationKind::PartitionForceReconfigure), 8);
        assert_eq!(count(&plan, OperationKind::BrokerRemove), 4);
        assert_eq!(plan.replication_factor, 2);
        assert_eq!(plan.coordinator, BrokerId::Numbered(0));
        let p1 = &plan.operations[0];
        assert_eq!(
            p1.brokers,
            Some(vec![BrokerId::Numbered(0), BrokerId::Numbered(2)])
        );
        // Removal comes last and names the removed broker.
        let last = plan.operations.last().unwrap();
        assert_eq!(last.brokers, Some(vec![BrokerId::Numbered(7)]));
    }

    #[test]
    fn removing_every_replica_of_a_partition_is_refused() {
        let sim = healthy();
        let all: BTreeSet<BrokerId> = [0, 1, 2, 3].into_iter().map(BrokerId::Numbered).collect();
        let err = force_remove(&sim.members, 8, &all, 4).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.message.contains("partition 1"), "{}", err.message);
        assert_eq!(
            force_remove(&sim.members, 8, &BTreeSet::new(), 4)
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn re_adding_the_lost_region_only_joins_replicas() {
        let mut sim = healthy();
        for b in odd() {
            sim.members.remove(&b);
        }
        let all: BTreeSet<BrokerId> = (0..8).map(BrokerId::Numbered).collect();
        let plan = scale(&sim.members, 8, &all, 4).unwrap();
        assert_eq!(count(&plan, OperationKind::BrokerAdd), 4);
        assert_eq!(count(&plan, OperationKind::PartitionJoin), 16);
        assert_eq!(count(&plan, OperationKind::PartitionLeave), 0);
        assert_eq!(count(&plan, OperationKind::PartitionReconfigurePriority), 0);
        assert_eq!(plan.replication_factor, 4);
        assert_eq!(scale(&sim.members, 8, &all, 9).unwrap_err().status, 400);
    }

    #[test]
    fn exporter_plans_skip_replicas_already_in_state_and_check_initialize_from() {
        let sim = healthy();
        let plan = exporter(
            &sim.members,
            &sim.exporters,
            "camundaregion1",
            false,
            None,
            4,
        )
        .unwrap();
        assert_eq!(plan.operations.len(), 32);
        let none = exporter(
            &sim.members,
            &sim.exporters,
            "camundaregion1",
            true,
            None,
            4,
        )
        .unwrap();
        assert!(none.operations.is_empty(), "already enabled everywhere");
        let mixed = [
            "camundaregion0".to_string(),
            "elasticsearchregion1".to_string(),
        ];
        let err = exporter(
            &sim.members,
            &mixed,
            "camundaregion0",
            true,
            Some("elasticsearchregion1"),
            4,
        )
        .unwrap_err();
        assert!(err.message.contains("different types"), "{}", err.message);
    }
}
