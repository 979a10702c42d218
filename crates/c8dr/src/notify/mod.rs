//! Notifications (`[notify]`): verdict changes and runbook steps sent to webhooks, in the
//! background. Sending never blocks the cockpit or a run: messages go into a bounded queue
//! per webhook (a full queue drops and counts), and one task per webhook sends them at most
//! once per `min_interval_s`, batching what arrived meanwhile, retrying a failed delivery
//! with backoff. The webhook's URL and token are secrets: read on each delivery, never
//! logged (transport errors are described without the URL).

pub mod message;

use crate::config::Config;
use crate::config::notify::{Format, Sender, Topic, Webhook};
use message::Message;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Messages a webhook's queue holds while it waits or retries.
const QUEUE: usize = 256;
/// Messages sent in one body; the rest of a batch is counted, not listed.
const BATCH: usize = 20;
/// Deliveries tried per batch, and the first backoff (doubled each time).
const ATTEMPTS: u32 = 4;
const BACKOFF: Duration = Duration::from_secs(1);
/// One delivery's time limit.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Delivery problems not yet shown, in words naming the webhook (never its URL): a webhook
/// that refuses or keeps failing, a queue that overflowed. Kept for the process (the
/// cockpit's dashboard and its runs each have a notifier) and taken by the cockpit's loop
/// into its event log; bounded, so a process that never takes them (watch, the CLI, which
/// log them) does not grow.
static PROBLEMS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
const PROBLEMS_KEPT: usize = 20;

fn problem(text: String) {
    let mut p = PROBLEMS.lock().unwrap_or_else(|e| e.into_inner());
    if !p.contains(&text) && p.len() < PROBLEMS_KEPT {
        p.push(text);
    }
}

/// The delivery problems since the last call, oldest first.
pub fn take_problems() -> Vec<String> {
    std::mem::take(&mut *PROBLEMS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A handle to send notifications with; cheap to clone. Without webhooks it does nothing.
#[derive(Clone, Default)]
pub struct Notifier {
    hooks: Vec<Hook>,
    /// Whether this process sends verdict changes (`verdict_senders`).
    verdicts: bool,
    tasks: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
    pub dropped: Arc<AtomicU64>,
}

#[derive(Clone)]
struct Hook {
    name: String,
    on: Vec<Topic>,
    tx: mpsc::Sender<Message>,
}

impl Notifier {
    /// Starts one sending task per configured webhook, for a process of kind `role`.
    pub fn start(config: &Config, role: Sender) -> Notifier {
        Self::start_with(
            &config.notify,
            &config.name,
            config.tls.ca_file.as_deref(),
            role,
            BACKOFF,
        )
    }

    fn start_with(
        n: &crate::config::notify::Notify,
        cluster: &str,
        ca_file: Option<&std::path::Path>,
        role: Sender,
        backoff: Duration,
    ) -> Notifier {
        if n.webhooks.is_empty() {
            return Notifier::default();
        }
        let http = match crate::source::http::client(TIMEOUT, ca_file) {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!("notifications off: {e}");
                return Notifier::default();
            }
        };
        let mut hooks = vec![];
        let mut tasks = vec![];
        for w in n.webhooks() {
            let (tx, rx) = mpsc::channel(QUEUE);
            hooks.push(Hook {
                name: w.name.clone(),
                on: w.on.clone(),
                tx,
            });
            let pace = Pace {
                min_interval: Duration::from_secs(n.min_interval_s),
                backoff,
            };
            tasks.push(tokio::spawn(deliver_all(
                http.clone(),
                w,
                cluster.to_string(),
                pace,
                rx,
            )));
        }
        Notifier {
            hooks,
            verdicts: n.verdict_senders.contains(&role),
            tasks: Arc::new(std::sync::Mutex::new(tasks)),
            dropped: Arc::default(),
        }
    }

    /// Queues `m` for every webhook that wants it; never waits.
    pub fn send(&self, m: Message) {
        if matches!(m, Message::Verdict { .. }) && !self.verdicts {
            return;
        }
        for h in self.hooks.iter().filter(|h| h.on.contains(&m.topic())) {
            if h.tx.try_send(m.clone()).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(webhook = %h.name, "notification dropped: the queue is full");
                problem(format!(
                    "webhook {}: notifications dropped, its queue is full",
                    h.name
                ));
            }
        }
    }

    /// Tells about a verdict change between two views, if there is one.
    pub fn verdict(&self, prev: &crate::model::ClusterView, next: &crate::model::ClusterView) {
        if let Some(m) = message::verdict_change(prev, next) {
            self.send(m);
        }
    }

    /// Waits up to `deadline` for the queued messages to be sent (a run that ends must not
    /// exit before its last step is told), then stops the tasks.
    pub async fn flush(self, deadline: Duration) {
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        drop(self.hooks);
        let all = futures_util::future::join_all(tasks);
        if tokio::time::timeout(deadline, all).await.is_err() {
            tracing::warn!("notifications not all sent within {deadline:?}");
        }
    }

    /// Follows a run's published progress (the same the run lease carries) and tells each
    /// change, until the run's publisher is gone.
    pub fn follow_run(
        &self,
        mut progress: tokio::sync::watch::Receiver<crate::act::lease::Published>,
        run: RunMeta,
    ) -> Option<JoinHandle<()>> {
        if !self.hooks.iter().any(|h| h.on.contains(&Topic::Runbook)) {
            return None;
        }
        let me = self.clone();
        Some(tokio::spawn(async move {
            let mut last: Option<crate::act::lease::Published> = None;
            loop {
                let now = progress.borrow_and_update().clone();
                if last.as_ref() != Some(&now) {
                    me.send(run.message(&now));
                    last = Some(now);
                }
                if progress.changed().await.is_err() {
                    return;
                }
            }
        }))
    }
}

/// Tells a view's verdict changes to the notifier and, where asked, the terminal bell, once
/// `warm_up` has passed: a cockpit shows views made of the first answers, and its verdict
/// settles from UNKNOWN in the first poll round, which is no change anyone needs to hear
/// (`c8dr watch` waits for that round before its first view and needs no warm-up).
pub struct Verdicts {
    notifier: Notifier,
    bell: bool,
    since: std::time::Instant,
    warm_up: Duration,
}

impl Verdicts {
    pub fn new(config: &Config, notifier: Notifier, warm_up: Duration) -> Verdicts {
        Verdicts {
            notifier,
            bell: config.notify.bell,
            since: std::time::Instant::now(),
            warm_up,
        }
    }

    /// The first poll round's length: how long a cockpit's verdict may take to settle.
    pub fn first_round(config: &Config) -> Duration {
        config.poll.timeout() * 2 + Duration::from_secs(1)
    }

    /// Tells the change from `prev` to `next`; true when the bell should ring (it is on,
    /// and the verdict just became CRITICAL).
    pub fn changed(
        &self,
        prev: Option<&crate::model::ClusterView>,
        next: &crate::model::ClusterView,
    ) -> bool {
        let Some(prev) = prev.filter(|_| self.since.elapsed() > self.warm_up) else {
            return false;
        };
        self.notifier.verdict(prev, next);
        self.bell
            && next.verdict.level == crate::model::Level::Critical
            && prev.verdict.level != crate::model::Level::Critical
    }
}

/// What names a run in its notifications.
#[derive(Debug, Clone)]
pub struct RunMeta {
    pub run: String,
    pub procedure: String,
    pub region: String,
    pub holder: String,
}

impl RunMeta {
    pub fn message(&self, p: &crate::act::lease::Published) -> Message {
        Message::Runbook {
            at: jiff::Timestamp::now().to_string(),
            run: self.run.clone(),
            procedure: self.procedure.clone(),
            region: self.region.clone(),
            holder: self.holder.clone(),
            step: p.step.clone(),
            title: p.title.clone(),
            state: p.state.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Pace {
    min_interval: Duration,
    backoff: Duration,
}

/// Sends what arrives on `rx` to `hook` until the queue closes, then what is left.
async fn deliver_all(
    http: reqwest::Client,
    hook: Webhook,
    cluster: String,
    pace: Pace,
    mut rx: mpsc::Receiver<Message>,
) {
    let mut last: Option<tokio::time::Instant> = None;
    while let Some(first) = rx.recv().await {
        if let Some(t) = last {
            // Closed meanwhile (flush): send now rather than make the run wait.
            tokio::select! {
                _ = tokio::time::sleep_until(t + pace.min_interval) => {}
                _ = rx_closed(&rx) => {}
            }
        }
        let mut batch = vec![first];
        let mut dropped = 0;
        while let Ok(m) = rx.try_recv() {
            if batch.len() < BATCH {
                batch.push(m);
            } else {
                dropped += 1;
            }
        }
        let body = match hook.format {
            Format::Slack => message::slack_body(&cluster, &batch, dropped),
            Format::Generic => message::generic_body(&cluster, &batch, dropped),
        };
        deliver(&http, &hook, &body, pace.backoff).await;
        last = Some(tokio::time::Instant::now());
    }
}

/// Resolves when the sending side of `rx` is gone and nothing is queued.
async fn rx_closed(rx: &mpsc::Receiver<Message>) {
    while !(rx.is_closed() && rx.is_empty()) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One batch, tried up to [`ATTEMPTS`] times; every failure is logged without the URL.
async fn deliver(
    http: &reqwest::Client,
    hook: &Webhook,
    body: &serde_json::Value,
    backoff: Duration,
) {
    let mut wait = backoff;
    for attempt in 1..=ATTEMPTS {
        match send_once(http, hook, body).await {
            Ok(()) => {
                tracing::info!(webhook = %hook.name, attempt, "notification sent");
                return;
            }
            Err(Failure::Final(why)) => {
                tracing::warn!(webhook = %hook.name, "notification not sent: {why}");
                problem(format!(
                    "webhook {}: notification not sent: {why}",
                    hook.name
                ));
                return;
            }
            Err(Failure::Retry(why, after)) => {
                tracing::warn!(webhook = %hook.name, attempt, "notification failed: {why}");
                if attempt < ATTEMPTS {
                    tokio::time::sleep(after.unwrap_or(wait)).await;
                    wait *= 2;
                }
            }
        }
    }
    tracing::warn!(webhook = %hook.name, "notification given up after {ATTEMPTS} attempts");
    problem(format!(
        "webhook {}: notification given up after {ATTEMPTS} attempts (c8dr's log has each)",
        hook.name
    ));
}

enum Failure {
    /// Worth another try, after the server's Retry-After if it gave one.
    Retry(String, Option<Duration>),
    /// Another try would fail the same way (a bad URL, a refused token).
    Final(String),
}

async fn send_once(
    http: &reqwest::Client,
    hook: &Webhook,
    body: &serde_json::Value,
) -> Result<(), Failure> {
    let url = hook
        .url
        .read()
        .map_err(|e| Failure::Final(format!("its URL ({}): {e}", hook.url)))?;
    let mut req = http.post(url.trim()).json(body);
    if let Some(t) = &hook.token {
        let token = t
            .read()
            .map_err(|e| Failure::Final(format!("its token ({t}): {e}")))?;
        req = req.bearer_auth(token.trim());
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_builder() {
            Failure::Final(format!("its URL ({}) is not a URL", hook.url))
        } else {
            Failure::Retry(crate::source::http::describe(&e.without_url()), None)
        }
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.min(60)));
    if status.as_u16() == 429 || status.is_server_error() {
        Err(Failure::Retry(format!("HTTP {status}"), retry_after))
    } else {
        Err(Failure::Final(format!("HTTP {status}")))
    }
}

#[cfg(test)]
mod tests;
