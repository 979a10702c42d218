//! The audit trail's file: one JSON line per mutating request and per refusal (DESIGN.md §7),
//! across runs, in `$XDG_STATE_HOME/c8dr/audit.jsonl`, fsynced, readable by its owner only.
//! The entries are `crate::runbook::audit`; only the gate writes them.

use crate::runbook::audit::Entry;
use crate::text::{clean, clean_opt};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub fn audit_path() -> Option<PathBuf> {
    crate::config::state_dir().map(|d| d.join("audit.jsonl"))
}

#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    file: File,
}

impl Audit {
    /// Opens (creates) the trail 0600 in a 0700 directory: it names who did what.
    pub fn open(path: &Path) -> io::Result<Audit> {
        if let Some(dir) = path.parent() {
            crate::private_fs::create_dir_all(dir)?;
        }
        let file = crate::private_fs::open_append(path)?;
        Ok(Audit {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line, fsynced. The free-text fields are cleaned first: a detail can quote
    /// a server and `c8dr audit` prints the trail on a terminal.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let entry = Entry {
            user: clean(&entry.user),
            run: clean(&entry.run),
            step: clean(&entry.step),
            target: clean_opt(entry.target.as_deref()),
            detail: clean_opt(entry.detail.as_deref()),
            ..entry.clone()
        };
        let mut line = serde_json::to_vec(&entry).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }
}

/// Reads the trail; lines that do not parse are reported, not fatal.
pub fn read(path: &Path) -> io::Result<(Vec<Entry>, Vec<String>)> {
    let text = std::fs::read_to_string(path)?;
    let mut entries = vec![];
    let mut bad = vec![];
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(e) => entries.push(e),
            Err(e) => bad.push(format!("{}:{}: {e}", path.display(), n + 1)),
        }
    }
    Ok((entries, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Region;
    use crate::runbook::audit::{digest, render};

    #[test]
    fn entries_round_trip_and_bodies_are_digested() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut a = Audit::open(&path).unwrap();
        let mut e = Entry::new("ops", "r1", "FO-1", Region::ZERO, "request", "ok");
        e.body_sha256 = Some(digest(br#"{"brokers":{"remove":[1]}}"#));
        a.append(&e).unwrap();
        std::fs::write(
            &path,
            format!("{}garbage\n", std::fs::read_to_string(&path).unwrap()),
        )
        .unwrap();
        let (entries, bad) = read(&path).unwrap();
        assert_eq!(entries, vec![e]);
        assert_eq!(bad.len(), 1);
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn control_characters_reach_neither_the_file_nor_the_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c8dr").join("audit.jsonl");
        let mut a = Audit::open(&path).unwrap();
        let mut e = Entry::new(
            "ops",
            "r\x1b[2J1",
            "FO-1\x07",
            Region::ONE,
            "request",
            "failed",
        );
        e.target = Some("http://gw\u{9b}31m/actuator".into());
        e.detail = Some("HTTP 500: \x1b]2;x\x07\x1b[2J".into());
        a.append(&e).unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        let (entries, bad) = read(&path).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        // serde_json writes C0 characters as `\u00XX` escapes that `read` turns back into
        // raw ones: neither form may be in the file.
        assert!(!raw.contains("\\u00") && !raw.contains('\u{9b}'), "{raw}");
        let d = &entries[0];
        for field in [
            &d.run,
            &d.step,
            d.target.as_ref().unwrap(),
            d.detail.as_ref().unwrap(),
        ] {
            assert!(!field.chars().any(char::is_control), "{field:?}");
        }
        let shown = render(&entries);
        assert!(shown.contains("HTTP 500:"), "{shown}");

        // An old or edited trail with raw escapes: render cleans it anyway.
        let shown = render(&[e]);
        assert!(!shown.contains(['\x1b', '\x07', '\u{9b}']), "{shown:?}");
        assert!(shown.contains(r"\u{1b}]2;x\u{7}"), "{shown}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
    }
}
