//! The verdict: one level and reasons in words an operator acts on, most important first.
//!
//! It never says OK when it cannot know: missing facts (a source that fails, no fresh
//! topology), contradictions (gateways that disagree, garbled answers) and replicas that
//! report `dead` make it unknown or worse. A region whose endpoints fail is called lost only
//! when the other region's fresh topology lacks its brokers; if that topology still lists
//! them, the region runs and it is c8dr that cannot reach it.

use super::view::*;
use super::words::*;
use crate::api::{BrokerId, Region};

fn list(ids: &[impl std::fmt::Display]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn since(v: &RegionView, now: jiff::Timestamp) -> String {
    v.unreachable_since
        .as_deref()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| format!(" for {} s", now.duration_since(t).as_secs().max(0)))
        .unwrap_or_default()
}

/// What c8dr can say about a region whose Camunda endpoints fail.
enum Unreachable {
    /// The other region's fresh topology lacks its brokers: lost.
    Lost,
    /// The other region's gateway still lists these of its brokers: it runs.
    Seen(Vec<BrokerId>),
    /// No fresh topology from the other region: cannot tell.
    Unconfirmed,
}

fn unreachable(v: &ClusterView, r: &RegionView) -> Unreachable {
    let other = v.region(r.id.other());
    match other.and_then(|o| o.gateway_brokers.as_ref()) {
        Some(listed) => {
            let seen: Vec<BrokerId> = listed
                .iter()
                .copied()
                .filter(|id| id.region() == r.id)
                .collect();
            if seen.is_empty() {
                Unreachable::Lost
            } else {
                Unreachable::Seen(seen)
            }
        }
        None => Unreachable::Unconfirmed,
    }
}

/// Reasons by level, each list in the order it was found.
#[derive(Default)]
struct Reasons {
    critical: Vec<String>,
    unknown: Vec<String>,
    warning: Vec<String>,
}

/// "region1 paris".
fn name(v: &ClusterView, r: Region) -> String {
    format!(
        "region{r} {}",
        v.region(r).map(|x| x.name.as_str()).unwrap_or("")
    )
}

/// Judges a view.
pub fn judge(v: &ClusterView, now: jiff::Timestamp) -> Verdict {
    if v.regions.iter().all(|r| r.reachable != Reach::Up) {
        return nothing_answers(v);
    }
    let mut reasons = Reasons::default();
    let lost = unreachable_regions(v, now, &mut reasons);
    quorum(v, &lost, &mut reasons);
    blind_spots(v, now, &mut reasons);
    brokers(v, &mut reasons);
    exporters(v, &lost, &mut reasons);
    changes_and_elasticsearch(v, &mut reasons);
    traffic(v, &lost, &mut reasons);
    conclude(v, reasons)
}

fn nothing_answers(v: &ClusterView) -> Verdict {
    let why = v
        .regions
        .iter()
        .map(|r| {
            format!(
                "{}: {}",
                name(v, r.id),
                r.last_error.as_deref().unwrap_or("no answer yet")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Verdict {
        level: Level::Unknown,
        reasons: vec![format!("no region answers: {why}")],
    }
}

/// Regions that do not answer: lost when the other region's topology confirms it, else
/// unknown. Returns the lost ones.
fn unreachable_regions<'v>(
    v: &'v ClusterView,
    now: jiff::Timestamp,
    out: &mut Reasons,
) -> Vec<&'v RegionView> {
    let mut lost: Vec<&RegionView> = vec![];
    for r in v.regions.iter().filter(|r| r.reachable == Reach::Down) {
        let error = r.last_error.as_deref().unwrap_or("no answer");
        match unreachable(v, r) {
            Unreachable::Seen(ids) => out.unknown.push(format!(
                "c8dr cannot reach {}'s Camunda endpoints{} ({error}), but {}'s gateway lists its brokers {}: the region runs; check c8dr's access to it (network, port-forward, credentials)",
                name(v, r.id),
                since(r, now),
                name(v, r.id.other()),
                list(&ids)
            )),
            Unreachable::Unconfirmed => out.unknown.push(format!(
                "{} unreachable{} ({error}); c8dr cannot confirm a region loss without a fresh topology from {}",
                name(v, r.id),
                since(r, now),
                name(v, r.id.other())
            )),
            Unreachable::Lost => lost.push(r),
        }
    }
    for r in &lost {
        region_lost(v, r, now, out);
    }
    lost
}

/// A lost region: critical when processing halted, else a warning naming what is missing.
fn region_lost(v: &ClusterView, r: &RegionView, now: jiff::Timestamp, out: &mut Reasons) {
    let total = v.partitions.len();
    let without = without_quorum(v).len();
    let members_there: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| b.region == r.id && b.member == Some(true))
        .map(|b| b.id)
        .collect();
    if members_there.is_empty() && r.brokers_expected == 0 {
        out.warning.push(format!(
            "{} unreachable{} (no cluster members there)",
            name(v, r.id),
            since(r, now)
        ));
        return;
    }
    let text = match v.processing {
        Processing::Halted => format!(
            "{} unreachable{}; {without}/{total} partitions without quorum; processing halted; fail over (F, or c8dr failover --lost {})",
            name(v, r.id),
            since(r, now),
            r.name
        ),
        _ if members_there.is_empty() => format!(
            "{} unreachable{}; its {} brokers missing",
            name(v, r.id),
            since(r, now),
            r.brokers_expected
        ),
        _ => format!(
            "{} unreachable{}; brokers {} missing",
            name(v, r.id),
            since(r, now),
            list(&members_there)
        ),
    };
    if v.processing == Processing::Halted {
        out.critical.push(text);
    } else {
        out.warning.push(text);
    }
}

fn without_quorum(v: &ClusterView) -> Vec<i32> {
    v.partitions
        .iter()
        .filter(|p| p.has_quorum == Some(false))
        .map(|p| p.id)
        .collect()
}

/// Dead replicas, partitions without quorum, partitions without a leader.
fn quorum(v: &ClusterView, lost: &[&RegionView], out: &mut Reasons) {
    let total = v.partitions.len();
    let without = without_quorum(v);
    // Replicas that report dead cannot process, whatever else is true.
    let dead: Vec<i32> = v
        .partitions
        .iter()
        .filter(|p| p.health == ReplicaHealth::Dead)
        .map(|p| p.id)
        .collect();
    if !dead.is_empty() {
        out.critical.push(format!(
            "partitions {} report health dead: they do not process (read the brokers' logs)",
            list(&dead)
        ));
    }
    let none_down = v.regions.iter().all(|r| r.reachable != Reach::Down);
    match v.processing {
        Processing::Halted if none_down && dead.len() < total => out.critical.push(format!(
            "{}/{total} partitions without quorum; processing halted although both regions answer: brokers cannot reach each other (network split between regions?)",
            without.len()
        )),
        Processing::Degraded => out.critical.push(format!(
            "{}/{total} partitions without quorum (partitions {}); processing degraded",
            without.len(),
            list(&without)
        )),
        Processing::Unknown if lost.is_empty() => out
            .unknown
            .push("processing unknown: no fresh topology from either region".into()),
        _ => {}
    }
    // A live majority but no leader: nothing is processed there either.
    let leaderless: Vec<i32> = v
        .partitions
        .iter()
        .filter(|p| {
            p.has_quorum == Some(true) && p.leader.is_none() && p.health != ReplicaHealth::Dead
        })
        .map(|p| p.id)
        .collect();
    if leaderless.is_empty() {
        return;
    }
    if leaderless.len() == total {
        out.critical.push(
            "no partition has a leader although their replicas answer: nothing is processed (elections failing?)".into(),
        );
    } else {
        out.warning.push(format!(
            "partitions {} have no leader (election in progress?)",
            list(&leaderless)
        ));
    }
}

/// What c8dr cannot see: sources that fail in a region that answers, gateways that
/// contradict each other, garbled answers.
fn blind_spots(v: &ClusterView, now: jiff::Timestamp, out: &mut Reasons) {
    for r in v.regions.iter().filter(|r| r.reachable == Reach::Up) {
        for s in r.sources.iter().filter(|s| {
            !s.ok
                && matches!(
                    s.source,
                    super::Source::Topology | super::Source::Cluster | super::Source::Exporters
                )
        }) {
            out.unknown.push(format!(
                "{}: {} fails{} ({})",
                name(v, r.id),
                s.name,
                s.failing_since
                    .as_deref()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                    .map(|t| format!(" for {} s", now.duration_since(t).as_secs().max(0)))
                    .unwrap_or_default(),
                s.error.as_deref().unwrap_or("no answer")
            ));
        }
    }
    if let (Some(a), Some(b)) = (v.region(Region::ZERO), v.region(Region::ONE))
        && let (Some(la), Some(lb)) = (&a.gateway_brokers, &b.gateway_brokers)
    {
        for (x, lx, ly) in [(a, la, lb), (b, lb, la)] {
            if lx.is_empty() && !ly.is_empty() {
                out.unknown.push(format!(
                    "{}'s gateway lists no brokers while {}'s lists {}: its view cannot be trusted",
                    name(v, x.id),
                    name(v, x.id.other()),
                    ly.len()
                ));
            }
        }
    }
    for r in v.regions.iter() {
        if r.gateway_brokers.as_ref().is_some_and(Vec::is_empty)
            && v.region(r.id.other())
                .is_none_or(|o| o.gateway_brokers.is_none())
        {
            out.unknown
                .push(format!("{}'s gateway lists no brokers", name(v, r.id)));
        }
    }
    out.unknown.extend(v.anomalies.iter().cloned());
}

/// Brokers missing while their region answers or running outside the cluster, partitions at
/// their last spare replica, a reduced replication factor.
fn brokers(v: &ClusterView, out: &mut Reasons) {
    let missing: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| b.member == Some(true) && b.reachable == Some(false))
        .filter(|b| v.region(b.region).is_some_and(|r| r.reachable == Reach::Up))
        .map(|b| b.id)
        .collect();
    if !missing.is_empty() {
        out.warning.push(format!(
            "brokers {} are members but in no topology",
            list(&missing)
        ));
    }
    let outside: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| b.member == Some(false) && b.reachable == Some(true))
        .map(|b| b.id)
        .collect();
    if !outside.is_empty() {
        out.warning.push(format!(
            "brokers {} run but are not cluster members (a recreated region waiting to be added back: failback)",
            list(&outside)
        ));
    }
    if v.processing != Processing::Halted {
        last_spare(v, out);
    }
    if let Some(rf) = v.cluster.replication_factor
        && rf < 4
        && v.processing != Processing::Halted
    {
        out.warning.push(format!(
            "replication factor {rf}: a further broker loss can stop processing; restore two regions (failback)"
        ));
    }
}

/// The upgrade watch: a partition at its last spare replica stops at the next broker down.
fn last_spare(v: &ClusterView, out: &mut Reasons) {
    let last: Vec<&PartitionView> = v
        .partitions
        .iter()
        .filter(|p| p.has_quorum == Some(true) && p.spare == Some(0))
        .collect();
    if last.is_empty() {
        return;
    }
    let mut brokers: Vec<BrokerId> = last
        .iter()
        .flat_map(|p| p.live_replicas.iter().copied())
        .collect();
    brokers.sort();
    brokers.dedup();
    let ids: Vec<i32> = last.iter().map(|p| p.id).collect();
    out.warning.push(format!(
        "partitions {} at their last spare replica: one more of brokers {} down stops them (restart brokers one at a time)",
        list(&ids),
        list(&brokers)
    ));
}

/// Exporters that do not match their region's state, paused exporting, a growing lag.
fn exporters(v: &ClusterView, lost: &[&RegionView], out: &mut Reasons) {
    if v.cluster.exporters_from.is_some() && v.exporters.is_empty() {
        out.warning.push(
            "no exporters configured: no records reach Elasticsearch (a dual-region cluster exports to one Elasticsearch per region)".into(),
        );
    }
    for e in &v.exporters {
        let Some(r) = e.region else { continue };
        let reach = v.region(r).map(|x| x.reachable).unwrap_or(Reach::Unknown);
        let region_lost = lost.iter().any(|l| l.id == r);
        match (&e.status, reach) {
            (ExporterState::Enabled, Reach::Down) if region_lost => out.warning.push(format!(
                "exporter {} is ENABLED but {} is unreachable: disable it (failover step 2) or the log cannot be compacted",
                e.id,
                name(v, r)
            )),
            (ExporterState::Disabled, Reach::Up) if !e.legacy => out.warning.push(format!(
                "exporter {} is DISABLED while {} answers: its Elasticsearch gets no records (failback: enable it with initializeFrom)",
                e.id,
                name(v, r)
            )),
            (ExporterState::Enabling | ExporterState::Disabling | ExporterState::Unknown, _) => {
                out.warning.push(format!("exporter {} is {}", e.id, e.status))
            }
            _ => {}
        }
    }
    match v.exporting {
        Exporting::Paused => out.warning.push("exporting is paused: resume it (POST /actuator/exporting/resume) when the backup is done".into()),
        Exporting::Mixed => out.warning.push("exporting is paused on some partitions only: resume it".into()),
        _ => {}
    }
    if v.export.lag_growing {
        out.warning.push(format!(
            "export lag {} and growing: the log cannot be compacted and disks fill",
            v.export.lag.unwrap_or(0)
        ));
    }
}

/// A topology change in progress or one that did not complete; an Elasticsearch that is
/// not green in a region that answers.
fn changes_and_elasticsearch(v: &ClusterView, out: &mut Reasons) {
    if let Some(c) = &v.cluster.pending_change {
        out.warning.push(format!(
            "topology change #{} in progress ({}/{} operations{})",
            c.id,
            c.done,
            c.total,
            c.next
                .as_deref()
                .map(|n| format!(", next {n}"))
                .unwrap_or_default()
        ));
    }
    if let Some(l) = &v.cluster.last_change
        && l.status != ChangeState::Completed
    {
        out.warning
            .push(format!("last topology change #{} ended {}", l.id, l.status));
    }
    for r in &v.regions {
        match &r.elasticsearch.status {
            ElasticsearchStatus::Green
            | ElasticsearchStatus::NotConfigured
            | ElasticsearchStatus::Unknown => {}
            ElasticsearchStatus::Unreachable if r.reachable == Reach::Down => {}
            other => out
                .warning
                .push(format!("{} Elasticsearch is {other}", name(v, r.id))),
        }
    }
}

/// User traffic where it should not go: to a lost region (critical), or not as configured.
fn traffic(v: &ClusterView, lost: &[&RegionView], out: &mut Reasons) {
    let (Some(obs), Some(false)) = (&v.traffic.observed, v.traffic.agrees) else {
        return;
    };
    let to_lost: Vec<Region> = obs
        .iter()
        .copied()
        .filter(|r| lost.iter().any(|l| l.id == *r))
        .collect();
    let shown: Vec<String> = obs.iter().map(|r| name(v, *r)).collect();
    if !to_lost.is_empty() {
        out.critical.push(format!(
            "user traffic still goes to unreachable {}: move it (DNS now answers {})",
            to_lost
                .iter()
                .map(|r| name(v, *r))
                .collect::<Vec<_>>()
                .join(" and "),
            shown.join(", ")
        ));
    } else if v.traffic.mode == TrafficMode::ActivePassive {
        out.warning.push(format!(
            "user traffic goes to {} but the primary is {}",
            if shown.is_empty() {
                "no region".to_string()
            } else {
                shown.join(" and ")
            },
            name(v, v.traffic.primary)
        ));
    } else {
        out.warning
            .push(format!("user traffic goes to {} only", shown.join(" and ")));
    }
}

/// The level is the worst list that has reasons; OK only when processing is active.
fn conclude(v: &ClusterView, r: Reasons) -> Verdict {
    let total = v.partitions.len();
    let level = if !r.critical.is_empty() {
        Level::Critical
    } else if !r.unknown.is_empty() {
        Level::Unknown
    } else if !r.warning.is_empty() {
        Level::Warning
    } else if v.processing == Processing::Active {
        Level::Ok
    } else {
        Level::Unknown
    };
    let mut reasons = r.critical;
    reasons.extend(r.unknown);
    reasons.extend(r.warning);
    if reasons.is_empty() {
        reasons.push(match level {
            Level::Ok => format!(
                "processing active: {total}/{total} partitions with quorum; both regions answer"
            ),
            _ => "processing unknown".to_string(),
        });
    }
    Verdict { level, reasons }
}
