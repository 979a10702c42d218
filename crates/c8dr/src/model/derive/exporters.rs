//! Exporters and exporting: the freshest exporter list of either region's management API,
//! the version family it and the gateway reveal, and the leaders' exporting phase and lag.

use super::{Ctx, MAX_EXPORTERS, bounded};
use crate::api::{ExporterPhase, ExporterStatus, Region};
use crate::model::view::{ClusterView, ExportView, ExporterView, Family, Reach, RegionView};
use crate::model::words::{ElasticsearchStatus, ExporterState, Exporting};
use crate::text::clean;

/// The region an exporter list came from, and the list.
pub(super) type ExporterList<'a> = Option<(Region, &'a [ExporterStatus])>;

/// The freshest usable list from either region's management API.
pub(super) fn freshest<'a>(cx: &Ctx<'a>, anomalies: &mut Vec<String>) -> ExporterList<'a> {
    cx.snap
        .regions
        .iter()
        .filter_map(|(i, r)| {
            r.exporters
                .as_ref()
                .filter(|o| cx.is_fresh(o.at))
                .and_then(|o| o.value.as_ref().ok().map(|v| (i, o.at, v)))
        })
        .filter(|(i, _, v)| {
            bounded(
                v.len(),
                MAX_EXPORTERS,
                &format!("region{i}'s /actuator/exporters"),
                "exporters",
                anomalies,
            )
        })
        .max_by_key(|(_, at, _)| *at)
        .map(|(i, _, v)| (i, v.as_slice()))
}

/// The version family: from the gateway's version, else from the exporters' names.
pub(super) fn family(version: Option<&str>, list: ExporterList) -> Family {
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
    let named = |prefix: &str| {
        list.is_some_and(|(_, l)| l.iter().any(|e| clean(&e.exporter_id).starts_with(prefix)))
    };
    match minor {
        Some((8, m)) if m <= 5 => Family::V85,
        Some((8, 6 | 7)) => Family::V86To87,
        Some((8, _)) | Some((9.., _)) => Family::V88Plus,
        _ if named("camundaregion") => Family::V88Plus,
        _ if named("elasticsearchregion") => Family::V86To87,
        _ => Family::Unknown,
    }
}

pub(super) fn views(
    cx: &Ctx,
    list: ExporterList,
    family: Family,
    regions: &[RegionView],
    partitions: &[i32],
    exporting: Exporting,
) -> Vec<ExporterView> {
    let Some((_, l)) = list else {
        return vec![];
    };
    let readings = super::exporter_lag::readings(cx.snap, |at| cx.is_fresh(at));
    let judge = super::exporter_flow::Judge {
        now: cx.now,
        stale: cx.stale,
        still_after: cx.cfg.exporter_still_after,
        partitions,
        exporting,
    };
    l.iter()
        .map(|e| {
            let id = clean(&e.exporter_id);
            let region = crate::api::exporter_region(&e.exporter_id);
            let status = ExporterState::from_word(e.status.as_str());
            let prev = cx
                .prev
                .and_then(|p| p.exporters.iter().find(|x| x.id == id));
            let region_view = region.and_then(|r| regions.iter().find(|x| x.id == r));
            let region_down = region_view.is_some_and(|r| r.reachable == Reach::Down);
            // Seen disabled, enabled again while its region stays lost: a broker restart
            // brought it back (camunda/camunda#52260), not a failback (which enables it into
            // a region that answers).
            let re_enabled = region_down
                && matches!(status, ExporterState::Enabled | ExporterState::Enabling)
                && prev.is_some_and(|p| p.status == ExporterState::Disabled || p.re_enabled);
            let legacy =
                family == Family::V88Plus && e.exporter_id.starts_with("elasticsearchregion");
            let target = region_view.map_or(Reach::Unknown, |r| target(&r.elasticsearch.status));
            let view = ExporterView {
                legacy,
                re_enabled,
                ..ExporterView::listed(id, region, status, target)
            };
            super::exporter_flow::judge(view, &readings, prev, &judge)
        })
        .collect()
}

/// Whether an exporter's Elasticsearch answers, from its region's `_cluster/health`.
fn target(es: &ElasticsearchStatus) -> Reach {
    match es {
        ElasticsearchStatus::Green
        | ElasticsearchStatus::Yellow
        | ElasticsearchStatus::Red
        | ElasticsearchStatus::Other(_) => Reach::Up,
        ElasticsearchStatus::Unreachable => Reach::Down,
        ElasticsearchStatus::NotConfigured | ElasticsearchStatus::Unknown => Reach::Unknown,
    }
}

/// How far back lag samples are kept, and how many at most.
const LAG_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
const MAX_LAG_SAMPLES: usize = 64;
/// A rate needs samples spanning at least this long.
const MIN_LAG_SPAN_S: f64 = 10.0;
/// A lag that grows faster than this many positions per second, and is above
/// [`GROWING_LAG`], is a warning (a healthy exporter's lag hovers around a few positions).
const GROWING_RATE: f64 = 5.0;
const GROWING_LAG: i64 = 500;

/// Exporting phase and lag from the leaders' partition status; the rate of the lag from the
/// samples kept in the previous view plus this observation.
pub(super) fn export_view(cx: &Ctx) -> ExportView {
    let mut phases: Vec<Exporting> = vec![];
    let mut lag: Option<i64> = None;
    let mut observed: Option<jiff::Timestamp> = None;
    for r in cx.snap.regions.values() {
        for o in r.partitions.values().filter(|o| cx.is_fresh(o.at)) {
            let Ok(map) = &o.value else { continue };
            for st in map.values().filter(|s| s.role.as_deref() == Some("LEADER")) {
                if let Some(ph) = &st.exporter_phase {
                    let phase = match ph {
                        ExporterPhase::Exporting => Exporting::Running,
                        ExporterPhase::Paused | ExporterPhase::SoftPaused => Exporting::Paused,
                        _ => Exporting::Other,
                    };
                    if !phases.contains(&phase) {
                        phases.push(phase);
                    }
                }
                if let (Some(p), Some(e)) = (st.processed_position, st.exported_position) {
                    lag = Some(lag.unwrap_or(0).max(p.saturating_sub(e)));
                    observed = Some(observed.map_or(o.at, |t: jiff::Timestamp| t.max(o.at)));
                }
            }
        }
    }
    let exporting = match phases.as_slice() {
        [] => Exporting::Unknown,
        [one] => *one,
        _ => Exporting::Mixed,
    };
    let prev = cx
        .prev
        .map(|p: &ClusterView| p.export.lag_samples.as_slice())
        .unwrap_or_default();
    let lag_samples = samples(prev, observed.zip(lag), cx.now);
    let lag_per_s = rate(&lag_samples);
    ExportView {
        exporting,
        lag,
        lag_growing: lag.is_some_and(|l| l > GROWING_LAG)
            && lag_per_s.is_some_and(|r| r >= GROWING_RATE),
        lag_per_s,
        lag_samples,
    }
}

/// The kept samples plus a new one (once per observation, never per frame), within the
/// window. Without a lag now the history is dropped: a gap must not make a rate.
fn samples(
    prev: &[(jiff::Timestamp, i64)],
    new: Option<(jiff::Timestamp, i64)>,
    now: jiff::Timestamp,
) -> Vec<(jiff::Timestamp, i64)> {
    let Some((at, lag)) = new else {
        return vec![];
    };
    let mut out: Vec<(jiff::Timestamp, i64)> = prev
        .iter()
        .copied()
        .filter(|(t, _)| *t < at && super::age(now, *t) <= LAG_WINDOW)
        .collect();
    out.push((at, lag));
    if out.len() > MAX_LAG_SAMPLES {
        out.drain(..out.len() - MAX_LAG_SAMPLES);
    }
    out
}

/// Positions per second from the oldest to the newest sample, once they span long enough.
fn rate(samples: &[(jiff::Timestamp, i64)]) -> Option<f64> {
    let (first, last) = (samples.first()?, samples.last()?);
    let span = last.0.duration_since(first.0).as_secs_f64();
    (span >= MIN_LAG_SPAN_S).then(|| (last.1 - first.1) as f64 / span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000 + s).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn the_lag_rate_comes_from_observations_not_frames() {
        // 649 → 2441 in 30 s, observed every second and drawn ten times a second.
        let mut kept: Vec<(jiff::Timestamp, i64)> = vec![];
        for s in 0..=30 {
            for frame in 0..10 {
                let now = t(s) + jiff::SignedDuration::from_millis(frame * 100);
                kept = samples(&kept, Some((t(s), 649 + (2441 - 649) * s / 30)), now);
            }
        }
        assert_eq!(kept.len(), 31);
        let r = rate(&kept).unwrap_or_default();
        assert!((59.0..=61.0).contains(&r), "{r}");
        // Too short a span tells nothing; a gap in the lag drops the history.
        assert_eq!(rate(&kept[..5]), None);
        assert!(samples(&kept, None, t(31)).is_empty());
        // Samples older than the window are forgotten.
        let later = samples(&kept, Some((t(80), 3000)), t(80));
        assert!(later.iter().all(|(at, _)| *at >= t(20)), "{later:?}");
    }
}
