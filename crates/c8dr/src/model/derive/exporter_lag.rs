//! Lag per exporter and partition from the brokers' metrics (issue 16 §2): the highest
//! committed position any replica reports minus the highest position the exporter reports,
//! each `max` over brokers. Not `sum`: every replica reports the committed position and a
//! former leader keeps its last exported one, so sums count them twice (camunda/camunda#8127).
//!
//! Only a leader's exporter gauges count (or a broker's that exposes no role at all): the
//! exporter director runs on the leader, and a former leader's gauge keeps its last value, so
//! a follower's reading would show an exporter standing still that is not. Readings from
//! followers alone leave the exported position unknown, never still.
//!
//! The committed position is the one the exporting leader reported in the same scrape when it
//! did (replicas scraped a moment later would add the log's growth in between to the lag),
//! else the highest any replica reports. Both regions' brokers belong to one cluster, so their
//! readings are pooled; only answers that `fresh` accepts count (a stale scrape must not hide
//! a lag that grew since).

use crate::api::metrics::{ExporterPhaseCode, RaftRoleCode};
use crate::model::input::Snapshot;
use std::collections::BTreeMap;

/// What the brokers' metrics say of one exporter on one partition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The newest scrape a leader's exported position came from.
    pub at: jiff::Timestamp,
    /// Highest committed position any replica reports (absent: none does).
    pub committed: Option<i64>,
    /// Highest position the exporter reports on a leader.
    pub exported: i64,
    /// The leader's exporter phase (one for all of the partition's exporters).
    pub phase: Option<ExporterPhaseCode>,
}

impl Reading {
    /// Committed − exported, never below 0 (scraped at different instants, exported can be
    /// ahead); absent when the committed position is unknown.
    pub fn lag(&self) -> Option<i64> {
        self.committed
            .map(|c| c.saturating_sub(self.exported).max(0))
    }
}

/// Per (exporter id, partition): the pooled reading of the fresh answers; absent where no
/// leader reported the exporter's position.
pub fn readings(
    snap: &Snapshot,
    fresh: impl Fn(jiff::Timestamp) -> bool,
) -> BTreeMap<(String, i32), Reading> {
    let mut committed: BTreeMap<i32, i64> = BTreeMap::new();
    let mut out: BTreeMap<(String, i32), Reading> = BTreeMap::new();
    // The committed position beside the exported one taken for each reading.
    let mut beside: BTreeMap<(String, i32), Option<i64>> = BTreeMap::new();
    let answers = snap
        .regions
        .iter()
        .flat_map(|(_, r)| r.metrics.values())
        .filter(|o| fresh(o.at))
        .filter_map(|o| o.value.as_ref().ok().map(|m| (o.at, m)));
    for (at, m) in answers {
        for (p, pm) in m.partitions.iter().take(super::MAX_PARTITIONS) {
            if let Some(c) = pm.committed_position {
                let e = committed.entry(*p).or_insert(c);
                *e = (*e).max(c);
            }
            if matches!(pm.role, Some(r) if r != RaftRoleCode::Leader) {
                continue;
            }
            for (id, pos) in pm.exported.iter().take(super::MAX_EXPORTERS) {
                let r = out.entry((id.clone(), *p)).or_insert(Reading {
                    at,
                    committed: None,
                    exported: *pos,
                    phase: pm.exporter_phase,
                });
                let first = !beside.contains_key(&(id.clone(), *p));
                if first || *pos > r.exported || (*pos == r.exported && at > r.at) {
                    r.exported = *pos;
                    r.phase = pm.exporter_phase.or(r.phase);
                    beside.insert((id.clone(), *p), pm.committed_position);
                }
                r.at = r.at.max(at);
            }
        }
    }
    for ((id, p), r) in out.iter_mut() {
        r.committed = beside
            .get(&(id.clone(), *p))
            .copied()
            .flatten()
            .or_else(|| committed.get(p).copied());
    }
    out
}

/// Per (exporter id, partition): committed − exported, never below 0; absent where either
/// position is unknown. Only answers newer than `since` count.
pub fn exporter_lag(snap: &Snapshot, since: jiff::Timestamp) -> BTreeMap<(String, i32), i64> {
    readings(snap, |at| at >= since)
        .into_iter()
        .filter_map(|(k, r)| r.lag().map(|l| (k, l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::metrics::{BrokerMetrics, PartitionMetrics, RaftRoleCode};
    use crate::api::{BrokerId, Region};
    use crate::model::input::Obs;
    use std::time::Duration;

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(s).unwrap()
    }

    fn broker(committed: i64, exported: &[(&str, i64)]) -> BrokerMetrics {
        let pm = PartitionMetrics {
            committed_position: Some(committed),
            role: (!exported.is_empty()).then_some(RaftRoleCode::Leader),
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

    #[test]
    fn a_followers_exporter_gauge_does_not_count() {
        // The leader's scrape is missing; a former leader, now a follower, still shows its
        // last exported position: the position is unknown, not standing still.
        let mut snap = Snapshot::default();
        let mut follower = broker(1000, &[("camundaregion1", 400)]);
        if let Some(p) = follower.partitions.get_mut(&1) {
            p.role = Some(RaftRoleCode::Follower);
        }
        put(&mut snap, Region::ONE, 1, 100, follower);
        assert!(exporter_lag(&snap, at(50)).is_empty());
        // A broker that exposes no role at all is taken at its word.
        let mut roleless = broker(1000, &[("camundaregion1", 900)]);
        if let Some(p) = roleless.partitions.get_mut(&1) {
            p.role = None;
        }
        put(&mut snap, Region::ONE, 3, 100, roleless);
        assert_eq!(
            exporter_lag(&snap, at(50))[&("camundaregion1".to_string(), 1)],
            100
        );
    }

    #[test]
    fn the_leaders_own_committed_position_counts_beside_its_exported_one() {
        // A follower scraped a moment later has committed more: that growth is no lag.
        let mut snap = Snapshot::default();
        put(
            &mut snap,
            Region::ZERO,
            0,
            100,
            broker(1000, &[("camundaregion0", 990)]),
        );
        put(&mut snap, Region::ONE, 1, 101, broker(1050, &[]));
        assert_eq!(
            exporter_lag(&snap, at(50))[&("camundaregion0".to_string(), 1)],
            10
        );
        // The leader exposes no committed position: the highest of the replicas'.
        let mut quiet = broker(0, &[("camundaregion0", 990)]);
        if let Some(p) = quiet.partitions.get_mut(&1) {
            p.committed_position = None;
        }
        put(&mut snap, Region::ZERO, 0, 100, quiet);
        assert_eq!(
            exporter_lag(&snap, at(50))[&("camundaregion0".to_string(), 1)],
            60
        );
    }
}
