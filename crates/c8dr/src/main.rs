//! The `c8dr` binary: parses the command line, hands over to the library, and prints what
//! went wrong itself, as one cleaned line: an error's causes can quote what a server sent,
//! and that must not reach the terminal raw.

use clap::Parser;
use color_eyre::config::{HookBuilder, Theme};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Panics keep color-eyre's report. Without colours: the C8DR_DEBUG report
    // (`cli::print_error`) is cleaned line by line, which would turn colour codes into
    // visible escapes.
    if let Err(e) = HookBuilder::default().theme(Theme::new()).install() {
        eprintln!("c8dr: {}", c8dr::cli::error_line(&e));
        return ExitCode::from(1);
    }
    let cli = c8dr::cli::Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            c8dr::cli::print_error(&report);
            ExitCode::from(1)
        }
    }
}

fn run(cli: c8dr::cli::Cli) -> color_eyre::eyre::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(c8dr::cli::run(cli))
}
