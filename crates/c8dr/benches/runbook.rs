//! How long the runbooks take on the lab at its default speed (×1), through the real executor
//! (HTTP clients, the model) with the lab playing the operator: c8dr's own time (without the
//! waits for the operator) of a failover and of a failback, per Camunda family. A bench binary,
//! not a test: timing is measured here, never asserted in `cargo test`. The library Runner is
//! used directly, without the run lease the CLI takes first (`act::session::claim`).
//!
//! `cargo bench --bench runbook` (`BENCH_RUNS` runs per family, 3 by default)

#[path = "common/mod.rs"]
mod common;

use c8dr::config::Config;
use c8dr::runbook::plan::Procedure;
use c8dr_lab::sim::Camunda;
use c8dr_lab::{Lab, Options};
use color_eyre::eyre::Result;
use common::{median, run_c8dr};
use std::time::Duration;

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
    let fo = run_c8dr(&lab, camunda, &config, dir.path(), Procedure::Failover).await?;
    post("/lab/regions/1/recreate").await?;
    let fb = run_c8dr(&lab, camunda, &config, dir.path(), Procedure::Failback).await?;
    lab.shutdown().await;
    Ok((fo.own, fb.own))
}

fn main() -> Result<()> {
    let rt = common::runtime()?;
    let runs = common::env_or("BENCH_RUNS", 3usize).max(1);
    for camunda in [Camunda::V87, Camunda::V88, Camunda::V89, Camunda::V810] {
        let mut fo = vec![];
        let mut fb = vec![];
        for _ in 0..runs {
            let (a, b) = rt.block_on(once(camunda))?;
            fo.push(a);
            fb.push(b);
        }
        fo.sort();
        fb.sort();
        let s = |d: Duration| format!("{:.1} s", d.as_secs_f64());
        println!(
            "{}: failover own time min {} median {} max {} · failback own time min {} median {} max {}",
            camunda.label(),
            s(fo[0]),
            s(median(&fo)),
            s(fo[fo.len() - 1]),
            s(fb[0]),
            s(median(&fb)),
            s(fb[fb.len() - 1]),
        );
    }
    Ok(())
}
