//! How long from a region failing to c8dr's verdict saying so ("processing halted … run
//! failover"), with the default poll settings (interval 1 s, timeout 2 s). A bench binary, not
//! a test: timing is measured here, never asserted in `cargo test`.
//!
//! `cargo bench --bench detection`

use c8dr::api::Region;
use c8dr::config::Config;
use c8dr::model::{self, ModelConfig, Processing, Reach};
use c8dr::observe::Observer;
use c8dr_lab::{Lab, Options};
use std::time::{Duration, Instant};

async fn once() -> color_eyre::eyre::Result<(Duration, Duration)> {
    let lab = Lab::start(Options {
        speed: 5.0,
        ..Options::default()
    })
    .await?;
    let config = Config::load(&lab.ready.config)?;
    let cfg = ModelConfig::from_config(&config);
    let observer = Observer::start(&config).await?;
    let view = || {
        model::derive(
            &observer.snapshot.borrow(),
            &cfg,
            jiff::Timestamp::now(),
            None,
        )
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while view().processing != Processing::Active && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let http = c8dr::source::http::client(Duration::from_secs(5), None)?;
    let failed = Instant::now();
    http.post(format!("{}/lab/regions/1/fail", lab.ready.control))
        .send()
        .await?;
    let mut halted = None;
    loop {
        let v = view();
        if halted.is_none() && v.processing == Processing::Halted {
            halted = Some(failed.elapsed());
        }
        if v.region(Region::ONE)
            .is_some_and(|r| r.reachable == Reach::Down)
            && v.verdict
                .reasons
                .first()
                .is_some_and(|r| r.contains("fail over (F"))
        {
            let verdict = failed.elapsed();
            lab.shutdown().await;
            return Ok((halted.unwrap_or(verdict), verdict));
        }
        if Instant::now() > deadline + Duration::from_secs(30) {
            color_eyre::eyre::bail!("no verdict within the deadline");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn main() -> color_eyre::eyre::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut halted = vec![];
    let mut verdict = vec![];
    for _ in 0..5 {
        let (h, v) = rt.block_on(once())?;
        halted.push(h);
        verdict.push(v);
    }
    halted.sort();
    verdict.sort();
    let ms = |d: &Duration| d.as_millis();
    println!(
        "fail → processing halted: min {} ms, median {} ms, max {} ms",
        ms(&halted[0]),
        ms(&halted[2]),
        ms(&halted[4])
    );
    println!(
        "fail → verdict \"…unreachable…fail over\": min {} ms, median {} ms, max {} ms",
        ms(&verdict[0]),
        ms(&verdict[2]),
        ms(&verdict[4])
    );
    Ok(())
}
