//! Logging to a file through `tracing`: never to the terminal, which belongs to the TUI or,
//! for `c8dr lab`, to the one ready line.

use color_eyre::eyre::{Result, WrapErr};
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// Sends all logs to `path` (appending). Level from `C8DR_LOG`, default `info`. A second call
/// keeps the first subscriber.
pub fn init_file(path: &Path) -> Result<()> {
    let filter = EnvFilter::try_from_env("C8DR_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing::subscriber::set_global_default(file_subscriber(path, filter)?);
    Ok(())
}

/// The subscriber [`init_file`] installs: `filter`'s events appended to `path`, created
/// private. Tests set it as a thread's default to log a rehearsal as c8dr does.
pub fn file_subscriber(
    path: &Path,
    filter: EnvFilter,
) -> Result<impl tracing::Subscriber + Send + Sync + 'static> {
    if let Some(parent) = path.parent() {
        crate::private_fs::create_dir_all(parent)
            .wrap_err_with(|| format!("creating the log directory {}", parent.display()))?;
    }
    // Private: the log names endpoints, regions and what the runbooks did.
    let file = crate::private_fs::open_append(path)
        .wrap_err_with(|| format!("opening the log file {}", path.display()))?;
    Ok(tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .finish())
}
