//! The cluster summary: sizes, the topology change in progress and the last one, the version
//! family, and which region's answers the configuration and the exporters come from.

use super::facts::Facts;
use crate::api::{ClusterTopology, Operation};
use crate::model::view::{ChangeOperationView, ChangeView, ClusterSummary, Family, LastChangeView};
use crate::model::words::ChangeState;
use crate::text::clean;
use std::collections::BTreeSet;

pub(super) fn summary(
    facts: &Facts,
    partition_ids: &[i32],
    gateway_version: Option<String>,
    family: Family,
    exporters_from: Option<crate::api::Region>,
    topology: crate::model::view::TopologyView,
) -> ClusterSummary {
    let cluster = facts.cluster();
    ClusterSummary {
        size: facts
            .members
            .as_ref()
            .map(BTreeSet::len)
            .or_else(|| facts.gateway_cluster_size()),
        replication_factor: facts.replication_factor().or_else(|| {
            facts
                .replicas
                .as_ref()
                .and_then(|r| r.values().map(|v| v.len() as i32).min())
        }),
        partitions: (!partition_ids.is_empty()).then_some(partition_ids.len()),
        pending_change: cluster.and_then(pending_change),
        last_change: cluster.and_then(last_change),
        gateway_version,
        family,
        config_from: facts.agreed.map(|(i, _)| i),
        exporters_from,
        topology,
    }
}

fn pending_change(c: &ClusterTopology) -> Option<ChangeView> {
    let pc = c.pending_change.as_ref()?;
    let op = |o: &Operation, done: bool| ChangeOperationView {
        words: operation_words(o),
        broker: o.broker_id,
        done,
    };
    Some(ChangeView {
        id: pc.id,
        status: ChangeState::from_word(pc.status.as_str()),
        done: pc.completed.len(),
        total: pc.completed.len() + pc.pending.len(),
        next: pc.pending.first().map(operation_words),
        started_at: pc.started_at.as_ref().map(|t| clean(&t.to_string())),
        operations: pc
            .completed
            .iter()
            .map(|c| op(&c.operation, true))
            .chain(pc.pending.iter().map(|o| op(o, false)))
            .collect(),
    })
}

/// "BROKER_REMOVE broker 3", "PARTITION_LEAVE broker 3 partition 2",
/// "EXPORTING_STATE_CHANGE broker 1 to PAUSED" (8.10).
fn operation_words(o: &Operation) -> String {
    let mut s = clean(&o.operation.to_string());
    if let Some(b) = o.broker_id {
        s.push_str(&format!(" broker {b}"));
    }
    if let Some(p) = o.partition_id {
        s.push_str(&format!(" partition {p}"));
    }
    if let Some(state) = &o.exporting_state {
        s.push_str(&format!(" to {}", clean(state)));
    }
    s
}

fn last_change(c: &ClusterTopology) -> Option<LastChangeView> {
    let l = c.last_change.as_ref()?;
    Some(LastChangeView {
        id: l.id,
        status: ChangeState::from_word(l.status.as_str()),
        completed_at: l.completed_at.as_ref().map(|t| clean(&t.to_string())),
    })
}
