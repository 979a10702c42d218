//! The cockpit on zone-aware (8.10) and migrating clusters, from model inputs: `/v2/topology`
//! with string `brokerId`s whose `nodeId` repeats in every zone, `/actuator/cluster` with zoned
//! ids and a `partitioning` layout; rendered at the documented sizes.

use c8dr::api::Region;
use c8dr::model::{self, Obs, Snapshot, Source};
use c8dr::tui::app::App;
use c8dr::tui::export;
use c8dr::tui::theme::Theme;
use c8dr_lab::sim::Camunda;
use serde_json::{Value, json};

pub fn now() -> jiff::Timestamp {
    c8dr::demo::scenes::clock()
}

/// Ids of the two zones' brokers, four each: `london_0`…`london_3`, `paris_0`…`paris_3`.
pub fn zoned_ids() -> Vec<Value> {
    ["london", "paris"]
        .iter()
        .flat_map(|z| (0..4).map(move |i| json!(format!("{z}_{i}"))))
        .collect()
}

/// Numbered ids 0..8.
pub fn numbered_ids() -> Vec<Value> {
    (0..8).map(|i| json!(i)).collect()
}

/// The region of an id as the fixture places it (parity, or the zone).
fn region_of(id: &Value) -> u8 {
    match id {
        Value::String(s) if s.starts_with("paris") => 1,
        Value::String(_) => 0,
        n => (n.as_i64().unwrap_or(0) % 2) as u8,
    }
}

/// RF 4 over 8 partitions: partition p has two replicas in each region, the first region 0
/// replica leads.
fn replicas(ids: &[Value]) -> Vec<Vec<Value>> {
    let by = |r: u8| -> Vec<Value> { ids.iter().filter(|i| region_of(i) == r).cloned().collect() };
    let (r0, r1) = (by(0), by(1));
    (0..8)
        .map(|p| {
            // Two replicas in each region that has brokers (after a failover: one region).
            [&r0, &r1]
                .into_iter()
                .filter(|v| !v.is_empty())
                .flat_map(|v| [v[p % v.len()].clone(), v[(p + 1) % v.len()].clone()])
                .collect()
        })
        .collect()
}

fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        n => n.to_string(),
    }
}

fn node_id(id: &Value) -> i64 {
    match id {
        Value::String(s) => s.rsplit('_').next().unwrap().parse().unwrap(),
        n => n.as_i64().unwrap(),
    }
}

/// `/v2/topology` listing `seen` (8.10: `brokerId` a string, `nodeId` zone-local).
fn topology(ids: &[Value], seen: impl Fn(&Value) -> bool) -> Value {
    let reps = replicas(ids);
    let brokers: Vec<Value> = ids
        .iter()
        .filter(|i| seen(i))
        .map(|id| {
            let partitions: Vec<Value> = reps
                .iter()
                .enumerate()
                .filter(|(_, r)| r.contains(id))
                .map(|(p, r)| {
                    json!({"partitionId": p + 1,
                           "role": if &r[0] == id { "leader" } else { "follower" },
                           "health": "healthy"})
                })
                .collect();
            json!({"nodeId": node_id(id), "brokerId": id_text(id),
                   "host": format!("camunda-zeebe-{}", id_text(id).replace('_', "-")),
                   "port": 26501, "version": "8.10.2", "partitions": partitions})
        })
        .collect();
    json!({"brokers": brokers, "clusterSize": ids.len(), "partitionsCount": 8,
           "replicationFactor": 4, "gatewayVersion": "8.10.2", "lastCompletedChangeId": "3"})
}

/// `/actuator/cluster` with these members and this `partitioning` (null: none persisted).
pub fn cluster(ids: &[Value], partitioning: Value, recovering: bool) -> Value {
    let reps = replicas(ids);
    let brokers: Vec<Value> = ids
        .iter()
        .map(|id| {
            let partitions: Vec<Value> = reps
                .iter()
                .enumerate()
                .filter(|(_, r)| r.contains(id))
                .map(|(p, r)| {
                    json!({"id": p + 1, "state": if recovering { "RECOVERING" } else { "ACTIVE" },
                           "priority": 4 - r.iter().position(|x| x == id).unwrap()})
                })
                .collect();
            json!({"id": id, "state": if recovering { "RECOVERING" } else { "ACTIVE" },
                   "version": 3, "partitions": partitions})
        })
        .collect();
    let mut c = json!({"version": 3, "brokers": brokers,
                       "lastChange": {"id": 3, "status": "COMPLETED"}});
    if !partitioning.is_null() {
        c["partitioning"] = partitioning;
    }
    c
}

pub fn zone_layout() -> Value {
    json!({"scheme": "ZONE_AWARE", "zones": [
        {"name": "london", "numberOfReplicas": 2, "priority": 1000},
        {"name": "paris", "numberOfReplicas": 2, "priority": 500}]})
}

fn refused() -> c8dr::source::SourceError {
    c8dr::source::SourceError::Connect {
        cause: Some("Connection refused (os error 111)".into()),
    }
}

/// A snapshot of a dual-region cluster with these member ids and layout; `lost` refuses every
/// connection and its brokers are gone from the other region's topology.
pub fn snapshot(ids: &[Value], partitioning: Value, lost: Option<Region>) -> Snapshot {
    let mut s = Snapshot::default();
    let c: c8dr::api::ClusterTopology =
        serde_json::from_value(cluster(ids, partitioning, false)).unwrap();
    for r in Region::BOTH {
        let obs = &mut s.regions[r];
        obs.configured = [Source::Topology, Source::Cluster, Source::Exporters]
            .into_iter()
            .collect();
        if lost == Some(r) {
            obs.topology = Some(Obs::failed(now(), refused()));
            obs.cluster = Some(Obs::failed(now(), refused()));
            obs.exporters = Some(Obs::failed(now(), refused()));
            continue;
        }
        let t = topology(ids, |id| {
            lost.is_none_or(|l| region_of(id) != l.index() as u8)
        });
        obs.topology = Some(Obs::ok(now(), serde_json::from_value(t).unwrap()));
        obs.cluster = Some(Obs::ok(now(), c.clone()));
        obs.exporters = Some(Obs::ok(
            now(),
            serde_json::from_value(json!([
                {"exporterId": "camundaregion0", "status": "ENABLED"},
                {"exporterId": "camundaregion1", "status": "ENABLED"}]))
            .unwrap(),
        ));
    }
    let addrs = match lost {
        Some(l) => vec![c8dr_lab::dns::region_address(l.other().index() as u8).into()],
        None => vec![
            c8dr_lab::dns::region_address(0).into(),
            c8dr_lab::dns::region_address(1).into(),
        ],
    };
    s.dns = Some(Obs::ok(now(), addrs));
    s
}

/// The dashboard of `snap` on an 8.10 active-active lab configuration.
pub fn app_of(snap: &Snapshot) -> App {
    let cfg = c8dr::demo::scenes::model_config(Camunda::V810);
    let v = model::derive(snap, &cfg, now(), None);
    let mut app = App::new(false, Vec::new(), vec!["default".into()], now());
    app.update_view(v);
    app
}

pub fn text(app: &App, w: u16, h: u16) -> String {
    export::text(&c8dr::tui::frame::render(
        app,
        &Theme::built_in("default"),
        w,
        h,
    ))
}

#[test]
fn fixture_is_zone_aware() {
    let app = app_of(&snapshot(&zoned_ids(), zone_layout(), None));
    let v = app.view.as_ref().unwrap();
    assert_eq!(
        v.cluster.topology.kind,
        c8dr::model::TopologyKind::ZoneAware
    );
    assert_eq!(v.brokers.len(), 8, "{:?}", v.anomalies);
    assert_eq!(v.processing, model::Processing::Active, "{:?}", v.verdict);
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap()
}

#[test]
fn the_header_names_a_zone_aware_cluster_at_every_size() {
    let app = app_of(&snapshot(&zoned_ids(), zone_layout(), None));
    for (w, h) in [(80, 24), (120, 36), (200, 50)] {
        let screen = text(&app, w, h);
        let top = header(&screen);
        assert!(top.contains("zone-aware"), "{w}x{h}: {top}");
        assert!(top.contains("dns agrees"), "{w}x{h}: {top}");
        insta::assert_snapshot!(format!("zoned_healthy_{w}x{h}"), screen);
    }
}

#[test]
fn the_header_names_the_migration_stage_and_the_next_zone() {
    // Layout persisted, no zone migrated: the secondary zone goes first.
    let app = app_of(&snapshot(&numbered_ids(), zone_layout(), None));
    let wide = text(&app, 120, 36);
    assert!(
        header(&wide).contains("migrating: layout set, next paris"),
        "{}",
        header(&wide)
    );
    // Paris migrated, London's numbered brokers still members.
    let mut half: Vec<Value> = [0, 2, 4, 6].iter().map(|i| json!(i)).collect();
    half.extend((0..4).map(|i| json!(format!("paris_{i}"))));
    let app = app_of(&snapshot(&half, zone_layout(), None));
    let wide = text(&app, 120, 36);
    assert!(
        header(&wide).contains("migrating: paris done, next london"),
        "{}",
        header(&wide)
    );
    // Narrow: the header names the kind, the verdict the stage and the next zone.
    let narrow = text(&app, 80, 24);
    let top = header(&narrow);
    assert!(
        top.contains("migrating") && top.contains("dns agrees"),
        "{top}"
    );
    assert!(narrow.contains("paris done, next london"), "{narrow}");
    insta::assert_snapshot!("zoned_migrating_half_80x24", narrow);
    insta::assert_snapshot!("zoned_migrating_half_120x36", wide);
}

#[test]
fn a_numbered_8_10_header_keeps_what_it_showed_and_names_the_kind_only_where_it_fits() {
    let app = app_of(&snapshot(&numbered_ids(), Value::Null, None));
    // Narrow: exactly today's line (the kind word would push the mode out).
    let narrow = text(&app, 80, 24);
    assert_eq!(
        header(&narrow),
        " c8dr · lab-8.10 · 8.10.2 · TRAFFIC → london + paris ✔ dns agrees · WRITE"
    );
    let wide = text(&app, 200, 50);
    assert!(header(&wide).contains("numbered"), "{}", header(&wide));
}

#[test]
fn a_recovering_cluster_is_shown_as_such_not_as_a_split() {
    let mut snap = snapshot(&zoned_ids(), zone_layout(), None);
    let c: c8dr::api::ClusterTopology =
        serde_json::from_value(cluster(&zoned_ids(), zone_layout(), true)).unwrap();
    for r in Region::BOTH {
        snap.regions[r].cluster = Some(Obs::ok(now(), c.clone()));
        // Recovery mode: every replica inactive, state recovering.
        let t = snap.regions[r].topology.as_mut().unwrap();
        if let Ok(t) = &mut t.value {
            for b in &mut t.brokers {
                for p in &mut b.partitions {
                    p.role = c8dr::api::PartitionRole::Inactive;
                }
            }
        }
    }
    let app = app_of(&snap);
    let v = app.view.as_ref().unwrap();
    let words = v.verdict.reasons.join("\n");
    assert!(!words.contains("network split"), "{words}");
    assert!(words.contains("RECOVERING"), "{words}");
    let screen = text(&app, 80, 24);
    assert!(
        header(&screen).contains("zone-aware RECOVERING"),
        "{}",
        header(&screen)
    );
    insta::assert_snapshot!("zoned_recovering_80x24", screen);
}

#[test]
fn zoned_broker_ids_fit_the_panes_and_sit_in_their_zones_region() {
    let app = app_of(&snapshot(&zoned_ids(), zone_layout(), None));
    let screen = text(&app, 120, 36);
    // The region panes side by side: each london_ row left, each paris_ row right.
    for line in screen
        .lines()
        .filter(|l| l.contains("london_") || l.contains("paris_"))
    {
        if let (Some(l), Some(p)) = (line.find("london_"), line.find("paris_")) {
            assert!(l < p, "{line}");
        }
    }
    // The matrix's columns line up with its head: every row as wide as the head.
    let matrix: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("Partitions"))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .filter(|l| l.contains('│'))
        .collect();
    let bar = |l: &str| {
        l.chars().position(|c| c == '│').map(|_| {
            l.match_indices('│')
                .nth(1)
                .map(|(i, _)| l[..i].chars().count())
        })
    };
    let head_bar = bar(matrix[0]);
    for l in &matrix {
        if l.contains(" P") {
            assert_eq!(bar(l), head_bar, "{l}\n{}", matrix[0]);
        }
    }
}

#[test]
fn an_active_active_region_that_cannot_serve_is_not_titled_serving() {
    for ids in [zoned_ids(), numbered_ids()] {
        let layout = if ids[0].is_string() {
            zone_layout()
        } else {
            Value::Null
        };
        let app = app_of(&snapshot(&ids, layout, Some(Region::ONE)));
        let v = app.view.as_ref().unwrap();
        assert_eq!(v.traffic.mode, c8dr::model::TrafficMode::ActiveActive);
        for (w, h) in [(80, 24), (120, 36)] {
            let screen = text(&app, w, h);
            // Side by side from 120 columns: each pane's own title.
            let titles: Vec<&str> = screen.lines().flat_map(|l| l.split('┌')).collect();
            let title = titles
                .iter()
                .find(|l| l.contains("region1 · paris"))
                .unwrap();
            assert!(!title.contains("serving"), "{w}x{h}: {title}");
            assert!(title.contains("cannot serve"), "{w}x{h}: {title}");
            let title0 = titles
                .iter()
                .find(|l| l.contains("region0 · london"))
                .unwrap();
            assert!(title0.contains("serving"), "{w}x{h}: {title0}");
        }
    }
    let app = app_of(&snapshot(&zoned_ids(), zone_layout(), Some(Region::ONE)));
    insta::assert_snapshot!("zoned_paris_lost_80x24", text(&app, 80, 24));
    insta::assert_snapshot!("zoned_paris_lost_120x36", text(&app, 120, 36));
}
