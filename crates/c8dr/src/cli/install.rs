//! What makes c8dr installable (issue 17 §3): the `--version` line with the commit and build
//! date (stamped by `build.rs`), shell completions and the man page, both generated from the
//! clap definition so they never drift from the flags. Neither needs a configuration or a
//! terminal.

use clap::CommandFactory;
use color_eyre::eyre::{Result, WrapErr};
use std::io::Write;

/// `c8dr 0.1.0 (ecf5668 2026-12-01)`: the commit is "unknown" when built outside git.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("C8DR_GIT_COMMIT"),
    " ",
    env!("C8DR_BUILD_DATE"),
    ")"
);

/// The completion script for `shell` on stdout, e.g.
/// `c8dr completions bash > /etc/bash_completion.d/c8dr`.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut script = Vec::new();
    // Generated into memory: clap_complete panics when its writer fails (a closed pipe).
    clap_complete::generate(shell, &mut super::Cli::command(), "c8dr", &mut script);
    write_stdout(&script)
}

/// The man page (roff) on stdout, e.g. `c8dr man > /usr/local/share/man/man1/c8dr.1`.
pub fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(super::Cli::command())
        .render(&mut page)
        .wrap_err("could not render the man page")?;
    write_stdout(&page)
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .wrap_err("could not write to stdout")
}
