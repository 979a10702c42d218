//! The cockpit's loop (`tui::drive`) and what it does per observation (issue 18 §3): a poll
//! round's answers, each a new snapshot, are derived and drawn once, the newest of them shown
//! within the round; a key is drawn at once meanwhile; the clock still redraws an idle screen.
//! The observations come from a hand-fed observer.

use c8dr::config::Config;
use c8dr::demo::scenes;
use c8dr::model::{self, ModelConfig, Snapshot};
use c8dr::observe::Observer;
use c8dr::tui::{self, Counts, Io};
use c8dr_lab::sim::{Camunda, Settings, Sim};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const CONFIG: &str = r#"
name = "lab"
primary = 0
[[regions]]
id = 0
name = "london"
rest_url = "http://127.0.0.1:9"
[[regions]]
id = 1
name = "paris"
rest_url = "http://127.0.0.2:9"
"#;

/// What the lab's 8 brokers look like now, with region 1 lost or not.
fn snapshot(lost: bool) -> Snapshot {
    let settings = Settings {
        camunda: Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let mut sim = Sim::new(settings, scenes::clock());
    sim.tick(Duration::from_secs(30));
    if lost {
        sim.fail_region(1);
        sim.tick(Duration::from_secs(31));
    }
    scenes::observe(&sim, jiff::Timestamp::now())
}

/// The terminal's screen: what the loop wrote.
#[derive(Clone, Default)]
struct Wire(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn key(c: char, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

/// Runs the loop fed by `tx` while `script` runs, then quits; returns the app as it ended.
async fn run_loop<F: std::future::Future<Output = ()>>(
    script: impl FnOnce(watch::Sender<Snapshot>, mpsc::UnboundedSender<Event>, Arc<Counts>, Wire) -> F,
) -> tui::app::App {
    let config = Config::parse(CONFIG, Path::new("c8dr.toml")).unwrap();
    let (tx, rx) = watch::channel(Snapshot::default());
    let mut observer = Observer::fed(rx);
    let (mut app, themes) = tui::new_app(
        &config,
        &tui::Options {
            read_only: false,
            theme: None,
            drills: None,
        },
    );
    let (keys_tx, keys) = mpsc::unbounded_channel();
    let counts = Arc::new(Counts::default());
    let wire = Wire::default();
    let io = Io {
        out: wire.clone(),
        size: || Ok((120, 36)),
        keys,
        counts: counts.clone(),
    };
    let quit = keys_tx.clone();
    let script = async move {
        script(tx, keys_tx, counts, wire).await;
        quit.send(key('c', KeyModifiers::CONTROL)).unwrap();
    };
    let (run, ()) = tokio::join!(
        tui::drive(
            &mut app,
            &themes,
            tui::caps::Caps::FULL,
            io,
            &mut observer,
            &config,
            None
        ),
        script
    );
    run.unwrap();
    app
}

/// Lets the loop take what was just sent (it runs in this task, under `join!`).
async fn settle_in() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_poll_round_of_observations_is_derived_and_drawn_once_and_its_newest_shown() {
    let (healthy, lost) = (snapshot(false), snapshot(true));
    let last = lost.clone();
    let app = run_loop(|tx, _keys, counts, _wire| async move {
        // The first observations are derived at once: the screen was waiting for them.
        settle_in().await;
        let before = counts.get();
        tx.send_replace(healthy.clone());
        settle_in().await;
        let first = counts.get();
        assert_eq!(first.0 - before.0, 1, "{before:?} {first:?}");
        // A round: one snapshot per source answered, the last one different.
        let start = counts.get();
        for _ in 0..19 {
            tx.send_replace(healthy.clone());
            settle_in().await;
        }
        tx.send_replace(lost.clone());
        // Well within the poll interval (1 s).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let end = counts.get();
        // The round's view and frame; perhaps the clock's tick's too (one a second).
        assert!(
            end.0 - start.0 <= 2 && end.1 - start.1 <= 2,
            "views derived and frames drawn for one round of 20 answers: {start:?} → {end:?}"
        );
    })
    .await;
    let shown = app.view.expect("a view");
    let cfg = ModelConfig::from_config(&Config::parse(CONFIG, Path::new("c8dr.toml")).unwrap());
    let expected = model::derive(&last, &cfg, jiff::Timestamp::now(), None);
    assert_eq!(
        shown.partitions, expected.partitions,
        "the round's newest snapshot"
    );
    assert_eq!(shown.verdict.level, expected.verdict.level);
}

#[tokio::test]
async fn a_key_is_drawn_at_once_while_observations_settle() {
    run_loop(|tx, keys, counts, wire| async move {
        tx.send_replace(snapshot(false));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Observations arrive; before they are derived, a key.
        tx.send_replace(snapshot(false));
        settle_in().await;
        let before = counts.get();
        wire.0.lock().unwrap().clear();
        keys.send(key('?', KeyModifiers::NONE)).unwrap();
        settle_in().await;
        let after = counts.get();
        assert_eq!(after.1, before.1 + 1, "the key's frame is drawn at once");
        let wrote = String::from_utf8_lossy(&wire.0.lock().unwrap()).to_string();
        assert!(
            wrote.contains("Dashboard"),
            "the help is on screen: {wrote:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_clock_still_redraws_an_idle_screen() {
    run_loop(|tx, _keys, counts, _wire| async move {
        tx.send_replace(snapshot(false));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let start = counts.get();
        tokio::time::sleep(Duration::from_millis(2200)).await;
        let end = counts.get();
        // The clock's tick: a new view (the data's ages move on) and a frame each second.
        assert!(
            end.0 - start.0 >= 2 && end.1 - start.1 >= 2,
            "{start:?} → {end:?}"
        );
    })
    .await;
}
