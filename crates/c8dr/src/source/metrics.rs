//! A broker's `/actuator/prometheus` answer (the Prometheus text exposition format) read into
//! a typed [`BrokerMetrics`]: the exporters' positions and phase, each partition's committed
//! position, health and Raft role, and the topology change in progress.
//!
//! Parsed with `prometheus-parse`; everything but the few meters c8dr reads is skipped, and
//! so are labels it does not know (8.10 adds `physicalTenant`, a scrape config adds `pod`).
//! A partition is keyed by its `partition` label; a sample without one (or with one that is
//! no number) is not c8dr's and is skipped. An answer with none of Zeebe's meters at all (a
//! proxy's page, a gateway) is refused: "no exporters" must never be read from it.

use super::SourceError;
use crate::api::metrics::{
    self as m, BrokerMetrics, ExporterPhaseCode, HealthCode, PartitionMetrics, RaftRoleCode,
};
use prometheus_parse::{Scrape, Value};

/// Parses an exposition body.
pub fn parse(body: &[u8]) -> Result<BrokerMetrics, SourceError> {
    let text = std::str::from_utf8(body).map_err(|e| malformed(format!("not UTF-8: {e}")))?;
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .map_err(|e| malformed(e.to_string()))?;
    let mut out = BrokerMetrics::default();
    let mut known = false;
    for s in &scrape.samples {
        let Some(v) = value(&s.value) else { continue };
        let partition = || {
            s.labels
                .get(m::LABEL_PARTITION)
                .and_then(|p| p.parse::<i32>().ok())
        };
        let mut at = |f: &mut dyn FnMut(&mut PartitionMetrics)| {
            if let Some(p) = partition() {
                f(out.partitions.entry(p).or_default());
            }
        };
        match s.metric.as_str() {
            m::EXPORTED_POSITION => {
                let exporter = s
                    .labels
                    .get(m::LABEL_EXPORTER)
                    .or_else(|| s.labels.get(m::LABEL_EXPORTER_ID));
                if let Some(e) = exporter {
                    at(&mut |p| {
                        p.exported.insert(e.to_string(), v as i64);
                    });
                }
            }
            m::EXPORTER_STATE => {
                at(&mut |p| p.exporter_phase = Some(ExporterPhaseCode::from_value(v)))
            }
            m::COMMITTED_POSITION => at(&mut |p| p.committed_position = Some(v as i64)),
            m::HEALTH => at(&mut |p| p.health = Some(HealthCode::from_value(v))),
            m::ROLE => at(&mut |p| p.role = Some(RaftRoleCode::from_value(v))),
            m::CHANGES_ID => out.changes.id = Some(v as i64),
            m::CHANGES_VERSION => out.changes.version = Some(v as i64),
            m::CHANGES_PENDING => out.changes.pending = Some(v as i64),
            m::CHANGES_COMPLETED => out.changes.completed = Some(v as i64),
            m::CHANGES_STATUS => {
                if v == 1.0
                    && let Some(status) = s.labels.get(m::CHANGES_STATUS)
                {
                    out.changes.status = Some(status.to_string());
                }
            }
            _ => continue,
        }
        known = true;
    }
    if known {
        Ok(out)
    } else {
        Err(malformed("no Zeebe broker metrics in the answer".into()))
    }
}

/// A gauge's (or an untyped sample's) finite value; a position of NaN or ±Inf says nothing.
fn value(v: &Value) -> Option<f64> {
    match v {
        Value::Gauge(v) | Value::Untyped(v) | Value::Counter(v) if v.is_finite() => Some(*v),
        _ => None,
    }
}

fn malformed(message: String) -> SourceError {
    SourceError::Malformed {
        path: String::new(),
        line: 0,
        column: 0,
        message: Some(crate::text::clean(&message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::metrics::ChangeMetrics;

    const SAMPLE: &[u8] =
        include_bytes!("../../../../fixtures/prometheus/zeebe-broker-metrics-derived.txt");

    #[test]
    fn the_vendored_sample_reads_into_exporters_partitions_and_changes() {
        let got = parse(SAMPLE).unwrap();
        let p1 = &got.partitions[&1];
        assert_eq!(p1.committed_position, Some(4_294_975_000));
        assert_eq!(p1.health, Some(HealthCode::Healthy));
        assert_eq!(p1.role, Some(RaftRoleCode::Leader));
        assert_eq!(p1.exporter_phase, Some(ExporterPhaseCode::Exporting));
        assert_eq!(p1.exported["camundaregion0"], 4_294_974_000);
        assert_eq!(p1.exported["camundaregion1"], 4_294_967_296);
        let p2 = &got.partitions[&2];
        assert_eq!(p2.role, Some(RaftRoleCode::Follower));
        assert!(p2.exported.is_empty() && p2.exporter_phase.is_none());
        assert_eq!(
            got.changes,
            ChangeMetrics {
                id: Some(0),
                status: Some("COMPLETED".into()),
                version: Some(0),
                pending: Some(0),
                completed: Some(0),
            }
        );
        assert_eq!(got.exporters().count(), 2);
    }

    #[test]
    fn unknown_metrics_and_labels_are_skipped_and_exporter_id_is_read_too() {
        let body = b"# TYPE zeebe_exporter_last_exported_position gauge\n\
            zeebe_exporter_last_exported_position{exporterId=\"camundaregion1\",partition=\"3\",physicalTenant=\"default\",pod=\"x\"} 12.0\n\
            zeebe_exporter_last_exported_position{exporter=\"camundaregion0\"} 9\n\
            zeebe_health{partition=\"not-a-number\"} 1\n\
            zeebe_something_new{partition=\"3\"} 7\n\
            zeebe_exporter_state{partition=\"3\"} 9\n\
            zeebe_log_appender_last_committed_position{partition=\"3\"} NaN\n\
            garbage line {{{\n";
        let got = parse(body).unwrap();
        assert_eq!(got.partitions.len(), 1);
        let p3 = &got.partitions[&3];
        assert_eq!(p3.exported.len(), 1);
        assert_eq!(p3.exported["camundaregion1"], 12);
        assert_eq!(p3.exporter_phase, Some(ExporterPhaseCode::Other(9)));
        assert_eq!(p3.committed_position, None);
    }

    #[test]
    fn the_older_simpleclient_format_with_a_trailing_comma_reads_too() {
        // Zeebe before Micrometer (prometheus simpleclient) ended label sets with a comma.
        let body = b"zeebe_exporter_last_exported_position{exporter=\"elasticsearch\",partition=\"1\",} 2295191.0\n";
        let got = parse(body).unwrap();
        assert_eq!(got.partitions[&1].exported["elasticsearch"], 2_295_191);
    }

    #[test]
    fn an_answer_without_zeebe_metrics_is_refused_not_read_as_no_exporters() {
        for body in [
            &b"<html>login</html>"[..],
            b"jvm_threads_live_threads 84.0\n",
            b"",
        ] {
            assert!(matches!(parse(body), Err(SourceError::Malformed { .. })));
        }
        assert!(matches!(
            parse(b"\xff\xfe zeebe_health 1"),
            Err(SourceError::Malformed { .. })
        ));
    }
}
