//! The incident record (issue 16 §5): what the cockpit showed before and during a runbook run,
//! each step with its evidence, the decisions, every request, and how long each phase took
//! against the documented RTO — `c8dr report RUN` in Markdown or JSON, and `:report` in the
//! cockpit. docs/report.md describes the definitions and the JSON.
//!
//! - `history` (pure) and `history_file` (its bounded, fsynced file and writer thread): the
//!   verdict changes and events the cockpit and the runs observed;
//! - `recording`: the executor wrapper through which a CLI run observes into the history;
//! - `record` (pure): the record built from a journal, the audit trail and the history;
//! - `targets`: the documented RTOs per version; `markdown`: the words; `load`: the files.

pub mod history;
pub mod history_file;
pub mod load;
pub mod markdown;
pub mod record;
pub mod recording;
pub mod targets;

pub use record::IncidentRecord;

/// The record in the format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
}

/// The record as `format` writes it.
pub fn render(r: &IncidentRecord, format: Format) -> Result<String, String> {
    match format {
        Format::Md => Ok(markdown::render(r)),
        Format::Json => serde_json::to_string_pretty(r)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
    }
}
