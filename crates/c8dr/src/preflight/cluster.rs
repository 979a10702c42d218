//! Rules on the cluster as observed: sizes and placement, brokers in their regions, one
//! exporter per region, both regions seeing each other, Elasticsearch health, one version,
//! round trips and ports from where c8dr runs, and readiness for a failback.

use super::{Facts, Finding, Rule, Status, found};
use crate::api::{BrokerId, Region};
use crate::model::{ElasticsearchStatus, ExporterState, ExporterView, Exporting, Obs};
use std::collections::BTreeMap;

/// Round trips above this make dual-region unsupported (concept page: "< 100 ms").
const RTT_LIMIT_MS: u128 = 100;

fn ok<T>(o: &Option<Obs<T>>) -> bool {
    o.as_ref().is_some_and(|o| o.value.is_ok())
}

pub const SIZES: Rule = Rule {
    id: "sizes",
    title: "cluster size and replication factor",
    rule: "clusterSize must be a multiple of 2 and at least 4, with as many brokers in each region; replicationFactor must be 4 (from 8.9 the cluster may be scaled as long as both regions stay balanced: dual-region-procedure.md §2.2, CNX)",
    judge: sizes,
};

fn sizes(f: &Facts) -> Finding {
    // Scaling is allowed from 8.9 (CNX) only if both regions keep the same number of brokers.
    // A region with none is a failover's state, which the replication factor below names.
    let per_region: Vec<Option<usize>> =
        f.view.regions.iter().map(|r| r.brokers_expected).collect();
    if let [Some(a), Some(b)] = per_region[..]
        && a != b
        && a > 0
        && b > 0
    {
        return found(
            Status::Fail,
            format!(
                "brokers {a} in region 0, {b} in region 1: scale both regions alike (a region loss must leave half of every partition)"
            ),
        );
    }
    match (f.view.cluster.size, f.view.cluster.replication_factor) {
        (Some(n), Some(rf)) if n >= 4 && n % 2 == 0 && rf == 4 => found(
            Status::Pass,
            format!("cluster size {n}, replication factor {rf} (topology / cluster configuration)"),
        ),
        (Some(n), Some(rf)) => found(
            Status::Fail,
            format!(
                "cluster size {n}, replication factor {rf}: set clusterSize to an even number ≥ 4 and replicationFactor to 4"
            ),
        ),
        _ => found(
            Status::Unknown,
            "no topology or cluster configuration observed",
        ),
    }
}

pub const PLACEMENT: Rule = Rule {
    id: "placement",
    title: "two replicas of every partition per region",
    rule: "round-robin placement with even ids in region 0 and odd ids in region 1 puts 2 of the 4 replicas of every partition in each region",
    judge: placement,
};

fn placement(f: &Facts) -> Finding {
    // Built once: each build looks the zone names up in the interner.
    let zones = f.config.zones();
    let known: Vec<_> = f
        .view
        .partitions
        .iter()
        .filter(|p| !p.replicas.is_empty())
        .collect();
    if known.is_empty() {
        return found(
            Status::Unknown,
            "replicas unknown: /actuator/cluster not observed",
        );
    }
    let bad: Vec<String> = known
        .iter()
        .filter(|p| {
            let even = p
                .replicas
                .iter()
                .filter(|b| zones.region_of(**b) == Some(Region::ZERO))
                .count();
            even != 2 || p.replicas.len() - even != 2
        })
        .map(|p| format!("P{} on brokers {}", p.id, crate::text::list(&p.replicas)))
        .collect();
    if bad.is_empty() {
        found(
            Status::Pass,
            format!("{} partitions, each 2 + 2 (/actuator/cluster)", known.len()),
        )
    } else {
        found(
            Status::Fail,
            format!("{} (/actuator/cluster)", bad.join("; ")),
        )
    }
}

pub const BROKER_REGIONS: Rule = Rule {
    id: "broker-regions",
    title: "brokers in their regions (math check)",
    rule: "brokers with even ids run in region 0 and odd ids in region 1 (node id = pod index × 2 + region id)",
    judge: broker_regions,
};

/// The math check: each broker's host names the namespace of the region its id belongs to.
fn broker_regions(f: &Facts) -> Finding {
    // Built once: each build looks the zone names up in the interner.
    let zones = f.config.zones();
    let mut misplaced = vec![];
    let mut seen = 0;
    for (g, obs) in f.snap.regions.iter() {
        let Some(Ok(t)) = obs.topology.as_ref().map(|o| o.value.as_ref()) else {
            continue;
        };
        for b in &t.brokers {
            let ns = f.config.regions.iter().find_map(|r| {
                r.kube
                    .as_ref()
                    .map(|k| (r.id, k.namespace.clone()))
                    .filter(|(_, ns)| b.host.contains(ns.as_str()))
            });
            if let Some((region, ns)) = ns {
                seen += 1;
                if Some(region) != zones.region_of(b.id()) {
                    misplaced.push(format!("broker {} runs in {ns} (region {region}) per its host {} seen by region {g}'s gateway", b.id(), b.host));
                }
            }
        }
    }
    match (seen, misplaced.is_empty()) {
        (0, _) => found(
            Status::Unknown,
            "no topology host names matched a configured namespace",
        ),
        (_, true) => found(
            Status::Pass,
            format!("{seen} broker entries checked against their hosts' namespaces"),
        ),
        (_, false) => found(Status::Fail, misplaced.join("; ")),
    }
}

pub const EXPORTERS: Rule = Rule {
    id: "exporters",
    title: "one enabled exporter per region",
    rule: "one exporter per region (camundaregionN from 8.8, elasticsearchregionN before), each enabled and writing to its own region's Elasticsearch",
    judge: exporters,
};

fn exporters(f: &Facts) -> Finding {
    let v = f.view;
    if v.exporters.is_empty() {
        return found(Status::Unknown, "/actuator/exporters not observed");
    }
    let mut per_region: BTreeMap<Region, Vec<&ExporterView>> = BTreeMap::new();
    for e in v.exporters.iter().filter(|e| !e.legacy) {
        if let Some(r) = e.region {
            per_region.entry(r).or_default().push(e);
        }
    }
    let ok = Region::BOTH.iter().all(|r| {
        per_region
            .get(r)
            .is_some_and(|v| matches!(v.as_slice(), [e] if e.status == ExporterState::Enabled))
    });
    let words = |r: Region| {
        per_region.get(&r).map_or("none".into(), |v| {
            v.iter()
                .map(|e| format!("{} {}", e.id, e.status))
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    found(
        if ok { Status::Pass } else { Status::Fail },
        format!(
            "region 0: {}; region 1: {} (/actuator/exporters)",
            words(Region::ZERO),
            words(Region::ONE)
        ),
    )
}

pub const CROSS_REGION: Rule = Rule {
    id: "cross-region",
    title: "both regions see each other",
    rule: "brokers of both regions are visible in each region's topology (cross-region traffic works)",
    judge: cross_region,
};

/// Each region's gateway sees brokers of both regions.
fn cross_region(f: &Facts) -> Finding {
    // Built once: each build looks the zone names up in the interner.
    let zones = f.config.zones();
    let topologies: Vec<_> = f
        .snap
        .regions
        .values()
        .map(|o| o.topology.as_ref().and_then(|t| t.value.as_ref().ok()))
        .collect();
    let views: Vec<String> = topologies
        .iter()
        .enumerate()
        .filter_map(|(g, t)| {
            let t = (*t)?;
            let even = t
                .brokers
                .iter()
                .filter(|b| zones.region_of(b.id()) == Some(Region::ZERO))
                .count();
            Some(format!(
                "region {g} sees {even} even and {} odd brokers",
                t.brokers.len() - even
            ))
        })
        .collect();
    if views.len() < 2 {
        let have = if views.is_empty() {
            "none".into()
        } else {
            views.join("; ")
        };
        return found(
            Status::Unknown,
            format!("topology of both regions needed; have: {have}"),
        );
    }
    let both = topologies.iter().all(|t| {
        t.is_some_and(|t| {
            Region::BOTH.iter().all(|r| {
                t.brokers
                    .iter()
                    .any(|b| zones.region_of(b.id()) == Some(*r))
            })
        })
    });
    found(
        if both { Status::Pass } else { Status::Fail },
        views.join("; "),
    )
}

pub const ELASTICSEARCH: Rule = Rule {
    id: "elasticsearch",
    title: "Elasticsearch healthy in both regions",
    rule: "Elasticsearch runs in both regions and is healthy (green)",
    judge: elasticsearch,
};

fn elasticsearch(f: &Facts) -> Finding {
    use ElasticsearchStatus as Es;
    let regions = &f.view.regions;
    let evidence = regions
        .iter()
        .map(|r| format!("region {}: {}", r.id, r.elasticsearch.status))
        .collect::<Vec<_>>()
        .join("; ");
    let any = |pred: fn(&Es) -> bool| regions.iter().any(|r| pred(&r.elasticsearch.status));
    let status = if any(|s| matches!(s, Es::Unknown | Es::NotConfigured)) {
        Status::Unknown
    } else if regions.iter().all(|r| r.elasticsearch.status == Es::Green) {
        Status::Pass
    } else if any(|s| matches!(s, Es::Red | Es::Unreachable)) {
        Status::Fail
    } else {
        Status::Warn
    };
    found(status, evidence)
}

pub const VERSIONS: Rule = Rule {
    id: "versions",
    title: "one version on every broker",
    rule: "one Camunda version on every broker (mixed only while an upgrade rolls)",
    judge: versions,
};

fn versions(f: &Facts) -> Finding {
    let mut versions: BTreeMap<String, Vec<BrokerId>> = BTreeMap::new();
    for b in &f.view.brokers {
        if let Some(ver) = &b.version {
            versions.entry(ver.clone()).or_default().push(b.id);
        }
    }
    let evidence = versions
        .iter()
        .map(|(ver, ids)| format!("{ver} on brokers {}", crate::text::list(ids)))
        .collect::<Vec<_>>()
        .join("; ");
    match versions.len() {
        0 => found(Status::Unknown, "no broker versions observed"),
        1 => found(Status::Pass, evidence),
        _ => found(
            Status::Warn,
            format!("{evidence} (an upgrade in progress?)"),
        ),
    }
}

pub const LATENCY: Rule = Rule {
    id: "latency",
    title: "round trip below 100 ms",
    rule: "round-trip time to each region below 100 ms (measured from c8dr; between regions not measurable from here)",
    judge: latency,
};

/// Round trip from where c8dr runs: how long each region's topology answer took.
fn latency(f: &Facts) -> Finding {
    let rtts: Vec<(Region, u128)> = f
        .snap
        .regions
        .iter()
        .filter_map(|(r, o)| {
            o.topology
                .as_ref()
                .filter(|t| t.value.is_ok())
                .map(|t| (r, t.took.as_millis()))
        })
        .collect();
    if rtts.len() < 2 {
        return found(
            Status::Unknown,
            "no answer from both regions' REST API to time",
        );
    }
    let evidence = rtts
        .iter()
        .map(|(r, ms)| format!("region {r}: {ms} ms"))
        .collect::<Vec<_>>()
        .join("; ");
    let slow = rtts.iter().any(|(_, ms)| *ms >= RTT_LIMIT_MS);
    found(if slow { Status::Warn } else { Status::Pass }, evidence)
}

pub const PORTS: Rule = Rule {
    id: "ports",
    title: "documented ports answer",
    rule: "REST 8080, management 9600 and Elasticsearch 9200 answer in both regions from where c8dr runs (gRPC 26500 is not probed)",
    judge: ports,
};

fn ports(f: &Facts) -> Finding {
    let mut answered = vec![];
    let mut silent = vec![];
    for (r, o) in f.snap.regions.iter() {
        for (what, obs_ok, asked) in [
            ("REST", ok(&o.topology), o.topology.is_some()),
            ("management", ok(&o.cluster), o.cluster.is_some()),
            ("Elasticsearch", ok(&o.es_health), o.es_health.is_some()),
        ] {
            if !asked {
                continue;
            }
            if obs_ok {
                answered.push(format!("region {r} {what}"))
            } else {
                silent.push(format!("region {r} {what}"))
            }
        }
    }
    match (answered.is_empty(), silent.is_empty()) {
        (true, true) => found(Status::Unknown, "nothing was asked"),
        (_, true) => found(Status::Pass, format!("answered: {}", answered.join(", "))),
        _ => found(Status::Fail, format!("no answer: {}", silent.join(", "))),
    }
}

pub const FAILBACK_READY: Rule = Rule {
    id: "failback-ready",
    title: "failback readiness",
    rule: "ready for a failback: exporting not left paused, no topology change pending",
    judge: failback_ready,
};

/// Failback readiness that c8dr can see today.
fn failback_ready(f: &Facts) -> Finding {
    let v = f.view;
    let problems: Vec<String> = [
        matches!(v.exporting, Exporting::Paused | Exporting::Mixed)
            .then(|| format!("exporting {}", v.exporting)),
        v.cluster
            .pending_change
            .as_ref()
            .map(|c| format!("change #{} pending", c.id)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if v.exporting == Exporting::Unknown && v.cluster.pending_change.is_none() {
        found(
            Status::Unknown,
            "exporting phase not observed (/actuator/partitions needs [regions.kube])",
        )
    } else if problems.is_empty() {
        found(
            Status::Pass,
            format!("exporting {}, no change pending", v.exporting),
        )
    } else {
        found(Status::Warn, problems.join("; "))
    }
}
