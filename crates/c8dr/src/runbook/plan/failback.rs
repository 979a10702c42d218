//! The failback steps: 8.8+ (§4.4, 8 steps; 8.9 adds ECK and the password sync, §4.5) and
//! 8.6/8.7 (§4.2/§4.3, 7 steps), Elasticsearch snapshot and restore (§2.7) included.

use super::*;
use crate::runbook::check_kube::CREATE_SCHEMA;
use serde_json::json;

pub(super) fn steps(i: &Inputs) -> Vec<Step> {
    let v87 = i.family == Family::V86To87;
    let mut steps = Vec::new();
    if i.eck {
        steps.extend(eck_prerequisites(i));
    }
    steps.push(deploy(i));
    steps.extend(webapps_off_and_pause(i));
    steps.extend(snapshot_and_restore(i));
    if v87 {
        steps.push(Step {
            key: "FB-4".into(),
            ..webapps_on(i)
        });
    }
    steps.extend(enable_exporters(i));
    steps.push(resume(i));
    match &i.zone {
        Some(z) => {
            steps.push(zones::readd(i, z));
            steps.extend(zones::rebalance(i, z));
        }
        None => steps.push(readd(i)),
    }
    if !v87 {
        steps.push(Step {
            key: "FB-8".into(),
            ..webapps_on(i)
        });
    }
    steps
}

/// The section of the family's procedure: 8.6/8.7 (§4.2) or 8.8+ (§4.4).
fn sec(i: &Inputs, s87: &'static str, s88: &'static str) -> &'static str {
    if i.family == Family::V86To87 {
        s87
    } else {
        s88
    }
}

/// The Helm `--set`s that keep Operate and Tasklist off.
fn webapps_off_sets(i: &Inputs) -> &'static [&'static str] {
    if i.family == Family::V86To87 {
        &["operate.enabled=false", "tasklist.enabled=false"]
    } else {
        &[
            "orchestration.profiles.operate=false",
            "orchestration.profiles.tasklist=false",
        ]
    }
}

/// 8.9 with ECK: Elasticsearch and its passwords before Camunda (§4.5).
fn eck_prerequisites(i: &Inputs) -> [Step; 2] {
    let r = i.region;
    [
        Step {
            key: "FB-1.1".into(),
            title: format!("Deploy ECK and Elasticsearch in {}", i.name(r)),
            cite: "§4.5 FB-1 prerequisites",
            region: r,
            danger: Danger::Read,
            action: Action::Manual {
                commands: vec![format!(
                    "cd generic/kubernetes/operator-based/elasticsearch && \
                     ELASTICSEARCH_CLUSTER_FILE=elasticsearch-cluster-dual-region.yml \
                     CAMUNDA_NAMESPACE={} KUBE_CONTEXT={} ./deploy.sh",
                    i.namespace(r),
                    i.context(r)
                )],
            },
            check: Check::ElasticsearchUp(r),
            guards: vec![],
            note: Some(
                "deploy.sh calls kubectl without --context: set the current context first (§10.8)."
                    .into(),
            ),
        },
        Step {
            key: "FB-1.2".into(),
            title: "Resync the Elasticsearch passwords across regions".into(),
            cite: "§4.5 FB-1 prerequisites",
            region: r,
            danger: Danger::Read,
            action: Action::Manual {
                commands: vec![
                    "cd aws/kubernetes/eks-dual-region/procedure && ./sync_elasticsearch_passwords.sh"
                        .into(),
                ],
            },
            // Compared by digest through both regions' Kubernetes APIs; without them only the
            // operator can tell.
            check: if i.kube.values().all(Option::is_some) {
                Check::PasswordsSynced
            } else {
                Check::Unobservable
            },
            guards: vec![],
            note: Some(
                "Recreates elasticsearch-es-password-region-0/1 in both namespaces, each with that \
                 region's own elastic password (ECK generates one per region)."
                    .into(),
            ),
        },
    ]
}

/// FB-1: the recreated region's Camunda, its webapps off until its brokers are members.
fn deploy(i: &Inputs) -> Step {
    let (r, s) = (i.region, i.survivor());
    let v87 = i.family == Family::V86To87;
    Step {
        key: "FB-1".into(),
        title: format!("Deploy Camunda in {} with Operate/Tasklist off", i.name(r)),
        cite: sec(i, "§4.2 FB-1", "§4.4 FB-1"),
        region: r,
        danger: Danger::Read,
        action: Action::Manual {
            commands: {
                let mut c = Vec::new();
                if !v87 {
                    c.push(format!(
                        "add to camunda-values.yml (orchestration.env): {CREATE_SCHEMA}=\"false\""
                    ));
                }
                c.push(i.helm("install", r, webapps_off_sets(i)));
                c
            },
        },
        check: Check::All({
            let mut c = vec![
                Check::BrokersListed(i.ids.clone()),
                Check::ElasticsearchUp(r),
            ];
            if i.kube[r].is_some() {
                if !v87 {
                    c.push(schema_env(r, true));
                }
                c.push(Check::NamespaceClean(r));
            }
            c
        }),
        guards: {
            let mut g = vec![Guard::RegionReachable(s)];
            if i.kube[r].is_some() {
                g.push(Guard::NamespaceClean(r));
            }
            g
        },
        note: Some(match &i.zone {
            Some(z) => format!(
                "The namespace must be clean (no Camunda pods, PVCs or indices). {}",
                zones::deploy_note(z)
            ),
            None => format!(
                "The namespace must be clean (no Camunda pods, PVCs or indices). The new \
                 brokers {} stay not Ready until they are added back: expected.",
                list(&i.ids)
            ),
        }),
    }
}

/// Pausing exporting on the survivor, keyed by the caller (its number differs per family).
fn pause(i: &Inputs) -> Step {
    let s = i.survivor();
    Step {
        key: String::new(),
        title: "Pause exporting".into(),
        cite: sec(i, "§4.2 FB-2", "§4.4 FB-3"),
        region: s,
        danger: Danger::Reversible,
        action: Action::Http(Request {
            expect: Expect::Exporting,
            ..Request::management(s, "POST", "/actuator/exporting/pause".into(), None)
        }),
        check: Check::Unobservable,
        guards: vec![Guard::RegionReachable(s)],
        note: Some(
            "Synchronous; only the answer tells (204, or 200 with status 204). It fails while \
             a broker is unreachable: retried. Exporting must be resumed later (FB-6)."
                .into(),
        ),
    }
}

/// FB-2 and the pause: the survivor's webapps off (scaled on 8.7, Helm on 8.8+), then
/// exporting paused for the snapshot.
fn webapps_off_and_pause(i: &Inputs) -> Vec<Step> {
    let s = i.survivor();
    let v87 = i.family == Family::V86To87;
    if v87 {
        vec![
            Step {
                key: "FB-2".into(),
                title: format!("Scale Operate and Tasklist in {} to 0", i.name(s)),
                cite: "§4.2 FB-2",
                region: s,
                danger: Danger::Reversible,
                // Through the Kubernetes API when c8dr has the context; else the docs' kubectl.
                action: if i.kube[s].is_some() {
                    Action::Scale(
                        ["operate", "tasklist"]
                            .iter()
                            .map(|w| Scale {
                                region: s,
                                deployment: format!("{}-{w}", i.release(s)),
                                replicas: 0,
                            })
                            .collect(),
                    )
                } else {
                    Action::Manual {
                    commands: ["operate", "tasklist"]
                        .iter()
                        .map(|w| {
                            format!(
                                "kubectl --context {} -n {} scale deployments/{}-{w} --replicas 0",
                                i.context(s),
                                i.namespace(s),
                                i.release(s)
                            )
                        })
                        .collect(),
                }
                },
                check: webapps(i, s, false),
                guards: vec![],
                note: Some("Operate and Tasklist may not show recent data meanwhile.".into()),
            },
            Step {
                key: "FB-2.1".into(),
                ..pause(i)
            },
        ]
    } else {
        vec![
            Step {
                key: "FB-2".into(),
                title: format!("Turn Operate/Tasklist off in {} (Helm)", i.name(s)),
                cite: "§4.4 FB-2",
                region: s,
                danger: Danger::Read,
                action: Action::Manual {
                    commands: vec![
                        format!("remove {CREATE_SCHEMA} from camunda-values.yml"),
                        i.helm("upgrade --install", s, webapps_off_sets(i)),
                    ],
                },
                check: with_schema_env_gone(i, webapps(i, s, false), &[s]),
                guards: vec![],
                note: Some(
                    "Rolls the surviving brokers: expect transient 5xx from the gateway meanwhile."
                        .into(),
                ),
            },
            Step {
                key: "FB-3".into(),
                ..pause(i)
            },
        ]
    }
}

/// FB-3/FB-4 (per family): the survivor's Elasticsearch snapshotted into the run's snapshot
/// and restored in the recreated region (§2.7).
fn snapshot_and_restore(i: &Inputs) -> Vec<Step> {
    let (r, s) = (i.region, i.survivor());
    let v87 = i.family == Family::V86To87;
    let es = if v87 { "FB-3" } else { "FB-4" };
    let repo = &i.runbook.snapshot_repository;
    let snap = &i.snapshot;
    let global = (!v87).then(|| json!({"include_global_state": true}));
    let repo_body = json!({
        "type": i.runbook.repository_type,
        "settings": i.runbook.repository_settings,
    });
    vec![
        Step {
            key: format!("{es}.1"),
            title: format!("Register snapshot repository {repo} in {}", i.name(s)),
            cite: sec(i, "§4.2 FB-3, §2.7", "§4.4 FB-4, §2.7"),
            region: s,
            danger: Danger::Reversible,
            action: Action::Http(Request::elasticsearch(
                s,
                "PUT",
                format!("/_snapshot/{repo}"),
                Some(repo_body.clone()),
            )),
            check: Check::RepositoryRegistered(s),
            guards: vec![],
            note: None,
        },
        Step {
            key: format!("{es}.2"),
            title: format!(
                "Snapshot {}'s Elasticsearch{}",
                i.name(s),
                if v87 { "" } else { " with global state" }
            ),
            cite: sec(i, "§4.2 FB-3", "§4.4 FB-4"),
            region: s,
            danger: Danger::Reversible,
            action: Action::Http(Request {
                long: true,
                ..Request::elasticsearch(
                    s,
                    "PUT",
                    format!("/_snapshot/{repo}/{snap}?wait_for_completion=true"),
                    global.clone(),
                )
            }),
            check: Check::SnapshotReady(s),
            guards: vec![],
            note: Some(format!(
                "Named {snap} for this run, so a snapshot left by an earlier failback is never restored."
            )),
        },
        Step {
            key: format!("{es}.3"),
            title: format!("Register {repo} in {} (after the snapshot)", i.name(r)),
            cite: sec(i, "§4.2 FB-3", "§4.4 FB-4"),
            region: r,
            danger: Danger::Reversible,
            action: Action::Http(Request::elasticsearch(
                r,
                "PUT",
                format!("/_snapshot/{repo}"),
                Some(repo_body),
            )),
            check: Check::SnapshotReady(r),
            guards: vec![],
            note: Some("Registered earlier, the repository would not see the new snapshot.".into()),
        },
        Step {
            key: format!("{es}.4"),
            title: format!("Restore the snapshot in {}", i.name(r)),
            cite: sec(i, "§4.2 FB-3", "§4.4 FB-4"),
            region: r,
            danger: Danger::Mutating,
            action: Action::Http(Request {
                long: true,
                ..Request::elasticsearch(
                    r,
                    "POST",
                    format!("/_snapshot/{repo}/{snap}/_restore?wait_for_completion=true"),
                    global,
                )
            }),
            check: Check::All(vec![Check::Restored(r), Check::ElasticsearchGreen(r)]),
            guards: vec![Guard::NoCamundaIndices(r)],
            note: None,
        },
    ]
}

/// Operate and Tasklist back on in both regions (keyed by the caller: FB-4 on 8.7, FB-8 on
/// 8.8+).
fn webapps_on(i: &Inputs) -> Step {
    let (r, s) = (i.region, i.survivor());
    let v87 = i.family == Family::V86To87;
    Step {
        key: String::new(),
        title: "Start Operate and Tasklist in both regions".into(),
        cite: sec(i, "§4.2 FB-4", "§4.4 FB-8"),
        region: s,
        danger: Danger::Read,
        action: Action::Manual {
            commands: {
                let mut c = Vec::new();
                if !v87 {
                    c.push(format!(
                        "make sure {CREATE_SCHEMA} is removed from camunda-values.yml"
                    ));
                }
                c.extend([i.helm("upgrade", s, &[]), i.helm("upgrade", r, &[])]);
                c
            },
        },
        check: with_schema_env_gone(
            i,
            Check::All(vec![webapps(i, s, true), webapps(i, r, true)]),
            &[s, r],
        ),
        guards: vec![],
        note: (!v87).then(|| {
            "Last, because the brokers' readiness (and so the roll-out) needs them to be members."
                .to_string()
        }),
    }
}

/// FB-5: the recreated region's exporter (and a legacy one still in use) enabled again,
/// initialized from the survivor's.
fn enable_exporters(i: &Inputs) -> Vec<Step> {
    let (r, s) = (i.region, i.survivor());
    let mut exporters = vec![(i.exporter(r), i.exporter(s))];
    if i.legacy_exporters {
        exporters.push((
            format!("elasticsearchregion{r}"),
            format!("elasticsearchregion{s}"),
        ));
    }
    exporters
        .iter()
        .enumerate()
        .map(|(k, (lost_id, from))| Step {
            key: if k == 0 {
                "FB-5".to_string()
            } else {
                "FB-5.1".to_string()
            },
            title: format!("Enable exporter {lost_id}, initialized from {from}"),
            cite: sec(i, "§4.2 FB-5", "§4.4 FB-5"),
            region: s,
            danger: Danger::Mutating,
            action: Action::Http(Request::management(
                s,
                "POST",
                format!("/actuator/exporters/{lost_id}/enable"),
                Some(json!({"initializeFrom": from})),
            )),
            check: Check::Exporter {
                id: lost_id.clone(),
                enabled: true,
            },
            guards: vec![Guard::RegionReachable(s)],
            note: Some("Asynchronous: c8dr waits for lastChange COMPLETED before going on.".into()),
        })
        .collect()
}

/// FB-6: exporting resumed.
fn resume(i: &Inputs) -> Step {
    let s = i.survivor();
    Step {
        key: "FB-6".into(),
        title: "Resume exporting".into(),
        cite: sec(i, "§4.2 FB-6", "§4.4 FB-6"),
        action: Action::Http(Request {
            expect: Expect::Exporting,
            ..Request::management(s, "POST", "/actuator/exporting/resume".into(), None)
        }),
        note: None,
        ..pause_like(s)
    }
}

/// FB-7: the recreated brokers added back, replication factor 4 again (never forced).
fn readd(i: &Inputs) -> Step {
    let (r, s) = (i.region, i.survivor());
    let v87 = i.family == Family::V86To87;
    let add = if v87 {
        Request::management(
            s,
            "POST",
            "/actuator/cluster/brokers?replicationFactor=4".into(),
            Some(Value::Array(
                i.all_ids
                    .iter()
                    .map(|id| Value::from(id.to_string()))
                    .collect(),
            )),
        )
    } else {
        // Without force: camunda/camunda-docs#9432 (§3.4, §8 #4).
        Request::management(
            s,
            "PATCH",
            "/actuator/cluster".into(),
            Some(json!({"brokers": {"add": i.ids}, "partitions": {"replicationFactor": 4}})),
        )
    };
    Step {
        key: "FB-7".into(),
        title: format!("Re-add brokers {} with replication factor 4", list(&i.ids)),
        cite: sec(i, "§4.2 FB-7", "§4.4 FB-7"),
        region: s,
        danger: Danger::Mutating,
        action: Action::Http(add),
        check: Check::ClusterComplete {
            ids: i.all_ids.clone(),
            rf: 4,
        },
        guards: vec![
            Guard::RegionReachable(s),
            Guard::NoPendingChange,
            Guard::RegionReachable(r),
            Guard::TopologyIs(TopologyKind::Numbered),
        ],
        note: Some(
            "Can take long with much data. A broker Running but never Ready may need one pod \
             restart at a time (camunda/camunda#55038)."
                .into(),
        ),
    }
}

/// Operate/Tasklist on or off in a region: observed through its Deployments or ConfigMap,
/// which needs the region's kube context; without one only the operator can tell.
fn webapps(i: &Inputs, r: Region, on: bool) -> Check {
    match (i.kube[r].is_some(), on) {
        (false, _) => Check::Unobservable,
        (true, true) => Check::WebappsOn(r),
        (true, false) => Check::WebappsOff(r),
    }
}

/// 8.8+: the temporary schema-manager env in the region's broker StatefulSet, set (FB-1) or
/// gone (FB-2, FB-8), read through the Kubernetes API (§4.4, §9.9).
fn schema_env(r: Region, set: bool) -> Check {
    Check::BrokerEnv {
        region: r,
        name: CREATE_SCHEMA.into(),
        value: set.then(|| "false".to_string()),
    }
}

/// `check` and, on 8.8+, the schema-manager env gone from `regions` that c8dr can read.
fn with_schema_env_gone(i: &Inputs, check: Check, regions: &[Region]) -> Check {
    if i.family == Family::V86To87 {
        return check;
    }
    let mut all = vec![check];
    all.extend(
        regions
            .iter()
            .filter(|r| i.kube[**r].is_some())
            .map(|r| schema_env(*r, false)),
    );
    if all.len() == 1 {
        all.remove(0)
    } else {
        Check::All(all)
    }
}

fn pause_like(s: Region) -> Step {
    Step {
        key: String::new(),
        title: String::new(),
        cite: "",
        region: s,
        danger: Danger::Reversible,
        action: Action::Observe,
        check: Check::Unobservable,
        guards: vec![Guard::RegionReachable(s)],
        note: None,
    }
}
