//! The executor over the real clients: facts are one fresh read of every source a step
//! decides on, in both regions (the same table of reads, endpoints, port-forwards and model as
//! the dashboard, never a cached snapshot: a step decides on what is true now), plus what only
//! the runbook asks (the snapshot repository, the run's snapshot, the webapps' Deployments or
//! profiles, and for a failback the broker StatefulSet's env, the digests of the Elasticsearch
//! password Secrets and what an earlier install left in the namespace). A wait's re-read
//! (`Executor::read`) asks fresh only what decides the check waited for; the rest is kept
//! from the last read and decides nothing (`runbook::needs`).

use super::lease::LeaseGuard;
use crate::api::elasticsearch::GetSnapshotsResponse;
use crate::api::{PerRegion, Region};
use crate::config::Config;
use crate::model::{ClusterView, ModelConfig, Snapshot, Source};
use crate::runbook::answer::{Answer, SendError};
use crate::runbook::check::{EsFacts, Facts};
use crate::runbook::check_kube::{self, KubeFacts};
use crate::runbook::gate::Approved;
use crate::runbook::gate::Executor;
use crate::runbook::needs::Needs;
use crate::runbook::plan::{Api, Request, Scale};
use crate::source::http::{self, Auth};
use crate::source::table::{self, store};
use crate::source::{PortForward, RegionIo, SourceError, Target, Traffic, Update, read, timed};
use color_eyre::eyre::Result;
use std::sync::Arc;
use std::time::Duration;

pub struct Live {
    model: ModelConfig,
    /// The reads' client, also for mutating requests, with a per-request timeout: building
    /// a client loads the trust roots, which cost more than the run's first steps.
    http: reqwest::Client,
    /// Mutating requests' timeout (minutes, not the poll's seconds).
    mutating_timeout: Duration,
    /// For requests that wait server-side (snapshot, restore).
    long_timeout: Duration,
    timeout: Duration,
    regions: PerRegion<Arc<RegionIo>>,
    traffic: Option<Arc<Traffic>>,
    repository: String,
    /// The failback's snapshot; `None` (a failover) skips the snapshot and index reads.
    snapshot: Option<String>,
    prev: Option<ClusterView>,
    /// The last read's inputs, for the next narrow read to build on.
    kept: Option<Kept>,
    _forwards: Vec<Arc<PortForward>>,
    /// The run lease's word: while it is not provably held, nothing mutating leaves.
    lease: Option<LeaseGuard>,
}

/// The sources a step decides on; a failback adds the indices (see [`Live::sources`]).
const FRESH: [Source; 5] = [
    Source::Topology,
    Source::Cluster,
    Source::Exporters,
    Source::ElasticsearchHealth,
    Source::Pods,
];

/// A region's endpoints, resolved as the observer resolves them.
async fn region_io(
    config: &Config,
    id: Region,
    reads: &reqwest::Client,
    forwards: &mut Vec<Arc<PortForward>>,
) -> Result<Arc<RegionIo>> {
    let Some(region) = config.region(id) else {
        color_eyre::eyre::bail!("no region {id} in the configuration");
    };
    Ok(Arc::new(
        RegionIo::connect(region, reads.clone(), forwards).await,
    ))
}

impl Live {
    /// Resolves both regions' endpoints (direct URLs or port-forwards), as the observer does.
    pub async fn connect(config: &Config, snapshot: Option<&str>) -> Result<Live> {
        http::install_crypto();
        let timeout = config.poll.timeout();
        let reads = http::client(timeout, config.tls.ca_file.as_deref())?;
        let mut forwards = vec![];
        // One after the other: both push their port-forwards to the same list.
        let r0 = region_io(config, Region::ZERO, &reads, &mut forwards).await?;
        let r1 = region_io(config, Region::ONE, &reads, &mut forwards).await?;
        let regions = PerRegion([r0, r1]);
        Ok(Live {
            model: ModelConfig::from_config(config),
            http: reads,
            mutating_timeout: config.runbook.request_timeout(),
            long_timeout: config.runbook.step_timeout(),
            timeout,
            regions,
            traffic: Traffic::of(config).map(Arc::new),
            repository: config.runbook.snapshot_repository.clone(),
            snapshot: snapshot.map(str::to_string),
            prev: None,
            kept: None,
            _forwards: forwards,
            lease: None,
        })
    }

    /// From now on every mutating call first asks `guard` whether the run lease is held.
    pub fn hold_lease(&mut self, guard: LeaseGuard) {
        self.lease = Some(guard);
    }

    /// Each region's Kubernetes client, where configured (the run lease lives there).
    pub fn kubes(&self) -> PerRegion<Option<crate::source::kube::RegionKube>> {
        PerRegion([
            self.regions[Region::ZERO].kube.clone(),
            self.regions[Region::ONE].kube.clone(),
        ])
    }

    /// The per-request timeout of reads.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Why nothing may be sent now: the run lease is not provably held.
    fn lease_refuses(&self) -> Option<String> {
        self.lease.as_ref().and_then(|g| g.check().err())
    }

    fn base(&self, api: Api, region: Region) -> Option<&str> {
        self.regions[region].base(match api {
            Api::Management => table::Api::Management,
            Api::Elasticsearch => table::Api::Elasticsearch,
        })
    }

    /// One fresh read of `source` in `io`'s region: `None` when the region does not configure
    /// it (no endpoint, and no failure setting one up).
    async fn fresh(&self, io: &Arc<RegionIo>, source: Source) -> Option<Update> {
        let row = table::row(source)?;
        if io.asks(&row.request) {
            return Some(read(row, &Target::Region(io.clone()), self.timeout).await);
        }
        io.problem(source)
    }

    /// The region's fresh reads of `sources`, and of `parts`: what a failback asks of its
    /// Elasticsearch and its Kubernetes objects, and whether its webapps run (`None`: not
    /// read this time).
    async fn read_region(
        &self,
        r: Region,
        sources: &[Source],
        parts: Parts,
    ) -> (
        Vec<Update>,
        Option<EsFacts>,
        Option<Option<bool>>,
        Option<KubeFacts>,
    ) {
        let io = &self.regions[r];
        let reads = futures_util::future::join_all(sources.iter().map(|s| self.fresh(io, *s)));
        let es = async {
            match parts.es {
                true => Some(self.es_facts(io).await),
                false => None,
            }
        };
        let apps = async {
            match parts.webapps {
                true => Some(timed(self.timeout, webapps(io)).await.value.ok()),
                false => None,
            }
        };
        let kube = async {
            match parts.kube {
                true => Some(self.kube_facts(io).await),
                false => None,
            }
        };
        let (updates, es, apps, kube) = tokio::join!(reads, es, apps, kube);
        (updates.into_iter().flatten().collect(), es, apps, kube)
    }

    /// A failback's reads of the region's Secrets (digests only) and leftovers; the broker
    /// env comes through the table's StatefulSet row.
    async fn kube_facts(&self, io: &RegionIo) -> KubeFacts {
        let mut k = KubeFacts::default();
        let (Some(_), Some(kube)) = (&self.snapshot, &io.kube) else {
            return k;
        };
        let keys = check_kube::secret_keys();
        let digests = futures_util::future::join_all(
            keys.iter()
                .map(|(secret, key)| timed(self.timeout, kube.secret_digest(secret, key))),
        );
        let (digests, leftovers) = tokio::join!(digests, timed(self.timeout, kube.leftovers()));
        for ((secret, key), d) in keys.iter().zip(digests) {
            let d = d.value.map_err(|e| e.to_string());
            k.secrets.insert(format!("{secret}/{key}"), d);
        }
        k.leftovers = Some(leftovers.value.map_err(|e| e.to_string()));
        k
    }

    /// The failback's snapshot repository and snapshot as the region's Elasticsearch shows
    /// them; a 404 is an answer (not registered, not there), not a failure.
    async fn es_facts(&self, io: &RegionIo) -> EsFacts {
        let mut es = EsFacts::default();
        let (Some(snap), Some(base)) = (&self.snapshot, io.base(table::Api::Elasticsearch)) else {
            return es;
        };
        let repo = format!("/_snapshot/{}", self.repository);
        let snap = format!("{repo}/{snap}");
        let (client, auth) = (&io.http, &io.es_auth);
        let (repository, snapshot) = tokio::join!(
            timed(
                self.timeout,
                http::get_json::<serde_json::Value>(client, auth, base, &repo)
            ),
            timed(
                self.timeout,
                http::get_json::<GetSnapshotsResponse>(client, auth, base, &snap)
            ),
        );
        es.repository = match &repository.value {
            Ok(_) => Some(true),
            Err(e) if e.is_not_found() => Some(false),
            Err(_) => None,
        };
        es.snapshot = Some(match snapshot.value {
            Ok(s) => Ok(s.snapshots.into_iter().next()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        });
        es
    }
}

/// Operate and Tasklist running: 8.8+ from the profiles in the unified ConfigMap, up to 8.7
/// from their Deployments (absent or at 0 replicas: off).
async fn webapps(io: &RegionIo) -> Result<bool, SourceError> {
    let k = io.kube.as_ref().ok_or(SourceError::NotConfigured)?;
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
        Err(e) => return Err(SourceError::Kube(format!("configmap {cm}: {e}"))),
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
            Err(e) => return Err(SourceError::Kube(format!("deployment {name}: {e}"))),
        }
    }
    Ok(on)
}

/// The last full read's inputs: what a narrow read keeps of what it does not ask again.
#[derive(Clone)]
struct Kept {
    snap: Snapshot,
    es: PerRegion<EsFacts>,
    webapps: PerRegion<Option<bool>>,
    kube: PerRegion<KubeFacts>,
}

impl Live {
    /// The region's sources a step may decide on; a failback adds the indices and the
    /// broker StatefulSet.
    fn sources(&self) -> Vec<Source> {
        let mut sources = FRESH.to_vec();
        if self.snapshot.is_some() {
            sources.push(Source::ElasticsearchIndices);
            sources.push(Source::BrokerStatefulSet);
        }
        sources
    }

    /// Everything fresh (`narrow` is `None`), or what `narrow` names fresh over the last full
    /// read; the view is derived again either way.
    async fn read_fresh(&mut self, narrow: Option<&Needs>) -> Facts {
        let want = |s: Source| narrow.is_none_or(|n| n.sources.contains(&s));
        let dns = async {
            if !want(Source::Dns) {
                return None;
            }
            let row = table::row(Source::Dns)?;
            let target = Target::Traffic(self.traffic.clone()?);
            Some(read(row, &target, self.timeout).await)
        };
        let sources: Vec<Source> = self.sources().into_iter().filter(|s| want(*s)).collect();
        let parts = narrow.map_or(Parts::ALL, |n| Parts {
            es: n.snapshot,
            webapps: n.webapps,
            kube: n.kube,
        });
        // Boxed: the reads are large futures, and the engine awaits them in many places.
        let ((u0, e0, w0, k0), (u1, e1, w1, k1), dns) = tokio::join!(
            Box::pin(self.read_region(Region::ZERO, &sources, parts)),
            Box::pin(self.read_region(Region::ONE, &sources, parts)),
            Box::pin(dns)
        );
        let mut kept = match (narrow, &self.kept) {
            (Some(_), Some(k)) => k.clone(),
            _ => Kept {
                snap: Snapshot::default(),
                es: PerRegion::default(),
                webapps: PerRegion([None, None]),
                kube: PerRegion::default(),
            },
        };
        for u in u0.into_iter().chain(u1) {
            kept.snap.regions[u.region].configured.insert(u.source);
            store(&mut kept.snap, u);
        }
        if let Some(u) = dns {
            store(&mut kept.snap, u);
        }
        for (r, (e, w, k)) in Region::BOTH.into_iter().zip([(e0, w0, k0), (e1, w1, k1)]) {
            if let Some(e) = e {
                kept.es[r] = e;
            }
            if let Some(w) = w {
                kept.webapps[r] = w;
            }
            if let Some(k) = k {
                kept.kube[r] = k;
            }
        }
        let facts = self.assemble(&kept);
        self.kept = Some(kept);
        facts
    }

    /// The facts of `kept`: the broker env and the indices from the table's reads, the view
    /// derived now.
    fn assemble(&mut self, kept: &Kept) -> Facts {
        let (snap, mut es, mut kube) = (&kept.snap, kept.es.clone(), kept.kube.clone());
        for (k, o) in kube.values_mut().zip(snap.regions.values()) {
            k.env = o
                .broker_env
                .as_ref()
                .map(|env| env.value.clone().map_err(|e| e.to_string()));
        }
        for (e, o) in es.values_mut().zip(snap.regions.values()) {
            let Some(indices) = &o.es_indices else {
                continue;
            };
            e.indices = indices
                .value
                .as_ref()
                .ok()
                .map(|v| v.iter().map(|i| (i.index.clone(), i.docs())).collect());
            e.indices_error = indices.value.as_ref().err().cloned();
        }
        let now = jiff::Timestamp::now();
        let view = crate::model::derive(snap, &self.model, now, self.prev.as_ref());
        self.prev = Some(view.clone());
        Facts {
            view,
            es,
            webapps: kept.webapps,
            kube,
            run: Default::default(),
        }
    }
}

/// Which of a region's reads beyond the table a read makes.
#[derive(Clone, Copy)]
struct Parts {
    es: bool,
    webapps: bool,
    kube: bool,
}

impl Parts {
    const ALL: Parts = Parts {
        es: true,
        webapps: true,
        kube: true,
    };
}

impl Executor for Live {
    async fn facts(&mut self) -> Facts {
        self.read_fresh(None).await
    }

    async fn read(&mut self, needs: &Needs) -> Facts {
        let narrow = (!needs.all && self.kept.is_some()).then_some(needs);
        self.read_fresh(narrow).await
    }

    async fn send(&mut self, req: &Request, _approved: &Approved) -> Result<Answer, SendError> {
        if let Some(why) = self.lease_refuses() {
            // Lost to another run: for good. Not renewed in time: maybe only for a moment.
            return Err(if self.lease.as_ref().is_some_and(LeaseGuard::lost) {
                SendError::Refused(why)
            } else {
                SendError::NotSent(why)
            });
        }
        let Some(base) = self.base(req.api, req.region).map(str::to_string) else {
            return Err(SendError::NotSent(format!(
                "region{}: no {} endpoint configured",
                req.region,
                match req.api {
                    Api::Management => "management",
                    Api::Elasticsearch => "Elasticsearch",
                }
            )));
        };
        let client = &self.http;
        let timeout = if req.long {
            self.long_timeout
        } else {
            self.mutating_timeout
        };
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| SendError::NotSent(format!("method {}: {e}", req.method)))?;
        // The request's own timeout overrides the client's (the reads').
        let mut rb = client
            .request(method, format!("{base}{}", req.path))
            .timeout(timeout);
        if let Some(body) = &req.body {
            rb = rb.json(body);
        }
        let auth = match req.api {
            Api::Management => Auth::default(),
            Api::Elasticsearch => self.regions[req.region].es_auth.clone(),
        };
        let rb = auth
            .apply(client, rb)
            .await
            .map_err(|e| SendError::NotSent(e.to_string()))?;
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
        if let Some(why) = self.lease_refuses() {
            return Err(why);
        }
        let Some(k) = self.regions[s.region].kube.clone() else {
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
        region: Region,
        pod: &str,
        _approved: &Approved,
    ) -> Result<(), String> {
        if let Some(why) = self.lease_refuses() {
            return Err(why);
        }
        let Some(k) = self.regions[region].kube.clone() else {
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
