//! Rules on how the regions are set up: their Kubernetes contexts, what the Helm values put
//! into the broker StatefulSet (exporter targets, contact points), Elasticsearch's kind and
//! version, pod ranges, extra components, a recent backup, and the failback's snapshot
//! repository.

use super::{Facts, Finding, Rule, Status, found};
use crate::api::backups::{BackupInfo, BackupState};
use crate::api::elasticsearch::ClusterInfo;
use crate::api::{PerRegion, Region};
use crate::config::Config;
use crate::model::Snapshot;
use std::collections::{BTreeMap, BTreeSet};

/// Each region's namespace, when it is reached through Kubernetes.
fn namespaces(config: &Config) -> PerRegion<Option<String>> {
    PerRegion::from_fn(|r| {
        config
            .region(r)
            .and_then(|x| x.kube.as_ref())
            .map(|k| k.namespace.clone())
    })
}

/// Each region's broker container environment, when it could be read.
fn broker_envs(snap: &Snapshot) -> PerRegion<Option<&BTreeMap<String, String>>> {
    PerRegion::from_fn(|r| {
        snap.regions[r]
            .broker_env
            .as_ref()
            .and_then(|e| e.value.as_ref().ok())
    })
}

pub const CONTEXTS: Rule = Rule {
    id: "contexts",
    title: "distinct contexts and namespaces",
    rule: "each region has its own Kubernetes context, and the namespaces differ (DNS forwarding is per namespace)",
    judge: contexts,
};

fn contexts(f: &Facts) -> Finding {
    let kubes: Vec<_> = f
        .config
        .regions
        .iter()
        .filter_map(|r| r.kube.as_ref())
        .collect();
    match kubes.as_slice() {
        [a, b] if a.context != b.context && a.namespace != b.namespace => found(
            Status::Pass,
            format!(
                "{}/{} and {}/{}",
                a.context, a.namespace, b.context, b.namespace
            ),
        ),
        [a, b] => found(
            Status::Fail,
            format!(
                "{}/{} and {}/{}: use one context per region and different namespaces",
                a.context, a.namespace, b.context, b.namespace
            ),
        ),
        _ => found(
            Status::Unknown,
            "[regions.kube] not configured for both regions",
        ),
    }
}

pub const EXPORTER_TARGETS: Rule = Rule {
    id: "exporter-targets",
    title: "exporters write to their own region",
    rule: "the exporter of region N (…REGIONN…_URL, in the ZEEBE_BROKER_EXPORTERS_* or CAMUNDA_DATA_EXPORTERS_* spelling) writes to region N's Elasticsearch",
    judge: exporter_targets,
};

/// Exporter targets from the StatefulSet's environment.
fn exporter_targets(f: &Facts) -> Finding {
    let ns = namespaces(f.config);
    let envs = broker_envs(f.snap);
    if envs.values().all(Option::is_none) || ns.values().any(Option::is_none) {
        return found(
            Status::Unknown,
            "the broker StatefulSet's environment needs [regions.kube] in both regions",
        );
    }
    let mut seen = vec![];
    let mut wrong = vec![];
    for (r, env) in envs.iter() {
        let Some(env) = env else { continue };
        for (k, url) in env
            .iter()
            .filter(|(k, _)| k.contains("EXPORTERS_") && k.ends_with("_URL"))
        {
            let Some(target) = Region::BOTH
                .into_iter()
                .find(|x| k.contains(&format!("REGION{x}_")))
            else {
                continue;
            };
            let want = ns[target].clone().unwrap_or_default();
            let line = format!("region {r}: {k}={url}");
            if url.contains(&want) {
                seen.push(line)
            } else {
                wrong.push(format!("{line} (should name {want})"))
            }
        }
    }
    match (seen.is_empty() && wrong.is_empty(), wrong.is_empty()) {
        (true, _) => found(
            Status::Fail,
            "no …REGION0/1…_URL exporter settings in the broker StatefulSet",
        ),
        (false, true) => found(
            Status::Pass,
            format!(
                "{} exporter URLs point at their own region's namespace (StatefulSet env)",
                seen.len()
            ),
        ),
        (false, false) => found(Status::Fail, wrong.join("; ")),
    }
}

pub const CONTACT_POINTS: Rule = Rule {
    id: "contact-points",
    title: "contact points in both regions",
    rule: "ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS (CAMUNDA_CLUSTER_INITIALCONTACTPOINTS from 8.9) names brokers of both regions",
    judge: contact_points,
};

fn contact_points(f: &Facts) -> Finding {
    let ns = namespaces(f.config);
    let mut lines = vec![];
    let mut bad = vec![];
    for (r, env) in broker_envs(f.snap).iter() {
        let Some(env) = env else { continue };
        let Some((k, cp)) = env
            .iter()
            .find(|(k, _)| k.ends_with("_INITIALCONTACTPOINTS"))
        else {
            bad.push(format!("region {r}: no *_INITIALCONTACTPOINTS"));
            continue;
        };
        let missing: Vec<String> = ns
            .values()
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
    if lines.is_empty() && bad.is_empty() {
        found(
            Status::Unknown,
            "the broker StatefulSet's environment needs [regions.kube]",
        )
    } else if bad.is_empty() {
        found(Status::Pass, lines.join("; "))
    } else {
        found(Status::Fail, bad.join("; "))
    }
}

pub const ELASTICSEARCH_VERSION: Rule = Rule {
    id: "elasticsearch-version",
    title: "Elasticsearch at a supported version",
    rule: "Elasticsearch in both regions, 8.16+ for Camunda 8.7/8.8 and 8.19+ for 8.9+. OpenSearch: not supported up to 8.8; from 8.9 the concept page lists it (Basic auth, no IRSA across the clusters) while the failover/failback procedure (and c8dr's runbooks) is written for Elasticsearch only, so a warning (dual-region-procedure.md §4, CNX vs DNX)",
    judge: elasticsearch_version,
};

/// Elasticsearch, not OpenSearch, at a version the gateway's Camunda supports.
fn elasticsearch_version(f: &Facts) -> Finding {
    let newer = f
        .view
        .cluster
        .gateway_version
        .as_deref()
        .map(|g| g.starts_with("8.9") || g.starts_with("8.10"));
    let minimum = if newer == Some(true) {
        (8, 19)
    } else {
        (8, 16)
    };
    let infos: Vec<(Region, &ClusterInfo)> = f
        .snap
        .regions
        .iter()
        .filter_map(|(r, o)| {
            o.es_info
                .as_ref()
                .and_then(|i| i.value.as_ref().ok())
                .map(|i| (r, i))
        })
        .collect();
    if infos.len() < 2 {
        return found(
            Status::Unknown,
            format!(
                "Elasticsearch `GET /` answered in {} of 2 regions",
                infos.len()
            ),
        );
    }
    let parse = |n: &str| -> (u32, u32) {
        let mut it = n.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    let evidence: Vec<String> = infos
        .iter()
        .map(|(r, i)| {
            let kind = if i.is_opensearch() {
                "OpenSearch"
            } else {
                "Elasticsearch"
            };
            format!("region {r}: {kind} {}", i.version.number)
        })
        .collect();
    let old_es = infos
        .iter()
        .any(|(_, i)| !i.is_opensearch() && parse(&i.version.number) < minimum);
    let opensearch = infos.iter().any(|(_, i)| i.is_opensearch());
    let status = match (old_es, opensearch, newer == Some(true)) {
        (true, _, _) | (false, true, false) => Status::Fail,
        (false, true, true) => Status::Warn,
        (false, false, _) => Status::Pass,
    };
    found(status, evidence.join("; "))
}

pub const POD_RANGES: Rule = Rule {
    id: "pod-ranges",
    title: "non-overlapping pod ranges",
    rule: "the two clusters' pod address ranges do not overlap (pods talk to each other directly)",
    judge: pod_ranges,
};

fn pod_ranges(f: &Facts) -> Finding {
    // The first two octets of every pod address, per region.
    let prefixes: Vec<BTreeSet<String>> = f
        .snap
        .regions
        .values()
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
    if prefixes.iter().any(|p| p.is_empty()) {
        return found(
            Status::Unknown,
            "pod addresses of both regions needed ([regions.kube])",
        );
    }
    let shared = prefixes[0].intersection(&prefixes[1]).next().is_some();
    found(
        if shared { Status::Fail } else { Status::Pass },
        format!(
            "region 0 pods in {}, region 1 pods in {}",
            crate::text::list(prefixes[0].iter().map(|p| format!("{p}.x.x"))),
            crate::text::list(prefixes[1].iter().map(|p| format!("{p}.x.x")))
        ),
    )
}

pub const UNSUPPORTED_COMPONENTS: Rule = Rule {
    id: "unsupported-components",
    title: "management plane protected separately",
    rule: "Optimize, Web Modeler and Management Identity are a management plane outside the dual-region Orchestration Cluster: the failover does not protect them, so protect them separately (docs.camunda.io/docs/self-managed/concepts/multi-region/dual-region, and the Management Identity overview: it serves the components outside the Orchestration Cluster); a warning, not a failure",
    judge: unsupported_components,
};

fn unsupported_components(f: &Facts) -> Finding {
    let pods_read =
        |o: &crate::model::RegionObservations| o.pods.as_ref().is_some_and(|p| p.value.is_ok());
    if f.snap.regions.values().any(|o| !pods_read(o)) {
        return found(
            Status::Unknown,
            "pods of both regions needed ([regions.kube])",
        );
    }
    let unsupported: Vec<String> = f
        .snap
        .regions
        .iter()
        .flat_map(|(r, o)| {
            let pods = o.pods.as_ref().and_then(|p| p.value.as_ref().ok());
            pods.into_iter()
                .flatten()
                .filter(|p| {
                    ["optimize", "web-modeler", "identity"]
                        .iter()
                        .any(|c| p.name.contains(c))
                })
                .map(move |p| format!("region {r}: pod {}", p.name))
        })
        .collect();
    if unsupported.is_empty() {
        found(
            Status::Pass,
            "no Optimize, Web Modeler or Management Identity pods",
        )
    } else {
        found(
            Status::Warn,
            format!(
                "{}: a management plane the failover does not protect",
                unsupported.join("; ")
            ),
        )
    }
}

pub const BACKUP: Rule = Rule {
    id: "backup",
    title: "a recent backup exists",
    rule: "before an upgrade, a recent completed backup exists (newest COMPLETED backup at most 7 days old)",
    judge: backup,
};

/// A recent Zeebe backup before any upgrade.
fn backup(f: &Facts) -> Finding {
    let lists: Vec<&Vec<BackupInfo>> = f
        .snap
        .regions
        .values()
        .filter_map(|o| o.backups.as_ref().and_then(|b| b.value.as_ref().ok()))
        .collect();
    if lists.is_empty() {
        return found(
            Status::Unknown,
            "the management API's backups were not observed",
        );
    }
    let newest = lists
        .iter()
        .flat_map(|l| l.iter())
        .filter(|b| b.state == BackupState::Completed)
        .filter_map(|b| {
            b.details
                .iter()
                .filter_map(|d| d.created_at.as_ref().and_then(|t| t.instant()))
                .max()
                .map(|t| (b.backup_id, t))
        })
        .max_by_key(|(_, t)| *t);
    let Some((id, at)) = newest else {
        return found(
            Status::Warn,
            "no completed backup: take one before upgrading (POST /actuator/backupRuntime)",
        );
    };
    let days = f.now.duration_since(at).as_hours() / 24;
    found(
        if days <= 7 {
            Status::Pass
        } else {
            Status::Warn
        },
        format!("newest completed backup #{id} taken {at} ({days} days ago)"),
    )
}

pub const SNAPSHOT_REPOSITORY: Rule = Rule {
    id: "snapshot-repository",
    title: "snapshot repository in both regions",
    rule: "a snapshot repository is registered in both regions (the failback snapshots in one and restores in the other)",
    judge: snapshot_repository,
};

fn snapshot_repository(f: &Facts) -> Finding {
    let repos: Vec<Option<Vec<String>>> = f
        .snap
        .regions
        .values()
        .map(|o| {
            o.es_repositories
                .as_ref()
                .and_then(|r| r.value.as_ref().ok())
                .map(|m| m.keys().cloned().collect())
        })
        .collect();
    match (&repos[0], &repos[1]) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => found(
            Status::Pass,
            format!(
                "region 0: {}; region 1: {}",
                crate::text::list(a),
                crate::text::list(b)
            ),
        ),
        (Some(a), Some(b)) => found(
            Status::Warn,
            format!(
                "region 0: {}; region 1: {}: register it (PUT _snapshot/camunda_backup) where it is missing",
                crate::text::list(a),
                crate::text::list(b)
            ),
        ),
        _ => found(
            Status::Unknown,
            "Elasticsearch _snapshot of both regions needed",
        ),
    }
}
