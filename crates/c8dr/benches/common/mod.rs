//! What the runbook benches share (`#[path]`-included by `runbook.rs` and `overhead.rs`):
//! c8dr's real runbooks (the Runner with the Live executor and the gate, journals and audit in a
//! temporary directory) with the lab playing the operator — its Helm, kubectl and DNS parts per
//! Camunda family — and small statistics. Not every bench uses every item.
#![allow(dead_code)]

use c8dr::act::audit::Audit;
use c8dr::act::journal::Journal;
use c8dr::act::ledger::FileLedger;
use c8dr::act::session;
use c8dr::api::Region;
use c8dr::config::Config;
use c8dr::demo::operator::LabOperator;
use c8dr::runbook::engine::{RunState, Runner};
use c8dr::runbook::gate::Gate;
use c8dr::runbook::journal::Outcome;
use c8dr::runbook::plan::Procedure;
use c8dr::runbook::setup;
use c8dr_lab::Lab;
use c8dr_lab::sim::Camunda;
use color_eyre::eyre::{Result, bail};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the operator does outside c8dr when a step waits for them, with region 1 lost and
/// recreated (as the integration tests' `drive.rs` does): the DNS change (FO-3), and the Helm
/// upgrades and kubectl work of the failback per family.
pub fn manual_actions(camunda: Camunda) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut m = vec![("FO-3", vec!["/lab/traffic/0"])];
    if camunda.family87() {
        // FB-2 scales through the Kubernetes API (c8dr has the context); FB-4 is Helm.
        m.push(("FB-2", vec!["/lab/regions/0/webapps/off"]));
        m.push((
            "FB-4",
            vec!["/lab/regions/0/webapps/on", "/lab/regions/1/webapps/on"],
        ));
    } else {
        m.extend([
            (
                "FB-1",
                vec!["kube/1/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false"],
            ),
            ("FB-1.2", vec!["kube/sync-es-passwords"]),
            ("FB-2", vec!["/lab/regions/0/webapps/off"]),
            (
                "FB-8",
                vec![
                    "/lab/regions/0/webapps/on",
                    "kube/1/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA-",
                    "/lab/regions/1/webapps/on",
                ],
            ),
        ]);
    }
    m
}

/// How long c8dr's runbook took, in two measures.
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    /// From reading the facts (`session::prepare`) to the run's end: what the operator waits.
    pub wall: Duration,
    /// The Runner's own time (elapsed minus waiting for the operator).
    pub own: Duration,
}

/// Runs `procedure` for lost/recreated region 1 through the library Runner (no run lease:
/// `act::session::claim` is not taken), the lab playing the operator. `dir` holds the
/// journals and the audit trail.
pub async fn run_c8dr(
    lab: &Lab,
    camunda: Camunda,
    config: &Config,
    dir: &Path,
    procedure: Procedure,
) -> Result<Timed> {
    let start = Instant::now();
    let start_at = jiff::Timestamp::now();
    let run = session::run_id(procedure, Region::ONE);
    let runs = dir.join("runs");
    let (live, _, inputs, steps) =
        session::prepare_in(config, procedure, Region::ONE, &run, None, Some(&runs)).await?;
    let operator = manual_actions(camunda).iter().fold(
        LabOperator::new(&lab.ready.control, &inputs.names[Region::ONE]).kube(
            lab.ready
                .regions
                .iter()
                .map(|r| (r.kube_api.clone(), r.namespace.clone()))
                .collect(),
        ),
        |op, (key, paths)| op.on_manual(key, paths),
    );
    let journal = Journal::create(&runs, &run)?;
    let audit = Audit::open(&dir.join("audit.jsonl"))?;
    let settings = setup::settings(config, false, false);
    let gate = Gate::new(
        live,
        FileLedger::new(journal, audit),
        LabOperator::identity(),
    );
    let (state, _, _): (RunState, _, _) =
        Runner::start(gate, operator, settings, RunState::new(&run, inputs, steps))?
            .run()
            .await;
    if state.outcome != Some(Outcome::Completed) {
        bail!("{} {}: {:?}", procedure.name(), run, state.message);
    }
    if std::env::var("OVERHEAD_STEPS").is_ok_and(|v| v != "0") {
        eprintln!(
            "{} {}: {}",
            camunda.label(),
            procedure.name(),
            step_times(&runs.join(format!("{run}.jsonl")), start_at)
        );
    }
    Ok(Timed {
        wall: start.elapsed(),
        own: state.own(),
    })
}

/// Where a run's time went, from its journal: the facts read before the run (`prep`), then
/// per step the milliseconds from its first record to its last, and the gap before the next
/// step's first record (when it is not zero).
pub fn step_times(journal: &Path, start: jiff::Timestamp) -> String {
    let Ok(text) = std::fs::read_to_string(journal) else {
        return format!("no journal at {}", journal.display());
    };
    let ms = |a: jiff::Timestamp, b: jiff::Timestamp| {
        (b - a).total(jiff::Unit::Millisecond).unwrap_or(0.0)
    };
    let mut out = vec![];
    let mut steps: Vec<(String, jiff::Timestamp, jiff::Timestamp)> = vec![];
    let mut last = start;
    let mut first_record = None;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(at) = v["at"]
            .as_str()
            .and_then(|a| a.parse::<jiff::Timestamp>().ok())
        else {
            continue;
        };
        first_record.get_or_insert(at);
        last = at;
        let Some(step) = v["step"].as_u64() else {
            continue;
        };
        let key = v["name"]
            .as_str()
            .and_then(|n| n.split(' ').next())
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{step}"));
        match steps.last_mut() {
            Some((k, _, end)) if v["name"].is_null() || *k == key => *end = at,
            _ => steps.push((key, at, at)),
        }
    }
    out.push(format!(
        "prep {:.0}",
        ms(start, first_record.unwrap_or(start))
    ));
    let mut prev_end: Option<jiff::Timestamp> = first_record;
    for (key, a, b) in &steps {
        let gap = prev_end.map_or(0.0, |p| ms(p, *a));
        if gap >= 1.0 {
            out.push(format!("(+{gap:.0})"));
        }
        out.push(format!("{key} {:.0}", ms(*a, *b)));
        prev_end = Some(*b);
    }
    out.push(format!(
        "end +{:.0} ms",
        prev_end.map_or(0.0, |p| ms(p, last))
    ));
    out.join(" ")
}

/// The median of `v` (the upper one of an even count); zero when empty.
pub fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The `p` quantile (0..=1) of sorted `v`, nearest rank below.
pub fn quantile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

/// An environment variable parsed, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

/// The benches' runtime: two workers, as on the 2-core machine the numbers come from.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
