//! The audit trail: one JSON line per mutating request and per refusal (DESIGN.md §7), across
//! runs, in `$XDG_STATE_HOME/c8dr/audit.jsonl`, fsynced. Bodies are recorded as a SHA-256
//! digest only, targets without credentials, so no secret can reach it.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub fn audit_path() -> Option<PathBuf> {
    crate::config::state_dir().map(|d| d.join("audit.jsonl"))
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: String,
    pub user: String,
    pub run: String,
    pub step: String,
    pub region: u8,
    /// `request`, `scale`, `refused`, `override` or `skip`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `ok`, `failed`, `refused`, … in a word.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Entry {
    pub fn new(run: &str, step: &str, region: u8, kind: &str, outcome: &str) -> Entry {
        Entry {
            at: jiff::Timestamp::now().to_string(),
            user: user(),
            run: run.into(),
            step: step.into(),
            region,
            kind: kind.into(),
            method: None,
            target: None,
            body_sha256: None,
            status: None,
            outcome: outcome.into(),
            duration_ms: None,
            detail: None,
        }
    }
}

/// Who ran c8dr: `C8DR_OPERATOR` (for shared bastion accounts, where the login says
/// little), else the login name as the shell knows it.
pub fn user() -> String {
    ["C8DR_OPERATOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

pub fn digest(body: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, body);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
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

    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
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

/// `c8dr audit`: one line per entry, oldest first.
pub fn render(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!(
            "{}  {:<10} {:<18} {:<8} region{} {:<8} {:<9} {}{}{}\n",
            e.at.get(..19).unwrap_or(&e.at),
            e.user,
            e.run,
            e.step,
            e.region,
            e.kind,
            e.outcome,
            match (&e.method, &e.target) {
                (Some(m), Some(t)) => format!("{m} {t}"),
                (None, Some(t)) => t.clone(),
                _ => String::new(),
            },
            e.status.map(|s| format!(" → {s}")).unwrap_or_default(),
            e.detail
                .as_ref()
                .map(|d| format!("  ({d})"))
                .unwrap_or_default(),
        ));
    }
    if entries.is_empty() {
        out.push_str("no audit entries yet\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_bodies_are_digested() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut a = Audit::open(&path).unwrap();
        let mut e = Entry::new("r1", "FO-1", 0, "request", "ok");
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
}
