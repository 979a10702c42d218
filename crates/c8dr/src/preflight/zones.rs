//! Rules for Camunda 8.10's zone-aware clusters and the chart 15 keys (issue 15 §5): the zone
//! list and its replicas, the zone priorities, a migration left half-way, the deprecated
//! `global.multiregion`, and the traffic mode each version documents. Sources:
//! zone-aware-dual-region.md §4.2 (Helm keys), §4.3 (replicas and priorities per zone),
//! §6 (migration), §7.9 (chart 15/16); dual-region-procedure.md §4 "next" (CNX: active-active
//! from 8.9, 8.10 removed the v1 APIs).

use super::{Facts, Finding, Rule, Status, camunda_minor, found};
use crate::api::{BrokerId, Region};
use crate::config::TrafficMode;
use crate::model::TopologyKind;
use serde_yaml::Value;

/// A zone as a release's values list it: (name, brokers, replicas, priority).
type ZoneSpec = (String, Option<i64>, Option<i64>, Option<i64>);

fn values_zones(f: &Facts, r: Region) -> Option<Vec<ZoneSpec>> {
    let list = f.values[r]
        .get("orchestration.partitioning.zones")?
        .as_sequence()?;
    Some(
        list.iter()
            .map(|z| {
                let n = |k: &str| z.get(k).and_then(Value::as_i64);
                (
                    z.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string(),
                    n("numberOfBrokers"),
                    n("numberOfReplicas"),
                    n("priority"),
                )
            })
            .collect(),
    )
}

fn zone_aware_values(f: &Facts, r: Region) -> bool {
    f.values[r]
        .get("orchestration.partitioning.scheme")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("zone-aware"))
}

/// Region `r`'s configured zone (`[[regions]] zone`, default its name).
fn configured_zone(f: &Facts, r: Region) -> String {
    f.view
        .zones
        .zone(r)
        .map(|z| z.to_string())
        .unwrap_or_else(|| "?".into())
}

fn words(zones: &[ZoneSpec]) -> String {
    zones
        .iter()
        .map(|(n, b, r, p)| {
            let s = |x: &Option<i64>| x.map_or("?".into(), |x| x.to_string());
            format!("{n} brokers {} replicas {} priority {}", s(b), s(r), s(p))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub const ZONES: Rule = Rule {
    id: "zones",
    title: "zones and replicas per zone",
    rule: "a zone-aware dual-region cluster (8.10+) has two zones, the regions' ([[regions]] zone), with numberOfReplicas 2 each (RF 4); both releases list the same orchestration.partitioning.zones and each sets orchestration.partitioning.zone to its region's zone (zone-aware-dual-region.md §4.2, §4.3)",
    judge: zones,
};

fn zones(f: &Facts) -> Finding {
    let layout = &f.view.cluster.topology.zones;
    let in_values = Region::BOTH.map(|r| zone_aware_values(f, r));
    if layout.is_empty() && !in_values.iter().any(|z| *z) {
        return match f.view.cluster.topology.kind {
            TopologyKind::Numbered => found(
                Status::Pass,
                "numbered cluster (integer broker ids, no zone-aware layout): no zones to check",
            ),
            _ => found(
                Status::Unknown,
                "no zone-aware layout in /actuator/cluster and no zone-aware Helm values read",
            ),
        };
    }
    let configured = Region::BOTH.map(|r| configured_zone(f, r));
    let mut bad = vec![];
    if !layout.is_empty() {
        if layout.len() != 2 {
            bad.push(format!(
                "the layout has {} zones ({}): dual-region needs 2",
                layout.len(),
                crate::text::list(layout.iter().map(|z| z.name.as_str()))
            ));
        }
        for z in layout.iter().filter(|z| z.replicas != 2) {
            bad.push(format!(
                "{} {} replicas (2 per zone for RF 4)",
                z.name, z.replicas
            ));
        }
        for (r, zone) in Region::BOTH.iter().zip(&configured) {
            if !layout.iter().any(|z| &z.name == zone) {
                bad.push(format!(
                    "region {r}'s zone {zone} ([[regions]] zone) is not in the layout ({})",
                    crate::text::list(layout.iter().map(|z| z.name.as_str()))
                ));
            }
        }
    }
    let lists = Region::BOTH.map(|r| values_zones(f, r));
    for r in Region::BOTH {
        if !in_values[r.index()] {
            continue;
        }
        let zone = f.values[r]
            .get("orchestration.partitioning.zone")
            .and_then(Value::as_str)
            .unwrap_or("unset");
        if zone != configured[r.index()] {
            bad.push(format!(
                "region {r}: orchestration.partitioning.zone is {zone}, [[regions]] zone is {}",
                configured[r.index()]
            ));
        }
    }
    if let [Some(a), Some(b)] = &lists
        && a != b
    {
        bad.push(format!(
            "the releases' orchestration.partitioning.zones differ: region 0 {}; region 1 {}",
            words(a),
            words(b)
        ));
    }
    // Zoned broker pods run in their zone's region.
    for (r, o) in f.snap.regions.iter() {
        let Some(Ok(pods)) = o.pods.as_ref().map(|p| p.value.as_ref()) else {
            continue;
        };
        let strays: Vec<String> = pods
            .iter()
            .filter(|p| {
                p.broker
                    .and_then(BrokerId::zone)
                    .is_some_and(|z| z.as_str() != configured[r.index()])
            })
            .map(|p| p.name.clone())
            .collect();
        if !strays.is_empty() {
            bad.push(format!(
                "region {r} runs pods of another zone: {}",
                crate::text::list(&strays)
            ));
        }
    }
    if !bad.is_empty() {
        return found(Status::Fail, bad.join("; "));
    }
    let mut evidence = if layout.is_empty() {
        "no layout in /actuator/cluster yet".to_string()
    } else {
        format!(
            "{} (/actuator/cluster partitioning), the regions' zones",
            crate::text::list(
                layout
                    .iter()
                    .map(|z| format!("{} {} replicas", z.name, z.replicas))
            )
        )
    };
    match &lists {
        [Some(_), Some(_)] => evidence.push_str("; both releases list the same zones"),
        _ => evidence.push_str("; the releases' zone lists not compared (Helm values not read)"),
    }
    found(Status::Pass, evidence)
}

pub const ZONE_PRIORITIES: Rule = Rule {
    id: "zone-priorities",
    title: "zone priorities favour the primary",
    rule: "zone priorities differ, the primary region's zone highest, so that partition leaders stay there (the ECS dual-region reference gives region 0 priority 1000 and region 1 500, the migration guide's example 100 and 90, zone index 0 first); a warning: equal or inverted priorities cost latency and move leaders across regions, not safety (zone-aware-dual-region.md §4.3, §5.2)",
    judge: zone_priorities,
};

fn zone_priorities(f: &Facts) -> Finding {
    let mut zones: Vec<(String, i64)> = f
        .view
        .cluster
        .topology
        .zones
        .iter()
        .map(|z| (z.name.clone(), i64::from(z.priority)))
        .collect();
    let mut from = "/actuator/cluster partitioning";
    if zones.is_empty()
        && let Some(list) = values_zones(f, f.config.primary)
    {
        zones = list
            .into_iter()
            .map(|(n, _, _, p)| (n, p.unwrap_or(0)))
            .collect();
        from = "Helm values";
    }
    if zones.len() < 2 {
        return match f.view.cluster.topology.kind {
            TopologyKind::Numbered => found(Status::Pass, "numbered cluster: no zone priorities"),
            _ => found(Status::Unknown, "no zone priorities read"),
        };
    }
    let listed = crate::text::list(zones.iter().map(|(n, p)| format!("{n} ({p})")));
    let primary = configured_zone(f, f.config.primary);
    let top = zones.iter().map(|(_, p)| *p).max().unwrap_or(0);
    let leaders: Vec<&(String, i64)> = zones.iter().filter(|(_, p)| *p == top).collect();
    if leaders.len() > 1 {
        return found(
            Status::Warn,
            format!(
                "priorities equal: {listed} ({from}): no zone is preferred, leaders spread over both regions"
            ),
        );
    }
    match leaders.first() {
        Some((name, _)) if *name == primary => found(
            Status::Pass,
            format!("{listed} ({from}): leaders stay in the primary's zone {primary}"),
        ),
        Some((name, p)) => found(
            Status::Warn,
            format!(
                "{name} ({p}) is preferred over the primary's zone {primary}: {listed} ({from}); leaders gather in {name}"
            ),
        ),
        None => found(Status::Unknown, "no zone priorities read"),
    }
}

pub const ZONE_MIGRATION: Rule = Rule {
    id: "zone-migration",
    title: "no zone migration left half-way",
    rule: "a migration to zone-aware brokers is finished: no numbered member left, keepUnzonedBrokers back to false and the numbered StatefulSet gone (until then neither failover procedure applies as written; zone-aware-dual-region.md §6.2, §6.6)",
    judge: zone_migration,
};

fn zone_migration(f: &Facts) -> Finding {
    let topo = &f.view.cluster.topology;
    if let Some(m) = &topo.migration {
        return found(
            Status::Warn,
            format!(
                "migration half-way: {}, {} ({} numbered members left)",
                m.stage_words(),
                m.next_words(),
                m.numbered_left
            ),
        );
    }
    let mut left = vec![];
    for r in Region::BOTH {
        if f.values[r]
            .get("orchestration.partitioning.keepUnzonedBrokers")
            .and_then(Value::as_bool)
            == Some(true)
        {
            left.push(format!(
                "region {r}: orchestration.partitioning.keepUnzonedBrokers: true left on"
            ));
        }
    }
    for (r, o) in f.snap.regions.iter() {
        let Some(Ok(pods)) = o.pods.as_ref().map(|p| p.value.as_ref()) else {
            continue;
        };
        let numbered = pods.iter().any(|p| p.broker.is_some_and(|b| !b.is_zoned()));
        let zoned = pods
            .iter()
            .any(|p| p.broker.is_some_and(BrokerId::is_zoned));
        if numbered && zoned {
            left.push(format!(
                "region {r}: numbered and zoned broker StatefulSets both run"
            ));
        }
    }
    if topo.kind == TopologyKind::ZoneAware && !left.is_empty() {
        return found(
            Status::Warn,
            format!(
                "{}: the migration is done; set keepUnzonedBrokers to false so Helm removes the numbered StatefulSet, then delete its PVCs",
                left.join("; ")
            ),
        );
    }
    match topo.kind {
        TopologyKind::Unknown => found(Status::Unknown, "topology kind unknown"),
        k => found(
            Status::Pass,
            format!("{} cluster, no migration in progress", k.words()),
        ),
    }
}

pub const MULTIREGION_DEPRECATED: Rule = Rule {
    id: "multiregion-deprecated",
    title: "no deprecated global.multiregion",
    rule: "from chart 15 (Camunda 8.10) global.multiregion.regions/regionId are deprecated in favour of orchestration.partitioning (numberOfZones/zoneIndex, or scheme zone-aware); chart 16 (Camunda 8.11) removes them (zone-aware-dual-region.md §4.2, §7.9)",
    judge: multiregion_deprecated,
};

fn multiregion_deprecated(f: &Facts) -> Finding {
    match camunda_minor(f) {
        Some(m) if m < 10 => {
            return found(
                Status::Pass,
                format!("Camunda 8.{m}: global.multiregion is the documented key"),
            );
        }
        None => return found(Status::Unknown, "Camunda version unknown"),
        _ => {}
    }
    let mut used = vec![];
    let mut unread = vec![];
    for r in Region::BOTH {
        match (&f.values[r], f.values[r].get("global.multiregion")) {
            (super::HelmValues::NotRead(why), _) => unread.push(format!("region {r}: {why}")),
            (_, Some(Value::Mapping(m))) if !m.is_empty() => {
                let keys: Vec<String> = m
                    .keys()
                    .filter_map(Value::as_str)
                    .map(|k| format!("global.multiregion.{k}"))
                    .collect();
                used.push(format!("region {r}: {}", crate::text::list(&keys)));
            }
            _ => {}
        }
    }
    if !used.is_empty() {
        return found(
            Status::Warn,
            format!(
                "{}: move to orchestration.partitioning.numberOfZones/zoneIndex before chart 16",
                used.join("; ")
            ),
        );
    }
    if unread.len() == 2 {
        return found(
            Status::Unknown,
            format!("Helm values not read: {}", unread.join("; ")),
        );
    }
    found(
        Status::Pass,
        "no global.multiregion in the Helm values read",
    )
}

pub const TRAFFIC_MODE: Rule = Rule {
    id: "traffic-mode",
    title: "traffic mode as the version documents",
    rule: "from Camunda 8.9 both regions serve user traffic (active-active, the default with the v2 APIs; 8.10 removed the v1 APIs); up to 8.8 only the primary region serves (active-passive) (dual-region-procedure.md §4, CNX vs C88)",
    judge: traffic_mode,
};

fn traffic_mode(f: &Facts) -> Finding {
    let Some(t) = &f.config.traffic else {
        return found(Status::Unknown, "[traffic] not configured");
    };
    let Some(m) = camunda_minor(f) else {
        return found(Status::Unknown, "Camunda version unknown");
    };
    match (m >= 9, t.mode) {
        (true, TrafficMode::ActivePassive) => found(
            Status::Warn,
            format!(
                "Camunda 8.{m} with [traffic] mode active-passive: from 8.9 both regions serve by default{}",
                if m >= 10 {
                    " (8.10 removed the v1 APIs)"
                } else {
                    ""
                }
            ),
        ),
        (false, TrafficMode::ActiveActive) => found(
            Status::Warn,
            format!(
                "Camunda 8.{m} with [traffic] mode active-active: up to 8.8 only the primary region serves"
            ),
        ),
        (_, mode) => found(
            Status::Pass,
            format!("Camunda 8.{m}, [traffic] mode {}", mode.word()),
        ),
    }
}
