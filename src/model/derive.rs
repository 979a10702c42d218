//! From observations to a [`ClusterView`]: pure, so every rule here is unit-tested.
//!
//! The rules that matter most: quorum comes from live replicas counted within one gateway's
//! view (a gateway sees the brokers it can reach, so a network split gives each side only its
//! half), never from reported roles — after a region loss real gateways keep reporting
//! `leader`/`healthy` for partitions that cannot commit. Stale observations count as missing.
//! What cannot be told is `unknown`/`null`, never guessed.

use super::input::{ModelConfig, Obs, Snapshot, Source};
use super::verdict;
use super::view::*;
use crate::api::{
    ClusterTopology, ExporterPhase, PartitionRole, PartitionStateCode, TopologyResponse,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// More partitions than any Zeebe cluster runs; larger counts are treated as garbled.
pub const MAX_PARTITIONS: usize = 8192;

/// Schema version of the JSON view.
pub const SCHEMA_VERSION: u32 = 1;

fn age(now: jiff::Timestamp, at: jiff::Timestamp) -> Duration {
    let d = now.duration_since(at);
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

fn fresh<T>(o: &Option<Obs<T>>, now: jiff::Timestamp, stale: Duration) -> Option<&T> {
    o.as_ref()
        .filter(|o| age(now, o.at) <= stale)
        .and_then(|o| o.value.as_ref().ok())
}

/// A replica as one gateway reports it: broker, role, health.
type Holder = (i32, PartitionRole, String);

/// Brokers of a topology that hold partition `p` actively (not `inactive`).
fn holders(t: &TopologyResponse, p: i32) -> Vec<Holder> {
    t.brokers
        .iter()
        .filter_map(|b| {
            b.partitions
                .iter()
                .find(|x| x.partition_id == p)
                .map(|x| (b.node_id, x.role.clone(), x.health.to_string()))
        })
        .filter(|(_, role, _)| *role != PartitionRole::Inactive)
        .collect()
}

/// Replicas of each partition in the agreed configuration (active or leaving voters).
fn configured_replicas(c: &ClusterTopology) -> BTreeMap<i32, Vec<i32>> {
    let mut out: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for b in &c.brokers {
        for p in &b.partitions {
            if matches!(
                p.state,
                PartitionStateCode::Active | PartitionStateCode::Leaving
            ) {
                out.entry(p.id).or_default().push(b.id.0);
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

fn family(version: Option<&str>, exporter_ids: &[String]) -> Family {
    let minor = version.and_then(|v| {
        let mut it = v.split('.');
        let major: u32 = it.next()?.parse().ok()?;
        let minor: u32 = it
            .next()?
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .ok()?;
        Some((major, minor))
    });
    match minor {
        Some((8, m)) if m <= 5 => Family::V85,
        Some((8, 6 | 7)) => Family::V86To87,
        Some((8, _)) | Some((9.., _)) => Family::V88Plus,
        _ => {
            if exporter_ids.iter().any(|e| e.starts_with("camundaregion")) {
                Family::V88Plus
            } else if exporter_ids
                .iter()
                .any(|e| e.starts_with("elasticsearchregion"))
            {
                Family::V86To87
            } else {
                Family::Unknown
            }
        }
    }
}

/// Every Camunda endpoint of the region that was asked failed on its latest try.
fn camunda_down(
    r: &super::input::RegionObservations,
    now: jiff::Timestamp,
    stale: Duration,
) -> bool {
    let fast: Vec<_> = r
        .stamps()
        .into_iter()
        .filter(|(src, _, _)| !matches!(src, Source::Pods | Source::ElasticsearchIndices))
        .collect();
    !fast.is_empty()
        && !fast
            .iter()
            .any(|(_, at, v)| v.is_ok() && age(now, *at) <= stale)
}

/// Derives the view. `prev` carries what needs memory (since when a region is unreachable,
/// whether the export lag grows).
pub fn derive(
    snap: &Snapshot,
    cfg: &ModelConfig,
    now: jiff::Timestamp,
    prev: Option<&ClusterView>,
) -> ClusterView {
    let stale = cfg.stale_after;

    // The agreed configuration: the freshest answer with the highest version.
    let cluster: Option<&ClusterTopology> = snap
        .regions
        .iter()
        .filter_map(|r| fresh(&r.cluster, now, stale))
        .max_by_key(|c| {
            (
                c.version.unwrap_or(0),
                c.last_change.as_ref().map(|l| l.id).unwrap_or(0),
            )
        });
    let topologies: Vec<(u8, &TopologyResponse)> = snap
        .regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| fresh(&r.topology, now, stale).map(|t| (i as u8, t)))
        .collect();
    let replicas = cluster.map(configured_replicas);
    let members: Option<BTreeSet<i32>> =
        cluster.map(|c| c.brokers.iter().map(|b| b.id.0).collect());

    // Brokers: members, whatever a topology lists, whatever pods run.
    let mut ids: BTreeSet<i32> = members.clone().unwrap_or_default();
    for (_, t) in &topologies {
        ids.extend(t.brokers.iter().map(|b| b.node_id));
    }
    // Pods of a region whose Camunda endpoints all fail are a stale picture: not shown.
    let pods: Vec<_> = snap
        .regions
        .iter()
        .filter(|r| !camunda_down(r, now, stale))
        .filter_map(|r| fresh(&r.pods, now, stale))
        .flatten()
        .collect();
    ids.extend(pods.iter().filter_map(|p| p.broker));
    let brokers: Vec<BrokerView> = ids
        .iter()
        .map(|&id| {
            let region = if id.rem_euclid(2) == 0 { 0 } else { 1 };
            // Prefer the broker's own region's gateway for what it reports.
            let seen = topologies
                .iter()
                .filter_map(|(g, t)| t.brokers.iter().find(|b| b.node_id == id).map(|b| (*g, b)))
                .min_by_key(|(g, _)| u8::from(*g != region))
                .map(|(_, b)| b);
            let pod = pods.iter().find(|p| p.broker == Some(id));
            BrokerView {
                id,
                region,
                reachable: if topologies.is_empty() {
                    None
                } else {
                    Some(seen.is_some())
                },
                member: match &members {
                    Some(m) => Some(m.contains(&id)),
                    None => seen.map(|b| !b.partitions.is_empty()),
                },
                version: seen.map(|b| b.version.clone()).filter(|v| !v.is_empty()),
                host: seen.map(|b| b.host.clone()).filter(|h| !h.is_empty()),
                pod_ready: pod.map(|p| p.ready),
                pod_status: pod.map(|p| p.status.clone()),
                partitions: seen
                    .map(|b| {
                        b.partitions
                            .iter()
                            .map(|p| BrokerPartition {
                                id: p.partition_id,
                                role: p.role.to_string(),
                                health: p.health.to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();

    // Partitions and quorum.
    let rf = topologies
        .iter()
        .filter_map(|(_, t)| t.replication_factor)
        .max();
    let partition_count = cluster
        .and_then(|c| {
            c.routing
                .as_ref()
                .and_then(|r| r.request_handling.partition_count.map(|n| n as usize))
        })
        .or_else(|| {
            topologies
                .iter()
                .filter_map(|(_, t)| t.partitions_count)
                .max()
                .map(|n| n.max(0) as usize)
        })
        .or_else(|| {
            replicas
                .as_ref()
                .and_then(|r| r.keys().max().map(|m| *m as usize))
        });
    // A count from outside is bounded: a garbled answer must not allocate millions of rows.
    let partition_ids: Vec<i32> = match partition_count {
        Some(n) => (1..=n.min(MAX_PARTITIONS) as i32).collect(),
        None => replicas
            .as_ref()
            .map(|r| r.keys().copied().collect())
            .unwrap_or_default(),
    };
    let partitions: Vec<PartitionView> = partition_ids
        .iter()
        .map(|&p| {
            let configured: Vec<i32> = replicas
                .as_ref()
                .and_then(|r| r.get(&p).cloned())
                .unwrap_or_default();
            let count = if replicas.is_some() {
                configured.len()
            } else {
                rf.unwrap_or(0).max(0) as usize
            };
            // Per gateway: who is live for this partition from where it stands.
            let mut best: Option<(Vec<i32>, Vec<Holder>)> = None;
            for (_, t) in &topologies {
                let hs: Vec<_> = holders(t, p)
                    .into_iter()
                    .filter(|(b, _, _)| replicas.is_none() || configured.contains(b))
                    .collect();
                let live: Vec<i32> = hs.iter().map(|(b, _, _)| *b).collect();
                if best.as_ref().is_none_or(|(l, _)| live.len() > l.len()) {
                    best = Some((live, hs));
                }
            }
            let has_quorum = match (&best, count) {
                (None, _) | (_, 0) => None,
                (Some((live, _)), n) => Some(live.len() * 2 > n),
            };
            let (live, hs) = best.unwrap_or_default();
            let reported: Vec<i32> = {
                let mut r: Vec<i32> = topologies
                    .iter()
                    .flat_map(|(_, t)| holders(t, p))
                    .filter(|(_, role, _)| *role == PartitionRole::Leader)
                    .map(|(b, _, _)| b)
                    .collect();
                r.sort();
                r.dedup();
                r
            };
            let leader = if has_quorum == Some(true) {
                hs.iter()
                    .find(|(_, role, _)| *role == PartitionRole::Leader)
                    .map(|(b, _, _)| *b)
            } else {
                None
            };
            let health = hs
                .iter()
                .map(|(_, _, h)| h.clone())
                .max_by_key(|h| match h.as_str() {
                    "healthy" => 0,
                    "unhealthy" => 1,
                    "dead" => 2,
                    _ => 3,
                })
                .unwrap_or_else(|| "unknown".into());
            PartitionView {
                id: p,
                leader,
                reported_leaders: reported,
                replicas: configured,
                replica_count: count,
                spare: has_quorum.map(|_| live.len() as i64 - (count / 2 + 1) as i64),
                live_replicas: live,
                has_quorum,
                health,
            }
        })
        .collect();
    let processing = if partitions.is_empty() || partitions.iter().any(|p| p.has_quorum.is_none()) {
        Processing::Unknown
    } else if partitions.iter().all(|p| p.has_quorum == Some(true)) {
        Processing::Active
    } else if partitions.iter().all(|p| p.has_quorum == Some(false)) {
        Processing::Halted
    } else {
        Processing::Degraded
    };

    // Exporters: the freshest list from either region's management API.
    let exporter_list = snap
        .regions
        .iter()
        .filter_map(|r| r.exporters.as_ref().filter(|o| age(now, o.at) <= stale))
        .filter_map(|o| o.value.as_ref().ok().map(|v| (o.at, v)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, v)| v);
    let gateway_version = topologies
        .iter()
        .find_map(|(_, t)| t.gateway_version.clone());
    let exporter_ids: Vec<String> = exporter_list
        .map(|l| l.iter().map(|e| e.exporter_id.clone()).collect())
        .unwrap_or_default();
    let fam = family(gateway_version.as_deref(), &exporter_ids);
    let exporters: Vec<ExporterView> = exporter_list
        .map(|l| {
            l.iter()
                .map(|e| ExporterView {
                    id: e.exporter_id.clone(),
                    region: crate::api::exporter_region(&e.exporter_id),
                    status: e.status.to_string(),
                    legacy: fam == Family::V88Plus
                        && e.exporter_id.starts_with("elasticsearchregion"),
                })
                .collect()
        })
        .unwrap_or_default();

    // Exporting phase and lag from the leaders' partition status.
    let mut phases = BTreeSet::new();
    let mut lag: Option<i64> = None;
    for r in &snap.regions {
        for o in r.partitions.values().filter(|o| age(now, o.at) <= stale) {
            let Ok(map) = &o.value else { continue };
            for st in map.values().filter(|s| s.role.as_deref() == Some("LEADER")) {
                if let Some(ph) = &st.exporter_phase {
                    phases.insert(match ph {
                        ExporterPhase::Exporting => "running",
                        ExporterPhase::Paused | ExporterPhase::SoftPaused => "paused",
                        _ => "other",
                    });
                }
                if let (Some(p), Some(e)) = (st.processed_position, st.exported_position) {
                    lag = Some(lag.unwrap_or(0).max(p.saturating_sub(e)));
                }
            }
        }
    }
    let exporting = match phases.len() {
        0 => "unknown",
        1 => phases.iter().next().copied().unwrap_or("unknown"),
        _ => "mixed",
    }
    .to_string();
    let prev_lag = prev.and_then(|p| p.export.lag);
    let lag_growing = match (lag, prev_lag) {
        (Some(now_lag), Some(before)) => now_lag > before && now_lag > 1000,
        _ => false,
    };

    // Regions.
    let regions: Vec<RegionView> = (0..2u8)
        .map(|r| {
            let obs = &snap.regions[r as usize];
            let all_stamps = obs.stamps();
            // Camunda's own endpoints decide; slow sources (pods, indices) only when none of
            // those was asked, so an old pod list cannot keep a dead region "up".
            let fast: Vec<_> = all_stamps
                .iter()
                .filter(|(src, _, _)| !matches!(src, Source::Pods | Source::ElasticsearchIndices))
                .cloned()
                .collect();
            let stamps = if fast.is_empty() { all_stamps } else { fast };
            let last_ok = stamps
                .iter()
                .filter(|(_, _, v)| v.is_ok())
                .map(|(_, at, _)| *at)
                .max();
            let fresh_ok = last_ok.is_some_and(|at| age(now, at) <= stale);
            let last_error = stamps
                .iter()
                .filter_map(|(src, at, v)| {
                    v.as_ref()
                        .err()
                        .map(|e| (at, format!("{}: {e}", src.name())))
                })
                .max_by_key(|(at, _)| **at)
                .map(|(_, e)| e);
            let reachable = if fresh_ok {
                Reach::Up
            } else if stamps.is_empty() {
                Reach::Unknown
            } else {
                Reach::Down
            };
            let unreachable_since = match reachable {
                Reach::Down => prev
                    .and_then(|p| p.region(r))
                    .filter(|p| p.reachable == Reach::Down)
                    .and_then(|p| p.unreachable_since.clone())
                    .or_else(|| last_ok.map(|t| t.to_string())),
                _ => None,
            };
            let expected = match &members {
                Some(m) => m.iter().filter(|b| b.rem_euclid(2) == i32::from(r)).count(),
                None => topologies
                    .iter()
                    .filter_map(|(_, t)| t.cluster_size)
                    .max()
                    .map_or(0, |n| (n.max(0) / 2) as usize),
            };
            let up = brokers
                .iter()
                .filter(|b| b.region == r && b.reachable == Some(true) && b.member != Some(false))
                .count();
            let region_pods = if reachable == Reach::Down {
                None
            } else {
                fresh(&obs.pods, now, stale)
            };
            let es = if !obs.configured.contains(&Source::ElasticsearchHealth) {
                ElasticsearchView {
                    status: "not configured".into(),
                    error: None,
                    indices: None,
                    docs: None,
                }
            } else {
                let indices = fresh(&obs.es_indices, now, stale);
                match &obs.es_health {
                    Some(o) if age(now, o.at) <= stale => match &o.value {
                        Ok(h) => ElasticsearchView {
                            status: h.status.to_string(),
                            error: None,
                            indices: indices.map(Vec::len),
                            docs: indices.map(|v| v.iter().filter_map(|i| i.docs()).sum()),
                        },
                        Err(e) => ElasticsearchView {
                            status: "unreachable".into(),
                            error: Some(e.clone()),
                            indices: None,
                            docs: None,
                        },
                    },
                    _ => ElasticsearchView {
                        status: "unknown".into(),
                        error: None,
                        indices: None,
                        docs: None,
                    },
                }
            };
            RegionView {
                id: r,
                name: cfg.region_names[r as usize].clone(),
                kube: cfg.kube[r as usize].clone(),
                reachable,
                data_age_s: last_ok.map(|at| age(now, at).as_secs_f64()),
                unreachable_since,
                last_error,
                brokers_up: up,
                brokers_expected: expected,
                pods_ready: region_pods
                    .map(|p| p.iter().filter(|p| p.broker.is_some() && p.ready).count()),
                pods_total: region_pods.map(|p| p.iter().filter(|p| p.broker.is_some()).count()),
                elasticsearch: es,
            }
        })
        .collect();

    // Cluster summary.
    let summary = ClusterSummary {
        size: members.as_ref().map(BTreeSet::len).or_else(|| {
            topologies
                .iter()
                .filter_map(|(_, t)| t.cluster_size)
                .max()
                .map(|n| n.max(0) as usize)
        }),
        replication_factor: rf.or_else(|| {
            replicas
                .as_ref()
                .and_then(|r| r.values().map(|v| v.len() as i32).min())
        }),
        partitions: if partition_ids.is_empty() {
            None
        } else {
            Some(partition_ids.len())
        },
        pending_change: cluster
            .and_then(|c| c.pending_change.as_ref())
            .map(|pc| ChangeView {
                id: pc.id,
                status: pc.status.to_string(),
                done: pc.completed.len(),
                total: pc.completed.len() + pc.pending.len(),
                next: pc.pending.first().map(|o| {
                    let mut s = o.operation.to_string();
                    if let Some(b) = o.broker_id {
                        s.push_str(&format!(" broker {b}"));
                    }
                    if let Some(p) = o.partition_id {
                        s.push_str(&format!(" partition {p}"));
                    }
                    s
                }),
            }),
        last_change: cluster
            .and_then(|c| c.last_change.as_ref())
            .map(|l| LastChangeView {
                id: l.id,
                status: l.status.to_string(),
                completed_at: l.completed_at.as_ref().map(|t| t.to_string()),
            }),
        gateway_version,
        family: fam,
    };

    // Traffic from DNS.
    let traffic = {
        let (observed, error) = match &snap.dns {
            Some(o) if age(now, o.at) <= stale.max(Duration::from_secs(30)) => match &o.value {
                Ok(ips) => {
                    let regions: Vec<u8> = (0..2u8)
                        .filter(|r| {
                            ips.iter()
                                .any(|ip| cfg.traffic_addresses[*r as usize].contains(ip))
                        })
                        .collect();
                    (Some(regions), None)
                }
                Err(e) => (None, Some(e.clone())),
            },
            _ => (None, None),
        };
        let agrees = observed.as_ref().map(|obs| {
            if cfg.active_active {
                let serving: Vec<u8> = regions
                    .iter()
                    .filter(|r| r.reachable != Reach::Down)
                    .map(|r| r.id)
                    .collect();
                *obs == serving
            } else {
                *obs == vec![cfg.primary]
            }
        });
        TrafficView {
            mode: if cfg.active_active {
                "active-active"
            } else {
                "active-passive"
            }
            .into(),
            primary: cfg.primary,
            observed,
            agrees,
            error,
        }
    };

    let mut view = ClusterView {
        version: SCHEMA_VERSION,
        name: cfg.name.clone(),
        at: now.to_string(),
        processing,
        verdict: Verdict {
            level: Level::Unknown,
            reasons: vec![],
        },
        regions,
        brokers,
        partitions,
        exporters,
        exporting: exporting.clone(),
        export: ExportView {
            exporting,
            lag,
            lag_growing,
        },
        cluster: summary,
        traffic,
    };
    view.verdict = verdict::judge(&view, now);
    view
}
