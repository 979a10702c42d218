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
    /// In words an operator acts on, most important first; advice names c8dr's commands
    /// (what `status`, `check` and the JSON print).
    pub reasons: Vec<String>,
    /// The same reasons with their advice kept typed, so each front end names its own way
    /// to act (the dashboard its keys, the command line its commands).
    #[serde(skip)]
    pub detail: Vec<Reason>,
}

impl Verdict {
    /// The reasons as `front` says them.
    pub fn words(&self, front: Front) -> Vec<String> {
        self.detail.iter().map(|r| r.words(front)).collect()
    }
}

/// Who shows the verdict, and so how it names a way to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// `status`, `check`, the JSON: c8dr's commands.
    Cli,
    /// The dashboard: its keys.
    Tui,
}

/// One reason: what is wrong, and the runbook that acts on it, if one does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub text: String,
    pub advice: Option<Advice>,
}

impl Reason {
    pub fn advised(text: String, advice: Advice) -> Reason {
        Reason {
            text,
            advice: Some(advice),
        }
    }

    /// The text, then the way to act as `front` names it.
    pub fn words(&self, front: Front) -> String {
        match &self.advice {
            Some(a) => format!("{} ({})", self.text, a.words(front)),
            None => self.text.clone(),
        }
    }
}

impl From<String> for Reason {
    fn from(text: String) -> Reason {
        Reason { text, advice: None }
    }
}

/// A runbook c8dr runs, named by the region it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advice {
    /// The failover runbook for the lost region (its configured name).
    FailOver { lost: String },
    /// The failback runbook into the recreated region (its configured name).
    FailBack { recreated: String },
}

impl Advice {
    /// `F: failover runbook` on the dashboard, `c8dr failover --lost paris` on the command line.
    pub fn words(&self, front: Front) -> String {
        match (self, front) {
            (Advice::FailOver { .. }, Front::Tui) => "F: failover runbook".into(),
            (Advice::FailOver { lost }, Front::Cli) => format!("c8dr failover --lost {lost}"),
            (Advice::FailBack { .. }, Front::Tui) => "B: failback runbook".into(),
            (Advice::FailBack { recreated }, Front::Cli) => {
                format!("c8dr failback --recreated {recreated}")
            }
        }
    }
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
    /// Brokers expected here: from the cluster configuration's members, else the region's
    /// broker pods (null: neither is known).
    pub brokers_expected: Option<usize>,
    pub pods_ready: Option<usize>,
    pub pods_total: Option<usize>,
    pub elasticsearch: ElasticsearchView,
    /// Brokers this region's own gateway lists in a fresh topology (null: no fresh topology
    /// from it). A failover stands on this list from the surviving region, never on a guess.
    pub gateway_brokers: Option<Vec<BrokerId>>,
    /// Every configured source of the region: whether its latest answer is fresh and good.
    pub sources: Vec<SourceView>,
}

impl RegionView {
    /// Its sources that `which` selects and that fail (or went stale), in words, grouped by
    /// error in the table's order so the line is the same from frame to frame:
    /// "management /actuator/cluster, /actuator/exporters fail for 9 s (timed out)".
    pub fn failing_words(
        &self,
        now: jiff::Timestamp,
        which: impl Fn(super::Source) -> bool,
    ) -> Option<String> {
        self.failing(now, which, false)
    }

    /// The same where room is short, since when first: "for 9 s: mgmt cluster, exporters
    /// (timed out)".
    pub fn failing_short(
        &self,
        now: jiff::Timestamp,
        which: impl Fn(super::Source) -> bool,
    ) -> Option<String> {
        self.failing(now, which, true)
    }

    fn failing(
        &self,
        now: jiff::Timestamp,
        which: impl Fn(super::Source) -> bool,
        short: bool,
    ) -> Option<String> {
        let failing: Vec<&SourceView> = self
            .sources
            .iter()
            .filter(|s| !s.ok && which(s.source))
            .collect();
        let mut groups: Vec<(String, Vec<&SourceView>)> = vec![];
        for s in failing {
            let error = s.error.clone().unwrap_or_else(|| "no answer".into());
            match groups.iter_mut().find(|(e, _)| *e == error) {
                Some((_, g)) => g.push(s),
                None => groups.push((error, vec![s])),
            }
        }
        let words: Vec<String> = groups
            .iter()
            .map(|(error, g)| {
                let mut names: Vec<String> = vec![];
                let mut last_api = "";
                for s in g {
                    // "management /actuator/cluster, /actuator/exporters": the API once.
                    let full = if short {
                        s.source.short_name()
                    } else {
                        s.name.as_str()
                    };
                    let (api, path) = full.split_once(' ').unwrap_or(("", full));
                    if api == last_api && (short || path.starts_with('/')) {
                        names.push(path.to_string());
                    } else {
                        names.push(full.to_string());
                    }
                    last_api = api;
                }
                let longest = g
                    .iter()
                    .filter_map(|s| s.failing_since.as_deref())
                    .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
                    .map(|t| now.duration_since(t).as_secs().max(0))
                    .max();
                let since = longest.map(|s| format!(" for {s} s")).unwrap_or_default();
                if short {
                    format!("failing{since}: {} ({error})", names.join(", "))
                } else {
                    format!(
                        "{} {}{since} ({error})",
                        names.join(", "),
                        if g.len() == 1 { "fails" } else { "fail" },
                    )
                }
            })
            .collect();
        (!words.is_empty()).then(|| words.join("; "))
    }
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

/// One exporter as `/actuator/exporters` lists it, and what its position does on each
/// partition according to the brokers' metrics (`/actuator/prometheus`). Lags and rates are
/// derived by c8dr: max committed − max exported per partition over the brokers (never a sum
/// over replicas), rates from successive observations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExporterView {
    pub id: String,
    /// The region whose Elasticsearch it writes to.
    pub region: Option<Region>,
    pub status: ExporterState,
    /// Legacy `elasticsearchregionN` exporter on an 8.8+ cluster.
    pub legacy: bool,
    /// Records behind over its partitions: the sum of each partition's lag (null: no
    /// partition's lag is known).
    pub lag: Option<i64>,
    /// How fast that total changes, positions per second (null: not observed long enough).
    pub lag_rate_per_s: Option<f64>,
    /// The leaders' exporter phase over its partitions (`running`, `paused`, `mixed`, …).
    pub phase: Exporting,
    /// Seconds since its position last moved on the partition where it stood still longest
    /// (counted from the first observation of that position: at least this long).
    pub last_moved_s: Option<f64>,
    /// What its position does, the worst of its partitions.
    pub flow: ExporterFlow,
    /// Stuck on some partition: its position stands still while the log grows and its
    /// Elasticsearch answers (null: c8dr cannot tell yet).
    pub stuck: Option<bool>,
    /// Whether its Elasticsearch answers (the region's `_cluster/health`).
    pub target: Reach,
    /// Seen DISABLED, now enabled again while its region does not answer: a restart brought
    /// it back (camunda/camunda#52260, fixed in 8.8.25), not the failback.
    pub re_enabled: bool,
    /// Per partition, in id order (empty: no metrics).
    pub partitions: Vec<ExporterPartitionView>,
}

impl ExporterView {
    /// An exporter as `/actuator/exporters` lists it, before its metrics are judged: nothing
    /// known yet of its lag, rate, phase or flow.
    pub fn listed(
        id: String,
        region: Option<Region>,
        status: ExporterState,
        target: Reach,
    ) -> Self {
        ExporterView {
            id,
            region,
            status,
            legacy: false,
            lag: None,
            lag_rate_per_s: None,
            phase: Exporting::Unknown,
            last_moved_s: None,
            flow: ExporterFlow::Unknown,
            stuck: None,
            target,
            re_enabled: false,
            partitions: vec![],
        }
    }

    /// The partitions it is stuck on.
    pub fn stuck_partitions(&self) -> Vec<i32> {
        self.partitions_in(ExporterFlow::Stuck)
    }

    /// "lag 1234 +52/s": the lag over its partitions and how fast it changes; "lag 42 on 4 of
    /// 8 partitions" while some partition's lag is not known (its leader went with a lost
    /// region, its scrape failed), so a partial sum is never read as the whole.
    pub fn lag_words(&self) -> Option<String> {
        let lag = self.lag?;
        let mut w = match self.lag_rate_per_s {
            Some(r) => format!("lag {lag} {}", super::words::rate_words(r)),
            None => format!("lag {lag}"),
        };
        let known = self.partitions.iter().filter(|p| p.lag.is_some()).count();
        if known < self.partitions.len() {
            w.push_str(&format!(
                " on {known} of {} partitions",
                self.partitions.len()
            ));
        }
        Some(w)
    }

    /// "moved 0 s ago", or "still 9 s" while its position stands still; nothing before it
    /// was observed twice (one scrape cannot tell whether it moved).
    pub fn moved_words(&self) -> Option<String> {
        let s = self.last_moved_s?;
        Some(match self.flow {
            ExporterFlow::Unknown => return None,
            ExporterFlow::Stuck | ExporterFlow::Blocked | ExporterFlow::Stalled => {
                format!("still {s:.0} s")
            }
            _ => format!("moved {s:.0} s ago"),
        })
    }

    /// What its position does: "exporting", "STUCK on partitions 1, 2", "blocked on
    /// partitions 1, 2 (its Elasticsearch does not answer)".
    pub fn flow_words(&self) -> String {
        let on = |f: ExporterFlow| {
            self.partitions_in(f)
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.flow {
            ExporterFlow::Stuck => format!("STUCK on partitions {}", on(ExporterFlow::Stuck)),
            ExporterFlow::Blocked => format!(
                "blocked on partitions {} (its Elasticsearch does not answer)",
                on(ExporterFlow::Blocked)
            ),
            ExporterFlow::Stalled => format!(
                "stalled on partitions {} (Elasticsearch not watched)",
                on(ExporterFlow::Stalled)
            ),
            ExporterFlow::Unknown => "flow unknown".to_string(),
            f => f.to_string(),
        }
    }

    /// The whole line: "camundaregion1 ENABLED · STUCK on partitions 1, 2 · lag 1234 +52/s ·
    /// still 9 s · phase running".
    pub fn words(&self) -> String {
        let mut parts = vec![format!("{} {}", self.id, self.status), self.flow_words()];
        parts.extend(self.lag_words());
        parts.extend(self.moved_words());
        parts.push(format!("phase {}", self.phase));
        parts.join(" · ")
    }

    /// The partitions whose flow is `flow`.
    pub fn partitions_in(&self, flow: ExporterFlow) -> Vec<i32> {
        self.partitions
            .iter()
            .filter(|p| p.flow == flow)
            .map(|p| p.id)
            .collect()
    }
}

/// One exporter on one partition, from the brokers' metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExporterPartitionView {
    pub id: i32,
    /// Highest committed position of any replica − the leader's exported position.
    pub lag: Option<i64>,
    /// How fast the lag changes, positions per second (null: not observed long enough).
    pub lag_rate_per_s: Option<f64>,
    /// The leader's exporter phase.
    pub phase: Exporting,
    /// Seconds since the exported position last moved (at least: counted from the first
    /// observation of the current position).
    pub last_moved_s: Option<f64>,
    pub flow: ExporterFlow,
    #[serde(skip)]
    pub history: PositionHistory,
}

/// The model's memory of one exporter on one partition, carried from view to view: the
/// recent observations (one per scrape, never per frame) and since when the exported
/// position stands where it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PositionHistory {
    /// (when the leader was scraped, committed, exported), oldest first, bounded.
    pub samples: Vec<(jiff::Timestamp, i64, i64)>,
    /// The first observation of the current exported position, and the committed position
    /// then.
    pub still_since: Option<(jiff::Timestamp, i64)>,
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
    /// Numbered, zone-aware or half-way between; the zones of the layout; recovery mode.
    pub topology: TopologyView,
}

/// How brokers are named and partitions placed, which decides the failover procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopologyKind {
    /// Integer ids, a region by parity: the numbered procedure (8.7–8.10).
    Numbered,
    /// `<zone>_<n>` ids over a persisted zone-aware layout (8.10+): the zones API.
    ZoneAware,
    /// Between the two: numbered members next to zoned ones, or a zone-aware layout persisted
    /// before any zone was migrated. Neither procedure applies as written.
    Migrating,
    /// No configuration and no gateway answered.
    Unknown,
}

impl TopologyKind {
    pub fn words(self) -> &'static str {
        match self {
            TopologyKind::Numbered => "numbered",
            TopologyKind::ZoneAware => "zone-aware",
            TopologyKind::Migrating => "migrating",
            TopologyKind::Unknown => "topology unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyView {
    pub kind: TopologyKind,
    /// The persisted zone-aware layout's zones in its order (the zone index order during a
    /// migration); empty when the cluster has none or it was not read.
    pub zones: Vec<ZoneView>,
    /// Only while migrating.
    pub migration: Option<MigrationView>,
    /// Brokers in `RECOVERING` mode (8.10 cluster modes): no processing by design.
    pub recovering: Vec<BrokerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneView {
    pub name: String,
    pub replicas: i32,
    pub priority: i32,
    /// The region configured with this zone (null: none is).
    pub region: Option<Region>,
    /// Members of the cluster in this zone.
    pub members: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationView {
    /// Zones whose brokers already joined as zoned members, in zone index order.
    pub migrated: Vec<String>,
    /// The zone `PUT /actuator/cluster/zones` accepts next: the highest zone index not yet
    /// migrated (the API refuses any other); null when the layout is not persisted yet.
    pub next: Option<String>,
    /// Numbered members still in the cluster.
    pub numbered_left: usize,
    /// Whether the zone-aware layout is persisted (`PUT /actuator/cluster/partitioning`).
    pub layout_set: bool,
}

impl MigrationView {
    /// How far it is: "layout not set", "layout set", "paris done", "london, paris done".
    pub fn stage_words(&self) -> String {
        match (self.layout_set, self.migrated.is_empty()) {
            (false, true) => "layout not set".into(),
            (true, true) => "layout set".into(),
            (_, false) => format!("{} done", self.migrated.join(", ")),
        }
    }

    /// What comes next: "next paris" (the zone `PUT /actuator/cluster/zones` accepts), "next
    /// PUT /actuator/cluster/partitioning" before the layout is set, else what is left.
    pub fn next_words(&self) -> String {
        match (&self.next, self.layout_set) {
            (Some(z), _) => format!("next {z}"),
            (None, false) => "next the layout".into(),
            (None, true) => format!("{} numbered left", self.numbered_left),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficView {
    /// `active-passive` or `active-active`.
    pub mode: TrafficMode,
    pub primary: Region,
    /// Regions DNS sends users to (null: not checked or unknown).
    pub observed: Option<Vec<Region>>,
    /// Regions users should go to: those that can serve (in active-passive the primary, or
    /// after a failover the region that took over); null: cannot tell.
    pub expected: Option<Vec<Region>>,
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
    /// The lag grows steadily (see `lag_per_s`): the log cannot be compacted.
    pub lag_growing: bool,
    /// How fast the lag changed over the recent observations, in positions per second
    /// (null: not observed long enough to tell).
    pub lag_per_s: Option<f64>,
    /// The recent lag samples (when the leaders were observed, the lag): the model's memory
    /// from view to view, so a rate never comes from two frames of the same observation.
    #[serde(skip)]
    pub lag_samples: Vec<(jiff::Timestamp, i64)>,
}

/// A runbook run as its lease, read fresh from a region's namespace, publishes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunView {
    /// The region whose namespace holds the lease (the surviving one's, as a run takes it).
    pub region: Region,
    /// `live`, `expired` (held, not renewed in time: the holder may have died) or
    /// `released` (the run ended; `lease.state` is its outcome).
    pub liveness: super::run_lease::Liveness,
    /// In words: "failover of paris in progress by alice@laptop since 06:03:01Z, FO-2 running".
    pub sentence: String,
    pub lease: super::run_lease::RunLease,
}

impl RunView {
    /// The lease binds someone: the run goes on, or its holder may have died.
    pub fn held(&self) -> bool {
        self.liveness != super::run_lease::Liveness::Released
    }
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
    /// The runbook runs that c8dr cockpits publish on the cluster (their leases), each
    /// where it was found: a live one is a run going on, by this c8dr or another.
    pub runs: Vec<RunView>,
    /// What c8dr saw that does not add up (gateways that disagree, answers too large to be
    /// real); each makes the verdict unknown at best.
    pub anomalies: Vec<String>,
    /// Which zone is which region's (from the configuration), to place zoned broker ids.
    #[serde(skip)]
    pub zones: crate::api::ZoneMap,
}

impl ClusterView {
    /// The region a broker belongs to: parity for a numbered id, its zone's for a zoned one;
    /// `None` for a zone no region is configured with.
    pub fn region_of(&self, id: BrokerId) -> Option<Region> {
        self.zones.region_of(id)
    }

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
