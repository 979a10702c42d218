//! `GET /actuator/partitions` on a broker: its own replicas, keyed by partition id.
//!
//! Only leaders report processing and exporting fields; followers send `null`. Newer brokers
//! add `clock` and a `health` tree. `exporterPhase` is the only read-back of exporting
//! pause/resume before 8.10.

use super::open_enum::open_enum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Body of `GET /actuator/partitions`: partition id (as a string key) → status.
pub type PartitionsResponse = BTreeMap<String, PartitionStatus>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionStatus {
    /// `LEADER`, `FOLLOWER`, … (uppercase here, unlike REST).
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub processed_position: Option<i64>,
    #[serde(default)]
    pub snapshot_id: Option<String>,
    #[serde(default)]
    pub processed_position_in_snapshot: Option<i64>,
    #[serde(default)]
    pub stream_processor_phase: Option<String>,
    #[serde(default)]
    pub exporter_phase: Option<ExporterPhase>,
    #[serde(default)]
    pub exported_position: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<PartitionClock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthReport>,
}

open_enum! {
    pub enum ExporterPhase {
        Exporting => "EXPORTING",
        Paused => "PAUSED",
        SoftPaused => "SOFT_PAUSED",
        Closed => "CLOSED",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionClock {
    #[serde(default)]
    pub instant: Option<String>,
    #[serde(default)]
    pub modification_type: Option<String>,
    #[serde(default)]
    pub modification: Option<serde_json::Value>,
}

/// A node of the broker's health tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// `HEALTHY | UNHEALTHY | DEAD`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components_state: Option<String>,
    #[serde(default)]
    pub children: Vec<HealthReport>,
}
