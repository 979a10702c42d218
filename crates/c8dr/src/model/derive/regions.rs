//! Regions: whether each answers (decided by Camunda's own endpoints), since when it does
//! not, its brokers and pods, its Elasticsearch, and every source as it last answered.

use super::facts::{Facts, Gateway};
use super::{Ctx, error_words};
use crate::api::Region;
use crate::model::input::{RegionObservations, Source};
use crate::model::view::{BrokerView, ElasticsearchView, Reach, RegionView, SourceView};
use crate::model::words::ElasticsearchStatus;
use std::collections::BTreeMap;

/// A source's answer: which source, when, and whether it could be read. Generic over the
/// error so that only [`error_words`] reads it.
type Stamp<E> = (Source, jiff::Timestamp, Result<(), E>);

/// The stamps that decide whether a region answers: Camunda's own endpoints; only when none
/// of those is observed, the others (an old pod list must not keep a dead region "up"). The
/// run lease never does: it tells of a run, and a Kubernetes API that refuses it (no RBAC
/// permission on leases) says nothing of the region.
fn deciding_stamps<E>(all: Vec<Stamp<E>>) -> Vec<Stamp<E>> {
    let all: Vec<Stamp<E>> = all
        .into_iter()
        .filter(|(src, _, _)| *src != Source::RunLease)
        .collect();
    let slow = |src: &Source| matches!(src, Source::Pods | Source::ElasticsearchIndices);
    if all.iter().any(|(src, _, _)| src.is_camunda()) {
        all.into_iter()
            .filter(|(src, _, _)| src.is_camunda())
            .collect()
    } else if all.iter().any(|(src, _, _)| !slow(src)) {
        all.into_iter().filter(|(src, _, _)| !slow(src)).collect()
    } else {
        all
    }
}

/// Every Camunda endpoint of the region that was asked failed on its latest try.
pub(super) fn camunda_down(r: &RegionObservations, cx: &Ctx) -> bool {
    let stamps = deciding_stamps(r.stamps());
    !stamps.is_empty()
        && !stamps
            .iter()
            .any(|(_, at, v)| v.is_ok() && cx.is_fresh(*at))
}

pub(super) fn regions(cx: &Ctx, facts: &Facts, brokers: &[BrokerView]) -> Vec<RegionView> {
    Region::BOTH
        .into_iter()
        .map(|r| region(r, cx, facts, brokers))
        .collect()
}

/// Whether a region answers, when it last did, and its latest error.
struct Reachability {
    reachable: Reach,
    last_ok: Option<jiff::Timestamp>,
    last_error: Option<String>,
}

fn reachability(obs: &RegionObservations, cx: &Ctx) -> Reachability {
    let stamps = deciding_stamps(obs.stamps());
    let last_ok = stamps
        .iter()
        .filter(|(_, _, v)| v.is_ok())
        .map(|(_, at, _)| *at)
        .max();
    let fresh_ok = stamps
        .iter()
        .any(|(_, at, v)| v.is_ok() && cx.is_fresh(*at));
    // One failing source, chosen by the table's order (the region's own gateway first, a
    // single broker's port-forward last), never by which answered last: the line stays the
    // same from frame to frame while the region fails.
    let last_error = stamps
        .iter()
        .filter_map(|(src, _, v)| v.as_ref().err().map(|e| (*src, e)))
        .min_by_key(|(src, _)| *src)
        .map(|(src, e)| format!("{}: {}", src.name(), error_words(e)));
    let reachable = if fresh_ok {
        Reach::Up
    } else if stamps.is_empty() {
        Reach::Unknown
    } else {
        Reach::Down
    };
    Reachability {
        reachable,
        last_ok,
        last_error,
    }
}

fn region(r: Region, cx: &Ctx, facts: &Facts, brokers: &[BrokerView]) -> RegionView {
    let obs = &cx.snap.regions[r];
    let Reachability {
        reachable,
        last_ok,
        last_error,
    } = reachability(obs, cx);
    let prev_region = cx.prev.and_then(|p| p.region(r));
    let unreachable_since = match reachable {
        Reach::Down => prev_region
            .filter(|p| p.reachable == Reach::Down)
            .and_then(|p| p.unreachable_since.clone())
            .or_else(|| last_ok.map(|t| t.to_string()))
            // Every source's latest answer failed, so none of them says when the region last
            // answered: the previous view, in which it did, does.
            .or_else(|| {
                let p = cx.prev?;
                let pr = prev_region.filter(|p| p.reachable == Reach::Up)?;
                let at = p.at.parse::<jiff::Timestamp>().ok()?;
                let age =
                    jiff::SignedDuration::try_from_secs_f64(pr.data_age_s.unwrap_or(0.0)).ok()?;
                Some((at - age).to_string())
            }),
        _ => None,
    };
    let region_pods = if reachable == Reach::Down {
        None
    } else {
        cx.fresh_from(Source::Pods, &obs.pods)
    };
    // Brokers expected here: the cluster configuration's members, else the region's broker
    // pods, else what was known before; never half the cluster size (regions need not hold
    // equal shares). A region with no members (a failover removed them; a recreated region
    // not yet added back) still expects the brokers its pods or the last view knew: "0/4",
    // not "0/0", is what tells the operator brokers are missing — and not "0/2" while a
    // fresh install's pods are still being created: then the larger of the two counts.
    let members = facts.members.as_ref().map(|m| {
        m.iter()
            .filter(|b| cx.cfg.zones.region_of(**b) == Some(r))
            .count()
    });
    let pods = region_pods.map(|p| p.iter().filter(|p| p.broker.is_some()).count());
    let before = prev_region.and_then(|p| p.brokers_expected);
    let without_members = match (pods, before) {
        (Some(p), Some(b)) => Some(p.max(b)),
        (p, b) => p.or(b),
    };
    let expected = [members, without_members]
        .into_iter()
        .flatten()
        .find(|n| *n > 0)
        .or(members)
        .or(pods);
    let up = (!facts.gateways.is_empty()).then(|| {
        brokers
            .iter()
            .filter(|b| b.region == r && b.reachable == Some(true) && b.member != Some(false))
            .count()
    });
    // More brokers answering than the count says (pods or the last view, the configuration
    // unknown): that count misses brokers, so how many are expected is unknown, not "1/0".
    let expected = expected.filter(|e| up.is_none_or(|u| u <= *e));
    RegionView {
        id: r,
        name: cx.cfg.region_names[r].clone(),
        kube: cx.cfg.kube[r].clone(),
        reachable,
        data_age_s: last_ok.map(|at| cx.age(at).as_secs_f64()),
        unreachable_since,
        last_error,
        brokers_up: up,
        brokers_expected: expected,
        pods_ready: region_pods.map(|p| p.iter().filter(|p| p.broker.is_some() && p.ready).count()),
        pods_total: region_pods.map(|p| p.iter().filter(|p| p.broker.is_some()).count()),
        elasticsearch: elasticsearch(obs, cx),
        gateway_brokers: facts
            .gateways
            .iter()
            .find(|g| g.region == r)
            .map(Gateway::listed),
        sources: sources(obs, cx, prev_region),
    }
}

/// The region's sources as the pane and `status --json` show them.
fn sources(obs: &RegionObservations, cx: &Ctx, prev: Option<&RegionView>) -> Vec<SourceView> {
    let mut by_source: BTreeMap<Source, Vec<_>> = BTreeMap::new();
    for (src, at, v) in obs.stamps() {
        by_source.entry(src).or_default().push((at, v));
    }
    by_source
        .into_iter()
        .map(|(source, stamps)| {
            // Per-broker sources (partitions) are ok while every broker answers.
            let latest = stamps.iter().map(|(at, _)| *at).max();
            let error = stamps.iter().find_map(|(at, v)| match v {
                Err(e) => Some(error_words(e)),
                Ok(()) if !cx.is_fresh_from(source, *at) => {
                    Some(format!("no fresh answer for {} s", cx.age(*at).as_secs()))
                }
                Ok(()) => None,
            });
            let failing_since = error.as_ref().map(|_| {
                prev.and_then(|p| p.sources.iter().find(|s| s.source == source))
                    .and_then(|s| s.failing_since.clone())
                    .unwrap_or_else(|| {
                        let first = stamps.iter().map(|(at, _)| *at).min();
                        first.unwrap_or(cx.now).to_string()
                    })
            });
            SourceView {
                source,
                name: source.name().to_string(),
                ok: error.is_none(),
                age_s: latest.map(|at| cx.age(at).as_secs_f64()),
                fault: obs.fault(source).cloned(),
                error,
                failing_since,
            }
        })
        .collect()
}

fn elasticsearch(obs: &RegionObservations, cx: &Ctx) -> ElasticsearchView {
    let view = |status, error| ElasticsearchView {
        status,
        error,
        indices: None,
        docs: None,
    };
    if !obs.configured.contains(&Source::ElasticsearchHealth) {
        return view(ElasticsearchStatus::NotConfigured, None);
    }
    let indices = cx.fresh_from(Source::ElasticsearchIndices, &obs.es_indices);
    match &obs.es_health {
        Some(o) if cx.is_fresh(o.at) => match &o.value {
            Ok(h) => ElasticsearchView {
                status: ElasticsearchStatus::from_word(h.status.as_str()),
                error: None,
                indices: indices.map(Vec::len),
                docs: indices.map(|v| v.iter().filter_map(|i| i.docs()).sum()),
            },
            Err(e) => view(ElasticsearchStatus::Unreachable, Some(error_words(e))),
        },
        _ => view(ElasticsearchStatus::Unknown, None),
    }
}
