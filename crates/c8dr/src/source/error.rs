//! Why a source gave no answer, by kind. Decisions are taken on the kind (the runbook's hints,
//! the 8.7 name of an endpoint, "not configured" versus "failed"); the text, its `Display`, is
//! what the dashboard, `status --json` and the runbook's evidence show. None carries a secret,
//! and the text is safe for a terminal wherever it goes: the strings held here can quote a
//! server (a Kubernetes API error, a resolver's complaint), so they are shown cleaned.

use crate::text::clean;
use std::fmt;
use std::time::Duration;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// No connection could be made (refused, no route, TLS handshake), with the deepest cause
    /// the client reported.
    Connect { cause: Option<String> },
    /// No answer in time. `within` is c8dr's own deadline for the whole read; `None` when the
    /// HTTP client's timeout cut it.
    Timeout { within: Option<Duration> },
    /// An error status other than 401/403, with the server's message when its body was read.
    Status {
        status: u16,
        message: Option<String>,
    },
    /// 401 or 403: credentials missing, wrong or expired.
    Unauthorized {
        status: u16,
        message: Option<String>,
    },
    /// The body is not what the API documents. `path` is the JSON path of the value that did
    /// not fit (`brokers[2].partitions[0].health`; empty for the body as a whole); `message`
    /// is the parser's words, left out where they could quote a secret (a token answer),
    /// keeping only the path and the position.
    Malformed {
        path: String,
        line: usize,
        column: usize,
        message: Option<String>,
    },
    /// The body is over [`super::http::MAX_BODY`]; `announced` when its Content-Length said so
    /// and nothing was read.
    TooLarge { announced: Option<u64> },
    /// The answer started but its body broke off.
    Reading(Box<SourceError>),
    /// A secret the credentials need could not be read (named by its reference, never shown).
    Credentials(String),
    /// The OAuth token could not be fetched from `url`.
    Token {
        url: String,
        cause: Box<SourceError>,
    },
    /// Any other transport failure, in the client's words without the URL.
    Transport(String),
    /// Nothing to ask: the source has no endpoint in the configuration. Callers leave such a
    /// source unset rather than show it as failed.
    NotConfigured,
    /// The Kubernetes API, or a port-forward through it.
    Kube(String),
    /// The traffic hostname's DNS lookup.
    Dns(String),
}

impl SourceError {
    /// An error status: 401 and 403 are about credentials, the rest about the server.
    pub fn http(status: u16, message: Option<String>) -> SourceError {
        if status == 401 || status == 403 {
            SourceError::Unauthorized { status, message }
        } else {
            SourceError::Status { status, message }
        }
    }

    /// The JSON parser's complaint: the field, its words (cleaned: they can quote the
    /// answer), and where.
    pub fn malformed(e: &crate::api::DecodeError) -> SourceError {
        SourceError::Malformed {
            path: crate::text::clean(&e.path_text()),
            line: e.line,
            column: e.column,
            message: Some(crate::text::clean(&e.message)),
        }
    }

    /// The field and where, without the parser's words: for bodies that hold secrets (a
    /// token answer), which those words could quote. Keys are no secret; values are.
    pub fn malformed_at(e: &crate::api::DecodeError) -> SourceError {
        SourceError::Malformed {
            path: crate::text::clean(&e.path_text()),
            line: e.line,
            column: e.column,
            message: None,
        }
    }

    /// A transport error in a few words, without the URL (which can carry credentials) and
    /// cleaned (the causes can quote what a server sent).
    pub fn transport(e: &reqwest::Error) -> SourceError {
        if e.is_timeout() {
            return SourceError::Timeout { within: None };
        }
        if e.is_connect() {
            let mut cause = None;
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                cause = Some(crate::text::clean(&s.to_string()));
                source = s.source();
            }
            return SourceError::Connect { cause };
        }
        let s = e.to_string();
        SourceError::Transport(crate::text::clean(s.split(" for url").next().unwrap_or(&s)))
    }

    /// The error that decides the kind: the cause of a broken body or of a failed token fetch.
    pub fn root(&self) -> &SourceError {
        match self {
            SourceError::Reading(cause) | SourceError::Token { cause, .. } => cause.root(),
            other => other,
        }
    }

    /// The server says the path does not exist (an older version, or an absent object).
    pub fn is_not_found(&self) -> bool {
        matches!(self, SourceError::Status { status: 404, .. })
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cap_mib = super::http::MAX_BODY / (1024 * 1024);
        match self {
            SourceError::Connect { cause: None } => f.write_str("cannot connect"),
            SourceError::Connect { cause: Some(c) } => write!(f, "cannot connect: {}", clean(c)),
            SourceError::Timeout { within: None } => f.write_str("timed out"),
            SourceError::Timeout { within: Some(d) } => {
                write!(f, "no answer within {} ms", d.as_millis())
            }
            SourceError::Status { status, message }
            | SourceError::Unauthorized { status, message } => match message {
                Some(m) => write!(f, "HTTP {status}: {}", clean(m)),
                None => write!(f, "HTTP {status}"),
            },
            SourceError::Malformed {
                path,
                line,
                column,
                message,
            } => {
                f.write_str("unreadable answer")?;
                match message {
                    Some(m) if path.is_empty() => write!(f, ": {}", clean(m))?,
                    Some(m) => write!(f, ": {}: {}", clean(path), clean(m))?,
                    None if path.is_empty() => {}
                    None => write!(f, " at {}", clean(path))?,
                }
                write!(f, " (line {line}, column {column})")
            }
            SourceError::TooLarge { announced: Some(n) } => write!(
                f,
                "answer larger than {cap_mib} MiB (Content-Length {n}, not read)"
            ),
            SourceError::TooLarge { announced: None } => {
                write!(f, "answer larger than {cap_mib} MiB (stopped reading)")
            }
            SourceError::Reading(cause) => write!(f, "reading the answer: {cause}"),
            SourceError::Token { url, cause } => write!(f, "token {}: {cause}", clean(url)),
            SourceError::NotConfigured => f.write_str("not configured"),
            SourceError::Credentials(s)
            | SourceError::Transport(s)
            | SourceError::Kube(s)
            | SourceError::Dns(s) => f.write_str(&clean(s)),
        }
    }
}

impl std::error::Error for SourceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_texts_are_the_ones_operators_know() {
        let cases = [
            (SourceError::Connect { cause: None }, "cannot connect"),
            (
                SourceError::Connect {
                    cause: Some("Connection refused (os error 111)".into()),
                },
                "cannot connect: Connection refused (os error 111)",
            ),
            (SourceError::Timeout { within: None }, "timed out"),
            (
                SourceError::Timeout {
                    within: Some(Duration::from_millis(2000)),
                },
                "no answer within 2000 ms",
            ),
            (
                SourceError::http(500, Some("boom".into())),
                "HTTP 500: boom",
            ),
            (SourceError::http(401, None), "HTTP 401"),
            (
                SourceError::TooLarge { announced: None },
                "answer larger than 8 MiB (stopped reading)",
            ),
            (
                SourceError::Token {
                    url: "https://idp/token".into(),
                    cause: Box::new(SourceError::Malformed {
                        path: String::new(),
                        line: 1,
                        column: 7,
                        message: None,
                    }),
                },
                "token https://idp/token: unreadable answer (line 1, column 7)",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn the_text_is_safe_for_a_terminal() {
        let e = SourceError::Kube("pods is forbidden: \x1b]2;pwned\x07".into());
        assert_eq!(e.to_string(), r"pods is forbidden: \u{1b}]2;pwned\u{7}");
        let e = SourceError::http(500, Some("\x1b[2J".into()));
        assert_eq!(e.to_string(), r"HTTP 500: \u{1b}[2J");
    }

    #[test]
    fn the_kind_is_the_cause_of_a_broken_body_or_token() {
        let e = SourceError::Token {
            url: "u".into(),
            cause: Box::new(SourceError::http(403, None)),
        };
        assert!(matches!(
            e.root(),
            SourceError::Unauthorized { status: 403, .. }
        ));
        let e = SourceError::Reading(Box::new(SourceError::Timeout { within: None }));
        assert!(matches!(e.root(), SourceError::Timeout { .. }));
        assert!(SourceError::http(404, Some(String::new())).is_not_found());
        assert!(!SourceError::http(401, None).is_not_found());
    }
}
