//! Evaluating a step's checks and guards against fresh facts. Pure: the facts are read by the
//! executor (and what the run itself knows by the engine), the verdicts here decide skip /
//! wait / refuse, and every answer carries the evidence in words that the pane and the CLI
//! show.
//!
//! Fail closed: every check is met, not met or unknown, and unknown is never taken for met.
//! A source that could not be read, timed out, answered garbage or is stale gives unknown,
//! naming the source, its error and how to fix it. A guard that cannot tell refuses. Nothing
//! is inferred from a fallback: membership only from a fresh `/actuator/cluster`, absence only
//! from a fresh topology of the surviving region, a restore only from the snapshot's
//! documents or this run's own finished restore.

use super::check_kube;
use super::plan::{Check, Guard};
use crate::api::elasticsearch::{SnapshotInfo, SnapshotState};
use crate::api::{BrokerId, PerRegion, Region};
use crate::model::{ClusterView, ElasticsearchStatus, ExporterState, Processing, Reach, Source};
use crate::source::SourceError;
use std::collections::{BTreeMap, BTreeSet};

/// A region's Elasticsearch as the runbook needs it, read just now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EsFacts {
    /// The snapshot repository is registered (`None`: could not ask).
    pub repository: Option<bool>,
    /// The run's snapshot as this region's repository shows it (`Ok(None)`: not there).
    pub snapshot: Option<Result<Option<SnapshotInfo>, SourceError>>,
    /// The region's indices with their document counts (`None` count: not reported, e.g.
    /// while the index recovers).
    pub indices: Option<BTreeMap<String, Option<u64>>>,
    /// Why the indices could not be listed.
    pub indices_error: Option<SourceError>,
}

/// What the run itself knows from its journal; the engine fills it before every evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFacts {
    /// Topology changes this run started (the change ids of its answers).
    pub own_changes: BTreeSet<i64>,
    /// The last change the cluster showed when the run started (`None`: not known).
    pub baseline_change: Option<i64>,
    /// Documents per index in the surviving region just before this run's snapshot (exporting
    /// paused): a restore that brought the snapshot's data has at least these.
    pub snapshot_docs: Option<BTreeMap<String, u64>>,
    /// This run's restore answered success.
    pub restore_finished: bool,
    /// Changes this run cancelled (with the operator's approval) because they blocked a
    /// step: once CANCELLED they are nobody else's doing.
    pub cancelled: BTreeSet<i64>,
}

/// Everything a check may look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub view: ClusterView,
    pub es: PerRegion<EsFacts>,
    /// Operate and Tasklist running per region (`None`: cannot tell, e.g. no Kubernetes access).
    pub webapps: PerRegion<Option<bool>>,
    /// The Kubernetes objects a failback checks (broker env, password digests, leftovers).
    pub kube: PerRegion<super::check_kube::KubeFacts>,
    pub run: RunFacts,
}

/// A check's answer: met or not (`None`: cannot tell), progress, and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Eval {
    pub met: Option<bool>,
    pub progress: Option<(usize, usize)>,
    pub evidence: String,
}

impl Eval {
    pub(super) fn new(met: Option<bool>, evidence: impl Into<String>) -> Eval {
        Eval {
            met,
            progress: None,
            evidence: evidence.into(),
        }
    }

    pub(super) fn unknown(evidence: impl Into<String>) -> Eval {
        Eval::new(None, evidence)
    }
}

/// Camunda's own indices (the schema manager creates them; a restore over them fails).
pub fn is_camunda_index(name: &str) -> bool {
    [
        "camunda-",
        "operate-",
        "tasklist-",
        "zeebe-record",
        "optimize-",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

pub(super) fn region_name(v: &ClusterView, r: Region) -> String {
    v.region(r)
        .map(|x| format!("region{r} {}", x.name))
        .unwrap_or_else(|| format!("region{r}"))
}

/// The region the ids belong to and the one that survives them.
fn survivor_of(v: &ClusterView, ids: &[BrokerId]) -> Region {
    ids.first()
        .and_then(|b| v.region_of(*b))
        .unwrap_or(Region::ONE)
        .other()
}

/// Why a source of a region gives no fact, and what usually fixes it.
pub fn source_problem(v: &ClusterView, r: Region, source: Source) -> String {
    let name = region_name(v, r);
    let Some(region) = v.region(r) else {
        return format!("{name}: not configured");
    };
    let Some(s) = region.sources.iter().find(|s| s.source == source) else {
        return format!(
            "{name} {}: not configured or not asked yet{}",
            source.name(),
            match source {
                Source::Topology => " (set rest_url or [regions.kube])",
                Source::Cluster | Source::Exporters => " (set management_url or [regions.kube])",
                _ => "",
            }
        );
    };
    let error = s.error.clone().unwrap_or_else(|| "no fresh answer".into());
    let hint = match s.fault.as_ref().map(SourceError::root) {
        Some(SourceError::Unauthorized { .. }) => match source {
            Source::Topology => format!(
                ": check the REST credentials ([regions.rest_auth] of region {r}: an expired or wrong password?)"
            ),
            Source::ElasticsearchHealth | Source::ElasticsearchIndices => format!(
                ": check the Elasticsearch credentials ([regions.elasticsearch_auth] of region {r})"
            ),
            _ => String::new(),
        },
        Some(SourceError::Timeout { .. }) => {
            ": it does not answer in time (slow or hanging)".into()
        }
        Some(SourceError::Connect { .. }) => {
            format!(": check its URL or port-forward for region {r}")
        }
        Some(SourceError::Malformed { .. }) => ": the answer is not what the API documents".into(),
        _ => String::new(),
    };
    format!("{name} {}: {error}{hint}", source.name())
}

/// The region whose configuration read is the one to name when it is missing: one that
/// answers (the survivor), else region 0.
pub(super) fn answering(v: &ClusterView) -> Region {
    v.regions
        .iter()
        .find(|r| r.reachable == Reach::Up)
        .map_or(Region::ZERO, |r| r.id)
}

pub(super) fn pending(v: &ClusterView) -> Option<String> {
    v.cluster.pending_change.as_ref().map(|c| {
        format!(
            "change #{} {} pending ({}/{} operations)",
            c.id, c.status, c.done, c.total
        )
    })
}

fn list(ids: &[impl std::fmt::Display]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The fresh cluster configuration, or why there is none (naming the region asked).
pub(super) fn configuration(v: &ClusterView, region: Region) -> Result<Region, String> {
    v.cluster.config_from.ok_or_else(|| {
        format!(
            "no fresh cluster configuration: {}",
            source_problem(v, region, Source::Cluster)
        )
    })
}

/// Brokers the surviving region's gateway lists in a fresh topology, or why there is none.
pub(super) fn survivor_topology(
    v: &ClusterView,
    survivor: Region,
) -> Result<&Vec<BrokerId>, String> {
    v.region(survivor)
        .and_then(|r| r.gateway_brokers.as_ref())
        .ok_or_else(|| {
            format!(
                "no fresh topology from the surviving {}: {}",
                region_name(v, survivor),
                source_problem(v, survivor, Source::Topology)
            )
        })
}

pub fn evaluate(check: &Check, f: &Facts) -> Eval {
    let v = &f.view;
    match check {
        Check::RegionLost(r) => region_lost(v, *r),
        Check::BrokersRemoved(ids) => brokers_removed(v, ids),
        Check::Exporter { id, enabled } => exporter(v, id, *enabled),
        Check::ProcessingActive => processing_active(v),
        Check::TrafficAway(r) => traffic_away(v, *r),
        Check::BrokersListed(ids) => brokers_listed(v, ids),
        Check::ElasticsearchUp(r) | Check::ElasticsearchGreen(r) => {
            elasticsearch(v, *r, matches!(check, Check::ElasticsearchGreen(_)))
        }
        Check::WebappsOff(r) | Check::WebappsOn(r) => {
            webapps(f, *r, matches!(check, Check::WebappsOn(_)))
        }
        Check::RepositoryRegistered(r) => repository_registered(f, *r),
        Check::SnapshotReady(r) => snapshot_ready(f, *r),
        Check::Restored(r) => restored(f, *r),
        Check::ClusterComplete { ids, rf } => cluster_complete(v, ids, *rf),
        Check::BrokerEnv {
            region,
            name,
            value,
        } => check_kube::broker_env(
            &f.kube[*region],
            &region_name(v, *region),
            name,
            value.as_deref(),
        ),
        Check::PasswordsSynced => check_kube::passwords_synced(
            &f.kube,
            &PerRegion(Region::BOTH.map(|r| region_name(v, r))),
        ),
        Check::NamespaceClean(r) => check_kube::namespace_clean(&f.kube[*r], &region_name(v, *r)),
        Check::ZoneRemoved(zone) => super::check_zones::zone_removed(v, zone),
        Check::ZoneComplete { zone, brokers, rf } => {
            super::check_zones::zone_complete(v, zone, *brokers, *rf)
        }
        Check::LeadersIn(r) => super::check_zones::leaders_in(v, *r),
        Check::Unobservable => Eval::unknown("no API shows this"),
        Check::All(_) if !observable(check) => Eval::unknown("no API shows this"),
        Check::All(checks) => all_of(checks, f),
    }
}

/// The evaluation with the pending change's progress, while one is pending.
pub(super) fn with_progress(v: &ClusterView, mut e: Eval) -> Eval {
    e.progress = v.cluster.pending_change.as_ref().map(|c| (c.done, c.total));
    e
}

/// None of `ids` is a member any more and no change is pending.
fn brokers_removed(v: &ClusterView, ids: &[BrokerId]) -> Eval {
    if let Err(e) = configuration(v, survivor_of(v, ids)) {
        return Eval::unknown(e);
    }
    if let Some(p) = pending(v) {
        return with_progress(v, Eval::new(Some(false), p));
    }
    let still: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| ids.contains(&b.id) && b.member == Some(true))
        .map(|b| b.id)
        .collect();
    if still.is_empty() {
        Eval::new(
            Some(true),
            format!(
                "brokers {} are no members; cluster size {}, replication factor {}",
                list(ids),
                v.cluster.size.map_or("?".into(), |s| s.to_string()),
                v.cluster
                    .replication_factor
                    .map_or("?".into(), |s| s.to_string())
            ),
        )
    } else {
        Eval::new(
            Some(false),
            format!("brokers {} are still members", list(&still)),
        )
    }
}

/// The exporter shows the wanted state in a fresh configuration, no change pending.
fn exporter(v: &ClusterView, id: &str, enabled: bool) -> Eval {
    let want = if enabled {
        ExporterState::Enabled
    } else {
        ExporterState::Disabled
    };
    let asked = crate::api::exporter_region(id).map_or(Region::ZERO, Region::other);
    if v.cluster.exporters_from.is_none() {
        return Eval::unknown(format!(
            "exporters not known: {}",
            source_problem(v, asked, Source::Exporters)
        ));
    }
    if let Err(e) = configuration(v, asked) {
        return Eval::unknown(e);
    }
    let Some(e) = v.exporters.iter().find(|e| e.id == id) else {
        return Eval::new(Some(false), format!("exporter {id} not listed"));
    };
    if let Some(p) = pending(v) {
        return with_progress(v, Eval::new(Some(false), format!("{id} {}; {p}", e.status)));
    }
    Eval::new(Some(e.status == want), format!("{id} {}", e.status))
}

/// Every partition can commit.
fn processing_active(v: &ClusterView) -> Eval {
    let n = v.partitions.len();
    let q = v.partitions_with_quorum();
    let met = match v.processing {
        Processing::Active => Some(true),
        Processing::Unknown => None,
        _ => Some(false),
    };
    Eval {
        met,
        progress: Some((q, n)),
        evidence: format!("{q}/{n} partitions have quorum"),
    }
}

/// DNS no longer sends users to the region.
fn traffic_away(v: &ClusterView, r: Region) -> Eval {
    match &v.traffic.observed {
        Some(to) if to.is_empty() => {
            Eval::new(Some(false), "DNS answers no known region's address")
        }
        Some(to) => Eval::new(
            Some(!to.contains(&r)),
            format!(
                "DNS sends users to {}",
                to.iter()
                    .map(|x| region_name(v, *x))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ),
        None => Eval::unknown(
            v.traffic
                .error
                .clone()
                .unwrap_or_else(|| "DNS not checked".into()),
        ),
    }
}

/// The brokers are in a fresh topology.
fn brokers_listed(v: &ClusterView, ids: &[BrokerId]) -> Eval {
    if v.regions.iter().all(|r| r.gateway_brokers.is_none()) {
        return Eval::unknown(format!(
            "no fresh topology from either region: {}",
            source_problem(v, survivor_of(v, ids), Source::Topology)
        ));
    }
    let listed: Vec<BrokerId> = ids
        .iter()
        .copied()
        .filter(|id| {
            v.brokers
                .iter()
                .any(|b| b.id == *id && b.reachable == Some(true))
        })
        .collect();
    Eval {
        met: Some(listed.len() == ids.len()),
        progress: Some((listed.len(), ids.len())),
        evidence: format!(
            "{}/{} of brokers {} in the topology",
            listed.len(),
            ids.len(),
            list(ids)
        ),
    }
}

/// The region's Elasticsearch is green (or, unless `green`, yellow).
fn elasticsearch(v: &ClusterView, r: Region, green: bool) -> Eval {
    let status = v
        .region(r)
        .map(|x| x.elasticsearch.status.clone())
        .unwrap_or(ElasticsearchStatus::Unknown);
    let ok = if green {
        status == ElasticsearchStatus::Green
    } else {
        matches!(
            status,
            ElasticsearchStatus::Green | ElasticsearchStatus::Yellow
        )
    };
    let met = match status {
        ElasticsearchStatus::Unknown | ElasticsearchStatus::NotConfigured => None,
        _ => Some(ok),
    };
    Eval::new(met, format!("{} Elasticsearch {status}", region_name(v, r)))
}

/// Operate and Tasklist run (`want`) or not in the region.
fn webapps(f: &Facts, r: Region, want: bool) -> Eval {
    let v = &f.view;
    match f.webapps[r] {
        Some(on) => Eval::new(
            Some(on == want),
            format!(
                "{}: Operate/Tasklist {}",
                region_name(v, r),
                if on { "running" } else { "off" }
            ),
        ),
        None => Eval::unknown(format!(
            "{}: cannot see Operate/Tasklist",
            region_name(v, r)
        )),
    }
}

/// The snapshot repository is registered in the region.
fn repository_registered(f: &Facts, r: Region) -> Eval {
    let v = &f.view;
    let e = &f.es[r];
    Eval::new(
        e.repository,
        match e.repository {
            Some(true) => format!("{}: repository registered", region_name(v, r)),
            Some(false) => format!("{}: repository not registered", region_name(v, r)),
            None => format!("{}: cannot ask Elasticsearch", region_name(v, r)),
        },
    )
}

/// The run's snapshot is in the region's repository and succeeded.
fn snapshot_ready(f: &Facts, r: Region) -> Eval {
    let v = &f.view;
    match &f.es[r].snapshot {
        Some(Ok(Some(s))) => {
            let failed = s.shards.as_ref().map_or(0, |x| x.failed);
            let ok = s.state == SnapshotState::Success && failed == 0;
            Eval::new(
                Some(ok),
                format!(
                    "{}: snapshot {} {} ({} indices, {failed} failed shards)",
                    region_name(v, r),
                    s.snapshot,
                    s.state,
                    s.indices.len()
                ),
            )
        }
        Some(Ok(None)) => Eval::new(
            Some(false),
            format!("{}: the snapshot is not visible", region_name(v, r)),
        ),
        Some(Err(e)) => Eval::unknown(format!("{}: {e}", region_name(v, r))),
        None => Eval::unknown(format!("{}: not asked", region_name(v, r))),
    }
}

/// Every id is a member with replication factor `rf`, no change pending.
fn cluster_complete(v: &ClusterView, ids: &[BrokerId], rf: i32) -> Eval {
    if let Err(e) = configuration(v, survivor_of(v, ids)) {
        return Eval::unknown(e);
    }
    let members = v
        .brokers
        .iter()
        .filter(|b| ids.contains(&b.id) && b.member == Some(true))
        .count();
    if let Some(p) = pending(v) {
        return with_progress(v, Eval::new(Some(false), p));
    }
    let rf_now = v.cluster.replication_factor;
    Eval {
        met: Some(members == ids.len() && rf_now == Some(rf)),
        progress: Some((members, ids.len())),
        evidence: format!(
            "{members}/{} brokers are members, replication factor {}",
            ids.len(),
            rf_now.map_or("?".into(), |x| x.to_string())
        ),
    }
}

/// Every observable part met; what no API shows is left to the operator.
fn all_of(checks: &[Check], f: &Facts) -> Eval {
    // What no API shows is confirmed by the operator, not waited for.
    let evals: Vec<Eval> = checks
        .iter()
        .filter(|c| observable(c))
        .map(|c| evaluate(c, f))
        .collect();
    let met = if evals.iter().any(|e| e.met == Some(false)) {
        Some(false)
    } else if evals.iter().all(|e| e.met == Some(true)) {
        Some(true)
    } else {
        None
    };
    Eval {
        met,
        progress: evals.iter().find_map(|e| e.progress),
        evidence: evals
            .iter()
            .map(|e| e.evidence.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A region is lost when its Camunda endpoints do not answer c8dr, the surviving region's
/// fresh topology lacks its brokers, and the partitions that still have replicas there cannot
/// commit (dual-region-procedure.md §6.1). Each part is read, never assumed.
fn region_lost(v: &ClusterView, r: Region) -> Eval {
    let name = region_name(v, r);
    let s = r.other();
    let Some(region) = v.region(r) else {
        return Eval::unknown(format!("{name} is not configured"));
    };
    match region.reachable {
        Reach::Up => return Eval::new(Some(false), format!("{name} answers")),
        Reach::Unknown => {
            return Eval::unknown(format!("cannot tell whether {name} answers: not asked yet"));
        }
        Reach::Down => {}
    }
    let listed = match survivor_topology(v, s) {
        Ok(l) => l,
        Err(e) => return Eval::unknown(format!("{name} does not answer c8dr, but {e}")),
    };
    let present: Vec<BrokerId> = listed
        .iter()
        .copied()
        .filter(|id| v.region_of(*id) == Some(r))
        .collect();
    if !present.is_empty() {
        return Eval::new(
            Some(false),
            format!(
                "{name} does not answer c8dr, but {}'s gateway lists its brokers {}: the region runs",
                region_name(v, s),
                list(&present)
            ),
        );
    }
    if let Err(e) = configuration(v, s) {
        return Eval::unknown(format!(
            "{name} does not answer and its brokers are gone from {}'s topology, but {e}",
            region_name(v, s)
        ));
    }
    let with_replicas: Vec<&crate::model::PartitionView> = v
        .partitions
        .iter()
        .filter(|p| p.replicas.iter().any(|b| v.region_of(*b) == Some(r)))
        .collect();
    if with_replicas.iter().any(|p| p.has_quorum.is_none()) {
        return Eval::unknown(format!(
            "{name} does not answer, but the quorum of its partitions cannot be told"
        ));
    }
    let committing: Vec<i32> = with_replicas
        .iter()
        .filter(|p| p.has_quorum == Some(true))
        .map(|p| p.id)
        .collect();
    if !committing.is_empty() {
        return Eval::new(
            Some(false),
            format!(
                "{name} does not answer c8dr, but partitions {} with replicas there still commit: not a region loss",
                list(&committing)
            ),
        );
    }
    Eval::new(
        Some(true),
        format!(
            "{name} does not answer ({}); {}'s fresh topology lists brokers {} and none of {name}'s; {} partitions with replicas there cannot commit",
            region
                .last_error
                .clone()
                .unwrap_or_else(|| "no answer".into()),
            region_name(v, s),
            list(listed),
            with_replicas.len()
        ),
    )
}

/// The snapshot's indices are in the region with the snapshot's data: at least the documents
/// the survivor held just before the snapshot, or this run's restore answered success.
/// Indices that exist without that data (the schema-manager trap) are not a restore.
fn restored(f: &Facts, r: Region) -> Eval {
    let v = &f.view;
    let name = region_name(v, r);
    let snap = f.es.values().find_map(|e| match &e.snapshot {
        Some(Ok(Some(s))) => Some(s),
        _ => None,
    });
    let Some(snap) = snap else {
        return Eval::unknown(format!("{name}: the run's snapshot is not visible"));
    };
    let Some(have) = &f.es[r].indices else {
        return Eval::unknown(format!(
            "{name}: cannot list the Elasticsearch indices{}",
            f.es[r]
                .indices_error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    };
    let total = snap.indices.len();
    let present: Vec<&String> = snap
        .indices
        .iter()
        .filter(|i| have.contains_key(*i))
        .collect();
    if present.len() < total || total == 0 {
        return Eval {
            met: Some(false),
            progress: Some((present.len(), total)),
            evidence: format!(
                "{name}: {}/{total} indices of the snapshot present",
                present.len()
            ),
        };
    }
    match &f.run.snapshot_docs {
        Some(expected) => {
            let short: Vec<(String, u64, u64)> = snap
                .indices
                .iter()
                .filter_map(|i| {
                    let want = expected.get(i).copied().unwrap_or(0);
                    let got = have.get(i).copied().flatten().unwrap_or(0);
                    (got < want).then(|| (i.clone(), got, want))
                })
                .collect();
            let want: u64 = expected.values().sum();
            let got: u64 = snap
                .indices
                .iter()
                .filter_map(|i| have.get(i).copied().flatten())
                .sum();
            if short.is_empty() {
                Eval {
                    met: Some(true),
                    progress: Some((total, total)),
                    evidence: format!(
                        "{name}: {total}/{total} indices of the snapshot with their documents ({got} ≥ {want} before the snapshot)"
                    ),
                }
            } else {
                Eval {
                    met: Some(false),
                    progress: Some((total - short.len(), total)),
                    evidence: format!(
                        "{name}: {total}/{total} indices present but {} hold fewer documents than the snapshot ({got} of {want}; e.g. {} {}/{})",
                        short.len(),
                        short[0].0,
                        short[0].1,
                        short[0].2
                    ),
                }
            }
        }
        None if f.run.restore_finished => Eval {
            met: Some(true),
            progress: Some((total, total)),
            evidence: format!(
                "{name}: {total}/{total} indices of the snapshot present; this run's restore finished"
            ),
        },
        None => Eval::unknown(format!(
            "{name}: {total}/{total} indices present, but c8dr cannot tell whether they hold the snapshot's data (no document counts were recorded before the snapshot and this run's restore has not finished)"
        )),
    }
}

/// Whether any part of the check can be seen through an API.
pub fn observable(c: &Check) -> bool {
    match c {
        Check::Unobservable => false,
        Check::All(v) => v.iter().any(observable),
        _ => true,
    }
}

/// Whether some part of the check can only be confirmed by the operator.
pub fn partly_unobservable(c: &Check) -> bool {
    match c {
        Check::Unobservable => true,
        Check::All(v) => v.iter().any(partly_unobservable),
        _ => false,
    }
}

/// The Camunda indices of a region the snapshot would collide with, in words for a refusal:
/// every name (up to a screenful), then how many more.
fn index_list(names: &[&String]) -> String {
    const SHOWN: usize = 40;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" … and {} more", names.len() - SHOWN));
    }
    s
}

/// A guard's answer: `Err` is the refusal in words. A guard that cannot tell refuses.
pub fn guard(g: &Guard, f: &Facts) -> Result<String, String> {
    let v = &f.view;
    match g {
        Guard::RegionUnreachable(r) => match v.region(*r).map(|x| x.reachable) {
            Some(Reach::Down) => Ok(format!("{} does not answer", region_name(v, *r))),
            Some(Reach::Up) => Err(format!(
                "{} still answers c8dr: it is not lost (a force removal would split the cluster)",
                region_name(v, *r)
            )),
            _ => Err(format!(
                "c8dr cannot tell whether {} answers",
                region_name(v, *r)
            )),
        },
        Guard::BrokersAbsent(ids) => brokers_absent(v, ids),
        Guard::NoPendingChange => no_pending_change(f),
        Guard::NoForeignChange => no_foreign_change(f),
        Guard::IdsMatchTopology { region, ids } => ids_match_topology(v, *region, ids),
        Guard::RegionReachable(r) => match v.region(*r).map(|x| x.reachable) {
            Some(Reach::Up) => Ok(format!("{} answers", region_name(v, *r))),
            _ => Err(format!("{} does not answer", region_name(v, *r))),
        },
        Guard::NoCamundaIndices(r) => no_camunda_indices(f, *r),
        Guard::ZoneAbsent(zone) => super::check_zones::zone_absent(v, zone),
        Guard::TopologyIs(kind) => super::check_zones::topology_is(v, *kind),
        Guard::NamespaceClean(r) => {
            let e = check_kube::namespace_clean(&f.kube[*r], &region_name(v, *r));
            match e.met {
                Some(true) => Ok(e.evidence),
                Some(false) => Err(e.evidence),
                None => Err(format!(
                    "cannot tell whether the namespace is clean: {}",
                    e.evidence
                )),
            }
        }
    }
}

/// None of `ids` is in the surviving gateway's fresh topology.
fn brokers_absent(v: &ClusterView, ids: &[BrokerId]) -> Result<String, String> {
    let s = survivor_of(v, ids);
    let listed = survivor_topology(v, s)
        .map_err(|e| format!("cannot tell whether brokers {} are gone: {e}", list(ids)))?;
    let present: Vec<BrokerId> = ids
        .iter()
        .copied()
        .filter(|id| listed.contains(id))
        .collect();
    if present.is_empty() {
        Ok(format!(
            "brokers {} absent from {}'s fresh topology (it lists {})",
            list(ids),
            region_name(v, s),
            list(listed)
        ))
    } else {
        Err(format!(
            "brokers {} are still in the surviving gateway's topology",
            list(&present)
        ))
    }
}

/// No change pending, unless it is this run's own.
fn no_pending_change(f: &Facts) -> Result<String, String> {
    let v = &f.view;
    match &v.cluster.pending_change {
        _ if v.cluster.config_from.is_none() => Err(format!(
            "cannot tell whether a change is pending: {}",
            source_problem(v, answering(v), Source::Cluster)
        )),
        None => Ok("no change pending".into()),
        Some(c) if f.run.own_changes.contains(&c.id) => {
            Ok(format!("change #{} pending is this run's own", c.id))
        }
        Some(_) => Err(format!(
            "{}: a new change would be rejected or collide (camunda/camunda#63506)",
            pending(v).unwrap_or_default()
        )),
    }
}

/// No change the run did not start, pending or since the run started.
fn no_foreign_change(f: &Facts) -> Result<String, String> {
    let v = &f.view;
    if v.cluster.config_from.is_none() {
        return Err(format!(
            "cannot tell which changes the cluster made: {}",
            source_problem(v, answering(v), Source::Cluster)
        ));
    }
    if let Some(c) = &v.cluster.pending_change
        && !f.run.own_changes.contains(&c.id)
    {
        return Err(format!(
            "change #{} ({}) is pending and this run did not start it: another operator or c8dr may be acting on the cluster",
            c.id, c.status
        ));
    }
    match (&v.cluster.last_change, f.run.baseline_change) {
        (Some(l), Some(base))
            if l.id > base
                && !f.run.own_changes.contains(&l.id)
                && !f.run.cancelled.contains(&l.id) =>
        {
            Err(format!(
                "change #{} ({}) happened since this run started (at #{base}) and this run did not start it: another operator or c8dr acted on the cluster; look before forcing",
                l.id, l.status
            ))
        }
        _ => Ok("no change by anyone else since the run started".into()),
    }
}

/// The ids the run removes are still the region's members, and the other region keeps some.
fn ids_match_topology(v: &ClusterView, region: Region, ids: &[BrokerId]) -> Result<String, String> {
    configuration(v, region.other()).map_err(|e| format!("cannot confirm the ids: {e}"))?;
    let members: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| b.member == Some(true))
        .map(|b| b.id)
        .collect();
    let now = super::plan::ids_of_region(&v.zones, members.iter().copied(), region);
    let others = super::plan::ids_of_region(&v.zones, members.iter().copied(), region.other());
    if members.is_empty() {
        Err("the cluster configuration lists no members: cannot confirm the ids".into())
    } else if others.is_empty() {
        Err(format!(
            "no broker of {} would remain",
            region_name(v, region.other())
        ))
    } else if now != ids {
        Err(format!(
            "the plan removes {} but {}'s members are now {}",
            list(ids),
            region_name(v, region),
            list(&now)
        ))
    } else {
        Ok(format!(
            "removes {} ({}), keeps {}",
            list(ids),
            region_name(v, region),
            list(&others)
        ))
    }
}

/// No Camunda indices in the region's Elasticsearch for the restore to collide with.
fn no_camunda_indices(f: &Facts, r: Region) -> Result<String, String> {
    let v = &f.view;
    match &f.es[r].indices {
        Some(names) => {
            let found: Vec<&String> = names.keys().filter(|n| is_camunda_index(n)).collect();
            if found.is_empty() {
                Ok(format!("{}: no Camunda indices", region_name(v, r)))
            } else {
                let docs: u64 = found
                    .iter()
                    .filter_map(|n| names.get(*n).copied().flatten())
                    .sum();
                // The remedy first: on a small screen the list is what gets cut.
                Err(format!(
                    "{}'s Elasticsearch already has {} Camunda indices ({docs} documents) that are not the snapshot's data: the schema manager created them (dual-region-procedure.md §4.4 FB-1: CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA must be false in the recreated region), and the restore would fail or leave the region without its history. Delete exactly these indices in {} (DELETE /<index>), or reinstall the region with the schema manager off, then retry: {}",
                    region_name(v, r),
                    found.len(),
                    region_name(v, r),
                    index_list(&found),
                ))
            }
        }
        None => Err(format!(
            "{}: cannot list the Elasticsearch indices{}",
            region_name(v, r),
            f.es[r]
                .indices_error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )),
    }
}

#[cfg(test)]
#[cfg(feature = "demo")]
mod tests {
    use super::*;
    use crate::demo::scenes;
    use c8dr_lab::sim::{Camunda, Settings, Sim};

    /// Facts from the lab's simulation (the same view the dashboard derives).
    fn facts(setup: impl FnOnce(&mut Sim)) -> Facts {
        facts_with(setup, |_| {})
    }

    /// As [`facts`], with the observations changed before the view is derived.
    fn facts_with(
        setup: impl FnOnce(&mut Sim),
        observe: impl FnOnce(&mut crate::model::Snapshot),
    ) -> Facts {
        let settings = Settings {
            camunda: Camunda::V88,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        let mut sim = Sim::new(settings, scenes::clock());
        sim.tick(std::time::Duration::from_secs(10));
        setup(&mut sim);
        sim.tick(std::time::Duration::from_secs(11));
        let now = scenes::clock() + jiff::SignedDuration::from_secs(21);
        let mut snap = scenes::observe(&sim, now);
        observe(&mut snap);
        let view = crate::model::derive(&snap, &scenes::model_config(Camunda::V88), now, None);
        Facts {
            view,
            es: Default::default(),
            webapps: PerRegion([Some(true), Some(true)]),
            kube: Default::default(),
            run: RunFacts::default(),
        }
    }

    fn fail_source(snap: &mut crate::model::Snapshot, r: Region, s: Source, error: SourceError) {
        let at = snap.regions[r]
            .topology
            .as_ref()
            .map(|o| o.at)
            .unwrap_or_else(jiff::Timestamp::now);
        let o = &mut snap.regions[r];
        match s {
            Source::Topology => o.topology = Some(crate::model::Obs::failed(at, error)),
            Source::Cluster => o.cluster = Some(crate::model::Obs::failed(at, error)),
            Source::Exporters => o.exporters = Some(crate::model::Obs::failed(at, error)),
            _ => unreachable!("not used"),
        }
    }

    #[test]
    fn a_lost_region_passes_the_force_guards_and_a_healthy_one_does_not() {
        let lost = facts(|s| s.fail_region(1));
        let e = evaluate(&Check::RegionLost(Region::ONE), &lost);
        assert_eq!(e.met, Some(true), "{}", e.evidence);
        for g in [
            Guard::RegionUnreachable(Region::ONE),
            Guard::BrokersAbsent(vec![
                BrokerId::Numbered(1),
                BrokerId::Numbered(3),
                BrokerId::Numbered(5),
                BrokerId::Numbered(7),
            ]),
            Guard::NoPendingChange,
            Guard::NoForeignChange,
            Guard::RegionReachable(Region::ZERO),
            Guard::IdsMatchTopology {
                region: Region::ONE,
                ids: vec![
                    BrokerId::Numbered(1),
                    BrokerId::Numbered(3),
                    BrokerId::Numbered(5),
                    BrokerId::Numbered(7),
                ],
            },
        ] {
            assert!(guard(&g, &lost).is_ok(), "{g:?}: {:?}", guard(&g, &lost));
        }
        let wrong = guard(
            &Guard::IdsMatchTopology {
                region: Region::ONE,
                ids: vec![BrokerId::Numbered(1), BrokerId::Numbered(3)],
            },
            &lost,
        )
        .unwrap_err();
        assert!(wrong.contains("members are now 1,3,5,7"), "{wrong}");

        let healthy = facts(|_| {});
        assert_eq!(
            evaluate(&Check::RegionLost(Region::ONE), &healthy).met,
            Some(false)
        );
        let e = guard(&Guard::RegionUnreachable(Region::ONE), &healthy).unwrap_err();
        assert!(e.contains("still answers"), "{e}");
        let e = guard(
            &Guard::BrokersAbsent(vec![BrokerId::Numbered(1), BrokerId::Numbered(3)]),
            &healthy,
        )
        .unwrap_err();
        assert!(e.contains("1,3"), "{e}");
    }

    #[test]
    fn without_the_survivors_topology_a_loss_is_unknown_and_the_guard_refuses() {
        // Defect 1: a wrong REST password on the survivor plus an unreachable region 1 must
        // not read as "brokers 1,3,5,7 absent".
        let f = facts_with(
            |_| {},
            |snap| {
                let refused = SourceError::Connect {
                    cause: Some("Connection refused".into()),
                };
                let unauthorized = SourceError::http(401, Some("Unauthorized".into()));
                fail_source(snap, Region::ZERO, Source::Topology, unauthorized);
                for s in [Source::Topology, Source::Cluster, Source::Exporters] {
                    fail_source(snap, Region::ONE, s, refused.clone());
                }
                for o in snap.regions[Region::ONE].partitions.values_mut() {
                    o.value = Err(refused.clone());
                }
            },
        );
        let e = evaluate(&Check::RegionLost(Region::ONE), &f);
        assert_eq!(e.met, None, "{}", e.evidence);
        assert!(e.evidence.contains("REST /v2/topology"), "{}", e.evidence);
        let g = guard(
            &Guard::BrokersAbsent(vec![
                BrokerId::Numbered(1),
                BrokerId::Numbered(3),
                BrokerId::Numbered(5),
                BrokerId::Numbered(7),
            ]),
            &f,
        )
        .unwrap_err();
        assert!(g.contains("HTTP 401") && g.contains("rest_auth"), "{g}");
    }

    #[test]
    fn without_a_fresh_configuration_removal_is_unknown_never_satisfied() {
        // Defect 2: the survivor's /actuator/cluster fails while region 1 is lost.
        let f = facts_with(
            |s| s.fail_region(1),
            |snap| {
                let boom = SourceError::http(500, Some("boom".into()));
                fail_source(snap, Region::ZERO, Source::Cluster, boom)
            },
        );
        let e = evaluate(
            &Check::BrokersRemoved(vec![
                BrokerId::Numbered(1),
                BrokerId::Numbered(3),
                BrokerId::Numbered(5),
                BrokerId::Numbered(7),
            ]),
            &f,
        );
        assert_eq!(e.met, None, "{}", e.evidence);
        assert!(e.evidence.contains("/actuator/cluster"), "{}", e.evidence);
        assert!(guard(&Guard::NoPendingChange, &f).is_err());
        assert!(guard(&Guard::NoForeignChange, &f).is_err());
        assert_eq!(
            evaluate(
                &Check::ClusterComplete {
                    ids: BrokerId::numbered(8).collect(),
                    rf: 4
                },
                &f
            )
            .met,
            None
        );
    }

    #[test]
    fn a_change_this_run_did_not_start_refuses_the_force() {
        let mut f = facts(|s| s.fail_region(1));
        f.run.baseline_change = Some(-1);
        // The lab's fresh cluster has no change; pretend one completed since.
        f.view.cluster.last_change = Some(crate::model::LastChangeView {
            id: 2,
            status: "COMPLETED".into(),
            completed_at: None,
        });
        let e = guard(&Guard::NoForeignChange, &f).unwrap_err();
        assert!(e.contains("#2") && e.contains("did not start"), "{e}");
        f.run.own_changes.insert(2);
        assert!(guard(&Guard::NoForeignChange, &f).is_ok());
    }

    #[test]
    fn a_change_this_run_cancelled_is_no_foreign_change() {
        let mut f = facts(|s| s.fail_region(1));
        f.run.baseline_change = Some(-1);
        f.view.cluster.last_change = Some(crate::model::LastChangeView {
            id: 3,
            status: "CANCELLED".into(),
            completed_at: None,
        });
        assert!(guard(&Guard::NoForeignChange, &f).is_err());
        f.run.cancelled.insert(3);
        assert!(guard(&Guard::NoForeignChange, &f).is_ok());
    }

    #[test]
    fn removal_and_exporter_checks_follow_the_cluster() {
        let lost = facts(|s| s.fail_region(1));
        assert_eq!(
            evaluate(
                &Check::BrokersRemoved(vec![
                    BrokerId::Numbered(1),
                    BrokerId::Numbered(3),
                    BrokerId::Numbered(5),
                    BrokerId::Numbered(7)
                ]),
                &lost
            )
            .met,
            Some(false)
        );
        let e = evaluate(
            &Check::Exporter {
                id: "camundaregion1".into(),
                enabled: false,
            },
            &lost,
        );
        assert_eq!(e.met, Some(false), "{}", e.evidence);
        let p = evaluate(&Check::ProcessingActive, &lost);
        assert_eq!((p.met, p.progress), (Some(false), Some((0, 8))));
        let healthy = facts(|_| {});
        assert_eq!(
            evaluate(
                &Check::ClusterComplete {
                    ids: BrokerId::numbered(8).collect(),
                    rf: 4
                },
                &healthy
            )
            .met,
            Some(true)
        );
        assert_eq!(evaluate(&Check::Unobservable, &healthy).met, None);
        // What no API shows is left to the operator, the rest is still judged.
        let mixed = Check::All(vec![Check::WebappsOn(Region::ZERO), Check::Unobservable]);
        assert!(observable(&mixed) && partly_unobservable(&mixed));
        assert_eq!(evaluate(&mixed, &healthy).met, Some(true));
        let none = Check::All(vec![Check::Unobservable, Check::Unobservable]);
        assert!(!observable(&none));
        assert_eq!(evaluate(&none, &healthy).met, None);
    }

    #[test]
    fn elasticsearch_checks_compare_the_snapshot_with_the_indices_and_their_documents() {
        use crate::api::elasticsearch::{SnapshotInfo, SnapshotState};
        let mut f = facts(|_| {});
        let snap: SnapshotInfo = serde_json::from_value(serde_json::json!({
            "snapshot": "failback-r1", "indices": ["operate-list-view-8.3.0_", "tasklist-task-8.8.0_"],
            "state": "SUCCESS", "shards": {"total": 2, "failed": 0, "successful": 2}
        }))
        .unwrap();
        assert_eq!(snap.state, SnapshotState::Success);
        f.es[Region::ZERO].snapshot = Some(Ok(Some(snap)));
        f.es[Region::ONE].snapshot = Some(Ok(None));
        let indices = |v: &[(&str, Option<u64>)]| {
            Some(
                v.iter()
                    .map(|(n, d)| (n.to_string(), *d))
                    .collect::<BTreeMap<_, _>>(),
            )
        };
        f.es[Region::ONE].indices = indices(&[("operate-list-view-8.3.0_", Some(10))]);
        assert_eq!(
            evaluate(&Check::SnapshotReady(Region::ZERO), &f).met,
            Some(true)
        );
        assert_eq!(
            evaluate(&Check::SnapshotReady(Region::ONE), &f).met,
            Some(false)
        );
        let r = evaluate(&Check::Restored(Region::ONE), &f);
        assert_eq!((r.met, r.progress), (Some(false), Some((1, 2))));
        let e = guard(&Guard::NoCamundaIndices(Region::ONE), &f).unwrap_err();
        assert!(
            e.contains("schema") && e.contains("operate-list-view-8.3.0_"),
            "{e}"
        );

        // Defect 7: every index present but empty is not a restore.
        f.es[Region::ONE].indices = indices(&[
            ("operate-list-view-8.3.0_", Some(0)),
            ("tasklist-task-8.8.0_", Some(0)),
        ]);
        let r = evaluate(&Check::Restored(Region::ONE), &f);
        assert_eq!(
            r.met, None,
            "without counts c8dr cannot tell: {}",
            r.evidence
        );
        f.run.snapshot_docs = Some(BTreeMap::from([
            ("operate-list-view-8.3.0_".to_string(), 500),
            ("tasklist-task-8.8.0_".to_string(), 20),
        ]));
        let r = evaluate(&Check::Restored(Region::ONE), &f);
        assert_eq!(r.met, Some(false), "{}", r.evidence);
        assert!(r.evidence.contains("fewer documents"), "{}", r.evidence);
        f.es[Region::ONE].indices = indices(&[
            ("operate-list-view-8.3.0_", Some(510)),
            ("tasklist-task-8.8.0_", Some(20)),
        ]);
        assert_eq!(evaluate(&Check::Restored(Region::ONE), &f).met, Some(true));
        f.run.snapshot_docs = None;
        f.run.restore_finished = true;
        assert_eq!(evaluate(&Check::Restored(Region::ONE), &f).met, Some(true));

        f.es[Region::ONE].indices = indices(&[(".kibana", Some(3))]);
        assert!(guard(&Guard::NoCamundaIndices(Region::ONE), &f).is_ok());
        f.es[Region::ONE].indices = None;
        assert!(
            guard(&Guard::NoCamundaIndices(Region::ONE), &f).is_err(),
            "unknown is no pass"
        );
    }
}
