//! The audit trail's entries (DESIGN.md §7): one per mutating request and per refusal, written
//! by the gate only. Bodies are recorded as a SHA-256 digest only, targets without
//! credentials, so no secret can reach it. Pure: the file is `crate::act::audit`.

use crate::api::Region;
use crate::text::clean;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: String,
    pub user: String,
    pub run: String,
    pub step: String,
    pub region: Region,
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
    /// `user` is who runs c8dr, as the gate's identity says.
    pub fn new(
        user: &str,
        run: &str,
        step: &str,
        region: Region,
        kind: &str,
        outcome: &str,
    ) -> Entry {
        Entry {
            at: jiff::Timestamp::now().to_string(),
            user: user.into(),
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

pub fn digest(body: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, body);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `c8dr audit`: one line per entry, oldest first. Every field is cleaned again: a trail
/// written by an older c8dr, or edited, may hold raw control characters.
pub fn render(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let at = clean(e.at.get(..19).unwrap_or(&e.at));
        let what = match (&e.method, &e.target) {
            (Some(m), Some(t)) => format!("{} {}", clean(m), clean(t)),
            (None, Some(t)) => clean(t),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{at}  {:<10} {:<18} {:<8} region{} {:<8} {:<9} {what}{}{}\n",
            clean(&e.user),
            clean(&e.run),
            clean(&e.step),
            e.region,
            clean(&e.kind),
            clean(&e.outcome),
            e.status.map(|s| format!(" → {s}")).unwrap_or_default(),
            e.detail
                .as_ref()
                .map(|d| format!("  ({})", clean(d)))
                .unwrap_or_default(),
        ));
    }
    if entries.is_empty() {
        out.push_str("no audit entries yet\n");
    }
    out
}
