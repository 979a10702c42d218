//! Partitions and quorum: which partitions exist, and for each its configured replicas, the
//! live ones from the best-placed gateway, and whether a majority of them is live (told only
//! when it does not depend on a health or state word c8dr does not know).

use super::MAX_PARTITIONS;
use super::facts::{Facts, Gateway, Holder};
use crate::api::{BrokerId, PartitionRole};
use crate::model::view::{PartitionView, Processing};
use crate::model::words::ReplicaHealth;
use std::collections::BTreeMap;

/// The partitions to show: the configuration's count, else a gateway's, else the configured
/// replicas' highest id.
pub(super) fn ids(facts: &Facts, anomalies: &mut Vec<String>) -> Vec<i32> {
    let count = facts
        .cluster()
        .and_then(|c| {
            c.routing.as_ref().and_then(|r| {
                r.request_handling
                    .partition_count
                    .map(|n| n.max(0) as usize)
            })
        })
        .or_else(|| {
            facts
                .gateways
                .iter()
                .filter_map(|g| g.topology.partitions_count)
                .max()
                .map(|n| n.max(0) as usize)
        })
        .or_else(|| {
            facts
                .replicas
                .as_ref()
                .and_then(|r| r.keys().max().map(|m| (*m).max(0) as usize))
        });
    if count.is_some_and(|n| n > MAX_PARTITIONS) {
        anomalies.push(format!(
            "{} partitions reported (more than {MAX_PARTITIONS}): garbled",
            count.unwrap_or(0)
        ));
    }
    // A count from outside is bounded: a garbled answer must not allocate millions of rows.
    match count {
        Some(n) => (1..=n.min(MAX_PARTITIONS) as i32).collect(),
        None => facts
            .replicas
            .as_ref()
            .map(|r| r.keys().copied().take(MAX_PARTITIONS).collect())
            .unwrap_or_default(),
    }
}

pub(super) fn partitions(ids: &[i32], facts: &Facts) -> Vec<PartitionView> {
    let rf = facts.replication_factor();
    ids.iter()
        .map(|&p| {
            partition(
                p,
                &facts.gateways,
                facts.replicas.as_ref(),
                rf,
                facts.undecided.contains(&p),
            )
        })
        .collect()
}

/// Whether the partitions can commit, all of them, some or none.
pub(super) fn processing(partitions: &[PartitionView]) -> Processing {
    if partitions.is_empty() || partitions.iter().any(|p| p.has_quorum.is_none()) {
        Processing::Unknown
    } else if partitions.iter().all(|p| p.has_quorum == Some(true)) {
        Processing::Active
    } else if partitions.iter().all(|p| p.has_quorum == Some(false)) {
        Processing::Halted
    } else {
        Processing::Degraded
    }
}

/// One partition: its configured replicas, the live ones from the best-placed gateway, quorum.
fn partition(
    p: i32,
    gateways: &[Gateway],
    replicas: Option<&BTreeMap<i32, Vec<BrokerId>>>,
    rf: Option<i32>,
    undecided: bool,
) -> PartitionView {
    let configured: Vec<BrokerId> = replicas
        .and_then(|r| r.get(&p).cloned())
        .unwrap_or_default();
    let count = if replicas.is_some() {
        configured.len()
    } else {
        rf.unwrap_or(0).max(0) as usize
    };
    let best = best_view(p, gateways, replicas.is_some().then_some(&configured[..]));
    // A majority is told only when it holds whatever the health words c8dr does not know
    // mean (they may mean dead), and denied only when it fails even if they mean live.
    let sure = best.as_ref().map_or(0, |(_, holders)| {
        holders.iter().filter(|h| h.is_surely_live()).count()
    });
    let has_quorum = match (&best, count) {
        (None, _) | (_, 0) => None,
        // A replica whose state c8dr does not know may or may not vote.
        _ if undecided => None,
        (Some(_), n) if sure * 2 > n => Some(true),
        (Some((live, _)), n) if live.len() * 2 > n => None,
        (Some(_), _) => Some(false),
    };
    let (live, holders) = best.unwrap_or_default();
    let leader = if has_quorum == Some(true) {
        holders
            .iter()
            .filter(|h| h.is_live())
            .find(|h| h.role == PartitionRole::Leader)
            .map(|h| h.broker)
    } else {
        None
    };
    PartitionView {
        id: p,
        leader,
        reported_leaders: reported_leaders(p, gateways),
        replicas: configured,
        replica_count: count,
        spare: has_quorum.map(|_| sure as i64 - (count / 2 + 1) as i64),
        live_replicas: live,
        has_quorum,
        health: worst_health(&holders),
    }
}

/// The gateway that sees the most live replicas of `p` (among the configured ones, when the
/// configuration is known): those live replicas and every replica it lists.
fn best_view(
    p: i32,
    gateways: &[Gateway],
    configured: Option<&[BrokerId]>,
) -> Option<(Vec<BrokerId>, Vec<Holder>)> {
    let mut best: Option<(Vec<BrokerId>, Vec<Holder>)> = None;
    for g in gateways {
        let holders: Vec<Holder> = g
            .holders(p)
            .iter()
            .filter(|h| configured.is_none_or(|c| c.contains(&h.broker)))
            .cloned()
            .collect();
        let live: Vec<BrokerId> = holders
            .iter()
            .filter(|h| h.is_live())
            .map(|h| h.broker)
            .collect();
        if best.as_ref().is_none_or(|(l, _)| live.len() > l.len()) {
            best = Some((live, holders));
        }
    }
    best
}

/// Brokers claiming leadership of `p` in any gateway's view, quorum or not.
fn reported_leaders(p: i32, gateways: &[Gateway]) -> Vec<BrokerId> {
    let mut reported: Vec<BrokerId> = gateways
        .iter()
        .flat_map(|g| g.holders(p).iter())
        .filter(|h| h.role == PartitionRole::Leader)
        .map(|h| h.broker)
        .collect();
    reported.sort();
    reported.dedup();
    reported
}

/// The worst health its replicas report: `dead` first (it surely stops processing), then
/// words c8dr does not know (they may mean as much), then `unhealthy`.
fn worst_health(holders: &[Holder]) -> ReplicaHealth {
    holders
        .iter()
        .map(|h| h.health.clone())
        .max_by_key(|h| match h {
            ReplicaHealth::Healthy => 0,
            ReplicaHealth::Unhealthy => 1,
            ReplicaHealth::Dead => 3,
            _ => 2,
        })
        .unwrap_or(ReplicaHealth::Unknown)
}
