//! From observations to a [`ClusterView`]: pure, so every rule here is unit-tested. Each
//! subject has its own module (brokers, partitions, exporters, regions, traffic, the cluster
//! summary), all standing on the same [`facts::Facts`].
//!
//! The rules that matter most: quorum comes from live replicas counted within one gateway's
//! view (a gateway sees the brokers it can reach, so a network split gives each side only its
//! half), never from reported roles — after a region loss real gateways keep reporting
//! `leader`/`healthy` for partitions that cannot commit; a replica that reports `dead` is not
//! live. Stale observations count as missing. What cannot be told is `unknown`/`null`, never
//! guessed: membership comes only from a fresh cluster configuration. Whether a region answers
//! is decided by Camunda's own endpoints, not by its Elasticsearch or Kubernetes API.
//!
//! Everything here is bounded by what a real cluster can hold (brokers, partitions,
//! exporters), every lookup is by index, and every string from outside is cleaned of control
//! characters before it can reach a terminal.

mod brokers;
mod cluster;
mod exporter_flow;
pub mod exporter_lag;
mod exporters;
mod facts;
mod partitions;
mod regions;
mod runs;
mod topology;
mod traffic;

use super::input::{ModelConfig, Obs, Snapshot, Source};
use super::verdict;
use super::view::*;
use crate::text::clean;
use facts::Facts;
use std::time::Duration;

/// More partitions than any Zeebe cluster runs; larger counts are treated as garbled.
pub const MAX_PARTITIONS: usize = 8192;
/// More brokers than any Zeebe cluster runs; a longer list is garbled and not used.
pub const MAX_BROKERS: usize = 1024;
/// More exporters than any deployment configures; a longer list is garbled and not used.
pub const MAX_EXPORTERS: usize = 64;

/// Schema version of the JSON view.
/// 2: `runs` (issue 17 §1).
/// 3: `exporters[]` per exporter and partition: `lag`, `lag_rate_per_s`, `phase`,
/// `last_moved_s`, `flow`, `stuck`, `target`, `re_enabled`, `partitions[]` (issue 16 §2).
pub const SCHEMA_VERSION: u32 = 3;

/// What every subject reads: the observations, the configuration, the instant, and the
/// previous view for what needs memory.
struct Ctx<'a> {
    snap: &'a Snapshot,
    cfg: &'a ModelConfig,
    now: jiff::Timestamp,
    /// Observations older than this count as missing.
    stale: Duration,
    prev: Option<&'a ClusterView>,
}

impl<'a> Ctx<'a> {
    fn age(&self, at: jiff::Timestamp) -> Duration {
        age(self.now, at)
    }

    fn is_fresh(&self, at: jiff::Timestamp) -> bool {
        self.age(at) <= self.stale
    }

    /// The observation's value when it is fresh and could be read.
    fn fresh<T>(&self, o: &'a Option<Obs<T>>) -> Option<&'a T> {
        o.as_ref()
            .filter(|o| self.is_fresh(o.at))
            .and_then(|o| o.value.as_ref().ok())
    }

    /// Whether an answer of `source` is fresh, judged by how often that source is read.
    fn is_fresh_from(&self, source: Source, at: jiff::Timestamp) -> bool {
        let slow = crate::source::table::row(source)
            .is_some_and(|r| r.cadence == crate::source::table::Cadence::Slow);
        if slow {
            self.age(at) <= self.stale.max(self.cfg.stale_after_slow)
        } else {
            self.is_fresh(at)
        }
    }

    /// [`Ctx::fresh`] for a source read on its own cadence.
    fn fresh_from<T>(&self, source: Source, o: &'a Option<Obs<T>>) -> Option<&'a T> {
        o.as_ref()
            .filter(|o| self.is_fresh_from(source, o.at))
            .and_then(|o| o.value.as_ref().ok())
    }
}

fn age(now: jiff::Timestamp, at: jiff::Timestamp) -> Duration {
    let d = now.duration_since(at);
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

/// An observation's error in the view's words: the one place where an error from a source
/// becomes text, so the error's type matters nowhere else.
fn error_words(e: &impl std::fmt::Display) -> String {
    clean(&e.to_string())
}

/// Whether a list from outside is within what a real cluster holds; a longer one is
/// garbled, noted as an anomaly, and not used.
fn bounded(len: usize, max: usize, source: &str, what: &str, anomalies: &mut Vec<String>) -> bool {
    if len > max {
        anomalies.push(format!(
            "{source} lists {len} {what} (more than {max}): ignored as garbled"
        ));
    }
    len <= max
}

/// Derives the view. `prev` carries what needs memory (since when a region is unreachable,
/// since when a source fails, whether the export lag grows).
pub fn derive(
    snap: &Snapshot,
    cfg: &ModelConfig,
    now: jiff::Timestamp,
    prev: Option<&ClusterView>,
) -> ClusterView {
    let cx = Ctx {
        snap,
        cfg,
        now,
        stale: cfg.stale_after,
        prev,
    };
    // Anomalies are reported in the order they are found, subject by subject.
    let mut anomalies: Vec<String> = vec![];
    let facts = Facts::gather(&cx, &mut anomalies);
    let brokers = brokers::brokers(&cx, &facts, &mut anomalies);
    let partition_ids = partitions::ids(&facts, &mut anomalies);
    let partitions = partitions::partitions(&partition_ids, &facts);
    let exporter_list = exporters::freshest(&cx, &mut anomalies);
    let gateway_version = facts.gateway_version();
    let family = exporters::family(gateway_version.as_deref(), exporter_list);
    let export = exporters::export_view(&cx);
    let regions = regions::regions(&cx, &facts, &brokers);
    let exporters = exporters::views(
        &cx,
        exporter_list,
        family,
        &regions,
        &partition_ids,
        export.exporting,
    );
    let traffic = traffic::traffic(&cx, &regions, &brokers, &exporters);
    let mut view = ClusterView {
        version: SCHEMA_VERSION,
        name: cfg.name.clone(),
        at: now.to_string(),
        processing: partitions::processing(&partitions),
        verdict: Verdict {
            level: Level::Unknown,
            reasons: vec![],
            detail: vec![],
        },
        regions,
        brokers,
        partitions,
        exporters,
        exporting: export.exporting,
        export,
        cluster: cluster::summary(
            &facts,
            &partition_ids,
            gateway_version,
            family,
            exporter_list.map(|(i, _)| i),
            topology::topology(&facts, &cfg.zones),
        ),
        traffic,
        runs: runs::runs(&cx),
        anomalies,
        zones: cfg.zones,
    };
    view.verdict = verdict::judge(&view, now);
    view
}
