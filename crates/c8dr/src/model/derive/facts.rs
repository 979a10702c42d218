//! The facts every subject stands on, chosen and indexed once: the agreed cluster
//! configuration (membership and replicas come only from it) and each region's gateway view
//! (what is live comes only from it).

use super::{Ctx, MAX_BROKERS, bounded};
use crate::api::{
    BrokerId, BrokerInfo, ClusterTopology, PartitionRole, PartitionStateCode, Region,
    TopologyResponse,
};
use crate::model::words::ReplicaHealth;
use crate::text::clean;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A replica as one gateway reports it.
#[derive(Debug, Clone)]
pub(super) struct Holder {
    pub broker: BrokerId,
    pub role: PartitionRole,
    pub health: ReplicaHealth,
}

impl Holder {
    /// A replica that reports `dead` cannot take part in a quorum.
    pub fn is_live(&self) -> bool {
        self.health != ReplicaHealth::Dead
    }

    /// Live for certain: a health c8dr knows that is not `dead`. A word a later version sends
    /// may mean dead, so such a replica is live only perhaps.
    pub fn is_surely_live(&self) -> bool {
        matches!(
            self.health,
            ReplicaHealth::Healthy | ReplicaHealth::Unhealthy
        )
    }
}

/// One region's gateway view, indexed once so that every lookup is O(1).
pub(super) struct Gateway<'a> {
    pub region: Region,
    pub topology: &'a TopologyResponse,
    pub brokers: HashMap<BrokerId, &'a BrokerInfo>,
    /// Per partition: the brokers that hold it actively (not `inactive`), one entry each.
    holders: HashMap<i32, Vec<Holder>>,
}

impl<'a> Gateway<'a> {
    fn new(region: Region, topology: &'a TopologyResponse) -> Gateway<'a> {
        let mut brokers = HashMap::with_capacity(topology.brokers.len());
        let mut holders: HashMap<i32, Vec<Holder>> = HashMap::new();
        for b in &topology.brokers {
            // A broker listed twice counts once (the first listing).
            if brokers.insert(b.id(), b).is_some() {
                continue;
            }
            for p in b
                .partitions
                .iter()
                .filter(|p| p.role != PartitionRole::Inactive)
            {
                holders.entry(p.partition_id).or_default().push(Holder {
                    broker: b.id(),
                    role: p.role.clone(),
                    health: ReplicaHealth::from_word(p.health.as_str()),
                });
            }
        }
        for hs in holders.values_mut() {
            // A partition listed twice on one broker is still one replica.
            hs.sort_by_key(|h| h.broker);
            hs.dedup_by_key(|h| h.broker);
        }
        Gateway {
            region,
            topology,
            brokers,
            holders,
        }
    }

    pub fn holders(&self, p: i32) -> &[Holder] {
        self.holders.get(&p).map(Vec::as_slice).unwrap_or_default()
    }

    /// The broker ids it lists, sorted.
    pub fn listed(&self) -> Vec<BrokerId> {
        let mut ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
        ids.sort();
        ids
    }
}

/// The agreed configuration and the gateways' views.
pub(super) struct Facts<'a> {
    /// The region whose fresh `/actuator/cluster` is agreed, and that configuration.
    pub agreed: Option<(Region, &'a ClusterTopology)>,
    /// Every region's fresh, usable gateway view.
    pub gateways: Vec<Gateway<'a>>,
    /// Configured replicas per partition (none without a fresh configuration).
    pub replicas: Option<BTreeMap<i32, Vec<BrokerId>>>,
    /// Cluster members (none without a fresh configuration: never guessed from a topology).
    pub members: Option<BTreeSet<BrokerId>>,
    /// Partitions with a configured replica in a state c8dr does not know: it may or may not
    /// vote, so their quorum is not told.
    pub undecided: BTreeSet<i32>,
}

impl<'a> Facts<'a> {
    pub fn gather(cx: &Ctx<'a>, anomalies: &mut Vec<String>) -> Facts<'a> {
        let agreed = agreed_configuration(cx, anomalies);
        let gateways = cx
            .snap
            .regions
            .iter()
            .filter_map(|(i, r)| cx.fresh(&r.topology).map(|t| (i, t)))
            .filter(|(i, t)| {
                bounded(
                    t.brokers.len(),
                    MAX_BROKERS,
                    &format!("region{i}'s gateway"),
                    "brokers",
                    anomalies,
                )
            })
            .map(|(i, t)| Gateway::new(i, t))
            .collect();
        let cluster = agreed.map(|(_, c)| c);
        Facts {
            agreed,
            gateways,
            replicas: cluster.map(configured_replicas),
            members: cluster.map(|c| c.brokers.iter().map(|b| b.id).collect()),
            undecided: cluster.map_or_else(BTreeSet::new, |c| undecided(c, anomalies)),
        }
    }

    pub fn cluster(&self) -> Option<&'a ClusterTopology> {
        self.agreed.map(|(_, c)| c)
    }

    /// The replication factor the gateways report (the largest).
    pub fn replication_factor(&self) -> Option<i32> {
        self.gateways
            .iter()
            .filter_map(|g| g.topology.replication_factor)
            .max()
    }

    /// The cluster size the gateways report (the largest, never negative).
    pub fn gateway_cluster_size(&self) -> Option<usize> {
        self.gateways
            .iter()
            .filter_map(|g| g.topology.cluster_size)
            .max()
            .map(|n| n.max(0) as usize)
    }

    /// The first gateway's version, cleaned.
    pub fn gateway_version(&self) -> Option<String> {
        self.gateways
            .iter()
            .find_map(|g| g.topology.gateway_version.as_deref().map(clean))
    }
}

/// Replicas of each partition in the agreed configuration (active or leaving voters).
fn configured_replicas(c: &ClusterTopology) -> BTreeMap<i32, Vec<BrokerId>> {
    let mut out: BTreeMap<i32, Vec<BrokerId>> = BTreeMap::new();
    for b in &c.brokers {
        for p in &b.partitions {
            if matches!(
                p.state,
                PartitionStateCode::Active | PartitionStateCode::Leaving
            ) {
                out.entry(p.id).or_default().push(b.id);
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

/// Partitions with a replica in a state c8dr does not know (a later version's word, or
/// `UNKNOWN`), each said once as an anomaly with the word.
fn undecided(c: &ClusterTopology, anomalies: &mut Vec<String>) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for b in &c.brokers {
        for p in &b.partitions {
            if matches!(
                p.state,
                PartitionStateCode::Other(_) | PartitionStateCode::Unknown
            ) && out.insert(p.id)
            {
                anomalies.push(format!(
                    "broker {} holds partition {} in state {}, which c8dr does not know: whether the partition has quorum is not told",
                    b.id,
                    p.id,
                    clean(p.state.as_str())
                ));
            }
        }
    }
    out
}

/// The agreed configuration: the freshest usable answer with the highest version.
fn agreed_configuration<'a>(
    cx: &Ctx<'a>,
    anomalies: &mut Vec<String>,
) -> Option<(Region, &'a ClusterTopology)> {
    cx.snap
        .regions
        .iter()
        .filter_map(|(i, r)| cx.fresh(&r.cluster).map(|c| (i, c)))
        .filter(|(i, c)| {
            bounded(
                c.brokers.len(),
                MAX_BROKERS,
                &format!("region{i}'s /actuator/cluster"),
                "brokers",
                anomalies,
            )
        })
        .max_by_key(|(_, c)| {
            (
                c.version.unwrap_or(0),
                c.last_change.as_ref().map(|l| l.id).unwrap_or(0),
            )
        })
}
