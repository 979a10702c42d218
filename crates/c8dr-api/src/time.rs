//! Lenient timestamps for Camunda payloads.
//!
//! The management API has printed at least four shapes over the years: RFC 3339 with
//! nanoseconds (`2023-12-22T13:43:29.718491365Z`), an offset without colon
//! (`2025-10-02T11:35:59.852+0000`), Java's `Instant.MIN` (`-999999999-01-01T00:00:00+18:00`,
//! 8.4/8.5) and `0000-01-01T00:00:00Z` for "never" (current code). None of them may fail a
//! whole response, so the raw text is kept when it cannot be read.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A point in time as a Camunda API reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timestamp {
    /// A real instant.
    At(jiff::Timestamp),
    /// A sentinel meaning "never updated" (`Instant.MIN` or year 0).
    Never(String),
    /// Text that is not a timestamp c8dr understands, kept verbatim.
    Unparsed(String),
}

impl Timestamp {
    /// Reads any of the known spellings; never fails.
    pub fn parse(s: &str) -> Self {
        let trimmed = s.trim();
        if trimmed.starts_with('-') || trimmed.starts_with("0000-") {
            return Timestamp::Never(s.to_string());
        }
        if let Ok(t) = trimmed.parse::<jiff::Timestamp>() {
            return Timestamp::At(t);
        }
        if let Some(fixed) = colon_in_offset(trimmed)
            && let Ok(t) = fixed.parse::<jiff::Timestamp>()
        {
            return Timestamp::At(t);
        }
        Timestamp::Unparsed(s.to_string())
    }

    /// The instant, if this is one.
    pub fn instant(&self) -> Option<jiff::Timestamp> {
        match self {
            Timestamp::At(t) => Some(*t),
            _ => None,
        }
    }
}

/// `…+0000` → `…+00:00`, the form RFC 3339 parsers accept.
fn colon_in_offset(s: &str) -> Option<String> {
    // Text from outside: never split inside a multi-byte character.
    if s.len() < 5 || !s.is_char_boundary(s.len() - 5) {
        return None;
    }
    let (head, tail) = s.split_at(s.len() - 5);
    let sign = tail.as_bytes()[0];
    if (sign == b'+' || sign == b'-') && tail[1..].bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{head}{}:{}", &tail[..3], &tail[3..]))
    } else {
        None
    }
}

impl From<jiff::Timestamp> for Timestamp {
    fn from(t: jiff::Timestamp) -> Self {
        Timestamp::At(t)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::At(t) => write!(f, "{t}"),
            Timestamp::Never(s) | Timestamp::Unparsed(s) => f.write_str(s),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Timestamp::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_known_shape() {
        assert!(matches!(
            Timestamp::parse("2023-12-22T13:43:29.718491365Z"),
            Timestamp::At(_)
        ));
        assert!(matches!(
            Timestamp::parse("2025-10-02T11:35:59.852+0000"),
            Timestamp::At(_)
        ));
        assert!(matches!(
            Timestamp::parse("2025-10-02T11:35:59+02:00"),
            Timestamp::At(_)
        ));
        assert!(matches!(
            Timestamp::parse("-999999999-01-01T00:00:00+18:00"),
            Timestamp::Never(_)
        ));
        assert!(matches!(
            Timestamp::parse("0000-01-01T00:00:00Z"),
            Timestamp::Never(_)
        ));
        assert!(matches!(
            Timestamp::parse("yesterday"),
            Timestamp::Unparsed(_)
        ));
        assert!(matches!(
            Timestamp::parse("2025-10-02T11:35:59.852+ééé"),
            Timestamp::Unparsed(_)
        ));
        assert!(matches!(Timestamp::parse("é"), Timestamp::Unparsed(_)));
    }

    #[test]
    fn offset_without_colon_means_the_same_instant() {
        let a = Timestamp::parse("2025-10-02T11:35:59.852+0000").instant();
        let b = Timestamp::parse("2025-10-02T11:35:59.852Z").instant();
        assert_eq!(a, b);
    }

    #[test]
    fn round_trips_as_text() {
        let t = Timestamp::parse("2024-08-23T11:33:08.355681311Z");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2024-08-23T11:33:08.355681311Z\""
        );
    }
}
