//! Metrics as a source (issue 16 §1): the observation loop scrapes every broker's
//! `/actuator/prometheus` in the lab, parses it, and a stalled exporter's position stands
//! still in the observations while the other region's moves on.

use crate::common::{DEADLINE, TestLab, wait_until};
use c8dr::api::{PerRegion, Region};
use c8dr::config::Config;
use c8dr::model::Snapshot;
use c8dr::observe::Observer;
use c8dr_lab::sim::Camunda;
use std::collections::BTreeMap;
use std::path::Path;

/// The lab's config file with a fast poll.
fn fast(path: &Path) -> Config {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replacen(
        "primary = 0\n",
        "primary = 0\n\n[poll]\ninterval_ms = 200\ntimeout_ms = 300\nslow_interval_ms = 500\n",
        1,
    );
    Config::parse(&text, path).unwrap()
}

/// Per (exporter, partition): the highest exported position any broker of either region
/// showed in an answer taken after `since`.
fn exported(snap: &Snapshot, since: jiff::Timestamp) -> BTreeMap<(String, i32), i64> {
    let mut out = BTreeMap::new();
    for (_, r) in snap.regions.iter() {
        for o in r.metrics.values().filter(|o| o.at > since) {
            let Ok(m) = &o.value else { continue };
            for (e, p, pos) in m.exporters() {
                let v = out.entry((e.to_string(), p)).or_insert(pos);
                *v = (*v).max(pos);
            }
        }
    }
    out
}

fn of(all: &BTreeMap<(String, i32), i64>, exporter: &str) -> BTreeMap<i32, i64> {
    all.iter()
        .filter(|((e, _), _)| e == exporter)
        .map(|((_, p), v)| (*p, *v))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_exporter_stands_still_in_the_observations_while_the_other_moves_on() {
    let lab = TestLab::start(Camunda::V88, 5.0).await;
    let partitions = lab.state().await["partitions"].as_array().unwrap().len();
    let config = fast(&lab.lab.ready.config);
    let observer = Observer::start(&config).await.unwrap();
    let snap = || observer.snapshot.borrow().clone();
    let start = jiff::Timestamp::now();

    // Every broker's answer parses, and both exporters are seen on every partition.
    wait_until("every broker's metrics parsed", DEADLINE, || async {
        let s = snap();
        let counts = PerRegion::from_fn(|r| {
            let m = &s.regions[r].metrics;
            (m.len(), m.values().filter(|o| o.value.is_ok()).count())
        });
        let all = exported(&s, start);
        let ok = Region::BOTH
            .iter()
            .all(|r| counts[*r].0 == 4 && counts[*r].1 == 4)
            && of(&all, "camundaregion0").len() == partitions
            && of(&all, "camundaregion1").len() == partitions;
        if ok {
            Ok(())
        } else {
            Err(format!("{counts:?} {all:?}"))
        }
    })
    .await;
    let s = snap();
    let any = s.regions[Region::ZERO].metrics.values().next().unwrap();
    let m = any.value.as_ref().unwrap();
    assert!(
        m.partitions
            .values()
            .all(|p| p.committed_position.is_some() && p.role.is_some() && p.health.is_some())
    );
    assert_eq!(m.changes.status.as_deref(), Some("COMPLETED"));

    lab.control_post("/lab/exporters/region1/stall").await;
    let stalled_at = jiff::Timestamp::now();
    // Answers taken after the stall: region 1's exporter no longer moves, region 0's does.
    let (before0, before1) = wait_until("a full scrape after the stall", DEADLINE, || async {
        let all = exported(&snap(), stalled_at);
        let (r0, r1) = (of(&all, "camundaregion0"), of(&all, "camundaregion1"));
        if r0.len() == partitions && r1.len() == partitions {
            Ok((r0, r1))
        } else {
            Err(format!("{all:?}"))
        }
    })
    .await;
    let later = jiff::Timestamp::now();
    let (after0, after1) = wait_until("region 0's exporter moves on", DEADLINE, || async {
        let all = exported(&snap(), later);
        let (r0, r1) = (of(&all, "camundaregion0"), of(&all, "camundaregion1"));
        let moved = r0.len() == partitions
            && r1.len() == partitions
            && r0
                .iter()
                .all(|(p, v)| before0.get(p).is_some_and(|b| v > b));
        if moved {
            Ok((r0, r1))
        } else {
            Err(format!("{before0:?} → {r0:?}"))
        }
    })
    .await;
    assert!(after0.iter().all(|(p, v)| v > &before0[p]));
    assert_eq!(
        after1, before1,
        "the stalled exporter's positions stand still"
    );

    lab.control_post("/lab/exporters/region1/unstall").await;
    let resumed = jiff::Timestamp::now();
    wait_until("region 1's exporter moves again", DEADLINE, || async {
        let r1 = of(&exported(&snap(), resumed), "camundaregion1");
        let moved = r1.len() == partitions
            && r1
                .iter()
                .all(|(p, v)| before1.get(p).is_some_and(|b| v > b));
        if moved {
            Ok(())
        } else {
            Err(format!("{before1:?} → {r1:?}"))
        }
    })
    .await;

    // A lost region's brokers answer no scrape.
    lab.control_post("/lab/regions/1/fail").await;
    let failed = jiff::Timestamp::now();
    wait_until("region 1's scrapes fail", DEADLINE, || async {
        let s = snap();
        let m = &s.regions[Region::ONE].metrics;
        let all_failed = !m.is_empty() && m.values().all(|o| o.at > failed && o.value.is_err());
        if all_failed {
            Ok(())
        } else {
            Err(format!(
                "{:?}",
                m.values().map(|o| o.value.is_ok()).collect::<Vec<_>>()
            ))
        }
    })
    .await;
    lab.shutdown().await;
}
