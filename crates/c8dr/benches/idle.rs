//! What an untouched, healthy dashboard writes to the terminal: the real cockpit loop
//! (`tui::drive`) on an in-process lab, its terminal a writer that counts bytes and write
//! calls, at 120×36 and 80×24, for a while each. An idle screen should write only when a
//! visible cell changes (the clock once a second), never empty synchronized updates.
//!
//! Also (issue 18 §3): the first frame after the lab is ready (what `c8dr demo` does between
//! its lab's start and its first draw: `Observer::start`, `tui::new_app`, the loop's first
//! write; and the first frame that shows observations, "processing ACTIVE"), and the CPU
//! (share of one core) and resident memory of this process while it idles: first the cockpit
//! loop alone against the lab in another process (`c8dr lab`, this package's binary), then
//! WITH the lab in-process, as `c8dr demo` runs.
//!
//! And `c8dr watch` (issue 16 §3) in a process of its own against the same separate lab: its
//! idle CPU and memory, one `/metrics` scrape, and a broker's exposition that it scrapes.
//!
//! `cargo bench --bench idle` (`IDLE_SECONDS` sets how long each is watched; 30 s).

use c8dr::config::Config;
use c8dr::observe::Observer;
use c8dr::tui::{self, Io};
use c8dr_lab::{Lab, Options};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts what reaches the terminal: bytes and `write` calls (each one a syscall on a tty);
/// notes when the first write came, and the first one showing "ACTIVE" (observations in).
#[derive(Clone, Default)]
struct Counter {
    bytes: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
    first: Arc<Mutex<Option<Instant>>>,
    active: Arc<Mutex<Option<Instant>>>,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes.fetch_add(buf.len(), Ordering::Relaxed);
        self.writes.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        if let Ok(mut f) = self.first.lock() {
            f.get_or_insert(now);
        }
        if buf.windows(6).any(|w| w == b"ACTIVE")
            && let Ok(mut a) = self.active.lock()
        {
            a.get_or_insert(now);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// This process's CPU time (user + system) so far, from `/proc/self/stat` (clock ticks of
/// 10 ms, Linux's `CLK_TCK` of 100).
fn cpu_time() -> Option<Duration> {
    cpu_time_of("self")
}

/// The CPU time of process `pid` (`self` for this one).
fn cpu_time_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name's closing parenthesis: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// This process's resident memory in MB (`VmRSS` of `/proc/self/status`).
fn rss_mb() -> Option<f64> {
    rss_mb_of("self")
}

/// The resident memory of process `pid` in MB.
fn rss_mb_of(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Watches the idle loop at `size`; `ready` is when the lab was ready (the first frame's
/// origin).
async fn watch(
    config: &Config,
    size: (u16, u16),
    seconds: u64,
    ready: Instant,
    what: &str,
) -> color_eyre::eyre::Result<()> {
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
    let counts = Arc::new(tui::Counts::default());
    let io = Io {
        out: counter.clone(),
        size: move || Ok(size),
        keys,
        counts: counts.clone(),
    };
    let c = counter.clone();
    let measure = async move {
        // The first frames are drawn in full while the observations arrive: not idle.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let ms = |t: &Arc<Mutex<Option<Instant>>>| {
            t.lock()
                .ok()
                .and_then(|t| *t)
                .map(|t| format!("{:.1} ms", (t - ready).as_secs_f64() * 1e3))
                .unwrap_or_else(|| "none".into())
        };
        println!(
            "{}×{}: first frame {} after the lab was ready; first frame with observations {}",
            size.0,
            size.1,
            ms(&c.first),
            ms(&c.active)
        );
        let (b0, w0) = (
            c.bytes.load(Ordering::Relaxed),
            c.writes.load(Ordering::Relaxed),
        );
        let cpu0 = cpu_time();
        let loop0 = counts.get();
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let secs = start.elapsed().as_secs_f64();
        let loop1 = counts.get();
        let rate = |a: usize, b: usize| (b - a) as f64 / secs;
        println!(
            "  the loop: {:.1} views derived/s, {:.1} frames drawn/s, {:.1} written/s",
            rate(loop0.0, loop1.0),
            rate(loop0.1, loop1.1),
            rate(loop0.2, loop1.2)
        );
        if let (Some(a), Some(b), Some(rss)) = (cpu0, cpu_time(), rss_mb()) {
            println!(
                "  idle, {what}: CPU {:.1} % of a core, RSS {rss:.1} MB",
                (b - a).as_secs_f64() / secs * 100.0
            );
        }
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

/// `c8dr watch` (issue 16 §3) as operators run it, this package's binary in a process of its
/// own against the lab of `config`: after 10 s of warm-up (first rounds, port-forwards), its
/// CPU and resident memory over `seconds`, then what one scrape of its `/metrics` costs, and
/// what c8dr scrapes of each broker per poll (`/actuator/prometheus`, from `ready`).
async fn watch_process(
    config: &std::path::Path,
    ready: &serde_json::Value,
    seconds: u64,
) -> color_eyre::eyre::Result<()> {
    use color_eyre::eyre::eyre;
    let state = tempfile::tempdir()?;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(config)
        .args(["watch", "--listen", "127.0.0.1:0"])
        .env("XDG_STATE_HOME", state.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id().to_string();
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)?;
    }
    let url = line
        .split_whitespace()
        .find(|w| w.ends_with("/metrics"))
        .map(str::to_string)
        .ok_or_else(|| eyre!("c8dr watch said {line:?}, no address"));
    let measured = async {
        let url = url?;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let (cpu0, start) = (cpu_time_of(&pid), Instant::now());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let secs = start.elapsed().as_secs_f64();
        if let (Some(a), Some(b), Some(rss)) = (cpu0, cpu_time_of(&pid), rss_mb_of(&pid)) {
            println!(
                "idle, c8dr watch (its own process, the lab in another) over {secs:.0} s: CPU {:.2} % of a core, RSS {rss:.1} MB",
                (b - a).as_secs_f64() / secs * 100.0
            );
        }
        let http = reqwest::Client::new();
        let t = Instant::now();
        let body = http.get(&url).send().await?.bytes().await?;
        println!(
            "  its /metrics: {} bytes in {:.1} ms",
            body.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
        let (mut sizes, mut times) = (vec![], vec![]);
        for b in ready["brokers"].as_array().into_iter().flatten() {
            let Some(m) = b["management"].as_str() else {
                continue;
            };
            let t = Instant::now();
            let body = http
                .get(format!("{m}/actuator/prometheus"))
                .header("Accept", "text/plain")
                .send()
                .await?
                .bytes()
                .await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            sizes.push(body.len());
        }
        let range = |v: &[f64]| {
            v.iter().copied().fold((f64::MAX, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)))
        };
        let (tlo, thi) = range(&times);
        println!(
            "  a broker's /actuator/prometheus (what c8dr scrapes per broker and poll): {}–{} bytes, {tlo:.1}–{thi:.1} ms over {} brokers",
            sizes.iter().min().unwrap_or(&0),
            sizes.iter().max().unwrap_or(&0),
            sizes.len()
        );
        Ok::<(), color_eyre::eyre::Report>(())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    measured
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
        // Without the in-process lab: `c8dr lab` in a child process, this one only the cockpit.
        let dir = tempfile::tempdir()?;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_c8dr"))
            .arg("lab")
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)?;
        }
        let ready: serde_json::Value = serde_json::from_str(&line)?;
        let path = ready["config"].as_str().unwrap_or_default();
        let config = Config::load(std::path::Path::new(path))?;
        let alone = watch(
            &config,
            (120, 36),
            seconds,
            Instant::now(),
            "TUI loop alone (the lab in another process)",
        )
        .await;
        let watched = match alone {
            Ok(()) => watch_process(std::path::Path::new(path), &ready, seconds).await,
            Err(e) => Err(e),
        };
        let _ = child.kill();
        let _ = child.wait();
        watched?;
        // With the lab in this process, as `c8dr demo` runs it.
        let lab = Lab::start(Options::default()).await?;
        let mut ready = Instant::now();
        let config = Config::load(&lab.ready.config)?;
        for size in [(120, 36), (80, 24)] {
            watch(
                &config,
                size,
                seconds,
                ready,
                "TUI loop + in-process lab (one process)",
            )
            .await?;
            ready = Instant::now();
        }
        lab.shutdown().await;
        Ok(())
    })
}
