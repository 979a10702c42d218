//! Rendering cost of the dashboard for a large cluster: 32 brokers, 128 partitions, 200×50,
//! from the observations to the model's view (derive) and from the view to a full frame buffer
//! (render): p50/p95 of each and of both in a row (what every redraw costs). A bench binary:
//! `cargo bench --bench render`.

use c8dr::demo::scenes;
use c8dr::model;
use c8dr::tui::app::App;
use c8dr::tui::theme::Theme;
use c8dr_lab::sim::{Camunda, Settings, Sim};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn main() {
    let settings = Settings {
        camunda: Camunda::V88,
        brokers: 32,
        partitions: 128,
        replication_factor: 4,
    };
    let mut sim = Sim::new(settings, scenes::clock());
    sim.tick(Duration::from_secs(30));
    sim.fail_region(1);
    sim.tick(Duration::from_secs(31));
    let mut cfg = scenes::model_config(Camunda::V88);
    cfg.stale_after = Duration::from_secs(3600);
    let snap = scenes::observe(&sim, scenes::clock());
    let names = c8dr::tui::theme::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let mut app = App::new(false, Vec::new(), names, scenes::clock());
    let theme = Theme::built_in("default");

    // Every input goes through `black_box`, so nothing is hoisted out of the loops; each
    // sample times one derive (with the app taking the view), one render, or both in a row
    // (what a redraw after new observations costs).
    let runs = 300;
    let (mut derive, mut render, mut both) = (vec![], vec![], vec![]);
    for _ in 0..runs {
        let t = Instant::now();
        let view = model::derive(
            black_box(&snap),
            black_box(&cfg),
            black_box(scenes::clock()),
            app.view.as_ref(),
        );
        app.update_view(view);
        derive.push(t.elapsed());
        let t = Instant::now();
        let buf = c8dr::tui::frame::render(black_box(&app), black_box(&theme), 200, 50);
        black_box(&buf);
        render.push(t.elapsed());
        let t = Instant::now();
        let view = model::derive(
            black_box(&snap),
            black_box(&cfg),
            black_box(scenes::clock()),
            app.view.as_ref(),
        );
        app.update_view(view);
        let buf = c8dr::tui::frame::render(black_box(&app), black_box(&theme), 200, 50);
        black_box(&buf);
        both.push(t.elapsed());
    }
    println!("32 brokers, 128 partitions, region 1 lost, 200×50 ({runs} samples each):");
    for (what, v) in [
        ("derive the view", &mut derive),
        ("render the frame", &mut render),
        ("derive + render", &mut both),
    ] {
        v.sort();
        let pct = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
        println!(
            "  {what:<17} p50 {:>9.3?}  p95 {:>9.3?}  max {:>9.3?}",
            pct(0.5),
            pct(0.95),
            pct(1.0)
        );
    }
    garbled(&cfg);
}

/// A hostile or broken gateway listing 100 000 brokers with a partition each, and 8 192
/// partitions: ignored as garbled (it took 65 s before the bounds); and the largest answer
/// still taken, 1 024 brokers, derived with indexed lookups.
fn garbled(cfg: &model::ModelConfig) {
    for n in [100_000, model::derive::MAX_BROKERS as i32] {
        garbled_of(cfg, n);
    }
}

fn garbled_of(cfg: &model::ModelConfig, n: i32) {
    let brokers: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"nodeId": i, "host": "h", "port": 26501, "version": "8.8.0",
                "partitions": [{"partitionId": 1 + i % 8192, "role": "follower", "health": "healthy"}]})
        })
        .collect();
    let t: c8dr::api::TopologyResponse = match serde_json::from_value(serde_json::json!({
        "brokers": brokers, "clusterSize": n, "partitionsCount": 8192, "replicationFactor": 4
    })) {
        Ok(t) => t,
        Err(e) => return println!("garbled input: {e}"),
    };
    let mut snap = model::Snapshot::default();
    for r in snap.regions.values_mut() {
        r.configured.insert(model::Source::Topology);
        r.topology = Some(model::Obs::ok(scenes::clock(), t.clone()));
    }
    let runs = 5;
    let start = Instant::now();
    let mut brokers = 0;
    for _ in 0..runs {
        let v = model::derive(&snap, cfg, scenes::clock(), None);
        brokers = v.brokers.len();
    }
    println!(
        "an answer of {n} brokers and 8192 partitions (both gateways): derive mean {:?}, {brokers} brokers kept",
        start.elapsed() / runs
    );
}
