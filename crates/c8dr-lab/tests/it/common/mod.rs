//! Helpers shared by the lab's and the cockpit's integration tests (the cockpit's include this
//! file by path): paths to the vendored fixtures, an in-process lab with an
//! HTTP client, and waiting for conditions with generous deadlines (never sleep-and-hope).
#![allow(dead_code)]

pub mod spec;

use c8dr_lab::{Lab, Options, sim::Camunda};
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The vendored specs and payloads (`fixtures/camunda-api`, see `fixtures/README.md`).
pub fn camunda_api_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/camunda-api")
}

pub fn examples_dir() -> PathBuf {
    camunda_api_dir().join("examples")
}

/// Waits until `check` yields a value, polling every 20 ms, or panics after `deadline`
/// naming what it waited for and the last thing it saw.
pub async fn wait_until<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) if start.elapsed() > deadline => {
                panic!("timed out after {deadline:?} waiting for {what}; last: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

pub const DEADLINE: Duration = Duration::from_secs(30);

/// A lab running in this test process, and a client for it.
pub struct TestLab {
    pub lab: Lab,
    pub http: reqwest::Client,
}

/// An answer: status and body (JSON when it parses, else the text as a JSON string).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub raw: Vec<u8>,
    pub headers: reqwest::header::HeaderMap,
}

impl TestLab {
    pub async fn start(camunda: Camunda, speed: f64) -> TestLab {
        Self::start_with(Options {
            camunda,
            speed,
            ..Options::default()
        })
        .await
    }

    pub async fn start_with(options: Options) -> TestLab {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let lab = Lab::start(options)
            .await
            .unwrap_or_else(|e| panic!("lab starts: {e:#}"));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client");
        TestLab { lab, http }
    }

    pub fn rest(&self, r: usize) -> String {
        self.lab.ready.regions[r].rest.clone()
    }

    pub fn mgmt(&self, r: usize) -> String {
        self.lab.ready.regions[r].management.clone()
    }

    pub fn broker(&self, b: usize) -> String {
        self.lab.ready.brokers[b].management.clone()
    }

    pub fn es(&self, r: usize) -> String {
        self.lab.ready.regions[r].elasticsearch.clone()
    }

    /// A request to region `r`'s Elasticsearch, with credentials when the lab demands them.
    pub fn es_request(
        &self,
        method: reqwest::Method,
        r: usize,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.es(r)));
        match &self.lab.ready.regions[r].elasticsearch_auth {
            Some(a) => req.basic_auth(&a.username, Some(&a.password)),
            None => req,
        }
    }

    pub fn control(&self) -> String {
        self.lab.ready.control.clone()
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        let body = serde_json::from_slice(&raw)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw).into_owned()));
        Answer {
            status,
            body,
            raw,
            headers,
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        Self::answer(req.send().await.expect("request reaches the lab")).await
    }

    pub async fn get(&self, url: String) -> Answer {
        self.send(self.http.get(url)).await
    }

    /// REST GET with the lab's credentials.
    pub async fn rest_get(&self, r: usize, path: &str) -> Answer {
        let auth = &self.lab.ready.rest_auth;
        self.send(
            self.http
                .get(format!("{}{path}", self.rest(r)))
                .basic_auth(&auth.username, Some(&auth.password)),
        )
        .await
    }

    pub async fn post(&self, url: String, body: Option<Value>) -> Answer {
        let mut req = self.http.post(url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    pub async fn patch(&self, url: String, body: Value) -> Answer {
        self.send(self.http.patch(url).json(&body)).await
    }

    pub async fn state(&self) -> Value {
        self.get(format!("{}/lab/state", self.control())).await.body
    }

    pub async fn control_post(&self, path: &str) -> Value {
        let a = self.post(format!("{}{path}", self.control()), None).await;
        assert_eq!(a.status, 200, "control {path}: {:?}", a.body);
        a.body
    }

    /// Waits for the change `id` to be neither pending nor anything but COMPLETED.
    pub async fn wait_change_completed(&self, mgmt: &str, id: i64) -> Value {
        wait_until(&format!("change {id} to complete"), DEADLINE, || async {
            let c = self.get(format!("{mgmt}/actuator/cluster")).await;
            let last_id = c.body["lastChange"]["id"].as_i64();
            let done = c.status == 200
                && c.body.get("pendingChange").is_none()
                && last_id.is_some_and(|l| l >= id)
                && c.body["lastChange"]["status"] == "COMPLETED";
            if done {
                Ok(c.body)
            } else {
                Err(format!("{} {}", c.status, c.body))
            }
        })
        .await
    }

    /// Region 1 lost; the 8.8 failover calls (force removal, exporter disable) through
    /// region 0, each waited for.
    pub async fn failover_region1_88(&self) {
        let m0 = self.mgmt(0);
        self.control_post("/lab/regions/1/fail").await;
        let body = serde_json::json!({"brokers": {"remove": [1, 3, 5, 7]}});
        let f = self
            .patch(format!("{m0}/actuator/cluster?force=true"), body)
            .await;
        assert_eq!(f.status, 202, "{:?}", f.body);
        self.wait_change_completed(&m0, f.body["changeId"].as_i64().unwrap_or(-1))
            .await;
        let d = self
            .post(
                format!("{m0}/actuator/exporters/camundaregion1/disable"),
                None,
            )
            .await;
        assert_eq!(d.status, 202, "{:?}", d.body);
        self.wait_change_completed(&m0, d.body["changeId"].as_i64().unwrap_or(-1))
            .await;
    }

    pub async fn shutdown(self) {
        self.lab.shutdown().await;
    }
}

/// Ids of partitions that can commit, from `/lab/state`.
/// Waits until the lab's ground truth satisfies `ok`; returns that state.
pub async fn wait_state_until(lab: &TestLab, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    wait_until(what, DEADLINE, || async {
        let s = lab.state().await;
        if ok(&s) {
            Ok(s)
        } else {
            Err(s.to_string().chars().take(400).collect())
        }
    })
    .await
}

pub fn committing(state: &Value) -> Vec<i64> {
    state["partitions"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["has_quorum"] == true)
                .filter_map(|p| p["id"].as_i64())
                .collect()
        })
        .unwrap_or_default()
}
