//! The observation loop: one task per region and source, each with its own timeout, sending
//! its latest answer (or error) to an aggregator that publishes the newest [`Snapshot`].
//! Latest wins; a hanging or black-holed region only delays its own tasks, never the other
//! region's or the consumer, who reads the snapshot whenever it likes.

use crate::api::elasticsearch::{CatIndex, ClusterHealth};
use crate::api::{ClusterTopology, ExporterStatus, PartitionsResponse, TopologyResponse};
use crate::source::http::{self, Auth};
use crate::source::kube::{RegionKube, is_ready};
use crate::source::{ForwardTarget, PortForward, dns};
use crate::config::{Config, Region};
use crate::model::{Obs, PodInfo, Snapshot, Source};
use color_eyre::eyre::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// One source's new answer.
enum Update {
    Topology(u8, Obs<TopologyResponse>),
    Cluster(u8, Box<Obs<ClusterTopology>>),
    Exporters(u8, Obs<Vec<ExporterStatus>>),
    Partitions(u8, i32, Obs<PartitionsResponse>),
    EsHealth(u8, Obs<ClusterHealth>),
    EsIndices(u8, Obs<Vec<CatIndex>>),
    Pods(u8, Obs<Vec<PodInfo>>),
    EsInfo(u8, Box<Obs<crate::api::elasticsearch::ClusterInfo>>),
    EsRepositories(u8, Obs<crate::api::elasticsearch::GetRepositoryResponse>),
    BrokerEnv(u8, Obs<BTreeMap<String, String>>),
    Backups(u8, Obs<Vec<crate::api::backups::BackupInfo>>),
    Dns(Obs<Vec<std::net::IpAddr>>),
}

/// A running observation loop.
pub struct Observer {
    pub snapshot: watch::Receiver<Snapshot>,
    /// Brokers whose partitions are polled, per region, and whether DNS is.
    partitions_polled: [Arc<AtomicUsize>; 2],
    dns_polled: bool,
    tasks: Vec<JoinHandle<()>>,
    /// Port-forwards kept alive while observing.
    _forwards: Vec<Arc<PortForward>>,
}

impl Drop for Observer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Where a region's APIs are reached: a direct URL or a port-forward through its kube context.
pub(crate) struct Endpoints {
    pub rest: Option<String>,
    pub management: Option<String>,
    pub elasticsearch: Option<String>,
    pub kube: Option<RegionKube>,
    /// Resolution problems to report as the sources' errors.
    pub problems: BTreeMap<Source, String>,
}

pub(crate) async fn endpoints(region: &Region, forwards: &mut Vec<Arc<PortForward>>) -> Endpoints {
    let mut problems = BTreeMap::new();
    let kube = match &region.kube {
        Some(k) => match RegionKube::connect(
            &region.label(),
            &k.context,
            &k.namespace,
            &k.release,
            k.kubeconfig.as_deref(),
        )
        .await
        {
            Ok(c) => Some(c),
            Err(e) => {
                for s in [
                    Source::Topology,
                    Source::Cluster,
                    Source::Exporters,
                    Source::ElasticsearchHealth,
                    Source::Pods,
                ] {
                    problems.insert(s, format!("{e:#}"));
                }
                None
            }
        },
        None => None,
    };
    let kube_ref = kube.as_ref();
    let rest = resolve(
        &region.rest_url,
        kube_ref,
        ForwardTarget::Gateway,
        8080,
        forwards,
    )
    .await;
    let management = resolve(
        &region.management_url,
        kube_ref,
        ForwardTarget::Gateway,
        9600,
        forwards,
    )
    .await;
    let elasticsearch = resolve(
        &region.elasticsearch_url,
        kube_ref,
        ForwardTarget::Elasticsearch,
        9200,
        forwards,
    )
    .await;
    let take = |r: Result<Option<String>, String>,
                sources: &[Source],
                problems: &mut BTreeMap<Source, String>| {
        r.unwrap_or_else(|e| {
            for s in sources {
                problems.insert(*s, e.clone());
            }
            None
        })
    };
    Endpoints {
        rest: take(rest, &[Source::Topology], &mut problems),
        management: take(
            management,
            &[Source::Cluster, Source::Exporters],
            &mut problems,
        ),
        elasticsearch: take(
            elasticsearch,
            &[Source::ElasticsearchHealth, Source::ElasticsearchIndices],
            &mut problems,
        ),
        kube,
        problems,
    }
}

/// A direct URL, or a port-forward through the region's kube context, or nothing.
async fn resolve(
    direct: &Option<String>,
    kube: Option<&RegionKube>,
    target: ForwardTarget,
    port: u16,
    forwards: &mut Vec<Arc<PortForward>>,
) -> Result<Option<String>, String> {
    match (direct, kube) {
        (Some(url), _) => Ok(Some(url.trim_end_matches('/').to_string())),
        (None, Some(k)) => match PortForward::start(k.clone(), target, port).await {
            Ok(f) => {
                let url = f.base_url();
                forwards.push(Arc::new(f));
                Ok(Some(url))
            }
            Err(e) => Err(format!("{e:#}")),
        },
        (None, None) => Ok(None),
    }
}

/// Runs `fetch` every `interval`, each under `timeout`, sending what it got.
fn poll<T, F, Fut>(
    interval: Duration,
    timeout: Duration,
    tx: mpsc::Sender<Update>,
    wrap: impl Fn(Obs<T>) -> Update + Send + 'static,
    mut fetch: F,
) -> JoinHandle<()>
where
    T: Send + 'static,
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, String>> + Send,
{
    tokio::spawn(async move {
        let mut next = tokio::time::Instant::now();
        loop {
            let started = Instant::now();
            let value = match tokio::time::timeout(timeout, fetch()).await {
                Ok(v) => v,
                Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
            };
            let obs = Obs {
                at: jiff::Timestamp::now(),
                took: started.elapsed(),
                value,
            };
            if tx.send(wrap(obs)).await.is_err() {
                return;
            }
            next += interval;
            let now = tokio::time::Instant::now();
            if next < now {
                next = now;
            }
            tokio::time::sleep_until(next).await;
        }
    })
}

fn broker_of_pod(release: &str, name: &str, region: u8) -> Option<i32> {
    name.strip_prefix(&format!("{release}-zeebe-"))
        .and_then(|o| o.parse::<i32>().ok())
        .map(|o| o * 2 + i32::from(region))
}

impl Observer {
    /// Starts observing every configured source of both regions.
    pub async fn start(config: &Config) -> Result<Observer> {
        http::install_crypto();
        let timeout = config.poll.timeout();
        let interval = config.poll.interval();
        let slow = config.poll.slow_interval();
        let (tx, mut rx) = mpsc::channel::<Update>(256);
        let mut tasks = vec![];
        let mut forwards = vec![];
        let mut initial = Snapshot::default();
        // Brokers whose partitions are polled; `usize::MAX` until the first pod listing.
        let polled: [Arc<AtomicUsize>; 2] =
            [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];

        for region in &config.regions {
            let r = region.id;
            let ep = endpoints(region, &mut forwards).await;
            let obs = &mut initial.regions[r as usize];
            let http = http::client(timeout, config.tls.ca_file.as_deref())?;
            let rest_auth =
                Auth::rest(region.rest_auth.as_ref().and_then(|a| a.credentials().ok()));
            let es_auth = Auth::elasticsearch(
                region
                    .elasticsearch_auth
                    .as_ref()
                    .and_then(|a| a.credentials().ok()),
            );
            let now = jiff::Timestamp::now();
            for (source, problem) in &ep.problems {
                obs.configured.insert(*source);
                match source {
                    Source::Topology => obs.topology = Some(Obs::failed(now, problem.clone())),
                    Source::Cluster => obs.cluster = Some(Obs::failed(now, problem.clone())),
                    Source::Exporters => obs.exporters = Some(Obs::failed(now, problem.clone())),
                    Source::ElasticsearchHealth => {
                        obs.es_health = Some(Obs::failed(now, problem.clone()))
                    }
                    Source::Pods => obs.pods = Some(Obs::failed(now, problem.clone())),
                    _ => {}
                }
            }
            if let Some(base) = ep.rest.clone() {
                obs.configured.insert(Source::Topology);
                let (http, auth) = (http.clone(), rest_auth.clone());
                tasks.push(poll(
                    interval,
                    timeout,
                    tx.clone(),
                    move |o| Update::Topology(r, o),
                    move || {
                        let (http, auth, base) = (http.clone(), auth.clone(), base.clone());
                        async move { http::get_json(&http, &auth, &base, "/v2/topology").await }
                    },
                ));
            }
            if let Some(base) = ep.management.clone() {
                obs.configured.insert(Source::Cluster);
                obs.configured.insert(Source::Exporters);
                obs.configured.insert(Source::Backups);
                let (h, b) = (http.clone(), base.clone());
                tasks.push(poll(
                    slow,
                    timeout,
                    tx.clone(),
                    move |o| Update::Backups(r, o),
                    move || {
                        let (http, base) = (h.clone(), b.clone());
                        async move {
                            // 8.8+ names the runtime backups backupRuntime; up to 8.7 they are backups.
                            match http::get_json(
                                &http,
                                &Auth::default(),
                                &base,
                                "/actuator/backupRuntime",
                            )
                            .await
                            {
                                Err(e) if e.starts_with("HTTP 404") => {
                                    http::get_json(
                                        &http,
                                        &Auth::default(),
                                        &base,
                                        "/actuator/backups",
                                    )
                                    .await
                                }
                                other => other,
                            }
                        }
                    },
                ));
                let (h, b) = (http.clone(), base.clone());
                tasks.push(poll(
                    interval,
                    timeout,
                    tx.clone(),
                    move |o| Update::Cluster(r, Box::new(o)),
                    move || {
                        let (http, base) = (h.clone(), b.clone());
                        async move {
                            http::get_json(&http, &Auth::default(), &base, "/actuator/cluster")
                                .await
                        }
                    },
                ));
                let (h, b) = (http.clone(), base.clone());
                tasks.push(poll(
                    interval,
                    timeout,
                    tx.clone(),
                    move |o| Update::Exporters(r, o),
                    move || {
                        let (http, base) = (h.clone(), b.clone());
                        async move {
                            http::get_json(&http, &Auth::default(), &base, "/actuator/exporters")
                                .await
                        }
                    },
                ));
            }
            if let Some(base) = ep.elasticsearch.clone() {
                obs.configured.insert(Source::ElasticsearchHealth);
                obs.configured.insert(Source::ElasticsearchIndices);
                let (h, a, b) = (http.clone(), es_auth.clone(), base.clone());
                tasks.push(poll(
                    interval,
                    timeout,
                    tx.clone(),
                    move |o| Update::EsHealth(r, o),
                    move || {
                        let (http, auth, base) = (h.clone(), a.clone(), b.clone());
                        async move { http::get_json(&http, &auth, &base, "/_cluster/health").await }
                    },
                ));
                let (h, a, b) = (http.clone(), es_auth.clone(), base.clone());
                tasks.push(poll(
                    slow,
                    timeout,
                    tx.clone(),
                    move |o| Update::EsIndices(r, o),
                    move || {
                        let (http, auth, base) = (h.clone(), a.clone(), b.clone());
                        async move {
                            http::get_json(&http, &auth, &base, "/_cat/indices?format=json").await
                        }
                    },
                ));
                obs.configured.insert(Source::ElasticsearchInfo);
                obs.configured.insert(Source::SnapshotRepositories);
                let (h, a, b) = (http.clone(), es_auth.clone(), base.clone());
                tasks.push(poll(
                    slow,
                    timeout,
                    tx.clone(),
                    move |o| Update::EsInfo(r, Box::new(o)),
                    move || {
                        let (http, auth, base) = (h.clone(), a.clone(), b.clone());
                        async move { http::get_json(&http, &auth, &base, "/").await }
                    },
                ));
                let (h, a, b) = (http.clone(), es_auth.clone(), base.clone());
                tasks.push(poll(
                    slow,
                    timeout,
                    tx.clone(),
                    move |o| Update::EsRepositories(r, o),
                    move || {
                        let (http, auth, base) = (h.clone(), a.clone(), b.clone());
                        async move { http::get_json(&http, &auth, &base, "/_snapshot").await }
                    },
                ));
            }
            if let Some(kube) = ep.kube.clone() {
                obs.configured.insert(Source::Pods);
                obs.configured.insert(Source::Partitions);
                let k = kube.clone();
                tasks.push(poll(
                    slow,
                    timeout,
                    tx.clone(),
                    move |o| Update::Pods(r, o),
                    move || {
                        let k = k.clone();
                        async move {
                            let pods = k
                                .pods()
                                .list(&Default::default())
                                .await
                                .map_err(|e| format!("listing pods: {e}"))?;
                            Ok(pods
                                .items
                                .iter()
                                .map(|p| pod_info(p, &k.release, r))
                                .collect())
                        }
                    },
                ));
                obs.configured.insert(Source::BrokerStatefulSet);
                let k = kube.clone();
                tasks.push(poll(
                    slow,
                    timeout,
                    tx.clone(),
                    move |o| Update::BrokerEnv(r, o),
                    move || {
                        let k = k.clone();
                        async move { broker_env(&k).await }
                    },
                ));
                // Each broker's own partitions, through a port-forward per broker pod, for
                // every broker pod the region runs (discovered, not assumed).
                polled[r as usize].store(usize::MAX, Ordering::Relaxed);
                tasks.push(tokio::spawn(partitions_per_broker(
                    kube.clone(),
                    r,
                    http.clone(),
                    (interval, timeout, slow),
                    tx.clone(),
                    polled[r as usize].clone(),
                )));
            }
        }

        let mut dns_polled = false;
        if let Some(t) = &config.traffic
            && let Some(host) = t.hostname.clone()
        {
            dns_polled = true;
            let ns = t.nameserver_addr().ok().flatten();
            tasks.push(poll(slow, timeout, tx.clone(), Update::Dns, move || {
                let host = host.clone();
                async move {
                    dns::lookup(&host, ns, timeout)
                        .await
                        .map_err(|e| format!("{e:#}"))
                }
            }));
        }
        drop(tx);

        let (publish, snapshot) = watch::channel(initial);
        tasks.push(tokio::spawn(async move {
            while let Some(update) = rx.recv().await {
                publish.send_modify(|s| apply(s, update));
            }
        }));
        Ok(Observer {
            snapshot,
            partitions_polled: polled,
            dns_polled,
            tasks,
            _forwards: forwards,
        })
    }

    /// Waits (at most `deadline`) for every region's REST topology to be asked again after
    /// `after`, so timings are taken on warm connections and tunnels.
    pub async fn next_round(&mut self, after: &Snapshot, deadline: Duration) -> Snapshot {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let snap = self.snapshot.borrow().clone();
            let newer =
                (0..2).all(
                    |r| match (&after.regions[r].topology, &snap.regions[r].topology) {
                        (Some(a), Some(b)) => b.at > a.at,
                        (None, _) => true,
                        (Some(_), None) => false,
                    },
                );
            if newer {
                return snap;
            }
            if tokio::time::timeout_at(until, self.snapshot.changed())
                .await
                .is_err()
            {
                return self.snapshot.borrow().clone();
            }
        }
    }

    /// Waits until every configured source has answered or failed at least once (or
    /// `deadline` passes), then returns the snapshot.
    pub async fn first_complete(&mut self, deadline: Duration) -> Snapshot {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let snap = self.snapshot.borrow().clone();
            let polled = [0, 1].map(|i| self.partitions_polled[i].load(Ordering::Relaxed));
            let complete = (!self.dns_polled || snap.dns.is_some())
                && snap.regions.iter().enumerate().all(|(i, r)| {
                    r.configured.iter().all(|s| match s {
                        Source::Topology => r.topology.is_some(),
                        Source::Cluster => r.cluster.is_some(),
                        Source::Exporters => r.exporters.is_some(),
                        Source::ElasticsearchHealth => r.es_health.is_some(),
                        Source::ElasticsearchIndices => r.es_indices.is_some(),
                        Source::Pods => r.pods.is_some(),
                        Source::ElasticsearchInfo => r.es_info.is_some(),
                        Source::SnapshotRepositories => r.es_repositories.is_some(),
                        Source::BrokerStatefulSet => r.broker_env.is_some(),
                        Source::Backups => r.backups.is_some(),
                        Source::Partitions => {
                            polled[i] != usize::MAX && r.partitions.len() >= polled[i]
                        }
                    })
                });
            if complete {
                return snap;
            }
            if tokio::time::timeout_at(until, self.snapshot.changed())
                .await
                .is_err()
            {
                return self.snapshot.borrow().clone();
            }
        }
    }
}

/// The broker container's environment from `<release>-zeebe`; secret references are shown
/// as `<secret name/key>`, never resolved.
async fn broker_env(k: &RegionKube) -> Result<BTreeMap<String, String>, String> {
    let name = format!("{}-zeebe", k.release);
    let sts = k
        .statefulsets()
        .get(&name)
        .await
        .map_err(|e| format!("statefulset {name}: {e}"))?;
    let containers = sts
        .spec
        .template
        .spec
        .map(|s| s.containers)
        .unwrap_or_default();
    let env = containers
        .first()
        .and_then(|c| c.env.clone())
        .unwrap_or_default();
    Ok(env
        .into_iter()
        .map(|e| {
            let value = match (e.value, e.value_from.and_then(|v| v.secret_key_ref)) {
                (Some(v), _) => v,
                (None, Some(s)) => format!("<secret {}/{}>", s.name, s.key),
                (None, None) => String::new(),
            };
            (e.name, value)
        })
        .collect())
}

/// A pod as the model needs it.
pub(crate) fn pod_info(p: &k8s_openapi::api::core::v1::Pod, release: &str, r: u8) -> PodInfo {
    let name = p.metadata.name.clone().unwrap_or_default();
    let waiting = p
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.clone());
    let phase = p
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    PodInfo {
        broker: broker_of_pod(release, &name, r),
        ready: is_ready(p),
        status: waiting.unwrap_or(phase),
        ip: p.status.as_ref().and_then(|s| s.pod_ip.clone()),
        name,
    }
}

/// Aborts a task when dropped (a supervisor's children die with it).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Polls `/actuator/partitions` of every broker pod in the region: lists the broker pods every
/// `slow` interval and starts a port-forward and a poll task for each new one.
async fn partitions_per_broker(
    kube: RegionKube,
    r: u8,
    http: reqwest::Client,
    (interval, timeout, slow): (Duration, Duration, Duration),
    tx: mpsc::Sender<Update>,
    count: Arc<AtomicUsize>,
) {
    let mut children: BTreeMap<i32, (AbortOnDrop, Arc<PortForward>)> = BTreeMap::new();
    let selector = "app.kubernetes.io/component=zeebe-broker";
    loop {
        match tokio::time::timeout(
            timeout,
            kube.pods()
                .list(&kube::api::ListParams::default().labels(selector)),
        )
        .await
        {
            Ok(Ok(pods)) => {
                for pod in pods.items {
                    let name = pod.metadata.name.unwrap_or_default();
                    let Some(id) = broker_of_pod(&kube.release, &name, r) else {
                        continue;
                    };
                    if children.contains_key(&id) {
                        continue;
                    }
                    match PortForward::start(
                        kube.clone(),
                        ForwardTarget::Broker(crate::api::BrokerId(id)),
                        9600,
                    )
                    .await
                    {
                        Ok(f) => {
                            let base = f.base_url();
                            let h = http.clone();
                            let task = poll(
                                interval,
                                timeout,
                                tx.clone(),
                                move |o| Update::Partitions(r, id, o),
                                move || {
                                    let (http, base) = (h.clone(), base.clone());
                                    async move {
                                        http::get_json(
                                            &http,
                                            &Auth::default(),
                                            &base,
                                            "/actuator/partitions",
                                        )
                                        .await
                                    }
                                },
                            );
                            children.insert(id, (AbortOnDrop(task), Arc::new(f)));
                        }
                        Err(e) => {
                            let obs = Obs::failed(jiff::Timestamp::now(), format!("{e:#}"));
                            if tx.send(Update::Partitions(r, id, obs)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }
            // The pod list is the Pods source's to report; partitions just try again.
            Ok(Err(e)) => {
                tracing::debug!(region = r, error = %e, "listing broker pods for partitions")
            }
            Err(_) => tracing::debug!(region = r, "listing broker pods for partitions timed out"),
        }
        count.store(children.len(), Ordering::Relaxed);
        tokio::time::sleep(slow).await;
    }
}

fn apply(s: &mut Snapshot, u: Update) {
    match u {
        Update::Topology(r, o) => s.regions[r as usize].topology = Some(o),
        Update::Cluster(r, o) => s.regions[r as usize].cluster = Some(*o),
        Update::Exporters(r, o) => s.regions[r as usize].exporters = Some(o),
        Update::Partitions(r, b, o) => {
            s.regions[r as usize].partitions.insert(b, o);
        }
        Update::EsHealth(r, o) => s.regions[r as usize].es_health = Some(o),
        Update::EsIndices(r, o) => s.regions[r as usize].es_indices = Some(o),
        Update::Pods(r, o) => s.regions[r as usize].pods = Some(o),
        Update::EsInfo(r, o) => s.regions[r as usize].es_info = Some(*o),
        Update::EsRepositories(r, o) => s.regions[r as usize].es_repositories = Some(o),
        Update::BrokerEnv(r, o) => s.regions[r as usize].broker_env = Some(o),
        Update::Backups(r, o) => s.regions[r as usize].backups = Some(o),
        Update::Dns(o) => s.dns = Some(o),
    }
}

/// Sources configured in a snapshot, for `c8dr info`.
pub fn configured(s: &Snapshot) -> [BTreeSet<Source>; 2] {
    [
        s.regions[0].configured.clone(),
        s.regions[1].configured.clone(),
    ]
}
