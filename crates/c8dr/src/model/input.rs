//! What the model is computed from: the latest observation of every source of every region,
//! each stamped with when it was taken and whether it failed. The observation loop produces
//! these; tests build them by hand.

use crate::api::elasticsearch::{CatIndex, ClusterHealth};
use crate::api::{
    BrokerId, ClusterTopology, ExporterStatus, PartitionsResponse, PerRegion, Region,
    TopologyResponse,
};
use crate::source::SourceError;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

/// One source's latest answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Obs<T> {
    pub at: jiff::Timestamp,
    pub took: Duration,
    /// The parsed answer, or why there is none (region and source are known from its place).
    pub value: Result<T, SourceError>,
}

impl<T> Obs<T> {
    pub fn ok(at: jiff::Timestamp, value: T) -> Obs<T> {
        Obs {
            at,
            took: Duration::ZERO,
            value: Ok(value),
        }
    }

    pub fn failed(at: jiff::Timestamp, error: SourceError) -> Obs<T> {
        Obs {
            at,
            took: Duration::ZERO,
            value: Err(error),
        }
    }

    /// The same observation with its answer changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Obs<U> {
        Obs {
            at: self.at,
            took: self.took,
            value: self.value.map(f),
        }
    }
}

/// The sources c8dr asks: per region, and the traffic hostname's DNS once for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Topology,
    Cluster,
    Exporters,
    Partitions,
    /// Each broker's Prometheus metrics (`/actuator/prometheus`): exporter positions and
    /// phase, committed positions, health, roles, topology change. Not in
    /// [`Source::is_camunda`]: a deployment may not expose it, and its failing must not make
    /// a region look unreachable.
    Metrics,
    ElasticsearchHealth,
    ElasticsearchIndices,
    Pods,
    ElasticsearchInfo,
    SnapshotRepositories,
    BrokerStatefulSet,
    Backups,
    /// The runbook run lease (`c8dr-runbook`) in the region's namespace: which run another
    /// c8dr is doing on the cluster. Not Camunda's, and never a say in whether a region
    /// answers or in the verdict: a failing read is that source's problem alone.
    RunLease,
    /// The traffic hostname's addresses (not a region's: never in a region's `configured`).
    Dns,
}

impl Source {
    /// Camunda's own endpoints: whether a region answers is decided by these alone (an
    /// Elasticsearch or a Kubernetes API that answers says nothing about the brokers).
    pub fn is_camunda(self) -> bool {
        matches!(
            self,
            Source::Topology | Source::Cluster | Source::Exporters | Source::Partitions
        )
    }

    /// The name where room is short (a region pane): `mgmt cluster`, `REST topology`.
    pub fn short_name(self) -> &'static str {
        match self {
            Source::Topology => "REST topology",
            Source::Cluster => "mgmt cluster",
            Source::Exporters => "mgmt exporters",
            Source::Partitions => "mgmt partitions",
            Source::Metrics => "mgmt metrics",
            Source::ElasticsearchHealth => "ES health",
            Source::ElasticsearchIndices => "ES indices",
            Source::Pods => "pods",
            Source::ElasticsearchInfo => "ES info",
            Source::SnapshotRepositories => "ES snapshot repos",
            Source::BrokerStatefulSet => "StatefulSet",
            Source::Backups => "mgmt backups",
            Source::RunLease => "run lease",
            Source::Dns => "DNS",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::Topology => "REST /v2/topology",
            Source::Cluster => "management /actuator/cluster",
            Source::Exporters => "management /actuator/exporters",
            Source::Partitions => "management /actuator/partitions",
            Source::Metrics => "management /actuator/prometheus",
            Source::ElasticsearchHealth => "Elasticsearch _cluster/health",
            Source::ElasticsearchIndices => "Elasticsearch _cat/indices",
            Source::Pods => "Kubernetes pods",
            Source::ElasticsearchInfo => "Elasticsearch /",
            Source::SnapshotRepositories => "Elasticsearch _snapshot",
            Source::BrokerStatefulSet => "Kubernetes StatefulSet <release>-zeebe",
            Source::Backups => "management /actuator/backupRuntime (backups ≤8.7)",
            Source::RunLease => "Kubernetes lease c8dr-runbook",
            Source::Dns => "DNS traffic hostname",
        }
    }
}

/// A pod as the model needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodInfo {
    pub name: String,
    /// The broker it runs (from the chart's pod naming), if it is a broker pod.
    pub broker: Option<BrokerId>,
    pub ready: bool,
    /// `Running`, `Pending`, or the waiting reason (`CrashLoopBackOff`, …).
    pub status: String,
    pub ip: Option<String>,
}

/// Everything observed of one region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionObservations {
    /// Sources configured for this region (others are "not configured", not "unknown").
    pub configured: BTreeSet<Source>,
    pub topology: Option<Obs<TopologyResponse>>,
    pub cluster: Option<Obs<ClusterTopology>>,
    pub exporters: Option<Obs<Vec<ExporterStatus>>>,
    /// Per broker id: its `/actuator/partitions`.
    pub partitions: BTreeMap<BrokerId, Obs<PartitionsResponse>>,
    /// Per broker id: its `/actuator/prometheus`, typed.
    pub metrics: BTreeMap<BrokerId, Obs<crate::api::metrics::BrokerMetrics>>,
    pub es_health: Option<Obs<ClusterHealth>>,
    pub es_indices: Option<Obs<Vec<CatIndex>>>,
    pub pods: Option<Obs<Vec<PodInfo>>>,
    pub es_info: Option<Obs<crate::api::elasticsearch::ClusterInfo>>,
    pub es_repositories: Option<Obs<crate::api::elasticsearch::GetRepositoryResponse>>,
    /// The broker container's environment (secret references shown as `<secret name/key>`).
    pub broker_env: Option<Obs<std::collections::BTreeMap<String, String>>>,
    /// Zeebe backups (8.8+ `/actuator/backupRuntime`, ≤8.7 `/actuator/backups`).
    pub backups: Option<Obs<Vec<crate::api::backups::BackupInfo>>>,
    /// The run lease: `None` inside when there is none (never created, or deleted).
    pub run_lease: Option<Obs<Option<super::run_lease::RunLease>>>,
}

impl RegionObservations {
    /// Times and errors (in words) of every source observed, for reachability and data age.
    pub fn stamps(&self) -> Vec<(Source, jiff::Timestamp, Result<(), String>)> {
        fn s<T>(
            src: Source,
            o: &Option<Obs<T>>,
        ) -> Option<(Source, jiff::Timestamp, Result<(), String>)> {
            o.as_ref().map(|o| {
                (
                    src,
                    o.at,
                    o.value.as_ref().map(|_| ()).map_err(ToString::to_string),
                )
            })
        }
        let mut out: Vec<_> = [
            s(Source::Topology, &self.topology),
            s(Source::Cluster, &self.cluster),
            s(Source::Exporters, &self.exporters),
            s(Source::ElasticsearchHealth, &self.es_health),
            s(Source::ElasticsearchIndices, &self.es_indices),
            s(Source::Pods, &self.pods),
            s(Source::RunLease, &self.run_lease),
        ]
        .into_iter()
        .flatten()
        .collect();
        for o in self.partitions.values() {
            out.push((
                Source::Partitions,
                o.at,
                o.value.as_ref().map(|_| ()).map_err(ToString::to_string),
            ));
        }
        // Listed for the region's sources; never deciding whether the region answers
        // (not Camunda's own endpoint for that: see `Source::Metrics`).
        for o in self.metrics.values() {
            out.push((
                Source::Metrics,
                o.at,
                o.value.as_ref().map(|_| ()).map_err(ToString::to_string),
            ));
        }
        out
    }

    /// The error of `source`'s latest answer, the first failing one of a per-broker source
    /// (the one [`RegionObservations::stamps`] lists first): what the runbook's hints match on.
    pub fn fault(&self, source: Source) -> Option<&SourceError> {
        fn err<T>(o: &Option<Obs<T>>) -> Option<&SourceError> {
            o.as_ref().and_then(|o| o.value.as_ref().err())
        }
        match source {
            Source::Topology => err(&self.topology),
            Source::Cluster => err(&self.cluster),
            Source::Exporters => err(&self.exporters),
            Source::Partitions => self
                .partitions
                .values()
                .find_map(|o| o.value.as_ref().err()),
            Source::Metrics => self.metrics.values().find_map(|o| o.value.as_ref().err()),
            Source::ElasticsearchHealth => err(&self.es_health),
            Source::ElasticsearchIndices => err(&self.es_indices),
            Source::Pods => err(&self.pods),
            Source::ElasticsearchInfo => err(&self.es_info),
            Source::SnapshotRepositories => err(&self.es_repositories),
            Source::BrokerStatefulSet => err(&self.broker_env),
            Source::Backups => err(&self.backups),
            Source::RunLease => err(&self.run_lease),
            Source::Dns => None,
        }
    }
}

/// The latest of everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub regions: PerRegion<RegionObservations>,
    /// The traffic hostname's addresses.
    pub dns: Option<Obs<Vec<IpAddr>>>,
}

/// What the model needs from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub name: String,
    pub region_names: PerRegion<String>,
    /// Which zone is which region's on a zone-aware cluster.
    pub zones: crate::api::ZoneMap,
    pub primary: Region,
    pub active_active: bool,
    /// Addresses that mean "this region gets traffic".
    pub traffic_addresses: PerRegion<Vec<IpAddr>>,
    pub dns_configured: bool,
    /// "context/namespace" per region, when reached through Kubernetes.
    pub kube: PerRegion<Option<String>>,
    /// Observations older than this count as missing.
    pub stale_after: Duration,
    /// The same for the sources read on the slow cadence (pods, Elasticsearch's indices …):
    /// their answer must outlive the time between two reads, or it blinks out before each.
    pub stale_after_slow: Duration,
    /// How long a healthy exporter's position may stand still while it collects records
    /// for a flush (twice the exporters' `bulk.delay`): longer, and it is stuck.
    pub exporter_still_after: Duration,
}

impl ModelConfig {
    pub fn from_config(c: &crate::config::Config) -> ModelConfig {
        let name = |id: Region| {
            c.region(id)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| format!("region{id}"))
        };
        let addrs = |id: Region| -> Vec<IpAddr> {
            c.traffic
                .as_ref()
                .and_then(|t| t.addresses.get(&id.to_string()))
                .map(|v| v.iter().filter_map(|a| a.parse().ok()).collect())
                .unwrap_or_default()
        };
        ModelConfig {
            name: c.name.clone(),
            region_names: PerRegion::from_fn(name),
            zones: c.zones(),
            primary: c.primary,
            active_active: c
                .traffic
                .as_ref()
                .is_some_and(|t| t.mode == crate::config::TrafficMode::ActiveActive),
            traffic_addresses: PerRegion::from_fn(addrs),
            dns_configured: c.traffic.as_ref().is_some_and(|t| t.hostname.is_some()),
            kube: PerRegion::from_fn(|id| {
                c.region(id)
                    .and_then(|r| r.kube.as_ref())
                    .map(|k| format!("{}/{}", k.context, k.namespace))
            }),
            stale_after: c.poll.interval() * 3 + c.poll.timeout(),
            stale_after_slow: c.poll.slow_interval() * 2 + c.poll.timeout(),
            exporter_still_after: c.exporters.bulk_delay() * 2,
        }
    }
}
