//! What a notification says, and the two bodies it is sent as: `{"text": …}` for Slack and
//! Teams, and every field for one's own receiver. Pure, so every word is tested.

use crate::model::{ClusterView, Level};
use serde::Serialize;

/// One thing worth telling people.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// The verdict's level changed.
    Verdict {
        at: String,
        level: Level,
        previous: Level,
        reasons: Vec<String>,
    },
    /// A runbook run moved to another step or state.
    Runbook {
        at: String,
        run: String,
        procedure: String,
        region: String,
        holder: String,
        step: Option<String>,
        title: Option<String>,
        state: String,
    },
}

impl Message {
    pub fn topic(&self) -> crate::config::notify::Topic {
        match self {
            Message::Verdict { .. } => crate::config::notify::Topic::Verdict,
            Message::Runbook { .. } => crate::config::notify::Topic::Runbook,
        }
    }

    /// The message in one line of words.
    pub fn line(&self) -> String {
        match self {
            Message::Verdict {
                level,
                previous,
                reasons,
                ..
            } => {
                let why = if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join("; "))
                };
                format!("{} (was {}){why}", word(*level), word(*previous))
            }
            Message::Runbook {
                run,
                procedure,
                region,
                holder,
                step,
                title,
                state,
                ..
            } => {
                let step = match (step, title) {
                    (Some(s), Some(t)) => format!("{s} {t}: "),
                    (Some(s), None) => format!("{s}: "),
                    _ => String::new(),
                };
                format!("{procedure} of {region} by {holder} (run {run}): {step}{state}")
            }
        }
    }
}

fn word(l: Level) -> &'static str {
    match l {
        Level::Ok => "OK",
        Level::Warning => "WARNING",
        Level::Critical => "CRITICAL",
        Level::Unknown => "UNKNOWN",
    }
}

/// The verdict change from `prev` to `next`, if the level changed.
pub fn verdict_change(prev: &ClusterView, next: &ClusterView) -> Option<Message> {
    (prev.verdict.level != next.verdict.level).then(|| Message::Verdict {
        at: next.at.clone(),
        level: next.verdict.level,
        previous: prev.verdict.level,
        reasons: next.verdict.reasons.clone(),
    })
}

/// The Slack/Teams body: one `text`, a line per message; `dropped` messages that did not fit
/// are counted at the end.
pub fn slack_body(cluster: &str, batch: &[Message], dropped: usize) -> serde_json::Value {
    let mut lines: Vec<String> = batch
        .iter()
        .map(|m| format!("c8dr {cluster}: {}", m.line()))
        .collect();
    if dropped > 0 {
        lines.push(format!("… and {dropped} more (see c8dr's event log)"));
    }
    serde_json::json!({ "text": lines.join("\n") })
}

/// The generic body: the cluster, c8dr's version, and every message with its fields.
pub fn generic_body(cluster: &str, batch: &[Message], dropped: usize) -> serde_json::Value {
    serde_json::json!({
        "source": "c8dr",
        "version": crate::cli::install::VERSION,
        "cluster": cluster,
        "messages": batch,
        "dropped": dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runbook(state: &str) -> Message {
        Message::Runbook {
            at: "2026-12-01T09:00:00Z".into(),
            run: "failover-r1-20261201t090000".into(),
            procedure: "failover".into(),
            region: "paris".into(),
            holder: "alice@laptop".into(),
            step: Some("FO-1".into()),
            title: Some("Force-remove paris's brokers".into()),
            state: state.into(),
        }
    }

    #[test]
    fn slack_and_teams_get_one_text_line_per_message() {
        let v = Message::Verdict {
            at: "2026-12-01T09:00:00Z".into(),
            level: Level::Critical,
            previous: Level::Ok,
            reasons: vec!["region 1 (paris) does not answer".into()],
        };
        let body = slack_body("prod-eu", &[v, runbook("verified")], 2);
        assert_eq!(
            body,
            serde_json::json!({"text": "c8dr prod-eu: CRITICAL (was OK): region 1 (paris) does not answer\n\
                c8dr prod-eu: failover of paris by alice@laptop (run failover-r1-20261201t090000): FO-1 Force-remove paris's brokers: verified\n\
                … and 2 more (see c8dr's event log)"})
        );
    }

    #[test]
    fn the_generic_body_has_every_field() {
        let body = generic_body("prod-eu", &[runbook("running")], 0);
        assert_eq!(body["cluster"], "prod-eu");
        assert_eq!(body["messages"][0]["kind"], "runbook");
        assert_eq!(body["messages"][0]["step"], "FO-1");
        assert_eq!(body["messages"][0]["state"], "running");
        assert_eq!(body["dropped"], 0);
    }
}
