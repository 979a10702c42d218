//! The run journal's file: one append-only JSON-lines file per run, fsynced after every
//! record that a resume stands on (requests, answers, finished steps: `Record::durable`), so
//! a crash loses at most the record being written and the step progress markers after the
//! last such record. Reading it back: a torn last line
//! is the crash itself and is dropped, a bad line anywhere else is corruption and is reported
//! with the file and line. The journal holds the run lock ([`RunLock`]) while it is open: one
//! run at a time. Its files are readable by their owner only. The records and their replay
//! are `crate::runbook::journal`.

use super::lock::RunLock;
use crate::api::Region;
use crate::private_fs;
use crate::runbook::journal::{JournalError, Record, Replay, RunSummary};
use crate::runbook::plan::{ZoneBasis, ZonePlan};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where runs are journaled: `$XDG_STATE_HOME/c8dr/runs`.
pub fn runs_dir() -> Option<PathBuf> {
    crate::config::state_dir().map(|d| d.join("runs"))
}

/// An open journal that records are appended to; it holds the run lock while open.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    _lock: RunLock,
}

fn plain_run_id(run: &str) -> io::Result<()> {
    if run.is_empty() || run.contains(['/', '\\']) || run.starts_with('.') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("run id {run:?} is not a plain file name"),
        ));
    }
    Ok(())
}

impl Journal {
    /// Starts the journal of a new run, taking the run lock of `dir`; refuses to overwrite
    /// an existing run.
    pub fn create(dir: &Path, run: &str) -> io::Result<Self> {
        plain_run_id(run)?;
        let lock = RunLock::acquire(dir, run)?;
        Self::create_locked(lock, dir, run)
    }

    /// As [`Journal::create`], with the lock already taken (before the run's id was chosen
    /// and its plan built, so no other run can slip in between).
    pub fn create_locked(lock: RunLock, dir: &Path, run: &str) -> io::Result<Self> {
        plain_run_id(run)?;
        private_fs::create_dir_all(dir)?;
        let path = dir.join(format!("{run}.jsonl"));
        let file = private_fs::create_new(&path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => io::Error::new(
                e.kind(),
                format!("run {run} already exists in {}", dir.display()),
            ),
            _ => e,
        })?;
        Ok(Self {
            path,
            file,
            _lock: lock,
        })
    }

    /// Reopens a run's journal to continue it after a crash, taking the run lock of its
    /// directory. A torn last line is cut off first, so the next record starts on a line of
    /// its own.
    pub fn reopen(path: &Path) -> Result<(Self, Replay), JournalError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let run = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let lock = RunLock::acquire(dir, &run).map_err(|e| JournalError::io(path, e))?;
        // A region other than 0 or 1 does not parse (`Region`'s serde): the read refuses it.
        let (replay, valid_len) = read_with_len(path)?;
        // ftruncate works on an O_APPEND descriptor; later writes land at the new end.
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| JournalError::io(path, e))?;
        file.set_len(valid_len)
            .map_err(|e| JournalError::io(path, e))?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
                _lock: lock,
            },
            replay,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; a durable one (`Record::durable`) is on disk, with every record
    /// before it, when this returns.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        if record.durable() {
            self.file.sync_data()?;
        }
        Ok(())
    }
}

/// Reads a journal. Only the last line may be incomplete; that is what a crash mid-write
/// leaves, and it is dropped. Anything else that does not parse is an error naming the line.
pub fn read(path: &Path) -> Result<Replay, JournalError> {
    read_with_len(path).map(|(replay, _)| replay)
}

/// [`read`], with the length of the file up to the end of its last complete record.
fn read_with_len(path: &Path) -> Result<(Replay, u64), JournalError> {
    let bytes = std::fs::read(path).map_err(|e| JournalError::io(path, e))?;
    let mut records = Vec::new();
    let mut torn_tail = false;
    let mut valid_len = 0u64;
    let mut offset = 0usize;
    let mut number = 0usize;
    while offset < bytes.len() {
        number += 1;
        let rest = &bytes[offset..];
        let (line, complete) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => (&rest[..end], true),
            None => (rest, false),
        };
        offset += line.len() + usize::from(complete);
        if line.iter().all(u8::is_ascii_whitespace) {
            if complete {
                valid_len = offset as u64;
            }
            continue;
        }
        if !complete {
            // The append never returned, so nothing after it happened: drop it even if it parses.
            torn_tail = true;
            break;
        }
        match serde_json::from_slice::<Record>(line) {
            Ok(record) => {
                records.push(record);
                valid_len = offset as u64;
            }
            Err(e) => {
                return Err(JournalError {
                    path: path.to_path_buf(),
                    line: Some(number),
                    cause: format!("not a journal record: {e}"),
                });
            }
        }
    }
    Ok((Replay { records, torn_tail }, valid_len))
}

/// The zone the newest zone-aware failover of `region` in `dir` journaled before removing it
/// (its replicas and priority), for the failback: the forced removal dropped them from the
/// cluster. Journals that cannot be read are passed over (`c8dr journal` reports them).
pub fn recorded_zone(dir: &Path, region: Region) -> Option<ZonePlan> {
    let prefix = format!("failover-r{region}-");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    // Run ids carry their UTC start, so the name orders them.
    paths.sort();
    paths.iter().rev().find_map(|p| {
        let replay = read(p).ok()?;
        let (procedure, r, _, basis) = replay.started()?;
        let zone = basis?.zone.clone()?;
        let run = p.file_stem()?.to_str()?.to_string();
        (procedure == "failover" && r == region).then_some(ZonePlan {
            basis: ZoneBasis::Journal(run),
            ..zone
        })
    })
}

/// Every run in `dir`, oldest first by file name; unreadable journals are listed with their error.
pub fn list(dir: &Path) -> io::Result<Vec<(PathBuf, Result<RunSummary, JournalError>)>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|p| {
            let summary = read(&p).map(|r| r.summary());
            (p, summary)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Region;
    use crate::runbook::journal::{Outcome, StepState, render_list, render_run};

    fn at(record: Record, ts: &str) -> Record {
        let ts = ts.to_string();
        match record {
            Record::RunStarted {
                run,
                procedure,
                region,
                camunda,
                ..
            } => Record::RunStarted {
                run,
                procedure,
                region,
                camunda,
                at: ts,
                basis: None,
            },
            Record::Step {
                step,
                name,
                state,
                detail,
                ..
            } => Record::Step {
                step,
                name,
                state,
                detail,
                at: ts,
            },
            Record::Request {
                step,
                method,
                target,
                seen_change,
                dry_run,
                aside,
                ..
            } => Record::Request {
                step,
                method,
                target,
                at: ts,
                seen_change,
                dry_run,
                aside,
            },
            Record::Response {
                step,
                status,
                detail,
                verdict,
                change_id,
                ..
            } => Record::Response {
                step,
                status,
                detail,
                at: ts,
                verdict,
                change_id,
            },
            Record::SnapshotDocs { step, docs, .. } => Record::SnapshotDocs { step, at: ts, docs },
            Record::RunEnded { outcome, .. } => Record::RunEnded {
                outcome,
                at: ts,
                own_ms: None,
            },
        }
    }

    fn failover_run(dir: &Path) -> Journal {
        let mut j = Journal::create(dir, "failover-1").unwrap();
        for r in [
            at(
                Record::run_started("failover-1", "failover", Region::ONE, "8.8"),
                "2026-11-27T10:00:00Z",
            ),
            at(
                Record::step(0, "confirm loss", StepState::Checking, None),
                "2026-11-27T10:00:00Z",
            ),
            at(
                Record::step(0, "confirm loss", StepState::Done, None),
                "2026-11-27T10:00:01.5Z",
            ),
            at(
                Record::step(1, "remove brokers", StepState::Running, None),
                "2026-11-27T10:00:02Z",
            ),
            at(
                Record::request(
                    1,
                    "PATCH",
                    "http://127.0.0.1:9600/actuator/cluster?force=true",
                ),
                "2026-11-27T10:00:02Z",
            ),
        ] {
            j.append(&r).unwrap();
        }
        j
    }

    #[test]
    fn records_round_trip_and_unanswered_requests_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let j = failover_run(dir.path());
        let replay = read(j.path()).unwrap();
        assert_eq!(replay.records.len(), 5);
        assert!(!replay.torn_tail);
        assert_eq!(
            replay.unanswered_requests(),
            vec![(
                1,
                "PATCH",
                "http://127.0.0.1:9600/actuator/cluster?force=true"
            )]
        );
        assert_eq!(replay.step_states().get(&1), Some(&StepState::Running));
    }

    #[test]
    fn an_answer_closes_the_request() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = failover_run(dir.path());
        j.append(&Record::response(1, Some(202), None)).unwrap();
        assert!(read(j.path()).unwrap().unanswered_requests().is_empty());
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_reopen_continues_on_a_fresh_line() {
        let dir = tempfile::tempdir().unwrap();
        let j = failover_run(dir.path());
        let path = j.path().to_path_buf();
        drop(j);
        // What a crash in the middle of write_all leaves, even a prefix that happens to parse.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"event":"response","step":1,"status":202,"at":"2026-11"#)
            .unwrap();
        drop(f);

        let replay = read(&path).unwrap();
        assert!(replay.torn_tail);
        assert_eq!(replay.records.len(), 5);
        assert_eq!(
            replay.unanswered_requests().len(),
            1,
            "the torn answer does not count"
        );

        let (mut j, replay) = Journal::reopen(&path).unwrap();
        assert!(replay.torn_tail);
        j.append(&Record::response(1, Some(202), None)).unwrap();
        let after = read(&path).unwrap();
        assert!(!after.torn_tail);
        assert_eq!(after.records.len(), 6);
        assert!(after.unanswered_requests().is_empty());
    }

    #[test]
    fn a_bad_line_before_the_end_is_corruption_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        let good = serde_json::to_string(&Record::run_ended(Outcome::Completed)).unwrap();
        std::fs::write(
            &path,
            format!("{good}\n{{\"event\":\"nonsense\"}}\n{good}\n"),
        )
        .unwrap();
        let err = read(&path).unwrap_err();
        assert_eq!(err.line, Some(2));
        let text = err.to_string();
        assert!(text.contains("x.jsonl:2"), "{text}");
    }

    #[test]
    fn run_ids_cannot_escape_the_runs_directory() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "../x", "a/b", ".hidden"] {
            assert!(Journal::create(dir.path(), bad).is_err(), "{bad:?}");
        }
        Journal::create(dir.path(), "ok").unwrap();
        assert!(
            Journal::create(dir.path(), "ok").is_err(),
            "an existing run is never overwritten"
        );
    }

    #[test]
    fn summary_times_steps_and_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = failover_run(dir.path());
        for r in [
            at(
                Record::response(1, Some(202), None),
                "2026-11-27T10:00:02.2Z",
            ),
            at(
                Record::step(1, "remove brokers", StepState::Done, None),
                "2026-11-27T10:00:05Z",
            ),
            at(
                Record::run_ended(Outcome::Completed),
                "2026-11-27T10:00:05.5Z",
            ),
        ] {
            j.append(&r).unwrap();
        }
        let s = read(j.path()).unwrap().summary();
        assert_eq!(s.run.as_deref(), Some("failover-1"));
        assert_eq!(s.region, Some(Region::ONE));
        assert_eq!(s.outcome, Some(Outcome::Completed));
        assert_eq!(s.total_ms, Some(5_500));
        let durations: Vec<_> = s.steps.iter().map(|st| (st.step, st.duration_ms)).collect();
        assert_eq!(durations, vec![(0, Some(1_500)), (1, Some(3_000))]);
        let text = render_run(&s);
        assert!(
            text.contains("remove brokers") && text.contains("3.0s"),
            "{text}"
        );
        assert!(
            text.contains("within the documented failover RTO of 60.0s"),
            "{text}"
        );
    }

    #[test]
    fn list_reports_every_run_and_names_the_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        failover_run(dir.path());
        std::fs::write(dir.path().join("broken.jsonl"), "not json\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let runs = list(dir.path()).unwrap();
        assert_eq!(runs.len(), 2);
        assert!(runs[0].1.as_ref().is_err_and(|e| e.line == Some(1)));
        assert!(runs[1].1.as_ref().is_ok_and(|s| s.outcome.is_none()));
        assert!(list(&dir.path().join("missing")).unwrap().is_empty());
        let text = render_list(&runs);
        assert!(
            text.contains("broken") && text.contains("unreadable") && text.contains(":1:"),
            "{text}"
        );
        assert!(
            text.contains("failover-1") && text.contains("unfinished"),
            "{text}"
        );
        assert_eq!(render_list(&[]), "no runs journaled yet\n");
    }
}
