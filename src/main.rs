//! The `c8dr` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() -> color_eyre::eyre::Result<()> {
    color_eyre::install()?;
    let cli = c8dr::cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(c8dr::cli::run(cli))
}
