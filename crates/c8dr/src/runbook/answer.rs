//! What came back for a mutating request, and what it means (dual-region-procedure.md
//! §3.6, §9.5–9.6): an HTTP answer judged by the documented success rules, or no answer —
//! and then whether the request provably never left (safe to send again) or its outcome is
//! unknown (it may have been applied: never re-sent blindly). Pure.

use super::plan::Expect;
use crate::api::ExportingOutcome;
use crate::text::clean;
use std::collections::BTreeMap;

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// No answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// It never reached the server (no connection, no endpoint, no credentials): sending it
    /// again cannot apply it twice.
    NotSent(String),
    /// It may have reached the server (timed out, connection lost after sending, answer cut
    /// short): its effect must be checked before anything is sent again.
    Unknown(String),
    /// The executor refused to send it, for good (the run lease went to another run):
    /// trying again cannot help.
    Refused(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::NotSent(m) | SendError::Unknown(m) | SendError::Refused(m) => m,
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::NotSent(m) => write!(f, "not sent: {m}"),
            SendError::Unknown(m) => write!(f, "outcome unknown: {m}"),
            SendError::Refused(m) => write!(f, "not sent: {m}"),
        }
    }
}

/// The judgement of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Success,
    /// 409: another change is in progress; wait for it.
    Conflict,
    /// The request did not take effect and may be sent again (after re-checking).
    Retry(String),
    /// It failed for good.
    Fatal(String),
    /// It may have taken effect: check, wait, then ask — never resend blindly.
    Unknown(String),
}

impl Verdict {
    /// The verdict in a word, as the journal records it.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Success => "success",
            Verdict::Conflict => "conflict",
            Verdict::Retry(_) => "retry",
            Verdict::Fatal(_) => "fatal",
            Verdict::Unknown(_) => "unknown",
        }
    }
}

pub fn classify(expect: Expect, answer: &Result<Answer, SendError>) -> Verdict {
    let a = match answer {
        Ok(a) => a,
        Err(SendError::NotSent(e)) => return Verdict::Retry(clean(e)),
        Err(SendError::Unknown(e)) => return Verdict::Unknown(clean(e)),
        Err(SendError::Refused(e)) => return Verdict::Fatal(clean(e)),
    };
    match (expect, a.status) {
        (Expect::Exporting, s) => match ExportingOutcome::from_response(s, &a.body) {
            ExportingOutcome::Succeeded => Verdict::Success,
            ExportingOutcome::Failed { status, message } => Verdict::Retry(format!(
                "HTTP {s}: the cluster refused (status {status}{}): {}",
                message
                    .map(|m| format!(": {}", clean(&m)))
                    .unwrap_or_default(),
                gist(&a.body)
            )),
        },
        (Expect::Change, 202) | (Expect::Change, 200) => {
            // A change needs its plan back; anything else is a garbled answer, which may
            // still have started a change: its outcome is unknown.
            match crate::api::decode::<crate::api::PlannedOperationsResponse>(&a.body) {
                Ok(_) => Verdict::Success,
                Err(e) => Verdict::Unknown(format!(
                    "HTTP {}: unreadable plan: {}",
                    a.status,
                    clean(&e.to_string())
                )),
            }
        }
        // The configuration after the cancel; whether the change really ended is read from
        // the cluster afterwards.
        (Expect::Cancel, 200..=299) | (Expect::Accepted, 200..=299) => Verdict::Success,
        (Expect::Elasticsearch, 200..=299) => {
            // A snapshot or restore that finished with failed shards is no success.
            let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_default();
            match v
                .pointer("/snapshot/shards/failed")
                .and_then(|f| f.as_u64())
            {
                Some(n) if n > 0 => Verdict::Fatal(format!("the snapshot has {n} failed shards")),
                _ => Verdict::Success,
            }
        }
        (_, 409) => Verdict::Conflict,
        (_, s) if s >= 500 => Verdict::Retry(format!("HTTP {s}: {}", gist(&a.body))),
        (_, s) => Verdict::Fatal(format!("HTTP {s}: {}", gist(&a.body))),
    }
}

/// The change id a change request's answer carries.
pub fn change_id(answer: &Answer) -> Option<i64> {
    serde_json::from_slice::<crate::api::PlannedOperationsResponse>(&answer.body)
        .ok()
        .map(|p| p.change_id)
}

/// What a JSON answer says in words: the change it started, or its error message (the
/// management API's `message`, Elasticsearch's `error.reason`, the exporting wrapper's
/// `body.message`, REST's `detail`). Cleaned for any terminal.
pub fn said(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if let Some(id) = v.get("changeId") {
        return Some(format!("change #{} planned", clean(&id.to_string())));
    }
    v.get("message")
        .or_else(|| v.pointer("/error/reason"))
        .or_else(|| v.pointer("/body/message"))
        .or_else(|| v.get("detail"))
        .and_then(|m| m.as_str())
        .map(|m| clean(&m.chars().take(200).collect::<String>()))
}

/// An answer body in a line: what it says, or its start. Cleaned for any terminal.
pub fn gist(body: &[u8]) -> String {
    if let Some(s) = said(body) {
        return s;
    }
    let text = String::from_utf8_lossy(body);
    let t: String = text.chars().take(120).collect();
    if t.is_empty() {
        "(empty)".into()
    } else {
        clean(&t)
    }
}

/// A dry run's plan in a line.
pub fn dry_run_summary(body: &[u8]) -> String {
    match serde_json::from_slice::<crate::api::PlannedOperationsResponse>(body) {
        Ok(p) => {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for op in &p.planned_changes {
                *counts.entry(clean(&op.operation.to_string())).or_default() += 1;
            }
            let ops: Vec<String> = counts.iter().map(|(k, n)| format!("{n}× {k}")).collect();
            format!(
                "would plan {} operations: {}",
                p.planned_changes.len(),
                ops.join(", ")
            )
        }
        Err(_) => gist(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<Answer, SendError> {
        Ok(Answer {
            status,
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn an_unreadable_plan_names_the_field() {
        let plan =
            r#"{"changeId":"two","currentTopology":[],"plannedChanges":[],"expectedTopology":[]}"#;
        match classify(Expect::Change, &answer(202, plan)) {
            Verdict::Unknown(m) => assert!(
                m.starts_with("HTTP 202: unreadable plan: changeId: invalid type: string \"two\""),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers_are_classified_by_the_documented_success_rules() {
        let plan =
            r#"{"changeId":2,"currentTopology":[],"plannedChanges":[],"expectedTopology":[]}"#;
        let cases = [
            (Expect::Change, answer(202, plan), "success"),
            (Expect::Change, answer(202, "{\"brokers\": [{"), "unknown"),
            (
                Expect::Change,
                answer(
                    409,
                    r#"{"message":"Another topology change is in progress"}"#,
                ),
                "conflict",
            ),
            (Expect::Change, answer(500, "{}"), "retry"),
            (Expect::Change, answer(502, "{}"), "retry"),
            (Expect::Change, answer(400, r#"{"message":"bad"}"#), "fatal"),
            (Expect::Cancel, answer(200, r#"{"version": 9}"#), "success"),
            (
                Expect::Cancel,
                answer(400, r#"{"message":"Cannot cancel change 7"}"#),
                "fatal",
            ),
            (Expect::Cancel, answer(502, "{}"), "retry"),
            (
                Expect::Change,
                Err(SendError::NotSent("cannot connect".into())),
                "retry",
            ),
            (
                Expect::Change,
                Err(SendError::Unknown("timed out".into())),
                "unknown",
            ),
            // §3.6: 204, or 200 with the status in the body.
            (Expect::Exporting, answer(204, ""), "success"),
            (
                Expect::Exporting,
                answer(200, r#"{"body":null,"status":204,"contentType":null}"#),
                "success",
            ),
            (
                Expect::Exporting,
                answer(
                    200,
                    r#"{"body":{"message":"Expected 3 members"},"status":500,"contentType":null}"#,
                ),
                "retry",
            ),
            (
                Expect::Exporting,
                answer(500, r#"{"message":"Expected 4 members"}"#),
                "retry",
            ),
            (
                Expect::Elasticsearch,
                answer(200, r#"{"acknowledged":true}"#),
                "success",
            ),
            (
                Expect::Elasticsearch,
                answer(
                    200,
                    r#"{"snapshot":{"shards":{"total":3,"failed":1,"successful":2}}}"#,
                ),
                "fatal",
            ),
            (
                Expect::Elasticsearch,
                answer(404, r#"{"error":{"reason":"missing"}}"#),
                "fatal",
            ),
            (Expect::Elasticsearch, answer(503, "{}"), "retry"),
        ];
        for (expect, a, want) in cases {
            assert_eq!(classify(expect, &a).word(), want, "{expect:?} {a:?}");
        }
    }

    #[test]
    fn gist_names_the_change_or_the_message_without_control_characters() {
        assert_eq!(gist(br#"{"changeId":4}"#), "change #4 planned");
        assert_eq!(gist(br#"{"message":"nope"}"#), "nope");
        assert_eq!(gist(br#"{"error":{"reason":"r"}}"#), "r");
        assert_eq!(gist(b""), "(empty)");
        let g = gist(b"{\"message\":\"\\u001b]2;pwned\\u0007\\u001b[2J\"}");
        assert!(!g.contains('\u{1b}') && !g.contains('\u{7}'), "{g:?}");
        let g = gist(b"\x1b]52;c;aGk=\x07");
        assert!(!g.contains('\u{1b}'), "{g:?}");
    }
}
