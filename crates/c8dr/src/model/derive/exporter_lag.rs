//! Lag per exporter and partition from the brokers' metrics (issue 16 §2): the highest
//! committed position any replica reports minus the highest position the exporter reports,
//! each `max` over brokers. Not `sum`: every replica reports the committed position and a
//! former leader keeps its last exported one, so sums count them twice (camunda/camunda#8127).
//!
//! Both regions' brokers belong to one cluster, so their readings are pooled; only answers
//! newer than `since` count (a stale scrape must not hide a lag that grew since).

use crate::model::input::Snapshot;
use std::collections::BTreeMap;

/// Per (exporter id, partition): committed − exported, never below 0; absent where either
/// position is unknown.
pub fn exporter_lag(snap: &Snapshot, since: jiff::Timestamp) -> BTreeMap<(String, i32), i64> {
    let mut committed: BTreeMap<i32, i64> = BTreeMap::new();
    let mut exported: BTreeMap<(String, i32), i64> = BTreeMap::new();
    let fresh = snap
        .regions
        .iter()
        .flat_map(|(_, r)| r.metrics.values())
        .filter(|o| o.at >= since)
        .filter_map(|o| o.value.as_ref().ok());
    for m in fresh {
        for (p, pm) in &m.partitions {
            if let Some(c) = pm.committed_position {
                let e = committed.entry(*p).or_insert(c);
                *e = (*e).max(c);
            }
        }
        for (id, p, pos) in m.exporters() {
            let e = exported.entry((id.to_string(), p)).or_insert(pos);
            *e = (*e).max(pos);
        }
    }
    exported
        .into_iter()
        .filter_map(|((id, p), pos)| {
            committed
                .get(&p)
                .map(|c| ((id, p), c.saturating_sub(pos).max(0)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::metrics::{BrokerMetrics, PartitionMetrics};
    use crate::api::{BrokerId, Region};
    use crate::model::input::Obs;
    use std::time::Duration;

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(s).unwrap()
    }

    fn broker(committed: i64, exported: &[(&str, i64)]) -> BrokerMetrics {
        let pm = PartitionMetrics {
            committed_position: Some(committed),
            exported: exported.iter().map(|(e, p)| (e.to_string(), *p)).collect(),
            ..Default::default()
        };
        BrokerMetrics {
            partitions: [(1, pm)].into_iter().collect(),
            ..Default::default()
        }
    }

    fn put(snap: &mut Snapshot, r: Region, b: i32, when: i64, m: BrokerMetrics) {
        snap.regions[r].metrics.insert(
            BrokerId::Numbered(b),
            Obs {
                at: at(when),
                took: Duration::ZERO,
                value: Ok(m),
            },
        );
    }

    #[test]
    fn lag_is_max_committed_minus_max_exported_never_a_sum() {
        let mut snap = Snapshot::default();
        // The leader in region 0 exports; a follower in region 1 reports the same committed
        // position and a former leader's older exported position.
        put(
            &mut snap,
            Region::ZERO,
            0,
            100,
            broker(1000, &[("camundaregion0", 990), ("camundaregion1", 400)]),
        );
        put(
            &mut snap,
            Region::ONE,
            1,
            100,
            broker(1000, &[("camundaregion0", 500)]),
        );
        put(&mut snap, Region::ONE, 3, 100, broker(980, &[]));
        let lag = exporter_lag(&snap, at(50));
        assert_eq!(lag[&("camundaregion0".to_string(), 1)], 10);
        assert_eq!(lag[&("camundaregion1".to_string(), 1)], 600);
        assert_eq!(lag.len(), 2);
    }

    #[test]
    fn stale_and_failed_answers_do_not_count() {
        let mut snap = Snapshot::default();
        put(
            &mut snap,
            Region::ZERO,
            0,
            10,
            broker(5000, &[("camundaregion0", 0)]),
        );
        put(
            &mut snap,
            Region::ZERO,
            2,
            100,
            broker(1000, &[("camundaregion0", 1200)]),
        );
        snap.regions[Region::ONE].metrics.insert(
            BrokerId::Numbered(1),
            Obs::failed(
                at(100),
                crate::source::SourceError::Timeout { within: None },
            ),
        );
        // Exported ahead of committed (scraped at different instants) is no negative lag.
        assert_eq!(
            exporter_lag(&snap, at(50)),
            [(("camundaregion0".to_string(), 1), 0)]
                .into_iter()
                .collect()
        );
    }
}
