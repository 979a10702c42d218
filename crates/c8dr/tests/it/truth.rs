//! Issue 14 ("what is shown is true"): the model's traffic judgement, the exporter reminder
//! after a force removal, failing sources of a region that answers, and the advice the
//! verdict gives, on the lab's simulation observed as the observation loop would.

use c8dr::api::*;
use c8dr::demo::scenes;
use c8dr::model::{self, ClusterView, Front, Level, ModelConfig, Obs, Reach};
use c8dr::source::SourceError;
use c8dr_lab::sim::{Camunda, Entry, Settings, Sim, Traffic};
use std::time::Duration;

fn sim() -> Sim {
    let settings = Settings {
        camunda: Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let mut sim = Sim::new(
        settings,
        scenes::clock() - jiff::SignedDuration::from_secs(120),
    );
    sim.tick(Duration::from_secs(45));
    sim
}

fn cfg(active_active: bool) -> ModelConfig {
    let mut cfg = scenes::model_config(Camunda::V88);
    cfg.active_active = active_active;
    cfg.stale_after = Duration::from_secs(3600);
    cfg
}

fn view_of(sim: &Sim, cfg: &ModelConfig) -> ClusterView {
    model::derive(
        &scenes::observe(sim, scenes::clock()),
        cfg,
        scenes::clock(),
        None,
    )
}

/// Drives the lab into a situation and derives the view of it.
fn view(active_active: bool, setup: impl FnOnce(&mut Sim)) -> ClusterView {
    let mut sim = sim();
    setup(&mut sim);
    sim.tick(Duration::from_secs(60));
    view_of(&sim, &cfg(active_active))
}

/// Force-removes region `r`'s brokers as FO-1 does (the exporter stays as it is).
fn force_remove(sim: &mut Sim, r: u8) {
    let remove = c8dr::runbook::plan::ids_of_region(
        &c8dr_api::ZoneMap::NONE,
        BrokerId::numbered(8),
        Region::new(r).unwrap(),
    )
    .into_iter()
    .collect();
    let plan = c8dr_lab::sim::plan::force_remove(&sim.members, 8, &remove, 4).unwrap();
    let survivor = if r == 0 { 1 } else { 0 };
    sim.start_change(Entry::Gateway(survivor), plan, false)
        .unwrap();
    let until = sim.now + Duration::from_secs(10);
    sim.tick(until);
}

fn all(v: &ClusterView) -> String {
    v.verdict.reasons.join(" | ")
}

#[test]
fn traffic_is_judged_against_the_regions_that_can_serve() {
    // Active-passive, the primary (london) lost, users still sent there: wrong, and said so.
    let v = view(false, |s| s.fail_region(0));
    assert_eq!(v.traffic.observed, Some(vec![Region::ZERO]));
    assert_eq!(v.traffic.agrees, Some(false), "{:?}", v.traffic);
    assert_eq!(v.traffic.expected, Some(vec![Region::ONE]));
    assert!(
        all(&v).contains("user traffic still goes to unreachable region0 london: move it"),
        "{}",
        all(&v)
    );
    let healthy = view(false, |_| {});
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = screen(&healthy, &v, w, h);
        assert!(
            screen.lines().next().unwrap().contains("✖ dns DISAGREES"),
            "{w}x{h}\n{screen}"
        );
        insta::assert_snapshot!(format!("primary_lost_traffic_on_it_{w}x{h}"), screen);
    }
    // After the operator moved traffic to paris as FO-3 asks: right, not a disagreement.
    let v = view(false, |s| {
        s.fail_region(0);
        s.set_traffic(Traffic::Region(1));
    });
    assert_eq!(v.traffic.agrees, Some(true), "{:?}", v.traffic);
    assert!(!all(&v).contains("traffic"), "{}", all(&v));
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = screen(&healthy, &v, w, h);
        assert!(
            screen.lines().next().unwrap().contains("✔ dns agrees"),
            "{w}x{h}\n{screen}"
        );
        insta::assert_snapshot!(format!("primary_lost_traffic_moved_{w}x{h}"), screen);
    }
    // ... and after the failover (london's brokers removed) too.
    let v = view(false, |s| {
        s.fail_region(0);
        force_remove(s, 0);
        s.set_traffic(Traffic::Region(1));
    });
    assert_eq!(v.traffic.agrees, Some(true), "{:?}", v.traffic);
    // The recreated london answers but its brokers are not members yet: traffic stays in paris.
    let v = view(false, |s| {
        s.fail_region(0);
        force_remove(s, 0);
        s.set_traffic(Traffic::Region(1));
        s.recreate_region(0, false, false);
    });
    assert_eq!(v.region(Region::ZERO).unwrap().reachable, Reach::Up);
    assert_eq!(v.traffic.agrees, Some(true), "{:?}", v.traffic);

    // The secondary lost: traffic on the primary is right.
    let v = view(false, |s| s.fail_region(1));
    assert_eq!(v.traffic.agrees, Some(true));
    // Both healthy, traffic on the secondary: not as configured.
    let v = view(false, |s| s.set_traffic(Traffic::Region(1)));
    assert_eq!(v.traffic.agrees, Some(false));
    assert_eq!(v.verdict.level, Level::Warning, "{}", all(&v));
    assert!(
        all(&v).contains("but the primary is region0 london"),
        "{}",
        all(&v)
    );

    // Active-active: both healthy, both serve.
    let v = view(true, |s| s.set_traffic(Traffic::Both));
    assert_eq!(v.traffic.agrees, Some(true));
    // One region lost: users only to the survivor.
    let v = view(true, |s| {
        s.set_traffic(Traffic::Both);
        s.fail_region(1);
    });
    assert_eq!(v.traffic.agrees, Some(false));
    assert!(
        all(&v).contains("user traffic still goes to unreachable region1 paris: move it"),
        "{}",
        all(&v)
    );
    let v = view(true, |s| {
        s.fail_region(1);
        s.set_traffic(Traffic::Region(0));
    });
    assert_eq!(v.traffic.agrees, Some(true), "{:?}", v.traffic);

    // DNS unknown: cannot tell.
    let mut sim = sim();
    sim.fail_region(0);
    let mut snap = scenes::observe(&sim, scenes::clock());
    snap.dns = None;
    let v = model::derive(&snap, &cfg(false), scenes::clock(), None);
    assert_eq!(v.traffic.agrees, None);
}

#[test]
fn the_exporter_to_a_lost_region_is_reminded_until_disabled_also_after_the_force_removal() {
    let v = view(false, |s| s.fail_region(1));
    assert!(all(&v).contains("disable camundaregion1"), "{}", all(&v));
    // FO-1 done, the exporter still enabled: the reminder stays.
    let v = view(false, |s| {
        s.fail_region(1);
        force_remove(s, 1);
    });
    assert_eq!(v.cluster.size, Some(4), "{}", all(&v));
    assert!(all(&v).contains("disable camundaregion1"), "{}", all(&v));
    assert!(v.verdict.level >= Level::Warning, "{}", all(&v));
}

#[test]
fn a_growing_export_lag_is_a_warning_with_its_rate_from_successive_observations() {
    let mut sim = sim();
    sim.fail_region(1);
    force_remove(&mut sim, 1);
    let cfg = cfg(false);
    let mut prev: Option<ClusterView> = None;
    let start = scenes::clock();
    for k in 0..=15 {
        let at = start + jiff::SignedDuration::from_secs(2 * k);
        let until = sim.now + Duration::from_secs(2);
        sim.tick(until);
        let snap = scenes::observe(&sim, at);
        // Ten frames per observation: the rate must not come from frames.
        for frame in 0..10 {
            let now = at + jiff::SignedDuration::from_millis(frame * 150);
            prev = Some(model::derive(&snap, &cfg, now, prev.as_ref()));
        }
    }
    let v = prev.unwrap();
    let rate = v.export.lag_per_s.unwrap();
    assert!(rate > 5.0, "{rate} {:?}", v.export);
    assert!(v.export.lag_growing, "{:?}", v.export);
    let reminder = v
        .verdict
        .reasons
        .iter()
        .find(|r| r.contains("disable camundaregion1"))
        .unwrap_or_else(|| panic!("{}", all(&v)));
    assert!(
        reminder.contains(&format!("export lag {}, growing +", v.export.lag.unwrap()))
            && reminder.contains("/s"),
        "{reminder}"
    );
    let screen = screen(&v, &v, 120, 36);
    assert!(
        (screen.contains("exporting running · max lag ")
            || screen.contains("exporting running · lag ≤"))
            && screen.contains("⚠ +"),
        "{screen}"
    );
    // The reminder comes before what only needs watching (the reduced replication factor).
    let pos = |what: &str| v.verdict.reasons.iter().position(|r| r.contains(what));
    assert!(
        pos("disable camundaregion1") < pos("replication factor 2"),
        "{}",
        all(&v)
    );
}

/// Region 1's management API hangs (drill 17): every call times out while REST answers.
fn mgmt_hangs(snap: &mut model::Snapshot, at: jiff::Timestamp) {
    let timeout = || SourceError::Timeout {
        within: Some(Duration::from_millis(2000)),
    };
    let r = &mut snap.regions[Region::ONE];
    r.cluster = Some(Obs::failed(at, timeout()));
    r.exporters = Some(Obs::failed(at, timeout()));
    for o in r.partitions.values_mut() {
        *o = Obs::failed(at, timeout());
    }
}

#[test]
fn every_failing_source_of_a_region_that_answers_is_named_with_since_when() {
    let sim = sim();
    let cfg = cfg(false);
    let t0 = scenes::clock();
    let t9 = t0 + jiff::SignedDuration::from_secs(9);
    let mut snap = scenes::observe(&sim, t0);
    mgmt_hangs(&mut snap, t0);
    let first = model::derive(&snap, &cfg, t0, None);
    let mut snap = scenes::observe(&sim, t9);
    mgmt_hangs(&mut snap, t9);
    let v = model::derive(&snap, &cfg, t9, Some(&first));
    let paris = v.region(Region::ONE).unwrap();
    assert_eq!(paris.reachable, Reach::Up);
    assert_eq!(v.verdict.level, Level::Unknown, "{}", all(&v));
    assert!(
        all(&v).contains(
            "region1 paris: management /actuator/cluster, /actuator/exporters, /actuator/partitions fail for 9 s (no answer within 2000 ms)"
        ),
        "{}",
        all(&v)
    );
    // The region pane says so too, at both sizes, with since when.
    for (w, h) in [(120, 36), (80, 24)] {
        let screen = screen(&first, &v, w, h);
        assert!(screen.contains("3 sources fail"), "{w}x{h}\n{screen}");
        insta::assert_snapshot!(format!("management_hangs_{w}x{h}"), screen);
    }
    let big = screen(&first, &v, 120, 36);
    assert!(
        big.contains("⚠ failing for 9 s: mgmt cluster, exporters, partitions"),
        "{big}"
    );

    // REST answering 500 in london (drill 18): named as well.
    let mut snap = scenes::observe(&sim, t0);
    snap.regions[Region::ZERO].topology = Some(Obs::failed(
        t0,
        SourceError::http(500, Some("Internal Server Error".into())),
    ));
    let v = model::derive(&snap, &cfg, t0, None);
    assert_eq!(v.region(Region::ZERO).unwrap().reachable, Reach::Up);
    assert!(
        all(&v).contains("region0 london: REST /v2/topology fails"),
        "{}",
        all(&v)
    );
}

#[test]
fn a_failed_regions_error_line_does_not_flip_between_sources() {
    let sim = sim();
    let cfg = cfg(false);
    let t0 = scenes::clock();
    let later = t0 + jiff::SignedDuration::from_millis(300);
    let lines: Vec<Option<String>> = [(t0, later), (later, t0)]
        .into_iter()
        .map(|(topology_at, cluster_at)| {
            let mut snap = scenes::observe(&sim, t0);
            let r = &mut snap.regions[Region::ONE];
            r.topology = Some(Obs::failed(
                topology_at,
                SourceError::Connect { cause: None },
            ));
            r.cluster = Some(Obs::failed(
                cluster_at,
                SourceError::Timeout { within: None },
            ));
            r.exporters = Some(Obs::failed(t0, SourceError::Connect { cause: None }));
            r.partitions.clear();
            let v = model::derive(&snap, &cfg, later, None);
            assert_eq!(v.region(Region::ONE).unwrap().reachable, Reach::Down);
            v.region(Region::ONE).unwrap().last_error.clone()
        })
        .collect();
    assert_eq!(lines[0], lines[1]);
    assert!(
        lines[0]
            .as_deref()
            .unwrap()
            .starts_with("REST /v2/topology"),
        "{lines:?}"
    );
}

/// The dashboard at `w`×`h` after `before` then `v`.
fn screen(before: &ClusterView, v: &ClusterView, w: u16, h: u16) -> String {
    let names = c8dr::tui::theme::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect::<Vec<_>>();
    let mut app = c8dr::tui::app::App::new(false, Vec::new(), names, scenes::clock());
    app.update_view(before.clone());
    app.update_view(v.clone());
    c8dr::tui::export::text(&c8dr::tui::frame::render(
        &app,
        &c8dr::tui::theme::Theme::built_in("default"),
        w,
        h,
    ))
}

#[test]
fn advice_fits_the_situation_and_the_front_end() {
    // A region loss: fail over when it will not come back soon; the CLI names its command,
    // the dashboard its key.
    let v = view(false, |s| s.fail_region(1));
    let cli = v.verdict.words(Front::Cli).join(" | ");
    let tui = v.verdict.words(Front::Tui).join(" | ");
    assert_eq!(v.verdict.reasons.join(" | "), cli);
    assert!(
        cli.contains(
            "fail over when the region will not come back soon (c8dr failover --lost paris)"
        ),
        "{cli}"
    );
    assert!(!cli.contains("(F"), "{cli}");
    assert!(
        tui.contains("(F: failover runbook)") && !tui.contains("c8dr failover"),
        "{tui}"
    );

    // A network split: never a failover.
    let v = view(false, |s| s.set_split(true));
    assert_eq!(v.verdict.level, Level::Critical, "{}", all(&v));
    assert!(
        all(&v).contains("do not fail over; restore inter-region connectivity"),
        "{}",
        all(&v)
    );
    assert!(!all(&v).contains("failover --lost"), "{}", all(&v));

    // After the failover: fail back once the lost region is recreated.
    let v = view(false, |s| {
        s.fail_region(1);
        force_remove(s, 1);
    });
    let cli = all(&v);
    assert!(
        cli.contains("fail back once region1 paris is recreated (c8dr failback --recreated paris)"),
        "{cli}"
    );
}

#[test]
fn a_replication_layout_that_cannot_survive_a_region_is_named_never_failback() {
    let settings = Settings {
        camunda: Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 3,
    };
    let mut sim = Sim::new(
        settings,
        scenes::clock() - jiff::SignedDuration::from_secs(120),
    );
    sim.tick(Duration::from_secs(45));
    let v = view_of(&sim, &cfg(false));
    let text = all(&v);
    assert_eq!(v.cluster.replication_factor, Some(3));
    assert!(
        !text.to_lowercase().contains("fail back") && !text.contains("failback"),
        "{text}"
    );
    assert!(
        text.contains("replication factor 3, replicas not split evenly between the regions: losing region0 london halts partitions"),
        "{text}"
    );
    assert!(
        text.contains("losing region1 paris halts partitions"),
        "{text}"
    );
}

#[test]
fn brokers_expected_per_region_come_from_members_or_pods_never_half_the_cluster() {
    let sim = sim();
    let mut snap = scenes::observe(&sim, scenes::clock());
    // Without the cluster configuration, the region's broker pods tell.
    for r in Region::BOTH {
        snap.regions[r].cluster = None;
    }
    let v = model::derive(&snap, &cfg(false), scenes::clock(), None);
    assert_eq!(v.region(Region::ZERO).unwrap().brokers_expected, Some(4));
    // With neither, it is unknown (the topology's clusterSize of 8 does not make it 4).
    for r in Region::BOTH {
        snap.regions[r].pods = None;
    }
    let v = model::derive(&snap, &cfg(false), scenes::clock(), None);
    assert_eq!(v.cluster.size, Some(8));
    assert_eq!(v.region(Region::ZERO).unwrap().brokers_expected, None);
}

/// A region without members still expects the brokers its pods or the previous view knew:
/// after a failover the lost region is "brokers 0/4", and a recreated region whose brokers are
/// not members yet is "0/4" too, never "0/0" (which would hide that brokers are missing).
#[test]
fn a_region_without_members_still_expects_its_brokers() {
    let cfg = cfg(false);
    let mut sim = sim();
    let t0 = scenes::clock();
    let healthy = model::derive(&scenes::observe(&sim, t0), &cfg, t0, None);
    sim.fail_region(0);
    force_remove(&mut sim, 0);
    let t1 = t0 + jiff::SignedDuration::from_secs(5);
    let lost = model::derive(&scenes::observe(&sim, t1), &cfg, t1, Some(&healthy));
    let london = lost.region(Region::ZERO).unwrap();
    assert_eq!(
        (london.brokers_up, london.brokers_expected),
        (Some(0), Some(4))
    );
    sim.recreate_region(0, false, false);
    let t2 = t1 + jiff::SignedDuration::from_secs(5);
    // A fresh start of c8dr (no previous view): the recreated region's pods tell.
    let recreated = model::derive(&scenes::observe(&sim, t2), &cfg, t2, None);
    let london = recreated.region(Region::ZERO).unwrap();
    assert_eq!(
        (london.brokers_up, london.brokers_expected),
        (Some(0), Some(4))
    );
    // Seen while the install still creates its pods (two of four listed so far): the last
    // view's four stand, not "0/2".
    let mut early = scenes::observe(&sim, t2);
    let pods = early.regions[Region::ZERO]
        .pods
        .as_mut()
        .and_then(|o| o.value.as_mut().ok())
        .expect("london's pods");
    let mut brokers = 0;
    pods.retain(|p| {
        p.broker.is_none() || {
            brokers += 1;
            brokers <= 2
        }
    });
    let v = model::derive(&early, &cfg, t2, Some(&lost));
    let london = v.region(Region::ZERO).unwrap();
    assert_eq!(london.pods_total, Some(2));
    assert_eq!(london.brokers_expected, Some(4));
}

#[test]
fn a_region_that_stops_answering_says_since_when() {
    let mut sim = sim();
    let cfg = cfg(false);
    let t0 = scenes::clock();
    let before = model::derive(&scenes::observe(&sim, t0), &cfg, t0, None);
    sim.fail_region(1);
    let t5 = t0 + jiff::SignedDuration::from_secs(5);
    let v = model::derive(&scenes::observe(&sim, t5), &cfg, t5, Some(&before));
    let paris = v.region(Region::ONE).unwrap();
    assert_eq!(paris.reachable, Reach::Down);
    assert_eq!(
        paris.unreachable_since.as_deref(),
        Some(t0.to_string().as_str())
    );
    assert!(
        all(&v).contains("region1 paris unreachable for 5 s"),
        "{}",
        all(&v)
    );
}

/// Disables `exporter` as FO-2 does.
fn disable_exporter(sim: &mut Sim, exporter: &str, via: u8) {
    let plan = c8dr_lab::sim::plan::exporter(
        &sim.members,
        &sim.exporters.clone(),
        exporter,
        false,
        None,
        4,
    )
    .unwrap();
    sim.start_change(Entry::Gateway(via), plan, false).unwrap();
    let until = sim.now + Duration::from_secs(10);
    sim.tick(until);
}

#[test]
fn a_primary_whose_elasticsearch_gets_no_records_cannot_serve_yet() {
    // Failback half done: london's brokers are members again but its exporter is still
    // disabled; users stay in paris until failback enables it.
    let v = view(false, |s| {
        disable_exporter(s, "camundaregion0", 1);
        s.set_traffic(Traffic::Region(1));
    });
    assert_eq!(v.region(Region::ZERO).unwrap().reachable, Reach::Up);
    assert_eq!(v.traffic.expected, Some(vec![Region::ONE]), "{}", all(&v));
    assert_eq!(v.traffic.agrees, Some(true), "{}", all(&v));
    // Once the exporter is enabled again, the primary serves: move users back.
    let v = view(false, |s| s.set_traffic(Traffic::Region(1)));
    assert_eq!(v.traffic.agrees, Some(false));
    assert!(
        all(&v).contains(
            "user traffic goes to region1 paris but the primary is region0 london: move it"
        ),
        "{}",
        all(&v)
    );
}
