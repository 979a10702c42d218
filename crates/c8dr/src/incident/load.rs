//! Reads what an incident record is built from: the run's journal, the audit trail and the
//! history, all in the state directory, and picks the run (`latest` is the run that started
//! last).

use super::record::{self, IncidentRecord};
use std::path::{Path, PathBuf};

/// Where the books are.
#[derive(Debug, Clone)]
pub struct Books {
    pub runs: PathBuf,
    pub audit: PathBuf,
    pub history: PathBuf,
}

impl Books {
    /// The state directory's books; `None` without a state directory.
    pub fn in_state_dir() -> Option<Books> {
        Some(Books {
            runs: crate::act::journal::runs_dir()?,
            audit: crate::act::audit::audit_path()?,
            history: super::history_file::history_path()?,
        })
    }

    /// The books under one state directory (`…/c8dr`).
    pub fn under(dir: &Path) -> Books {
        Books {
            runs: dir.join("runs"),
            audit: dir.join("audit.jsonl"),
            history: dir.join("history.jsonl"),
        }
    }
}

/// The run that started last (by its journaled start, else its file name), of the readable
/// journals in `dir`.
pub fn latest(dir: &Path) -> Result<String, String> {
    let runs = crate::act::journal::list(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    runs.iter()
        .filter_map(|(path, summary)| {
            let id = path.file_stem()?.to_string_lossy().to_string();
            let started = summary.as_ref().ok().and_then(|_| {
                let replay = crate::act::journal::read(path).ok()?;
                replay.records.iter().find_map(|r| match r {
                    crate::runbook::journal::Record::RunStarted { at, .. } => {
                        at.parse::<jiff::Timestamp>().ok()
                    }
                    _ => None,
                })
            });
            Some((started, id))
        })
        .max()
        .map(|(_, id)| id)
        .ok_or_else(|| format!("no runs journaled yet in {}", dir.display()))
}

/// The record of `run` (an id as `c8dr journal` lists it, or `latest`).
pub fn load(books: &Books, run: &str) -> Result<IncidentRecord, String> {
    let run = match run {
        "latest" => latest(&books.runs)?,
        id if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') => {
            return Err(format!("run id {id:?} is not a plain name"));
        }
        id => id.to_string(),
    };
    let path = books.runs.join(format!("{run}.jsonl"));
    if !path.exists() {
        return Err(format!(
            "no run {run:?} in {} (`c8dr journal` lists the runs)",
            books.runs.display()
        ));
    }
    let replay = crate::act::journal::read(&path).map_err(|e| e.to_string())?;
    let mut notes = vec![];
    if replay.torn_tail {
        notes.push(
            "the journal's last line was cut short (a crash while writing); it is left out".into(),
        );
    }
    let audit = match crate::act::audit::read(&books.audit) {
        Ok((entries, bad)) => {
            notes.extend(
                bad.into_iter()
                    .map(|b| format!("unreadable audit line {b}")),
            );
            entries
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            notes.push(format!("no audit trail at {}", books.audit.display()));
            vec![]
        }
        Err(e) => return Err(format!("{}: {e}", books.audit.display())),
    };
    let history = match super::history_file::read(&books.history) {
        Ok((entries, bad)) => {
            notes.extend(
                bad.into_iter()
                    .map(|b| format!("unreadable history line {b}")),
            );
            entries
        }
        Err(e) => {
            notes.push(format!("history {}: {e}", books.history.display()));
            vec![]
        }
    };
    let mut r = record::build(&run, &replay.records, &audit, &history);
    r.notes.extend(notes);
    Ok(r)
}
