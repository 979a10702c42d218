//! Where a read goes: a region's endpoints as c8dr reaches them (a direct URL, or a
//! port-forward to a Ready pod through the region's kube context) with the region's
//! credentials, a broker's own port-forward, or the traffic hostname's resolver; and one read
//! of a table row there, under c8dr's own deadline.

use super::dns;
use super::http::{self, Auth};
use super::table::{Api, Read, Reading, Request, Update, broker_env, pods};
use super::{ForwardTarget, PortForward, RegionKube, SourceError};
use crate::config::{Config, Region};
use crate::model::{Obs, Source};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A region's endpoints and credentials.
pub struct RegionIo {
    pub id: crate::api::Region,
    pub http: reqwest::Client,
    pub kube: Option<RegionKube>,
    /// The zone of its brokers on a zone-aware cluster (their StatefulSet is
    /// `<release>-zeebe-<zone>`).
    pub zone: String,
    pub es_auth: Auth,
    rest: Option<String>,
    management: Option<String>,
    elasticsearch: Option<String>,
    rest_auth: Auth,
    /// The management API takes no credentials.
    anonymous: Auth,
    /// Why a source has no endpoint although the configuration gives it one (the kube
    /// context or the port-forward failed): shown as that source's error.
    problems: BTreeMap<Source, SourceError>,
}

impl RegionIo {
    /// Resolves the region's endpoints (direct URLs, else port-forwards through its kube
    /// context, kept alive in `forwards`). Failures are kept as the sources' problems, so
    /// that one region's broken access never stops the other's observation.
    pub async fn connect(
        region: &Region,
        http: reqwest::Client,
        forwards: &mut Vec<Arc<PortForward>>,
    ) -> RegionIo {
        let mut problems = BTreeMap::new();
        let kube = connect_kube(region, &mut problems).await;
        let k = kube.as_ref();
        let rest = resolve(&region.rest_url, k, ForwardTarget::Gateway, 8080, forwards).await;
        let management = resolve(
            &region.management_url,
            k,
            ForwardTarget::Gateway,
            9600,
            forwards,
        )
        .await;
        let elasticsearch = resolve(
            &region.elasticsearch_url,
            k,
            ForwardTarget::Elasticsearch,
            9200,
            forwards,
        )
        .await;
        let mut take = |r: Result<Option<String>, SourceError>, sources: &[Source]| {
            r.unwrap_or_else(|e| {
                for s in sources {
                    problems.insert(*s, e.clone());
                }
                None
            })
        };
        let rest = take(rest, &[Source::Topology]);
        let management = take(management, &[Source::Cluster, Source::Exporters]);
        // The health speaks for the Elasticsearch endpoint; the other reads of it stay unset.
        let elasticsearch = take(elasticsearch, &[Source::ElasticsearchHealth]);
        RegionIo {
            id: region.id,
            zone: region.zone_name().to_string(),
            http,
            rest,
            management,
            elasticsearch,
            kube,
            rest_auth: Auth::rest(region.rest_auth.as_ref().and_then(|a| a.credentials().ok())),
            es_auth: Auth::elasticsearch(
                region
                    .elasticsearch_auth
                    .as_ref()
                    .and_then(|a| a.credentials().ok()),
            ),
            anonymous: Auth::default(),
            problems,
        }
    }

    /// The base URL of `api` (`None`: not configured). A broker's own API has none here:
    /// [`Target::Broker`] carries its port-forward.
    pub fn base(&self, api: Api) -> Option<&str> {
        match api {
            Api::Rest => self.rest.as_deref(),
            Api::Management => self.management.as_deref(),
            Api::Elasticsearch => self.elasticsearch.as_deref(),
            Api::Broker => None,
        }
    }

    /// The credentials `api` takes.
    pub fn auth(&self, api: Api) -> &Auth {
        match api {
            Api::Rest => &self.rest_auth,
            Api::Elasticsearch => &self.es_auth,
            Api::Management | Api::Broker => &self.anonymous,
        }
    }

    /// The failed observation of `source` when setting up its endpoint failed: what the
    /// source shows until (if it has an endpoint after all) a read answers.
    pub fn problem(&self, source: Source) -> Option<Update> {
        let e = self.problems.get(&source)?.clone();
        let obs = Obs::failed(jiff::Timestamp::now(), e);
        Some(Update::new(self.id, None, source, obs))
    }

    /// Whether the region has what `request` needs (brokers are reached through Kubernetes).
    pub fn asks(&self, request: &Request) -> bool {
        match request {
            Request::Get {
                api: Api::Broker, ..
            }
            | Request::Pods
            | Request::BrokerStatefulSet
            | Request::RunLease => self.kube.is_some(),
            Request::Get { api, .. } => self.base(*api).is_some(),
            Request::Dns => false,
        }
    }
}

/// The region's Kubernetes client, when configured; a context that does not work is the
/// problem of every source that would go through it.
async fn connect_kube(
    region: &Region,
    problems: &mut BTreeMap<Source, SourceError>,
) -> Option<RegionKube> {
    let k = region.kube.as_ref()?;
    let connected = RegionKube::connect(
        &region.label(),
        &k.context,
        &k.namespace,
        &k.release,
        k.kubeconfig.as_deref(),
    )
    .await;
    match connected {
        Ok(c) => Some(c),
        Err(e) => {
            let problem = SourceError::Kube(format!("{e:#}"));
            for s in [
                Source::Topology,
                Source::Cluster,
                Source::Exporters,
                Source::ElasticsearchHealth,
                Source::Pods,
                Source::RunLease,
            ] {
                problems.insert(s, problem.clone());
            }
            None
        }
    }
}

/// A direct URL, or a port-forward through the region's kube context, or nothing.
async fn resolve(
    direct: &Option<String>,
    kube: Option<&RegionKube>,
    target: ForwardTarget,
    port: u16,
    forwards: &mut Vec<Arc<PortForward>>,
) -> Result<Option<String>, SourceError> {
    match (direct, kube) {
        (Some(url), _) => Ok(Some(url.trim_end_matches('/').to_string())),
        (None, Some(k)) => match PortForward::start(k.clone(), target, port).await {
            Ok(f) => {
                let url = f.base_url();
                forwards.push(Arc::new(f));
                Ok(Some(url))
            }
            Err(e) => Err(SourceError::Kube(format!("{e:#}"))),
        },
        (None, None) => Ok(None),
    }
}

/// The traffic hostname and the nameserver to ask (`None`: the system resolver).
pub struct Traffic {
    pub hostname: String,
    pub nameserver: Option<SocketAddr>,
}

impl Traffic {
    /// The traffic check's lookup, when the configuration names a hostname.
    pub fn of(config: &Config) -> Option<Traffic> {
        let t = config.traffic.as_ref()?;
        Some(Traffic {
            hostname: t.hostname.clone()?,
            nameserver: t.nameserver_addr().ok().flatten(),
        })
    }
}

/// Where one read goes.
#[derive(Clone)]
pub enum Target {
    Region(Arc<RegionIo>),
    /// One broker's own management API, at `base` (its port-forward).
    Broker {
        io: Arc<RegionIo>,
        broker: crate::api::BrokerId,
        base: String,
    },
    Traffic(Arc<Traffic>),
}

/// One read of `row` at `target` under `timeout`: the update to store. A request the target
/// has no endpoint for fails as [`SourceError::NotConfigured`].
pub async fn read(row: &Read, target: &Target, timeout: Duration) -> Update {
    let obs = timed(timeout, fetch(row.request, target, timeout)).await;
    match target {
        Target::Region(io) => Update::new(io.id, None, row.source, obs),
        Target::Broker { io, broker, .. } => Update::new(io.id, Some(*broker), row.source, obs),
        Target::Traffic(_) => Update::new(crate::api::Region::ZERO, None, row.source, obs),
    }
}

/// `f`'s answer stamped with when it came and how long it took; past `timeout` (c8dr's own
/// deadline, over credentials, redirects and a 404 fallback alike) it is a timeout.
pub async fn timed<T>(
    timeout: Duration,
    f: impl Future<Output = Result<T, SourceError>>,
) -> Obs<T> {
    let started = Instant::now();
    let value = match tokio::time::timeout(timeout, f).await {
        Ok(v) => v,
        Err(_) => Err(SourceError::Timeout {
            within: Some(timeout),
        }),
    };
    Obs {
        at: jiff::Timestamp::now(),
        took: started.elapsed(),
        value,
    }
}

async fn fetch(
    request: Request,
    target: &Target,
    timeout: Duration,
) -> Result<Reading, SourceError> {
    match (request, target) {
        (
            Request::Get {
                api: Api::Broker,
                path,
                accept,
                parse,
                ..
            },
            Target::Broker { io, base, .. },
        ) => parse(&http::get_as(&io.http, io.auth(Api::Broker), base, path, accept).await?),
        (
            Request::Get {
                api,
                path,
                accept,
                or_on_404,
                parse,
            },
            Target::Region(io),
        ) => {
            let base = io.base(api).ok_or(SourceError::NotConfigured)?;
            let auth = io.auth(api);
            let body = match (
                http::get_as(&io.http, auth, base, path, accept).await,
                or_on_404,
            ) {
                (Err(SourceError::Status { status: 404, .. }), Some(older)) => {
                    http::get_as(&io.http, auth, base, older, accept).await
                }
                (answer, _) => answer,
            }?;
            parse(&body)
        }
        (Request::Pods, Target::Region(io)) => {
            let k = io.kube.as_ref().ok_or(SourceError::NotConfigured)?;
            let list = k
                .pods()
                .list(&Default::default())
                .await
                .map_err(|e| SourceError::Kube(format!("listing pods: {e}")))?;
            Ok(pods(&list.items, &k.release, io.id))
        }
        (Request::BrokerStatefulSet, Target::Region(io)) => {
            let k = io.kube.as_ref().ok_or(SourceError::NotConfigured)?;
            // The numbered release's StatefulSet, else (zone-aware, 8.10) the zone's: a
            // migration keeps both and the numbered one still runs the members.
            let numbered = format!("{}-zeebe", k.release);
            let zoned = format!("{}-zeebe-{}", k.release, io.zone);
            let sets = k.statefulsets();
            let sts = match sets.get_opt(&numbered).await {
                Ok(Some(sts)) => sts,
                Ok(None) => sets.get(&zoned).await.map_err(|e| {
                    SourceError::Kube(format!(
                        "statefulset {numbered} not found, and {zoned}: {e}"
                    ))
                })?,
                Err(e) => {
                    return Err(SourceError::Kube(format!("statefulset {numbered}: {e}")));
                }
            };
            Ok(broker_env(sts))
        }
        (Request::RunLease, Target::Region(io)) => {
            let k = io.kube.as_ref().ok_or(SourceError::NotConfigured)?;
            let name = crate::model::run_lease::NAME;
            // Any 404 is no lease, whoever answers it (an API server's NotFound, a proxy's
            // page for a path it does not know): nobody published a run there.
            let lease = match k.leases().get(name).await {
                Ok(l) => Some(l),
                Err(kube::Error::Api(s)) if s.code == 404 => None,
                Err(e) => return Err(SourceError::Kube(lease_words(&e))),
            };
            Ok(Reading::RunLease(lease.as_ref().map(super::lease::parse)))
        }
        (Request::Dns, Target::Traffic(t)) => dns::lookup(&t.hostname, t.nameserver, timeout)
            .await
            .map(Reading::Dns)
            .map_err(SourceError::Dns),
        _ => Err(SourceError::NotConfigured),
    }
}

/// A failed read of the run lease in words (the source's name says which object); a refusal
/// names the permission it lacks, since that is how the read fails where an observer's Role
/// predates leases.
fn lease_words(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => format!(
            "forbidden: the Role needs get on leases (docs/bastion.md): {}",
            s.message
        ),
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::table::row;
    use axum::http::StatusCode;
    use axum::routing::get;

    /// A management API whose `/actuator/backupRuntime` answers `runtime` and whose
    /// `/actuator/backups` (the ≤8.7 name) answers an empty list.
    async fn region(runtime: Option<StatusCode>) -> Arc<RegionIo> {
        let mut app = axum::Router::new().route("/actuator/backups", get(|| async { "[]" }));
        if let Some(status) = runtime {
            app = app.route(
                "/actuator/backupRuntime",
                get(move || async move { (status, r#"{"message":"down"}"#) }),
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let text = format!(
            "name = \"t\"\n[[regions]]\nid = 0\nname = \"a\"\nmanagement_url = \"{base}\"\n\
             [[regions]]\nid = 1\nname = \"b\"\nmanagement_url = \"http://127.0.0.1:9\"\n"
        );
        let config = Config::parse(&text, std::path::Path::new("t.toml")).unwrap();
        let http = http::client(Duration::from_secs(5), None).unwrap();
        let region = config.region(crate::api::Region::ZERO).unwrap();
        Arc::new(RegionIo::connect(region, http, &mut vec![]).await)
    }

    async fn backups(io: Arc<RegionIo>) -> Result<Reading, SourceError> {
        let row = row(Source::Backups).unwrap();
        read(row, &Target::Region(io), Duration::from_secs(5))
            .await
            .obs
            .value
    }

    #[tokio::test]
    async fn backups_fall_back_to_the_older_name_on_404_only() {
        let io = region(None).await;
        assert_eq!(backups(io).await, Ok(Reading::Backups(vec![])));
        let io = region(Some(StatusCode::INTERNAL_SERVER_ERROR)).await;
        assert_eq!(
            backups(io).await,
            Err(SourceError::http(500, Some("down".into())))
        );
    }

    /// A region reached through a Kubernetes API whose lease path answers `status` and `body`.
    async fn kube_region(
        status: StatusCode,
        body: &'static str,
        dir: &std::path::Path,
    ) -> Arc<RegionIo> {
        let app = axum::Router::new().route(
            "/apis/coordination.k8s.io/v1/namespaces/ns/leases/c8dr-runbook",
            get(move || async move { (status, body) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"{base}\"}}\n\
                 users:\n- name: u\n  user: {{}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\n"
            ),
        )
        .unwrap();
        let none = "http://127.0.0.1:9";
        let text = format!(
            "name = \"t\"\n[[regions]]\nid = 0\nname = \"a\"\nrest_url = \"{none}\"\n\
             management_url = \"{none}\"\nelasticsearch_url = \"{none}\"\n\
             [regions.kube]\ncontext = \"x\"\nnamespace = \"ns\"\nkubeconfig = \"{}\"\n\
             [[regions]]\nid = 1\nname = \"b\"\nmanagement_url = \"http://127.0.0.1:10\"\n",
            kubeconfig.display()
        );
        let config = Config::parse(&text, std::path::Path::new("t.toml")).unwrap();
        let http = http::client(Duration::from_secs(5), None).unwrap();
        let region = config.region(crate::api::Region::ZERO).unwrap();
        Arc::new(RegionIo::connect(region, http, &mut vec![]).await)
    }

    async fn run_lease(status: StatusCode, body: &'static str) -> Result<Reading, SourceError> {
        let dir = tempfile::tempdir().unwrap();
        let io = kube_region(status, body, dir.path()).await;
        let row = row(Source::RunLease).unwrap();
        assert!(io.asks(&row.request));
        read(row, &Target::Region(io), Duration::from_secs(5))
            .await
            .obs
            .value
    }

    #[tokio::test]
    async fn the_run_lease_is_read_and_none_there_is_no_lease() {
        let lease = r#"{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "c8dr-runbook", "annotations": {"c8dr/run": "failover-r1-x",
                "c8dr/procedure": "failover", "c8dr/region-name": "paris", "c8dr/step": "FO-2",
                "c8dr/state": "running"}},
            "spec": {"holderIdentity": "alice@laptop", "leaseDurationSeconds": 30}}"#;
        let Ok(Reading::RunLease(Some(l))) = run_lease(StatusCode::OK, lease).await else {
            panic!("the lease reads")
        };
        assert_eq!(
            (l.holder.as_deref(), l.run.as_str(), l.step.as_deref()),
            (Some("alice@laptop"), "failover-r1-x", Some("FO-2"))
        );
        let not_found = r#"{"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "reason": "NotFound", "code": 404, "message": "leases "c8dr-runbook" not found"}"#;
        assert_eq!(
            run_lease(StatusCode::NOT_FOUND, not_found).await,
            Ok(Reading::RunLease(None))
        );
        // A proxy's page for a path it does not know: no lease either.
        assert_eq!(
            run_lease(StatusCode::NOT_FOUND, "404 page not found").await,
            Ok(Reading::RunLease(None))
        );
    }

    #[tokio::test]
    async fn a_refused_lease_read_names_the_permission_it_lacks() {
        let forbidden = r#"{"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "reason": "Forbidden", "code": 403, "message": "leases.coordination.k8s.io "c8dr-runbook" is forbidden: User "bob" cannot get resource "leases""}"#;
        let Err(SourceError::Kube(e)) = run_lease(StatusCode::FORBIDDEN, forbidden).await else {
            panic!("a refusal is a kube error")
        };
        assert!(
            e.starts_with("forbidden: the Role needs get on leases") && e.contains("User \"bob\""),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_source_without_an_endpoint_is_not_configured() {
        let io = region(None).await;
        let topology = row(Source::Topology).unwrap();
        assert!(!io.asks(&topology.request));
        assert!(io.problem(Source::Topology).is_none());
        let u = read(topology, &Target::Region(io), Duration::from_secs(5)).await;
        assert_eq!(u.obs.value, Err(SourceError::NotConfigured));
    }
}
