//! What `c8dr watch` serves on `/metrics`: the cockpit's view of both regions, as Prometheus
//! gauges and counters (`c8dr_` prefix, base units). A pure function of the latest view and
//! the loop's counters, so every metric is tested without a server.
//!
//! Unknown is never written as 0: a region whose reach is unknown, a partition whose quorum
//! cannot be told, a traffic agreement nobody could check have no sample at all (alert on
//! `absent()` or on `c8dr_region_data_age_seconds`), because "0" would claim the opposite of
//! what is known.

use super::exposition::{Exposition, Kind};
use crate::model::{ClusterView, Level, Processing, Reach};

/// What the loop counted since it started, and how old its view is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters {
    /// Views derived (one per new snapshot or clock tick).
    pub views: u64,
    /// Times the verdict's level changed.
    pub verdict_changes: u64,
    /// Events (as the cockpit's event log shows them) per level: ok, warning, critical, unknown.
    pub events: [u64; 4],
    /// Seconds since the view was derived, at scrape time.
    pub view_age_s: f64,
}

/// The verdict level as a number: the exit codes of `c8dr check`.
pub fn level_number(l: Level) -> f64 {
    match l {
        Level::Ok => 0.0,
        Level::Warning => 1.0,
        Level::Critical => 2.0,
        Level::Unknown => 3.0,
    }
}

const LEVELS: [(Level, &str); 4] = [
    (Level::Ok, "ok"),
    (Level::Warning, "warning"),
    (Level::Critical, "critical"),
    (Level::Unknown, "unknown"),
];

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The word `status --json` uses for a source, so labels and JSON agree.
fn source_word(s: crate::model::Source) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The exposition of `view` (none yet: only the watcher's own metrics).
pub fn encode(view: Option<&ClusterView>, c: &Counters) -> String {
    let mut e = Exposition::new();
    e.family(
        "c8dr_info",
        Kind::Gauge,
        "c8dr's version, and the deployment it watches",
    )
    .sample(
        &[
            ("version", crate::cli::install::VERSION),
            ("cluster", view.map_or("", |v| v.name.as_str())),
            (
                "camunda_family",
                view.map_or("unknown", |v| v.cluster.family.as_str()),
            ),
            (
                "topology",
                view.map_or("unknown", |v| v.cluster.topology.kind.words()),
            ),
        ],
        1.0,
    );
    e.family(
        "c8dr_up",
        Kind::Gauge,
        "1 when c8dr has derived a view of the deployment",
    )
    .sample(&[], flag(view.is_some()));
    e.family(
        "c8dr_view_age_seconds",
        Kind::Gauge,
        "Seconds since c8dr last derived its view (it does so on every answer and every second)",
    )
    .sample(&[], c.view_age_s);
    e.family(
        "c8dr_views_total",
        Kind::Counter,
        "Views derived since c8dr watch started",
    )
    .sample(&[], c.views as f64);
    e.family(
        "c8dr_verdict_changes_total",
        Kind::Counter,
        "Changes of the verdict's level",
    )
    .sample(&[], c.verdict_changes as f64);
    {
        let mut f = e.family(
            "c8dr_events_total",
            Kind::Counter,
            "Events of the cockpit's event log, by level",
        );
        for (i, (_, word)) in LEVELS.iter().enumerate() {
            f.sample(&[("level", word)], c.events[i] as f64);
        }
    }
    if let Some(v) = view {
        deployment(&mut e, v);
    }
    e.finish()
}

fn deployment(e: &mut Exposition, v: &ClusterView) {
    e.family(
        "c8dr_verdict_level",
        Kind::Gauge,
        "The verdict: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (c8dr check's exit codes)",
    )
    .sample(&[], level_number(v.verdict.level));
    {
        let mut f = e.family(
            "c8dr_processing",
            Kind::Gauge,
            "Whether Zeebe processes: 1 for the current state (active, degraded, halted, unknown)",
        );
        for p in [
            Processing::Active,
            Processing::Degraded,
            Processing::Halted,
            Processing::Unknown,
        ] {
            f.sample(&[("state", p.as_str())], flag(v.processing == p));
        }
    }
    regions(e, v);
    partitions(e, v);
    exporters(e, v);
    traffic(e, v);
    change_and_runs(e, v);
}

/// One gauge per region, where `value` knows it.
fn per_region(
    e: &mut Exposition,
    v: &ClusterView,
    name: &'static str,
    help: &str,
    value: impl Fn(&crate::model::RegionView) -> Option<f64>,
) {
    let mut f = e.family(name, Kind::Gauge, help);
    for r in &v.regions {
        if let Some(x) = value(r) {
            let id = r.id.to_string();
            f.sample(&[("region", &id), ("name", &r.name)], x);
        }
    }
}

/// One gauge per region and source, where `value` knows it.
fn per_source(
    e: &mut Exposition,
    v: &ClusterView,
    name: &'static str,
    help: &str,
    value: impl Fn(&crate::model::SourceView) -> Option<f64>,
) {
    let mut f = e.family(name, Kind::Gauge, help);
    for r in &v.regions {
        let id = r.id.to_string();
        for s in &r.sources {
            if let Some(x) = value(s) {
                let word = source_word(s.source);
                f.sample(&[("region", &id), ("name", &r.name), ("source", &word)], x);
            }
        }
    }
}

fn regions(e: &mut Exposition, v: &ClusterView) {
    per_region(
        e,
        v,
        "c8dr_region_reachable",
        "1 when the region's Camunda answers, 0 when it does not (no sample while unknown)",
        |r| match r.reachable {
            Reach::Up => Some(1.0),
            Reach::Down => Some(0.0),
            Reach::Unknown => None,
        },
    );
    per_region(
        e,
        v,
        "c8dr_region_data_age_seconds",
        "Age of the newest answer from the region's Camunda",
        |r| r.data_age_s,
    );
    per_region(
        e,
        v,
        "c8dr_region_brokers_up",
        "Brokers of the region the cluster topology shows",
        |r| r.brokers_up.map(|n| n as f64),
    );
    per_region(
        e,
        v,
        "c8dr_region_brokers_expected",
        "Brokers the region should have (from the cluster size)",
        |r| r.brokers_expected.map(|n| n as f64),
    );
    per_source(
        e,
        v,
        "c8dr_source_up",
        "1 when c8dr's read of this source in the region last succeeded",
        |s| Some(flag(s.ok)),
    );
    per_source(
        e,
        v,
        "c8dr_source_age_seconds",
        "Age of the source's last successful answer in the region",
        |s| s.age_s,
    );
}

fn partitions(e: &mut Exposition, v: &ClusterView) {
    e.family("c8dr_partitions", Kind::Gauge, "Partitions c8dr sees")
        .sample(&[], v.partitions.len() as f64);
    e.family(
        "c8dr_partitions_with_quorum",
        Kind::Gauge,
        "Partitions whose live replicas form a quorum",
    )
    .sample(&[], v.partitions_with_quorum() as f64);
    let ids: Vec<String> = v.partitions.iter().map(|p| p.id.to_string()).collect();
    {
        let mut f = e.family(
            "c8dr_partition_quorum",
            Kind::Gauge,
            "1 when the partition has quorum, 0 when it has lost it (no sample while unknown)",
        );
        for (p, id) in v.partitions.iter().zip(&ids) {
            if let Some(q) = p.has_quorum {
                f.sample(&[("partition", id)], flag(q));
            }
        }
    }
    {
        let mut f = e.family(
            "c8dr_partition_live_replicas",
            Kind::Gauge,
            "Replicas of the partition on live brokers",
        );
        for (p, id) in v.partitions.iter().zip(&ids) {
            f.sample(&[("partition", id)], p.live_replicas.len() as f64);
        }
    }
    {
        let mut f = e.family(
            "c8dr_partition_replicas",
            Kind::Gauge,
            "Replicas the partition should have",
        );
        for (p, id) in v.partitions.iter().zip(&ids) {
            f.sample(&[("partition", id)], p.replica_count as f64);
        }
    }
    {
        let mut f = e.family(
            "c8dr_partition_leader_region",
            Kind::Gauge,
            "The region of the partition's leader; -1 when it has none",
        );
        for (p, id) in v.partitions.iter().zip(&ids) {
            let region = match p.leader {
                None => -1.0,
                Some(b) => match v.region_of(b) {
                    Some(r) => f64::from(r.id()),
                    // A leader in a zone no region is configured with: known to lead,
                    // unknown where. No sample rather than a wrong region.
                    None => continue,
                },
            };
            f.sample(&[("partition", id)], region);
        }
    }
}

/// One gauge per exporter and partition, where `value` knows it.
fn per_exporter_partition(
    e: &mut Exposition,
    v: &ClusterView,
    name: &'static str,
    help: &str,
    value: impl Fn(&crate::model::ExporterPartitionView) -> Option<f64>,
) {
    let mut f = e.family(name, Kind::Gauge, help);
    for x in &v.exporters {
        let region = x.region.map(|r| r.to_string()).unwrap_or_default();
        for p in &x.partitions {
            if let Some(val) = value(p) {
                let id = p.id.to_string();
                f.sample(
                    &[("exporter", &x.id), ("region", &region), ("partition", &id)],
                    val,
                );
            }
        }
    }
}

fn exporters(e: &mut Exposition, v: &ClusterView) {
    per_exporter_partition(
        e,
        v,
        "c8dr_exporter_lag_positions",
        "Log positions committed on the partition but not yet exported by the exporter",
        |p| p.lag.map(|l| l as f64),
    );
    per_exporter_partition(
        e,
        v,
        "c8dr_exporter_lag_rate_positions_per_second",
        "How fast the exporter's lag on the partition grows (negative: it shrinks)",
        |p| p.lag_rate_per_s,
    );
    per_exporter_partition(
        e,
        v,
        "c8dr_exporter_still_seconds",
        "Seconds since the exporter's position on the partition last moved (at least)",
        |p| p.last_moved_s,
    );
    {
        let mut f = e.family(
            "c8dr_exporter_stuck",
            Kind::Gauge,
            "1 when the exporter stands still while the log grows and its Elasticsearch \
             answers, 0 when not (no sample while c8dr cannot tell yet)",
        );
        for x in &v.exporters {
            if let Some(stuck) = x.stuck {
                let region = x.region.map(|r| r.to_string()).unwrap_or_default();
                f.sample(&[("exporter", &x.id), ("region", &region)], flag(stuck));
            }
        }
    }
    {
        let mut f = e.family(
            "c8dr_exporter_enabled",
            Kind::Gauge,
            "1 when the exporter is enabled, 0 otherwise (disabling, disabled, unknown)",
        );
        for x in &v.exporters {
            let region = x.region.map(|r| r.to_string()).unwrap_or_default();
            f.sample(
                &[("exporter", &x.id), ("region", &region)],
                flag(x.status == crate::model::ExporterState::Enabled),
            );
        }
    }
    if let Some(lag) = v.export.lag {
        e.family(
            "c8dr_export_lag_positions",
            Kind::Gauge,
            "The largest export lag over the partitions (processed − exported, /actuator/partitions)",
        )
        .sample(&[], lag as f64);
    }
    if let Some(rate) = v.export.lag_per_s {
        e.family(
            "c8dr_export_lag_rate_positions_per_second",
            Kind::Gauge,
            "How fast the export lag grows (negative: it shrinks)",
        )
        .sample(&[], rate);
    }
}

fn traffic(e: &mut Exposition, v: &ClusterView) {
    if let Some(agrees) = v.traffic.agrees {
        e.family(
            "c8dr_traffic_agreement",
            Kind::Gauge,
            "1 when user traffic goes where the processing is, 0 when it does not",
        )
        .sample(&[], flag(agrees));
    }
    if let Some(observed) = &v.traffic.observed {
        let mut f = e.family(
            "c8dr_traffic_region",
            Kind::Gauge,
            "1 for each region the traffic hostname resolves to",
        );
        for r in &v.regions {
            let id = r.id.to_string();
            f.sample(
                &[("region", &id), ("name", &r.name)],
                flag(observed.contains(&r.id)),
            );
        }
    }
}

fn change_and_runs(e: &mut Exposition, v: &ClusterView) {
    let pending = v.cluster.pending_change.as_ref();
    e.family(
        "c8dr_cluster_change_pending",
        Kind::Gauge,
        "1 while a cluster topology change is in progress",
    )
    .sample(&[], flag(pending.is_some()));
    if let Some(c) = pending {
        e.family(
            "c8dr_cluster_change_operations",
            Kind::Gauge,
            "Operations of the pending change, done and in total",
        )
        .sample(&[("state", "done")], c.done as f64)
        .sample(&[("state", "total")], c.total as f64);
    }
    let held = v.runs.iter().filter(|r| r.held()).count();
    e.family(
        "c8dr_runbook_runs_held",
        Kind::Gauge,
        "Runbook run leases held on the cluster (live or expired)",
    )
    .sample(&[], held as f64);
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;
    use crate::demo::scenes;
    use prometheus_parse::{Sample, Scrape, Value};

    fn scrape(view: Option<&ClusterView>) -> Scrape {
        let text = encode(view, &Counters::default());
        match Scrape::parse(text.lines().map(|l| Ok(l.to_string()))) {
            Ok(s) => s,
            Err(e) => panic!("the exposition does not parse: {e}\n{text}"),
        }
    }

    fn scene(name: &str) -> (ClusterView, ClusterView) {
        let s = scenes::SCENES.iter().find(|s| s.name == name);
        scenes::views(s.unwrap_or_else(|| panic!("no scene {name}")))
    }

    fn value(s: &Sample) -> f64 {
        match s.value {
            Value::Gauge(v) | Value::Counter(v) | Value::Untyped(v) => v,
            _ => f64::NAN,
        }
    }

    /// The samples of `metric` whose labels include all of `labels`.
    fn find(sc: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        sc.samples
            .iter()
            .filter(|s| s.metric == metric)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(value)
            .collect()
    }

    #[test]
    fn a_lost_region_shows_in_the_metrics_an_alert_rule_reads() {
        let (healthy, lost) = scene("region1-lost");
        let before = scrape(Some(&healthy));
        let after = scrape(Some(&lost));
        assert_eq!(find(&before, "c8dr_verdict_level", &[]), [0.0]);
        assert_eq!(find(&after, "c8dr_verdict_level", &[]), [2.0]);
        assert_eq!(
            find(&before, "c8dr_region_reachable", &[("region", "1")]),
            [1.0]
        );
        assert_eq!(
            find(&after, "c8dr_region_reachable", &[("region", "1")]),
            [0.0]
        );
        assert_eq!(
            find(&after, "c8dr_region_reachable", &[("region", "0")]),
            [1.0]
        );
        let partitions = healthy.partitions.len() as f64;
        assert_eq!(
            find(&before, "c8dr_partitions_with_quorum", &[]),
            [partitions]
        );
        assert_eq!(find(&after, "c8dr_partitions_with_quorum", &[]), [0.0]);
        assert_eq!(
            find(&after, "c8dr_partition_quorum", &[("partition", "1")]),
            [0.0]
        );
        assert_eq!(
            find(&after, "c8dr_processing", &[("state", "halted")]),
            [1.0]
        );
        assert_eq!(
            find(&after, "c8dr_processing", &[("state", "active")]),
            [0.0]
        );
        // Every partition is counted once in each per-partition family.
        assert_eq!(
            find(&before, "c8dr_partition_live_replicas", &[]).len(),
            healthy.partitions.len()
        );
        // Leaders are somewhere while healthy: region 0 or 1, never "none".
        assert!(
            find(&before, "c8dr_partition_leader_region", &[])
                .iter()
                .all(|r| *r == 0.0 || *r == 1.0)
        );
    }

    #[test]
    fn a_stuck_exporter_is_named_per_region_and_partition() {
        let (_, stuck) = scene("exporter-stuck");
        let sc = scrape(Some(&stuck));
        let is = |x: &str| find(&sc, "c8dr_exporter_stuck", &[("exporter", x)]);
        assert_eq!(is("camundaregion1"), [1.0]);
        assert_eq!(is("camundaregion0"), [0.0]);
        let lags = |x: &str| find(&sc, "c8dr_exporter_lag_positions", &[("exporter", x)]);
        let partitions = stuck.partitions.len();
        assert_eq!(lags("camundaregion1").len(), partitions);
        let max = |v: Vec<f64>| v.into_iter().fold(0.0, f64::max);
        assert!(max(lags("camundaregion1")) > max(lags("camundaregion0")));
        assert!(
            find(
                &sc,
                "c8dr_exporter_lag_rate_positions_per_second",
                &[("exporter", "camundaregion1"), ("region", "1")]
            )
            .iter()
            .all(|r| *r > 0.0)
        );
    }

    #[test]
    fn unknown_is_no_sample_rather_than_zero() {
        let (mut view, _) = scene("healthy");
        view.regions[1].reachable = Reach::Unknown;
        view.partitions[0].has_quorum = None;
        view.traffic.agrees = None;
        for x in &mut view.exporters {
            x.stuck = None;
        }
        let sc = scrape(Some(&view));
        assert!(find(&sc, "c8dr_region_reachable", &[("region", "1")]).is_empty());
        assert_eq!(
            find(&sc, "c8dr_region_reachable", &[("region", "0")]),
            [1.0]
        );
        let p = view.partitions[0].id.to_string();
        assert!(find(&sc, "c8dr_partition_quorum", &[("partition", &p)]).is_empty());
        assert!(find(&sc, "c8dr_traffic_agreement", &[]).is_empty());
        assert!(find(&sc, "c8dr_exporter_stuck", &[]).is_empty());
    }

    #[test]
    fn before_the_first_view_only_the_watchers_own_metrics_are_served() {
        let sc = scrape(None);
        assert_eq!(find(&sc, "c8dr_up", &[]), [0.0]);
        assert!(find(&sc, "c8dr_verdict_level", &[]).is_empty());
        assert_eq!(
            find(&sc, "c8dr_info", &[("camunda_family", "unknown")]),
            [1.0]
        );
    }

    #[test]
    fn every_family_has_help_and_a_type_and_the_prefix() {
        let (_, lost) = scene("region1-lost");
        let text = encode(Some(&lost), &Counters::default());
        let mut families = 0;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                families += 1;
                let name = rest.split(' ').next().unwrap_or("");
                assert!(name.starts_with("c8dr_"), "{line}");
                assert!(
                    text.contains(&format!("# HELP {name} ")),
                    "{name} has no help"
                );
                if rest.ends_with(" counter") {
                    assert!(name.ends_with("_total"), "counter {name} without _total");
                }
            } else if !line.starts_with('#') {
                assert!(line.starts_with("c8dr_"), "{line}");
            }
        }
        assert!(families > 20, "{families} families");
    }
}
