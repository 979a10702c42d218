//! The `c8dr` binary: parses the command line, hands over to the library, and prints what
//! went wrong itself, as one cleaned line: an error's causes can quote what a server sent,
//! and that must not reach the terminal raw. Source locations and backtrace hints are for
//! whoever asks (`C8DR_DEBUG`, `RUST_BACKTRACE`), not for the operator.

use clap::Parser;
use color_eyre::config::{HookBuilder, Theme};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    if let Err(e) = install_hooks() {
        eprintln!("c8dr: {}", c8dr::cli::error_line(&e));
        return ExitCode::from(1);
    }
    let cli = c8dr::cli::Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            if let Some(stopped) = report.downcast_ref::<c8dr::signals::Stopped>() {
                // The terminal is restored already; say why the cockpit went away.
                let _ = writeln!(std::io::stderr(), "c8dr: {stopped}");
                return ExitCode::from(stopped.0.exit_code());
            }
            c8dr::cli::print_error(&report);
            ExitCode::from(1)
        }
    }
}

/// color-eyre's reports without colours: the `C8DR_DEBUG` report (`cli::print_error`) is
/// cleaned line by line, which would turn colour codes into visible escapes. Locations and
/// the environment hints only when asked for; a panic otherwise says in words that it is a
/// bug and where to look.
fn install_hooks() -> color_eyre::eyre::Result<()> {
    let asked = c8dr::cli::debug_requested();
    let (panic_hook, eyre_hook) = HookBuilder::default()
        .theme(Theme::new())
        .display_location_section(asked)
        .display_env_section(asked)
        .into_hooks();
    eyre_hook.install()?;
    if asked {
        panic_hook.install();
    } else {
        std::panic::set_hook(Box::new(|info| {
            let what = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            let _ = writeln!(
                std::io::stderr(),
                "c8dr: crashed: {}\n  next: this is a bug in c8dr; please report it with the \
                 log (`c8dr info` shows where); C8DR_DEBUG=1 shows where it happened",
                c8dr::text::clean(&what)
            );
        }));
    }
    Ok(())
}

fn run(cli: c8dr::cli::Cli) -> color_eyre::eyre::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(c8dr::cli::run(cli));
    // Work still running after a signal (the observer, the lab's listeners) is not waited for.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}
