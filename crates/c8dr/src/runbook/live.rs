//! The executor over the real clients: facts are one fresh read of every source of both
//! regions (the same endpoints, port-forwards and model as the dashboard, never a cached
//! snapshot: a step decides on what is true now), plus what only the runbook asks (the
//! snapshot repository, the run's snapshot, the webapps' Deployments or profiles).

use super::answer::{Answer, SendError};
use super::check::{EsFacts, Facts};
use super::gate::Approved;
use super::gate::Executor;
use super::plan::{Api, Request, Scale};
use crate::api::elasticsearch::{CatIndex, ClusterHealth, GetSnapshotsResponse};
use crate::api::{ClusterTopology, ExporterStatus, TopologyResponse};
use crate::client::http::{self, Auth};
use crate::client::{PortForward, RegionKube, dns};
use crate::config::Config;
use crate::model::{ClusterView, ModelConfig, Obs, RegionObservations, Snapshot, Source};
use crate::observe::{Endpoints, endpoints, pod_info};
use color_eyre::eyre::Result;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct RegionIo {
    ep: Endpoints,
    rest_auth: Auth,
    es_auth: Auth,
}

pub struct Live {
    model: ModelConfig,
    http: reqwest::Client,
    /// For mutating requests: their own timeout (minutes, not the poll's seconds).
    mutating_http: reqwest::Client,
    /// For requests that wait server-side (snapshot, restore).
    long_http: reqwest::Client,
    timeout: Duration,
    regions: Vec<RegionIo>,
    dns: Option<(String, Option<std::net::SocketAddr>)>,
    repository: String,
    /// The failback's snapshot; `None` (a failover) skips the snapshot and index reads.
    snapshot: Option<String>,
    prev: Option<ClusterView>,
    _forwards: Vec<Arc<PortForward>>,
}

impl Live {
    /// Resolves both regions' endpoints (direct URLs or port-forwards), as the observer does.
    pub async fn connect(config: &Config, snapshot: Option<&str>) -> Result<Live> {
        http::install_crypto();
        let timeout = config.poll.timeout();
        let mut forwards = vec![];
        let mut regions = vec![];
        for id in 0..2u8 {
            let Some(region) = config.region(id) else {
                color_eyre::eyre::bail!("no region {id} in the configuration");
            };
            let ep = endpoints(region, &mut forwards).await;
            regions.push(RegionIo {
                ep,
                rest_auth: Auth::rest(region.rest_auth.as_ref().and_then(|a| a.credentials().ok())),
                es_auth: Auth::elasticsearch(
                    region
                        .elasticsearch_auth
                        .as_ref()
                        .and_then(|a| a.credentials().ok()),
                ),
            });
        }
        Ok(Live {
            model: ModelConfig::from_config(config),
            http: http::client(timeout, config.tls.ca_file.as_deref())?,
            mutating_http: http::client(
                config.runbook.request_timeout(),
                config.tls.ca_file.as_deref(),
            )?,
            long_http: http::client(config.runbook.step_timeout(), config.tls.ca_file.as_deref())?,
            timeout,
            regions,
            dns: config.traffic.as_ref().and_then(|t| {
                t.hostname
                    .clone()
                    .map(|h| (h, t.nameserver_addr().ok().flatten()))
            }),
            repository: config.runbook.snapshot_repository.clone(),
            snapshot: snapshot.map(str::to_string),
            prev: None,
            _forwards: forwards,
        })
    }

    fn base(&self, api: Api, region: u8) -> Option<&String> {
        let ep = &self.regions[region as usize].ep;
        match api {
            Api::Management => ep.management.as_ref(),
            Api::Elasticsearch => ep.elasticsearch.as_ref(),
        }
    }
}

async fn timed<T>(timeout: Duration, f: impl Future<Output = Result<T, String>>) -> Obs<T> {
    let started = Instant::now();
    let value = match tokio::time::timeout(timeout, f).await {
        Ok(v) => v,
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    };
    Obs {
        at: jiff::Timestamp::now(),
        took: started.elapsed(),
        value,
    }
}

fn missing(e: &str) -> bool {
    e.starts_with("HTTP 404")
}

/// Operate and Tasklist running: 8.8+ from the profiles in the unified ConfigMap, up to 8.7
/// from their Deployments (absent or at 0 replicas: off).
async fn webapps(k: &RegionKube) -> Result<bool, String> {
    let cm = format!("{}-zeebe-configuration-unified", k.release);
    match k.configmaps().get_opt(&cm).await {
        Ok(Some(c)) => {
            let text: String = c.data.unwrap_or_default().into_values().collect();
            let active = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("active:"))
                .unwrap_or_default()
                .to_string();
            return Ok(active.contains("operate") && active.contains("tasklist"));
        }
        Ok(None) => {}
        Err(e) => return Err(format!("configmap {cm}: {e}")),
    }
    let mut on = true;
    for w in ["operate", "tasklist"] {
        let name = format!("{}-{w}", k.release);
        match k.deployments().get_opt(&name).await {
            Ok(Some(d)) => {
                let want = d.spec.replicas.unwrap_or(1);
                let ready = d.status.and_then(|s| s.ready_replicas).unwrap_or(0);
                on &= want > 0 && ready >= want;
            }
            Ok(None) => on = false,
            Err(e) => return Err(format!("deployment {name}: {e}")),
        }
    }
    Ok(on)
}

impl Live {
    async fn read_region(&self, r: u8) -> (RegionObservations, EsFacts, Option<bool>) {
        let io = &self.regions[r as usize];
        let ep = &io.ep;
        let t = self.timeout;
        let (http, rest_auth, es_auth) = (&self.http, &io.rest_auth, &io.es_auth);
        let none = Auth::default();
        let get = |base: &Option<String>, auth: &Auth, path: String| {
            let base = base.clone();
            let auth = auth.clone();
            async move {
                match base {
                    Some(b) => {
                        Some(http::get_json::<serde_json::Value>(http, &auth, &b, &path).await)
                    }
                    None => None,
                }
            }
        };
        let repo = self.repository.clone();
        let snap = self.snapshot.clone().unwrap_or_default();
        // Only a failback asks for indices, the repository and its snapshot.
        let es_runbook = if self.snapshot.is_some() {
            ep.elasticsearch.clone()
        } else {
            None
        };
        let (topology, cluster, exporters, health, indices, repository, snapshot, pods, apps) = tokio::join!(
            timed(t, async {
                get(&ep.rest, rest_auth, "/v2/topology".into())
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                get(&ep.management, &none, "/actuator/cluster".into())
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                get(&ep.management, &none, "/actuator/exporters".into())
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                get(&ep.elasticsearch, es_auth, "/_cluster/health".into())
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                get(&es_runbook, es_auth, "/_cat/indices?format=json".into())
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                get(&es_runbook, es_auth, format!("/_snapshot/{repo}"))
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                get(&es_runbook, es_auth, format!("/_snapshot/{repo}/{snap}"))
                    .await
                    .unwrap_or(Err(String::new()))
            }),
            timed(t, async {
                match &ep.kube {
                    Some(k) => k
                        .pods()
                        .list(&Default::default())
                        .await
                        .map(|l| {
                            l.items
                                .iter()
                                .map(|p| pod_info(p, &k.release, r))
                                .collect::<Vec<_>>()
                        })
                        .map_err(|e| format!("listing pods: {e}")),
                    None => Err(String::new()),
                }
            }),
            timed(t, async {
                match &ep.kube {
                    Some(k) => webapps(k).await,
                    None => Err(String::new()),
                }
            }),
        );
        fn parse<T: serde::de::DeserializeOwned>(o: Obs<serde_json::Value>) -> Obs<T> {
            Obs {
                at: o.at,
                took: o.took,
                value: o.value.and_then(|v| {
                    serde_json::from_value(v).map_err(|e| format!("unreadable answer: {e}"))
                }),
            }
        }
        let mut obs = RegionObservations::default();
        // Sources that are not configured stay unset (not "failed").
        let configured = |o: &Obs<serde_json::Value>| !matches!(&o.value, Err(e) if e.is_empty());
        let problem = |s: Source| ep.problems.get(&s).cloned();
        let with_problem = |s: Source, o: Obs<serde_json::Value>| -> Obs<serde_json::Value> {
            match (problem(s), &o.value) {
                (Some(p), Err(e)) if e.is_empty() => Obs { value: Err(p), ..o },
                _ => o,
            }
        };
        let topology = with_problem(Source::Topology, topology);
        let cluster = with_problem(Source::Cluster, cluster);
        let exporters = with_problem(Source::Exporters, exporters);
        let health = with_problem(Source::ElasticsearchHealth, health);
        if configured(&topology) {
            obs.configured.insert(Source::Topology);
            obs.topology = Some(parse::<TopologyResponse>(topology));
        }
        if configured(&cluster) {
            obs.configured.insert(Source::Cluster);
            obs.cluster = Some(parse::<ClusterTopology>(cluster));
        }
        if configured(&exporters) {
            obs.configured.insert(Source::Exporters);
            obs.exporters = Some(parse::<Vec<ExporterStatus>>(exporters));
        }
        if configured(&health) {
            obs.configured.insert(Source::ElasticsearchHealth);
            obs.es_health = Some(parse::<ClusterHealth>(health));
        }
        let mut es = EsFacts::default();
        if configured(&indices) {
            let parsed = parse::<Vec<CatIndex>>(indices);
            es.indices = parsed
                .value
                .as_ref()
                .ok()
                .map(|v| v.iter().map(|i| (i.index.clone(), i.docs())).collect());
            es.indices_error = parsed.value.as_ref().err().map(|e| crate::text::clean(e));
            obs.configured.insert(Source::ElasticsearchIndices);
            obs.es_indices = Some(parsed);
        }
        es.repository = match &repository.value {
            Ok(_) => Some(true),
            Err(e) if missing(e) => Some(false),
            Err(_) => None,
        };
        if configured(&snapshot) {
            es.snapshot = Some(match parse::<GetSnapshotsResponse>(snapshot).value {
                Ok(s) => Ok(s.snapshots.into_iter().next()),
                Err(e) if missing(&e) => Ok(None),
                Err(e) => Err(e),
            });
        }
        match pods.value {
            Err(e) if e.is_empty() => {}
            value => {
                obs.configured.insert(Source::Pods);
                obs.pods = Some(Obs {
                    at: pods.at,
                    took: pods.took,
                    value,
                });
            }
        }
        let apps = apps.value.ok();
        (obs, es, apps)
    }
}

impl Executor for Live {
    async fn facts(&mut self) -> Facts {
        // Boxed: the reads are large futures, and the engine awaits them in many places.
        let ((o0, e0, w0), (o1, e1, w1), dns) = tokio::join!(
            Box::pin(self.read_region(0)),
            Box::pin(self.read_region(1)),
            Box::pin(async {
                match &self.dns {
                    Some((host, ns)) => Some(
                        timed(self.timeout, async {
                            dns::lookup(host, *ns, self.timeout)
                                .await
                                .map_err(|e| format!("{e:#}"))
                        })
                        .await,
                    ),
                    None => None,
                }
            })
        );
        let snap = Snapshot {
            regions: [o0, o1],
            dns,
        };
        let now = jiff::Timestamp::now();
        let view = crate::model::derive(&snap, &self.model, now, self.prev.as_ref());
        self.prev = Some(view.clone());
        Facts {
            view,
            es: [e0, e1],
            webapps: [w0, w1],
            run: Default::default(),
        }
    }

    async fn send(&mut self, req: &Request, _approved: &Approved) -> Result<Answer, SendError> {
        let Some(base) = self.base(req.api, req.region).cloned() else {
            return Err(SendError::NotSent(format!(
                "region{}: no {} endpoint configured",
                req.region,
                match req.api {
                    Api::Management => "management",
                    Api::Elasticsearch => "Elasticsearch",
                }
            )));
        };
        let client = if req.long {
            &self.long_http
        } else {
            &self.mutating_http
        };
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| SendError::NotSent(format!("method {}: {e}", req.method)))?;
        let mut rb = client.request(method, format!("{base}{}", req.path));
        if let Some(body) = &req.body {
            rb = rb.json(body);
        }
        let auth = match req.api {
            Api::Management => Auth::default(),
            Api::Elasticsearch => self.regions[req.region as usize].es_auth.clone(),
        };
        let rb = auth.apply(client, rb).await.map_err(SendError::NotSent)?;
        let resp = rb.send().await.map_err(|e| {
            // Only a connection that was never made proves the request did not arrive.
            if e.is_connect() {
                SendError::NotSent(http::describe(&e))
            } else {
                SendError::Unknown(http::describe(&e))
            }
        })?;
        let status = resp.status().as_u16();
        let body = http::read_capped(resp).await.map_err(|e| {
            SendError::Unknown(format!("HTTP {status}, but reading the answer failed: {e}"))
        })?;
        Ok(Answer { status, body })
    }

    async fn scale(&mut self, s: &Scale, _approved: &Approved) -> Result<(), String> {
        let Some(k) = self.regions[s.region as usize].ep.kube.clone() else {
            return Err(format!("region{}: no [regions.kube] configured", s.region));
        };
        let patch = kube::api::Patch::Merge(serde_json::json!({"spec": {"replicas": s.replicas}}));
        k.deployments()
            .patch_scale(&s.deployment, &kube::api::PatchParams::default(), &patch)
            .await
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", k.label))
    }

    async fn delete_pod(
        &mut self,
        region: u8,
        pod: &str,
        _approved: &Approved,
    ) -> Result<(), String> {
        let Some(k) = self.regions[region as usize].ep.kube.clone() else {
            return Err(format!("region{region}: no [regions.kube] configured"));
        };
        k.pods()
            .delete(pod, &kube::api::DeleteParams::default())
            .await
            .map(|_| ())
            .map_err(|e| format!("{}: deleting pod {pod}: {e}", k.label))
    }

    fn target(&self, req: &Request) -> String {
        match self.base(req.api, req.region) {
            Some(b) => format!("{b}{}", req.path),
            None => format!("region{}:{}", req.region, req.path),
        }
    }
}
