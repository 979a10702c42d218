//! The management API's cluster configuration (port 9600, `/actuator/cluster`).
//!
//! `GET /actuator/cluster` is the *agreed* configuration (members, replicas with priorities,
//! exporter states per replica, the change log); mutations are asynchronous changes answered
//! with a `PlannedOperationsResponse` and tracked through `pendingChange` (absent when idle)
//! and `lastChange`. Field availability varies by version (`config` from 8.6, `routing` and
//! `clusterId` around 8.8), so everything a version may omit is optional.

use super::ids::BrokerId;
use super::open_enum::open_enum;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Body of `GET /actuator/cluster` (spec: `GetTopologyResponse`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterTopology {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default)]
    pub brokers: Vec<BrokerState>,
    /// Absent until the first change completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_change: Option<CompletedChange>,
    /// Absent when no change is in flight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_change: Option<TopologyChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// 8.10+: how partitions are laid out; with `ZONE_AWARE`, the zones. Present only when a
    /// layout is persisted. Named `partitionDistribution` (with `type`) before 8.10.0-rc1.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "partitionDistribution"
    )]
    pub partitioning: Option<crate::zones::Partitioning>,
    /// 8.10+: physical tenants (absent for an unscoped request on a single-tenant cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_tenants: Option<Vec<crate::zones::PhysicalTenant>>,
}

/// A member broker in the configuration (also the items of `currentTopology`/`expectedTopology`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerState {
    pub id: BrokerId,
    #[serde(default = "BrokerStateCode::unknown")]
    pub state: BrokerStateCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub partitions: Vec<PartitionState>,
    /// 8.10+: the broker's mode per physical tenant (`PROCESSING`, `RECOVERING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_tenants: Option<Vec<crate::zones::BrokerTenantMode>>,
}

/// One replica of a partition on a member broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionState {
    pub id: i32,
    #[serde(default = "PartitionStateCode::unknown")]
    pub state: PartitionStateCode,
    /// Raft priority: the highest live priority is the preferred leader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// 8.6+: per-replica exporter states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<PartitionConfig>,
    /// 8.10+: the physical tenant the partition belongs to (ids restart at 1 per tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_tenant: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporting: Option<ExportingConfig>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportingConfig {
    #[serde(default)]
    pub exporters: Vec<ExporterConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExporterConfig {
    pub id: String,
    pub state: ExporterStateCode,
}

open_enum! {
    pub enum BrokerStateCode {
        Unknown => "UNKNOWN",
        Active => "ACTIVE",
        Joining => "JOINING",
        Leaving => "LEAVING",
        Left => "LEFT",
        Recovering => "RECOVERING",
    }
}

open_enum! {
    pub enum PartitionStateCode {
        Unknown => "UNKNOWN",
        Joining => "JOINING",
        Active => "ACTIVE",
        Leaving => "LEAVING",
        Recovering => "RECOVERING",
        /// Two-phase join (8.10, backported to 8.9 patches): a replica that receives the log
        /// but does not vote yet; `PARTITION_PROMOTE` makes it a voter.
        Learner => "LEARNER",
    }
}

open_enum! {
    /// Exporter state on one replica (`config.exporting.exporters[].state`).
    pub enum ExporterStateCode {
        Unknown => "UNKNOWN",
        Enabled => "ENABLED",
        Disabled => "DISABLED",
        ConfigNotFound => "CONFIG_NOT_FOUND",
    }
}

open_enum! {
    pub enum ChangeStatus {
        InProgress => "IN_PROGRESS",
        Completed => "COMPLETED",
        Failed => "FAILED",
        Cancelled => "CANCELLED",
    }
}

open_enum! {
    /// Kinds of planned operations. The list grows with every minor version.
    pub enum OperationKind {
        BrokerAdd => "BROKER_ADD",
        BrokerRemove => "BROKER_REMOVE",
        PartitionJoin => "PARTITION_JOIN",
        PartitionLeave => "PARTITION_LEAVE",
        PartitionReconfigurePriority => "PARTITION_RECONFIGURE_PRIORITY",
        PartitionForceReconfigure => "PARTITION_FORCE_RECONFIGURE",
        BrokerForceRemove => "BROKER_FORCE_REMOVE",
        PartitionDisableExporter => "PARTITION_DISABLE_EXPORTER",
        PartitionEnableExporter => "PARTITION_ENABLE_EXPORTER",
        PartitionDeleteExporter => "PARTITION_DELETE_EXPORTER",
        StartPartitionScaleUp => "START_PARTITION_SCALE_UP",
        PartitionBootstrap => "PARTITION_BOOTSTRAP",
        AwaitRedistribution => "AWAIT_REDISTRIBUTION",
        AwaitRelocation => "AWAIT_RELOCATION",
        UpdateRoutingState => "UPDATE_ROUTING_STATE",
        DeleteHistory => "DELETE_HISTORY",
        UpdateIncarnationNumber => "UPDATE_INCARNATION_NUMBER",
        PreScaling => "PRE_SCALING",
        PostScaling => "POST_SCALING",
        PartitionPreRestore => "PARTITION_PRE_RESTORE",
        PartitionRestore => "PARTITION_RESTORE",
        /// 8.10: the persisted layout changes (a zone added or dropped, priorities). Was
        /// `UPDATE_PARTITION_DISTRIBUTOR_CONFIG` before 8.10.0-rc1.
        UpdatePartitioning => "UPDATE_PARTITIONING",
        EnterRecovery => "ENTER_RECOVERY",
        ExitRecovery => "EXIT_RECOVERY",
        AwaitModeChange => "AWAIT_MODE_CHANGE",
        /// 8.10: exporting paused or resumed, as a cluster change.
        ExportingStateChange => "EXPORTING_STATE_CHANGE",
        RemovePhysicalTenant => "REMOVE_PHYSICAL_TENANT",
        PartitionPromote => "PARTITION_PROMOTE",
        PartitionDemote => "PARTITION_DEMOTE",
        InitializeSchema => "INITIALIZE_SCHEMA",
        Unknown => "UNKNOWN",
    }
}

impl BrokerStateCode {
    fn unknown() -> Self {
        Self::Unknown
    }
}

impl PartitionStateCode {
    fn unknown() -> Self {
        Self::Unknown
    }
}

/// `lastChange`: a change that has finished one way or another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletedChange {
    pub id: i64,
    pub status: ChangeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
}

/// `pendingChange`: the change in flight, with its operations done and to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopologyChange {
    pub id: i64,
    pub status: ChangeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_version: Option<i64>,
    #[serde(default)]
    pub completed: Vec<CompletedOperation>,
    #[serde(default)]
    pub pending: Vec<Operation>,
}

/// One step of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub operation: OperationKind,
    /// The broker that executes the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_id: Option<BrokerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Force reconfigure: the new replica set; force removal: the removed broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brokers: Option<Vec<BrokerId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_id: Option<String>,
    /// 8.10+: the physical tenant whose partition group the operation touches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_tenant: Option<String>,
    /// 8.10+ `EXPORTING_STATE_CHANGE`: `EXPORTING`, `PAUSED`, `SOFT_PAUSED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporting_state: Option<String>,
    /// 8.10+ `UPDATE_PARTITIONING`: the layout afterwards (`partitionDistributionConfig`
    /// before rc1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "partitionDistributionConfig"
    )]
    pub partitioning_config: Option<crate::zones::Partitioning>,
}

/// An operation of `pendingChange.completed`, stamped with when it finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletedOperation {
    #[serde(flatten)]
    pub operation: Operation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
}

/// `routing` (≈8.8+): how requests and messages are spread over partitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingState {
    #[serde(default)]
    pub version: i64,
    pub request_handling: RoutingStrategy,
    pub message_correlation: RoutingStrategy,
}

/// A routing strategy; only `strategy` is always there, the rest depends on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingStrategy {
    pub strategy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_partition_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_active_partitions: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_partitions: Option<Vec<i32>>,
}

/// 202 answer to every cluster and exporter mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedOperationsResponse {
    pub change_id: i64,
    #[serde(default)]
    pub current_topology: Vec<BrokerState>,
    #[serde(default)]
    pub planned_changes: Vec<Operation>,
    #[serde(default)]
    pub expected_topology: Vec<BrokerState>,
}

/// Body of `PATCH /actuator/cluster` (8.6+; the dual-region procedure from 8.8).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterPatchRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brokers: Option<BrokersPatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<PartitionsPatch>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokersPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<BrokerId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Vec<BrokerId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// 8.10 zone-aware: the zone a `count` scales (required there, refused elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<i32>,
}

/// Body of `POST /actuator/cluster/brokers`: the complete broker set wanted afterwards.
pub type ScaleRequest = Vec<BrokerId>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_operation_kinds_survive_a_round_trip() {
        let op: Operation =
            serde_json::from_str(r#"{"operation":"PARTITION_TELEPORT","brokerId":"3"}"#).unwrap();
        assert_eq!(
            op.operation,
            OperationKind::Other("PARTITION_TELEPORT".into())
        );
        assert_eq!(op.broker_id, Some(BrokerId::Numbered(3)));
        assert!(
            serde_json::to_string(&op)
                .unwrap()
                .contains("PARTITION_TELEPORT")
        );
    }

    #[test]
    fn reads_the_8_10_operations_and_the_learner_state() {
        let op: Operation = serde_json::from_str(
            r#"{"operation":"PARTITION_PROMOTE","brokerId":"paris_1","partitionId":2,"physicalTenant":"default"}"#,
        )
        .unwrap();
        assert_eq!(op.operation, OperationKind::PartitionPromote);
        assert_eq!(
            op.broker_id.map(|b| b.to_string()).as_deref(),
            Some("paris_1")
        );
        assert_eq!(op.physical_tenant.as_deref(), Some("default"));
        let ex: Operation = serde_json::from_str(
            r#"{"operation":"EXPORTING_STATE_CHANGE","exportingState":"PAUSED"}"#,
        )
        .unwrap();
        assert_eq!(ex.operation, OperationKind::ExportingStateChange);
        assert_eq!(
            PartitionStateCode::parse("LEARNER"),
            PartitionStateCode::Learner
        );
    }
}
