//! `GET /actuator/prometheus` on every broker, and `/lab/exporters/{id}/stall|unstall`.

use crate::common::{DEADLINE, TestLab, wait_until};
use c8dr_lab::sim::Camunda;
use std::collections::BTreeMap;

/// The exported positions of `exporter` one broker's text shows, per partition.
fn positions(text: &str, exporter: &str) -> BTreeMap<i32, i64> {
    let prefix =
        format!("zeebe_exporter_last_exported_position{{exporter=\"{exporter}\",partition=\"");
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (p, v) = rest.split_once("\"} ")?;
            Some((p.parse().ok()?, v.trim().parse().ok()?))
        })
        .collect()
}

/// Per partition, the highest position any broker shows for `exporter`.
async fn max_positions(lab: &TestLab, exporter: &str) -> BTreeMap<i32, i64> {
    let mut out = BTreeMap::new();
    for b in 0..lab.lab.ready.brokers.len() {
        let a = lab
            .get(format!("{}/actuator/prometheus", lab.broker(b)))
            .await;
        if a.status != 200 {
            continue;
        }
        for (p, v) in positions(&String::from_utf8_lossy(&a.raw), exporter) {
            let e = out.entry(p).or_insert(v);
            *e = (*e).max(v);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broker_serves_its_meters_in_the_text_format() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let a = lab
        .get(format!("{}/actuator/prometheus", lab.broker(0)))
        .await;
    assert_eq!(a.status, 200);
    let ct = a.headers["content-type"].to_str().unwrap();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = String::from_utf8(a.raw).unwrap();
    for family in [
        "zeebe_log_appender_last_committed_position",
        "zeebe_health",
        "atomix_role",
        "zeebe_cluster_changes_status",
        "zeebe_cluster_changes_operations_pending",
    ] {
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "{family}:\n{text}"
        );
        assert!(text.contains(&format!("# TYPE {family} gauge")), "{family}");
    }
    // Every partition's leader shows the exporter director's meters.
    let partitions = lab.state().await["partitions"].as_array().unwrap().len();
    assert!(partitions > 0);
    wait_until("both regions' exporters shown", DEADLINE, || async {
        let (r0, r1) = (
            max_positions(&lab, "camundaregion0").await,
            max_positions(&lab, "camundaregion1").await,
        );
        if r0.len() == partitions && r1.len() == partitions {
            Ok(())
        } else {
            Err(format!("{r0:?} {r1:?}"))
        }
    })
    .await;
    // Spring's endpoint refuses a client that only takes JSON.
    let json_only = lab
        .send(
            lab.http
                .get(format!("{}/actuator/prometheus", lab.broker(0)))
                .header("accept", "application/json"),
        )
        .await;
    assert_eq!(json_only.status, 406);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_exporter_stops_while_the_other_moves_on() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let partitions = lab.state().await["partitions"].as_array().unwrap().len();
    wait_until("exporting", DEADLINE, || async {
        let p = max_positions(&lab, "camundaregion1").await;
        if p.len() == partitions && p.values().all(|v| *v > 0) {
            Ok(())
        } else {
            Err(format!("{p:?}"))
        }
    })
    .await;
    let state = lab.control_post("/lab/exporters/region1/stall").await;
    assert_eq!(
        state["stalled_exporters"],
        serde_json::json!(["camundaregion1"])
    );
    let stalled = max_positions(&lab, "camundaregion1").await;
    let other = max_positions(&lab, "camundaregion0").await;
    wait_until("region 0's exporter moves on", DEADLINE, || async {
        let now = max_positions(&lab, "camundaregion0").await;
        if now.iter().all(|(p, v)| other.get(p).is_some_and(|o| v > o)) {
            Ok(())
        } else {
            Err(format!("{other:?} → {now:?}"))
        }
    })
    .await;
    assert_eq!(max_positions(&lab, "camundaregion1").await, stalled);
    // The target still answers: it is the exporter that stands still.
    let es = lab.get(format!("{}/_cluster/health", lab.es(1))).await;
    assert_eq!(es.status, 200);

    lab.control_post("/lab/exporters/camundaregion1/unstall")
        .await;
    wait_until("region 1's exporter moves again", DEADLINE, || async {
        let now = max_positions(&lab, "camundaregion1").await;
        if now
            .iter()
            .all(|(p, v)| stalled.get(p).is_some_and(|s| v > s))
        {
            Ok(())
        } else {
            Err(format!("{stalled:?} → {now:?}"))
        }
    })
    .await;
    let unknown = lab
        .post(format!("{}/lab/exporters/nope/stall", lab.control()), None)
        .await;
    assert_eq!(unknown.status, 404);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_regions_brokers_do_not_answer() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    lab.control_post("/lab/regions/1/fail").await;
    let region1: Vec<usize> = (0..lab.lab.ready.brokers.len())
        .filter(|b| lab.lab.ready.brokers[*b].region == 1)
        .collect();
    assert!(!region1.is_empty());
    for b in region1 {
        let r = lab
            .http
            .get(format!("{}/actuator/prometheus", lab.broker(b)))
            .timeout(std::time::Duration::from_secs(2))
            .send()
            .await;
        assert!(
            r.is_err() || !r.unwrap().status().is_success(),
            "broker {b}"
        );
    }
    lab.shutdown().await;
}
