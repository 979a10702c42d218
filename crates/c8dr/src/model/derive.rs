//! From observations to a [`ClusterView`]: pure, so every rule here is unit-tested.
//!
//! The rules that matter most: quorum comes from live replicas counted within one gateway's
//! view (a gateway sees the brokers it can reach, so a network split gives each side only its
//! half), never from reported roles — after a region loss real gateways keep reporting
//! `leader`/`healthy` for partitions that cannot commit; a replica that reports `dead` is not
//! live. Stale observations count as missing. What cannot be told is `unknown`/`null`, never
//! guessed: membership comes only from a fresh cluster configuration. Whether a region answers
//! is decided by Camunda's own endpoints, not by its Elasticsearch or Kubernetes API.
//!
//! Everything here is bounded by what a real cluster can hold (brokers, partitions,
//! exporters), every lookup is by index, and every string from outside is cleaned of control
//! characters before it can reach a terminal.

use super::input::{ModelConfig, Obs, RegionObservations, Snapshot, Source};
use super::verdict;
use super::view::*;
use crate::api::{
    BrokerInfo, ClusterTopology, ExporterPhase, ExporterStatus, PartitionRole, PartitionStateCode,
    TopologyResponse,
};
use crate::text::clean;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

/// More partitions than any Zeebe cluster runs; larger counts are treated as garbled.
pub const MAX_PARTITIONS: usize = 8192;
/// More brokers than any Zeebe cluster runs; a longer list is garbled and not used.
pub const MAX_BROKERS: usize = 1024;
/// More exporters than any deployment configures; a longer list is garbled and not used.
pub const MAX_EXPORTERS: usize = 64;

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

/// One region's gateway view, indexed once so that every lookup is O(1).
struct Gateway<'a> {
    region: u8,
    topology: &'a TopologyResponse,
    brokers: HashMap<i32, &'a BrokerInfo>,
    /// Per partition: the brokers that hold it actively (not `inactive`), one entry each.
    holders: HashMap<i32, Vec<Holder>>,
}

impl<'a> Gateway<'a> {
    fn new(region: u8, topology: &'a TopologyResponse) -> Gateway<'a> {
        let mut brokers = HashMap::with_capacity(topology.brokers.len());
        let mut holders: HashMap<i32, Vec<Holder>> = HashMap::new();
        for b in &topology.brokers {
            // A broker listed twice counts once (the first listing).
            if brokers.insert(b.node_id, b).is_some() {
                continue;
            }
            for p in &b.partitions {
                if p.role != PartitionRole::Inactive {
                    holders.entry(p.partition_id).or_default().push((
                        b.node_id,
                        p.role.clone(),
                        clean(&p.health.to_string()),
                    ));
                }
            }
        }
        for hs in holders.values_mut() {
            // A partition listed twice on one broker is still one replica.
            hs.sort_by_key(|(b, _, _)| *b);
            hs.dedup_by_key(|(b, _, _)| *b);
        }
        Gateway {
            region,
            topology,
            brokers,
            holders,
        }
    }

    fn holders(&self, p: i32) -> &[Holder] {
        self.holders.get(&p).map(Vec::as_slice).unwrap_or_default()
    }

    fn listed(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = self.brokers.keys().copied().collect();
        ids.sort();
        ids
    }
}

/// A replica that reports `dead` cannot take part in a quorum.
fn is_live(h: &Holder) -> bool {
    h.2 != "dead"
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

/// The stamps that decide whether a region answers: Camunda's own endpoints; only when none
/// of those is observed, the others (an old pod list must not keep a dead region "up").
fn deciding_stamps(r: &RegionObservations) -> Vec<(Source, jiff::Timestamp, Result<(), String>)> {
    let all = r.stamps();
    let camunda: Vec<_> = all
        .iter()
        .filter(|(src, _, _)| src.is_camunda())
        .cloned()
        .collect();
    if !camunda.is_empty() {
        return camunda;
    }
    let fast: Vec<_> = all
        .iter()
        .filter(|(src, _, _)| !matches!(src, Source::Pods | Source::ElasticsearchIndices))
        .cloned()
        .collect();
    if fast.is_empty() { all } else { fast }
}

/// Every Camunda endpoint of the region that was asked failed on its latest try.
fn camunda_down(r: &RegionObservations, now: jiff::Timestamp, stale: Duration) -> bool {
    let stamps = deciding_stamps(r);
    !stamps.is_empty()
        && !stamps
            .iter()
            .any(|(_, at, v)| v.is_ok() && age(now, *at) <= stale)
}

/// When a source answered, and whether it could be read.
type Stamp = (jiff::Timestamp, Result<(), String>);

/// The region's sources as the pane and `status --json` show them.
fn sources(
    obs: &RegionObservations,
    now: jiff::Timestamp,
    stale: Duration,
    prev: Option<&RegionView>,
) -> Vec<SourceView> {
    let mut by_source: BTreeMap<Source, Vec<Stamp>> = BTreeMap::new();
    for (src, at, v) in obs.stamps() {
        by_source.entry(src).or_default().push((at, v));
    }
    by_source
        .into_iter()
        .map(|(source, stamps)| {
            // Per-broker sources (partitions) are ok while every broker answers.
            let latest = stamps.iter().map(|(at, _)| *at).max();
            let error = stamps.iter().find_map(|(at, v)| match v {
                Err(e) => Some(clean(e)),
                Ok(()) if age(now, *at) > stale => {
                    Some(format!("no fresh answer for {} s", age(now, *at).as_secs()))
                }
                Ok(()) => None,
            });
            let failing_since = error.as_ref().map(|_| {
                prev.and_then(|p| p.sources.iter().find(|s| s.source == source))
                    .and_then(|s| s.failing_since.clone())
                    .unwrap_or_else(|| {
                        stamps
                            .iter()
                            .map(|(at, _)| *at)
                            .min()
                            .unwrap_or(now)
                            .to_string()
                    })
            });
            SourceView {
                source,
                name: source.name().to_string(),
                ok: error.is_none(),
                age_s: latest.map(|at| age(now, at).as_secs_f64()),
                fault: obs.fault(source).cloned(),
                error,
                failing_since,
            }
        })
        .collect()
}

/// Whether a list from outside is within what a real cluster holds; a longer one is
/// garbled, noted as an anomaly, and not used.
fn bounded(len: usize, max: usize, source: &str, what: &str, anomalies: &mut Vec<String>) -> bool {
    if len > max {
        anomalies.push(format!(
            "{source} lists {len} {what} (more than {max}): ignored as garbled"
        ));
    }
    len <= max
}

/// The agreed configuration: the freshest usable answer with the highest version.
fn agreed_configuration<'a>(
    snap: &'a Snapshot,
    now: jiff::Timestamp,
    stale: Duration,
    anomalies: &mut Vec<String>,
) -> Option<(u8, &'a ClusterTopology)> {
    snap.regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| fresh(&r.cluster, now, stale).map(|c| (i as u8, c)))
        .filter(|(i, c)| {
            bounded(
                c.brokers.len(),
                MAX_BROKERS,
                &format!("region{i}'s /actuator/cluster"),
                "brokers",
                anomalies,
            )
        })
        .max_by_key(|(_, c)| {
            (
                c.version.unwrap_or(0),
                c.last_change.as_ref().map(|l| l.id).unwrap_or(0),
            )
        })
}

/// Derives the view. `prev` carries what needs memory (since when a region is unreachable,
/// since when a source fails, whether the export lag grows).
pub fn derive(
    snap: &Snapshot,
    cfg: &ModelConfig,
    now: jiff::Timestamp,
    prev: Option<&ClusterView>,
) -> ClusterView {
    let stale = cfg.stale_after;
    let mut anomalies: Vec<String> = vec![];

    let agreed = agreed_configuration(snap, now, stale, &mut anomalies);
    let cluster = agreed.map(|(_, c)| c);
    let gateways: Vec<Gateway> = snap
        .regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| fresh(&r.topology, now, stale).map(|t| (i as u8, t)))
        .filter(|(i, t)| {
            bounded(
                t.brokers.len(),
                MAX_BROKERS,
                &format!("region{i}'s gateway"),
                "brokers",
                &mut anomalies,
            )
        })
        .map(|(i, t)| Gateway::new(i, t))
        .collect();
    let replicas = cluster.map(configured_replicas);
    let members: Option<BTreeSet<i32>> =
        cluster.map(|c| c.brokers.iter().map(|b| b.id.0).collect());

    // Brokers: members, whatever a topology lists, whatever pods run.
    let mut ids: BTreeSet<i32> = members.clone().unwrap_or_default();
    for g in &gateways {
        ids.extend(g.brokers.keys().copied());
    }
    // Pods of a region whose Camunda endpoints all fail are a stale picture: not shown.
    let mut pods: HashMap<i32, &PodInfoRef> = HashMap::new();
    for r in snap.regions.iter().filter(|r| !camunda_down(r, now, stale)) {
        for p in fresh(&r.pods, now, stale).into_iter().flatten() {
            if let Some(b) = p.broker
                && pods.len() < MAX_BROKERS
            {
                pods.entry(b).or_insert(p);
            }
        }
    }
    ids.extend(pods.keys().copied());
    let brokers: Vec<BrokerView> = ids
        .iter()
        .take(MAX_BROKERS)
        .map(|&id| {
            let region = if id.rem_euclid(2) == 0 { 0 } else { 1 };
            // Prefer the broker's own region's gateway for what it reports.
            let seen = gateways
                .iter()
                .filter_map(|g| g.brokers.get(&id).map(|b| (g.region, *b)))
                .min_by_key(|(g, _)| u8::from(*g != region))
                .map(|(_, b)| b);
            let pod = pods.get(&id);
            BrokerView {
                id,
                region,
                reachable: if gateways.is_empty() {
                    None
                } else {
                    Some(seen.is_some())
                },
                member: members.as_ref().map(|m| m.contains(&id)),
                version: seen.map(|b| clean(&b.version)).filter(|v| !v.is_empty()),
                host: seen.map(|b| clean(&b.host)).filter(|h| !h.is_empty()),
                pod_ready: pod.map(|p| p.ready),
                pod_status: pod.map(|p| clean(&p.status)),
                partitions: seen
                    .map(|b| {
                        b.partitions
                            .iter()
                            .take(MAX_PARTITIONS)
                            .map(|p| BrokerPartition {
                                id: p.partition_id,
                                role: clean(&p.role.to_string()),
                                health: clean(&p.health.to_string()),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    if ids.len() > MAX_BROKERS {
        anomalies.push(format!(
            "{} broker ids observed (more than {MAX_BROKERS}): only the first are shown",
            ids.len()
        ));
    }

    // Partitions and quorum.
    let rf = gateways
        .iter()
        .filter_map(|g| g.topology.replication_factor)
        .max();
    let partition_count = cluster
        .and_then(|c| {
            c.routing.as_ref().and_then(|r| {
                r.request_handling
                    .partition_count
                    .map(|n| n.max(0) as usize)
            })
        })
        .or_else(|| {
            gateways
                .iter()
                .filter_map(|g| g.topology.partitions_count)
                .max()
                .map(|n| n.max(0) as usize)
        })
        .or_else(|| {
            replicas
                .as_ref()
                .and_then(|r| r.keys().max().map(|m| (*m).max(0) as usize))
        });
    if partition_count.is_some_and(|n| n > MAX_PARTITIONS) {
        anomalies.push(format!(
            "{} partitions reported (more than {MAX_PARTITIONS}): garbled",
            partition_count.unwrap_or(0)
        ));
    }
    // A count from outside is bounded: a garbled answer must not allocate millions of rows.
    let partition_ids: Vec<i32> = match partition_count {
        Some(n) => (1..=n.min(MAX_PARTITIONS) as i32).collect(),
        None => replicas
            .as_ref()
            .map(|r| r.keys().copied().take(MAX_PARTITIONS).collect())
            .unwrap_or_default(),
    };
    let partitions: Vec<PartitionView> = partition_ids
        .iter()
        .map(|&p| partition(p, &gateways, replicas.as_ref(), rf))
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

    // Exporters: the freshest usable list from either region's management API.
    let exporter_list: Option<(u8, &Vec<ExporterStatus>)> = snap
        .regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.exporters
                .as_ref()
                .filter(|o| age(now, o.at) <= stale)
                .and_then(|o| o.value.as_ref().ok().map(|v| (i as u8, o.at, v)))
        })
        .filter(|(i, _, v)| {
            bounded(
                v.len(),
                MAX_EXPORTERS,
                &format!("region{i}'s /actuator/exporters"),
                "exporters",
                &mut anomalies,
            )
        })
        .max_by_key(|(_, at, _)| *at)
        .map(|(i, _, v)| (i, v));
    let gateway_version = gateways
        .iter()
        .find_map(|g| g.topology.gateway_version.as_deref().map(clean));
    let exporter_ids: Vec<String> = exporter_list
        .map(|(_, l)| l.iter().map(|e| clean(&e.exporter_id)).collect())
        .unwrap_or_default();
    let fam = family(gateway_version.as_deref(), &exporter_ids);
    let exporters: Vec<ExporterView> = exporter_list
        .map(|(_, l)| {
            l.iter()
                .map(|e| ExporterView {
                    id: clean(&e.exporter_id),
                    region: crate::api::exporter_region(&e.exporter_id),
                    status: clean(&e.status.to_string()),
                    legacy: fam == Family::V88Plus
                        && e.exporter_id.starts_with("elasticsearchregion"),
                })
                .collect()
        })
        .unwrap_or_default();

    let export = export_view(snap, now, stale, prev);

    // Regions.
    let regions: Vec<RegionView> = (0..2u8)
        .map(|r| {
            region(
                r,
                snap,
                cfg,
                now,
                prev,
                &brokers,
                members.as_ref(),
                &gateways,
            )
        })
        .collect();

    // Cluster summary.
    let summary = ClusterSummary {
        size: members.as_ref().map(BTreeSet::len).or_else(|| {
            gateways
                .iter()
                .filter_map(|g| g.topology.cluster_size)
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
                status: clean(&pc.status.to_string()),
                done: pc.completed.len(),
                total: pc.completed.len() + pc.pending.len(),
                next: pc.pending.first().map(|o| {
                    let mut s = clean(&o.operation.to_string());
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
                status: clean(&l.status.to_string()),
                completed_at: l.completed_at.as_ref().map(|t| clean(&t.to_string())),
            }),
        gateway_version,
        family: fam,
        config_from: agreed.map(|(i, _)| i),
        exporters_from: exporter_list.map(|(i, _)| i),
    };

    let traffic = traffic(snap, cfg, now, stale, &regions);

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
        exporting: export.exporting.clone(),
        export,
        cluster: summary,
        traffic,
        anomalies,
    };
    view.verdict = verdict::judge(&view, now);
    view
}

/// One partition: its configured replicas, the live ones from the best-placed gateway, quorum.
fn partition(
    p: i32,
    gateways: &[Gateway],
    replicas: Option<&BTreeMap<i32, Vec<i32>>>,
    rf: Option<i32>,
) -> PartitionView {
    let configured: Vec<i32> = replicas
        .and_then(|r| r.get(&p).cloned())
        .unwrap_or_default();
    let count = if replicas.is_some() {
        configured.len()
    } else {
        rf.unwrap_or(0).max(0) as usize
    };
    // Per gateway: who is live for this partition from where it stands.
    let mut best: Option<(Vec<i32>, Vec<Holder>)> = None;
    for g in gateways {
        let hs: Vec<Holder> = g
            .holders(p)
            .iter()
            .filter(|(b, _, _)| replicas.is_none() || configured.contains(b))
            .cloned()
            .collect();
        let live: Vec<i32> = hs
            .iter()
            .filter(|h| is_live(h))
            .map(|(b, _, _)| *b)
            .collect();
        if best.as_ref().is_none_or(|(l, _)| live.len() > l.len()) {
            best = Some((live, hs));
        }
    }
    let has_quorum = match (&best, count) {
        (None, _) | (_, 0) => None,
        (Some((live, _)), n) => Some(live.len() * 2 > n),
    };
    let (live, hs) = best.unwrap_or_default();
    let mut reported: Vec<i32> = gateways
        .iter()
        .flat_map(|g| g.holders(p).iter())
        .filter(|(_, role, _)| *role == PartitionRole::Leader)
        .map(|(b, _, _)| *b)
        .collect();
    reported.sort();
    reported.dedup();
    let leader = if has_quorum == Some(true) {
        hs.iter()
            .filter(|h| is_live(h))
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
}

/// Exporting phase and lag from the leaders' partition status.
fn export_view(
    snap: &Snapshot,
    now: jiff::Timestamp,
    stale: Duration,
    prev: Option<&ClusterView>,
) -> ExportView {
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
    ExportView {
        exporting,
        lag,
        lag_growing,
    }
}

type PodInfoRef = super::input::PodInfo;

#[allow(clippy::too_many_arguments)]
fn region(
    r: u8,
    snap: &Snapshot,
    cfg: &ModelConfig,
    now: jiff::Timestamp,
    prev: Option<&ClusterView>,
    brokers: &[BrokerView],
    members: Option<&BTreeSet<i32>>,
    gateways: &[Gateway],
) -> RegionView {
    let stale = cfg.stale_after;
    let obs = &snap.regions[r as usize];
    let stamps = deciding_stamps(obs);
    let last_ok = stamps
        .iter()
        .filter(|(_, _, v)| v.is_ok())
        .map(|(_, at, _)| *at)
        .max();
    let fresh_ok = stamps
        .iter()
        .any(|(_, at, v)| v.is_ok() && age(now, *at) <= stale);
    // The region's own gateway speaks for it before any single broker's port-forward.
    let last_error = stamps
        .iter()
        .filter_map(|(src, at, v)| {
            v.as_ref().err().map(|e| {
                (
                    (*src != Source::Partitions, *at),
                    format!("{}: {}", src.name(), clean(e)),
                )
            })
        })
        .max_by_key(|(key, _)| *key)
        .map(|(_, e)| e);
    let reachable = if fresh_ok {
        Reach::Up
    } else if stamps.is_empty() {
        Reach::Unknown
    } else {
        Reach::Down
    };
    let prev_region = prev.and_then(|p| p.region(r));
    let unreachable_since = match reachable {
        Reach::Down => prev_region
            .filter(|p| p.reachable == Reach::Down)
            .and_then(|p| p.unreachable_since.clone())
            .or_else(|| last_ok.map(|t| t.to_string())),
        _ => None,
    };
    let expected = match members {
        Some(m) => m.iter().filter(|b| b.rem_euclid(2) == i32::from(r)).count(),
        None => gateways
            .iter()
            .filter_map(|g| g.topology.cluster_size)
            .max()
            .map_or(0, |n| (n.max(0) / 2) as usize),
    };
    let up = (!gateways.is_empty()).then(|| {
        brokers
            .iter()
            .filter(|b| b.region == r && b.reachable == Some(true) && b.member != Some(false))
            .count()
    });
    let region_pods = if reachable == Reach::Down {
        None
    } else {
        fresh(&obs.pods, now, stale)
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
        pods_ready: region_pods.map(|p| p.iter().filter(|p| p.broker.is_some() && p.ready).count()),
        pods_total: region_pods.map(|p| p.iter().filter(|p| p.broker.is_some()).count()),
        elasticsearch: elasticsearch(obs, now, stale),
        gateway_brokers: gateways.iter().find(|g| g.region == r).map(Gateway::listed),
        sources: sources(obs, now, stale, prev_region),
    }
}

fn elasticsearch(
    obs: &RegionObservations,
    now: jiff::Timestamp,
    stale: Duration,
) -> ElasticsearchView {
    if !obs.configured.contains(&Source::ElasticsearchHealth) {
        return ElasticsearchView {
            status: "not configured".into(),
            error: None,
            indices: None,
            docs: None,
        };
    }
    let indices = fresh(&obs.es_indices, now, stale);
    match &obs.es_health {
        Some(o) if age(now, o.at) <= stale => match &o.value {
            Ok(h) => ElasticsearchView {
                status: clean(&h.status.to_string()),
                error: None,
                indices: indices.map(Vec::len),
                docs: indices.map(|v| v.iter().filter_map(|i| i.docs()).sum()),
            },
            Err(e) => ElasticsearchView {
                status: "unreachable".into(),
                error: Some(clean(e)),
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
}

/// Where DNS sends users, and whether that is where they should go.
fn traffic(
    snap: &Snapshot,
    cfg: &ModelConfig,
    now: jiff::Timestamp,
    stale: Duration,
    regions: &[RegionView],
) -> TrafficView {
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
            Err(e) => (None, Some(clean(e))),
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
}
