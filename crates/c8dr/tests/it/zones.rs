//! Zone-aware clusters (Camunda 8.10, brokers `<zone>_<n>`) from the runbooks' side: which
//! procedure a view gets, what the zone family plans and where its zone's replicas and
//! priority come from, and what is refused (a half-migrated cluster, RDBMS storage).
//! Views are derived from payloads in the shapes of the 8.10 specs (zone-aware-dual-region.md
//! §2.2, §2.3); then the whole failover and failback against a zone-aware lab, proven by its
//! ground truth and request log.

use c8dr::api::*;
use c8dr::config::Config;
use c8dr::model::{self, ClusterView, ModelConfig, Obs, Snapshot, Source, TopologyKind};
use c8dr::runbook::plan::{self, Procedure, ZoneBasis, ZonePlan};
use c8dr::runbook::{render, setup};
use c8dr::source::SourceError;
use serde_json::{Value, json};

use crate::common::{TestLab, committing, wait_state_until};
use crate::drive::*;

fn now() -> jiff::Timestamp {
    "2026-12-01T03:00:00Z".parse().unwrap()
}

fn config(extra: &str) -> Config {
    Config::parse(
        &format!(
            r#"
            name = "zones"
            [[regions]]
            id = 0
            name = "london"
            management_url = "http://london:9600"
            rest_url = "http://london:8080"
            [[regions]]
            id = 1
            name = "paris"
            management_url = "http://paris:9600"
            rest_url = "http://paris:8080"
            {extra}
            "#
        ),
        std::path::Path::new("zones.toml"),
    )
    .unwrap()
}

/// The replicas of partition `p` (1..=8) in a zone: two of its four brokers, round robin.
fn replicas_in(zone: &str, p: i32) -> [String; 2] {
    [
        format!("{zone}_{}", (p - 1) % 4),
        format!("{zone}_{}", p % 4),
    ]
}

/// `/actuator/cluster` of the zone-aware reference: london and paris, 4 brokers and 2
/// replicas each (RF 4), 8 partitions, priorities 1000 and 500.
fn cluster(zones: &[(&str, i32)], partitioning: Value) -> Value {
    let mut brokers = vec![];
    for (zone, rank) in zones {
        for n in 0..4 {
            let id = format!("{zone}_{n}");
            let partitions: Vec<Value> = (1..=8)
                .filter(|p| replicas_in(zone, *p).contains(&id))
                .map(|p| {
                    let k = i32::from(replicas_in(zone, p)[1] == id);
                    json!({"id": p, "state": "ACTIVE", "priority": 4 - 2 * rank - k})
                })
                .collect();
            brokers
                .push(json!({"id": id, "state": "ACTIVE", "version": 5, "partitions": partitions}));
        }
    }
    json!({"version": 5, "brokers": brokers, "partitioning": partitioning,
           "lastChange": {"id": 3, "status": "COMPLETED"}})
}

fn layout(zones: &[(&str, i32, i32)]) -> Value {
    json!({"scheme": "ZONE_AWARE", "zones": zones.iter()
        .map(|(n, r, p)| json!({"name": n, "numberOfReplicas": r, "priority": p}))
        .collect::<Vec<_>>()})
}

/// `/v2/topology` as a gateway of `zone` lists it: `brokerId` strings, zone-local `nodeId`.
fn topology(zone: &str, roles: impl Fn(i32) -> &'static str) -> TopologyResponse {
    let brokers: Vec<Value> = (0..4)
        .map(|n| {
            let id = format!("{zone}_{n}");
            let partitions: Vec<Value> = (1..=8)
                .filter(|p| replicas_in(zone, *p).contains(&id))
                .map(|p| json!({"partitionId": p, "role": roles(p), "health": "healthy"}))
                .collect();
            json!({"nodeId": n, "brokerId": id, "host": format!("camunda-zeebe-{zone}-{n}"),
                   "port": 26501, "version": "8.10.2", "partitions": partitions})
        })
        .collect();
    serde_json::from_value(
        json!({"brokers": brokers, "clusterSize": 8, "partitionsCount": 8,
        "replicationFactor": 4, "gatewayVersion": "8.10.2", "lastCompletedChangeId": "3"}),
    )
    .unwrap()
}

fn exporters(ids: &[(&str, &str)]) -> Vec<ExporterStatus> {
    serde_json::from_value(Value::Array(
        ids.iter()
            .map(|(id, s)| json!({"exporterId": id, "status": s, "physicalTenant": "default"}))
            .collect(),
    ))
    .unwrap()
}

/// Region 1 (paris) lost: its sources refuse; london's answer with the full configuration.
fn paris_lost(config: &Config, cluster_json: Value, exp: Vec<ExporterStatus>) -> ClusterView {
    let mut s = Snapshot::default();
    for r in Region::BOTH {
        for src in [Source::Topology, Source::Cluster, Source::Exporters] {
            s.regions[r].configured.insert(src);
        }
    }
    let r0 = &mut s.regions[Region::ZERO];
    r0.topology = Some(Obs::ok(now(), topology("london", |_| "follower")));
    r0.cluster = Some(Obs::ok(
        now(),
        serde_json::from_value(cluster_json).unwrap(),
    ));
    r0.exporters = Some(Obs::ok(now(), exp));
    let refused = || SourceError::Connect {
        cause: Some("Connection refused".into()),
    };
    let r1 = &mut s.regions[Region::ONE];
    r1.topology = Some(Obs::failed(now(), refused()));
    r1.cluster = Some(Obs::failed(now(), refused()));
    r1.exporters = Some(Obs::failed(now(), refused()));
    model::derive(&s, &ModelConfig::from_config(config), now(), None)
}

fn es_exporters() -> Vec<ExporterStatus> {
    exporters(&[("camundaregion0", "ENABLED"), ("camundaregion1", "ENABLED")])
}

fn zone_aware_view(config: &Config) -> ClusterView {
    paris_lost(
        config,
        cluster(
            &[("london", 0), ("paris", 1)],
            layout(&[("london", 2, 1000), ("paris", 2, 500)]),
        ),
        es_exporters(),
    )
}

#[test]
fn a_lost_zone_is_failed_over_by_name_with_its_layout_journaled() {
    let config = config("");
    let view = zone_aware_view(&config);
    assert_eq!(view.cluster.topology.kind, TopologyKind::ZoneAware);
    // Each zone's brokers in their region, although both zones report nodeId 0..3.
    let london: Vec<_> = view
        .brokers
        .iter()
        .filter(|b| b.region == Region::ZERO)
        .collect();
    assert_eq!(london.len(), 4, "{:?}", view.brokers);
    let inputs = setup::inputs(
        &config,
        &view,
        Procedure::Failover,
        Region::ONE,
        "run",
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        inputs.zone,
        Some(ZonePlan {
            name: "paris".into(),
            replicas: 2,
            priority: 500,
            brokers: 4,
            others: 2,
            others_priority: 1000,
            basis: ZoneBasis::Layout,
        })
    );
    let steps = plan::build(&inputs);
    let text = render::plan(&config, &inputs, &steps);
    for id in [
        "paris_",
        "london_",
        "\"remove\"",
        "[1,3,5,7]",
        "[1, 3, 5, 7]",
    ] {
        assert!(!text.contains(id), "the plan names {id}:\n{text}");
    }
    assert!(
        text.contains("DELETE /actuator/cluster/zones/paris?force=true"),
        "{text}"
    );
    assert!(text.contains("zone paris: to remove · 4 brokers, numberOfReplicas 2, priority 500"));
}

#[test]
fn the_failback_takes_the_zone_from_the_failover_journal_else_the_configuration_else_says_it_derived_it()
 {
    // After the forced removal: only london is in the layout and the membership.
    let after = |config: &Config| {
        let mut c = cluster(&[("london", 0)], layout(&[("london", 2, 1000)]));
        c["brokers"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .for_each(|b| {
                b["partitions"] = json!(
                    (1..=8)
                        .filter(|p| p % 2 == 0)
                        .map(|p| json!({"id": p, "state": "ACTIVE", "priority": 2}))
                        .collect::<Vec<_>>()
                );
            });
        paris_lost(config, c, es_exporters())
    };
    let plan_of = |config: &Config, recorded: Option<&ZonePlan>| {
        setup::inputs(
            config,
            &after(config),
            Procedure::Failback,
            Region::ONE,
            "fb",
            None,
            recorded,
        )
        .unwrap()
        .zone
        .unwrap()
    };
    let recorded = ZonePlan {
        name: "paris".into(),
        replicas: 2,
        priority: 700,
        brokers: 4,
        others: 2,
        others_priority: 1000,
        basis: ZoneBasis::Journal("failover-r1-20261201t030000".into()),
    };
    let z = plan_of(&config(""), Some(&recorded));
    assert_eq!((z.replicas, z.priority, z.brokers), (2, 700, 4));
    assert_eq!(z.basis, recorded.basis);

    let configured = config("zone_replicas = 2\n            zone_priority = 600");
    let z = plan_of(&configured, None);
    assert_eq!((z.priority, z.basis), (600, ZoneBasis::Configured));

    let z = plan_of(&config(""), None);
    assert_eq!(z.basis, ZoneBasis::Derived);
    assert!(z.priority < 1000, "paris is not the primary: below london");
    assert!(z.basis.words().contains("NOT RECORDED"));
    // A record of another zone (the configuration changed since) is not used.
    let other = ZonePlan {
        name: "eu-west-3".into(),
        ..recorded
    };
    assert_eq!(plan_of(&config(""), Some(&other)).basis, ZoneBasis::Derived);

    let inputs = setup::inputs(
        &config(""),
        &after(&config("")),
        Procedure::Failback,
        Region::ONE,
        "fb",
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        inputs
            .ids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["paris_0", "paris_1", "paris_2", "paris_3"],
        "the recreated release starts its zone's brokers"
    );
    // A zone still in the layout has nothing to fail back.
    let e = setup::inputs(
        &config(""),
        &zone_aware_view(&config("")),
        Procedure::Failback,
        Region::ONE,
        "fb",
        None,
        None,
    )
    .unwrap_err();
    assert!(e.contains("still in the cluster's zone layout"), "{e}");
}

#[test]
fn a_half_migrated_cluster_and_rdbms_storage_are_refused_with_the_reason() {
    let config = config("");
    // Paris migrated, london's numbered brokers still members.
    let mut c = cluster(
        &[("paris", 1)],
        layout(&[("london", 2, 1000), ("paris", 2, 500)]),
    );
    for n in [0, 2, 4, 6] {
        c["brokers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": n, "state": "ACTIVE", "partitions": []}));
    }
    let view = paris_lost(&config, c, es_exporters());
    assert_eq!(view.cluster.topology.kind, TopologyKind::Migrating);
    for p in [Procedure::Failover, Procedure::Failback] {
        let e = setup::inputs(&config, &view, p, Region::ONE, "x", None, None).unwrap_err();
        assert!(
            e.contains("half-way") && e.contains("paris migrated, london next"),
            "{e}"
        );
    }

    let view = paris_lost(
        &config,
        cluster(
            &[("london", 0), ("paris", 1)],
            layout(&[("london", 2, 1000), ("paris", 2, 500)]),
        ),
        exporters(&[("rdbms", "ENABLED")]),
    );
    let e = setup::inputs(
        &config,
        &view,
        Procedure::Failover,
        Region::ONE,
        "x",
        None,
        None,
    )
    .unwrap_err();
    assert!(e.contains("RDBMS") && e.contains("rdbms"), "{e}");
}

async fn zoned_lab(camunda_speed: f64) -> TestLab {
    TestLab::start_with(c8dr_lab::Options {
        camunda: c8dr_lab::sim::Camunda::V810,
        speed: camunda_speed,
        zones: Some(["london".into(), "paris".into()]),
        ..c8dr_lab::Options::default()
    })
    .await
}

/// Requests that change something (not reads, not dry runs).
fn mutations(log: &[Value]) -> Vec<&Value> {
    log.iter()
        .filter(|r| r["method"] != "GET")
        .filter(|r| {
            !r["path"]
                .as_str()
                .unwrap_or_default()
                .contains("dryRun=true")
        })
        .collect()
}

/// Partitions led from `zone` in the lab's ground truth.
fn led_from(s: &Value, zone: &str) -> usize {
    s["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["leader"]
                .as_str()
                .is_some_and(|l| l.starts_with(&format!("{zone}_")))
        })
        .count()
}

fn zones_of(s: &Value) -> Vec<String> {
    s["partitioning"]["zones"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|z| z["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Fails over `lost` and back on a zone-aware lab; `preferred` leads before and after.
async fn zone_failover_and_back(lost: Region) {
    let (lost_zone, kept_zone) = if lost == Region::ONE {
        ("paris", "london")
    } else {
        ("london", "paris")
    };
    let lab = zoned_lab(10.0).await;
    let b = books();
    let before = wait_state_until(&lab, "every partition commits", |s| {
        committing(s).len() == 8
    })
    .await;
    assert_eq!(
        led_from(&before, "london"),
        8,
        "london has the priority: {before}"
    );

    // 8.10 routes users active-active by default: the lost region leaves the pool (FO-3).
    let survivor_only = format!("/lab/traffic/{}", lost.other());
    let fo = lose_and_fail_over(&lab, &b, lost, &[("FO-3", &[survivor_only.as_str()])]).await;
    assert_completed(&fo);
    assert_eq!(
        fo.steps.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["FO-0", "FO-1", "FO-2", "FO-3", "FO-4"]
    );
    let s = wait_state_until(&lab, "every partition commits in one zone", |s| {
        committing(s).len() == 8 && s["replication_factor"] == 2
    })
    .await;
    assert_eq!(s["cluster_size"], 4, "{s}");
    assert_eq!(zones_of(&s), [kept_zone]);
    assert_eq!(led_from(&s, kept_zone), 8, "{s}");
    let log = requests(&lab).await;
    let sent = mutations(&log);
    let removals: Vec<_> = sent
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or_default().contains("/zones/"))
        .collect();
    assert_eq!(removals.len(), 1, "exactly one zone removal: {removals:?}");
    assert_eq!(removals[0]["method"], "DELETE");
    assert_eq!(
        removals[0]["path"],
        format!("/actuator/cluster/zones/{lost_zone}?force=true")
    );
    assert_eq!(forces(&log), 1);
    for r in &sent {
        let text = r.to_string();
        assert!(
            !text.contains("\"brokers\"") && !text.contains(&format!("{kept_zone}_")),
            "no broker id list, never the survivor's brokers: {r}"
        );
    }
    let exporter = s["exporters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exporterId"] == format!("camundaregion{lost}"))
        .cloned()
        .unwrap();
    assert_eq!(exporter["status"], "DISABLED");

    // Failback: the recreated release's brokers join, then the zone is added back with the
    // replicas and priority the failover journaled.
    lab.control_post(&format!("/lab/regions/{lost}/recreate"))
        .await;
    let helm = if lost == Region::ONE {
        HELM_88_RECREATED_1
    } else {
        HELM_88_RECREATED_0
    };
    let fb = run(&lab, &b, Procedure::Failback, lost, helm, settings()).await;
    assert_completed(&fb);
    let fb7 = fb.steps.iter().find(|s| s.key == "FB-7").unwrap();
    assert!(
        fb7.note
            .as_deref()
            .unwrap()
            .contains("recorded by run failover-"),
        "{:?}",
        fb7.note
    );
    let s = wait_state_until(&lab, "both zones, RF 4, every partition commits", |s| {
        committing(s).len() == 8 && s["replication_factor"] == 4
    })
    .await;
    assert_eq!(s["cluster_size"], 8);
    let mut zones = zones_of(&s);
    zones.sort();
    assert_eq!(zones, ["london", "paris"]);
    let log = requests(&lab).await;
    let adds: Vec<_> = mutations(&log)
        .into_iter()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().unwrap_or_default().contains("/zones/")
        })
        .collect();
    assert_eq!(adds.len(), 1, "{adds:?}");
    assert_eq!(
        adds[0]["path"],
        format!("/actuator/cluster/zones/{lost_zone}")
    );
    let priority = if lost == Region::ZERO { 1000 } else { 500 };
    assert_eq!(
        adds[0]["body"],
        json!({"numberOfReplicas": 2, "priority": priority, "numberOfBrokers": 4}),
        "the zone's layout from before the failover"
    );
    assert!(
        !mutations(&log).iter().any(|r| r["method"] == "PATCH"),
        "no numbered PATCH on a zone-aware cluster"
    );
    // London leads again: by itself when paris came back, by the rebalance when london did.
    let s = wait_state_until(&lab, "london leads every partition", |s| {
        led_from(s, "london") == 8
    })
    .await;
    assert_eq!(
        fb.steps.iter().any(|s| s.key == "FB-7.1"),
        lost == Region::ZERO,
        "a rebalance only when the preferred zone came back: {s}"
    );
    assert_failed_back(&lab, lost.id()).await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_paris_on_a_zone_aware_cluster_removes_its_zone_and_adds_it_back() {
    zone_failover_and_back(Region::ONE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_london_on_a_zone_aware_cluster_removes_its_zone_and_adds_it_back_with_its_leaders()
{
    zone_failover_and_back(Region::ZERO).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_aware_failback_refuses_the_old_installs_claims_naming_them_and_the_install() {
    let lab = zoned_lab(10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ONE, &[("FO-3", &["/lab/traffic/0"])]).await;
    assert_completed(&fo);
    lab.control_post("/lab/regions/1/recreate?leftover_pvcs=on")
        .await;
    let (fb, failures) = run_with(
        &lab,
        &b,
        Procedure::Failback,
        Region::ONE,
        HELM_88_RECREATED_1,
        settings(),
        vec![c8dr::runbook::engine::Recovery::Abort],
    )
    .await;
    assert_ne!(fb.outcome, Some(c8dr::runbook::journal::Outcome::Completed));
    let (key, why, refused) = failures.first().cloned().expect("FB-1 refused");
    assert_eq!((key.as_str(), refused), ("FB-1", true), "{why}");
    assert!(
        why.contains("data-camunda-zeebe-paris-0")
            && why.contains("older than the StatefulSet (installed "),
        "the zoned claims, dated against the zone's StatefulSet: {why}"
    );
    lab.shutdown().await;
}

#[test]
fn the_numbered_steps_refuse_a_zone_aware_cluster_and_the_zone_steps_a_numbered_one() {
    use c8dr::runbook::check::{Facts, guard};
    use c8dr::runbook::plan::Guard;
    let facts = |view: ClusterView| Facts {
        view,
        es: PerRegion::from_fn(|_| Default::default()),
        webapps: PerRegion([None, None]),
        kube: PerRegion::from_fn(|_| Default::default()),
        run: Default::default(),
    };
    let config = config("");
    let zoned = facts(zone_aware_view(&config));
    let e = guard(&Guard::TopologyIs(TopologyKind::Numbered), &zoned).unwrap_err();
    assert!(
        e.contains("zone-aware") && e.contains("would not be the lost region's"),
        "{e}"
    );
    assert!(guard(&Guard::TopologyIs(TopologyKind::ZoneAware), &zoned).is_ok());

    let numbered_ids: Vec<Value> = (0..8)
        .map(|i| json!({"id": i, "state": "ACTIVE", "partitions": []}))
        .collect();
    let numbered = facts(paris_lost(
        &config,
        json!({"version": 2, "brokers": numbered_ids}),
        es_exporters(),
    ));
    assert_eq!(numbered.view.cluster.topology.kind, TopologyKind::Numbered);
    let e = guard(&Guard::TopologyIs(TopologyKind::ZoneAware), &numbered).unwrap_err();
    assert!(
        e.contains("numbered") && e.contains("zones API refuses"),
        "{e}"
    );
}
