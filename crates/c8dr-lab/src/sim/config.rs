//! The agreed cluster configuration: members, replicas with priorities and exporter states,
//! and how each planned operation changes it.
//!
//! The same functions move the live configuration forward when an operation runs and compute
//! the `expectedTopology` of a 202 answer, so the two can never disagree.

use c8dr_api::{
    BrokerId, BrokerState, BrokerStateCode, ExporterConfig, ExporterStateCode, ExportingConfig,
    Operation, OperationKind, PartitionConfig, PartitionState, PartitionStateCode, Timestamp,
};
use std::collections::BTreeMap;

/// A member broker of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub state: BrokerStateCode,
    /// Bumped whenever this member's entry changes.
    pub version: i64,
    pub updated: jiff::Timestamp,
    pub replicas: BTreeMap<i32, Replica>,
}

/// One replica of a partition on a member.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub state: PartitionStateCode,
    pub priority: i32,
    pub exporters: BTreeMap<String, ExporterStateCode>,
}

/// All members by id.
pub type Members = BTreeMap<BrokerId, Member>;

/// Replicas of partition `p` that vote in Raft (active or still leaving), with priorities.
pub fn voters(members: &Members, p: i32) -> BTreeMap<BrokerId, i32> {
    members
        .iter()
        .filter_map(|(id, m)| {
            m.replicas.get(&p).and_then(|r| {
                matches!(
                    r.state,
                    PartitionStateCode::Active | PartitionStateCode::Leaving
                )
                .then_some((*id, r.priority))
            })
        })
        .collect()
}

/// The exporter states a new replica of `p` starts with: those of an existing replica.
fn exporter_states_of(
    members: &Members,
    p: i32,
    exporters: &[String],
) -> BTreeMap<String, ExporterStateCode> {
    members
        .values()
        .find_map(|m| m.replicas.get(&p).map(|r| r.exporters.clone()))
        .unwrap_or_else(|| {
            exporters
                .iter()
                .map(|e| (e.clone(), ExporterStateCode::Enabled))
                .collect()
        })
}

fn touch(member: &mut Member, now: jiff::Timestamp) {
    member.version += 1;
    member.updated = now;
}

/// What starting an operation does to the configuration (entering a transitional state).
pub fn begin(members: &mut Members, op: &Operation, exporters: &[String], now: jiff::Timestamp) {
    let (Some(b), p) = (op.broker_id, op.partition_id) else {
        return;
    };
    match (&op.operation, p) {
        (OperationKind::BrokerAdd, _) => {
            members.entry(b).or_insert_with(|| Member {
                state: BrokerStateCode::Joining,
                version: 0,
                updated: now,
                replicas: BTreeMap::new(),
            });
        }
        (OperationKind::PartitionJoin, Some(p)) => {
            let states = exporter_states_of(members, p, exporters);
            if let Some(m) = members.get_mut(&b) {
                m.replicas.entry(p).or_insert(Replica {
                    state: PartitionStateCode::Joining,
                    priority: op.priority.unwrap_or(1),
                    exporters: states,
                });
                touch(m, now);
            }
        }
        (OperationKind::PartitionLeave, Some(p)) => {
            if let Some(m) = members.get_mut(&b)
                && let Some(r) = m.replicas.get_mut(&p)
            {
                r.state = PartitionStateCode::Leaving;
                touch(m, now);
            }
        }
        (OperationKind::BrokerRemove, _) if op.brokers.is_none() => {
            if let Some(m) = members.get_mut(&b) {
                m.state = BrokerStateCode::Leaving;
                touch(m, now);
            }
        }
        _ => {}
    }
}

/// What completing an operation does to the configuration.
pub fn complete(members: &mut Members, op: &Operation, exporters: &[String], now: jiff::Timestamp) {
    begin(members, op, exporters, now);
    let Some(b) = op.broker_id else { return };
    match (&op.operation, op.partition_id) {
        (OperationKind::BrokerAdd, _) => {
            if let Some(m) = members.get_mut(&b) {
                m.state = BrokerStateCode::Active;
                touch(m, now);
            }
        }
        (OperationKind::PartitionJoin, Some(p)) => {
            if let Some(m) = members.get_mut(&b)
                && let Some(r) = m.replicas.get_mut(&p)
            {
                r.state = PartitionStateCode::Active;
                touch(m, now);
            }
        }
        (OperationKind::PartitionLeave, Some(p)) => {
            if let Some(m) = members.get_mut(&b) {
                m.replicas.remove(&p);
                touch(m, now);
            }
        }
        (OperationKind::PartitionReconfigurePriority, Some(p)) => {
            if let Some(m) = members.get_mut(&b)
                && let Some(r) = m.replicas.get_mut(&p)
            {
                r.priority = op.priority.unwrap_or(r.priority);
                touch(m, now);
            }
        }
        (OperationKind::PartitionForceReconfigure, Some(p)) => {
            let keep = op.brokers.clone().unwrap_or_default();
            for (id, m) in members.iter_mut() {
                if !keep.contains(id) && m.replicas.remove(&p).is_some() {
                    touch(m, now);
                }
            }
        }
        (OperationKind::BrokerRemove, _) => {
            // Force removal names the removed broker in `brokers` (the executor is `brokerId`).
            match &op.brokers {
                Some(removed) if !removed.is_empty() => {
                    for r in removed {
                        members.remove(r);
                    }
                }
                _ => {
                    members.remove(&b);
                }
            }
        }
        (
            OperationKind::PartitionDisableExporter | OperationKind::PartitionEnableExporter,
            Some(p),
        ) => {
            let state = if op.operation == OperationKind::PartitionEnableExporter {
                ExporterStateCode::Enabled
            } else {
                ExporterStateCode::Disabled
            };
            if let (Some(e), Some(m)) = (&op.exporter_id, members.get_mut(&b))
                && let Some(r) = m.replicas.get_mut(&p)
            {
                r.exporters.insert(e.clone(), state);
                touch(m, now);
            }
        }
        _ => {}
    }
}

/// The configuration as `/actuator/cluster` lists it (`brokers[]`).
pub fn render(members: &Members, with_exporter_config: bool) -> Vec<BrokerState> {
    members
        .iter()
        .map(|(id, m)| BrokerState {
            id: *id,
            state: m.state.clone(),
            version: Some(m.version),
            last_updated_at: Some(Timestamp::At(m.updated)),
            partitions: m
                .replicas
                .iter()
                .map(|(p, r)| PartitionState {
                    id: *p,
                    state: r.state.clone(),
                    priority: Some(r.priority),
                    config: with_exporter_config.then(|| PartitionConfig {
                        exporting: Some(ExportingConfig {
                            exporters: r
                                .exporters
                                .iter()
                                .map(|(e, s)| ExporterConfig {
                                    id: e.clone(),
                                    state: s.clone(),
                                })
                                .collect(),
                        }),
                    }),
                    physical_tenant: None,
                })
                .collect(),
            physical_tenants: None,
        })
        .collect()
}
