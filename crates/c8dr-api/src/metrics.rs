//! A broker's Prometheus metrics (`GET /actuator/prometheus`, management port 9600): the names
//! and labels c8dr reads, and the typed reading of them.
//!
//! Names, labels and value encodings follow camunda/camunda's meter documentation
//! (`ExporterMetricsDoc`, `LogAppenderMetricsDoc`, `HealthMetricsDoc`, `RaftRoleMetricsDoc`,
//! `TopologyMetricsDoc`); `fixtures/prometheus/PROVENANCE.md` cites them. The lab renders its
//! exposition with these constants and c8dr parses with them, so the two cannot drift apart.

use std::collections::BTreeMap;

/// `zeebe_exporter_last_exported_position{exporter,partition}` (gauge).
pub const EXPORTED_POSITION: &str = "zeebe_exporter_last_exported_position";
/// `zeebe_exporter_state{partition}`: 0 exporting, 1 paused, 2 soft paused, 3 closed.
pub const EXPORTER_STATE: &str = "zeebe_exporter_state";
/// `zeebe_log_appender_last_committed_position{partition}` (gauge).
pub const COMMITTED_POSITION: &str = "zeebe_log_appender_last_committed_position";
/// `zeebe_health{partition}`: 1 healthy, 0 unhealthy, -1 dead, 2 recovering.
pub const HEALTH: &str = "zeebe_health";
/// `atomix_role{partitionGroupName,partition}`: 0 inactive, 1 follower, 2 candidate, 3 leader.
pub const ROLE: &str = "atomix_role";
/// `zeebe_cluster_changes_id`: the id of the change plan in progress (0: none).
pub const CHANGES_ID: &str = "zeebe_cluster_changes_id";
/// `zeebe_cluster_changes_status{zeebe_cluster_changes_status}`: one series per status, 1 on
/// the current one (an `EnumMeter` of `ClusterChangePlan.Status`).
pub const CHANGES_STATUS: &str = "zeebe_cluster_changes_status";
pub const CHANGES_VERSION: &str = "zeebe_cluster_changes_version";
pub const CHANGES_PENDING: &str = "zeebe_cluster_changes_operations_pending";
pub const CHANGES_COMPLETED: &str = "zeebe_cluster_changes_operations_completed";

/// The label of the partition on every partition-scoped meter.
pub const LABEL_PARTITION: &str = "partition";
/// The exporter label of the position gauges (`ExporterMetrics.LABEL_NAME_EXPORTER`).
pub const LABEL_EXPORTER: &str = "exporter";
/// The exporter container's key name (`ExporterMetricsDoc.EXPORTER_ID`), read as well.
pub const LABEL_EXPORTER_ID: &str = "exporterId";
/// `atomix_role`'s partition group label.
pub const LABEL_PARTITION_GROUP: &str = "partitionGroupName";

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// What a scrape asks for: the text format (Spring's endpoint would otherwise pick
/// OpenMetrics, or refuse `application/json` with 406).
pub const ACCEPT: &str = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

/// `zeebe_exporter_state`'s value (`ExporterPhase` in the broker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExporterPhaseCode {
    Exporting,
    Paused,
    SoftPaused,
    Closed,
    /// A value this version does not know, kept.
    Other(i64),
}

impl ExporterPhaseCode {
    pub fn from_value(v: f64) -> ExporterPhaseCode {
        match v as i64 {
            0 => ExporterPhaseCode::Exporting,
            1 => ExporterPhaseCode::Paused,
            2 => ExporterPhaseCode::SoftPaused,
            3 => ExporterPhaseCode::Closed,
            n => ExporterPhaseCode::Other(n),
        }
    }

    pub fn value(self) -> i64 {
        match self {
            ExporterPhaseCode::Exporting => 0,
            ExporterPhaseCode::Paused => 1,
            ExporterPhaseCode::SoftPaused => 2,
            ExporterPhaseCode::Closed => 3,
            ExporterPhaseCode::Other(n) => n,
        }
    }
}

/// `zeebe_health`'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthCode {
    Healthy,
    Unhealthy,
    Dead,
    Recovering,
    Other(i64),
}

impl HealthCode {
    pub fn from_value(v: f64) -> HealthCode {
        match v as i64 {
            1 => HealthCode::Healthy,
            0 => HealthCode::Unhealthy,
            -1 => HealthCode::Dead,
            2 => HealthCode::Recovering,
            n => HealthCode::Other(n),
        }
    }

    pub fn value(self) -> i64 {
        match self {
            HealthCode::Healthy => 1,
            HealthCode::Unhealthy => 0,
            HealthCode::Dead => -1,
            HealthCode::Recovering => 2,
            HealthCode::Other(n) => n,
        }
    }
}

/// `atomix_role`'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaftRoleCode {
    Inactive,
    Follower,
    Candidate,
    Leader,
    Other(i64),
}

impl RaftRoleCode {
    pub fn from_value(v: f64) -> RaftRoleCode {
        match v as i64 {
            0 => RaftRoleCode::Inactive,
            1 => RaftRoleCode::Follower,
            2 => RaftRoleCode::Candidate,
            3 => RaftRoleCode::Leader,
            n => RaftRoleCode::Other(n),
        }
    }

    pub fn value(self) -> i64 {
        match self {
            RaftRoleCode::Inactive => 0,
            RaftRoleCode::Follower => 1,
            RaftRoleCode::Candidate => 2,
            RaftRoleCode::Leader => 3,
            RaftRoleCode::Other(n) => n,
        }
    }
}

/// What one partition's meters on one broker say. Each is absent when the broker does not
/// expose it (the exporter gauges live on the partition's leader only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionMetrics {
    pub committed_position: Option<i64>,
    pub health: Option<HealthCode>,
    pub role: Option<RaftRoleCode>,
    /// The exporter director's phase: one for all the partition's exporters.
    pub exporter_phase: Option<ExporterPhaseCode>,
    /// Per exporter id: its last exported position.
    pub exported: BTreeMap<String, i64>,
}

/// The cluster's topology change as the broker's meters show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeMetrics {
    /// The change in progress (0 or absent: none).
    pub id: Option<i64>,
    /// The status whose series is 1 (`IN_PROGRESS`, `COMPLETED`, `FAILED`, `CANCELLED`).
    pub status: Option<String>,
    pub version: Option<i64>,
    pub pending: Option<i64>,
    pub completed: Option<i64>,
}

/// One broker's `/actuator/prometheus`, typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrokerMetrics {
    /// Per partition id.
    pub partitions: BTreeMap<i32, PartitionMetrics>,
    pub changes: ChangeMetrics,
}

impl BrokerMetrics {
    /// Every (exporter, partition, position) the broker exposes.
    pub fn exporters(&self) -> impl Iterator<Item = (&str, i32, i64)> + '_ {
        self.partitions.iter().flat_map(|(p, m)| {
            m.exported
                .iter()
                .map(move |(e, pos)| (e.as_str(), *p, *pos))
        })
    }
}
