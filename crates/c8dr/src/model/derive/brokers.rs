//! Brokers: every id that is a member, that a gateway lists, or that a pod runs, each with
//! what its own region's gateway reports of it.

use super::facts::Facts;
use super::{Ctx, MAX_BROKERS, MAX_PARTITIONS, regions};
use crate::api::{BrokerId, BrokerInfo, Region};
use crate::model::input::PodInfo;
use crate::model::input::Source;
use crate::model::view::{BrokerPartition, BrokerView};
use crate::model::words::{ReplicaHealth, ReplicaRole};
use crate::text::clean;
use std::collections::{BTreeSet, HashMap};

pub(super) fn brokers(cx: &Ctx, facts: &Facts, anomalies: &mut Vec<String>) -> Vec<BrokerView> {
    let pods = pods(cx);
    let mut ids: BTreeSet<BrokerId> = facts.members.clone().unwrap_or_default();
    for g in &facts.gateways {
        ids.extend(g.brokers.keys().copied());
    }
    ids.extend(pods.keys().copied());
    let mut unplaced = vec![];
    let brokers = ids
        .iter()
        .take(MAX_BROKERS)
        .filter_map(|&id| match cx.cfg.zones.region_of(id) {
            Some(region) => Some(broker(id, region, facts, pods.get(&id).copied())),
            None => {
                unplaced.push(id);
                None
            }
        })
        .collect();
    if !unplaced.is_empty() {
        let zones: BTreeSet<_> = unplaced.iter().filter_map(|b| b.zone()).collect();
        anomalies.push(format!(
            "brokers {unplaced:?} are in zone {zones:?}, which no region is configured with \
             (set [[regions]] zone): not shown"
        ));
    }
    if ids.len() > MAX_BROKERS {
        anomalies.push(format!(
            "{} broker ids observed (more than {MAX_BROKERS}): only the first are shown",
            ids.len()
        ));
    }
    brokers
}

/// Broker pods by broker id. Pods of a region whose Camunda endpoints all fail are a stale
/// picture: not shown.
fn pods<'a>(cx: &Ctx<'a>) -> HashMap<BrokerId, &'a PodInfo> {
    let mut pods: HashMap<BrokerId, &PodInfo> = HashMap::new();
    for r in cx
        .snap
        .regions
        .values()
        .filter(|r| !regions::camunda_down(r, cx))
    {
        for p in cx.fresh_from(Source::Pods, &r.pods).into_iter().flatten() {
            if let Some(b) = p.broker
                && pods.len() < MAX_BROKERS
            {
                pods.entry(b).or_insert(p);
            }
        }
    }
    pods
}

fn broker(id: BrokerId, region: Region, facts: &Facts, pod: Option<&PodInfo>) -> BrokerView {
    // Prefer the broker's own region's gateway for what it reports.
    let seen = facts
        .gateways
        .iter()
        .filter_map(|g| g.brokers.get(&id).map(|b| (g.region, *b)))
        .min_by_key(|(g, _)| u8::from(*g != region))
        .map(|(_, b)| b);
    BrokerView {
        id,
        region,
        reachable: if facts.gateways.is_empty() {
            None
        } else {
            Some(seen.is_some())
        },
        member: facts.members.as_ref().map(|m| m.contains(&id)),
        version: seen.map(|b| clean(&b.version)).filter(|v| !v.is_empty()),
        host: seen.map(|b| clean(&b.host)).filter(|h| !h.is_empty()),
        pod_ready: pod.map(|p| p.ready),
        pod_status: pod.map(|p| clean(&p.status)),
        partitions: seen.map(partitions).unwrap_or_default(),
    }
}

/// The partitions a broker reports, with its role and health in each.
fn partitions(b: &BrokerInfo) -> Vec<BrokerPartition> {
    b.partitions
        .iter()
        .take(MAX_PARTITIONS)
        .map(|p| BrokerPartition {
            id: p.partition_id,
            role: ReplicaRole::from_word(p.role.as_str()),
            health: ReplicaHealth::from_word(p.health.as_str()),
        })
        .collect()
}
