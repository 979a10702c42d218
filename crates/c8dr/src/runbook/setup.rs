//! Setting a run up from the configuration and a fresh view: which region (id or configured
//! name), the plan's inputs — the version detected (8.5 refused with the reason), the broker
//! ids derived from the observed topology — and the engine's settings. Pure.

use super::engine::Settings;
use super::journal::Basis;
use super::plan::{self, Inputs, Procedure, ZoneBasis, ZonePlan};
use crate::api::{BrokerId, PerRegion, Region};
use crate::config::Config;
use crate::model::{ClusterView, ExporterState, Family, TopologyKind, TopologyView, TrafficMode};

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

/// A migration's stage in words: "layout set, paris next" / "paris migrated, london next".
pub fn migration_words(t: &TopologyView) -> String {
    match &t.migration {
        None => "stage unknown".into(),
        Some(m) => {
            let done = if m.migrated.is_empty() {
                if m.layout_set {
                    "zone layout set, no zone migrated".to_string()
                } else {
                    "zoned brokers next to numbered ones, no zone layout".to_string()
                }
            } else {
                format!("{} migrated", m.migrated.join(", "))
            };
            let next = m
                .next
                .as_ref()
                .map(|z| format!(", {z} next"))
                .unwrap_or_default();
            format!("{done}{next}, {} numbered brokers left", m.numbered_left)
        }
    }
}

/// An RDBMS exporter and no Elasticsearch one: the secondary storage is one database both
/// regions write to (zone-aware-dual-region.md §4.4, §5.1).
fn rdbms_exporter(view: &ClusterView) -> Option<&str> {
    let es = view
        .exporters
        .iter()
        .any(|e| e.id.starts_with("camundaregion") || e.id.starts_with("elasticsearchregion"));
    (!es)
        .then(|| {
            view.exporters
                .iter()
                .find(|e| e.id.to_ascii_lowercase().contains("rdbms"))
        })
        .flatten()
        .map(|e| e.id.as_str())
}

/// Refuses what neither procedure covers: a half-migrated cluster, RDBMS secondary storage.
fn procedure_applies(view: &ClusterView) -> Result<(), String> {
    let t = &view.cluster.topology;
    if t.kind == TopologyKind::Migrating {
        return Err(format!(
            "the cluster is half-way through the migration to zone-aware brokers ({}): broker              ids are no longer by parity and not all zoned, so neither the numbered procedure              nor the zones API applies as written, and Camunda documents no region loss in              this state (zone-aware-dual-region.md §6.6). Finish or roll back the migration              first if the region can wait; otherwise handle it by hand with Camunda support.",
            migration_words(t)
        ));
    }
    if let Some(id) = rdbms_exporter(view) {
        return Err(format!(
            "the cluster exports to an RDBMS (exporter {id}), not to an Elasticsearch per              region: the Elasticsearch steps do not apply. A region loss there is handled by              the RDBMS procedure: remove the lost zone (DELETE /actuator/cluster/zones/<zone>             ?force=true) and promote the database writer if it was in the lost region              (docs: multi-region-rdbms-ops; ECS failover.sh; zone-aware-dual-region.md §5.1–5.3)."
        ));
    }
    Ok(())
}

/// The zone a zone-aware run removes or adds back. Failover: read from the persisted layout
/// (and journaled with the run). Failback: the layout no longer has it, so from the failover's
/// journal (`recorded`), else the configuration, else derived from the surviving zone, which
/// the plan says.
fn zone_plan(
    config: &Config,
    view: &ClusterView,
    procedure: Procedure,
    region: Region,
    recorded: Option<&ZonePlan>,
) -> Result<ZonePlan, String> {
    let name = config
        .zones()
        .zone(region)
        .map(|z| z.as_str())
        .ok_or_else(|| {
            format!(
                "region{region} has no valid zone: set [[regions]] zone (regions[id={region}].zone)"
            )
        })?;
    let layout = &view.cluster.topology.zones;
    let others: Vec<_> = layout.iter().filter(|z| z.name != name).collect();
    let others_replicas = others.iter().map(|z| z.replicas).sum();
    let others_priority = others.iter().map(|z| z.priority).max().unwrap_or(0);
    let known = layout
        .iter()
        .map(|z| z.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let own = layout.iter().find(|z| z.name == name);
    match procedure {
        Procedure::Failover => {
            let z = own.ok_or_else(|| {
                format!(
                    "zone {name} (region{region}) is not in the cluster's zone layout (zones:                      {known}): already removed? Then fail back; or set [[regions]] zone to the                      zone its brokers are in"
                )
            })?;
            Ok(ZonePlan {
                name: name.to_string(),
                replicas: z.replicas,
                priority: z.priority,
                brokers: u32::try_from(z.members).unwrap_or(u32::MAX),
                others: others_replicas,
                others_priority,
                basis: ZoneBasis::Layout,
            })
        }
        Procedure::Failback => {
            if own.is_some() {
                return Err(format!(
                    "zone {name} (region{region}) is still in the cluster's zone layout: fail                      over first (or, if the region came back on its own, there is nothing to                      fail back)"
                ));
            }
            let survivors = others.iter().map(|z| z.members).max().unwrap_or(0);
            let cfg = config.region(region);
            let (replicas, priority, brokers, basis) = match (
                recorded.filter(|r| r.name == name),
                cfg.and_then(|c| c.zone_replicas.zip(c.zone_priority)),
            ) {
                (Some(r), _) => (r.replicas, r.priority, r.brokers, r.basis.clone()),
                (None, Some((rep, pri))) => (
                    rep,
                    pri,
                    u32::try_from(survivors).unwrap_or(u32::MAX),
                    ZoneBasis::Configured,
                ),
                (None, None) => {
                    let rep = others.first().map_or(2, |z| z.replicas);
                    let pri = if region == config.primary {
                        others_priority.saturating_mul(2).max(2)
                    } else {
                        (others_priority / 2).max(1)
                    };
                    (
                        rep,
                        pri,
                        u32::try_from(survivors).unwrap_or(u32::MAX),
                        ZoneBasis::Derived,
                    )
                }
            };
            if brokers == 0 {
                return Err(format!(
                    "cannot tell how many brokers zone {name} runs: no surviving zone has members                      in a fresh configuration"
                ));
            }
            Ok(ZonePlan {
                name: name.to_string(),
                replicas,
                priority,
                brokers,
                others: others_replicas,
                others_priority,
                basis,
            })
        }
    }
}

/// The plan's inputs from the configuration and a fresh view. Refuses what c8dr cannot run.
/// `recorded`: the zone a zone-aware failover of this region journaled, for its failback.
pub fn inputs(
    config: &Config,
    view: &ClusterView,
    procedure: Procedure,
    region: Region,
    run: &str,
    basis: Option<&Basis>,
    recorded: Option<&ZonePlan>,
) -> Result<Inputs, String> {
    let version = supported_version(view, region)?;
    procedure_applies(view)?;
    let topology = match view.cluster.topology.kind {
        TopologyKind::ZoneAware => TopologyKind::ZoneAware,
        // Without a configuration the kind cannot be read; the numbered plan's guards need
        // a fresh one before anything is sent (TopologyIs).
        _ => TopologyKind::Numbered,
    };
    let zone = match (topology, basis.and_then(|b| b.zone.as_ref())) {
        (_, Some(z)) => Some(z.clone()),
        (TopologyKind::ZoneAware, None) => {
            Some(zone_plan(config, view, procedure, region, recorded)?)
        }
        _ => None,
    };
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
    if basis.is_none() && procedure == Procedure::Failback && zone.is_none() {
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
        topology: if zone.is_some() {
            TopologyKind::ZoneAware
        } else {
            TopologyKind::Numbered
        },
        zone,
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
