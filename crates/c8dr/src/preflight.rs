//! Preflight: the deployment checked against the documented dual-region requirements, each
//! check with the evidence it saw and the rule it applies (concept page "Requirements and
//! limitations", "Zeebe cluster configuration"; procedure §2).
//!
//! Pure: computed from the observations and the view. A check c8dr cannot decide from what it
//! observes is `unknown` with the reason, never a guess.

use crate::config::Config;
use crate::model::{ClusterView, Snapshot};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Unknown,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    pub evidence: String,
    pub rule: &'static str,
}

fn check(
    id: &'static str,
    title: &'static str,
    rule: &'static str,
    status: Status,
    evidence: impl Into<String>,
) -> Check {
    Check {
        id,
        title,
        status,
        evidence: evidence.into(),
        rule,
    }
}

/// Round trips above this make dual-region unsupported (concept page: "< 100 ms").
const RTT_LIMIT_MS: u128 = 100;

/// Runs every check.
pub fn run(config: &Config, snap: &Snapshot, v: &ClusterView) -> Vec<Check> {
    let mut out = vec![];

    // Sizes and replication (from the agreed configuration when observed).
    let rule = "clusterSize must be a multiple of 2 and at least 4; replicationFactor must be 4";
    out.push(match (v.cluster.size, v.cluster.replication_factor) {
        (Some(n), Some(rf)) if n >= 4 && n % 2 == 0 && rf == 4 => {
            check("sizes", "cluster size and replication factor", rule, Status::Pass, format!("cluster size {n}, replication factor {rf} (topology / cluster configuration)"))
        }
        (Some(n), Some(rf)) => check(
            "sizes",
            "cluster size and replication factor",
            rule,
            Status::Fail,
            format!("cluster size {n}, replication factor {rf}: set clusterSize to an even number ≥ 4 and replicationFactor to 4"),
        ),
        _ => check("sizes", "cluster size and replication factor", rule, Status::Unknown, "no topology or cluster configuration observed"),
    });

    // Two replicas of every partition in each region.
    let rule = "round-robin placement with even ids in region 0 and odd ids in region 1 puts 2 of the 4 replicas of every partition in each region";
    let known: Vec<_> = v
        .partitions
        .iter()
        .filter(|p| !p.replicas.is_empty())
        .collect();
    out.push(if known.is_empty() {
        check(
            "placement",
            "two replicas of every partition per region",
            rule,
            Status::Unknown,
            "replicas unknown: /actuator/cluster not observed",
        )
    } else {
        let bad: Vec<String> = known
            .iter()
            .filter(|p| {
                let even = p.replicas.iter().filter(|b| *b % 2 == 0).count();
                even != 2 || p.replicas.len() - even != 2
            })
            .map(|p| format!("P{} on {:?}", p.id, p.replicas))
            .collect();
        if bad.is_empty() {
            check(
                "placement",
                "two replicas of every partition per region",
                rule,
                Status::Pass,
                format!("{} partitions, each 2 + 2 (/actuator/cluster)", known.len()),
            )
        } else {
            check(
                "placement",
                "two replicas of every partition per region",
                rule,
                Status::Fail,
                format!("{} (/actuator/cluster)", bad.join("; ")),
            )
        }
    });

    // The math check: brokers where they belong.
    let rule = "brokers with even ids run in region 0 and odd ids in region 1 (node id = pod index × 2 + region id)";
    let mut misplaced = vec![];
    let mut seen = 0;
    for (g, obs) in snap.regions.iter().enumerate() {
        let Some(Ok(t)) = obs.topology.as_ref().map(|o| o.value.as_ref()) else {
            continue;
        };
        for b in &t.brokers {
            let ns = config.regions.iter().find_map(|r| {
                r.kube
                    .as_ref()
                    .map(|k| (r.id, k.namespace.clone()))
                    .filter(|(_, ns)| b.host.contains(ns.as_str()))
            });
            if let Some((region, ns)) = ns {
                seen += 1;
                if i32::from(region) != b.node_id.rem_euclid(2) {
                    misplaced.push(format!("broker {} runs in {ns} (region {region}) per its host {} seen by region {g}'s gateway", b.node_id, b.host));
                }
            }
        }
    }
    out.push(match (seen, misplaced.is_empty()) {
        (0, _) => check(
            "broker-regions",
            "brokers in their regions (math check)",
            rule,
            Status::Unknown,
            "no topology host names matched a configured namespace",
        ),
        (_, true) => check(
            "broker-regions",
            "brokers in their regions (math check)",
            rule,
            Status::Pass,
            format!("{seen} broker entries checked against their hosts' namespaces"),
        ),
        (_, false) => check(
            "broker-regions",
            "brokers in their regions (math check)",
            rule,
            Status::Fail,
            misplaced.join("; "),
        ),
    });

    // One exporter per region, enabled.
    let rule = "one exporter per region (camundaregionN from 8.8, elasticsearchregionN before), each enabled and writing to its own region's Elasticsearch";
    out.push(if v.exporters.is_empty() {
        check(
            "exporters",
            "one enabled exporter per region",
            rule,
            Status::Unknown,
            "/actuator/exporters not observed",
        )
    } else {
        let per_region: BTreeMap<u8, Vec<String>> = v
            .exporters
            .iter()
            .filter(|e| !e.legacy)
            .filter_map(|e| e.region.map(|r| (r, format!("{} {}", e.id, e.status))))
            .fold(BTreeMap::new(), |mut m, (r, e)| {
                m.entry(r).or_insert_with(Vec::new).push(e);
                m
            });
        let ok = [0u8, 1].iter().all(|r| {
            per_region
                .get(r)
                .is_some_and(|v| v.len() == 1 && v[0].ends_with("ENABLED"))
        });
        let evidence = format!(
            "region 0: {}; region 1: {} (/actuator/exporters)",
            per_region.get(&0).map_or("none".into(), |v| v.join(", ")),
            per_region.get(&1).map_or("none".into(), |v| v.join(", "))
        );
        check(
            "exporters",
            "one enabled exporter per region",
            rule,
            if ok { Status::Pass } else { Status::Fail },
            evidence,
        )
    });

    // Cross-region visibility: each region's gateway sees brokers of both regions.
    let rule = "brokers of both regions are visible in each region's topology (cross-region traffic works)";
    let views: Vec<String> = snap
        .regions
        .iter()
        .enumerate()
        .filter_map(
            |(g, o)| match o.topology.as_ref().map(|t| t.value.as_ref()) {
                Some(Ok(t)) => {
                    let even = t.brokers.iter().filter(|b| b.node_id % 2 == 0).count();
                    Some(format!(
                        "region {g} sees {even} even and {} odd brokers",
                        t.brokers.len() - even
                    ))
                }
                _ => None,
            },
        )
        .collect();
    let both = snap
        .regions
        .iter()
        .all(|o| match o.topology.as_ref().map(|t| t.value.as_ref()) {
            Some(Ok(t)) => {
                t.brokers.iter().any(|b| b.node_id % 2 == 0)
                    && t.brokers.iter().any(|b| b.node_id % 2 == 1)
            }
            _ => false,
        });
    out.push(if views.len() < 2 {
        check(
            "cross-region",
            "both regions see each other",
            rule,
            Status::Unknown,
            format!(
                "topology of both regions needed; have: {}",
                if views.is_empty() {
                    "none".into()
                } else {
                    views.join("; ")
                }
            ),
        )
    } else {
        check(
            "cross-region",
            "both regions see each other",
            rule,
            if both { Status::Pass } else { Status::Fail },
            views.join("; "),
        )
    });

    // Elasticsearch healthy in both regions.
    let rule = "Elasticsearch runs in both regions and is healthy (green)";
    let es: Vec<String> = v
        .regions
        .iter()
        .map(|r| format!("region {}: {}", r.id, r.elasticsearch.status))
        .collect();
    let statuses: Vec<&str> = v
        .regions
        .iter()
        .map(|r| r.elasticsearch.status.as_str())
        .collect();
    out.push(
        if statuses
            .iter()
            .any(|s| matches!(*s, "unknown" | "not configured"))
        {
            check(
                "elasticsearch",
                "Elasticsearch healthy in both regions",
                rule,
                Status::Unknown,
                es.join("; "),
            )
        } else if statuses.iter().all(|s| *s == "green") {
            check(
                "elasticsearch",
                "Elasticsearch healthy in both regions",
                rule,
                Status::Pass,
                es.join("; "),
            )
        } else if statuses.iter().any(|s| matches!(*s, "red" | "unreachable")) {
            check(
                "elasticsearch",
                "Elasticsearch healthy in both regions",
                rule,
                Status::Fail,
                es.join("; "),
            )
        } else {
            check(
                "elasticsearch",
                "Elasticsearch healthy in both regions",
                rule,
                Status::Warn,
                es.join("; "),
            )
        },
    );

    // One version everywhere.
    let rule = "one Camunda version on every broker (mixed only while an upgrade rolls)";
    let mut versions: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for b in &v.brokers {
        if let Some(ver) = &b.version {
            versions.entry(ver.clone()).or_default().push(b.id);
        }
    }
    let evidence = versions
        .iter()
        .map(|(ver, ids)| format!("{ver} on {ids:?}"))
        .collect::<Vec<_>>()
        .join("; ");
    out.push(match versions.len() {
        0 => check(
            "versions",
            "one version on every broker",
            rule,
            Status::Unknown,
            "no broker versions observed",
        ),
        1 => check(
            "versions",
            "one version on every broker",
            rule,
            Status::Pass,
            evidence,
        ),
        _ => check(
            "versions",
            "one version on every broker",
            rule,
            Status::Warn,
            format!("{evidence} (an upgrade in progress?)"),
        ),
    });

    // Distinct contexts and namespaces.
    let rule = "each region has its own Kubernetes context, and the namespaces differ (DNS forwarding is per namespace)";
    let kubes: Vec<_> = config
        .regions
        .iter()
        .filter_map(|r| r.kube.as_ref())
        .collect();
    out.push(match kubes.as_slice() {
        [a, b] if a.context != b.context && a.namespace != b.namespace => check(
            "contexts",
            "distinct contexts and namespaces",
            rule,
            Status::Pass,
            format!(
                "{}/{} and {}/{}",
                a.context, a.namespace, b.context, b.namespace
            ),
        ),
        [a, b] => check(
            "contexts",
            "distinct contexts and namespaces",
            rule,
            Status::Fail,
            format!(
                "{}/{} and {}/{}: use one context per region and different namespaces",
                a.context, a.namespace, b.context, b.namespace
            ),
        ),
        _ => check(
            "contexts",
            "distinct contexts and namespaces",
            rule,
            Status::Unknown,
            "[regions.kube] not configured for both regions",
        ),
    });

    // Round trip from where c8dr runs.
    let rule = "round-trip time to each region below 100 ms (measured from c8dr; between regions not measurable from here)";
    let rtts: Vec<(u8, u128)> = snap
        .regions
        .iter()
        .enumerate()
        .filter_map(|(r, o)| {
            o.topology
                .as_ref()
                .filter(|t| t.value.is_ok())
                .map(|t| (r as u8, t.took.as_millis()))
        })
        .collect();
    out.push(if rtts.len() < 2 {
        check(
            "latency",
            "round trip below 100 ms",
            rule,
            Status::Unknown,
            "no answer from both regions' REST API to time",
        )
    } else {
        let evidence = rtts
            .iter()
            .map(|(r, ms)| format!("region {r}: {ms} ms"))
            .collect::<Vec<_>>()
            .join("; ");
        let slow = rtts.iter().any(|(_, ms)| *ms >= RTT_LIMIT_MS);
        check(
            "latency",
            "round trip below 100 ms",
            rule,
            if slow { Status::Warn } else { Status::Pass },
            evidence,
        )
    });

    // The documented ports, from where c8dr runs.
    let rule = "REST 8080, management 9600 and Elasticsearch 9200 answer in both regions from where c8dr runs (gRPC 26500 is not probed)";
    let mut answered = vec![];
    let mut silent = vec![];
    for (r, o) in snap.regions.iter().enumerate() {
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
    out.push(match (answered.is_empty(), silent.is_empty()) {
        (true, true) => check(
            "ports",
            "documented ports answer",
            rule,
            Status::Unknown,
            "nothing was asked",
        ),
        (_, true) => check(
            "ports",
            "documented ports answer",
            rule,
            Status::Pass,
            format!("answered: {}", answered.join(", ")),
        ),
        _ => check(
            "ports",
            "documented ports answer",
            rule,
            Status::Fail,
            format!("no answer: {}", silent.join(", ")),
        ),
    });

    out.extend(configuration_checks(config, snap, v));

    // Failback readiness that c8dr can see today.
    let rule = "ready for a failback: exporting not left paused, no topology change pending";
    let problems: Vec<String> = [
        (v.exporting == "paused" || v.exporting == "mixed")
            .then(|| format!("exporting {}", v.exporting)),
        v.cluster
            .pending_change
            .as_ref()
            .map(|c| format!("change #{} pending", c.id)),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.push(
        if v.exporting == "unknown" && v.cluster.pending_change.is_none() {
            check(
                "failback-ready",
                "failback readiness",
                rule,
                Status::Unknown,
                "exporting phase not observed (/actuator/partitions needs [regions.kube])",
            )
        } else if problems.is_empty() {
            check(
                "failback-ready",
                "failback readiness",
                rule,
                Status::Pass,
                format!("exporting {}, no change pending", v.exporting),
            )
        } else {
            check(
                "failback-ready",
                "failback readiness",
                rule,
                Status::Warn,
                problems.join("; "),
            )
        },
    );
    out
}

fn ok(o: &Option<crate::model::Obs<impl Clone>>) -> bool {
    o.as_ref().is_some_and(|o| o.value.is_ok())
}

/// Checks on how the regions are set up: what the Helm values put into the broker
/// StatefulSet, Elasticsearch's kind and version, pod ranges, extra components, and the
/// snapshot repository of the failback.
fn configuration_checks(config: &Config, snap: &Snapshot, v: &ClusterView) -> Vec<Check> {
    let mut out = vec![];
    let ns: Vec<Option<String>> = (0..2u8)
        .map(|r| {
            config
                .region(r)
                .and_then(|x| x.kube.as_ref())
                .map(|k| k.namespace.clone())
        })
        .collect();
    let envs: Vec<Option<&BTreeMap<String, String>>> = snap
        .regions
        .iter()
        .map(|o| o.broker_env.as_ref().and_then(|e| e.value.as_ref().ok()))
        .collect();

    // Exporter targets from the StatefulSet's environment.
    let rule = "the exporter of region N (…REGIONN…_URL, in the ZEEBE_BROKER_EXPORTERS_* or CAMUNDA_DATA_EXPORTERS_* spelling) writes to region N's Elasticsearch";
    if envs.iter().all(Option::is_none) || ns.iter().any(Option::is_none) {
        out.push(check(
            "exporter-targets",
            "exporters write to their own region",
            rule,
            Status::Unknown,
            "the broker StatefulSet's environment needs [regions.kube] in both regions",
        ));
    } else {
        let mut seen = vec![];
        let mut wrong = vec![];
        for (r, env) in envs.iter().enumerate() {
            let Some(env) = env else { continue };
            for (k, url) in env
                .iter()
                .filter(|(k, _)| k.contains("EXPORTERS_") && k.ends_with("_URL"))
            {
                let Some(target) = (0..2u8).find(|x| k.contains(&format!("REGION{x}_"))) else {
                    continue;
                };
                let want = ns[target as usize].clone().unwrap_or_default();
                let line = format!("region {r}: {k}={url}");
                if url.contains(&want) {
                    seen.push(line)
                } else {
                    wrong.push(format!("{line} (should name {want})"))
                }
            }
        }
        out.push(
            match (seen.is_empty() && wrong.is_empty(), wrong.is_empty()) {
                (true, _) => check(
                    "exporter-targets",
                    "exporters write to their own region",
                    rule,
                    Status::Fail,
                    "no …REGION0/1…_URL exporter settings in the broker StatefulSet",
                ),
                (false, true) => check(
                    "exporter-targets",
                    "exporters write to their own region",
                    rule,
                    Status::Pass,
                    format!(
                        "{} exporter URLs point at their own region's namespace (StatefulSet env)",
                        seen.len()
                    ),
                ),
                (false, false) => check(
                    "exporter-targets",
                    "exporters write to their own region",
                    rule,
                    Status::Fail,
                    wrong.join("; "),
                ),
            },
        );
    }

    // Initial contact points.
    let rule = "ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS (CAMUNDA_CLUSTER_INITIALCONTACTPOINTS from 8.9) names brokers of both regions";
    let mut lines = vec![];
    let mut bad = vec![];
    for (r, env) in envs.iter().enumerate() {
        let Some(env) = env else { continue };
        let Some((k, cp)) = env
            .iter()
            .find(|(k, _)| k.ends_with("_INITIALCONTACTPOINTS"))
        else {
            bad.push(format!("region {r}: no *_INITIALCONTACTPOINTS"));
            continue;
        };
        let missing: Vec<String> = ns
            .iter()
            .flatten()
            .filter(|n| !cp.contains(n.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            lines.push(format!("region {r}: {k} names both namespaces"));
        } else {
            bad.push(format!(
                "region {r}: {k} does not name {}",
                missing.join(", ")
            ));
        }
    }
    out.push(if lines.is_empty() && bad.is_empty() {
        check(
            "contact-points",
            "contact points in both regions",
            rule,
            Status::Unknown,
            "the broker StatefulSet's environment needs [regions.kube]",
        )
    } else if bad.is_empty() {
        check(
            "contact-points",
            "contact points in both regions",
            rule,
            Status::Pass,
            lines.join("; "),
        )
    } else {
        check(
            "contact-points",
            "contact points in both regions",
            rule,
            Status::Fail,
            bad.join("; "),
        )
    });

    // Elasticsearch, not OpenSearch, at a supported version.
    let rule = "Elasticsearch (not OpenSearch) in both regions, 8.16+ for Camunda 8.7/8.8 and 8.19+ for 8.9";
    let minimum = match v
        .cluster
        .gateway_version
        .as_deref()
        .map(|g| g.starts_with("8.9") || g.starts_with("8.10"))
    {
        Some(true) => (8, 19),
        _ => (8, 16),
    };
    let infos: Vec<(usize, &crate::api::elasticsearch::ClusterInfo)> = snap
        .regions
        .iter()
        .enumerate()
        .filter_map(|(r, o)| {
            o.es_info
                .as_ref()
                .and_then(|i| i.value.as_ref().ok())
                .map(|i| (r, i))
        })
        .collect();
    if infos.len() < 2 {
        out.push(check(
            "elasticsearch-version",
            "Elasticsearch at a supported version",
            rule,
            Status::Unknown,
            format!(
                "Elasticsearch `GET /` answered in {} of 2 regions",
                infos.len()
            ),
        ));
    } else {
        let parse = |n: &str| -> (u32, u32) {
            let mut it = n.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
            (it.next().unwrap_or(0), it.next().unwrap_or(0))
        };
        let evidence: Vec<String> = infos
            .iter()
            .map(|(r, i)| {
                format!(
                    "region {r}: {} {}",
                    if i.is_opensearch() {
                        "OpenSearch"
                    } else {
                        "Elasticsearch"
                    },
                    i.version.number
                )
            })
            .collect();
        let bad = infos
            .iter()
            .any(|(_, i)| i.is_opensearch() || parse(&i.version.number) < minimum);
        out.push(check(
            "elasticsearch-version",
            "Elasticsearch at a supported version",
            rule,
            if bad { Status::Fail } else { Status::Pass },
            evidence.join("; "),
        ));
    }

    // Pod address ranges must not overlap (the clusters route to each other's pods).
    let rule =
        "the two clusters' pod address ranges do not overlap (pods talk to each other directly)";
    let prefixes: Vec<std::collections::BTreeSet<String>> = snap
        .regions
        .iter()
        .map(|o| {
            o.pods
                .as_ref()
                .and_then(|p| p.value.as_ref().ok())
                .map(|pods| {
                    pods.iter()
                        .filter_map(|p| p.ip.as_ref())
                        .filter_map(|ip| ip.rsplitn(3, '.').nth(2).map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    out.push(if prefixes.iter().any(|p| p.is_empty()) {
        check(
            "pod-ranges",
            "non-overlapping pod ranges",
            rule,
            Status::Unknown,
            "pod addresses of both regions needed ([regions.kube])",
        )
    } else {
        let shared: Vec<&String> = prefixes[0].intersection(&prefixes[1]).collect();
        let evidence = format!(
            "region 0 pods in {:?}.x.x, region 1 pods in {:?}.x.x",
            prefixes[0], prefixes[1]
        );
        check(
            "pod-ranges",
            "non-overlapping pod ranges",
            rule,
            if shared.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            },
            evidence,
        )
    });

    // Components the dual-region setup does not support.
    let rule = "dual-region does not support Optimize, Web Modeler or Management Identity: do not deploy them";
    let unsupported: Vec<String> = snap
        .regions
        .iter()
        .enumerate()
        .flat_map(|(r, o)| {
            o.pods
                .as_ref()
                .and_then(|p| p.value.as_ref().ok())
                .map(|pods| {
                    pods.iter()
                        .filter(|p| {
                            ["optimize", "web-modeler", "identity"]
                                .iter()
                                .any(|c| p.name.contains(c))
                        })
                        .map(|p| format!("region {r}: pod {}", p.name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect();
    out.push(if snap.regions.iter().any(|o| !ok(&o.pods)) {
        check(
            "unsupported-components",
            "no unsupported components",
            rule,
            Status::Unknown,
            "pods of both regions needed ([regions.kube])",
        )
    } else if unsupported.is_empty() {
        check(
            "unsupported-components",
            "no unsupported components",
            rule,
            Status::Pass,
            "no Optimize, Web Modeler or Management Identity pods",
        )
    } else {
        check(
            "unsupported-components",
            "no unsupported components",
            rule,
            Status::Fail,
            unsupported.join("; "),
        )
    });

    // A recent Zeebe backup before any upgrade.
    let rule = "before an upgrade, a recent completed backup exists (newest COMPLETED backup at most 7 days old)";
    let lists: Vec<&Vec<crate::api::backups::BackupInfo>> = snap
        .regions
        .iter()
        .filter_map(|o| o.backups.as_ref().and_then(|b| b.value.as_ref().ok()))
        .collect();
    out.push(if lists.is_empty() {
        check(
            "backup",
            "a recent backup exists",
            rule,
            Status::Unknown,
            "the management API's backups were not observed",
        )
    } else {
        let newest = lists
            .iter()
            .flat_map(|l| l.iter())
            .filter(|b| b.state == crate::api::backups::BackupState::Completed)
            .filter_map(|b| {
                b.details
                    .iter()
                    .filter_map(|d| d.created_at.as_ref().and_then(|t| t.instant()))
                    .max()
                    .map(|t| (b.backup_id, t))
            })
            .max_by_key(|(_, t)| *t);
        match newest {
            Some((id, at)) => {
                let days = jiff::Timestamp::now().duration_since(at).as_hours() / 24;
                let evidence =
                    format!("newest completed backup #{id} taken {at} ({days} days ago)");
                check(
                    "backup",
                    "a recent backup exists",
                    rule,
                    if days <= 7 {
                        Status::Pass
                    } else {
                        Status::Warn
                    },
                    evidence,
                )
            }
            None => check(
                "backup",
                "a recent backup exists",
                rule,
                Status::Warn,
                "no completed backup: take one before upgrading (POST /actuator/backupRuntime)",
            ),
        }
    });

    // The failback's snapshot repository.
    let rule = "a snapshot repository is registered in both regions (the failback snapshots in one and restores in the other)";
    let repos: Vec<Option<Vec<String>>> = snap
        .regions
        .iter()
        .map(|o| {
            o.es_repositories
                .as_ref()
                .and_then(|r| r.value.as_ref().ok())
                .map(|m| m.keys().cloned().collect())
        })
        .collect();
    out.push(match (&repos[0], &repos[1]) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => check("snapshot-repository", "snapshot repository in both regions", rule, Status::Pass, format!("region 0: {a:?}; region 1: {b:?}")),
        (Some(a), Some(b)) => check("snapshot-repository", "snapshot repository in both regions", rule, Status::Warn, format!("region 0: {a:?}; region 1: {b:?}: register it (PUT _snapshot/camunda_backup) where it is missing")),
        _ => check("snapshot-repository", "snapshot repository in both regions", rule, Status::Unknown, "Elasticsearch _snapshot of both regions needed"),
    });
    out
}

/// Exit code: 2 when a check fails, 1 when one warns, else 0; unknowns count only with
/// `strict` (as warnings).
pub fn exit_code(checks: &[Check], strict: bool) -> i32 {
    let worst = checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Pass);
    match worst {
        Status::Fail => 2,
        Status::Warn => 1,
        Status::Unknown if strict => 1,
        _ => 0,
    }
}

/// The human table.
pub fn table(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let word = match c.status {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
        };
        s.push_str(&format!("{word:<8} {:<45} {}\n", c.title, c.evidence));
        if matches!(c.status, Status::Fail | Status::Warn) {
            s.push_str(&format!("{:<8} rule: {}\n", "", c.rule));
        }
    }
    s
}
