//! How long the runbooks take on the lab at its default speed (×1), through the real executor
//! (HTTP clients, the model) with the lab playing the operator: c8dr's own time (without the
//! waits for the operator) of a failover and of a failback, per Camunda family. A bench binary,
//! not a test: timing is measured here, never asserted in `cargo test`.
//!
//! `cargo bench --bench runbook`

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
use c8dr_lab::sim::Camunda;
use c8dr_lab::{Lab, Options};
use color_eyre::eyre::{Result, bail};
use std::time::Duration;

async fn run(
    lab: &Lab,
    config: &Config,
    dir: &std::path::Path,
    p: Procedure,
    op: impl FnOnce(LabOperator) -> LabOperator,
) -> Result<RunState> {
    let run = session::run_id(p, Region::ONE);
    let (live, _, inputs, steps) = session::prepare(config, p, Region::ONE, &run, None).await?;
    let operator = op(LabOperator::new(
        &lab.ready.control,
        &inputs.names[Region::ONE],
    ));
    let journal = Journal::create(&dir.join("runs"), &run)?;
    let audit = Audit::open(&dir.join("audit.jsonl"))?;
    let settings = setup::settings(config, false, false);
    let gate = Gate::new(
        live,
        FileLedger::new(journal, audit),
        LabOperator::identity(),
    );
    let (state, _, _) =
        Runner::start(gate, operator, settings, RunState::new(&run, inputs, steps))?
            .run()
            .await;
    if state.outcome != Some(Outcome::Completed) {
        bail!("{} {}: {:?}", p.name(), run, state.message);
    }
    Ok(state)
}

async fn once(camunda: Camunda) -> Result<(Duration, Duration)> {
    let lab = Lab::start(Options {
        camunda,
        ..Options::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let config = Config::load(&lab.ready.config)?;
    let http = c8dr::source::http::client(Duration::from_secs(10), None)?;
    let post = |path: &str| http.post(format!("{}{path}", lab.ready.control)).send();
    post("/lab/regions/1/fail").await?;
    let fo = run(&lab, &config, dir.path(), Procedure::Failover, |o| {
        // Active-active (8.9): the operator takes the lost region out of the DNS pool.
        o.on_manual("FO-3", &["/lab/traffic/0"])
    })
    .await?;
    post("/lab/regions/1/recreate").await?;
    let (off, on) = if camunda == Camunda::V87 {
        ("FB-2", "FB-4")
    } else {
        ("FB-2", "FB-8")
    };
    let fb = run(&lab, &config, dir.path(), Procedure::Failback, |o| {
        o.on_manual(off, &["/lab/regions/0/webapps/off"]).on_manual(
            on,
            &["/lab/regions/0/webapps/on", "/lab/regions/1/webapps/on"],
        )
    })
    .await?;
    lab.shutdown().await;
    Ok((fo.own(), fb.own()))
}

fn main() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    for camunda in [Camunda::V87, Camunda::V88, Camunda::V89] {
        let mut fo = vec![];
        let mut fb = vec![];
        for _ in 0..3 {
            let (a, b) = rt.block_on(once(camunda))?;
            fo.push(a);
            fb.push(b);
        }
        fo.sort();
        fb.sort();
        let s = |d: &Duration| format!("{:.1} s", d.as_secs_f64());
        println!(
            "{}: failover own time min {} median {} max {} · failback own time min {} median {} max {}",
            camunda.label(),
            s(&fo[0]),
            s(&fo[1]),
            s(&fo[2]),
            s(&fb[0]),
            s(&fb[1]),
            s(&fb[2]),
        );
    }
    Ok(())
}
