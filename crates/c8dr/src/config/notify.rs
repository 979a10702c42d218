//! `[notify]`: where c8dr tells people about verdict changes and runbook steps (webhooks)
//! and whether the cockpit rings the terminal bell. A webhook's URL is a secret (Slack's and
//! Teams' carry their token in it), so it is given by reference like every other secret.

use super::{Secret, one_secret};
use serde::Deserialize;
use std::path::PathBuf;

/// The whole section; absent means no notifications and no bell.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Ring the terminal bell when the verdict becomes CRITICAL (the cockpit only).
    #[serde(default)]
    pub bell: bool,
    /// Which c8dr processes send verdict changes: `watch` (the default: one headless
    /// watcher per deployment), `cockpit`, or both. Runbook steps are sent by the process
    /// running the run, which the run lease makes one.
    #[serde(default = "default_verdict_senders")]
    pub verdict_senders: Vec<Sender>,
    /// At most one message per webhook per this many seconds; what happens meanwhile is
    /// sent as one message when the time is up.
    #[serde(default = "default_min_interval")]
    pub min_interval_s: u64,
    #[serde(default)]
    pub webhooks: Vec<WebhookFile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Watch,
    Cockpit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `{"text": "…"}`: Slack's incoming webhooks and Teams' (connector and workflow)
    /// webhooks accept it.
    Slack,
    /// Every field as JSON, for one's own receiver.
    Generic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Verdict,
    Runbook,
}

/// A webhook as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFile {
    /// Named in messages and logs instead of its URL.
    pub name: String,
    pub format: Format,
    pub url_env: Option<String>,
    pub url_file: Option<PathBuf>,
    /// An optional bearer token (`Authorization: Bearer …`), by reference.
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    /// What it is told about (default: both).
    #[serde(default = "default_topics")]
    pub on: Vec<Topic>,
    /// Rejected with a clear message: secrets are never inline.
    pub url: Option<toml::Value>,
    pub token: Option<toml::Value>,
}

/// A webhook ready to use.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub name: String,
    pub format: Format,
    pub url: Secret,
    pub token: Option<Secret>,
    pub on: Vec<Topic>,
}

fn default_verdict_senders() -> Vec<Sender> {
    vec![Sender::Watch]
}

fn default_min_interval() -> u64 {
    10
}

fn default_topics() -> Vec<Topic> {
    vec![Topic::Verdict, Topic::Runbook]
}

impl Notify {
    pub fn validate(&self) -> Result<(), String> {
        if self.min_interval_s > 3600 {
            return Err("notify.min_interval_s: at most 3600".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, w) in self.webhooks.iter().enumerate() {
            let at = format!("notify.webhooks[{i}]");
            if w.name.trim().is_empty() {
                return Err(format!("{at}.name: must not be empty"));
            }
            if !names.insert(w.name.as_str()) {
                return Err(format!("{at}.name: {:?} is used twice", w.name));
            }
            w.webhook().map_err(|e| format!("{at}: {e}"))?;
        }
        Ok(())
    }

    /// The webhooks, their secrets as references.
    pub fn webhooks(&self) -> Vec<Webhook> {
        self.webhooks
            .iter()
            .filter_map(|w| w.webhook().ok())
            .collect()
    }

    /// Secret files, for the permission check.
    pub(super) fn secret_files(&self) -> Vec<(String, &std::path::Path)> {
        let mut out = vec![];
        for (i, w) in self.webhooks.iter().enumerate() {
            for (k, p) in [("url_file", &w.url_file), ("token_file", &w.token_file)] {
                out.extend(
                    p.as_deref()
                        .map(|p| (format!("notify.webhooks[{i}].{k}"), p)),
                );
            }
        }
        out
    }
}

impl WebhookFile {
    fn webhook(&self) -> Result<Webhook, String> {
        let url = one_secret("url", &self.url_env, &self.url_file, &self.url)?
            .ok_or("give url_env or url_file (the URL carries the webhook's token)")?;
        let token = one_secret("token", &self.token_env, &self.token_file, &self.token)?;
        Ok(Webhook {
            name: self.name.clone(),
            format: self.format,
            url,
            token,
            on: self.on.clone(),
        })
    }
}
