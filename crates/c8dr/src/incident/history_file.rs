//! The history's files: `$XDG_STATE_HOME/c8dr/history.jsonl`, one JSON line per entry
//! ([`super::history::Entry`]), each batch fsynced, 0600 in a 0700 directory like the journal
//! and the audit trail (`crate::private_fs`).
//!
//! Bounded: before a batch is written, a file of [`MAX_BYTES`] or more is renamed to
//! `history.1.jsonl` (replacing the one before) and a new one started, so the history never
//! takes more than about twice [`MAX_BYTES`] (some thousands of changes: days of incidents).
//! Several c8dr processes may append at once (the cockpit and a `c8dr failover` run): lines
//! are written whole with O_APPEND, and a writer that finds the file renamed under it follows
//! the name.
//!
//! The writing is done by a thread of its own ([`History`]): the cockpit's loop hands a batch
//! over a bounded channel and never waits for the disk; when the disk falls that far behind,
//! batches are dropped and counted in the log.

use super::history::{Entry, Tracker};
use crate::model::ClusterView;
use crate::model::events::Event;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// A history file this large is rotated before the next batch.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// Batches the writer thread may be behind before new ones are dropped.
const QUEUE: usize = 256;

/// Where the history is kept: `$XDG_STATE_HOME/c8dr/history.jsonl`.
pub fn history_path() -> Option<PathBuf> {
    crate::config::state_dir().map(|d| d.join("history.jsonl"))
}

/// The rotated file beside `path`: `history.1.jsonl`.
pub fn rotated_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "history".into(), |s| s.to_string_lossy().to_string());
    path.with_file_name(format!("{stem}.1.jsonl"))
}

/// The history file, open for appending.
#[derive(Debug)]
pub struct HistoryFile {
    path: PathBuf,
    file: File,
    max: u64,
}

impl HistoryFile {
    /// Opens (creates) `path` 0600 in a 0700 directory; `max` is the rotation size.
    pub fn open(path: &Path, max: u64) -> io::Result<HistoryFile> {
        if let Some(dir) = path.parent() {
            crate::private_fs::create_dir_all(dir)?;
        }
        Ok(HistoryFile {
            path: path.to_path_buf(),
            file: crate::private_fs::open_append(path)?,
            max,
        })
    }

    /// Appends the entries as one write and waits until they are on disk; rotates first when
    /// the file is full.
    pub fn append(&mut self, entries: &[Entry]) -> io::Result<()> {
        self.follow_and_rotate()?;
        let mut buf = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.sync_data()
    }

    /// Reopens the path when another process rotated it away from under this one, and
    /// rotates it when it is full.
    fn follow_and_rotate(&mut self) -> io::Result<()> {
        if !same_file(&self.file, &self.path) {
            self.file = crate::private_fs::open_append(&self.path)?;
        }
        if self.file.metadata()?.len() >= self.max {
            std::fs::rename(&self.path, rotated_path(&self.path))?;
            self.file = crate::private_fs::open_append(&self.path)?;
        }
        Ok(())
    }
}

/// Whether `file` is still the file at `path` (not renamed away or deleted).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Reads the history, the rotated file first: entries oldest first as written, and the lines
/// that do not parse (named by file and line). A torn last line (a crash while writing) is
/// left out silently. Missing files are an empty history.
pub fn read(path: &Path) -> io::Result<(Vec<Entry>, Vec<String>)> {
    let mut entries = vec![];
    let mut bad = vec![];
    for p in [rotated_path(path), path.to_path_buf()] {
        let bytes = match std::fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let text = String::from_utf8_lossy(&bytes);
        let complete = text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => entries.push(e),
                Err(_) if !complete && n + 1 == lines.len() => {}
                Err(e) => bad.push(format!("{}:{}: {e}", p.display(), n + 1)),
            }
        }
    }
    Ok((entries, bad))
}

/// The history as an observer keeps it: which views make entries ([`Tracker`]), and a writer
/// thread that puts them on disk, so the caller never waits for the disk.
pub struct History {
    tracker: Tracker,
    tx: Option<mpsc::SyncSender<Vec<Entry>>>,
    writer: Option<std::thread::JoinHandle<()>>,
    dropped: u64,
}

impl History {
    /// The history at `path`, observed by `by` (`cockpit`, `run`). The file is opened by the
    /// writer thread on its first batch; what cannot be written is logged, never shown.
    pub fn start(path: PathBuf, by: &str) -> History {
        Self::start_with(path, by, MAX_BYTES)
    }

    /// [`History::start`] with a rotation size of `max` bytes.
    pub fn start_with(path: PathBuf, by: &str, max: u64) -> History {
        let (tx, rx) = mpsc::sync_channel::<Vec<Entry>>(QUEUE);
        let writer = std::thread::Builder::new()
            .name("c8dr-history".into())
            .spawn(move || write_all(&path, max, &rx))
            .map_err(|e| tracing::warn!("history: no writer thread: {e}"))
            .ok();
        History {
            tracker: Tracker::new(by),
            tx: writer.as_ref().map(|_| tx),
            writer,
            dropped: 0,
        }
    }

    /// The history in the state directory, or none when there is no state directory.
    pub fn in_state_dir(by: &str) -> Option<History> {
        history_path().map(|p| History::start(p, by))
    }

    /// A new view and the events found since the one before: what changed is handed to the
    /// writer thread (never waited for).
    pub fn observe(&mut self, view: &ClusterView, events: &[Event]) {
        let entries = self.tracker.observe(view, events);
        self.send(entries);
    }

    /// An event the observer noted itself (the cockpit's notes: a drill played, a run that
    /// did not start), handed to the writer thread like the others.
    pub fn note(&mut self, event: &Event) {
        let entry = self.tracker.note(event);
        self.send(vec![entry]);
    }

    fn send(&mut self, entries: Vec<Entry>) {
        if entries.is_empty() {
            return;
        }
        let Some(tx) = &self.tx else { return };
        if let Err(mpsc::TrySendError::Full(_)) = tx.try_send(entries) {
            self.dropped += 1;
            if self.dropped.is_power_of_two() {
                tracing::warn!(
                    "history: the disk is behind; {} batches dropped",
                    self.dropped
                );
            }
        }
    }
}

impl Drop for History {
    /// Lets the writer finish what it was handed (the last verdict of a run matters).
    fn drop(&mut self) {
        self.tx = None;
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

fn write_all(path: &Path, max: u64, rx: &mpsc::Receiver<Vec<Entry>>) {
    let mut file: Option<HistoryFile> = None;
    let mut failing = false;
    while let Ok(batch) = rx.recv() {
        let result = match &mut file {
            Some(f) => f.append(&batch),
            None => HistoryFile::open(path, max).and_then(|mut f| {
                let r = f.append(&batch);
                file = Some(f);
                r
            }),
        };
        match result {
            Err(e) if !failing => {
                failing = true;
                tracing::warn!("history {}: {e}", path.display());
            }
            Err(_) => {}
            Ok(()) => failing = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::history::HLevel;

    fn event(n: usize) -> Entry {
        Entry::Event {
            at: format!("2026-12-01T08:00:{:02}Z", n % 60),
            level: HLevel::Warning,
            text: format!("event number {n} with some words to fill the line"),
            by: "cockpit".into(),
        }
    }

    #[test]
    fn the_history_is_bounded_by_rotation_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c8dr").join("history.jsonl");
        let mut f = HistoryFile::open(&path, 2_000).unwrap();
        for n in 0..200 {
            f.append(&[event(n)]).unwrap();
        }
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let line = serde_json::to_string(&event(199)).unwrap().len() as u64 + 1;
        assert!(size(&path) < 2_000 + line, "{}", size(&path));
        assert!(size(&rotated_path(&path)) < 2_000 + line);
        let (entries, bad) = read(&path).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        // The newest survive, oldest first, none lost between the two files.
        assert!(matches!(entries.last(), Some(Entry::Event { text, .. }) if text.contains("199 ")));
        let numbers: Vec<usize> = entries
            .iter()
            .map(|e| match e {
                Entry::Event { text, .. } => text.split(' ').nth(2).unwrap().parse().unwrap(),
                Entry::Verdict { .. } => unreachable!(),
            })
            .collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
        assert!(numbers.len() > 10);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&rotated_path(&path)), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn a_torn_last_line_is_left_out_and_a_bad_one_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let good = serde_json::to_string(&event(1)).unwrap();
        std::fs::write(&path, format!("{good}\nnonsense\n{good}\n{{\"kind\":\"ev")).unwrap();
        let (entries, bad) = read(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("history.jsonl:2"), "{bad:?}");
        assert!(read(&dir.path().join("none.jsonl")).unwrap().0.is_empty());
    }

    #[test]
    fn a_writer_follows_a_file_another_process_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let mut a = HistoryFile::open(&path, 1_000_000).unwrap();
        a.append(&[event(1)]).unwrap();
        std::fs::rename(&path, rotated_path(&path)).unwrap();
        a.append(&[event(2)]).unwrap();
        let (entries, _) = read(&path).unwrap();
        assert_eq!(entries, vec![event(1), event(2)]);
        assert_eq!(read(&rotated_path(&path)).unwrap().0.len(), 1);
    }

    #[test]
    fn the_writer_thread_puts_every_change_on_disk_by_the_time_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let mut h = History::start(path.clone(), "run");
        let view = crate::incident::history::tests_support::view(
            "2026-12-01T08:00:00Z",
            crate::model::Level::Critical,
            &["region1 paris lost"],
        );
        h.observe(&view, &[]);
        h.observe(&view, &[]);
        h.note(&Event {
            at: "2026-12-01T08:00:01Z".into(),
            level: crate::model::Level::Ok,
            text: "drill: Fail region 1".into(),
        });
        drop(h);
        let (entries, _) = read(&path).unwrap();
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert!(matches!(&entries[0], Entry::Verdict { by, .. } if by == "run"));
        assert!(matches!(&entries[1], Entry::Event { text, .. } if text == "drill: Fail region 1"));
    }
}
