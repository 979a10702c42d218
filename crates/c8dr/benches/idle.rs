//! What an untouched, healthy dashboard writes to the terminal: the real cockpit loop
//! (`tui::drive`) on an in-process lab, its terminal a writer that counts bytes and write
//! calls, at 120×36 and 80×24, for a while each. An idle screen should write only when a
//! visible cell changes (the clock once a second), never empty synchronized updates.
//!
//! `cargo bench --bench idle` (`IDLE_SECONDS` sets how long each size is watched; 30 s).

use c8dr::config::Config;
use c8dr::observe::Observer;
use c8dr::tui::{self, Io};
use c8dr_lab::{Lab, Options};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts what reaches the terminal: bytes and `write` calls (each one a syscall on a tty).
#[derive(Clone, Default)]
struct Counter {
    bytes: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes.fetch_add(buf.len(), Ordering::Relaxed);
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn watch(config: &Config, size: (u16, u16), seconds: u64) -> color_eyre::eyre::Result<()> {
    let mut observer = Observer::start(config).await?;
    let (mut app, themes) = tui::new_app(
        config,
        &tui::Options {
            read_only: false,
            theme: None,
            drills: None,
        },
    );
    let counter = Counter::default();
    let (keys_tx, keys) = tokio::sync::mpsc::unbounded_channel();
    let io = Io {
        out: counter.clone(),
        size: move || Ok(size),
        keys,
    };
    let c = counter.clone();
    let measure = async move {
        // The first frames are drawn in full while the observations arrive: not idle.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (b0, w0) = (
            c.bytes.load(Ordering::Relaxed),
            c.writes.load(Ordering::Relaxed),
        );
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let secs = start.elapsed().as_secs_f64();
        let bytes = (c.bytes.load(Ordering::Relaxed) - b0) as f64 / secs;
        let writes = (c.writes.load(Ordering::Relaxed) - w0) as f64 / secs;
        println!(
            "idle healthy dashboard {}×{} over {secs:.0} s: {bytes:.0} B/s in {writes:.1} writes/s",
            size.0, size.1
        );
        let _ = keys_tx.send(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )));
        drop(keys_tx);
    };
    let (run, ()) = tokio::join!(
        tui::drive(
            &mut app,
            &themes,
            tui::caps::Caps::FULL,
            io,
            &mut observer,
            config,
            None
        ),
        measure
    );
    run
}

fn main() -> color_eyre::eyre::Result<()> {
    let seconds = std::env::var("IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let lab = Lab::start(Options::default()).await?;
        let config = Config::load(&lab.ready.config)?;
        for size in [(120, 36), (80, 24)] {
            watch(&config, size, seconds).await?;
        }
        lab.shutdown().await;
        Ok(())
    })
}
