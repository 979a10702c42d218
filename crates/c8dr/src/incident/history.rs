//! The cockpit's history: what it showed, as it changed — the verdict (its level and reasons)
//! and the events of the events log — one JSON line each, so that an incident record can say
//! later what was known when (issue 16 §5). Pure: which views make an entry; the file
//! (fsync, rotation, the writer thread) is [`super::history_file`].
//!
//! Only verdict changes and events are kept: both are words c8dr derives from what it
//! observed, never a request, a body, a header or a configuration value; URLs in them are
//! stripped of user info before they are written (a server's error may quote one).

use crate::model::events::Event;
use crate::model::{ClusterView, Level};
use serde::{Deserialize, Serialize};

/// A verdict's level as the history writes it (the view's own `Level` is output only).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum HLevel {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl From<Level> for HLevel {
    fn from(l: Level) -> HLevel {
        match l {
            Level::Ok => HLevel::Ok,
            Level::Warning => HLevel::Warning,
            Level::Critical => HLevel::Critical,
            Level::Unknown => HLevel::Unknown,
        }
    }
}

impl HLevel {
    pub fn word(self) -> &'static str {
        match self {
            HLevel::Ok => "OK",
            HLevel::Warning => "WARNING",
            HLevel::Critical => "CRITICAL",
            HLevel::Unknown => "UNKNOWN",
        }
    }
}

/// One line of the history.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// The verdict as it became (its level, or its reasons, numbers aside, changed).
    Verdict {
        at: String,
        level: HLevel,
        reasons: Vec<String>,
        /// `active`, `degraded`, `halted` or `unknown`.
        processing: String,
        /// Who observed: `cockpit` (the TUI) or `run` (a `c8dr failover|failback` run).
        by: String,
    },
    /// An event of the events log.
    Event {
        at: String,
        level: HLevel,
        text: String,
        by: String,
    },
}

impl Entry {
    pub fn at(&self) -> &str {
        match self {
            Entry::Verdict { at, .. } | Entry::Event { at, .. } => at,
        }
    }

    pub fn level(&self) -> HLevel {
        match self {
            Entry::Verdict { level, .. } | Entry::Event { level, .. } => *level,
        }
    }

    /// The entry in words, on one line.
    pub fn words(&self) -> String {
        match self {
            Entry::Verdict {
                level,
                reasons,
                processing,
                ..
            } => {
                let why = if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join("; "))
                };
                format!("verdict {} (processing {processing}){why}", level.word())
            }
            Entry::Event { text, .. } => text.clone(),
        }
    }
}

/// What makes a verdict change: its level and its reasons with the numbers left out, so a
/// counter in a reason ("unreachable for 14 s") does not write a line every second.
fn shape(level: Level, reasons: &[String]) -> (Level, Vec<String>) {
    let strip = |r: &String| {
        let mut out = String::with_capacity(r.len());
        let mut digits = false;
        for c in r.chars() {
            if c.is_ascii_digit() {
                if !digits {
                    out.push('#');
                }
                digits = true;
            } else {
                digits = false;
                out.push(c);
            }
        }
        out
    };
    (level, reasons.iter().map(strip).collect())
}

/// Follows the views one observer derives and says which history entries they make.
#[derive(Debug, Default)]
pub struct Tracker {
    by: String,
    last: Option<(Level, Vec<String>)>,
}

impl Tracker {
    /// `by` names the observer in every entry (`cockpit`, `run`).
    pub fn new(by: &str) -> Tracker {
        Tracker {
            by: by.to_string(),
            last: None,
        }
    }

    /// The entries of a new view and the events found since the one before: the verdict
    /// when it is the first one or it changed, then the events, all stamped with their times.
    pub fn observe(&mut self, view: &ClusterView, events: &[Event]) -> Vec<Entry> {
        let mut out = vec![];
        let now = shape(view.verdict.level, &view.verdict.reasons);
        if self.last.as_ref() != Some(&now) {
            self.last = Some(now);
            out.push(Entry::Verdict {
                at: view.at.clone(),
                level: view.verdict.level.into(),
                reasons: view.verdict.reasons.iter().map(|r| scrub(r)).collect(),
                processing: view.processing.as_str().to_string(),
                by: self.by.clone(),
            });
        }
        out.extend(events.iter().map(|e| Entry::Event {
            at: e.at.clone(),
            level: e.level.into(),
            text: scrub(&e.text),
            by: self.by.clone(),
        }));
        out
    }
}

impl Tracker {
    /// An event the observer noted itself (a drill played, a run that did not start), not
    /// derived from a view.
    pub fn note(&self, e: &Event) -> Entry {
        Entry::Event {
            at: e.at.clone(),
            level: e.level.into(),
            text: scrub(&e.text),
            by: self.by.clone(),
        }
    }
}

/// `text` cleaned of control characters, with the user info of any URL in it removed
/// (`https://user:secret@host/` becomes `https://host/`).
pub fn scrub(text: &str) -> String {
    let text = crate::text::clean(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first `/`, `?`, `#` or white space.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tests_support::view;

    #[test]
    fn a_verdict_is_kept_when_it_changes_not_when_only_its_numbers_move() {
        let mut t = Tracker::new("cockpit");
        let first = t.observe(&view("2026-12-01T08:00:00Z", Level::Ok, &[]), &[]);
        assert_eq!(first.len(), 1, "the first verdict of a session is kept");
        assert!(
            t.observe(&view("2026-12-01T08:00:01Z", Level::Ok, &[]), &[])
                .is_empty()
        );
        let lost = t.observe(
            &view(
                "2026-12-01T08:00:02Z",
                Level::Critical,
                &["region1 paris unreachable for 1 s"],
            ),
            &[],
        );
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].level(), HLevel::Critical);
        assert_eq!(lost[0].at(), "2026-12-01T08:00:02Z");
        assert!(
            t.observe(
                &view(
                    "2026-12-01T08:00:03Z",
                    Level::Critical,
                    &["region1 paris unreachable for 12 s"],
                ),
                &[],
            )
            .is_empty(),
            "a counter is no change"
        );
        let more = t.observe(
            &view(
                "2026-12-01T08:00:04Z",
                Level::Critical,
                &["region1 paris unreachable for 13 s", "processing halted"],
            ),
            &[Event {
                at: "2026-12-01T08:00:04Z".into(),
                level: Level::Warning,
                text: "brokers 1,3 gone".into(),
            }],
        );
        assert_eq!(more.len(), 2, "{more:?}");
        assert!(
            matches!(&more[1], Entry::Event { text, by, .. } if text == "brokers 1,3 gone" && by == "cockpit")
        );
    }

    #[test]
    fn urls_lose_their_user_info_and_text_its_control_characters() {
        assert_eq!(
            scrub("GET https://elastic:s3cr3t@es:9200/_cluster failed; http://gw:8080/x ok"),
            "GET https://es:9200/_cluster failed; http://gw:8080/x ok"
        );
        assert_eq!(scrub("a\x1b[2Jb"), r"a\u{1b}[2Jb");
        assert_eq!(scrub("no url"), "no url");
        assert_eq!(scrub("tail http://u:p@h"), "tail http://h");
    }

    #[test]
    fn entries_round_trip_as_one_json_line() {
        let e = Entry::Verdict {
            at: "2026-12-01T08:00:00Z".into(),
            level: HLevel::Critical,
            reasons: vec!["x".into()],
            processing: "halted".into(),
            by: "run".into(),
        };
        let line = serde_json::to_string(&e).unwrap();
        assert!(line.contains(r#""kind":"verdict""#) && line.contains(r#""level":"critical""#));
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), e);
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::model::Verdict;

    pub(crate) fn view(at: &str, level: Level, reasons: &[&str]) -> ClusterView {
        let mut v = crate::model::tests_support::empty_view();
        v.at = at.into();
        v.verdict = Verdict {
            level,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            detail: vec![],
        };
        v
    }
}
