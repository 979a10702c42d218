//! Setting a run up from the configuration and a fresh view: which region (id or configured
//! name), the plan's inputs — the version detected (8.5 refused with the reason), the broker
//! ids derived from the observed topology — and the engine's settings. Pure.

use super::engine::Settings;
use super::journal::Basis;
use super::plan::{self, Inputs, Procedure};
use crate::api::{BrokerId, PerRegion, Region};
use crate::config::Config;
use crate::model::{ClusterView, ExporterState, Family, TrafficMode};

/// `0`, `1`, `region1` or the region's configured name.
pub fn parse_region(config: &Config, s: &str) -> Result<Region, String> {
    let t = s.trim();
    match t {
        "0" | "region0" => return Ok(Region::ZERO),
        "1" | "region1" => return Ok(Region::ONE),
        _ => {}
    }
    config
        .regions
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(t))
        .map(|r| r.id)
        .ok_or_else(|| {
            format!(
                "no region {t:?}: use 0, 1, {} or {}",
                config.regions.first().map_or("", |r| r.name.as_str()),
                config.regions.get(1).map_or("", |r| r.name.as_str())
            )
        })
}

fn version_of(view: &ClusterView) -> Option<String> {
    view.cluster
        .gateway_version
        .clone()
        .or_else(|| view.brokers.iter().find_map(|b| b.version.clone()))
}

fn minor(version: &str) -> Option<u32> {
    version.split('.').nth(1)?.parse().ok()
}

/// The detected version, when c8dr can run its procedures: not 8.5 (its failover mode is a
/// different procedure), and known (the survivor of `region` answered).
fn supported_version(view: &ClusterView, region: Region) -> Result<String, String> {
    let survivor = region.other();
    let version = version_of(view).unwrap_or_else(|| "unknown".into());
    match view.cluster.family {
        Family::V85 => Err(format!(
            "Camunda {version} uses the 8.5 failover mode (temporary brokers impersonating the \
             lost ids, dual-region-procedure.md §4.1); c8dr runs the dynamic-scaling procedure \
             of 8.6 and later only. Follow the 8.5 docs, or upgrade."
        )),
        Family::Unknown => Err(format!(
            "cannot detect the Camunda version: region{survivor}'s topology and exporters do \
             not answer ({})",
            view.region(survivor)
                .and_then(|r| r.last_error.clone())
                .unwrap_or_else(|| "no data".into())
        )),
        _ => Ok(version),
    }
}

/// The plan's inputs from the configuration and a fresh view. Refuses what c8dr cannot run.
pub fn inputs(
    config: &Config,
    view: &ClusterView,
    procedure: Procedure,
    region: Region,
    run: &str,
    basis: Option<&Basis>,
) -> Result<Inputs, String> {
    let version = supported_version(view, region)?;
    let (ids, all_ids, snapshot) = match basis {
        Some(b) => (b.ids.clone(), b.all_ids.clone(), b.snapshot.clone()),
        None => {
            let (ids, all) = plan::derive_ids(view, procedure, region);
            (ids, all, run.to_string())
        }
    };
    if ids.is_empty() {
        return Err(format!(
            "no broker of region{region} is known: c8dr derives the ids from the topology and sees none"
        ));
    }
    if basis.is_none() && procedure == Procedure::Failback {
        let members: Vec<BrokerId> = view
            .brokers
            .iter()
            .filter(|b| b.member == Some(true) && b.region == region)
            .map(|b| b.id)
            .collect();
        if !members.is_empty() {
            return Err(format!(
                "region{region}'s brokers {} are still cluster members: fail over first \
                 (or, if the region came back on its own, there is nothing to fail back)",
                crate::text::list(&members)
            ));
        }
    }
    let family = view.cluster.family;
    let eck = minor(&version).is_some_and(|m| m >= 9);
    Ok(Inputs {
        procedure,
        region,
        family,
        version,
        eck,
        names: PerRegion::from_fn(|r| {
            config
                .region(r)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| format!("region{r}"))
        }),
        zones: config.zones(),
        primary: config.primary,
        active_active: view.traffic.mode == TrafficMode::ActiveActive,
        dns_hostname: config.traffic.as_ref().and_then(|t| t.hostname.clone()),
        ids,
        all_ids,
        exporter_prefix: if family == Family::V86To87 {
            "elasticsearchregion".into()
        } else {
            "camundaregion".into()
        },
        legacy_exporters: family == Family::V88Plus
            && view
                .exporters
                .iter()
                .any(|e| e.legacy && e.status == ExporterState::Enabled),
        kube: PerRegion::from_fn(|r| {
            config
                .region(r)
                .and_then(|x| x.kube.as_ref())
                .map(|k| (k.context.clone(), k.namespace.clone(), k.release.clone()))
        }),
        runbook: config.runbook.clone(),
        snapshot,
        baseline_change: match basis {
            Some(b) => b.baseline_change,
            None => [
                view.cluster.pending_change.as_ref().map(|c| c.id),
                view.cluster.last_change.as_ref().map(|c| c.id),
            ]
            .into_iter()
            .flatten()
            .max(),
        },
    })
}

pub fn settings(config: &Config, read_only: bool, override_guards: bool) -> Settings {
    Settings {
        read_only: read_only || config.read_only,
        override_guards,
        step_timeout: config.runbook.step_timeout(),
        poll: config
            .poll
            .interval()
            .min(std::time::Duration::from_millis(500)),
        ..Settings::default()
    }
}
