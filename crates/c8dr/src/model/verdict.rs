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
                .filter(|id| v.region_of(*id) == Some(r.id))
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

/// Reasons of one level, in the order they were found.
#[derive(Default)]
struct List(Vec<Reason>);

impl List {
    fn push(&mut self, r: impl Into<Reason>) {
        self.0.push(r.into());
    }

    fn extend(&mut self, texts: impl IntoIterator<Item = String>) {
        self.0.extend(texts.into_iter().map(Reason::from));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reasons by level, each list in the order it was found.
#[derive(Default)]
struct Reasons {
    critical: List,
    unknown: List,
    warning: List,
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
    unknown_health(v, &mut reasons);
    topology_kind(v, &mut reasons);
    blind_spots(v, now, &mut reasons);
    // What to do about the exporters comes before what to watch about the brokers.
    exporters(v, &lost, &mut reasons);
    brokers(v, &mut reasons);
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
    let reason = format!("no region answers: {why}");
    Verdict {
        level: Level::Unknown,
        reasons: vec![reason.clone()],
        detail: vec![reason.into()],
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
    let members_there: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| b.region == r.id && b.member == Some(true))
        .map(|b| b.id)
        .collect();
    if members_there.is_empty() && r.brokers_expected == Some(0) {
        out.warning.push(format!(
            "{} unreachable{} (no cluster members there)",
            name(v, r.id),
            since(r, now)
        ));
        return;
    }
    let text = match v.processing {
        Processing::Halted => {
            // The plan's FO-0: a failover forces the cluster down to one region, so it is
            // for a region that will not come back soon, not for a blip.
            out.critical.push(Reason::advised(
                format!(
                    "{} unreachable{}; processing halted: fail over when the region will not come back soon",
                    name(v, r.id),
                    since(r, now),
                ),
                Advice::FailOver {
                    lost: r.name.clone(),
                },
            ));
            return;
        }
        _ if members_there.is_empty() => format!(
            "{} unreachable{}; its {}brokers missing",
            name(v, r.id),
            since(r, now),
            r.brokers_expected
                .map(|n| format!("{n} "))
                .unwrap_or_default()
        ),
        _ => format!(
            "{} unreachable{}; brokers {} missing",
            name(v, r.id),
            since(r, now),
            list(&members_there)
        ),
    };
    out.warning.push(text);
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
    // A region whose Camunda reads fail right now is not yet judged down (one fresh answer
    // keeps it up for a few seconds), but it does not "answer" either: the first seconds of
    // a lost region must not read as a network split ("do not fail over").
    let failing: Vec<String> = v
        .regions
        .iter()
        .filter(|r| r.reachable == Reach::Up && r.last_error.is_some())
        .map(|r| format!("region{} {}", r.id, r.name))
        .collect();
    // Recovery mode stops processing by design: not a split, not failing elections, not a
    // blind spot (`recovery` says why instead).
    let recovering = !v.cluster.topology.recovering.is_empty();
    match v.processing {
        Processing::Halted | Processing::Unknown if recovering => {}
        Processing::Halted if none_down && dead.len() < total && !failing.is_empty() => {
            out.critical.push(format!(
                "{}/{total} partitions without quorum; processing halted while {} stops answering: a lost region or a network split, told apart within seconds",
                without.len(),
                failing.join(" and ")
            ))
        }
        Processing::Halted if none_down && dead.len() < total => out.critical.push(format!(
            "{}/{total} partitions without quorum; processing halted although both regions answer: their brokers cannot reach each other (network split between regions): do not fail over; restore inter-region connectivity",
            without.len()
        )),
        Processing::Degraded => out.critical.push(format!(
            "{}/{total} partitions without quorum (partitions {}); processing degraded",
            without.len(),
            list(&without)
        )),
        Processing::Unknown if lost.is_empty() => {
            // Replicas answer, but whether a majority lives depends on health words c8dr does
            // not know (see `unknown_health`).
            let undecided: Vec<i32> = v
                .partitions
                .iter()
                .filter(|p| {
                    p.has_quorum.is_none() && p.replica_count > 0 && !p.live_replicas.is_empty()
                })
                .map(|p| p.id)
                .collect();
            out.unknown.push(if undecided.is_empty() {
                "processing unknown: no fresh topology from either region".to_string()
            } else {
                format!(
                    "processing unknown: whether partitions {} have quorum depends on words c8dr does not know (a replica's health or state)",
                    list(&undecided)
                )
            })
        }
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
    if leaderless.is_empty() || recovering {
        return;
    }
    if leaderless.len() == total {
        out.critical.push(
            "no partition has a leader although their replicas answer: nothing is processed (elections failing?)".to_string(),
        );
    } else {
        out.warning.push(format!(
            "partitions {} have no leader (election in progress?)",
            list(&leaderless)
        ));
    }
}

/// Replicas reporting a health c8dr does not know (a later version's word): said as it came,
/// never taken for healthy.
fn unknown_health(v: &ClusterView, out: &mut Reasons) {
    let mut by_word: std::collections::BTreeMap<&str, Vec<i32>> = Default::default();
    for b in &v.brokers {
        for p in &b.partitions {
            if matches!(p.health, ReplicaHealth::Other(_) | ReplicaHealth::Unknown) {
                by_word.entry(p.health.as_str()).or_default().push(p.id);
            }
        }
    }
    for (word, mut ids) in by_word {
        ids.sort();
        ids.dedup();
        out.warning.push(format!(
            "partitions {} report health {word}, which c8dr does not know: not counted as healthy",
            list(&ids)
        ));
    }
}

/// Recovery mode and a migration half-way (zone-aware-dual-region.md §7.2, §6.6): both are
/// deliberate states, said as such, with what they mean for a region loss.
fn topology_kind(v: &ClusterView, out: &mut Reasons) {
    let topo = &v.cluster.topology;
    if !topo.recovering.is_empty() {
        let members = v.brokers.iter().filter(|b| b.member == Some(true)).count();
        let who = if topo.recovering.len() >= members {
            "the cluster is".to_string()
        } else {
            format!("brokers {} are", list(&topo.recovering))
        };
        out.warning.push(format!(
            "{who} in RECOVERING mode: no processing by design while it recovers (a restore, or PATCH /v2/mode?mode=RECOVERING); it processes again after PATCH /v2/mode?mode=PROCESSING",
        ));
    }
    if let Some(m) = &topo.migration {
        let call = match (&m.next, m.layout_set) {
            (Some(_), _) => " (PUT /actuator/cluster/zones)",
            (None, false) => " (PUT /actuator/cluster/partitioning)",
            (None, true) => "",
        };
        out.warning.push(format!(
            "migrating to zone-aware brokers: {}, {}{call}; no failover runbook applies until it completes (a region lost now needs manual handling)",
            m.stage_words(),
            m.next_words()
        ));
    }
}

/// What c8dr cannot see: sources that fail in a region that answers, gateways that
/// contradict each other, garbled answers.
fn blind_spots(v: &ClusterView, now: jiff::Timestamp, out: &mut Reasons) {
    // Every source that fails in a region that answers, named with since when: Camunda's
    // own endpoints leave c8dr blind to what it decides on (unknown); the others (pods,
    // Elasticsearch indices) are a warning. Elasticsearch health speaks through its status;
    // the run lease tells of a run, not of Camunda (its region pane says when it fails).
    for r in v.regions.iter().filter(|r| r.reachable == Reach::Up) {
        if let Some(w) = r.failing_words(now, super::Source::is_camunda) {
            out.unknown.push(format!("{}: {w}", name(v, r.id)));
        }
        if let Some(w) = r.failing_words(now, |s| {
            !s.is_camunda()
                && s != super::Source::ElasticsearchHealth
                && s != super::Source::RunLease
        }) {
            out.warning.push(format!("{}: {w}", name(v, r.id)));
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
    // Zoned brokers beside numbered members are a migration's new generation (zone-aware
    // -dual-region.md §6.4), never a recreated region: no failback for them.
    let numbered_members = v
        .brokers
        .iter()
        .any(|b| b.member == Some(true) && !b.id.is_zoned());
    if numbered_members && !outside.is_empty() && outside.iter().all(|b| b.is_zoned()) {
        if v.cluster.topology.kind != crate::model::TopologyKind::Migrating {
            out.warning.push(format!(
                "zoned brokers {} run beside the numbered members without being members: a \
                 migration to zone-aware brokers is prepared (keepUnzonedBrokers) but its zone \
                 layout is not set (PUT /actuator/cluster/partitioning)",
                list(&outside)
            ));
        }
    } else if let Some(first) = outside.first() {
        let text = format!(
            "brokers {} run but are not cluster members (a recreated region waiting to be added back)",
            list(&outside)
        );
        match v.region_of(*first).and_then(|r| v.region(r)) {
            Some(r) => out.warning.push(Reason::advised(
                text,
                Advice::FailBack {
                    recreated: r.name.clone(),
                },
            )),
            None => out.warning.push(text),
        }
    }
    if v.processing != Processing::Halted {
        last_spare(v, out);
        layout(v, out);
    }
}

/// Whether a region hosts cluster members (brokers of an unknown membership count when a
/// gateway lists them).
fn hosts_members(v: &ClusterView, r: Region) -> bool {
    v.brokers.iter().any(|b| {
        b.region == r
            && (b.member == Some(true) || (b.member.is_none() && b.reachable == Some(true)))
    })
}

/// The replication layout's risk. After a failover (members in one region only) a reduced
/// replication factor is restored by failback. With members in both regions, partitions
/// not spread evenly over them are a misconfiguration that failback does not fix: say which
/// partitions halt if either region is lost.
fn layout(v: &ClusterView, out: &mut Reasons) {
    let hosts = Region::BOTH.map(|r| hosts_members(v, r));
    let rf = v.cluster.replication_factor;
    match hosts {
        [true, false] | [false, true] => {
            let (here, gone) = if hosts[0] {
                (Region::ZERO, Region::ONE)
            } else {
                (Region::ONE, Region::ZERO)
            };
            if let Some(rf) = rf.filter(|rf| *rf < 4) {
                let text = format!(
                    "replication factor {rf}, every replica in {}: a further broker loss can stop processing; fail back once {} is recreated",
                    name(v, here),
                    name(v, gone)
                );
                match v.region(gone) {
                    Some(g) => out.warning.push(Reason::advised(
                        text,
                        Advice::FailBack {
                            recreated: g.name.clone(),
                        },
                    )),
                    None => out.warning.push(text),
                }
            }
        }
        [true, true] => uneven(v, rf, out),
        _ => {}
    }
}

/// Partitions whose replicas are not split evenly between the regions.
fn uneven(v: &ClusterView, rf: Option<i32>, out: &mut Reasons) {
    let mut halts: [Vec<i32>; 2] = [vec![], vec![]];
    let mut only: [Vec<i32>; 2] = [vec![], vec![]];
    let mut uneven = false;
    for p in v.partitions.iter().filter(|p| !p.replicas.is_empty()) {
        let n = p.replicas.len();
        let here = Region::BOTH.map(|r| {
            p.replicas
                .iter()
                .filter(|b| v.region_of(**b) == Some(r))
                .count()
        });
        uneven |= here[0] != here[1];
        for r in Region::BOTH {
            let i = r.index();
            if n - here[i] < n / 2 + 1 {
                halts[i].push(p.id);
            }
            if here[i] == n {
                only[i].push(p.id);
            }
        }
    }
    let odd = rf.is_some_and(|rf| rf % 2 == 1);
    // An odd factor cannot be split evenly, whether or not the replicas are known.
    let odd_unknown = odd && v.partitions.iter().all(|p| p.replicas.is_empty());
    if !(uneven || odd_unknown) {
        return;
    }
    let rf_words = rf
        .map(|rf| format!("replication factor {rf}, "))
        .unwrap_or_default();
    let mut text = format!("{rf_words}replicas not split evenly between the regions");
    if uneven {
        let losing: Vec<String> = Region::BOTH
            .into_iter()
            .map(|r| {
                let ids = &halts[r.index()];
                format!(
                    "losing {} halts {}",
                    name(v, r),
                    if ids.is_empty() {
                        "no partition".to_string()
                    } else {
                        format!("partitions {}", list(ids))
                    }
                )
            })
            .collect();
        text.push_str(&format!(": {}", losing.join(", ")));
        for r in Region::BOTH {
            let ids = &only[r.index()];
            if !ids.is_empty() {
                text.push_str(&format!(
                    "; partitions {} have every replica in {} and are lost with it",
                    list(ids),
                    name(v, r)
                ));
            }
        }
    } else {
        text.push_str(": a region loss halts the partitions whose majority is there");
    }
    text.push_str(
        " (fix the replication layout: half of each partition's replicas in each region)",
    );
    out.warning.push(text);
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

/// "export lag 2441, growing +60/s".
fn growing_lag(v: &ClusterView) -> Option<String> {
    v.export.lag_growing.then(|| {
        format!(
            "export lag {}, growing {:+.0}/s",
            v.export.lag.unwrap_or(0),
            v.export.lag_per_s.unwrap_or(0.0)
        )
    })
}

/// Exporters that do not match their region's state, paused exporting, a growing lag. The
/// exporter to a lost region is reminded until it is disabled, also after its brokers were
/// removed (the lag it leaves grows until then).
fn exporters(v: &ClusterView, lost: &[&RegionView], out: &mut Reasons) {
    if v.cluster.exporters_from.is_some() && v.exporters.is_empty() {
        out.warning.push(
            "no exporters configured: no records reach Elasticsearch (a dual-region cluster exports to one Elasticsearch per region)".to_string(),
        );
    }
    let mut lag_told = false;
    for e in &v.exporters {
        lag_told |= standstill(v, e, out);
        let Some(r) = e.region else { continue };
        let reach = v.region(r).map(|x| x.reachable).unwrap_or(Reach::Unknown);
        let region_lost = lost.iter().any(|l| l.id == r);
        if e.re_enabled {
            out.critical.push(format!(
                "{} was DISABLED and is {} again while {} does not answer: a broker restart brings a disabled exporter back before 8.8.25 (camunda/camunda#52260); disable it again (failover step 2: POST /actuator/exporters/{}/disable), or the log cannot be compacted",
                e.id,
                e.status,
                name(v, r),
                e.id,
            ));
            continue;
        }
        match (&e.status, reach) {
            (ExporterState::Enabled | ExporterState::Enabling, Reach::Down) if region_lost => {
                let lag = growing_lag(v)
                    .map(|l| format!("; {l}"))
                    .unwrap_or_default();
                lag_told |= !lag.is_empty();
                out.warning.push(format!(
                    "disable {} (failover step 2): it still exports to unreachable {} and the log cannot be compacted{lag}",
                    e.id,
                    name(v, r),
                ))
            }
            (ExporterState::Disabled, Reach::Up) if !e.legacy => out.warning.push(format!(
                "exporter {} is DISABLED while {} answers: its Elasticsearch gets no records (failback: enable it with initializeFrom)",
                e.id,
                name(v, r)
            )),
            // A state c8dr does not know (`Other`) is said, never passed over as fine.
            (
                ExporterState::Enabling
                | ExporterState::Disabling
                | ExporterState::Unknown
                | ExporterState::Other(_),
                _,
            ) => {
                out.warning.push(format!("exporter {} is {}", e.id, e.status))
            }
            _ => {}
        }
    }
    match v.exporting {
        Exporting::Paused => out.warning.push("exporting is paused: resume it (POST /actuator/exporting/resume) when the backup is done".to_string()),
        Exporting::Mixed => out.warning.push("exporting is paused on some partitions only: resume it".to_string()),
        _ => {}
    }
    if let Some(l) = growing_lag(v).filter(|_| !lag_told) {
        out.warning
            .push(format!("{l}: the log cannot be compacted and disks fill"));
    }
}

/// An exporter whose position stands still while the log grows: stuck (its Elasticsearch
/// answers), or stalled (c8dr cannot tell whether it answers). Named with its partitions, the
/// growth rate and the documented remedy; says whether it told of a growing lag.
fn standstill(v: &ClusterView, e: &ExporterView, out: &mut Reasons) -> bool {
    let (flow, partitions) = match e.flow {
        ExporterFlow::Stuck => (ExporterFlow::Stuck, e.stuck_partitions()),
        ExporterFlow::Stalled => (
            ExporterFlow::Stalled,
            e.partitions_in(ExporterFlow::Stalled),
        ),
        _ => return false,
    };
    let of = |ps: &[i32]| -> Vec<&ExporterPartitionView> {
        e.partitions.iter().filter(|p| ps.contains(&p.id)).collect()
    };
    let these = of(&partitions);
    let rates: Vec<f64> = these.iter().filter_map(|p| p.lag_rate_per_s).collect();
    let growing = if rates.is_empty() {
        "lag growing".to_string()
    } else {
        format!("lag growing {:.0}/s", rates.iter().sum::<f64>())
    };
    let still = these
        .iter()
        .filter_map(|p| p.last_moved_s)
        .reduce(f64::max)
        .map(|s| format!(" for {s:.0} s"))
        .unwrap_or_default();
    let target = e
        .region
        .map(|r| format!("{}'s Elasticsearch", name(v, r)))
        .unwrap_or_else(|| "its Elasticsearch".into());
    let derived = "derived from the brokers' metrics";
    if flow == ExporterFlow::Stalled {
        out.warning.push(format!(
            "{} stalled on partitions {}, {growing}: still{still} while the log grows, and c8dr cannot tell whether {target} answers ({derived})",
            e.id,
            id_ranges(&partitions),
        ));
        return true;
    }
    let mut leaders: Vec<BrokerId> = v
        .partitions
        .iter()
        .filter(|p| partitions.contains(&p.id))
        .filter_map(|p| p.leader)
        .collect();
    leaders.sort();
    leaders.dedup();
    let brokers = if leaders.is_empty() {
        "the brokers leading them".to_string()
    } else {
        format!("brokers {} (leading them)", list(&leaders))
    };
    // A disabled exporter that keeps retrying blocks the others (the 8.8 report).
    let disabled: Vec<&str> = v
        .exporters
        .iter()
        .filter(|x| x.id != e.id && x.status == ExporterState::Disabled && !x.legacy)
        .map(|x| x.id.as_str())
        .collect();
    let retrying = if disabled.is_empty() {
        String::new()
    } else {
        format!(
            "; {} is DISABLED but may still be retrying and blocking it",
            disabled.join(", ")
        )
    };
    // "One at a time" before the list: a screen that cuts the verdict must not leave
    // "restart brokers 0, 1, … 7" standing alone (all at once would stop processing).
    out.warning.push(format!(
        "{} stuck on partitions {}, {growing}: still{still} while {target} answers; the log cannot be compacted and disks fill{retrying}. One at a time, restart {brokers}: the documented workaround (camunda/camunda#38724) ({derived})",
        e.id,
        id_ranges(&partitions),
    ));
    true
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

/// "region0 london and region1 paris", or "no region".
fn names(v: &ClusterView, rs: &[Region]) -> String {
    if rs.is_empty() {
        return "no region".into();
    }
    rs.iter()
        .map(|r| name(v, *r))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// User traffic where it should not go: to an unreachable region (critical when it is lost),
/// to a region whose brokers are not cluster members, or elsewhere than where the regions that
/// can serve are (the primary, or after a failover the region that took over).
fn traffic(v: &ClusterView, lost: &[&RegionView], out: &mut Reasons) {
    let (Some(obs), Some(false)) = (&v.traffic.observed, v.traffic.agrees) else {
        return;
    };
    let reach = |r: Region| v.region(r).map_or(Reach::Unknown, |x| x.reachable);
    let move_to = v
        .traffic
        .expected
        .as_ref()
        .map(|e| format!(" to {}", names(v, e)))
        .unwrap_or_default();
    let to_down: Vec<Region> = obs
        .iter()
        .copied()
        .filter(|r| reach(*r) == Reach::Down)
        .collect();
    if !to_down.is_empty() {
        let text = format!(
            "user traffic still goes to unreachable {}: move it{move_to} (DNS now answers {})",
            names(v, &to_down),
            names(v, obs)
        );
        if to_down.iter().any(|r| lost.iter().any(|l| l.id == *r)) {
            out.critical.push(text);
        } else {
            out.warning.push(text);
        }
        return;
    }
    let outside: Vec<Region> = obs
        .iter()
        .copied()
        .filter(|r| {
            let here: Vec<&BrokerView> = v.brokers.iter().filter(|b| b.region == *r).collect();
            !here.is_empty() && here.iter().all(|b| b.member == Some(false))
        })
        .collect();
    let text = match &v.traffic.expected {
        _ if !outside.is_empty() => format!(
            "user traffic goes to {}, whose brokers are not cluster members yet: move it{move_to}",
            names(v, &outside)
        ),
        Some(exp)
            if v.traffic.mode == TrafficMode::ActivePassive && exp == &[v.traffic.primary] =>
        {
            format!(
                "user traffic goes to {} but the primary is {}: move it",
                names(v, obs),
                name(v, v.traffic.primary)
            )
        }
        Some(exp) if obs.iter().all(|r| exp.contains(r)) => {
            format!("user traffic goes to {} only", names(v, obs))
        }
        Some(exp) => format!(
            "user traffic goes to {} but should go to {}: move it",
            names(v, obs),
            names(v, exp)
        ),
        None => format!("user traffic goes to {}", names(v, obs)),
    };
    out.warning.push(text);
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
    let mut detail = r.critical.0;
    detail.extend(r.unknown.0);
    detail.extend(r.warning.0);
    if detail.is_empty() {
        detail.push(Reason::from(match level {
            Level::Ok => format!(
                "processing active: {total}/{total} partitions with quorum; both regions answer"
            ),
            _ => "processing unknown".to_string(),
        }));
    }
    Verdict {
        level,
        reasons: detail.iter().map(|r| r.words(Front::Cli)).collect(),
        detail,
    }
}
