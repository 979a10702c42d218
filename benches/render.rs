//! Rendering cost of the dashboard for a large cluster: 32 brokers, 128 partitions, 200×50,
//! from the model's view to a full frame buffer (what every redraw costs). A bench binary:
//! `cargo bench --bench render`.

use c8dr::lab::sim::{Camunda, Settings, Sim};
use c8dr::model;
use c8dr::tui::app::App;
use c8dr::tui::scenes;
use c8dr::tui::theme::Theme;
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
    let mut app = App::new(false, false, names, scenes::clock());
    let theme = Theme::built_in("default");

    let runs = 300;
    let derive_start = Instant::now();
    for _ in 0..runs {
        app.update_view(model::derive(
            &snap,
            &cfg,
            scenes::clock(),
            app.view.as_ref(),
        ));
    }
    let derive = derive_start.elapsed() / runs;
    let mut samples = Vec::with_capacity(runs as usize);
    for _ in 0..runs {
        let t = Instant::now();
        let buf = scenes::render_app(&app, &theme, 200, 50);
        std::hint::black_box(&buf);
        samples.push(t.elapsed());
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!("32 brokers, 128 partitions, region 1 lost, 200×50:");
    println!("  derive the view:  mean {:?}", derive);
    println!(
        "  render the frame: median {:?}, p95 {:?}, max {:?}",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
}
