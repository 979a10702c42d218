//! Rendering cost of the dashboard for a large cluster: 32 brokers, 128 partitions, 200×50,
//! from the observations to the model's view (derive) and from the view to a full frame buffer
//! (render): p50/p95 of each and of both in a row (what a redraw after new observations costs).
//! A bench binary: `cargo bench --bench render`.
//!
//! Each kind is timed in its own loop, after a warm-up, every input through `black_box` and
//! everything a sample makes dropped inside it, so every sample does the same work. (The first
//! version interleaved the kinds and dropped the frames outside the timings: the allocator then
//! gave the heap's top back to the kernel between iterations, the "render" sample paid the page
//! faults to get it back and "derive + render", after it, did not, so it measured faster than
//! "render" alone.) The minor page faults per sample are printed too: a frame should take none.

use c8dr::demo::scenes;
use c8dr::model;
use c8dr::tui::app::App;
use c8dr::tui::caps::Caps;
use c8dr::tui::frame::Canvas;
use c8dr::tui::theme::Theme;
use c8dr_lab::sim::{Camunda, Settings, Sim};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// This process's minor page faults so far (`/proc/self/stat`, field 10).
fn minor_faults() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            rest.split_whitespace().nth(7)?.parse().ok()
        })
        .unwrap_or(0)
}

/// `runs` timings of `f` after `runs / 10` untimed ones, and its page faults per run.
fn sample(runs: usize, mut f: impl FnMut()) -> (Vec<Duration>, f64) {
    for _ in 0..runs / 10 {
        f();
    }
    let faults = minor_faults();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    // The bench's own reads of /proc are not the frame's: measured apart, they fault nothing
    // once warm (the `Vec` is reserved).
    let faults = (minor_faults() - faults) as f64 / runs as f64;
    (times, faults)
}

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
    let view = model::derive(&snap, &cfg, scenes::clock(), None);
    app.update_view(view);

    let runs = 300;
    let derive = |app: &mut App| {
        let view = model::derive(
            black_box(&snap),
            black_box(&cfg),
            black_box(scenes::clock()),
            app.view.as_ref(),
        );
        // The previous view is dropped here, inside the sample.
        app.update_view(view);
    };
    let mut canvas = Canvas::default();
    let mut results = vec![];
    results.push((
        "derive the view",
        sample(runs, || derive(black_box(&mut app))),
    ));
    results.push((
        "render the frame (the live loop: `Caps::draw`, its canvas kept)",
        sample(runs, || {
            let buf = Caps::FULL.draw(&mut canvas, black_box(&app), black_box(&theme), 200, 50);
            black_box(buf);
        }),
    ));
    results.push((
        "render the frame (`frame::render`, a new buffer: the tests' path)",
        sample(runs, || {
            let buf = c8dr::tui::frame::render(black_box(&app), black_box(&theme), 200, 50);
            black_box(&buf);
            drop(buf);
        }),
    ));
    results.push((
        "derive + render (a redraw after new observations, the live loop)",
        sample(runs, || {
            derive(black_box(&mut app));
            let buf = Caps::FULL.draw(&mut canvas, black_box(&app), black_box(&theme), 200, 50);
            black_box(buf);
        }),
    ));
    println!("32 brokers, 128 partitions, region 1 lost, 200×50 ({runs} samples each):");
    for (what, (mut v, faults)) in results {
        v.sort();
        let pct = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
        println!(
            "  p50 {:>9.3?}  p95 {:>9.3?}  max {:>9.3?}  {faults:>6.1} page faults  {what}",
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
