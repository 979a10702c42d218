//! Property test of the cockpit's drawing (issue 17 §2): every scene, with the dashboard or an
//! overlay open, drawn at sizes from 1×1 to 300×100 chosen by proptest, never panics.

use c8dr::api::{BrokerId, Region};
use c8dr::demo::scenes::{self, SCENES};
use c8dr::tui::app::{App, Detail, Mode};
use c8dr::tui::theme::Theme;
use proptest::test_runner::TestRunner;
use std::cell::RefCell;

/// Every screen the app can be in over the dashboard.
fn modes() -> Vec<Mode> {
    vec![
        Mode::Normal,
        Mode::Help,
        Mode::Preflight,
        Mode::Events,
        Mode::Drill(2),
        Mode::Command("failover pa".into()),
        Mode::Filter("1".into()),
        Mode::Detail(Detail::Partition(1)),
        Mode::Detail(Detail::Partition(99)),
        Mode::Detail(Detail::Broker(BrokerId::Numbered(1))),
        Mode::Detail(Detail::Region(Region::ONE)),
        Mode::Runbook,
        Mode::ConfirmQuit(Box::new(Mode::Normal)),
    ]
}

/// The preflight checks of a misconfigured lab, so the preflight overlay has rows to draw.
fn preflight() -> Vec<c8dr::preflight::Check> {
    let config = c8dr::config::Config::parse(
        r#"
        name = "lab-8.8"
        [[regions]]
        id = 0
        name = "london"
        [regions.kube]
        context = "c8dr-lab-london"
        namespace = "camunda-london"
        [[regions]]
        id = 1
        name = "paris"
        [regions.kube]
        context = "c8dr-lab-paris"
        namespace = "camunda-paris"
        "#,
        std::path::Path::new("scene.toml"),
    )
    .unwrap();
    let settings = c8dr_lab::sim::Settings {
        camunda: c8dr_lab::sim::Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let mut sim = c8dr_lab::sim::Sim::new(settings, scenes::clock());
    sim.misconfigure("mixed-versions").unwrap();
    let snap = scenes::observe(&sim, scenes::clock());
    let mut cfg = scenes::model_config(c8dr_lab::sim::Camunda::V88);
    cfg.stale_after = std::time::Duration::from_secs(3600);
    let view = c8dr::model::derive(&snap, &cfg, scenes::clock(), None);
    c8dr::preflight::run(&config, &snap, &view)
}

fn draw(app: &mut App, mode: &Mode, w: u16, h: u16) {
    app.mode = mode.clone();
    let _ = c8dr::tui::frame::render(app, &Theme::built_in("default"), w, h);
}

#[test]
fn every_screen_draws_at_every_size_without_a_panic() {
    check_drawing(crate::props_model::config());
}

/// Draws every scene and screen at the corners of the size range, then at sizes proptest picks.
pub fn check_drawing(config: proptest::test_runner::Config) {
    let checks = preflight();
    let apps: Vec<App> = SCENES
        .iter()
        .map(|s| {
            let mut app = scenes::app(s);
            app.preflight = checks.clone();
            app
        })
        .collect();
    let modes = modes();
    let apps = RefCell::new(apps);
    // The corners of the range always; proptest picks the sizes between.
    for (w, h) in [(1, 1), (1, 100), (300, 1), (300, 100), (2, 2), (80, 24)] {
        for app in apps.borrow_mut().iter_mut() {
            for m in &modes {
                draw(app, m, w, h);
            }
        }
    }
    let n = apps.borrow().len();
    let mut runner = TestRunner::new(config);
    runner
        .run(
            &(1..=300u16, 1..=100u16, 0..n, 0..modes.len()),
            |(w, h, a, m)| {
                draw(&mut apps.borrow_mut()[a], &modes[m], w, h);
                Ok(())
            },
        )
        .unwrap();
}
