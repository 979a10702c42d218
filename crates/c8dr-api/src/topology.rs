//! `GET /v2/topology` (REST, port 8080): the gateway's live view of the brokers it can reach.
//!
//! Unreachable brokers vanish from it; reachable brokers that are not cluster members appear
//! with no partitions. Roles are only what each broker believes: after a region loss the
//! survivors can go on reporting `leader` for partitions that cannot commit, so quorum must
//! never be read from roles (see `examples/v2-topology-get-region-lost-before-failover-*`).

use super::open_enum::open_enum;
use serde::{Deserialize, Deserializer, Serialize};

/// Body of `GET /v2/topology` (8.6+) and `GET /v1/topology` (8.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopologyResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub brokers: Vec<BrokerInfo>,
    /// Brokers in the cluster configuration (not the number listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_size: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_version: Option<String>,
    /// 8.8+: an int64 written as a string (`"-1"` before the first change).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_change_id"
    )]
    pub last_completed_change_id: Option<String>,
    /// 8.9+: required but nullable; the outer option tells "absent" from "null".
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_nullable"
    )]
    pub cluster_id: Option<Option<String>>,
}

/// One broker as the gateway sees it. Ask [`BrokerInfo::id`] for its id: the raw fields
/// differ by version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerInfo {
    /// Deprecated in 8.10: on a zone-aware cluster it counts from 0 in every zone, so two
    /// brokers share it (zone-aware-dual-region.md §2.2).
    #[serde(default)]
    pub node_id: i32,
    /// 8.10+: the unique id as a string, `"3"` or `"london_0"`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::ids::as_string"
    )]
    pub broker_id: Option<crate::BrokerId>,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: i32,
    #[serde(default, deserialize_with = "null_as_default")]
    pub partitions: Vec<TopologyPartition>,
    #[serde(default)]
    pub version: String,
}

impl BrokerInfo {
    /// The broker's id: `brokerId` where the gateway sends it (8.10+), else `nodeId`.
    pub fn id(&self) -> crate::BrokerId {
        self.broker_id
            .unwrap_or(crate::BrokerId::Numbered(self.node_id))
    }
}

/// A partition replica on one broker, as that broker reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopologyPartition {
    pub partition_id: i32,
    pub role: PartitionRole,
    pub health: PartitionHealth,
    /// 8.10+: `unknown|joining|active|leaving|recovering` (and, for a two-phase join,
    /// presumably `learner`: zone-aware-dual-region.md §2.2 marks it unconfirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

open_enum! {
    /// Role of a replica. REST sends lowercase, gRPC and the actuator uppercase.
    pub enum PartitionRole {
        Leader => "leader",
        Follower => "follower",
        Inactive => "inactive",
    }
}

open_enum! {
    /// Health of a replica as its broker reports it.
    pub enum PartitionHealth {
        Healthy => "healthy",
        Unhealthy => "unhealthy",
        Dead => "dead",
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn present_nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

/// The spec says string; accept a bare number too rather than losing the topology.
fn lenient_change_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_ignore_case_and_keep_unknown_words() {
        assert_eq!(PartitionRole::parse("LEADER"), PartitionRole::Leader);
        assert_eq!(
            PartitionRole::parse("candidate"),
            PartitionRole::Other("candidate".into())
        );
        assert_eq!(PartitionRole::Follower.to_string(), "follower");
    }

    #[test]
    fn nulls_and_numbers_do_not_fail_the_response() {
        let t: TopologyResponse = serde_json::from_str(
            r#"{"brokers": null, "clusterSize": null, "lastCompletedChangeId": 7,
                "clusterId": null, "somethingNew": true}"#,
        )
        .unwrap();
        assert!(t.brokers.is_empty());
        assert_eq!(t.last_completed_change_id.as_deref(), Some("7"));
        assert_eq!(t.cluster_id, Some(None));
    }

    #[test]
    fn broker_id_is_preferred_over_the_zone_local_node_id() {
        // Two zones both report nodeId 0 (zone-aware-dual-region.md §2.2); brokerId tells
        // them apart, and a pre-8.10 gateway without brokerId still yields the node id.
        let t: TopologyResponse = serde_json::from_str(
            r#"{"brokers":[{"nodeId":0,"brokerId":"london_0","partitions":[]},
                           {"nodeId":0,"brokerId":"paris_0","partitions":[]},
                           {"nodeId":3,"partitions":[]}]}"#,
        )
        .unwrap();
        let ids: Vec<String> = t.brokers.iter().map(|b| b.id().to_string()).collect();
        assert_eq!(ids, ["london_0", "paris_0", "3"]);
        let back = serde_json::to_value(&t.brokers[0]).unwrap();
        assert_eq!(back["brokerId"], "london_0");
    }
}
