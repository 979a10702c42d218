//! Command-line interface: clap definitions; each subcommand is a thin function over the
//! library.

use crate::lab;
use crate::lab::sim::Camunda;
use clap::{Parser, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, WrapErr};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "c8dr",
    version,
    about = "Cockpit for Camunda 8 dual-region deployments"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the simulated dual-region deployment (for drills and tests). Prints one JSON line
    /// with every endpoint once all listeners are up, then runs until SIGINT or SIGTERM.
    Lab(LabArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CamundaArg {
    #[value(name = "8.7")]
    V87,
    #[value(name = "8.8")]
    V88,
    #[value(name = "8.9")]
    V89,
}

#[derive(Debug, clap::Args)]
pub struct LabArgs {
    /// Camunda version family to simulate.
    #[arg(long, value_enum, default_value = "8.8")]
    pub camunda: CamundaArg,
    /// Number of brokers (even, at least 4); even ids in region 0, odd in region 1.
    #[arg(long, default_value_t = 8)]
    pub brokers: u32,
    /// Number of partitions.
    #[arg(long, default_value_t = 8)]
    pub partitions: u32,
    /// Replication factor (4 in a correct dual-region setup; other values build
    /// misconfigured labs).
    #[arg(long, default_value_t = 4)]
    pub replication_factor: u32,
    /// Simulated time runs this many times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Directory for the lab's files (config, password, log); a fresh temporary directory
    /// when absent.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

impl LabArgs {
    pub fn options(&self) -> lab::Options {
        lab::Options {
            camunda: match self.camunda {
                CamundaArg::V87 => Camunda::V87,
                CamundaArg::V88 => Camunda::V88,
                CamundaArg::V89 => Camunda::V89,
            },
            brokers: self.brokers,
            partitions: self.partitions,
            replication_factor: self.replication_factor,
            speed: self.speed,
            dir: self.dir.clone(),
        }
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `c8dr lab`: start, print the ready line, run until told to stop.
pub async fn run_lab(args: &LabArgs) -> Result<()> {
    let options = args.options();
    options.validate()?;
    let lab = lab::Lab::start(options).await?;
    crate::logging::init_file(&lab.dir.join("lab.log"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", lab.ready_line()).wrap_err("writing the ready line")?;
    stdout.flush().wrap_err("writing the ready line")?;
    drop(stdout);
    terminated().await;
    lab.shutdown().await;
    Ok(())
}

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Lab(args) => run_lab(&args).await,
    }
}
