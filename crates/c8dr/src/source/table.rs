//! The one table of reads: for every [`Source`], where it is asked (which API, path and
//! credentials, or which Kubernetes object, or DNS), how often the poll loop asks it, and how
//! its answer is parsed into a [`Reading`]. The poll loop, the runbook's fresh reads and the
//! screenshot scenes all go through it, so a source is added here and nowhere else; the parse
//! functions are public so that a scene parses the lab's answers exactly as a poll would.

use super::SourceError;
use super::http::json;
use super::kube::{broker_of_pod, is_ready};
use crate::api::backups::BackupInfo;
use crate::api::elasticsearch::{CatIndex, ClusterHealth, ClusterInfo, GetRepositoryResponse};
use crate::api::metrics::BrokerMetrics;
use crate::api::{
    BrokerId, ClusterTopology, ExporterStatus, PartitionsResponse, Region, TopologyResponse,
};
use crate::model::run_lease::RunLease;
use crate::model::{Obs, PodInfo, RegionObservations, Snapshot, Source};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The HTTP API a read is sent to. Credentials follow from it: the REST gateway takes the
/// region's REST credentials, Elasticsearch its own, the management API none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Rest,
    /// The management API behind the region's gateway address.
    Management,
    /// Each broker's own management API, through a port-forward to its pod: asked once per
    /// broker pod the region runs (discovered, not assumed).
    Broker,
    Elasticsearch,
}

/// How often the poll loop asks: every `poll.interval`, or every `poll.slow_interval` for
/// what changes slowly or costs the server more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Fast,
    Slow,
}

/// What a read asks.
#[derive(Debug, Clone, Copy)]
pub enum Request {
    /// `GET path` on `api` asking for `accept`, the answer parsed by `parse`. On 404,
    /// `or_on_404` when given: the name the same data has in older versions.
    Get {
        api: Api,
        path: &'static str,
        /// The `Accept` header: JSON, or the Prometheus text format (Spring answers a
        /// metrics scrape that asks for JSON with 406).
        accept: &'static str,
        or_on_404: Option<&'static str>,
        parse: fn(&[u8]) -> Result<Reading, SourceError>,
    },
    /// The pods of the region's namespace, parsed by [`pods`].
    Pods,
    /// The StatefulSet `<release>-zeebe`, parsed by [`broker_env`].
    BrokerStatefulSet,
    /// The run lease ([`crate::model::run_lease::NAME`]) of the region's namespace, parsed
    /// by [`crate::source::lease::parse`]; none there (404) is no lease, not an error.
    RunLease,
    /// The traffic hostname, looked up at the configured nameserver (not a region's).
    Dns,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Read {
    pub source: Source,
    pub request: Request,
    pub cadence: Cadence,
}

/// A source's answer, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Topology(TopologyResponse),
    Cluster(Box<ClusterTopology>),
    Exporters(Vec<ExporterStatus>),
    Partitions(PartitionsResponse),
    Metrics(Box<BrokerMetrics>),
    ElasticsearchHealth(ClusterHealth),
    ElasticsearchIndices(Vec<CatIndex>),
    Pods(Vec<PodInfo>),
    ElasticsearchInfo(Box<ClusterInfo>),
    SnapshotRepositories(GetRepositoryResponse),
    BrokerEnv(BTreeMap<String, String>),
    Backups(Vec<BackupInfo>),
    RunLease(Option<RunLease>),
    Dns(Vec<IpAddr>),
}

const fn get(
    api: Api,
    path: &'static str,
    parse: fn(&[u8]) -> Result<Reading, SourceError>,
) -> Request {
    Request::Get {
        api,
        path,
        accept: JSON,
        or_on_404: None,
        parse,
    }
}

/// The `Accept` of a JSON read.
pub const JSON: &str = "application/json";

/// Every source c8dr reads.
pub const READS: &[Read] = &[
    Read {
        source: Source::Topology,
        request: get(Api::Rest, "/v2/topology", |b| {
            json(b).map(Reading::Topology)
        }),
        cadence: Cadence::Fast,
    },
    Read {
        source: Source::Cluster,
        request: get(Api::Management, "/actuator/cluster", |b| {
            json(b).map(|c| Reading::Cluster(Box::new(c)))
        }),
        cadence: Cadence::Fast,
    },
    Read {
        source: Source::Exporters,
        request: get(Api::Management, "/actuator/exporters", |b| {
            json(b).map(Reading::Exporters)
        }),
        cadence: Cadence::Fast,
    },
    Read {
        source: Source::Backups,
        request: Request::Get {
            api: Api::Management,
            path: "/actuator/backupRuntime",
            accept: JSON,
            or_on_404: Some("/actuator/backups"),
            parse: |b| json(b).map(Reading::Backups),
        },
        cadence: Cadence::Slow,
    },
    Read {
        source: Source::Partitions,
        request: get(Api::Broker, "/actuator/partitions", |b| {
            json(b).map(Reading::Partitions)
        }),
        cadence: Cadence::Fast,
    },
    // Per broker like the partitions: each broker exposes only its own partitions' meters
    // (the exporter positions on the partition's leader).
    Read {
        source: Source::Metrics,
        request: Request::Get {
            api: Api::Broker,
            path: "/actuator/prometheus",
            accept: crate::api::metrics::ACCEPT,
            or_on_404: None,
            parse: |b| super::metrics::parse(b).map(|m| Reading::Metrics(Box::new(m))),
        },
        // Every poll: the stuck-exporter verdict stands on successive positions, and names a
        // stalled exporter within two polls. Bounded like every read (the poll timeout, at
        // most `MAX_BODY`), and the parser keeps only the meters c8dr reads.
        cadence: Cadence::Fast,
    },
    Read {
        source: Source::ElasticsearchHealth,
        request: get(Api::Elasticsearch, "/_cluster/health", |b| {
            json(b).map(Reading::ElasticsearchHealth)
        }),
        cadence: Cadence::Fast,
    },
    Read {
        source: Source::ElasticsearchIndices,
        request: get(Api::Elasticsearch, "/_cat/indices?format=json", |b| {
            json(b).map(Reading::ElasticsearchIndices)
        }),
        cadence: Cadence::Slow,
    },
    Read {
        source: Source::ElasticsearchInfo,
        request: get(Api::Elasticsearch, "/", |b| {
            json(b).map(|i| Reading::ElasticsearchInfo(Box::new(i)))
        }),
        cadence: Cadence::Slow,
    },
    Read {
        source: Source::SnapshotRepositories,
        request: get(Api::Elasticsearch, "/_snapshot", |b| {
            json(b).map(Reading::SnapshotRepositories)
        }),
        cadence: Cadence::Slow,
    },
    Read {
        source: Source::Pods,
        request: Request::Pods,
        cadence: Cadence::Slow,
    },
    Read {
        source: Source::BrokerStatefulSet,
        request: Request::BrokerStatefulSet,
        cadence: Cadence::Slow,
    },
    // Every poll: observers follow another c8dr's run step by step, and it is one small GET.
    Read {
        source: Source::RunLease,
        request: Request::RunLease,
        cadence: Cadence::Fast,
    },
    Read {
        source: Source::Dns,
        request: Request::Dns,
        cadence: Cadence::Slow,
    },
];

/// The row of `source`.
pub fn row(source: Source) -> Option<&'static Read> {
    READS.iter().find(|r| r.source == source)
}

/// An HTTP source's answer parsed as a poll would parse it (`NotConfigured` for a source that
/// is not read over HTTP).
pub fn parse(source: Source, body: &[u8]) -> Result<Reading, SourceError> {
    match row(source).map(|r| r.request) {
        Some(Request::Get { parse, .. }) => parse(body),
        _ => Err(SourceError::NotConfigured),
    }
}

/// The namespace's pods as the model needs them: broker pods are told by the chart's naming
/// under the region's Helm `release`, and only among pods of StatefulSets (a Deployment's pod,
/// `<release>-zeebe-gateway-<hash>-<hash>`, could otherwise read as a zoned broker).
pub fn pods(items: &[Pod], release: &str, region: Region) -> Reading {
    Reading::Pods(items.iter().map(|p| pod_info(p, release, region)).collect())
}

fn pod_info(p: &Pod, release: &str, region: Region) -> PodInfo {
    let name = p.metadata.name.clone().unwrap_or_default();
    let status = p.status.as_ref();
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.clone());
    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    let of_deployment = p
        .metadata
        .owner_references
        .as_ref()
        .is_some_and(|o| !o.is_empty() && o.iter().all(|o| o.kind != "StatefulSet"));
    PodInfo {
        broker: (!of_deployment)
            .then(|| broker_of_pod(release, &name, region))
            .flatten(),
        ready: is_ready(p),
        status: waiting.unwrap_or(phase),
        ip: status.and_then(|s| s.pod_ip.clone()),
        name,
    }
}

/// The broker container's environment (the chart's `orchestration` container from 8.8,
/// `zeebe` before, else the first); secret references are shown as `<secret name/key>`, never
/// resolved.
pub fn broker_env(sts: StatefulSet) -> Reading {
    let mut containers = sts
        .spec
        .template
        .spec
        .map(|s| s.containers)
        .unwrap_or_default();
    let broker = containers
        .iter()
        .position(|c| c.name == "orchestration" || c.name == "zeebe")
        .unwrap_or(0);
    let env = (broker < containers.len())
        .then(|| containers.swap_remove(broker))
        .and_then(|c| c.env)
        .unwrap_or_default();
    Reading::BrokerEnv(
        env.into_iter()
            .map(|e| {
                let value = match (e.value, e.value_from.and_then(|v| v.secret_key_ref)) {
                    (Some(v), _) => v,
                    (None, Some(s)) => format!("<secret {}/{}>", s.name, s.key),
                    (None, None) => String::new(),
                };
                (e.name, value)
            })
            .collect(),
    )
}

/// One source's new observation, and whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The region asked (ignored for DNS, which is both regions').
    pub region: Region,
    /// The broker asked, for a per-broker source.
    pub broker: Option<BrokerId>,
    pub source: Source,
    pub obs: Obs<Reading>,
}

impl Update {
    pub fn new(
        region: Region,
        broker: Option<BrokerId>,
        source: Source,
        obs: Obs<Reading>,
    ) -> Update {
        Update {
            region,
            broker,
            source,
            obs,
        }
    }
}

/// Puts an update in its place in the snapshot. An answer goes where its reading's type
/// belongs, an error where its source's answers go; a per-broker observation without its
/// broker has no place and is dropped.
pub fn store(snap: &mut Snapshot, u: Update) {
    let when = (u.obs.at, u.obs.took);
    let Snapshot { regions, dns } = snap;
    let r = &mut regions[u.region];
    let e = match u.obs.value {
        Ok(reading) => return put(r, dns, u.broker, when, reading),
        Err(e) => e,
    };
    match u.source {
        Source::Topology => r.topology = Some(obs(when, Err(e))),
        Source::Cluster => r.cluster = Some(obs(when, Err(e))),
        Source::Exporters => r.exporters = Some(obs(when, Err(e))),
        Source::Partitions => partition(r, u.broker, obs(when, Err(e))),
        Source::Metrics => metrics(r, u.broker, obs(when, Err(e))),
        Source::ElasticsearchHealth => r.es_health = Some(obs(when, Err(e))),
        Source::ElasticsearchIndices => r.es_indices = Some(obs(when, Err(e))),
        Source::Pods => r.pods = Some(obs(when, Err(e))),
        Source::ElasticsearchInfo => r.es_info = Some(obs(when, Err(e))),
        Source::SnapshotRepositories => r.es_repositories = Some(obs(when, Err(e))),
        Source::BrokerStatefulSet => r.broker_env = Some(obs(when, Err(e))),
        Source::Backups => r.backups = Some(obs(when, Err(e))),
        Source::RunLease => r.run_lease = Some(obs(when, Err(e))),
        Source::Dns => *dns = Some(obs(when, Err(e))),
    }
}

/// When an answer came and how long it took.
type When = (jiff::Timestamp, std::time::Duration);

fn obs<T>((at, took): When, value: Result<T, SourceError>) -> Obs<T> {
    Obs { at, took, value }
}

fn put(
    r: &mut RegionObservations,
    dns: &mut Option<Obs<Vec<IpAddr>>>,
    broker: Option<BrokerId>,
    when: When,
    reading: Reading,
) {
    match reading {
        Reading::Topology(v) => r.topology = Some(obs(when, Ok(v))),
        Reading::Cluster(v) => r.cluster = Some(obs(when, Ok(*v))),
        Reading::Exporters(v) => r.exporters = Some(obs(when, Ok(v))),
        Reading::Partitions(v) => partition(r, broker, obs(when, Ok(v))),
        Reading::Metrics(v) => metrics(r, broker, obs(when, Ok(*v))),
        Reading::ElasticsearchHealth(v) => r.es_health = Some(obs(when, Ok(v))),
        Reading::ElasticsearchIndices(v) => r.es_indices = Some(obs(when, Ok(v))),
        Reading::Pods(v) => r.pods = Some(obs(when, Ok(v))),
        Reading::ElasticsearchInfo(v) => r.es_info = Some(obs(when, Ok(*v))),
        Reading::SnapshotRepositories(v) => r.es_repositories = Some(obs(when, Ok(v))),
        Reading::BrokerEnv(v) => r.broker_env = Some(obs(when, Ok(v))),
        Reading::Backups(v) => r.backups = Some(obs(when, Ok(v))),
        Reading::RunLease(v) => r.run_lease = Some(obs(when, Ok(v))),
        Reading::Dns(v) => *dns = Some(obs(when, Ok(v))),
    }
}

fn partition(r: &mut RegionObservations, broker: Option<BrokerId>, o: Obs<PartitionsResponse>) {
    if let Some(b) = broker {
        r.partitions.insert(b, o);
    }
}

fn metrics(r: &mut RegionObservations, broker: Option<BrokerId>, o: Obs<BrokerMetrics>) {
    if let Some(b) = broker {
        r.metrics.insert(b, o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_broker_env_is_the_broker_containers_not_a_sidecars() {
        let sts: StatefulSet = serde_json::from_value(serde_json::json!({
            "spec": {"selector": {}, "serviceName": "camunda-zeebe", "template": {"spec": {"containers": [
                {"name": "sidecar", "env": [{"name": "X", "value": "1"}]},
                {"name": "orchestration", "env": [
                    {"name": "CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA", "value": "false"},
                    {"name": "P", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}]}}}
        }))
        .unwrap();
        let Reading::BrokerEnv(env) = broker_env(sts) else {
            panic!("not an env")
        };
        assert_eq!(
            env.get("CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA")
                .map(String::as_str),
            Some("false")
        );
        assert_eq!(env.get("P").map(String::as_str), Some("<secret s/k>"));
        assert!(!env.contains_key("X"));
    }

    #[test]
    fn only_statefulset_pods_are_brokers() {
        let pod = |name: &str, owner: &str| -> Pod {
            serde_json::from_value(serde_json::json!({"metadata": {"name": name,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner, "name": "x", "uid": "u"}]}}))
            .unwrap()
        };
        let brokers = |p: Pod| match pods(&[p], "camunda", Region::ZERO) {
            Reading::Pods(p) => p[0].broker,
            _ => None,
        };
        // A Deployment's pod whose hash happens to be all digits is no zone's broker.
        assert_eq!(
            brokers(pod("camunda-zeebe-gateway-5d8f9c7b8d-24567", "ReplicaSet")),
            None
        );
        assert_eq!(
            brokers(pod("camunda-zeebe-london-2", "StatefulSet")),
            Some(BrokerId::zoned(crate::api::Zone::new("london").unwrap(), 2))
        );
        assert_eq!(
            brokers(pod("camunda-zeebe-2", "StatefulSet")),
            Some(BrokerId::Numbered(4))
        );
    }

    #[test]
    fn every_source_has_exactly_one_row() {
        let all = [
            Source::Topology,
            Source::Cluster,
            Source::Exporters,
            Source::Partitions,
            Source::Metrics,
            Source::ElasticsearchHealth,
            Source::ElasticsearchIndices,
            Source::Pods,
            Source::ElasticsearchInfo,
            Source::SnapshotRepositories,
            Source::BrokerStatefulSet,
            Source::Backups,
            Source::RunLease,
            Source::Dns,
        ];
        for s in all {
            assert_eq!(READS.iter().filter(|r| r.source == s).count(), 1, "{s:?}");
        }
        assert_eq!(READS.len(), all.len());
    }

    #[test]
    fn an_error_is_stored_where_its_source_goes_and_an_answer_where_its_type_goes() {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let mut snap = Snapshot::default();
        let failed = |source, broker| Update {
            region: Region::ONE,
            broker,
            source,
            obs: Obs::failed(at, SourceError::Timeout { within: None }),
        };
        store(&mut snap, failed(Source::Cluster, None));
        store(
            &mut snap,
            failed(Source::Partitions, Some(BrokerId::Numbered(3))),
        );
        store(&mut snap, failed(Source::Dns, None));
        let r = &snap.regions[Region::ONE];
        assert!(r.cluster.as_ref().is_some_and(|o| o.value.is_err()));
        assert!(
            r.partitions
                .get(&BrokerId::Numbered(3))
                .is_some_and(|o| o.value.is_err())
        );
        assert!(snap.dns.as_ref().is_some_and(|o| o.value.is_err()));

        let parsed = parse(
            Source::Exporters,
            br#"[{"exporterId":"a","status":"ENABLED"}]"#,
        );
        let obs = Obs {
            at,
            took: std::time::Duration::ZERO,
            value: parsed,
        };
        store(
            &mut snap,
            Update {
                region: Region::ZERO,
                broker: None,
                source: Source::Exporters,
                obs,
            },
        );
        assert!(
            snap.regions[Region::ZERO]
                .exporters
                .as_ref()
                .is_some_and(|o| o.value.as_ref().is_ok_and(|v| v.len() == 1))
        );
        assert!(matches!(
            parse(Source::Topology, b"{not json"),
            Err(SourceError::Malformed { .. })
        ));
        assert_eq!(parse(Source::Pods, b"[]"), Err(SourceError::NotConfigured));
    }
}
