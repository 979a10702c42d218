//! Exporters and exporting: the freshest exporter list of either region's management API,
//! the version family it and the gateway reveal, and the leaders' exporting phase and lag.

use super::{Ctx, MAX_EXPORTERS, bounded};
use crate::api::{ExporterPhase, ExporterStatus, Region};
use crate::model::view::{ClusterView, ExportView, ExporterView, Family};
use crate::model::words::{ExporterState, Exporting};
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

pub(super) fn views(list: ExporterList, family: Family) -> Vec<ExporterView> {
    list.map(|(_, l)| {
        l.iter()
            .map(|e| ExporterView {
                id: clean(&e.exporter_id),
                region: crate::api::exporter_region(&e.exporter_id),
                status: ExporterState::from_word(e.status.as_str()),
                legacy: family == Family::V88Plus
                    && e.exporter_id.starts_with("elasticsearchregion"),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Exporting phase and lag from the leaders' partition status; the lag grows when it is
/// larger than in the previous view.
pub(super) fn export_view(cx: &Ctx) -> ExportView {
    let mut phases: Vec<Exporting> = vec![];
    let mut lag: Option<i64> = None;
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
                }
            }
        }
    }
    let exporting = match phases.as_slice() {
        [] => Exporting::Unknown,
        [one] => *one,
        _ => Exporting::Mixed,
    };
    let prev_lag = cx.prev.and_then(|p: &ClusterView| p.export.lag);
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
