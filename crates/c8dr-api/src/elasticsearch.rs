//! Elasticsearch APIs used by the dual-region failback (port 9200): cluster info, health,
//! snapshot repositories, snapshots (create, get, `_status`, `_restore`), `_cat/indices` and
//! error bodies. Field sets follow the rest-api-spec files in `camunda-api/elasticsearch` and
//! the payloads in `examples/es-*`; everything a version may omit is optional.

use super::open_enum::open_enum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /`: who answers and which version (OpenSearch says so in `version.distribution`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub cluster_name: String,
    #[serde(default)]
    pub cluster_uuid: String,
    pub version: VersionInfo,
    #[serde(default)]
    pub tagline: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub number: String,
    /// `opensearch` on OpenSearch; absent on Elasticsearch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_flavor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_snapshot: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lucene_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_wire_compatibility_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_index_compatibility_version: Option<String>,
}

impl ClusterInfo {
    /// OpenSearch reports `version.distribution: "opensearch"`.
    pub fn is_opensearch(&self) -> bool {
        self.version
            .distribution
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case("opensearch"))
    }
}

open_enum! {
    /// Cluster health colour (the spec notes ES may send either case).
    pub enum HealthStatus {
        Green => "green",
        Yellow => "yellow",
        Red => "red",
    }
}

/// `GET /_cluster/health` (also the body of its 408 when a `wait_for_*` times out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterHealth {
    #[serde(default)]
    pub cluster_name: String,
    pub status: HealthStatus,
    #[serde(default)]
    pub timed_out: bool,
    #[serde(default)]
    pub number_of_nodes: u32,
    #[serde(default)]
    pub number_of_data_nodes: u32,
    #[serde(default)]
    pub active_primary_shards: u32,
    #[serde(default)]
    pub active_shards: u32,
    #[serde(default)]
    pub relocating_shards: u32,
    #[serde(default)]
    pub initializing_shards: u32,
    #[serde(default)]
    pub unassigned_shards: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unassigned_primary_shards: Option<u32>,
    #[serde(default)]
    pub delayed_unassigned_shards: u32,
    #[serde(default)]
    pub number_of_pending_tasks: u32,
    #[serde(default)]
    pub number_of_in_flight_fetch: u32,
    #[serde(default)]
    pub task_max_waiting_in_queue_millis: u64,
    #[serde(default)]
    pub active_shards_percent_as_number: f64,
}

/// Body of `PUT /_snapshot/{repository}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryRequest {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// One entry of `GET /_snapshot/{repository}` (a map keyed by repository name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repository {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

pub type GetRepositoryResponse = BTreeMap<String, Repository>;

/// `{"acknowledged": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledged {
    pub acknowledged: bool,
}

/// `indices` is a comma-separated string or a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IndexList {
    Text(String),
    List(Vec<String>),
}

impl IndexList {
    pub fn names(&self) -> Vec<String> {
        match self {
            IndexList::Text(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            IndexList::List(v) => v.clone(),
        }
    }
}

/// Body of `PUT /_snapshot/{repository}/{snapshot}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateSnapshotRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indices: Option<IndexList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_unavailable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_global_state: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_states: Option<Vec<String>>,
}

/// Answer to a snapshot create: `{"accepted": true}`, or the snapshot when waiting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateSnapshotResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotInfo>,
}

open_enum! {
    pub enum SnapshotState {
        InProgress => "IN_PROGRESS",
        Started => "STARTED",
        Success => "SUCCESS",
        Failed => "FAILED",
        Partial => "PARTIAL",
        Incompatible => "INCOMPATIBLE",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardsSummary {
    pub total: u32,
    pub failed: u32,
    pub successful: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub snapshot: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub indices: Vec<String>,
    #[serde(default)]
    pub data_streams: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_global_state: Option<bool>,
    pub state: SnapshotState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time_in_millis: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time_in_millis: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_in_millis: Option<i64>,
    #[serde(default)]
    pub failures: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<ShardsSummary>,
    #[serde(default)]
    pub feature_states: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /_snapshot/{repository}/{snapshot}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetSnapshotsResponse {
    #[serde(default)]
    pub snapshots: Vec<SnapshotInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ShardsStats {
    pub initializing: u32,
    pub started: u32,
    pub finalizing: u32,
    pub done: u32,
    pub failed: u32,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileStats {
    pub file_count: u64,
    pub size_in_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SnapshotStats {
    #[serde(default)]
    pub incremental: FileStats,
    #[serde(default)]
    pub total: FileStats,
    #[serde(default)]
    pub start_time_in_millis: i64,
    #[serde(default)]
    pub time_in_millis: i64,
}

/// One snapshot of `GET /_snapshot/{repository}/{snapshot}/_status` (the backup's progress,
/// not a restore's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotStatus {
    pub snapshot: String,
    pub repository: String,
    #[serde(default)]
    pub uuid: String,
    pub state: SnapshotState,
    #[serde(default)]
    pub include_global_state: bool,
    #[serde(default)]
    pub shards_stats: ShardsStats,
    #[serde(default)]
    pub stats: SnapshotStats,
    #[serde(default)]
    pub indices: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotStatusResponse {
    #[serde(default)]
    pub snapshots: Vec<SnapshotStatus>,
}

/// Body of `POST /_snapshot/{repository}/{snapshot}/_restore`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RestoreRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indices: Option<IndexList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_unavailable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_global_state: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_replacement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_aliases: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_settings: Option<serde_json::Value>,
}

/// Answer to a restore: `{"accepted": true}`, or what was restored when waiting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<RestoreInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreInfo {
    pub snapshot: String,
    #[serde(default)]
    pub indices: Vec<String>,
    pub shards: ShardsSummary,
}

/// One row of `GET /_cat/indices?format=json` (every value is a string, as ES sends it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatIndex {
    #[serde(default)]
    pub health: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub index: String,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub pri: Option<String>,
    #[serde(default)]
    pub rep: Option<String>,
    #[serde(rename = "docs.count", default)]
    pub docs_count: Option<String>,
    #[serde(rename = "docs.deleted", default)]
    pub docs_deleted: Option<String>,
    #[serde(rename = "store.size", default)]
    pub store_size: Option<String>,
    #[serde(rename = "pri.store.size", default)]
    pub pri_store_size: Option<String>,
}

impl CatIndex {
    /// The document count, when ES sent a number.
    pub fn docs(&self) -> Option<u64> {
        self.docs_count.as_deref().and_then(|d| d.parse().ok())
    }
}

/// ES error body: `{"error": {...}, "status": N}` (`error` is a bare string on some paths).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsErrorBody {
    pub error: EsError,
    #[serde(default)]
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EsError {
    Detailed(EsErrorCause),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsErrorCause {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub root_cause: Vec<EsErrorCause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<Box<EsErrorCause>>,
}

impl EsErrorBody {
    /// `type: reason` of the error, for messages.
    pub fn summary(&self) -> String {
        match &self.error {
            EsError::Detailed(c) => format!("{}: {}", c.kind, c.reason),
            EsError::Text(t) => t.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_status_in_either_case() {
        let h: ClusterHealth =
            serde_json::from_str(r#"{"cluster_name":"c","status":"GREEN"}"#).unwrap();
        assert_eq!(h.status, HealthStatus::Green);
    }

    #[test]
    fn opensearch_is_recognised() {
        let info: ClusterInfo = serde_json::from_str(
            r#"{"name":"n","cluster_name":"c","cluster_uuid":"u",
                "version":{"distribution":"opensearch","number":"2.11.0"},"tagline":"t"}"#,
        )
        .unwrap();
        assert!(info.is_opensearch());
    }

    #[test]
    fn error_bodies_in_both_shapes() {
        let e: EsErrorBody = serde_json::from_str(
            r#"{"error":{"root_cause":[],"type":"snapshot_restore_exception","reason":"no"},"status":500}"#,
        )
        .unwrap();
        assert_eq!(e.summary(), "snapshot_restore_exception: no");
        let t: EsErrorBody =
            serde_json::from_str(r#"{"error":"Incorrect HTTP method","status":405}"#).unwrap();
        assert_eq!(t.summary(), "Incorrect HTTP method");
    }
}
