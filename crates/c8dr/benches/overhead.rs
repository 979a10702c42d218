//! c8dr's overhead over the raw API (issue 18 §1): on one in-process lab per Camunda family at
//! a fixed speed, the failover and the failback of region 1, once as the documented raw API
//! sequence and once as c8dr's runbook; prints per procedure and family the raw time, c8dr's
//! time and their ratio, the median of several runs each.
//!
//! - **Raw** (`raw` below): the calls of dual-region-procedure.md §4.2/§4.3 (8.7) and §4.4–§4.6
//!   (8.8, 8.9, 8.10) sent directly with reqwest to the survivor's gateway and the regions'
//!   Elasticsearch, each waited for as the docs' scripts wait: `GET /actuator/cluster` until
//!   no `pendingChange` and `lastChange` COMPLETED (and at least the 202's `changeId`),
//!   `GET /actuator/exporters` until the exporter has its new state, exporting pause/resume
//!   retried until 204 (or 200 with body `status` 204), the topology until the recreated
//!   brokers are listed, the snapshot and restore until SUCCESS. The Helm, kubectl and DNS
//!   parts go through the lab's control API as `LabOperator` does them; a Helm upgrade that
//!   rolls the brokers (8.8+) is waited for as `kubectl rollout status` would, through the
//!   lab's ground truth. The script polls every `OVERHEAD_POLL_MS` (100 ms): a tight script,
//!   far faster than the blueprint tests' 15 s, so the raw time is the cluster's own pace.
//! - **c8dr**: the library Runner with the Live executor and the gate (journal, audit), the
//!   lab playing the operator (`common::run_c8dr`, as `benches/runbook.rs`). Measured from
//!   reading the facts (`session::prepare`) to the run's end. The run lease the CLI takes
//!   first (`act::session::claim`, a Kubernetes Lease) is NOT taken: this measures the
//!   runbook, not the lease.
//!
//! Each timing starts after the region was failed (failover) or recreated (failback, the
//! operator's `helm install` of FB-1), on a fresh lab per run and side.
//!
//! Families 8.7, 8.8, 8.9, 8.10 numbered, and 8.10 zone-aware (`--zones london,paris`: the
//! zone removed and added back by name, `DELETE|POST /actuator/cluster/zones/{zone}`).
//!
//! `cargo bench --bench overhead [-- --speed 20 --runs 3]`; also `OVERHEAD_SPEED`,
//! `OVERHEAD_RUNS`, `OVERHEAD_POLL_MS`, `OVERHEAD_FAMILIES=8.7,8.10`, `OVERHEAD_ZONES=0`, and
//! `OVERHEAD_STEPS=1`: where each run's time went (the raw script's parts as milliseconds
//! since it started, c8dr's steps from its journal).

#[path = "common/mod.rs"]
mod common;

use c8dr::config::Config;
use c8dr::runbook::plan::Procedure;
use c8dr_lab::sim::Camunda;
use c8dr_lab::{Lab, Options};
use color_eyre::eyre::{Result, bail, eyre};
use common::{median, run_c8dr};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The raw API script's view of the lab: URLs, credentials, how it polls.
struct Raw {
    http: reqwest::Client,
    camunda: Camunda,
    brokers: u32,
    control: String,
    /// The survivor's (region 0) management API and REST API.
    mgmt: String,
    rest: String,
    rest_auth: Option<(String, String)>,
    /// Each region's Elasticsearch and its `elastic` user (8.9+, ECK).
    es: Vec<(String, Option<(String, String)>)>,
    poll: Duration,
    /// 8.10 zone-aware: region 1's zone, and the layout it had (replicas, priority, brokers),
    /// read before the failover removes it (as the ECS `failover.sh` keeps it for failback).
    zone: Option<String>,
    layout: std::sync::Mutex<Option<Value>>,
    /// `OVERHEAD_STEPS=1`: when each part of the script finished (ms since it started).
    marks: std::sync::Mutex<Option<(Instant, Vec<String>)>>,
}

/// How long any one wait may take (real time) before the script gives up.
const DEADLINE: Duration = Duration::from_secs(120);

impl Raw {
    fn new(lab: &Lab, camunda: Camunda, brokers: u32, poll: Duration) -> Result<Raw> {
        let r = &lab.ready;
        let s = r.regions.first().ok_or_else(|| eyre!("no region 0"))?;
        Ok(Raw {
            // c8dr's client builder only for its TLS set-up (the crypto provider); plain HTTP.
            http: c8dr::source::http::client(Duration::from_secs(30), None)?,
            camunda,
            brokers,
            control: r.control.clone(),
            mgmt: s.management.clone(),
            rest: s.rest.clone(),
            rest_auth: (!camunda.family87())
                .then(|| (r.rest_auth.username.clone(), r.rest_auth.password.clone())),
            es: r
                .regions
                .iter()
                .map(|g| {
                    (
                        g.elasticsearch.clone(),
                        g.elasticsearch_auth
                            .as_ref()
                            .map(|a| (a.username.clone(), a.password.clone())),
                    )
                })
                .collect(),
            poll: poll.max(Duration::from_millis(1)),
            zone: r.regions.get(1).and_then(|g| g.zone.clone()),
            layout: std::sync::Mutex::new(None),
            marks: std::sync::Mutex::new(None),
        })
    }

    /// Starts the script's marks (`OVERHEAD_STEPS=1`).
    fn start_marks(&self) {
        if std::env::var("OVERHEAD_STEPS").is_ok_and(|v| v != "0")
            && let Ok(mut m) = self.marks.lock()
        {
            *m = Some((Instant::now(), vec![]));
        }
    }

    /// `what` is done: noted with the time since the script started.
    fn mark(&self, what: &str) {
        if let Ok(mut m) = self.marks.lock()
            && let Some((t, v)) = m.as_mut()
        {
            v.push(format!("{what} @{}", t.elapsed().as_millis()));
        }
    }

    /// The marks so far, and no more marking.
    fn take_marks(&self) -> Option<String> {
        let mut m = self.marks.lock().ok()?;
        m.take().map(|(_, v)| v.join(" "))
    }

    fn ids(&self, region: u32) -> Vec<u32> {
        (0..self.brokers).filter(|i| i % 2 == region).collect()
    }

    fn exporter(&self, region: u8) -> String {
        if self.camunda.family87() {
            format!("elasticsearchregion{region}")
        } else {
            format!("camundaregion{region}")
        }
    }

    /// One request: status and JSON body (null when not JSON).
    async fn call(
        &self,
        method: Method,
        url: &str,
        auth: Option<&(String, String)>,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let mut req = self.http.request(method, url);
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// A mutating management call, retried on connection errors and 5xx as the blueprint
    /// tests' `GatewayManagementMutate` does (8 tries); returns the 202's `changeId`.
    async fn mutate(&self, method: Method, path: &str, body: Option<Value>) -> Result<Option<i64>> {
        let url = format!("{}{path}", self.mgmt);
        let mut last = String::new();
        for _ in 0..8 {
            match self.call(method.clone(), &url, None, body.as_ref()).await {
                Ok((s, b)) if (200..300).contains(&s) => return Ok(b["changeId"].as_i64()),
                Ok((s, b)) if s < 500 => bail!("{method} {path}: {s} {b}"),
                Ok((s, b)) => last = format!("{s} {b}"),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(self.poll).await;
        }
        bail!("{method} {path}: {last}")
    }

    /// Polls until `done` accepts what `read` returns.
    async fn wait<F, Fut>(
        &self,
        what: &str,
        read: F,
        done: impl Fn(&Value) -> Result<bool>,
    ) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(u16, Value)>>,
    {
        let start = Instant::now();
        loop {
            if let Ok((200, v)) = read().await
                && done(&v)?
            {
                return Ok(());
            }
            if start.elapsed() > DEADLINE {
                bail!("waiting for {what}: gave up");
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// `GET /actuator/cluster` until no change is pending and the last one (at least
    /// `change`) COMPLETED.
    async fn change_done(&self, change: Option<i64>) -> Result<()> {
        let url = format!("{}/actuator/cluster", self.mgmt);
        self.wait(
            "the cluster change",
            || self.call(Method::GET, &url, None, None),
            |c| {
                let last = &c["lastChange"];
                if matches!(last["status"].as_str(), Some("FAILED" | "CANCELLED"))
                    && last["id"].as_i64() >= change
                {
                    bail!("change {change:?}: {last}");
                }
                Ok(c["pendingChange"].is_null()
                    && last["status"] == "COMPLETED"
                    && last["id"].as_i64() >= change)
            },
        )
        .await
    }

    /// `GET /actuator/exporters` until `id` has `status`.
    async fn exporter_is(&self, id: &str, status: &str) -> Result<()> {
        let url = format!("{}/actuator/exporters", self.mgmt);
        self.wait(
            "the exporter",
            || self.call(Method::GET, &url, None, None),
            |v| {
                Ok(v.as_array().is_some_and(|a| {
                    a.iter()
                        .any(|e| e["exporterId"] == id && e["status"] == status)
                }))
            },
        )
        .await
    }

    /// `POST /actuator/exporting/{op}` until it succeeds: 204, or 200 with body status 204
    /// (§3.6); the tests retry a 500 ("partition distribution may take a while").
    async fn exporting(&self, op: &str) -> Result<()> {
        let url = format!("{}/actuator/exporting/{op}", self.mgmt);
        self.wait(
            "exporting",
            || async {
                let (s, b) = self.call(Method::POST, &url, None, None).await?;
                // Folded into the `wait` shape: a success reads as 200 + true.
                let ok = s == 204 || (s == 200 && b["status"] == 204);
                Ok((200, Value::Bool(ok)))
            },
            |v| Ok(v == &Value::Bool(true)),
        )
        .await
    }

    /// The lab plays the operator's Helm/kubectl/DNS: a control API POST.
    async fn lab(&self, path: &str) -> Result<()> {
        let resp = self
            .http
            .post(format!("{}{path}", self.control))
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("{path}: {}", resp.status());
        }
        Ok(())
    }

    /// `kubectl rollout status` of region `r`'s brokers after a Helm upgrade (8.8+ rolls
    /// them), read from the lab's ground truth.
    async fn rolled_out(&self, r: usize) -> Result<()> {
        let url = format!("{}/lab/state", self.control);
        self.wait(
            "the roll-out",
            || self.call(Method::GET, &url, None, None),
            |s| {
                let w = &s["webapps"][r];
                Ok(w["active"] == w["target"] && w["rolling"] == false)
            },
        )
        .await
    }

    /// An Elasticsearch call in region `r`, answered 2xx.
    async fn es(&self, r: usize, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let (url, auth) = &self.es[r];
        let (s, b) = self
            .call(
                method.clone(),
                &format!("{url}{path}"),
                auth.as_ref(),
                body.as_ref(),
            )
            .await?;
        if !(200..300).contains(&s) {
            bail!("{method} {path} in region {r}: {s} {b}");
        }
        Ok(b)
    }

    /// Polls an Elasticsearch GET in region `r` until `done`.
    async fn es_until(&self, r: usize, path: &str, done: impl Fn(&Value) -> bool) -> Result<()> {
        let (url, auth) = &self.es[r];
        let url = format!("{url}{path}");
        self.wait(
            path,
            || self.call(Method::GET, &url, auth.as_ref(), None),
            |v| Ok(done(v)),
        )
        .await
    }

    async fn es_green(&self, r: usize) -> Result<()> {
        self.es_until(r, "/_cluster/health", |h| h["status"] == "green")
            .await
    }

    /// FO-1, FO-2 and the DNS change of region 1's loss (§4.2 / §4.4).
    async fn failover(&self) -> Result<()> {
        let change = if let Some(zone) = &self.zone {
            // Zone-aware (8.10): the zone's layout kept, then the zone force-removed by name.
            let (_, c) = self
                .call(
                    Method::GET,
                    &format!("{}/actuator/cluster", self.mgmt),
                    None,
                    None,
                )
                .await?;
            let z = c["partitioning"]["zones"]
                .as_array()
                .and_then(|a| a.iter().find(|z| z["name"] == zone.as_str()).cloned())
                .ok_or_else(|| eyre!("zone {zone} not in the layout: {c}"))?;
            let prefix = format!("{zone}_");
            let brokers = c["brokers"].as_array().map_or(0, |b| {
                b.iter()
                    .filter(|b| b["id"].as_str().is_some_and(|id| id.starts_with(&prefix)))
                    .count()
            });
            *self.layout.lock().map_err(|_| eyre!("poisoned"))? = Some(json!({
                "numberOfReplicas": z["numberOfReplicas"],
                "priority": z["priority"],
                "numberOfBrokers": brokers,
            }));
            self.mutate(
                Method::DELETE,
                &format!("/actuator/cluster/zones/{zone}?force=true"),
                None,
            )
            .await?
        } else if self.camunda.family87() {
            let keep: Vec<String> = self.ids(0).iter().map(u32::to_string).collect();
            self.mutate(
                Method::POST,
                "/actuator/cluster/brokers?force=true",
                Some(json!(keep)),
            )
            .await?
        } else {
            self.mutate(
                Method::PATCH,
                "/actuator/cluster?force=true",
                Some(json!({"brokers": {"remove": self.ids(1)}})),
            )
            .await?
        };
        self.change_done(change).await?;
        self.mark("FO-1");
        let lost = self.exporter(1);
        let change = self
            .mutate(
                Method::POST,
                &format!("/actuator/exporters/{lost}/disable"),
                None,
            )
            .await?;
        self.exporter_is(&lost, "DISABLED").await?;
        self.change_done(change).await?;
        self.mark("FO-2");
        self.lab("/lab/traffic/0").await?;
        self.mark("FO-3");
        Ok(())
    }

    /// FB-1 … FB-7/8 of recreated region 1 (§4.2 / §4.4, §4.5's ECK prerequisites).
    async fn failback(&self) -> Result<()> {
        let v87 = self.camunda.family87();
        // FB-1 (8.9+: ECK's Elasticsearch Ready, then the passwords synced): the recreated
        // region's Elasticsearch up and its brokers listed in the topology.
        self.es_green(1).await?;
        if self.es[1].1.is_some() {
            self.lab("/lab/elasticsearch/passwords/sync").await?;
        }
        let topology = format!("{}/v2/topology", self.rest);
        let all = self.brokers as usize;
        self.wait(
            "the recreated brokers in the topology",
            || self.call(Method::GET, &topology, self.rest_auth.as_ref(), None),
            |t| Ok(t["brokers"].as_array().is_some_and(|b| b.len() == all)),
        )
        .await?;
        self.mark("FB-1");
        // FB-2: the survivor's webapps off (8.7 scales; 8.8+ a Helm upgrade that rolls).
        self.lab("/lab/regions/0/webapps/off").await?;
        if !v87 {
            self.rolled_out(0).await?;
        }
        self.exporting("pause").await?;
        self.mark("FB-2 paused");
        // FB-3 (8.7) / FB-4: snapshot the survivor, restore in the recreated region (§2.7).
        let repo = json!({"type": "s3", "settings": c8dr_lab::sim::default_repository()});
        let global = (!v87).then(|| json!({"include_global_state": true}));
        self.es(
            0,
            Method::PUT,
            "/_snapshot/camunda_backup",
            Some(repo.clone()),
        )
        .await?;
        self.es(
            0,
            Method::PUT,
            "/_snapshot/camunda_backup/failback?wait_for_completion=true",
            global.clone(),
        )
        .await?;
        self.es_until(0, "/_snapshot/camunda_backup/_all", |v| {
            v["snapshots"][0]["state"] == "SUCCESS"
        })
        .await?;
        self.mark("snapshot");
        self.es(1, Method::PUT, "/_snapshot/camunda_backup", Some(repo))
            .await?;
        self.es(
            1,
            Method::POST,
            "/_snapshot/camunda_backup/failback/_restore?wait_for_completion=true",
            global,
        )
        .await?;
        self.es_until(1, "/_snapshot/camunda_backup/failback/_status", |v| {
            v["snapshots"][0]["state"] == "SUCCESS"
        })
        .await?;
        self.mark("restore");
        if !v87 {
            self.es_green(0).await?;
            self.es_green(1).await?;
        } else {
            // FB-4 (8.7): the webapps back in both regions.
            self.lab("/lab/regions/0/webapps/on").await?;
            self.lab("/lab/regions/1/webapps/on").await?;
        }
        // FB-5: the recreated region's exporter, initialized from the survivor's.
        let (lost, from) = (self.exporter(1), self.exporter(0));
        let change = self
            .mutate(
                Method::POST,
                &format!("/actuator/exporters/{lost}/enable"),
                Some(json!({"initializeFrom": from})),
            )
            .await?;
        self.exporter_is(&lost, "ENABLED").await?;
        self.change_done(change).await?;
        self.mark("FB-5");
        // FB-6.
        self.exporting("resume").await?;
        self.mark("FB-6");
        // FB-7: the brokers back, RF 4 (never forced: camunda/camunda-docs#9432).
        let layout = self.layout.lock().map_err(|_| eyre!("poisoned"))?.clone();
        let change = if let (Some(zone), Some(layout)) = (&self.zone, layout) {
            // Zone-aware: the zone added back with the layout it had (its priority is below
            // the survivor's on this lab, so no rebalance follows).
            self.mutate(
                Method::POST,
                &format!("/actuator/cluster/zones/{zone}"),
                Some(layout),
            )
            .await?
        } else if v87 {
            let all: Vec<String> = (0..self.brokers).map(|i| i.to_string()).collect();
            self.mutate(
                Method::POST,
                "/actuator/cluster/brokers?replicationFactor=4",
                Some(json!(all)),
            )
            .await?
        } else {
            self.mutate(
                Method::PATCH,
                "/actuator/cluster",
                Some(json!({"brokers": {"add": self.ids(1)}, "partitions": {"replicationFactor": 4}})),
            )
            .await?
        };
        self.change_done(change).await?;
        self.mark("FB-7");
        if !v87 {
            // FB-8: the webapps back in both regions (Helm upgrades that roll the brokers).
            self.lab("/lab/regions/0/webapps/on").await?;
            self.lab("/lab/regions/1/webapps/on").await?;
            self.rolled_out(0).await?;
            self.rolled_out(1).await?;
        }
        Ok(())
    }
}

/// The bench's knobs: `--speed`/`--runs` arguments, else the environment.
struct Knobs {
    speed: f64,
    runs: usize,
    poll: Duration,
    families: Vec<Camunda>,
    /// Also the 8.10 zone-aware lab (`--zones london,paris`).
    zones: bool,
}

fn knobs() -> Knobs {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let all = [Camunda::V87, Camunda::V88, Camunda::V89, Camunda::V810];
    let families = match std::env::var("OVERHEAD_FAMILIES") {
        Ok(list) => all
            .into_iter()
            .filter(|c| list.split(',').any(|l| l.trim() == c.label()))
            .collect(),
        Err(_) => all.to_vec(),
    };
    Knobs {
        speed: arg("--speed").unwrap_or_else(|| common::env_or("OVERHEAD_SPEED", 20.0)),
        runs: arg("--runs")
            .map(|r| r as usize)
            .unwrap_or_else(|| common::env_or("OVERHEAD_RUNS", 3))
            .max(1),
        poll: Duration::from_millis(common::env_or("OVERHEAD_POLL_MS", 100)),
        zones: std::env::var("OVERHEAD_ZONES").map_or(true, |v| v != "0")
            && families.contains(&Camunda::V810),
        families,
    }
}

/// A fresh lab with region 1 failed.
async fn lab(camunda: Camunda, zoned: bool, speed: f64) -> Result<Lab> {
    let lab = Lab::start(Options {
        camunda,
        speed,
        zones: zoned.then(|| ["london".to_string(), "paris".to_string()]),
        ..Options::default()
    })
    .await?;
    let http = c8dr::source::http::client(Duration::from_secs(30), None)?;
    http.post(format!("{}/lab/regions/1/fail", lab.ready.control))
        .send()
        .await?
        .error_for_status()?;
    Ok(lab)
}

async fn recreate(lab: &Lab) -> Result<()> {
    c8dr::source::http::client(Duration::from_secs(30), None)?
        .post(format!("{}/lab/regions/1/recreate", lab.ready.control))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// After the raw script (untimed): the lab's ground truth says it really did it — replication
/// factor `rf`, `size` members, region 1's exporter in `exporter` state.
async fn truth(lab: &Lab, rf: u64, size: u64, exporter: &str) -> Result<()> {
    let start = Instant::now();
    loop {
        let s: Value = c8dr::source::http::client(Duration::from_secs(30), None)?
            .get(format!("{}/lab/state", lab.ready.control))
            .send()
            .await?
            .json()
            .await?;
        let exp_ok = s["exporters"].as_array().is_some_and(|a| {
            a.iter().any(|e| {
                e["exporterId"]
                    .as_str()
                    .is_some_and(|id| id.ends_with("region1"))
                    && e["status"] == exporter
            })
        });
        if s["replication_factor"] == rf && s["cluster_size"] == size && exp_ok {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(5) {
            bail!(
                "the raw script left the lab at RF {} size {} exporters {}: expected RF {rf} size {size} {exporter}",
                s["replication_factor"],
                s["cluster_size"],
                s["exporters"]
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One raw run: (failover, failback).
async fn raw_once(camunda: Camunda, zoned: bool, k: &Knobs) -> Result<(Duration, Duration)> {
    let lab = lab(camunda, zoned, k.speed).await?;
    let raw = Raw::new(&lab, camunda, Options::default().brokers, k.poll)?;
    let t = Instant::now();
    raw.start_marks();
    raw.failover().await?;
    let fo = t.elapsed();
    if let Some(m) = raw.take_marks() {
        eprintln!("{} raw failover: {m}", camunda.label());
    }
    truth(&lab, 2, 4, "DISABLED").await?;
    recreate(&lab).await?;
    let t = Instant::now();
    raw.start_marks();
    raw.failback().await?;
    let fb = t.elapsed();
    if let Some(m) = raw.take_marks() {
        eprintln!("{} raw failback: {m}", camunda.label());
    }
    truth(&lab, 4, 8, "ENABLED").await?;
    lab.shutdown().await;
    Ok((fo, fb))
}

/// One c8dr run: (failover, failback) wall times.
async fn c8dr_once(camunda: Camunda, zoned: bool, k: &Knobs) -> Result<(Duration, Duration)> {
    let lab = lab(camunda, zoned, k.speed).await?;
    let dir = tempfile::tempdir()?;
    let config = Config::load(&lab.ready.config)?;
    let fo = run_c8dr(&lab, camunda, &config, dir.path(), Procedure::Failover).await?;
    recreate(&lab).await?;
    let fb = run_c8dr(&lab, camunda, &config, dir.path(), Procedure::Failback).await?;
    lab.shutdown().await;
    Ok((fo.wall, fb.wall))
}

fn main() -> Result<()> {
    let k = knobs();
    let rt = common::runtime()?;
    println!(
        "c8dr overhead over the raw API: lab speed ×{}, median of {} run(s), raw script polls every {:?}",
        k.speed, k.runs, k.poll
    );
    let mut rows = vec![];
    let mut labs: Vec<(Camunda, bool)> = k.families.iter().map(|c| (*c, false)).collect();
    if k.zones {
        labs.push((Camunda::V810, true));
    }
    for (camunda, zoned) in labs {
        let label = format!("{}{}", camunda.label(), if zoned { " zones" } else { "" });
        // [raw fo, raw fb, c8dr fo, c8dr fb]
        let mut t: [Vec<Duration>; 4] = Default::default();
        for _ in 0..k.runs {
            // Interleaved, so that a busy moment of the machine hits both sides alike.
            let (a, b) = rt.block_on(raw_once(camunda, zoned, &k))?;
            let (c, d) = rt.block_on(c8dr_once(camunda, zoned, &k))?;
            for (v, d) in t.iter_mut().zip([a, b, c, d]) {
                v.push(d);
            }
        }
        for (name, raw, ours) in [("failover", &t[0], &t[2]), ("failback", &t[1], &t[3])] {
            let (r, c) = (median(raw), median(ours));
            let row = format!(
                "| {label:<10} | {name} | {:>6.2} s | {:>6.2} s | {:>5.2}× |",
                r.as_secs_f64(),
                c.as_secs_f64(),
                c.as_secs_f64() / r.as_secs_f64().max(1e-9)
            );
            eprintln!("{row}");
            rows.push(row);
        }
    }
    println!("| family | procedure | raw API | c8dr | c8dr / raw |");
    println!("|---|---|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
