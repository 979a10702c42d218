//! The cockpit's picture of the deployment, derived from observations: what the dashboard
//! draws, what `status --json` prints (its field names are a public schema) and what the
//! runbooks decide on.

use super::words::*;
use crate::api::{BrokerId, Region};
use serde::Serialize;

/// Yes, no, or c8dr cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Up,
    Down,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Processing {
    /// Every partition can commit.
    Active,
    /// Some partitions cannot commit.
    Degraded,
    /// No partition can commit.
    Halted,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Processing {
    /// The word `status --json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Processing::Active => "active",
            Processing::Degraded => "degraded",
            Processing::Halted => "halted",
            Processing::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub level: Level,
    /// In words an operator acts on, most important first.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// 8.5's failover mode: out of scope for the runbooks.
    #[serde(rename = "8.5")]
    V85,
    #[serde(rename = "8.6-8.7")]
    V86To87,
    #[serde(rename = "8.8+")]
    V88Plus,
    Unknown,
}

impl Family {
    /// The word `status --json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::V85 => "8.5",
            Family::V86To87 => "8.6-8.7",
            Family::V88Plus => "8.8+",
            Family::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionView {
    pub id: Region,
    pub name: String,
    /// "context/namespace" when c8dr reaches the region through Kubernetes.
    pub kube: Option<String>,
    pub reachable: Reach,
    /// Seconds since the last successful observation of this region.
    pub data_age_s: Option<f64>,
    /// When c8dr last heard from it while it is unreachable.
    pub unreachable_since: Option<String>,
    pub last_error: Option<String>,
    /// Its brokers in a fresh topology of either gateway (null: no fresh topology at all).
    pub brokers_up: Option<usize>,
    pub brokers_expected: usize,
    pub pods_ready: Option<usize>,
    pub pods_total: Option<usize>,
    pub elasticsearch: ElasticsearchView,
    /// Brokers this region's own gateway lists in a fresh topology (null: no fresh topology
    /// from it). A failover stands on this list from the surviving region, never on a guess.
    pub gateway_brokers: Option<Vec<BrokerId>>,
    /// Every configured source of the region: whether its latest answer is fresh and good.
    pub sources: Vec<SourceView>,
}

/// One source of a region as c8dr last saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceView {
    pub source: super::Source,
    /// The source in words, e.g. `REST /v2/topology`.
    pub name: String,
    /// Its latest answer is fresh and could be read.
    pub ok: bool,
    /// Seconds since its latest answer (good or bad).
    pub age_s: Option<f64>,
    /// Why it is not ok (the error, or that the answer is stale).
    pub error: Option<String>,
    /// The error itself, for decisions on its kind (`error` is its text in the JSON).
    #[serde(skip)]
    pub fault: Option<crate::source::SourceError>,
    /// Since when it has been failing (RFC 3339), while it fails.
    pub failing_since: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElasticsearchView {
    /// `green`, `yellow`, `red`, `unreachable`, `not configured` or `unknown`.
    pub status: ElasticsearchStatus,
    pub error: Option<String>,
    pub indices: Option<usize>,
    pub docs: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokerPartition {
    pub id: i32,
    pub role: ReplicaRole,
    pub health: ReplicaHealth,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokerView {
    pub id: BrokerId,
    pub region: Region,
    /// Seen in a fresh topology (null: no topology to tell).
    pub reachable: Option<bool>,
    /// In the cluster configuration (null: no fresh configuration; never guessed from the
    /// topology).
    pub member: Option<bool>,
    pub version: Option<String>,
    pub host: Option<String>,
    pub pod_ready: Option<bool>,
    pub pod_status: Option<String>,
    pub partitions: Vec<BrokerPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionView {
    pub id: i32,
    /// The broker that can commit (a leader within a majority), or null.
    pub leader: Option<BrokerId>,
    /// Brokers reporting leadership, quorum or not.
    pub reported_leaders: Vec<BrokerId>,
    /// Configured replicas (from `/actuator/cluster`; empty when unknown).
    pub replicas: Vec<BrokerId>,
    pub replica_count: usize,
    pub live_replicas: Vec<BrokerId>,
    /// Derived from live replicas, never from roles (null: cannot tell).
    pub has_quorum: Option<bool>,
    /// How many more replicas may go down before the partition loses quorum (0: the next
    /// one stops it; null: cannot tell). The rule is per partition, not per region.
    pub spare: Option<i64>,
    pub health: ReplicaHealth,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExporterView {
    pub id: String,
    /// The region whose Elasticsearch it writes to.
    pub region: Option<Region>,
    pub status: ExporterState,
    /// Legacy `elasticsearchregionN` exporter on an 8.8+ cluster.
    pub legacy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeView {
    pub id: i64,
    pub status: ChangeState,
    pub done: usize,
    pub total: usize,
    pub next: Option<String>,
    /// When it started, as the configuration says (null: not reported).
    pub started_at: Option<String>,
    /// Its operations, the completed ones first.
    pub operations: Vec<ChangeOperationView>,
}

/// One operation of the change in flight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeOperationView {
    /// E.g. `PARTITION_LEAVE broker 3 partition 2`.
    pub words: String,
    /// The broker that executes it.
    pub broker: Option<BrokerId>,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastChangeView {
    pub id: i64,
    pub status: ChangeState,
    pub completed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    pub size: Option<usize>,
    pub replication_factor: Option<i32>,
    pub partitions: Option<usize>,
    pub pending_change: Option<ChangeView>,
    pub last_change: Option<LastChangeView>,
    pub gateway_version: Option<String>,
    pub family: Family,
    /// The region whose fresh `/actuator/cluster` answer the configuration (members,
    /// replicas, changes) comes from; null: no fresh configuration, so membership is unknown.
    pub config_from: Option<Region>,
    /// The region whose fresh `/actuator/exporters` answer the exporters come from.
    pub exporters_from: Option<Region>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficView {
    /// `active-passive` or `active-active`.
    pub mode: TrafficMode,
    pub primary: Region,
    /// Regions DNS sends users to (null: not checked or unknown).
    pub observed: Option<Vec<Region>>,
    /// Whether that is what it should be (null: cannot tell).
    pub agrees: Option<bool>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportView {
    /// `running`, `paused`, `mixed` or `unknown` (from the leaders' exporter phase).
    pub exporting: Exporting,
    /// Largest processed − exported position over partitions.
    pub lag: Option<i64>,
    pub lag_growing: bool,
}

/// The whole picture at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterView {
    /// Version of this JSON schema.
    pub version: u32,
    pub name: String,
    pub at: String,
    pub processing: Processing,
    pub verdict: Verdict,
    pub regions: Vec<RegionView>,
    pub brokers: Vec<BrokerView>,
    pub partitions: Vec<PartitionView>,
    pub exporters: Vec<ExporterView>,
    pub exporting: Exporting,
    pub export: ExportView,
    pub cluster: ClusterSummary,
    pub traffic: TrafficView,
    /// What c8dr saw that does not add up (gateways that disagree, answers too large to be
    /// real); each makes the verdict unknown at best.
    pub anomalies: Vec<String>,
}

impl ClusterView {
    pub fn region(&self, id: Region) -> Option<&RegionView> {
        self.regions.iter().find(|r| r.id == id)
    }

    pub fn partitions_with_quorum(&self) -> usize {
        self.partitions
            .iter()
            .filter(|p| p.has_quorum == Some(true))
            .count()
    }

    /// "6/8 with quorum", with how many cannot be told ("quorum unknown" when none can).
    pub fn quorum_words(&self) -> String {
        let n = self.partitions.len();
        let unknown = self
            .partitions
            .iter()
            .filter(|p| p.has_quorum.is_none())
            .count();
        match unknown {
            0 => format!("{}/{n} with quorum", self.partitions_with_quorum()),
            u if u == n => "quorum unknown".to_string(),
            u => format!(
                "{}/{n} with quorum, {u} unknown",
                self.partitions_with_quorum()
            ),
        }
    }
}
