//! What the simulated cluster answers: renders the sim's state into the API types.
//!
//! Kept apart from the state machine so that each endpoint's shape per version is in one
//! place: the gateway's live topology, the agreed configuration, planned operations,
//! exporters, a broker's partitions and the control API's ground truth.

use super::sim::config::{Members, render};
use super::sim::{Camunda, Sim};
use c8dr_api::{
    BrokerId, BrokerInfo, ClusterTopology, CompletedChange, CompletedOperation, ExporterStateCode,
    ExporterStatus, ExporterStatusCode, HealthReport, Operation, OperationKind, PartitionClock,
    PartitionHealth, PartitionRole, PartitionStateCode, PartitionStatus, PartitionsResponse,
    PlannedOperationsResponse, RoutingState, RoutingStrategy, Timestamp, TopologyChange,
    TopologyPartition, TopologyResponse,
};
use serde::Serialize;

/// The advertised host of a broker, as the Helm chart names it.
pub fn broker_host(sim: &Sim, b: BrokerId) -> String {
    let region = &sim.regions[sim.region_of(b) as usize].name;
    format!("{}.camunda-zeebe.camunda-{region}", b.pod("camunda"))
}

/// `GET /v2/topology` at region `r`'s gateway: only the brokers it can reach.
pub fn topology(sim: &Sim, r: u8) -> TopologyResponse {
    let version = sim.settings.camunda.version();
    let brokers = sim
        .brokers
        .keys()
        .copied()
        .filter(|b| sim.reaches(super::sim::Entry::Gateway(r), *b))
        .map(|b| BrokerInfo {
            node_id: b
                .number()
                .unwrap_or_else(|| i32::try_from(b.ordinal()).unwrap_or(0)),
            // 8.10: `brokerId` always (`<zone>_<n>`, or the integer as a string); `nodeId`
            // is then the zone-local index, so two zones both report 0.
            broker_id: (sim.settings.camunda >= Camunda::V810).then_some(b),
            host: broker_host(sim, b),
            port: 26501,
            partitions: broker_partitions(sim, b),
            // A broker left on another version: what `mixed-versions` reproduces.
            version: if sim.misconfig.contains("mixed-versions")
                && b.number() == Some(sim.settings.brokers as i32 - 1)
            {
                format!("{version}-patch1")
            } else {
                version.to_string()
            },
        })
        .collect();
    let v88 = !sim.settings.camunda.family87();
    TopologyResponse {
        brokers,
        cluster_size: Some(sim.members.len() as i32),
        partitions_count: Some(sim.settings.partitions as i32),
        replication_factor: Some(sim.replication_factor),
        gateway_version: Some(version.to_string()),
        last_completed_change_id: v88
            .then(|| sim.last_change.as_ref().map_or(-1, |c| c.id).to_string()),
        // 8.9 requires the field (nullable).
        cluster_id: (sim.settings.camunda >= Camunda::V89).then(|| Some(sim.cluster_id.clone())),
    }
}

/// A broker's replicas with the role it believes it has.
fn broker_partitions(sim: &Sim, b: BrokerId) -> Vec<TopologyPartition> {
    let v810 = sim.settings.camunda >= Camunda::V810;
    // 8.10 requires `state` (the replica's state in the configuration, lower case).
    let state_of = |p: &i32| -> Option<String> {
        if !v810 {
            return None;
        }
        let code = sim
            .members
            .get(&b)
            .and_then(|m| m.replicas.get(p))
            .map_or(PartitionStateCode::Active, |r| r.state.clone());
        Some(
            match code {
                PartitionStateCode::Joining => "joining",
                PartitionStateCode::Leaving => "leaving",
                PartitionStateCode::Active => "active",
                _ => "unknown",
            }
            .to_string(),
        )
    };
    let believed: Vec<(i32, PartitionRole)> = match sim.members.get(&b) {
        Some(m) => m
            .replicas
            .iter()
            .map(|(p, r)| {
                let role = if r.state == PartitionStateCode::Joining {
                    PartitionRole::Inactive
                } else if sim.partitions.get(p).and_then(|rt| rt.leader) == Some(b) {
                    PartitionRole::Leader
                } else {
                    PartitionRole::Follower
                };
                (*p, role)
            })
            .collect(),
        None => sim
            .brokers
            .get(&b)
            .map(|rt| {
                rt.orphaned_replicas
                    .iter()
                    .map(|p| (*p, PartitionRole::Follower))
                    .collect()
            })
            .unwrap_or_default(),
    };
    believed
        .into_iter()
        .map(|(partition_id, role)| TopologyPartition {
            partition_id,
            role,
            health: PartitionHealth::Healthy,
            state: state_of(&partition_id),
        })
        .collect()
}

/// Operations as the server serializes them (`brokers: []` on every one, ≈8.7+).
fn wire_op(op: &Operation) -> Operation {
    let mut o = op.clone();
    o.brokers.get_or_insert_with(Vec::new);
    o
}

/// `GET /actuator/cluster`.
pub fn cluster(sim: &Sim) -> ClusterTopology {
    let v88 = !sim.settings.camunda.family87();
    ClusterTopology {
        version: Some(sim.version),
        brokers: render(&sim.members, true),
        last_change: sim.last_change.as_ref().map(|c| CompletedChange {
            id: c.id,
            status: c.status.clone(),
            started_at: Some(Timestamp::At(c.started)),
            completed_at: Some(Timestamp::At(c.completed)),
        }),
        pending_change: sim.pending.as_ref().map(|pc| TopologyChange {
            id: pc.id,
            status: c8dr_api::ChangeStatus::InProgress,
            started_at: Some(Timestamp::At(pc.started)),
            completed_at: None,
            internal_version: Some(pc.id),
            completed: pc
                .completed
                .iter()
                .map(|(op, at)| CompletedOperation {
                    operation: wire_op(op),
                    completed_at: Some(Timestamp::At(*at)),
                })
                .collect(),
            pending: pc.pending.iter().map(wire_op).collect(),
        }),
        routing: v88.then(|| RoutingState {
            version: 1,
            request_handling: RoutingStrategy {
                strategy: "AllPartitions".into(),
                partition_count: Some(sim.settings.partitions as i32),
                base_partition_count: None,
                additional_active_partitions: None,
                inactive_partitions: None,
            },
            message_correlation: RoutingStrategy {
                strategy: "HashMod".into(),
                partition_count: Some(sim.settings.partitions as i32),
                base_partition_count: None,
                additional_active_partitions: None,
                inactive_partitions: None,
            },
        }),
        cluster_id: v88.then(|| sim.cluster_id.clone()),
        partitioning: sim.partitioning.clone(),
        physical_tenants: None,
    }
}

/// `GET /actuator/cluster/changes`: the finished changes the lab remembers (both operation
/// lists empty, as the server no longer retains them), then the one in flight.
pub fn changes(sim: &Sim) -> c8dr_api::ConfigurationChanges {
    let mut changes: Vec<TopologyChange> = sim
        .known_changes()
        .into_iter()
        .map(|c| TopologyChange {
            id: c.id,
            status: c.status,
            started_at: Some(Timestamp::At(c.started)),
            completed_at: Some(Timestamp::At(c.completed)),
            internal_version: None,
            completed: vec![],
            pending: vec![],
        })
        .collect();
    if let Some(mut pending) = cluster(sim).pending_change {
        // `ConfigurationChange` lists plain operations: no `completedAt` (that is
        // `pendingChange`'s), no internal version.
        pending.internal_version = None;
        for done in &mut pending.completed {
            done.completed_at = None;
        }
        changes.push(pending);
    }
    c8dr_api::ConfigurationChanges { changes }
}

/// The 202 answer to a change request.
pub fn planned(
    sim: &Sim,
    change_id: i64,
    ops: &[Operation],
    expected: &Members,
) -> PlannedOperationsResponse {
    PlannedOperationsResponse {
        change_id,
        current_topology: render(&sim.members, true),
        planned_changes: ops.iter().map(wire_op).collect(),
        expected_topology: render(expected, true),
    }
}

/// `GET /actuator/exporters`: each exporter's state folded over all replicas; 8.10 names the
/// physical tenant on every entry (`"default"`: the lab has one, exporter-api.yaml).
pub fn exporters(sim: &Sim) -> Vec<ExporterStatus> {
    sim.exporters
        .iter()
        .map(|e| ExporterStatus {
            exporter_id: e.clone(),
            status: folded_status(sim, e),
            physical_tenant: (sim.settings.camunda >= Camunda::V810).then(|| "default".into()),
        })
        .collect()
}

/// All replicas agree and nothing is pending → that state; otherwise the pending operation
/// on this exporter decides (enable → ENABLING, disable → DISABLING), else UNKNOWN.
fn folded_status(sim: &Sim, exporter: &str) -> ExporterStatusCode {
    let pending_op = sim.pending.as_ref().and_then(|pc| {
        pc.pending
            .iter()
            .find(|op| op.exporter_id.as_deref() == Some(exporter))
            .map(|op| {
                if op.operation == OperationKind::PartitionEnableExporter {
                    ExporterStatusCode::Enabling
                } else {
                    ExporterStatusCode::Disabling
                }
            })
    });
    if let Some(s) = pending_op {
        return s;
    }
    let mut states = sim
        .members
        .values()
        .flat_map(|m| m.replicas.values())
        .map(|r| {
            r.exporters
                .get(exporter)
                .cloned()
                .unwrap_or(ExporterStateCode::ConfigNotFound)
        });
    let Some(first) = states.next() else {
        return ExporterStatusCode::Unknown;
    };
    if states.any(|s| s != first) {
        return ExporterStatusCode::Unknown;
    }
    match first {
        ExporterStateCode::Enabled => ExporterStatusCode::Enabled,
        ExporterStateCode::Disabled => ExporterStatusCode::Disabled,
        ExporterStateCode::ConfigNotFound => ExporterStatusCode::ConfigNotFound,
        _ => ExporterStatusCode::Unknown,
    }
}

/// `GET /actuator/partitions` on broker `b`: leaders report positions, followers `null`s.
pub fn partitions(sim: &Sim, b: BrokerId) -> PartitionsResponse {
    let Some(member) = sim.members.get(&b) else {
        return PartitionsResponse::new();
    };
    let instant = sim.wall_now().to_string();
    member
        .replicas
        .keys()
        .filter_map(|p| sim.partitions.get(p).map(|rt| (*p, rt)))
        .map(|(p, rt)| {
            let leader = rt.leader == Some(b);
            let processed = rt.processed.floor() as i64;
            let exported = rt
                .exported
                .values()
                .copied()
                .fold(f64::INFINITY, f64::min)
                .min(rt.processed);
            let exported = if exported.is_finite() {
                exported.floor() as i64
            } else {
                processed
            };
            let snapshot = (processed / 1000) * 1000;
            let status = PartitionStatus {
                role: Some(if leader { "LEADER" } else { "FOLLOWER" }.into()),
                processed_position: leader.then_some(processed),
                snapshot_id: (snapshot > 0)
                    .then(|| format!("{snapshot}-{}-{snapshot}-{snapshot}", rt.term.max(1))),
                processed_position_in_snapshot: (leader && snapshot > 0).then_some(snapshot),
                stream_processor_phase: leader.then(|| "PROCESSING".into()),
                exporter_phase: leader.then(|| sim.exporter_phase(p, b)),
                exported_position: leader.then_some(exported),
                clock: Some(PartitionClock {
                    instant: Some(instant.clone()),
                    modification_type: Some("None".into()),
                    modification: Some(serde_json::json!({})),
                }),
                health: Some(HealthReport {
                    id: Some(format!("Partition-{p}")),
                    name: Some(format!("Partition-{p}")),
                    status: Some("HEALTHY".into()),
                    components_state: Some("HEALTHY".into()),
                    children: vec![],
                }),
            };
            (p.to_string(), status)
        })
        .collect()
}

/// `GET /lab/state`: the ground truth tests compare c8dr's view with.
#[derive(Debug, Serialize)]
pub struct LabState {
    pub camunda: &'static str,
    pub time: String,
    pub simulated_seconds: f64,
    pub regions: Vec<RegionTruth>,
    pub network_split: bool,
    pub cluster_size: usize,
    pub replication_factor: i32,
    pub brokers: Vec<BrokerTruth>,
    pub partitions: Vec<PartitionTruth>,
    pub exporters: Vec<ExporterStatus>,
    /// Any partition has exporting paused.
    pub exporting_paused: bool,
    /// Exporters stalled by `/lab/exporters/{id}/stall`.
    pub stalled_exporters: Vec<String>,
    /// 8.10: the exporting state in the configuration, as `GET /v2/exporting` folds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exporting: Option<&'static str>,
    pub pending_change: Option<ChangeTruth>,
    pub last_change: Option<CompletedChange>,
    pub elasticsearch: Vec<ElasticsearchTruth>,
    /// Where user traffic goes: 0, 1 or "both".
    pub traffic: serde_json::Value,
    pub webapps: Vec<WebappsTruth>,
    /// 8.10 zone-aware: the persisted layout, as `/actuator/cluster` shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<c8dr_api::Partitioning>,
    /// A lab started with `--migrate`: the migration's stage and the next allowed zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<super::sim::migration::MigrationStage>,
}

#[derive(Debug, Serialize)]
pub struct ElasticsearchTruth {
    pub region: u8,
    pub reachable: bool,
    pub version: &'static str,
    pub health: String,
    /// Camunda's index templates exist (restored with the global state or created).
    pub templates: bool,
    /// Exporters can write into it.
    pub writable: bool,
    pub indices: Vec<IndexTruth>,
    pub repositories: Vec<RepositoryTruth>,
}

#[derive(Debug, Serialize)]
pub struct IndexTruth {
    pub name: String,
    pub docs: u64,
}

#[derive(Debug, Serialize)]
pub struct RepositoryTruth {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub settings: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct WebappsTruth {
    pub region: u8,
    /// Operate and Tasklist run.
    pub active: bool,
    /// What the last Helm upgrade asked for.
    pub target: bool,
    pub rolling: bool,
    pub restarting: Option<BrokerId>,
    pub pending_restarts: Vec<BrokerId>,
    /// 8.8+: the orchestration pods' Spring profiles (null for 8.7's separate webapps).
    pub profiles: Option<&'static str>,
}

/// The active Spring profiles of an 8.8+ orchestration pod (docs, failback steps 2 and 8).
pub fn profiles(webapps_on: bool) -> &'static str {
    if webapps_on {
        "broker,operate,tasklist,identity,consolidated-auth"
    } else {
        "broker,identity,consolidated-auth"
    }
}

#[derive(Debug, Serialize)]
pub struct RegionTruth {
    pub id: u8,
    pub name: String,
    pub failed: bool,
    /// The Leases in the region's namespace (c8dr's run lease), as clients last wrote them.
    pub leases: Vec<LeaseTruth>,
}

/// A Lease's holder and timing, with the Kubernetes field names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseTruth {
    pub name: String,
    pub uid: String,
    pub holder_identity: Option<String>,
    pub acquire_time: Option<String>,
    pub renew_time: Option<String>,
    pub lease_duration_seconds: Option<i64>,
    pub lease_transitions: Option<i64>,
    pub labels: serde_json::Value,
    pub annotations: serde_json::Value,
}

fn lease_truth(lease: &serde_json::Value) -> LeaseTruth {
    let (meta, spec) = (&lease["metadata"], &lease["spec"]);
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let or_empty = |v: &serde_json::Value| {
        if v.is_object() {
            v.clone()
        } else {
            serde_json::json!({})
        }
    };
    LeaseTruth {
        name: text(&meta["name"]).unwrap_or_default(),
        uid: text(&meta["uid"]).unwrap_or_default(),
        holder_identity: text(&spec["holderIdentity"]),
        acquire_time: text(&spec["acquireTime"]),
        renew_time: text(&spec["renewTime"]),
        lease_duration_seconds: spec["leaseDurationSeconds"].as_i64(),
        lease_transitions: spec["leaseTransitions"].as_i64(),
        labels: or_empty(&meta["labels"]),
        annotations: or_empty(&meta["annotations"]),
    }
}

#[derive(Debug, Serialize)]
pub struct BrokerTruth {
    pub id: BrokerId,
    pub region: u8,
    /// The process runs and its region is reachable.
    pub alive: bool,
    pub process_running: bool,
    pub member: bool,
    pub has_data: bool,
    pub stopped_reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PartitionTruth {
    pub id: i32,
    pub replicas: Vec<BrokerId>,
    pub live_replicas: Vec<BrokerId>,
    pub has_quorum: bool,
    /// The broker that can commit, or null.
    pub leader: Option<BrokerId>,
    /// The broker reporting leadership, possibly without quorum.
    pub reported_leader: Option<BrokerId>,
    pub processed_position: i64,
    pub exported_positions: std::collections::BTreeMap<String, i64>,
    pub exporting_paused: bool,
}

#[derive(Debug, Serialize)]
pub struct ChangeTruth {
    pub id: i64,
    pub completed: usize,
    pub pending: usize,
    pub next: Option<Operation>,
}

pub fn lab_state(sim: &Sim) -> LabState {
    LabState {
        camunda: sim.settings.camunda.label(),
        time: sim.wall_now().to_string(),
        simulated_seconds: sim.now.as_secs_f64(),
        regions: sim
            .regions
            .iter()
            .enumerate()
            .map(|(i, r)| RegionTruth {
                id: i as u8,
                name: r.name.clone(),
                failed: r.failed,
                leases: sim.kube[i].leases.values().map(lease_truth).collect(),
            })
            .collect(),
        network_split: sim.split,
        cluster_size: sim.members.len(),
        replication_factor: sim.replication_factor,
        brokers: sim
            .brokers
            .iter()
            .map(|(b, rt)| BrokerTruth {
                id: *b,
                region: rt.region,
                alive: sim.reachable(*b),
                process_running: rt.alive,
                member: sim.members.contains_key(b),
                has_data: rt.has_data,
                stopped_reason: rt.stopped_reason.clone(),
            })
            .collect(),
        partitions: sim
            .partitions
            .iter()
            .map(|(p, rt)| partition_truth(sim, *p, rt))
            .collect(),
        exporters: exporters(sim),
        exporting_paused: sim.partitions.values().any(|rt| rt.paused),
        stalled_exporters: sim.stalled_exporters.iter().cloned().collect(),
        exporting: sim.exporting_in_config().then(|| sim.exporting_status()),
        pending_change: sim.pending.as_ref().map(|pc| ChangeTruth {
            id: pc.id,
            completed: pc.completed.len(),
            pending: pc.pending.len(),
            next: pc.pending.front().cloned(),
        }),
        last_change: cluster(sim).last_change,
        elasticsearch: sim
            .es
            .iter()
            .map(|es| elasticsearch_truth(sim, es))
            .collect(),
        traffic: match sim.traffic {
            super::sim::Traffic::Region(r) => serde_json::json!(r),
            super::sim::Traffic::Both => serde_json::json!("both"),
        },
        webapps: sim
            .webapps
            .iter()
            .enumerate()
            .map(|(r, w)| WebappsTruth {
                region: r as u8,
                active: w.active,
                target: w.target,
                rolling: w.restarting.is_some() || !w.queue.is_empty(),
                restarting: w.restarting.map(|(b, _)| b),
                pending_restarts: w.queue.iter().copied().collect(),
                profiles: (!sim.settings.camunda.family87()).then(|| profiles(w.active)),
            })
            .collect(),
        partitioning: sim.partitioning.clone(),
        migration: sim.migration_stage(),
    }
}

fn partition_truth(sim: &Sim, p: i32, rt: &super::sim::PartitionRuntime) -> PartitionTruth {
    PartitionTruth {
        id: p,
        replicas: super::sim::config::voters(&sim.members, p)
            .keys()
            .copied()
            .collect(),
        live_replicas: rt.live.clone(),
        has_quorum: rt.committing,
        leader: rt.committing.then_some(rt.leader).flatten(),
        reported_leader: rt.leader,
        processed_position: rt.processed.floor() as i64,
        exported_positions: rt
            .exported
            .iter()
            .map(|(e, pos)| (e.clone(), pos.floor() as i64))
            .collect(),
        exporting_paused: rt.paused,
    }
}

fn elasticsearch_truth(
    sim: &Sim,
    es: &super::sim::elasticsearch::Elasticsearch,
) -> ElasticsearchTruth {
    ElasticsearchTruth {
        region: es.region,
        reachable: !sim.regions[es.region as usize].failed,
        version: es.version,
        health: es.health(sim.now).status.to_string(),
        templates: es.templates,
        writable: es.writable(sim.now),
        indices: es
            .indices
            .iter()
            .map(|(n, i)| IndexTruth {
                name: n.clone(),
                docs: i.docs,
            })
            .collect(),
        repositories: es
            .repositories
            .iter()
            .map(|(n, r)| RepositoryTruth {
                name: n.clone(),
                kind: r.kind.clone(),
                settings: r.settings.clone(),
            })
            .collect(),
    }
}
