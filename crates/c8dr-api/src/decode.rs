//! `decode`: a JSON body into an API type, or an error that names the field.
//!
//! serde_json alone says "invalid type: integer `3`, expected a string at line 1 column 812";
//! in a topology of 24 replicas that does not tell an operator which one. The error here also
//! carries the JSON path of the value that did not fit (`brokers[2].partitions[0].health`),
//! taken while parsing (`serde_path_to_error`), so it costs nothing when the body is fine.
//!
//! What the path can name: the deepest value the parser was inside when it gave up. A field
//! that is missing is named by its parent (the object that lacks it); a value read through a
//! buffering type (`#[serde(untagged)]`, `#[serde(flatten)]`, a custom reader that takes a
//! whole `Value`) is named by that value's own path, never by a part of it. The path is made of
//! the body's own keys and indices: never of its values.

use serde::de::DeserializeOwned;
use std::fmt;

/// One step of a [`DecodeError`]'s path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// An object's key, as the body spells it.
    Key(String),
    /// An array's index.
    Index(usize),
    /// A step the parser could not name (a map with non-string keys). A key that could not be
    /// read at all is not a step: the object is named.
    Unknown,
}

/// A body that is not what the type expects: where, and the parser's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// From the document's root to the value that did not fit; empty when the document as a
    /// whole is at fault (not JSON, empty, trailing characters, the wrong kind at the top).
    pub path: Vec<PathSegment>,
    /// The parser's words, without the position. They can quote the value that did not fit
    /// (`invalid type: string "x", expected u16`): leave them out where a body holds secrets.
    pub message: String,
    /// Where in the body the parser stopped, from 1 (0 when it did not say).
    pub line: usize,
    pub column: usize,
}

impl DecodeError {
    fn new(path: Vec<PathSegment>, e: &serde_json::Error) -> DecodeError {
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = text.strip_suffix(&position).unwrap_or(&text).to_string();
        DecodeError {
            path,
            message,
            line: e.line(),
            column: e.column(),
        }
    }

    /// The path as text: `brokers[2].partitions[0].health`; keys that are not plain words are
    /// quoted (`metadata["a.b"]`); empty for the document as a whole.
    pub fn path_text(&self) -> String {
        let mut out = String::new();
        for s in &self.path {
            match s {
                PathSegment::Key(k) if is_word(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathSegment::Key(k) => out.push_str(&format!("[{k:?}]")),
                PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
                PathSegment::Unknown => out.push_str("[?]"),
            }
        }
        out
    }
}

/// A key that reads unambiguously after a dot.
fn is_word(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `brokers[2].partitions[0].health: invalid type: integer `3`, expected a string (line 1,
/// column 812)`; without the path for the document as a whole.
impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path_text();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// Parses a JSON body as `serde_json::from_slice` does (trailing characters refused), naming
/// the field on failure.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut path: Vec<PathSegment> = e
            .path()
            .iter()
            .map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => PathSegment::Index(*index),
                serde_path_to_error::Segment::Map { key }
                | serde_path_to_error::Segment::Enum { variant: key } => {
                    PathSegment::Key(key.clone())
                }
                serde_path_to_error::Segment::Unknown => PathSegment::Unknown,
            })
            .collect();
        // A key the parser could not read (`{not json`) ends the path as an unnamed step: the
        // fault is the object's.
        while path.last() == Some(&PathSegment::Unknown) {
            path.pop();
        }
        DecodeError::new(path, e.inner())
    })?;
    de.end().map_err(|e| DecodeError::new(vec![], &e))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TopologyResponse;

    #[test]
    fn a_wrong_value_is_named_by_its_path() {
        let body = r#"{"brokers":[{"nodeId":0,"host":"h","port":26501,"version":"8.8.0",
            "partitions":[{"partitionId":1,"role":"leader","health":3}]}],
            "clusterSize":1,"partitionsCount":1,"replicationFactor":1,"gatewayVersion":"8.8.0"}"#;
        let e = decode::<TopologyResponse>(body.as_bytes()).unwrap_err();
        assert_eq!(e.path_text(), "brokers[0].partitions[0].health");
        assert_eq!(e.message, "invalid type: integer `3`, expected a string");
        assert_eq!(
            e.to_string(),
            format!(
                "brokers[0].partitions[0].health: invalid type: integer `3`, expected a string (line {}, column {})",
                e.line, e.column
            )
        );
    }

    #[test]
    fn the_document_as_a_whole_has_no_path() {
        let e = decode::<TopologyResponse>(b"{not json").unwrap_err();
        assert!(e.path.is_empty(), "{e:?}");
        assert!(
            e.to_string().starts_with("key must be a string (line 1"),
            "{e}"
        );
        let e = decode::<serde_json::Value>(b"{} x").unwrap_err();
        assert!(
            e.path.is_empty() && e.message == "trailing characters",
            "{e:?}"
        );
        assert_eq!(decode::<Vec<u8>>(b"[1, 2] ").unwrap(), vec![1, 2]);
    }

    #[test]
    fn odd_keys_are_quoted() {
        let e = decode::<std::collections::BTreeMap<String, Vec<u8>>>(br#"{"a.b": [1, "x"]}"#)
            .unwrap_err();
        assert_eq!(e.path_text(), r#"["a.b"][1]"#);
    }
}
