//! The notifier against a local webhook receiver: batching under the rate limit, retries,
//! final failures, a full queue, who sends verdicts, and no URL in any message.

use super::*;
use crate::config::notify::Notify;
use crate::model::Level;
use std::sync::Mutex;
use std::time::Instant;

/// What the receiver got: when, the body, the Authorization header.
type Got = (Instant, serde_json::Value, Option<String>);

/// A webhook receiver: records every body and answers with the scripted statuses in turn
/// (then 200).
#[derive(Clone, Default)]
struct Receiver {
    bodies: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start(script: &[u16]) -> (Receiver, String) {
        let r = Receiver {
            script: Arc::new(Mutex::new(script.iter().rev().copied().collect())),
            ..Default::default()
        };
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::Json<serde_json::Value>| {
                    let state = state.clone();
                    async move {
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        state
                            .bodies
                            .lock()
                            .unwrap()
                            .push((Instant::now(), body.0, auth));
                        let code = state.script.lock().unwrap().pop().unwrap_or(200);
                        axum::http::StatusCode::from_u16(code).unwrap()
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, format!("http://{addr}/hook"))
    }

    fn count(&self) -> usize {
        self.bodies.lock().unwrap().len()
    }

    async fn wait_for(&self, n: usize) {
        let start = Instant::now();
        while self.count() < n {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{} of {n} bodies",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A `[notify]` section with one webhook whose URL (and token) are in files.
fn notify(dir: &std::path::Path, url: &str, format: &str, extra: &str) -> Notify {
    std::fs::write(dir.join("url"), format!("{url}\n")).unwrap();
    std::fs::write(dir.join("token"), "tok-123\n").unwrap();
    let text = format!(
        "min_interval_s = 1\n{extra}\n[[webhooks]]\nname = \"oncall\"\nformat = \"{format}\"\n\
         url_file = \"{}\"\ntoken_file = \"{}\"\n",
        dir.join("url").display(),
        dir.join("token").display()
    );
    let n: Notify = toml::from_str(&text).unwrap();
    n.validate().unwrap();
    n
}

fn verdict(level: Level) -> Message {
    Message::Verdict {
        at: "2026-12-01T09:00:00Z".into(),
        level,
        previous: Level::Ok,
        reasons: vec!["region 1 (paris) does not answer".into()],
    }
}

fn start(n: &Notify, role: Sender) -> Notifier {
    Notifier::start_with(n, "prod-eu", None, role, Duration::from_millis(20))
}

#[tokio::test]
async fn messages_arriving_within_the_interval_are_sent_as_one_batch_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (rx, url) = Receiver::start(&[]).await;
    let n = start(&notify(dir.path(), &url, "slack", ""), Sender::Watch);
    n.send(verdict(Level::Critical));
    rx.wait_for(1).await;
    n.send(verdict(Level::Warning));
    n.send(verdict(Level::Unknown));
    rx.wait_for(2).await;
    let bodies = rx.bodies.lock().unwrap().clone();
    let text = |i: usize| bodies[i].1["text"].as_str().unwrap_or("").to_string();
    assert_eq!(text(0).lines().count(), 1, "{}", text(0));
    assert!(text(0).starts_with("c8dr prod-eu: CRITICAL (was OK)"));
    assert_eq!(text(1).lines().count(), 2, "{}", text(1));
    assert!(text(1).contains("WARNING") && text(1).contains("UNKNOWN"));
    // The rate limit held: the batch came a full interval after the first.
    let gap = bodies[1].0 - bodies[0].0;
    assert!(gap >= Duration::from_millis(900), "{gap:?}");
    assert_eq!(bodies[0].2.as_deref(), Some("Bearer tok-123"));
    n.flush(Duration::from_secs(5)).await;
    assert_eq!(rx.count(), 2);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_and_a_refusing_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (rx, url) = Receiver::start(&[503, 429, 200]).await;
    let n = start(&notify(dir.path(), &url, "generic", ""), Sender::Watch);
    n.send(verdict(Level::Critical));
    rx.wait_for(3).await;
    let bodies = rx.bodies.lock().unwrap().clone();
    assert!(
        bodies.iter().all(|b| b.1 == bodies[0].1),
        "the same batch each time"
    );
    assert_eq!(bodies[0].1["messages"][0]["level"], "critical");
    n.flush(Duration::from_secs(5)).await;
    assert_eq!(rx.count(), 3, "no attempt after the success");

    let dir = tempfile::tempdir().unwrap();
    let (rx, url) = Receiver::start(&[404]).await;
    let n = start(&notify(dir.path(), &url, "generic", ""), Sender::Watch);
    n.send(verdict(Level::Critical));
    n.flush(Duration::from_secs(5)).await;
    assert_eq!(rx.count(), 1, "a 404 is not retried");
    // Told where the operator looks too (the cockpit's loop puts it in its event log), by
    // the webhook's name. The only test that takes the problems: no other can steal it.
    let problems = take_problems();
    assert!(
        problems
            .iter()
            .any(|p| p == "webhook oncall: notification not sent: HTTP 404 Not Found"),
        "{problems:?}"
    );
    assert!(problems.iter().all(|p| !p.contains(&url)), "{problems:?}");
}

#[tokio::test]
async fn sending_never_waits_even_when_the_webhook_hangs() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing answers on this listener: every delivery waits for its timeout.
    let hang = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", hang.local_addr().unwrap());
    let n = start(&notify(dir.path(), &url, "slack", ""), Sender::Watch);
    let t = Instant::now();
    for _ in 0..(QUEUE * 2) {
        n.send(verdict(Level::Critical));
    }
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(n.dropped.load(Ordering::Relaxed) > 0);
}

#[tokio::test]
async fn verdicts_come_from_the_configured_senders_and_runbook_steps_from_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (rx, url) = Receiver::start(&[]).await;
    // Default senders: the watcher only; a cockpit sends runbook steps but no verdicts.
    let n = start(&notify(dir.path(), &url, "generic", ""), Sender::Cockpit);
    n.send(verdict(Level::Critical));
    let (tx, progress) = tokio::sync::watch::channel(crate::act::lease::Published::default());
    let meta = RunMeta {
        run: "failover-r1-x".into(),
        procedure: "failover".into(),
        region: "paris".into(),
        holder: "alice@laptop".into(),
    };
    let follow = n.follow_run(progress, meta).unwrap();
    tx.send_replace(crate::act::lease::Published {
        step: Some("FO-1".into()),
        title: Some("Force-remove".into()),
        state: "completed".into(),
    });
    drop(tx);
    follow.await.unwrap();
    n.flush(Duration::from_secs(5)).await;
    let bodies = rx.bodies.lock().unwrap().clone();
    let kinds: Vec<String> = bodies
        .iter()
        .flat_map(|b| b.1["messages"].as_array().cloned().unwrap_or_default())
        .map(|m| format!("{} {}", m["kind"], m["state"]))
        .collect();
    assert!(!kinds.iter().any(|k| k.contains("verdict")), "{kinds:?}");
    assert!(kinds.iter().any(|k| k.contains("completed")), "{kinds:?}");

    let dir = tempfile::tempdir().unwrap();
    let (rx, url) = Receiver::start(&[]).await;
    let n = start(
        &notify(
            dir.path(),
            &url,
            "generic",
            "verdict_senders = [\"cockpit\"]",
        ),
        Sender::Cockpit,
    );
    n.send(verdict(Level::Critical));
    n.flush(Duration::from_secs(5)).await;
    assert_eq!(rx.count(), 1);
}

#[tokio::test]
async fn no_failure_message_names_the_url_or_the_token() {
    let dir = tempfile::tempdir().unwrap();
    // A refused connection, a bad URL: both described without the secret.
    let hook = |url: &str| -> Webhook {
        let n = notify(dir.path(), url, "slack", "");
        n.webhooks().remove(0)
    };
    let http = crate::source::http::client(Duration::from_secs(2), None).unwrap();
    let body = serde_json::json!({"text": "x"});
    for url in [
        "http://127.0.0.1:9/services/T000/B000/SECRETPART",
        "not a url SECRETPART",
    ] {
        let why = match send_once(&http, &hook(url), &body).await {
            Err(Failure::Retry(w, _)) | Err(Failure::Final(w)) => w,
            Ok(()) => panic!("sent to {url}"),
        };
        assert!(
            !why.contains("SECRETPART") && !why.contains("tok-123"),
            "{why}"
        );
        assert!(!why.is_empty());
    }
}

#[test]
fn secrets_in_the_file_and_half_given_webhooks_are_refused() {
    for (text, expect) in [
        (
            "[[webhooks]]\nname = \"a\"\nformat = \"slack\"\nurl = \"https://hooks\"\n",
            "url must not be written in the file",
        ),
        (
            "[[webhooks]]\nname = \"a\"\nformat = \"slack\"\n",
            "give url_env or url_file",
        ),
        (
            "[[webhooks]]\nname = \"a\"\nformat = \"slack\"\nurl_env = \"A\"\n\
             [[webhooks]]\nname = \"a\"\nformat = \"generic\"\nurl_env = \"B\"\n",
            "used twice",
        ),
    ] {
        let n: Notify = toml::from_str(text).unwrap();
        let e = n.validate().unwrap_err();
        assert!(e.contains(expect), "{text}: {e}");
        assert!(!e.contains("https://hooks"), "{e}");
    }
    assert!(toml::from_str::<Notify>("[[webhooks]]\nname = \"a\"\nformat = \"email\"\n").is_err());
}

#[cfg(feature = "demo")]
mod verdicts {
    use super::*;
    use crate::demo::scenes;

    fn config(extra: &str) -> Config {
        let text = format!(
            "name = \"prod-eu\"\n[poll]\ntimeout_ms = 50\n\
             [[regions]]\nid = 0\nname = \"london\"\nmanagement_url = \"http://127.0.0.1:1\"\n\
             [[regions]]\nid = 1\nname = \"paris\"\nmanagement_url = \"http://127.0.0.1:2\"\n{extra}"
        );
        Config::parse(&text, std::path::Path::new("c.toml")).unwrap()
    }

    fn lost() -> (crate::model::ClusterView, crate::model::ClusterView) {
        let s = scenes::SCENES
            .iter()
            .find(|s| s.name == "region1-lost")
            .unwrap();
        scenes::views(s)
    }

    #[tokio::test]
    async fn the_bell_rings_once_on_a_new_critical_verdict_only_when_asked_and_never_while_warming_up()
     {
        let (healthy, critical) = lost();
        let (quiet, loud) = (config(""), config("[notify]\nbell = true\n"));
        let round = Verdicts::first_round(&loud);
        let quiet = Verdicts::new(&quiet, Notifier::default(), round);
        let loud = Verdicts::new(&loud, Notifier::default(), round);
        // The first poll round (2 × 50 ms + 1 s here): no change is told.
        assert!(!loud.changed(Some(&healthy), &critical));
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(
            !quiet.changed(Some(&healthy), &critical),
            "the bell is off by default"
        );
        assert!(loud.changed(Some(&healthy), &critical));
        assert!(
            !loud.changed(Some(&critical), &critical),
            "not again while it stays critical"
        );
        assert!(!loud.changed(Some(&critical), &healthy));
        assert!(
            !loud.changed(None, &critical),
            "the first view is no change"
        );
    }
}
