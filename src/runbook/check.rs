//! Evaluating a step's checks and guards against fresh facts. Pure: the facts are read by the
//! executor, the verdicts here decide skip / wait / refuse, and every answer carries the
//! evidence in words that the pane and the CLI show.

use super::plan::{Check, Guard};
use crate::api::elasticsearch::{SnapshotInfo, SnapshotState};
use crate::model::{ClusterView, Processing, Reach};

/// A region's Elasticsearch as the runbook needs it, read just now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EsFacts {
    /// The snapshot repository is registered (`None`: could not ask).
    pub repository: Option<bool>,
    /// The run's snapshot as this region's repository shows it (`Ok(None)`: not there).
    pub snapshot: Option<Result<Option<SnapshotInfo>, String>>,
    /// Names of the region's indices.
    pub indices: Option<Vec<String>>,
}

/// Everything a check may look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub view: ClusterView,
    pub es: [EsFacts; 2],
    /// Operate and Tasklist running per region (`None`: cannot tell, e.g. no Kubernetes access).
    pub webapps: [Option<bool>; 2],
}

/// A check's answer: met or not (`None`: cannot tell), progress, and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Eval {
    pub met: Option<bool>,
    pub progress: Option<(usize, usize)>,
    pub evidence: String,
}

impl Eval {
    fn new(met: Option<bool>, evidence: impl Into<String>) -> Eval {
        Eval {
            met,
            progress: None,
            evidence: evidence.into(),
        }
    }
}

/// Camunda's own indices (the schema manager creates them; a restore over them fails).
pub fn is_camunda_index(name: &str) -> bool {
    [
        "camunda-",
        "operate-",
        "tasklist-",
        "zeebe-record",
        "optimize-",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

fn region_name(v: &ClusterView, r: u8) -> String {
    v.region(r)
        .map(|x| format!("region{r} {}", x.name))
        .unwrap_or_else(|| format!("region{r}"))
}

fn pending(v: &ClusterView) -> Option<String> {
    v.cluster.pending_change.as_ref().map(|c| {
        format!(
            "change #{} {} pending ({}/{} operations)",
            c.id, c.status, c.done, c.total
        )
    })
}

fn list(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

pub fn evaluate(check: &Check, f: &Facts) -> Eval {
    let v = &f.view;
    let with_progress = |mut e: Eval| {
        e.progress = v.cluster.pending_change.as_ref().map(|c| (c.done, c.total));
        e
    };
    match check {
        Check::RegionLost(r) => {
            let name = region_name(v, *r);
            let reach = v.region(*r).map(|x| x.reachable).unwrap_or(Reach::Unknown);
            let listed: Vec<i32> = v
                .brokers
                .iter()
                .filter(|b| b.region == *r && b.reachable == Some(true))
                .map(|b| b.id)
                .collect();
            match (reach, listed.is_empty()) {
                (Reach::Down, true) => Eval::new(
                    Some(true),
                    format!(
                        "{name} does not answer ({}) and none of its brokers is in the topology",
                        v.region(*r)
                            .and_then(|x| x.last_error.clone())
                            .unwrap_or_else(|| "no answer".into())
                    ),
                ),
                (Reach::Down, false) => Eval::new(
                    Some(false),
                    format!(
                        "{name} does not answer c8dr, but brokers {} are still in the topology",
                        list(&listed)
                    ),
                ),
                (Reach::Up, _) => Eval::new(Some(false), format!("{name} answers")),
                (Reach::Unknown, _) => {
                    Eval::new(None, format!("cannot tell whether {name} answers"))
                }
            }
        }
        Check::BrokersRemoved(ids) => {
            let still: Vec<i32> = v
                .brokers
                .iter()
                .filter(|b| ids.contains(&b.id) && b.member == Some(true))
                .map(|b| b.id)
                .collect();
            let known = v.brokers.iter().any(|b| b.member.is_some());
            if !known {
                return with_progress(Eval::new(None, "no cluster configuration observed"));
            }
            if let Some(p) = pending(v) {
                return with_progress(Eval::new(Some(false), p));
            }
            if still.is_empty() {
                Eval::new(
                    Some(true),
                    format!(
                        "brokers {} are no members; cluster size {}, replication factor {}",
                        list(ids),
                        v.cluster.size.map_or("?".into(), |s| s.to_string()),
                        v.cluster
                            .replication_factor
                            .map_or("?".into(), |s| s.to_string())
                    ),
                )
            } else {
                Eval::new(
                    Some(false),
                    format!("brokers {} are still members", list(&still)),
                )
            }
        }
        Check::Exporter { id, enabled } => {
            let want = if *enabled { "ENABLED" } else { "DISABLED" };
            let Some(e) = v.exporters.iter().find(|e| &e.id == id) else {
                return Eval::new(
                    if v.exporters.is_empty() {
                        None
                    } else {
                        Some(false)
                    },
                    format!("exporter {id} not listed"),
                );
            };
            if let Some(p) = pending(v) {
                return with_progress(Eval::new(Some(false), format!("{id} {}; {p}", e.status)));
            }
            Eval::new(Some(e.status == want), format!("{id} {}", e.status))
        }
        Check::ProcessingActive => {
            let n = v.partitions.len();
            let q = v.partitions_with_quorum();
            let met = match v.processing {
                Processing::Active => Some(true),
                Processing::Unknown => None,
                _ => Some(false),
            };
            Eval {
                met,
                progress: Some((q, n)),
                evidence: format!("{q}/{n} partitions have quorum"),
            }
        }
        Check::TrafficAway(r) => match &v.traffic.observed {
            Some(to) if to.is_empty() => {
                Eval::new(Some(false), "DNS answers no known region's address")
            }
            Some(to) => Eval::new(
                Some(!to.contains(r)),
                format!(
                    "DNS sends users to {}",
                    to.iter()
                        .map(|x| region_name(v, *x))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ),
            None => Eval::new(
                None,
                v.traffic
                    .error
                    .clone()
                    .unwrap_or_else(|| "DNS not checked".into()),
            ),
        },
        Check::BrokersListed(ids) => {
            let listed: Vec<i32> = ids
                .iter()
                .copied()
                .filter(|id| {
                    v.brokers
                        .iter()
                        .any(|b| b.id == *id && b.reachable == Some(true))
                })
                .collect();
            Eval {
                met: Some(listed.len() == ids.len()),
                progress: Some((listed.len(), ids.len())),
                evidence: format!(
                    "{}/{} of brokers {} in the topology",
                    listed.len(),
                    ids.len(),
                    list(ids)
                ),
            }
        }
        Check::ElasticsearchUp(r) | Check::ElasticsearchGreen(r) => {
            let status = v
                .region(*r)
                .map(|x| x.elasticsearch.status.clone())
                .unwrap_or_else(|| "unknown".into());
            let ok = match check {
                Check::ElasticsearchGreen(_) => status == "green",
                _ => status == "green" || status == "yellow",
            };
            let met = match status.as_str() {
                "unknown" | "not configured" => None,
                _ => Some(ok),
            };
            Eval::new(
                met,
                format!("{} Elasticsearch {status}", region_name(v, *r)),
            )
        }
        Check::WebappsOff(r) | Check::WebappsOn(r) => {
            let want = matches!(check, Check::WebappsOn(_));
            match f.webapps[*r as usize] {
                Some(on) => Eval::new(
                    Some(on == want),
                    format!(
                        "{}: Operate/Tasklist {}",
                        region_name(v, *r),
                        if on { "running" } else { "off" }
                    ),
                ),
                None => Eval::new(
                    None,
                    format!("{}: cannot see Operate/Tasklist", region_name(v, *r)),
                ),
            }
        }
        Check::RepositoryRegistered(r) => {
            let e = &f.es[*r as usize];
            Eval::new(
                e.repository,
                match e.repository {
                    Some(true) => format!("{}: repository registered", region_name(v, *r)),
                    Some(false) => format!("{}: repository not registered", region_name(v, *r)),
                    None => format!("{}: cannot ask Elasticsearch", region_name(v, *r)),
                },
            )
        }
        Check::SnapshotReady(r) => match &f.es[*r as usize].snapshot {
            Some(Ok(Some(s))) => {
                let failed = s.shards.as_ref().map_or(0, |x| x.failed);
                let ok = s.state == SnapshotState::Success && failed == 0;
                Eval::new(
                    Some(ok),
                    format!(
                        "{}: snapshot {} {} ({} indices, {failed} failed shards)",
                        region_name(v, *r),
                        s.snapshot,
                        s.state,
                        s.indices.len()
                    ),
                )
            }
            Some(Ok(None)) => Eval::new(
                Some(false),
                format!("{}: the snapshot is not visible", region_name(v, *r)),
            ),
            Some(Err(e)) => Eval::new(None, format!("{}: {e}", region_name(v, *r))),
            None => Eval::new(None, format!("{}: not asked", region_name(v, *r))),
        },
        Check::Restored(r) => {
            let snap =
                f.es.iter()
                    .filter_map(|e| match &e.snapshot {
                        Some(Ok(Some(s))) => Some(s),
                        _ => None,
                    })
                    .next();
            match (snap, &f.es[*r as usize].indices) {
                (Some(s), Some(have)) => {
                    let missing: Vec<&String> =
                        s.indices.iter().filter(|i| !have.contains(i)).collect();
                    let total = s.indices.len();
                    Eval {
                        met: Some(missing.is_empty() && total > 0),
                        progress: Some((total - missing.len(), total)),
                        evidence: format!(
                            "{}: {}/{total} indices of the snapshot present",
                            region_name(v, *r),
                            total - missing.len()
                        ),
                    }
                }
                _ => Eval::new(
                    None,
                    format!("{}: cannot compare indices", region_name(v, *r)),
                ),
            }
        }
        Check::ClusterComplete { ids, rf } => {
            let members = v
                .brokers
                .iter()
                .filter(|b| ids.contains(&b.id) && b.member == Some(true))
                .count();
            if let Some(p) = pending(v) {
                return with_progress(Eval::new(Some(false), p));
            }
            let rf_now = v.cluster.replication_factor;
            Eval {
                met: Some(members == ids.len() && rf_now == Some(*rf)),
                progress: Some((members, ids.len())),
                evidence: format!(
                    "{members}/{} brokers are members, replication factor {}",
                    ids.len(),
                    rf_now.map_or("?".into(), |x| x.to_string())
                ),
            }
        }
        Check::Unobservable => Eval::new(None, "no API shows this"),
        Check::All(_) if !observable(check) => Eval::new(None, "no API shows this"),
        Check::All(checks) => {
            // What no API shows is confirmed by the operator, not waited for.
            let evals: Vec<Eval> = checks
                .iter()
                .filter(|c| observable(c))
                .map(|c| evaluate(c, f))
                .collect();
            let met = if evals.iter().any(|e| e.met == Some(false)) {
                Some(false)
            } else if evals.iter().all(|e| e.met == Some(true)) {
                Some(true)
            } else {
                None
            };
            Eval {
                met,
                progress: evals.iter().find_map(|e| e.progress),
                evidence: evals
                    .iter()
                    .map(|e| e.evidence.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        }
    }
}

/// Whether any part of the check can be seen through an API.
pub fn observable(c: &Check) -> bool {
    match c {
        Check::Unobservable => false,
        Check::All(v) => v.iter().any(observable),
        _ => true,
    }
}

/// Whether some part of the check can only be confirmed by the operator.
pub fn partly_unobservable(c: &Check) -> bool {
    match c {
        Check::Unobservable => true,
        Check::All(v) => v.iter().any(partly_unobservable),
        _ => false,
    }
}

/// A guard's answer: `Err` is the refusal in words.
pub fn guard(g: &Guard, f: &Facts) -> Result<String, String> {
    let v = &f.view;
    match g {
        Guard::RegionUnreachable(r) => match v.region(*r).map(|x| x.reachable) {
            Some(Reach::Down) => Ok(format!("{} does not answer", region_name(v, *r))),
            Some(Reach::Up) => Err(format!(
                "{} still answers c8dr: it is not lost (a force removal would split the cluster)",
                region_name(v, *r)
            )),
            _ => Err(format!(
                "c8dr cannot tell whether {} answers",
                region_name(v, *r)
            )),
        },
        Guard::BrokersAbsent(ids) => {
            let present: Vec<i32> = v
                .brokers
                .iter()
                .filter(|b| ids.contains(&b.id) && b.reachable == Some(true))
                .map(|b| b.id)
                .collect();
            if present.is_empty() {
                Ok(format!("brokers {} absent from the topology", list(ids)))
            } else {
                Err(format!(
                    "brokers {} are still in the surviving gateway's topology",
                    list(&present)
                ))
            }
        }
        Guard::NoPendingChange => match pending(v) {
            None => Ok("no change pending".into()),
            Some(p) => Err(format!(
                "{p}: a new change would be rejected or collide (camunda/camunda#63506)"
            )),
        },
        Guard::IdsMatchTopology { region, ids } => {
            let members: Vec<i32> = v
                .brokers
                .iter()
                .filter(|b| b.member == Some(true))
                .map(|b| b.id)
                .collect();
            let now = super::plan::ids_of_region(members.iter().copied(), *region);
            let others = super::plan::ids_of_region(members.iter().copied(), 1 - region);
            if members.is_empty() {
                Err("no cluster configuration observed: cannot confirm the ids".into())
            } else if others.is_empty() {
                Err(format!(
                    "no broker of {} would remain",
                    region_name(v, 1 - region)
                ))
            } else if &now != ids {
                Err(format!(
                    "the plan removes {} but {}'s members are now {}",
                    list(ids),
                    region_name(v, *region),
                    list(&now)
                ))
            } else {
                Ok(format!(
                    "removes {} ({}), keeps {}",
                    list(ids),
                    region_name(v, *region),
                    list(&others)
                ))
            }
        }
        Guard::RegionReachable(r) => match v.region(*r).map(|x| x.reachable) {
            Some(Reach::Up) => Ok(format!("{} answers", region_name(v, *r))),
            _ => Err(format!("{} does not answer", region_name(v, *r))),
        },
        Guard::NoCamundaIndices(r) => match &f.es[*r as usize].indices {
            Some(names) => {
                let found: Vec<&String> = names.iter().filter(|n| is_camunda_index(n)).collect();
                if found.is_empty() {
                    Ok(format!("{}: no Camunda indices", region_name(v, *r)))
                } else {
                    Err(format!(
                        "{}'s Elasticsearch already has {} Camunda indices (e.g. {}): the schema \
                         manager ran; the restore would fail. Delete them (or reinstall with \
                         CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false) first",
                        region_name(v, *r),
                        found.len(),
                        found[0]
                    ))
                }
            }
            None => Err(format!(
                "{}: cannot list the Elasticsearch indices",
                region_name(v, *r)
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::sim::{Camunda, Settings, Sim};
    use crate::tui::scenes;

    /// Facts from the lab's simulation (the same view the dashboard derives).
    fn facts(setup: impl FnOnce(&mut Sim)) -> Facts {
        let settings = Settings {
            camunda: Camunda::V88,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        let mut sim = Sim::new(settings, scenes::clock());
        sim.tick(std::time::Duration::from_secs(10));
        setup(&mut sim);
        sim.tick(std::time::Duration::from_secs(11));
        let now = scenes::clock() + jiff::SignedDuration::from_secs(21);
        let view = crate::model::derive(
            &scenes::observe(&sim, now),
            &scenes::model_config(Camunda::V88),
            now,
            None,
        );
        Facts {
            view,
            es: Default::default(),
            webapps: [Some(true), Some(true)],
        }
    }

    #[test]
    fn a_lost_region_passes_the_force_guards_and_a_healthy_one_does_not() {
        let lost = facts(|s| s.fail_region(1));
        assert_eq!(evaluate(&Check::RegionLost(1), &lost).met, Some(true));
        for g in [
            Guard::RegionUnreachable(1),
            Guard::BrokersAbsent(vec![1, 3, 5, 7]),
            Guard::NoPendingChange,
            Guard::RegionReachable(0),
            Guard::IdsMatchTopology {
                region: 1,
                ids: vec![1, 3, 5, 7],
            },
        ] {
            assert!(guard(&g, &lost).is_ok(), "{g:?}: {:?}", guard(&g, &lost));
        }
        let wrong = guard(
            &Guard::IdsMatchTopology {
                region: 1,
                ids: vec![1, 3],
            },
            &lost,
        )
        .unwrap_err();
        assert!(wrong.contains("members are now 1,3,5,7"), "{wrong}");

        let healthy = facts(|_| {});
        assert_eq!(evaluate(&Check::RegionLost(1), &healthy).met, Some(false));
        let e = guard(&Guard::RegionUnreachable(1), &healthy).unwrap_err();
        assert!(e.contains("still answers"), "{e}");
        let e = guard(&Guard::BrokersAbsent(vec![1, 3]), &healthy).unwrap_err();
        assert!(e.contains("1,3"), "{e}");
    }

    #[test]
    fn removal_and_exporter_checks_follow_the_cluster() {
        let lost = facts(|s| s.fail_region(1));
        assert_eq!(
            evaluate(&Check::BrokersRemoved(vec![1, 3, 5, 7]), &lost).met,
            Some(false)
        );
        let e = evaluate(
            &Check::Exporter {
                id: "camundaregion1".into(),
                enabled: false,
            },
            &lost,
        );
        assert_eq!(e.met, Some(false), "{}", e.evidence);
        let p = evaluate(&Check::ProcessingActive, &lost);
        assert_eq!((p.met, p.progress), (Some(false), Some((0, 8))));
        let healthy = facts(|_| {});
        assert_eq!(
            evaluate(
                &Check::ClusterComplete {
                    ids: (0..8).collect(),
                    rf: 4
                },
                &healthy
            )
            .met,
            Some(true)
        );
        assert_eq!(evaluate(&Check::Unobservable, &healthy).met, None);
        // What no API shows is left to the operator, the rest is still judged.
        let mixed = Check::All(vec![Check::WebappsOn(0), Check::Unobservable]);
        assert!(observable(&mixed) && partly_unobservable(&mixed));
        assert_eq!(evaluate(&mixed, &healthy).met, Some(true));
        let none = Check::All(vec![Check::Unobservable, Check::Unobservable]);
        assert!(!observable(&none));
        assert_eq!(evaluate(&none, &healthy).met, None);
    }

    #[test]
    fn elasticsearch_checks_compare_the_snapshot_with_the_indices() {
        use crate::api::elasticsearch::{SnapshotInfo, SnapshotState};
        let mut f = facts(|_| {});
        let snap: SnapshotInfo = serde_json::from_value(serde_json::json!({
            "snapshot": "failback-r1", "indices": ["operate-list-view-8.3.0_", "tasklist-task-8.8.0_"],
            "state": "SUCCESS", "shards": {"total": 2, "failed": 0, "successful": 2}
        }))
        .unwrap();
        assert_eq!(snap.state, SnapshotState::Success);
        f.es[0].snapshot = Some(Ok(Some(snap)));
        f.es[1].snapshot = Some(Ok(None));
        f.es[1].indices = Some(vec!["operate-list-view-8.3.0_".into()]);
        assert_eq!(evaluate(&Check::SnapshotReady(0), &f).met, Some(true));
        assert_eq!(evaluate(&Check::SnapshotReady(1), &f).met, Some(false));
        let r = evaluate(&Check::Restored(1), &f);
        assert_eq!((r.met, r.progress), (Some(false), Some((1, 2))));
        let e = guard(&Guard::NoCamundaIndices(1), &f).unwrap_err();
        assert!(e.contains("schema"), "{e}");
        f.es[1].indices = Some(vec![".kibana".into()]);
        assert!(guard(&Guard::NoCamundaIndices(1), &f).is_ok());
        f.es[1].indices = None;
        assert!(
            guard(&Guard::NoCamundaIndices(1), &f).is_err(),
            "unknown is no pass"
        );
    }
}
