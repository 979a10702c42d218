//! 8.10's zone-aware clusters on the management API: the persisted partition layout
//! (`partitioning`), the zones API's request bodies, physical tenants and cluster modes, and
//! `GET /actuator/cluster/changes/{id}`.
//!
//! Sources: zone-aware-dual-region.md §2.3, §2.4, §3 and the 8.10 cluster spec
//! (`components.yaml`: `PartitioningConfig`, `ZoneSpec`, `AddZoneRequest`,
//! `ZoneMigrationRequest`, `PartitioningRequest`, `ConfigurationChange`). Names follow
//! 8.10.0-rc1 and later; the alpha names (`partitionDistribution`, `type`) are read too.

use super::ids::BrokerId;
use super::open_enum::open_enum;
use serde::{Deserialize, Serialize};

open_enum! {
    /// How partitions are distributed.
    pub enum PartitioningScheme {
        RoundRobin => "ROUND_ROBIN",
        ZoneAware => "ZONE_AWARE",
        Fixed => "FIXED",
    }
}

/// `partitioning` of `GET /actuator/cluster` (and an `UPDATE_PARTITIONING` operation's
/// `partitioningConfig`, and the `config` of `PUT /actuator/cluster/partitioning`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partitioning {
    #[serde(alias = "type")]
    pub scheme: PartitioningScheme,
    /// Only for `ZONE_AWARE`. Order matters only during a migration (zone index order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneSpec>,
}

impl Partitioning {
    pub fn is_zone_aware(&self) -> bool {
        self.scheme == PartitioningScheme::ZoneAware
    }

    pub fn zone(&self, name: &str) -> Option<&ZoneSpec> {
        self.zones.iter().find(|z| z.name == name)
    }

    /// The replication factor the layout implies: the sum of the zones' replicas.
    pub fn replication_factor(&self) -> i32 {
        self.zones.iter().map(|z| z.number_of_replicas).sum()
    }
}

/// One zone of a zone-aware layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneSpec {
    pub name: String,
    /// Replicas of every partition in this zone.
    pub number_of_replicas: i32,
    /// Leader preference: the highest priority's replicas lead.
    pub priority: i32,
}

/// Body of `POST /actuator/cluster/zones/{zone}`: add (or re-add) a zone. Exactly one of
/// `brokers` and `numberOfBrokers` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneAddRequest {
    pub number_of_replicas: i32,
    pub priority: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brokers: Option<Vec<BrokerId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_brokers: Option<i32>,
}

/// Body of `PUT /actuator/cluster/zones`: migrate one zone's numbered brokers to zoned ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneMigrateRequest {
    pub zone: String,
}

/// Body of `PUT /actuator/cluster/partitioning`: exactly one of a new layout or new zone
/// priorities (highest first).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitioningRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Partitioning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_priorities: Option<Vec<String>>,
}

open_enum! {
    /// A broker's or tenant's processing mode (8.10).
    pub enum ClusterMode {
        Unknown => "UNKNOWN",
        Processing => "PROCESSING",
        Recovering => "RECOVERING",
    }
}

/// `brokers[].physicalTenants[]` of `GET /actuator/cluster`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerTenantMode {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ClusterMode>,
}

/// `physicalTenants[]` of `GET /actuator/cluster`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalTenant {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// Body of `GET /actuator/cluster/changes/{id}` (and the items of `GET …/changes`): the
/// same shape as `pendingChange` (a finished change has both operation lists empty), so the
/// same type.
pub type ConfigurationChange = super::cluster::TopologyChange;

/// Body of `GET /actuator/cluster/changes`: every change the broker knows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConfigurationChanges {
    #[serde(default)]
    pub changes: Vec<ConfigurationChange>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_layout_under_its_rc1_and_alpha_names() {
        let rc1: crate::ClusterTopology = serde_json::from_str(
            r#"{"brokers":[{"id":"london_0","state":"ACTIVE","partitions":[]},{"id":2,"state":"ACTIVE","partitions":[]}],
                "partitioning":{"scheme":"ZONE_AWARE","zones":[{"name":"london","numberOfReplicas":2,"priority":100},{"name":"paris","numberOfReplicas":2,"priority":90}]}}"#,
        )
        .unwrap();
        let p = rc1.partitioning.unwrap();
        assert!(p.is_zone_aware());
        assert_eq!(p.replication_factor(), 4);
        assert_eq!(p.zone("paris").map(|z| z.priority), Some(90));
        assert!(rc1.brokers[0].id.is_zoned() && !rc1.brokers[1].id.is_zoned());
        let alpha: crate::ClusterTopology = serde_json::from_str(
            r#"{"brokers":[],"partitionDistribution":{"type":"ROUND_ROBIN"}}"#,
        )
        .unwrap();
        assert_eq!(
            alpha.partitioning.map(|p| p.scheme),
            Some(PartitioningScheme::RoundRobin)
        );
    }
}
