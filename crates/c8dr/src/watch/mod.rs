//! `c8dr watch`: the observation loop without a terminal, serving what the cockpit knows as
//! Prometheus metrics (`/metrics`) and its own health (`/healthz`). The cross-region view
//! Camunda leaves to its users ("dual-region monitoring with cross-region correlation"),
//! for Prometheus, Alertmanager and dashboards.
//!
//! One task derives the view as the cockpit does (on every new snapshot and every second,
//! with the previous view as memory) and keeps the latest; the server only reads it, so a
//! slow or hanging scraper never delays the observation.

pub mod exposition;
pub mod metrics;

use crate::config::Config;
use crate::model::{self, ClusterView, Level, ModelConfig};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use color_eyre::eyre::{Result, WrapErr};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The address `c8dr watch` listens on without `--listen`: the loopback, on the port
/// Prometheus' exporter registry has no owner for in this range (9464 is OpenTelemetry's
/// Prometheus exporter default, which operators already open for such tools).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// What the deriving task last made, for the server to read.
#[derive(Debug, Default)]
struct Latest {
    view: Option<ClusterView>,
    derived: Option<Instant>,
    counters: metrics::Counters,
}

type Shared = Arc<Mutex<Latest>>;

/// How long answers are gathered before the next view is derived.
const COALESCE: Duration = Duration::from_millis(250);

/// How long without a new view before `/healthz` fails: the loop derives every second, so
/// anything past a few poll intervals means it is stuck.
fn stale_after(config: &Config) -> Duration {
    (config.poll.interval() * 3).max(Duration::from_secs(10))
}

/// Folds a new view into the counters and returns its events (pure, so tested without a
/// loop).
fn count(
    c: &mut metrics::Counters,
    prev: Option<&ClusterView>,
    next: &ClusterView,
) -> Vec<model::events::Event> {
    c.views += 1;
    let Some(prev) = prev else {
        return vec![];
    };
    if prev.verdict.level != next.verdict.level {
        c.verdict_changes += 1;
    }
    let events = model::events::diff(prev, next);
    for e in &events {
        let i = match e.level {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
            Level::Unknown => 3,
        };
        c.events[i] += 1;
    }
    events
}

/// Runs until the process is stopped: observes, derives, serves. Prints one line on stdout
/// with the address it listens on once it does (`--listen 127.0.0.1:0` picks a free port).
pub async fn run(config: &Config, listen: &str) -> Result<()> {
    let addr: SocketAddr = listen
        .parse()
        .wrap_err_with(|| format!("--listen {listen}: not an address like 127.0.0.1:9464"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .wrap_err_with(|| format!("cannot listen on {addr}"))?;
    let bound = listener
        .local_addr()
        .wrap_err("reading the address listened on")?;
    let mut observer = crate::observe::Observer::start(config).await?;
    let shared: Shared = Arc::default();
    let stale = stale_after(config);
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(serve_metrics))
        .route(
            "/healthz",
            axum::routing::get(move |s: State<Shared>| serve_health(s, stale)),
        )
        .route("/", axum::routing::get(index))
        .with_state(shared.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    tracing::info!("c8dr watch listening on {bound}");
    println!("c8dr watch: serving http://{bound}/metrics and /healthz");
    let cfg = ModelConfig::from_config(config);
    // The first view waits for every source's first answer (bounded), so the first verdict
    // is a settled one and every change after it is a real one; `/healthz` says "starting"
    // meanwhile.
    observer
        .first_complete(crate::notify::Verdicts::first_round(config))
        .await;
    let verdicts = crate::notify::Verdicts::new(
        config,
        crate::notify::Notifier::start(config, crate::config::notify::Sender::Watch),
        Duration::ZERO,
    );
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut history = crate::incident::history_file::History::in_state_dir("watch");
    loop {
        tokio::select! {
            changed = observer.snapshot.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = tick.tick() => {}
        }
        if server.is_finished() {
            break;
        }
        let snap = observer.snapshot.borrow().clone();
        let now = jiff::Timestamp::now();
        // The previous view is read under the lock and the new one derived outside it.
        let prev = shared.lock().map(|l| l.view.clone()).unwrap_or_default();
        let view = model::derive(&snap, &cfg, now, prev.as_ref());
        verdicts.changed(prev.as_ref(), &view);
        let events = match shared.lock() {
            Ok(mut l) => count(&mut l.counters, prev.as_ref(), &view),
            Err(_) => vec![],
        };
        // A watcher that ran through the incident is the best witness for its record
        // (`c8dr report`): what it saw goes to the state dir's history, by "watch".
        if let Some(h) = &mut history {
            h.observe(&view, &events);
        }
        if let Ok(mut l) = shared.lock() {
            l.view = Some(view);
            l.derived = Some(Instant::now());
        }
        // One poll round's answers arrive one by one; deriving once for all of them costs a
        // tenth of deriving for each, and a scrape every few seconds cannot tell.
        tokio::time::sleep(COALESCE).await;
    }
    match server.await {
        Ok(Ok(())) => Err(color_eyre::eyre::eyre!("the metrics server stopped")),
        Ok(Err(e)) => Err(e).wrap_err("the metrics server failed"),
        Err(e) => Err(e).wrap_err("the metrics server failed"),
    }
}

async fn serve_metrics(State(shared): State<Shared>) -> impl IntoResponse {
    let body = match shared.lock() {
        Ok(l) => {
            let mut counters = l.counters.clone();
            counters.view_age_s = l.derived.map_or(0.0, |d| d.elapsed().as_secs_f64());
            metrics::encode(l.view.as_ref(), &counters)
        }
        Err(_) => String::new(),
    };
    ([(header::CONTENT_TYPE, exposition::CONTENT_TYPE)], body)
}

/// 200 while the loop derives views; 503 before the first one and when the newest is
/// older than `stale` (the watcher itself is stuck, whatever the deployment's state: that
/// is `c8dr_verdict_level`'s to say).
async fn serve_health(State(shared): State<Shared>, stale: Duration) -> impl IntoResponse {
    let derived = shared.lock().ok().and_then(|l| l.derived);
    match derived {
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "starting: no view derived yet\n".to_string(),
        ),
        Some(d) if d.elapsed() > stale => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "stuck: the last view is {:.0} s old (more than {} s)\n",
                d.elapsed().as_secs_f64(),
                stale.as_secs()
            ),
        ),
        Some(d) => (
            StatusCode::OK,
            format!("ok: view {:.1} s old\n", d.elapsed().as_secs_f64()),
        ),
    }
}

async fn index() -> &'static str {
    "c8dr watch: /metrics (Prometheus text format), /healthz\n"
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;
    use crate::demo::scenes;

    fn scene(name: &str) -> (ClusterView, ClusterView) {
        let s = scenes::SCENES.iter().find(|s| s.name == name);
        scenes::views(s.unwrap_or_else(|| panic!("no scene {name}")))
    }

    #[test]
    fn counters_follow_verdict_changes_and_events() {
        let (healthy, lost) = scene("region1-lost");
        assert_eq!(healthy.verdict.level, Level::Ok);
        assert_eq!(lost.verdict.level, Level::Critical);
        let mut c = metrics::Counters::default();
        assert!(count(&mut c, None, &healthy).is_empty());
        assert_eq!((c.views, c.verdict_changes), (1, 0));
        count(&mut c, Some(&healthy), &healthy);
        assert_eq!((c.views, c.verdict_changes, c.events), (2, 0, [0; 4]));
        count(&mut c, Some(&healthy), &lost);
        assert_eq!((c.views, c.verdict_changes), (3, 1));
        assert!(
            c.events[2] > 0,
            "losing a region is a critical event: {c:?}"
        );
    }
}
