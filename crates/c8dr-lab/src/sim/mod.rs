//! The simulated dual-region Zeebe cluster: state, time and the documented semantics.
//!
//! Pure state machine, no I/O: the HTTP layer calls it under a lock and `tick` moves
//! simulated time forward. Two kinds of state live here, as in a real cluster:
//! the agreed *configuration* (`members`, the change log) that `/actuator/cluster` shows, and
//! the *runtime* (which processes run, which regions are reachable, who leads and commits,
//! positions) that decides what actually happens and what the gateways can see.

pub mod cancel;
pub mod config;
pub mod elasticsearch;
pub mod exporting;
pub mod kube;
pub mod layout;
pub mod migration;
pub mod plan;
pub mod pods;
pub mod raft;
pub mod two_phase;
pub mod zones;

use c8dr_api::{
    BrokerId, ChangeStatus, ExporterStateCode, Operation, OperationKind, PartitionStateCode,
};
use config::{Member, Members, Replica, voters};
use plan::{Plan, Refusal};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

/// The region of a numbered broker: even ids in 0, odd in 1.
pub fn parity(b: BrokerId) -> u8 {
    b.parity_region().map_or(0, c8dr_api::Region::id)
}

/// Which Camunda family the lab imitates, oldest first (`>= Camunda::V89` means "8.9 or
/// later").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Camunda {
    /// 8.6/8.7: `elasticsearchregionN` exporters, exporting answers 204/500, REST without auth.
    V87,
    /// 8.8: `camundaregionN` exporters, exporting answers 200 + wrapper, REST with basic auth,
    /// webapps as profiles of the broker pods.
    V88,
    /// 8.9: as 8.8, plus Elasticsearch with authentication (ECK) and `clusterId` in the
    /// topology; user traffic active-active by default.
    V89,
    /// 8.10 (current since October 2026): as 8.9, plus `brokerId` in the topology,
    /// `physicalTenant` on exporters, exporting pause/resume as cluster changes, two-phase
    /// joins (`LEARNER`), and zone-aware clusters (zone-aware-dual-region.md).
    V810,
}

impl Camunda {
    pub fn label(self) -> &'static str {
        match self {
            Camunda::V87 => "8.7",
            Camunda::V88 => "8.8",
            Camunda::V89 => "8.9",
            Camunda::V810 => "8.10",
        }
    }

    /// 8.6/8.7 family (the procedure's POST API, Elasticsearch exporter, separate webapps).
    pub fn family87(self) -> bool {
        self == Camunda::V87
    }

    /// The version of the region's Elasticsearch (the docs' examples; 8.9 needs 8.19+).
    pub fn elasticsearch_version(self) -> &'static str {
        match self {
            Camunda::V87 => "8.16.6",
            Camunda::V88 => "8.18.0",
            Camunda::V89 | Camunda::V810 => "9.1.5",
        }
    }

    /// The version brokers and gateways report.
    pub fn version(self) -> &'static str {
        match self {
            Camunda::V87 => "8.7.0",
            Camunda::V88 => "8.8.0",
            Camunda::V89 => "8.9.0",
            Camunda::V810 => "8.10.2",
        }
    }

    /// The Helm chart the blueprint pins for this version (dual-region-procedure.md §1).
    pub fn chart_version(self) -> &'static str {
        match self {
            Camunda::V87 => "12.7.6",
            Camunda::V88 => "13.4.2",
            Camunda::V89 => "14.8.3",
            Camunda::V810 => "15.0.3",
        }
    }

    pub fn exporter_prefix(self) -> &'static str {
        match self {
            Camunda::V87 => "elasticsearchregion",
            Camunda::V88 | Camunda::V89 | Camunda::V810 => "camundaregion",
        }
    }
}

/// The shape of the simulated deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub camunda: Camunda,
    pub brokers: u32,
    pub partitions: u32,
    pub replication_factor: u32,
}

/// A region (a Kubernetes cluster in the real thing).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub name: String,
    /// Unreachable as a whole: brokers, gateway, every endpoint.
    pub failed: bool,
}

/// A broker process.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerRuntime {
    pub region: u8,
    /// The process runs (false after it shut itself down).
    pub alive: bool,
    pub stopped_reason: Option<String>,
    /// It has been a member and would notice being dropped from the configuration.
    pub was_member: bool,
    /// It holds partition data (false for a freshly recreated broker).
    pub has_data: bool,
    /// Replicas it still believes it holds after being force-removed while cut off.
    pub orphaned_replicas: Vec<i32>,
    /// How many times its pod was replaced (roll-outs, deletions): part of the pod's uid.
    pub incarnation: u32,
    /// Simulated time the current pod started.
    pub since: Duration,
    /// The pod is being replaced until then.
    pub restart_until: Option<Duration>,
    /// Its StatefulSet ordinal is above the replica count: no pod at all.
    pub scaled_down: bool,
    /// Started before its peers resolved and hangs: Running, never Ready, never joins, until
    /// its pod is deleted (camunda/camunda#55038).
    pub hung: bool,
}

/// What happens to a partition at runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionRuntime {
    /// The leader brokers report: the committing leader, or a stale one without quorum.
    pub leader: Option<BrokerId>,
    pub committing: bool,
    pub live: Vec<BrokerId>,
    pub term: u64,
    pub processed: f64,
    /// Exported position per enabled exporter.
    pub exported: BTreeMap<String, f64>,
    /// Exporting paused through `/actuator/exporting/pause`.
    pub paused: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    pub id: i64,
    pub started: jiff::Timestamp,
    pub coordinator: BrokerId,
    pub completed: Vec<(Operation, jiff::Timestamp)>,
    pub pending: VecDeque<Operation>,
    /// Simulated time the operation at the front started, if it has.
    op_started: Option<Duration>,
    /// Simulated time the previous operation finished.
    cursor: Duration,
    replication_factor: i32,
    initialize_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LastChange {
    pub id: i64,
    pub status: ChangeStatus,
    pub started: jiff::Timestamp,
    pub completed: jiff::Timestamp,
}

/// Where user traffic goes (DNS, in part 3 of the lab).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    Region(u8),
    /// Active-active: both regions serve users (the default from 8.9).
    Both,
}

/// Operate and Tasklist in a region. From 8.8 they are profiles of the broker pods, so
/// switching them is a Helm upgrade that rolls the region's brokers one at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Webapps {
    /// The profile state the pods run with.
    pub active: bool,
    /// The state the last Helm upgrade asked for.
    pub target: bool,
    /// Brokers still to restart (the StatefulSet rolls the highest ordinal first).
    pub queue: VecDeque<BrokerId>,
    /// The broker restarting now and since when; it must be ready before the next one goes.
    pub restarting: Option<(BrokerId, Duration)>,
}

/// `stopped_reason` of a broker whose pod is being restarted by a roll-out.
pub const RESTARTING: &str = "restarting (Helm roll-out)";

/// How long a broker pod takes to be replaced (simulated).
pub const RESTART: Duration = Duration::from_secs(5);

/// Where a request enters the cluster: a region's gateway or one broker's own port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Gateway(u8),
    Broker(BrokerId),
}

/// The snapshot repository of the failback procedure (dual-region-procedure.md §2.7).
pub fn default_repository() -> BTreeMap<String, serde_json::Value> {
    BTreeMap::from([
        (
            "bucket".to_string(),
            serde_json::Value::from("camunda-dr-backups"),
        ),
        ("base_path".to_string(), serde_json::Value::from("backups")),
        ("client".to_string(), serde_json::Value::from("camunda")),
    ])
}

/// Records per simulated second a committing partition processes.
fn load(p: i32) -> f64 {
    40.0 + 3.0 * p as f64
}

/// Simulated duration of one operation; a whole failover change takes about a second, as
/// the documented examples show (`startedAt`/`completedAt` in examples/*lastchange*).
fn op_duration(kind: &OperationKind) -> Duration {
    let secs = match kind {
        OperationKind::PartitionForceReconfigure => 0.06,
        OperationKind::BrokerRemove => 0.05,
        OperationKind::BrokerAdd => 0.2,
        OperationKind::PartitionJoin => 0.5,
        OperationKind::PartitionLeave => 0.2,
        OperationKind::PartitionReconfigurePriority => 0.05,
        OperationKind::PartitionDisableExporter => 0.015,
        OperationKind::PartitionEnableExporter => 0.04,
        _ => 0.1,
    };
    Duration::from_secs_f64(secs)
}

/// The whole simulated deployment.
#[derive(Debug, Clone)]
pub struct Sim {
    pub settings: Settings,
    /// Simulated time since the lab started.
    pub now: Duration,
    wall0: jiff::Timestamp,
    pub regions: [Region; 2],
    pub split: bool,
    pub brokers: BTreeMap<BrokerId, BrokerRuntime>,
    pub members: Members,
    /// Configuration version; bumped when a change starts and when it ends, so change ids
    /// step by two as in the documented examples (2, 4, 6).
    pub version: i64,
    pub replication_factor: i32,
    pub last_change: Option<LastChange>,
    pub pending: Option<PendingChange>,
    pub partitions: BTreeMap<i32, PartitionRuntime>,
    pub exporters: Vec<String>,
    pub cluster_id: String,
    pub es: [elasticsearch::Elasticsearch; 2],
    pub snapshots: elasticsearch::SnapshotStore,
    pub traffic: Traffic,
    pub webapps: [Webapps; 2],
    /// Kubernetes workload sizes per region (StatefulSets and 8.7 Deployments).
    pub workloads: [pods::Workloads; 2],
    /// What only the regions' Kubernetes API servers show: env changes, claims, Secrets.
    pub kube: [kube::RegionKube; 2],
    /// Deliberate deviations from the documented setup (`POST /lab/misconfigure`).
    pub misconfig: BTreeSet<String>,
    /// Completed Zeebe backups: id and when they were taken.
    pub backups: Vec<(i64, jiff::Timestamp)>,
    /// Coordinator of the latest change: the configuration spreads from it, so only brokers
    /// that can reach it (directly or through a member that can) learn the new one.
    last_coordinator: Option<BrokerId>,
    /// 8.10 zone-aware mode: region i's zone (`zones.rs`); `None` for a numbered cluster.
    pub zones: Option<[c8dr_api::Zone; 2]>,
    /// The persisted partition layout (`partitioning` of `/actuator/cluster`); `None` when
    /// none is persisted (numbered clusters).
    pub partitioning: Option<c8dr_api::Partitioning>,
    /// Finished changes before `last_change`, oldest first (`GET /actuator/cluster/changes`).
    pub history: Vec<LastChange>,
    /// 8.10: the exporting state in the configuration (`exporting.rs`).
    pub exporting: exporting::Exporting,
    /// A numbered cluster being migrated to `zones` (`migration.rs`): the zoned brokers run
    /// beside the numbered ones (`keepUnzonedBrokers`) until `PUT …/zones` takes them in.
    pub migration: bool,
    /// Exporters stalled by `POST /lab/exporters/{id}/stall`: enabled, their target answers,
    /// and still their position does not move (camunda/camunda#38724).
    pub stalled_exporters: BTreeSet<String>,
}

/// Every broker a member of round-robin partitions, each replica exporting to every exporter.
fn initial_members(
    ids: &[BrokerId],
    settings: &Settings,
    exporters: &[String],
    wall0: jiff::Timestamp,
) -> Members {
    let layout = layout::round_robin(ids, settings.partitions, settings.replication_factor);
    let mut members: Members = ids
        .iter()
        .map(|id| {
            let m = Member {
                state: c8dr_api::BrokerStateCode::Active,
                version: 1,
                updated: wall0,
                replicas: BTreeMap::new(),
            };
            (*id, m)
        })
        .collect();
    for (p, replicas) in &layout {
        for (b, prio) in replicas {
            if let Some(m) = members.get_mut(b) {
                m.replicas.insert(
                    *p,
                    Replica {
                        state: PartitionStateCode::Active,
                        priority: *prio,
                        exporters: exporters
                            .iter()
                            .map(|e| (e.clone(), ExporterStateCode::Enabled))
                            .collect(),
                    },
                );
            }
        }
    }
    members
}

impl BrokerRuntime {
    /// A running broker that has always been a member.
    fn healthy(region: u8) -> BrokerRuntime {
        BrokerRuntime {
            region,
            alive: true,
            stopped_reason: None,
            was_member: true,
            has_data: true,
            orphaned_replicas: vec![],
            incarnation: 0,
            since: Duration::ZERO,
            restart_until: None,
            scaled_down: false,
            hung: false,
        }
    }
}

impl PartitionRuntime {
    /// Before the first election: no leader, nothing processed or exported.
    fn new(exporters: &[String]) -> PartitionRuntime {
        PartitionRuntime {
            leader: None,
            committing: false,
            live: vec![],
            term: 0,
            processed: 0.0,
            exported: exporters.iter().map(|e| (e.clone(), 0.0)).collect(),
            paused: false,
        }
    }
}

impl Sim {
    /// A healthy cluster: every broker a member, round-robin layout, exporters enabled.
    pub fn new(settings: Settings, wall0: jiff::Timestamp) -> Sim {
        let ids: Vec<BrokerId> = (0..settings.brokers as i32)
            .map(BrokerId::Numbered)
            .collect();
        let exporters: Vec<String> = (0..2)
            .map(|r| format!("{}{r}", settings.camunda.exporter_prefix()))
            .collect();
        let members = initial_members(&ids, &settings, &exporters, wall0);
        let brokers = ids
            .iter()
            .map(|id| (*id, BrokerRuntime::healthy(parity(*id))))
            .collect();
        let partitions = (1..=settings.partitions as i32)
            .map(|p| (p, PartitionRuntime::new(&exporters)))
            .collect();
        let rf = settings.replication_factor.min(settings.brokers) as i32;
        let settings_camunda = settings.camunda;
        let settings_brokers = settings.brokers;
        let mut sim = Sim {
            settings,
            now: Duration::ZERO,
            wall0,
            regions: [
                Region {
                    name: "london".into(),
                    failed: false,
                },
                Region {
                    name: "paris".into(),
                    failed: false,
                },
            ],
            split: false,
            brokers,
            members,
            version: 1,
            replication_factor: rf,
            last_change: None,
            pending: None,
            partitions,
            exporters,
            cluster_id: format!("{:08x}-lab", fastrand::u32(..)),
            es: [0u8, 1].map(|r| {
                elasticsearch::Elasticsearch::new(
                    r,
                    settings_camunda.elasticsearch_version(),
                    settings_camunda.family87(),
                    true,
                )
            }),
            snapshots: elasticsearch::SnapshotStore::default(),
            traffic: if settings_camunda >= Camunda::V89 {
                Traffic::Both
            } else {
                Traffic::Region(0)
            },
            webapps: [0, 1].map(|_| Webapps {
                active: true,
                target: true,
                queue: VecDeque::new(),
                restarting: None,
            }),
            workloads: [0, 1].map(|_| pods::Workloads::new(settings_brokers / 2)),
            kube: Default::default(),
            misconfig: BTreeSet::new(),
            // A correctly run deployment took a backup recently (two hours before the lab).
            backups: vec![(1, wall0 - jiff::SignedDuration::from_hours(2))],
            last_coordinator: None,
            zones: None,
            partitioning: None,
            history: Vec::new(),
            exporting: exporting::Exporting::default(),
            migration: false,
            stalled_exporters: BTreeSet::new(),
        };
        // A correctly set-up deployment has the failback's snapshot repository registered in
        // both regions (one shared bucket).
        for r in 0..2 {
            let store = sim.snapshots.clone();
            let _ = sim.es[r].register("camunda_backup", "s3", default_repository(), &store);
        }
        sim.install_kube();
        sim.elect_all();
        sim
    }

    /// Misconfigurations the lab can be told to have, one per documented rule.
    pub const MISCONFIGURATIONS: &'static [&'static str] = &[
        "exporter-wrong-region",
        "contact-points-one-region",
        "opensearch",
        "mixed-versions",
        "unsupported-component",
        "overlapping-pod-ranges",
        "no-snapshot-repository",
        "no-recent-backup",
        "legacy-exporters",
    ];

    /// `POST /lab/misconfigure?kind=…`: breaks one documented rule.
    pub fn misconfigure(&mut self, kind: &str) -> Result<(), String> {
        if !Self::MISCONFIGURATIONS.contains(&kind) {
            return Err(format!(
                "unknown misconfiguration {kind:?}; kinds: {}",
                Self::MISCONFIGURATIONS.join(", ")
            ));
        }
        if kind == "no-snapshot-repository" {
            self.es[1].repositories.clear();
        }
        if kind == "no-recent-backup" {
            let old = self.wall0 - jiff::SignedDuration::from_hours(24 * 30);
            self.backups = vec![(1, old)];
        }
        if kind == "legacy-exporters" {
            self.add_legacy_exporters()?;
        }
        self.misconfig.insert(kind.to_string());
        Ok(())
    }

    /// An 8.8+ cluster migrated from 8.7 that kept the `elasticsearchregionN` exporters next
    /// to `camundaregionN` (dual-region-procedure.md §4.4 FO-2 "Legacy exporters").
    fn add_legacy_exporters(&mut self) -> Result<(), String> {
        if self.settings.camunda.family87() {
            return Err("legacy exporters exist on 8.8+ only (8.7 runs them as its own)".into());
        }
        for r in 0..2 {
            let id = format!("elasticsearchregion{r}");
            if self.exporters.contains(&id) {
                continue;
            }
            self.exporters.push(id.clone());
            for m in self.members.values_mut() {
                for replica in m.replicas.values_mut() {
                    replica
                        .exporters
                        .insert(id.clone(), ExporterStateCode::Enabled);
                }
            }
            for p in self.partitions.values_mut() {
                let from = p.exported.values().copied().fold(0.0, f64::max);
                p.exported.insert(id.clone(), from);
            }
        }
        Ok(())
    }

    /// Wall-clock time of a simulated instant.
    pub fn wall(&self, t: Duration) -> jiff::Timestamp {
        let span = jiff::SignedDuration::try_from(t).unwrap_or(jiff::SignedDuration::ZERO);
        self.wall0.checked_add(span).unwrap_or(self.wall0)
    }

    pub fn wall_now(&self) -> jiff::Timestamp {
        self.wall(self.now)
    }

    /// The process runs and its region is reachable.
    pub fn reachable(&self, b: BrokerId) -> bool {
        self.brokers
            .get(&b)
            .is_some_and(|rt| rt.alive && !self.regions[rt.region as usize].failed)
    }

    /// The region a broker runs in (its pod's cluster); parity for a broker the lab never
    /// ran.
    pub fn region_of(&self, b: BrokerId) -> u8 {
        self.brokers
            .get(&b)
            .map_or_else(|| parity(b), |rt| rt.region)
    }

    /// Two brokers can talk to each other.
    pub fn connected(&self, a: BrokerId, b: BrokerId) -> bool {
        self.reachable(a)
            && self.reachable(b)
            && (!self.split || self.region_of(a) == self.region_of(b))
    }

    /// A request entering at `entry` can reach broker `b`.
    pub fn reaches(&self, entry: Entry, b: BrokerId) -> bool {
        match entry {
            Entry::Gateway(r) => {
                !self.regions[r as usize].failed
                    && self.reachable(b)
                    && (!self.split || self.region_of(b) == r)
            }
            Entry::Broker(x) => (x == b && self.reachable(b)) || self.connected(x, b),
        }
    }

    fn group_of(&self, b: BrokerId) -> Option<u8> {
        self.reachable(b)
            .then_some(if self.split { self.region_of(b) } else { 0 })
    }

    /// Moves simulated time to `now`: runs due operations, elects, advances positions.
    pub fn tick(&mut self, now: Duration) {
        if now <= self.now {
            return;
        }
        let dt = (now - self.now).as_secs_f64();
        self.progress_change(now);
        self.now = now;
        self.progress_restarts();
        self.progress_rollouts();
        self.elect_all();
        self.advance_positions(dt);
        self.notice_removals();
    }

    fn elect_all(&mut self) {
        let ids: Vec<i32> = self.partitions.keys().copied().collect();
        for p in ids {
            let v = voters(&self.members, p);
            let current = self.partitions.get(&p).and_then(|rt| rt.leader);
            let e = raft::elect(&v, |b| self.group_of(b), current);
            let stale_leader = current.filter(|l| v.contains_key(l) && self.reachable(*l));
            let Some(rt) = self.partitions.get_mut(&p) else {
                continue;
            };
            rt.live = e.live;
            match e.committing_leader {
                Some(l) => {
                    if rt.leader != Some(l) || !rt.committing {
                        rt.term += 1;
                    }
                    rt.leader = Some(l);
                    rt.committing = true;
                }
                None => {
                    rt.committing = false;
                    rt.leader = stale_leader;
                }
            }
        }
    }

    /// `POST /actuator/rebalance`: every leader steps down and the highest-priority replica
    /// of its live majority takes over (Zeebe's priority election), so leaders return to the
    /// preferred zone after it was added back (camunda/camunda#62000).
    pub fn rebalance(&mut self) {
        let ids: Vec<i32> = self.partitions.keys().copied().collect();
        for p in ids {
            let v = voters(&self.members, p);
            let e = raft::elect(&v, |b| self.group_of(b), None);
            let Some(rt) = self.partitions.get_mut(&p) else {
                continue;
            };
            if let Some(l) = e.committing_leader
                && rt.committing
                && rt.leader != Some(l)
            {
                rt.leader = Some(l);
                rt.term += 1;
            }
        }
    }

    /// The region an exporter writes to (`…region1` → 1).
    pub fn exporter_region(id: &str) -> Option<u8> {
        c8dr_api::exporter_region(id).map(c8dr_api::Region::id)
    }

    fn exporter_target_reachable(&self, exporter: &str, leader: BrokerId) -> bool {
        match Self::exporter_region(exporter) {
            Some(r) => {
                !self.regions[r as usize].failed && (!self.split || self.region_of(leader) == r)
            }
            None => false,
        }
    }

    fn advance_positions(&mut self, dt: f64) {
        let ids: Vec<i32> = self.partitions.keys().copied().collect();
        for p in ids {
            let Some(rt) = self.partitions.get(&p) else {
                continue;
            };
            let Some(leader) = rt.leader else { continue };
            let enabled: Vec<String> = self
                .members
                .get(&leader)
                .and_then(|m| m.replicas.get(&p))
                .map(|r| {
                    r.exporters
                        .iter()
                        .filter(|(_, s)| **s == ExporterStateCode::Enabled)
                        .map(|(e, _)| e.clone())
                        .collect()
                })
                .unwrap_or_default();
            let flowing: Vec<String> = enabled
                .into_iter()
                .filter(|e| self.exporter_target_reachable(e, leader))
                .filter(|e| !self.stalled_exporters.contains(e))
                .collect();
            let Some(rt) = self.partitions.get_mut(&p) else {
                continue;
            };
            if rt.committing {
                rt.processed += load(p) * dt;
            }
            let mut written = Vec::new();
            if !rt.paused {
                let target = (rt.processed - load(p) * 0.2).max(0.0);
                for e in flowing {
                    let pos = rt.exported.entry(e.clone()).or_insert(target);
                    let before = pos.floor() as u64;
                    *pos = pos.max(target);
                    written.push((e, (pos.floor() as u64).saturating_sub(before)));
                }
            }
            for (e, records) in written {
                if let Some(r) = Self::exporter_region(&e) {
                    self.es[r as usize].write(records);
                }
            }
        }
    }

    /// Force-removed brokers that can reach the cluster again learn they were removed and
    /// shut down (camunda/camunda#16367), so two committing leaders can never exist.
    fn notice_removals(&mut self) {
        // Members that hold the current configuration: those that reach the coordinator of
        // the latest change (a cut-off member still has the old one).
        let members: Vec<BrokerId> = self
            .members
            .keys()
            .copied()
            .filter(|m| match self.last_coordinator {
                Some(c) => self.connected(*m, c) || (*m == c && self.reachable(c)),
                None => true,
            })
            .collect();
        let stopping: Vec<BrokerId> = self
            .brokers
            .iter()
            .filter(|(b, rt)| rt.alive && rt.was_member && !self.members.contains_key(b))
            .filter(|(b, _)| members.iter().any(|m| self.connected(**b, *m)))
            .map(|(b, _)| *b)
            .collect();
        for b in stopping {
            if let Some(rt) = self.brokers.get_mut(&b) {
                rt.alive = false;
                rt.orphaned_replicas.clear();
                rt.stopped_reason = Some(
                    "removed from the cluster while unreachable; shut down after rejoining \
                     (camunda/camunda#16367)"
                        .into(),
                );
            }
        }
    }

    fn can_run(&self, op: &Operation, coordinator: BrokerId) -> bool {
        if !self.reachable(coordinator) {
            return false;
        }
        let Some(b) = op.broker_id else { return true };
        let quorum = |p: Option<i32>| {
            p.and_then(|p| self.partitions.get(&p))
                .is_some_and(|rt| rt.committing)
        };
        match op.operation {
            OperationKind::BrokerRemove if op.brokers.is_some() => true,
            OperationKind::PartitionJoin | OperationKind::PartitionLeave => {
                self.connected(coordinator, b) && quorum(op.partition_id)
            }
            _ => self.connected(coordinator, b),
        }
    }

    fn progress_change(&mut self, now: Duration) {
        loop {
            let Some(pc) = &self.pending else { return };
            if self.held(pc.id) {
                return;
            }
            let Some(op) = pc.pending.front().cloned() else {
                self.finish_change(pc.cursor.max(self.now).min(now));
                return;
            };
            let (coordinator, started, cursor) = (pc.coordinator, pc.op_started, pc.cursor);
            if !self.can_run(&op, coordinator) {
                return;
            }
            let start = match started {
                Some(s) => s,
                None => {
                    let s = cursor.max(self.now);
                    let wall = self.wall(s);
                    config::begin(&mut self.members, &op, &self.exporters, wall);
                    s
                }
            };
            let end = start + op_duration(&op.operation);
            if end > now {
                if let Some(pc) = &mut self.pending {
                    pc.op_started = Some(start);
                }
                return;
            }
            self.complete_op(&op, end);
            let finished_at = self.wall(end);
            if let Some(pc) = &mut self.pending {
                pc.pending.pop_front();
                pc.completed.push((op, finished_at));
                pc.op_started = None;
                pc.cursor = end;
            }
        }
    }

    fn complete_op(&mut self, op: &Operation, at: Duration) {
        let wall = self.wall(at);
        let before = self.members.clone();
        config::complete(&mut self.members, op, &self.exporters, wall);
        let coordinator = self.pending.as_ref().map(|p| p.coordinator);
        match (&op.operation, op.broker_id) {
            (OperationKind::BrokerAdd, Some(b)) => {
                if let Some(rt) = self.brokers.get_mut(&b) {
                    rt.was_member = true;
                }
            }
            (OperationKind::PartitionJoin, Some(b)) => {
                if let Some(rt) = self.brokers.get_mut(&b) {
                    rt.has_data = true;
                }
            }
            (OperationKind::BrokerRemove, Some(b)) => match &op.brokers {
                Some(removed) if !removed.is_empty() => {
                    for r in removed {
                        let cut_off = coordinator.is_none_or(|c| !self.connected(c, *r));
                        let held: Vec<i32> = before
                            .get(r)
                            .map(|m| m.replicas.keys().copied().collect())
                            .unwrap_or_default();
                        if let Some(rt) = self.brokers.get_mut(r)
                            && cut_off
                        {
                            rt.orphaned_replicas = held;
                        }
                    }
                }
                _ => {
                    // A graceful removal: the broker stays up, idle, until scaled down.
                    if let Some(rt) = self.brokers.get_mut(&b) {
                        rt.was_member = false;
                    }
                }
            },
            (OperationKind::PartitionEnableExporter, Some(_)) => {
                if let (Some(e), Some(p)) = (&op.exporter_id, op.partition_id) {
                    let from = self
                        .pending
                        .as_ref()
                        .and_then(|pc| pc.initialize_from.clone());
                    if let Some(rt) = self.partitions.get_mut(&p)
                        && !rt.exported.contains_key(e)
                    {
                        let start = from
                            .and_then(|f| rt.exported.get(&f).copied())
                            .unwrap_or(rt.processed);
                        rt.exported.insert(e.clone(), start);
                    }
                }
            }
            (OperationKind::UpdatePartitioning, _) => self.apply_partitioning(op),
            (OperationKind::PartitionDisableExporter, Some(_)) => {
                if let (Some(e), Some(p)) = (&op.exporter_id, op.partition_id) {
                    let still_enabled = self.members.values().any(|m| {
                        m.replicas.get(&p).is_some_and(|r| {
                            r.exporters.get(e) == Some(&ExporterStateCode::Enabled)
                        })
                    });
                    if !still_enabled && let Some(rt) = self.partitions.get_mut(&p) {
                        rt.exported.remove(e);
                    }
                }
            }
            _ => {}
        }
        self.two_phase_after(op, wall);
        self.exporting_after(op);
        self.elect_all();
    }

    fn finish_change(&mut self, at: Duration) {
        let Some(pc) = self.pending.take() else {
            return;
        };
        self.version += 1;
        self.replication_factor = pc.replication_factor;
        self.last_change = Some(LastChange {
            id: pc.id,
            status: ChangeStatus::Completed,
            started: pc.started,
            completed: self.wall(at),
        });
    }

    /// Refuses unless the coordinator can be reached from where the request came in.
    fn check_reach(&self, entry: Entry, coordinator: BrokerId) -> Result<(), Refusal> {
        if self.reaches(entry, coordinator) {
            Ok(())
        } else {
            Err(Refusal {
                status: 502,
                message: format!(
                    "Failed to send request to broker {coordinator}: \
                     io.atomix.cluster.messaging.MessagingException$NoRemoteHandler: \
                     broker {coordinator} is not reachable"
                ),
            })
        }
    }

    /// Rejects a change while another is in flight (409, as `CONCURRENT_MODIFICATION`).
    pub fn check_no_pending(&self) -> Result<(), Refusal> {
        match &self.pending {
            Some(pc) => Err(Refusal {
                status: 409,
                message: format!(
                    "Failed to handle request: Another topology change (id {}) is in progress",
                    pc.id
                ),
            }),
            None => Ok(()),
        }
    }

    /// Validates reachability and starts `plan` (or only reports it, for a dry run).
    /// Returns the change id and the expected configuration.
    pub fn start_change(
        &mut self,
        entry: Entry,
        plan: Plan,
        dry_run: bool,
    ) -> Result<(i64, Members), Refusal> {
        self.check_no_pending()?;
        self.check_reach(entry, plan.coordinator)?;
        let wall = self.wall_now();
        let mut expected = self.members.clone();
        for op in &plan.operations {
            config::complete(&mut expected, op, &self.exporters, wall);
        }
        if plan.operations.is_empty() {
            let id = self.last_change.as_ref().map(|c| c.id).unwrap_or(0);
            return Ok((id, expected));
        }
        let id = self.version + 1;
        if dry_run {
            return Ok((id, expected));
        }
        self.version += 1;
        self.last_coordinator = Some(plan.coordinator);
        self.remember_last_change();
        self.pending = Some(PendingChange {
            id,
            started: wall,
            coordinator: plan.coordinator,
            completed: vec![],
            pending: plan.operations.into(),
            op_started: None,
            cursor: self.now,
            replication_factor: plan.replication_factor,
            initialize_from: plan.initialize_from,
        });
        Ok((id, expected))
    }

    /// The configuration can be read from `entry` (some member is reachable).
    pub fn config_readable(&self, entry: Entry) -> Result<(), Refusal> {
        match self.members.keys().find(|m| self.reaches(entry, **m)) {
            Some(_) => Ok(()),
            None => Err(Refusal {
                status: 502,
                message: "Failed to send request to broker: no member broker is reachable".into(),
            }),
        }
    }

    /// Pauses or resumes exporting on every partition. Needs every replica reachable; 8.8
    /// changes nothing on failure, 8.7 may leave the reachable partitions changed.
    pub fn set_exporting(&mut self, entry: Entry, pause: bool) -> Result<(), String> {
        let mut failure = None;
        let mut complete_partitions = vec![];
        for p in self.partitions.keys().copied() {
            let v = voters(&self.members, p);
            let found: Vec<BrokerId> = v
                .keys()
                .copied()
                .filter(|b| self.reaches(entry, *b))
                .collect();
            if found.len() < v.len() || v.is_empty() {
                failure.get_or_insert_with(|| {
                    let members: Vec<String> = self.members.keys().map(|b| b.to_string()).collect();
                    format!(
                        "Expected {} members of partition {p} but found {}, current topology: \
                         members [{}], reachable replicas of partition {p}: {:?}",
                        v.len(),
                        found.len(),
                        members.join(", "),
                        found
                    )
                });
            } else {
                complete_partitions.push(p);
            }
        }
        let apply: Vec<i32> = match (&failure, self.settings.camunda) {
            (None, _) => self.partitions.keys().copied().collect(),
            (Some(_), Camunda::V87) => complete_partitions,
            (Some(_), Camunda::V88 | Camunda::V89 | Camunda::V810) => vec![],
        };
        for p in apply {
            if let Some(rt) = self.partitions.get_mut(&p) {
                rt.paused = pause;
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// `/lab/regions/{r}/fail`: the region becomes unreachable; its state is kept.
    pub fn fail_region(&mut self, r: u8) {
        self.regions[r as usize].failed = true;
        self.elect_all();
    }

    /// `/lab/regions/{r}/restore`: the region comes back as it was.
    pub fn restore_region(&mut self, r: u8) {
        self.regions[r as usize].failed = false;
        self.elect_all();
        self.notice_removals();
    }

    /// `/lab/regions/{r}/recreate`: a fresh installation: brokers run with no data; ids that
    /// are no longer members stay outside the cluster until added back. 8.8+ installs it as
    /// FB-1 says, with `CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false` in the brokers' env,
    /// unless `schema_manager` (the trap: the env was forgotten and the schema manager created
    /// Camunda's indices). `leftover_pvcs`: the old install's broker claims are still there.
    pub fn recreate_region(&mut self, r: u8, schema_manager: bool, leftover_pvcs: bool) {
        self.regions[r as usize].failed = false;
        let now = self.now;
        self.workloads[r as usize] = pods::Workloads::new(self.settings.brokers / 2);
        self.workloads[r as usize].set_webapps(false);
        self.reinstall_kube(r, leftover_pvcs);
        if !schema_manager && !self.settings.camunda.family87() {
            self.kube[r as usize].env_set.insert(
                kube::CREATE_SCHEMA.into(),
                serde_json::json!({"name": kube::CREATE_SCHEMA, "value": "false"}),
            );
        }
        // A fresh Elasticsearch: empty, unless the schema manager ran and created Camunda's
        // indices (the trap the 8.8 docs warn about: a later restore then fails).
        let camunda = self.settings.camunda;
        self.es[r as usize] = elasticsearch::Elasticsearch::new(
            r,
            camunda.elasticsearch_version(),
            camunda.family87(),
            schema_manager,
        );
        // The recreated region starts with the webapps as its Helm install says; the
        // procedure installs it with them off.
        self.webapps[r as usize] = Webapps {
            active: false,
            target: false,
            queue: VecDeque::new(),
            restarting: None,
        };
        let members: BTreeSet<BrokerId> = self.members.keys().copied().collect();
        for (b, rt) in self.brokers.iter_mut().filter(|(_, rt)| rt.region == r) {
            rt.alive = true;
            rt.stopped_reason = None;
            rt.has_data = false;
            rt.orphaned_replicas.clear();
            rt.was_member = members.contains(b);
            rt.incarnation += 1;
            rt.since = now;
            rt.restart_until = None;
            rt.scaled_down = false;
            rt.hung = false;
        }
        self.elect_all();
    }

    /// `/lab/brokers/{b}/hang`: the broker hangs as in camunda/camunda#55038 (its process
    /// runs, 9600 never binds, it never joins) until its pod is deleted.
    pub fn hang_broker(&mut self, b: BrokerId) -> Result<(), String> {
        let Some(rt) = self.brokers.get_mut(&b) else {
            return Err(format!("no broker {b}"));
        };
        if rt.scaled_down || self.regions[rt.region as usize].failed {
            return Err(format!("broker {b} has no running pod"));
        }
        rt.hung = true;
        rt.alive = false;
        rt.stopped_reason = Some("hanging: peers did not resolve (camunda/camunda#55038)".into());
        self.elect_all();
        Ok(())
    }

    /// `/lab/regions/{r}/webapps/on|off`: a Helm upgrade changing the webapps. 8.7 scales
    /// separate Deployments; 8.8+ changes the broker pods' profiles and rolls them.
    pub fn set_webapps(&mut self, r: u8, on: bool) {
        let camunda = self.settings.camunda;
        let w = &mut self.webapps[r as usize];
        if camunda.family87() {
            w.active = on;
            w.target = on;
            self.workloads[r as usize].set_webapps(on);
            return;
        }
        if w.target == on && w.active == on && w.queue.is_empty() && w.restarting.is_none() {
            return;
        }
        w.target = on;
        // A new upgrade restarts the roll from the highest ordinal.
        w.queue = self
            .brokers
            .iter()
            .rev()
            .filter(|(_, rt)| rt.region == r)
            .map(|(b, _)| *b)
            .collect();
    }

    /// A restarted broker is ready again once it is a member whose replicas are all live.
    fn ready_after_restart(&self, b: BrokerId) -> bool {
        self.reachable(b)
            && self.members.get(&b).is_some_and(|m| {
                m.replicas.keys().all(|p| {
                    self.partitions
                        .get(p)
                        .is_some_and(|rt| rt.live.contains(&b))
                })
            })
    }

    fn progress_rollouts(&mut self) {
        for r in 0..2usize {
            loop {
                if let Some((b, _)) = self.webapps[r].restarting {
                    // The StatefulSet waits for readiness: a broker that is not a member
                    // never gets ready, which blocks the roll (why FB-8 comes last).
                    let restarted = self
                        .brokers
                        .get(&b)
                        .is_none_or(|rt| rt.restart_until.is_none());
                    if !restarted || !self.ready_after_restart(b) {
                        break;
                    }
                    self.webapps[r].restarting = None;
                }
                match self.webapps[r].queue.pop_front() {
                    Some(b) => {
                        if self.begin_restart(b) {
                            self.webapps[r].restarting = Some((b, self.now));
                        }
                        self.elect_all();
                    }
                    None => {
                        let w = &mut self.webapps[r];
                        if w.restarting.is_none() {
                            w.active = w.target;
                        }
                        break;
                    }
                }
            }
        }
    }

    /// Brokers restarting in a roll-out, by region.
    pub fn restarting(&self, r: u8) -> Option<BrokerId> {
        self.webapps[r as usize]
            .restarting
            .map(|(b, _)| b)
            .filter(|b| !self.reachable(*b))
    }

    pub fn set_traffic(&mut self, traffic: Traffic) {
        self.traffic = traffic;
    }

    pub fn set_split(&mut self, split: bool) {
        self.split = split;
        self.elect_all();
        self.notice_removals();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(camunda: Camunda) -> Sim {
        let settings = Settings {
            camunda,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        Sim::new(settings, jiff::Timestamp::UNIX_EPOCH)
    }

    fn committing(sim: &Sim) -> usize {
        sim.partitions.values().filter(|p| p.committing).count()
    }

    fn run_until_idle(sim: &mut Sim) {
        for _ in 0..10_000 {
            if sim.pending.is_none() {
                return;
            }
            let next = sim.now + Duration::from_millis(10);
            sim.tick(next);
        }
        panic!("change did not finish: {:?}", sim.pending);
    }

    #[test]
    fn force_removal_restores_quorum_and_processing_in_the_survivor() {
        let mut s = sim(Camunda::V88);
        assert_eq!(committing(&s), 8);
        s.fail_region(1);
        assert_eq!(committing(&s), 0);
        let remove = [1, 3, 5, 7].into_iter().map(BrokerId::Numbered).collect();
        let plan = plan::force_remove(&s.members, 8, &remove, 4).unwrap();
        let (id, _) = s.start_change(Entry::Gateway(0), plan, false).unwrap();
        assert_eq!(id, 2);
        assert_eq!(s.check_no_pending().unwrap_err().status, 409);
        run_until_idle(&mut s);
        assert_eq!(
            s.last_change.as_ref().map(|c| (c.id, c.status.clone())),
            Some((2, ChangeStatus::Completed))
        );
        assert_eq!(committing(&s), 8);
        assert_eq!(s.replication_factor, 2);
        let before = s.partitions[&1].processed;
        s.tick(s.now + Duration::from_secs(1));
        assert!(s.partitions[&1].processed > before, "processing resumed");
    }

    #[test]
    fn the_coordinator_must_be_reachable() {
        let mut s = sim(Camunda::V88);
        s.fail_region(0);
        let plan = plan::exporter(
            &s.members,
            &s.exporters.clone(),
            "camundaregion0",
            false,
            None,
            4,
        )
        .unwrap();
        let err = s.start_change(Entry::Gateway(1), plan, false).unwrap_err();
        assert_eq!(err.status, 502);
    }

    #[test]
    fn exporting_pause_is_atomic_in_88_and_partial_in_87() {
        for (camunda, paused_after_failure) in [(Camunda::V88, 0), (Camunda::V87, 0)] {
            let mut s = sim(camunda);
            s.fail_region(1);
            assert!(s.set_exporting(Entry::Gateway(0), true).is_err());
            let paused = s.partitions.values().filter(|p| p.paused).count();
            // With RF 4 round-robin every partition has a replica in the lost region, so
            // even 8.7's partial pause finds no complete partition.
            assert_eq!(paused, paused_after_failure, "{camunda:?}");
        }
        let mut s = Sim::new(
            Settings {
                camunda: Camunda::V87,
                brokers: 8,
                partitions: 8,
                // RF 1 (a misconfigured lab): partitions on even brokers are whole in region 0.
                replication_factor: 1,
            },
            jiff::Timestamp::UNIX_EPOCH,
        );
        s.fail_region(1);
        assert!(s.set_exporting(Entry::Gateway(0), true).is_err());
        assert!(
            s.partitions.values().any(|p| p.paused),
            "8.7 may leave some partitions paused"
        );
    }
}
