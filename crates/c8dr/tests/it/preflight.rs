//! `c8dr preflight` against the lab: all green on the default lab, and the broken rule named
//! with its evidence on a lab that breaks it.

use crate::common::TestLab;
use c8dr_lab::Options;
use serde_json::Value;
use std::process::Command;

fn preflight(lab: &TestLab, extra: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(&lab.lab.ready.config)
        .args(["preflight", "--json"])
        .args(extra)
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("c8dr-test-state"),
        )
        .output()
        .expect("c8dr runs");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap_or(-1), json)
}

fn status<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_lab_passes_every_check() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let (code, json) = preflight(&lab, &[]);
    for c in json["checks"].as_array().unwrap() {
        for key in ["id", "title", "status", "evidence", "rule"] {
            assert!(c.get(key).is_some(), "{c}");
        }
        // Latency measures the machine the test runs on, not the lab: timing is not asserted.
        if c["id"] == "latency" {
            assert!(c["status"] == "pass" || c["status"] == "warn", "{c}");
            continue;
        }
        assert_eq!(c["status"], "pass", "{c}");
    }
    assert!(code == 0 || status(&json, "latency")["status"] == "warn");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replication_factor_of_3_is_named_with_its_evidence() {
    let lab = TestLab::start_with(Options {
        replication_factor: 3,
        speed: 10.0,
        ..Options::default()
    })
    .await;
    let (code, json) = preflight(&lab, &[]);
    let sizes = status(&json, "sizes");
    assert_eq!(sizes["status"], "fail");
    assert!(
        sizes["evidence"]
            .as_str()
            .unwrap()
            .contains("replication factor 3"),
        "{sizes}"
    );
    let placement = status(&json, "placement");
    assert_eq!(placement["status"], "fail");
    assert!(
        placement["evidence"]
            .as_str()
            .unwrap()
            .contains("P1 on brokers 0, 1, 2"),
        "{placement}"
    );
    assert_eq!(code, 2);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_left_paused_warns_about_failback_readiness() {
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    lab.post(format!("{}/actuator/exporting/pause", lab.mgmt(0)), None)
        .await;
    let (code, json) = preflight(&lab, &[]);
    let ready = status(&json, "failback-ready");
    assert_eq!(ready["status"], "warn", "{ready}");
    assert!(
        ready["evidence"]
            .as_str()
            .unwrap()
            .contains("exporting paused")
    );
    assert!(code >= 1);
    lab.shutdown().await;
}

/// Each misconfiguration the lab can be given breaks exactly the rule it is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_rule_is_named_with_its_evidence() {
    for (kind, check_id, word, evidence) in [
        (
            "exporter-wrong-region",
            "exporter-targets",
            "fail",
            "should name camunda-paris",
        ),
        (
            "contact-points-one-region",
            "contact-points",
            "fail",
            "does not name camunda-paris",
        ),
        (
            "opensearch",
            "elasticsearch-version",
            "fail",
            "OpenSearch 2.11.0",
        ),
        ("mixed-versions", "versions", "warn", "on brokers 7"),
        (
            "unsupported-component",
            "unsupported-components",
            "warn",
            "camunda-optimize",
        ),
        (
            "overlapping-pod-ranges",
            "pod-ranges",
            "fail",
            "region 1 pods in 10.100.x.x",
        ),
        (
            "no-snapshot-repository",
            "snapshot-repository",
            "warn",
            "region 1: none",
        ),
        ("no-recent-backup", "backup", "warn", "days ago"),
    ] {
        let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
        let answer = lab
            .post(
                format!("{}/lab/misconfigure?kind={kind}", lab.control()),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{kind}: {:?}", answer.body);
        let (code, json) = preflight(&lab, &[]);
        let c = status(&json, check_id);
        assert_eq!(c["status"], word, "{kind}: {c}");
        assert!(
            c["evidence"].as_str().unwrap().contains(evidence),
            "{kind}: {c}"
        );
        assert!(!c["rule"].as_str().unwrap().is_empty());
        // Only that rule is broken (latency measures the test machine, not the lab).
        let broken: Vec<&str> = json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"] != "latency" && (c["status"] == "fail" || c["status"] == "warn"))
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(broken, vec![check_id], "{kind}");
        assert!(code >= 1, "{kind}");
        lab.shutdown().await;
    }
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let answer = lab
        .post(
            format!("{}/lab/misconfigure?kind=nonsense", lab.control()),
            None,
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("exporter-wrong-region")
    );
    lab.shutdown().await;
}

/// The upgrade watch: a staged rolling restart (one broker at a time) only warns about the
/// last spare replica; two replicas of a partition down together is critical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_watch_is_quiet_for_a_staged_roll_and_alarms_for_an_unstaged_one() {
    use c8dr::model::{self, Level, ModelConfig};
    let lab = TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let mut config = c8dr::config::Config::load(&lab.lab.ready.config).unwrap();
    config.poll.interval_ms = 200;
    config.poll.timeout_ms = 300;
    let cfg = ModelConfig::from_config(&config);
    let observer = c8dr::observe::Observer::start(&config).await.unwrap();
    let view = || {
        model::derive(
            &observer.snapshot.borrow(),
            &cfg,
            jiff::Timestamp::now(),
            None,
        )
    };
    crate::common::wait_until("healthy", crate::common::DEADLINE, || async {
        let v = view();
        if v.verdict.level == Level::Ok {
            Ok(())
        } else {
            Err(format!("{:?}", v.verdict.reasons))
        }
    })
    .await;

    // Staged: the Helm roll of region 0 restarts one broker at a time.
    lab.control_post("/lab/regions/0/webapps/off").await;
    let mut warned = false;
    loop {
        let v = view();
        assert_ne!(
            v.verdict.level,
            Level::Critical,
            "a staged roll raised {:?}",
            v.verdict.reasons
        );
        warned |= v
            .verdict
            .reasons
            .iter()
            .any(|r| r.contains("last spare replica"));
        let state = lab.state().await;
        if state["webapps"][0]["rolling"] == false && state["webapps"][0]["active"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        warned,
        "the last spare replica was announced during the roll"
    );

    // Unstaged: brokers 0 and 2 (two replicas of partition 1) go down together.
    let k = c8dr::source::RegionKube::connect(
        "region 0",
        "c8dr-lab-london",
        "camunda-london",
        "camunda",
        Some(&lab.lab.ready.kubeconfig),
    )
    .await
    .unwrap();
    for pod in ["camunda-zeebe-0", "camunda-zeebe-1"] {
        k.pods().delete(pod, &Default::default()).await.unwrap();
    }
    crate::common::wait_until("a critical alarm", crate::common::DEADLINE, || async {
        let v = view();
        if v.verdict.level == Level::Critical && v.partitions[0].has_quorum == Some(false) {
            Ok(())
        } else {
            Err(format!("{:?}", v.verdict.reasons))
        }
    })
    .await;
    lab.shutdown().await;
}

// ---- Camunda 8.10 rules (issue 15 §5), from model inputs and Helm values ----

use c8dr::api::{PerRegion, Region};
use c8dr::preflight::{Check, Facts, HelmValues, RULES, Status};
use serde_json::json;

fn config_810(zones: [&str; 2], mode: &str) -> c8dr::config::Config {
    let text = format!(
        r#"
name = "prod-eu"
[[regions]]
id = 0
name = "london"
zone = "{}"
management_url = "http://zeebe-mgmt.london.example:9600"
[[regions]]
id = 1
name = "paris"
zone = "{}"
management_url = "http://zeebe-mgmt.paris.example:9600"
[traffic]
mode = "{mode}"
[runbook]
helm_chart_version = "15.0.3"
"#,
        zones[0], zones[1]
    );
    c8dr::config::Config::parse(&text, std::path::Path::new("c8dr.toml")).unwrap()
}

/// Region N's Helm values for a zone-aware release (chart 15).
fn zoned_values(zone: &str, priorities: [i32; 2], extra: &str) -> HelmValues {
    HelmValues::Read(
        serde_yaml::from_str(&format!(
            r#"
orchestration:
  partitioning:
    scheme: zone-aware
    zone: {zone}
    zones:
      - {{name: london, numberOfBrokers: 4, numberOfReplicas: 2, priority: {}}}
      - {{name: paris, numberOfBrokers: 4, numberOfReplicas: 2, priority: {}}}
{extra}
"#,
            priorities[0], priorities[1]
        ))
        .unwrap(),
    )
}

fn good_values() -> PerRegion<HelmValues> {
    PerRegion([
        zoned_values("london", [1000, 500], ""),
        zoned_values("paris", [1000, 500], ""),
    ])
}

fn layout(replicas: [i32; 2], priorities: [i32; 2], names: [&str; 2]) -> serde_json::Value {
    json!({"scheme": "ZONE_AWARE", "zones": [
        {"name": names[0], "numberOfReplicas": replicas[0], "priority": priorities[0]},
        {"name": names[1], "numberOfReplicas": replicas[1], "priority": priorities[1]}]})
}

fn check(
    id: &str,
    config: &c8dr::config::Config,
    snap: &c8dr::model::Snapshot,
    values: PerRegion<HelmValues>,
) -> Check {
    let cfg = c8dr::model::ModelConfig::from_config(config);
    let view = c8dr::model::derive(snap, &cfg, crate::tui_zoned::now(), None);
    let facts = Facts {
        config,
        snap,
        view: &view,
        now: crate::tui_zoned::now(),
        values,
    };
    RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
        .check(&facts)
}

fn zoned_snap(layout: serde_json::Value) -> c8dr::model::Snapshot {
    crate::tui_zoned::snapshot(&crate::tui_zoned::zoned_ids(), layout, None)
}

#[test]
fn a_well_set_zone_aware_cluster_passes_the_8_10_rules() {
    let config = config_810(["london", "paris"], "active-active");
    let snap = zoned_snap(layout([2, 2], [1000, 500], ["london", "paris"]));
    for id in [
        "zones",
        "zone-priorities",
        "zone-migration",
        "multiregion-deprecated",
        "traffic-mode",
        "sizes",
    ] {
        let c = check(id, &config, &snap, good_values());
        assert_eq!(c.status, Status::Pass, "{c:?}");
    }
}

#[test]
fn zones_and_their_replicas_are_checked_against_the_configuration_and_both_releases() {
    let config = config_810(["london", "paris"], "active-active");
    // Three replicas in London: RF 5, not 2 + 2.
    let c = check(
        "zones",
        &config,
        &zoned_snap(layout([3, 2], [1000, 500], ["london", "paris"])),
        good_values(),
    );
    assert_eq!(c.status, Status::Fail, "{c:?}");
    assert!(c.evidence.contains("london 3 replicas"), "{c:?}");
    // The layout's zones are not the configured ones.
    let other = config_810(["eu-west-2", "eu-west-3"], "active-active");
    let c = check(
        "zones",
        &other,
        &zoned_snap(layout([2, 2], [1000, 500], ["london", "paris"])),
        good_values(),
    );
    assert_eq!(c.status, Status::Fail, "{c:?}");
    assert!(c.evidence.contains("eu-west-2"), "{c:?}");
    // Region 1's release claims London's zone.
    let snap = zoned_snap(layout([2, 2], [1000, 500], ["london", "paris"]));
    let c = check(
        "zones",
        &config,
        &snap,
        PerRegion([
            zoned_values("london", [1000, 500], ""),
            zoned_values("london", [1000, 500], ""),
        ]),
    );
    assert_eq!(c.status, Status::Fail, "{c:?}");
    assert!(
        c.evidence
            .contains("region 1: orchestration.partitioning.zone is london"),
        "{c:?}"
    );
    // The two releases list different zones.
    let c = check(
        "zones",
        &config,
        &snap,
        PerRegion([
            zoned_values("london", [1000, 500], ""),
            zoned_values("paris", [1000, 900], ""),
        ]),
    );
    assert_eq!(c.status, Status::Fail, "{c:?}");
    assert!(c.evidence.contains("differ"), "{c:?}");
}

#[test]
fn zone_priorities_must_differ_and_favour_the_primary() {
    let config = config_810(["london", "paris"], "active-active");
    let same = check(
        "zone-priorities",
        &config,
        &zoned_snap(layout([2, 2], [500, 500], ["london", "paris"])),
        good_values(),
    );
    assert_eq!(same.status, Status::Warn, "{same:?}");
    assert!(same.evidence.contains("equal"), "{same:?}");
    let paris_first = check(
        "zone-priorities",
        &config,
        &zoned_snap(layout([2, 2], [500, 1000], ["london", "paris"])),
        good_values(),
    );
    assert_eq!(paris_first.status, Status::Warn, "{paris_first:?}");
    assert!(
        paris_first.evidence.contains("paris (1000)"),
        "{paris_first:?}"
    );
}

#[test]
fn a_migration_left_half_way_warns() {
    let config = config_810(["london", "paris"], "active-active");
    let mut half: Vec<serde_json::Value> = [0, 2, 4, 6].iter().map(|i| json!(i)).collect();
    half.extend((0..4).map(|i| json!(format!("paris_{i}"))));
    let snap = crate::tui_zoned::snapshot(
        &half,
        layout([2, 2], [1000, 500], ["london", "paris"]),
        None,
    );
    let c = check("zone-migration", &config, &snap, good_values());
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(c.evidence.contains("paris done, next london"), "{c:?}");
    // Migrated, but the numbered StatefulSet kept.
    let snap = zoned_snap(layout([2, 2], [1000, 500], ["london", "paris"]));
    let kept = PerRegion([
        zoned_values("london", [1000, 500], "    keepUnzonedBrokers: true"),
        zoned_values("paris", [1000, 500], ""),
    ]);
    let c = check("zone-migration", &config, &snap, kept);
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(c.evidence.contains("keepUnzonedBrokers"), "{c:?}");
}

#[test]
fn global_multiregion_is_deprecated_on_chart_15() {
    let config = config_810(["london", "paris"], "active-active");
    let numbered = crate::tui_zoned::snapshot(
        &crate::tui_zoned::numbered_ids(),
        serde_json::Value::Null,
        None,
    );
    let legacy = || {
        HelmValues::Read(
            serde_yaml::from_str("global:\n  multiregion:\n    regions: 2\n    regionId: 0\n")
                .unwrap(),
        )
    };
    let c = check(
        "multiregion-deprecated",
        &config,
        &numbered,
        PerRegion([legacy(), legacy()]),
    );
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(c.rule.contains("chart 16"), "{c:?}");
    assert!(c.evidence.contains("global.multiregion"), "{c:?}");
}

#[test]
fn active_passive_on_8_10_warns_that_active_active_is_the_default() {
    let config = config_810(["london", "paris"], "active-passive");
    let c = check(
        "traffic-mode",
        &config,
        &zoned_snap(layout([2, 2], [1000, 500], ["london", "paris"])),
        good_values(),
    );
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(c.evidence.contains("8.10"), "{c:?}");
}

#[test]
fn opensearch_and_the_management_plane_warn_on_8_10_and_scaling_must_stay_balanced() {
    let config = config_810(["london", "paris"], "active-active");
    let mut snap = zoned_snap(layout([2, 2], [1000, 500], ["london", "paris"]));
    for r in Region::BOTH {
        let o = &mut snap.regions[r];
        o.es_info = Some(c8dr::model::Obs::ok(
            crate::tui_zoned::now(),
            serde_json::from_value(
                json!({"version": {"number": "2.19.0", "distribution": "opensearch"}}),
            )
            .unwrap(),
        ));
        o.configured.insert(c8dr::model::Source::Pods);
        o.pods = Some(c8dr::model::Obs::ok(
            crate::tui_zoned::now(),
            vec![c8dr::model::PodInfo {
                name: format!("camunda-optimize-{}", r.index()),
                broker: None,
                ready: true,
                status: "Running".into(),
                ip: None,
            }],
        ));
    }
    let es = check("elasticsearch-version", &config, &snap, good_values());
    assert_eq!(es.status, Status::Warn, "{es:?}");
    assert!(es.evidence.contains("OpenSearch 2.19.0"), "{es:?}");
    let plane = check("unsupported-components", &config, &snap, good_values());
    assert_eq!(plane.status, Status::Warn, "{plane:?}");
    assert!(plane.rule.contains("docs.camunda.io"), "{plane:?}");
    // Scaled to 6 brokers, 4 in London and 2 in Paris: not balanced.
    let mut ids: Vec<serde_json::Value> = (0..4).map(|i| json!(format!("london_{i}"))).collect();
    ids.extend((0..2).map(|i| json!(format!("paris_{i}"))));
    let snap =
        crate::tui_zoned::snapshot(&ids, layout([2, 2], [1000, 500], ["london", "paris"]), None);
    let sizes = check("sizes", &config, &snap, good_values());
    assert_eq!(sizes.status, Status::Fail, "{sizes:?}");
    assert!(
        sizes.evidence.contains("4 in region 0, 2 in region 1"),
        "{sizes:?}"
    );
    // After a failover (London's brokers only) it is the replication factor, not scaling.
    let london: Vec<serde_json::Value> = (0..4).map(|i| json!(format!("london_{i}"))).collect();
    let mut snap = crate::tui_zoned::snapshot(
        &london,
        layout([2, 2], [1000, 500], ["london", "paris"]),
        None,
    );
    for r in Region::BOTH {
        if let Some(Ok(t)) = snap.regions[r].topology.as_mut().map(|o| o.value.as_mut()) {
            t.replication_factor = Some(2);
        }
    }
    let sizes = check("sizes", &config, &snap, good_values());
    assert_eq!(sizes.status, Status::Fail, "{sizes:?}");
    assert!(!sizes.evidence.contains("scale both"), "{sizes:?}");
}
