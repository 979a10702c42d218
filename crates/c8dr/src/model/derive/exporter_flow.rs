//! What each exporter's position does, per partition, from successive observations of the
//! brokers' metrics (issue 16 §2): its lag and how fast the lag changes, its phase, since
//! when the position stands still, and so whether it is stuck.
//!
//! Stuck (derived by c8dr; Camunda reports no such state): the exported position stands still
//! over at least two observations and longer than a healthy exporter holds records for a
//! flush, while the committed position grows, exporting is not paused, and the exporter's
//! Elasticsearch answers. The same standstill with its Elasticsearch not answering is
//! `blocked` (it waits for its target: failover step 2 disables a lost region's exporter),
//! and with no way to tell `stalled`. Memory lives in the previous view
//! ([`PositionHistory`]): one sample per scrape, never per frame, a minute at most.

use super::exporter_lag::Reading;
use crate::api::metrics::ExporterPhaseCode;
use crate::model::view::{ExporterPartitionView, ExporterView, PositionHistory, Reach};
use crate::model::words::{ExporterFlow, ExporterState, Exporting};
use std::collections::BTreeMap;
use std::time::Duration;

/// How far back samples are kept, and how many at most.
const WINDOW: Duration = Duration::from_secs(60);
const MAX_SAMPLES: usize = 64;
/// A rate needs samples spanning at least this long, and is taken over at most this long:
/// a minute would carry a change of regime (a region lost, leaders moved) for a minute,
/// showing a lag that stands still as falling fast.
const MIN_RATE_SPAN_S: f64 = 1.0;
const RATE_WINDOW: Duration = Duration::from_secs(15);

/// What the flow of one exporter is judged with.
pub(super) struct Judge<'a> {
    pub now: jiff::Timestamp,
    /// Older observations are missing.
    pub stale: Duration,
    /// A healthy exporter's position may stand still this long.
    pub still_after: Duration,
    /// The cluster's partitions (a partition without a reading is unknown, not fine).
    pub partitions: &'a [i32],
    /// The leaders' phase from `/actuator/partitions`, where the metrics have none.
    pub exporting: Exporting,
}

/// The exporter's phase word from the metrics' code.
pub fn phase_word(code: ExporterPhaseCode) -> Exporting {
    match code {
        ExporterPhaseCode::Exporting => Exporting::Running,
        ExporterPhaseCode::Paused | ExporterPhaseCode::SoftPaused => Exporting::Paused,
        ExporterPhaseCode::Closed | ExporterPhaseCode::Other(_) => Exporting::Other,
    }
}

fn secs(d: jiff::SignedDuration) -> f64 {
    d.as_secs_f64().max(0.0)
}

/// The new history: the previous one plus this reading (once per scrape), within the window.
fn remember(prev: &PositionHistory, r: &Reading, now: jiff::Timestamp) -> PositionHistory {
    let committed = r.committed.unwrap_or(r.exported);
    let mut samples: Vec<(jiff::Timestamp, i64, i64)> = prev
        .samples
        .iter()
        .copied()
        .filter(|(t, _, _)| *t < r.at && super::age(now, *t) <= WINDOW)
        .collect();
    let same_position = prev
        .samples
        .last()
        .is_some_and(|(t, _, x)| *x == r.exported && *t <= r.at);
    let still_since = match prev.still_since {
        Some(s) if same_position => s,
        _ => (r.at, committed),
    };
    samples.push((r.at, committed, r.exported));
    if samples.len() > MAX_SAMPLES {
        samples.drain(..samples.len() - MAX_SAMPLES);
    }
    PositionHistory {
        samples,
        still_since: Some(still_since),
    }
}

/// Positions per second the lag changed over the samples, once they span long enough.
fn lag_rate(samples: &[(jiff::Timestamp, i64, i64)]) -> Option<f64> {
    let last = samples.last()?;
    let first = samples
        .iter()
        .find(|s| secs(last.0.duration_since(s.0)) <= RATE_WINDOW.as_secs_f64())?;
    let span = secs(last.0.duration_since(first.0));
    let lag = |s: &(jiff::Timestamp, i64, i64)| (s.1 - s.2).max(0);
    (span >= MIN_RATE_SPAN_S).then(|| (lag(last) - lag(first)) as f64 / span)
}

/// Positions per second the log grew since the exported position stands where it is.
fn growth_since_still(h: &PositionHistory) -> Option<f64> {
    let last = h.samples.last()?;
    let (since, committed) = h.still_since?;
    let span = secs(last.0.duration_since(since));
    (span > 0.0).then(|| (last.1 - committed) as f64 / span)
}

/// One partition's flow from its history.
fn flow(
    h: &PositionHistory,
    enabled: bool,
    phase: Exporting,
    target: Reach,
    still_after: Duration,
) -> ExporterFlow {
    let (Some(last), Some((since, committed_then))) = (h.samples.last(), h.still_since) else {
        return ExporterFlow::Unknown;
    };
    if !enabled {
        return ExporterFlow::Disabled;
    }
    if phase == Exporting::Paused {
        return ExporterFlow::Paused;
    }
    let still_for = secs(last.0.duration_since(since));
    // Seen at another position before this one: it moved. Seen once: cannot tell yet.
    if since == last.0 {
        return if h.samples.len() >= 2 {
            ExporterFlow::Exporting
        } else {
            ExporterFlow::Unknown
        };
    }
    let grew = last.1 > committed_then;
    if !grew {
        return ExporterFlow::Idle;
    }
    if still_for < still_after.as_secs_f64() {
        return ExporterFlow::Exporting;
    }
    if phase != Exporting::Running {
        // Closed, or a phase c8dr does not know: a standstill that may be meant.
        return ExporterFlow::Unknown;
    }
    match target {
        Reach::Up => ExporterFlow::Stuck,
        Reach::Down => ExporterFlow::Blocked,
        Reach::Unknown => ExporterFlow::Stalled,
    }
}

/// The exporter `e` (its id, status and region already set) with its flow: per partition
/// from `readings` and the previous view's `prev`, then folded.
pub(super) fn judge(
    mut e: ExporterView,
    readings: &BTreeMap<(String, i32), Reading>,
    prev: Option<&ExporterView>,
    j: &Judge,
) -> ExporterView {
    let enabled = e.status == ExporterState::Enabled;
    let prev_of = |p: i32| prev.and_then(|x| x.partitions.iter().find(|q| q.id == p));
    // The cluster's partitions; without a configuration to tell, those the metrics show.
    let ids: Vec<i32> = if j.partitions.is_empty() {
        let mut ids: Vec<i32> = readings
            .keys()
            .filter(|(id, _)| *id == e.id)
            .map(|(_, p)| *p)
            .chain(
                prev.into_iter()
                    .flat_map(|x| x.partitions.iter().map(|p| p.id)),
            )
            .collect();
        ids.sort();
        ids.dedup();
        ids
    } else {
        j.partitions.to_vec()
    };
    let mut partitions = vec![];
    for p in ids {
        let reading = readings.get(&(e.id.clone(), p));
        let before = prev_of(p);
        let part = match (reading, before) {
            (Some(r), _) => {
                let empty = PositionHistory::default();
                let history = remember(before.map_or(&empty, |b| &b.history), r, j.now);
                let phase = r.phase.map(phase_word).unwrap_or(j.exporting);
                let flow = flow(&history, enabled, phase, e.target, j.still_after);
                let standstill = matches!(
                    flow,
                    ExporterFlow::Stuck | ExporterFlow::Blocked | ExporterFlow::Stalled
                );
                ExporterPartitionView {
                    id: p,
                    lag: r.lag(),
                    // Standing still, the lag grows as the log does since it stopped: a
                    // minute's average would hide that under the time it still moved.
                    lag_rate_per_s: if standstill {
                        growth_since_still(&history)
                    } else {
                        lag_rate(&history.samples)
                    },
                    phase,
                    last_moved_s: history
                        .still_since
                        .map(|(t, _)| secs(j.now.duration_since(t))),
                    flow,
                    history,
                }
            }
            // A scrape that failed once leaves the last reading standing while it is fresh:
            // a stuck exporter must not blink out (and restart its clock) on one timeout.
            // Only an alarm is kept, though: "exporting" without a reading is no fact (a
            // partition whose leader went with a lost region exports nothing), so the
            // flow is unknown until a reading comes.
            (None, Some(b))
                if b.history
                    .samples
                    .last()
                    .is_some_and(|(t, _, _)| super::age(j.now, *t) <= j.stale) =>
            {
                let mut b = b.clone();
                b.last_moved_s = b
                    .history
                    .still_since
                    .map(|(t, _)| secs(j.now.duration_since(t)));
                if !matches!(
                    b.flow,
                    ExporterFlow::Stuck | ExporterFlow::Blocked | ExporterFlow::Stalled
                ) {
                    b.flow = ExporterFlow::Unknown;
                    b.lag_rate_per_s = None;
                }
                b
            }
            _ => ExporterPartitionView {
                id: p,
                lag: None,
                lag_rate_per_s: None,
                phase: Exporting::Unknown,
                last_moved_s: None,
                flow: ExporterFlow::Unknown,
                history: PositionHistory::default(),
            },
        };
        partitions.push(part);
    }
    // No metrics of it at all (none scraped, or none exposes it): nothing per partition.
    if partitions.iter().all(|p| p.history.samples.is_empty()) {
        partitions.clear();
    }
    fold(&mut e, partitions);
    e
}

/// The exporter's totals and worst flow from its partitions.
fn fold(e: &mut ExporterView, partitions: Vec<ExporterPartitionView>) {
    let lags: Vec<i64> = partitions.iter().filter_map(|p| p.lag).collect();
    e.lag = (!lags.is_empty()).then(|| lags.iter().sum());
    let rates: Vec<f64> = partitions.iter().filter_map(|p| p.lag_rate_per_s).collect();
    e.lag_rate_per_s = (!rates.is_empty()).then(|| rates.iter().sum());
    let mut phases: Vec<Exporting> = partitions
        .iter()
        .map(|p| p.phase)
        .filter(|p| *p != Exporting::Unknown)
        .collect();
    phases.dedup();
    e.phase = match phases.as_slice() {
        [] => Exporting::Unknown,
        [one] => *one,
        many if many.iter().all(|p| *p == many[0]) => many[0],
        _ => Exporting::Mixed,
    };
    e.last_moved_s = partitions
        .iter()
        .filter_map(|p| p.last_moved_s)
        .reduce(f64::max);
    let any = |f: ExporterFlow| partitions.iter().any(|p| p.flow == f);
    e.flow = if partitions.is_empty() {
        ExporterFlow::Unknown
    } else if let Some(f) = [
        ExporterFlow::Disabled,
        ExporterFlow::Stuck,
        ExporterFlow::Blocked,
        ExporterFlow::Stalled,
    ]
    .into_iter()
    .find(|f| any(*f))
    {
        f
    } else if partitions.iter().all(|p| p.flow == ExporterFlow::Paused) {
        ExporterFlow::Paused
    } else if any(ExporterFlow::Exporting) {
        ExporterFlow::Exporting
    } else if any(ExporterFlow::Idle) {
        ExporterFlow::Idle
    } else if any(ExporterFlow::Paused) {
        ExporterFlow::Paused
    } else {
        ExporterFlow::Unknown
    };
    // Not stuck only when every partition could be told; a standstill whose target c8dr
    // cannot see is not "no".
    e.stuck = match e.flow {
        ExporterFlow::Stuck => Some(true),
        ExporterFlow::Stalled | ExporterFlow::Unknown => None,
        _ if any(ExporterFlow::Unknown) => None,
        _ => Some(false),
    };
    e.partitions = partitions;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Region;

    fn t(s: f64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000).unwrap()
            + jiff::SignedDuration::from_secs_f64(s)
    }

    fn exporter(status: ExporterState, target: Reach) -> ExporterView {
        ExporterView::listed("camundaregion1".into(), Some(Region::ONE), status, target)
    }

    fn reading(at: f64, committed: i64, exported: i64) -> Reading {
        Reading {
            at: t(at),
            committed: Some(committed),
            exported,
            phase: Some(ExporterPhaseCode::Exporting),
        }
    }

    /// Runs `steps` (when, committed, exported on partition 1) through `judge` one view
    /// after the other, as the poll loop would, and returns the last view.
    fn run(
        status: ExporterState,
        target: Reach,
        still_after: f64,
        steps: &[(f64, i64, i64)],
    ) -> ExporterView {
        let mut prev: Option<ExporterView> = None;
        for (at, c, x) in steps {
            let readings: BTreeMap<(String, i32), Reading> =
                [(("camundaregion1".to_string(), 1), reading(*at, *c, *x))]
                    .into_iter()
                    .collect();
            let j = Judge {
                now: t(*at + 0.3),
                stale: Duration::from_secs(5),
                still_after: Duration::from_secs_f64(still_after),
                partitions: &[1],
                exporting: Exporting::Unknown,
            };
            prev = Some(judge(
                exporter(status.clone(), target),
                &readings,
                prev.as_ref(),
                &j,
            ));
        }
        prev.unwrap()
    }

    #[test]
    fn lag_and_rate_come_from_successive_observations() {
        // Committed grows 100/s, the exporter follows 20 behind, then falls behind 50/s.
        let e = run(
            ExporterState::Enabled,
            Reach::Up,
            0.0,
            &[
                (0.0, 1000, 980),
                (1.0, 1100, 1080),
                (2.0, 1200, 1130),
                (3.0, 1300, 1180),
            ],
        );
        assert_eq!(e.lag, Some(120));
        let rate = e.lag_rate_per_s.unwrap();
        assert!((rate - 100.0 / 3.0).abs() < 0.01, "{rate}");
        assert_eq!(e.flow, ExporterFlow::Exporting);
        assert_eq!(e.stuck, Some(false));
        assert_eq!(e.phase, Exporting::Running);
        // It moved at the last observation, 0.3 s before now.
        assert!(e.last_moved_s.is_some_and(|s| s < 0.5), "{e:?}");
        // One observation tells no rate, and not whether it is stuck.
        let once = run(ExporterState::Enabled, Reach::Up, 0.0, &[(0.0, 1000, 980)]);
        assert_eq!(
            (once.lag, once.lag_rate_per_s, once.stuck),
            (Some(20), None, None)
        );
    }

    #[test]
    fn a_position_standing_still_while_the_log_grows_and_the_target_answers_is_stuck() {
        let steps = [
            (0.0, 1000, 980),
            (1.0, 1100, 990),
            (2.0, 1200, 990),
            (3.0, 1300, 990),
        ];
        let e = run(ExporterState::Enabled, Reach::Up, 0.0, &steps);
        assert_eq!(e.flow, ExporterFlow::Stuck);
        assert_eq!(e.stuck, Some(true));
        assert_eq!(e.stuck_partitions(), vec![1]);
        assert!((e.lag_rate_per_s.unwrap() - 100.0).abs() < 0.01);
        // Standing still since the observation at 1 s, 2.3 s before now.
        assert!((e.last_moved_s.unwrap() - 2.3).abs() < 0.01, "{e:?}");
        // Within a flush delay it may be collecting records: not stuck yet.
        let e = run(ExporterState::Enabled, Reach::Up, 10.0, &steps);
        assert_eq!((e.flow, e.stuck), (ExporterFlow::Exporting, Some(false)));
        // Nothing new committed: standing still is all there is to do.
        let idle = [(0.0, 1000, 1000), (1.0, 1000, 1000), (2.0, 1000, 1000)];
        let e = run(ExporterState::Enabled, Reach::Up, 0.0, &idle);
        assert_eq!(
            (e.flow, e.stuck, e.lag),
            (ExporterFlow::Idle, Some(false), Some(0))
        );
    }

    #[test]
    fn a_target_that_does_not_answer_blocks_it_and_is_not_stuck() {
        let steps = [(0.0, 1000, 980), (1.0, 1100, 980), (2.0, 1200, 980)];
        let e = run(ExporterState::Enabled, Reach::Down, 0.0, &steps);
        assert_eq!((e.flow, e.stuck), (ExporterFlow::Blocked, Some(false)));
        // Whether it answers unknown: stalled, and stuck cannot be told.
        let e = run(ExporterState::Enabled, Reach::Unknown, 0.0, &steps);
        assert_eq!((e.flow, e.stuck), (ExporterFlow::Stalled, None));
        // Disabled: nothing to judge.
        let e = run(ExporterState::Disabled, Reach::Up, 0.0, &steps);
        assert_eq!((e.flow, e.stuck), (ExporterFlow::Disabled, Some(false)));
    }

    #[test]
    fn paused_exporting_stands_still_by_design() {
        let mut prev: Option<ExporterView> = None;
        for (at, c) in [(0.0, 1000), (1.0, 1100), (2.0, 1200)] {
            let mut r = reading(at, c, 980);
            r.phase = Some(ExporterPhaseCode::Paused);
            let readings = [(("camundaregion1".to_string(), 1), r)]
                .into_iter()
                .collect();
            let j = Judge {
                now: t(at),
                stale: Duration::from_secs(5),
                still_after: Duration::ZERO,
                partitions: &[1],
                exporting: Exporting::Unknown,
            };
            prev = Some(judge(
                exporter(ExporterState::Enabled, Reach::Up),
                &readings,
                prev.as_ref(),
                &j,
            ));
        }
        let e = prev.unwrap();
        assert_eq!(
            (e.flow, e.stuck, e.phase),
            (ExporterFlow::Paused, Some(false), Exporting::Paused)
        );
    }

    #[test]
    fn one_failed_scrape_keeps_the_last_reading_and_its_clock_while_fresh() {
        let steps = [(0.0, 1000, 980), (1.0, 1100, 980), (2.0, 1200, 980)];
        let stuck = run(ExporterState::Enabled, Reach::Up, 0.0, &steps);
        let j = |now: f64| Judge {
            now: t(now),
            stale: Duration::from_secs(5),
            still_after: Duration::ZERO,
            partitions: &[1],
            exporting: Exporting::Unknown,
        };
        let none = BTreeMap::new();
        let e = judge(
            exporter(ExporterState::Enabled, Reach::Up),
            &none,
            Some(&stuck),
            &j(3.0),
        );
        assert_eq!(e.stuck, Some(true));
        assert!((e.last_moved_s.unwrap() - 3.0).abs() < 0.01);
        // Gone for longer than the stale limit: unknown, and nothing per partition.
        let e = judge(
            exporter(ExporterState::Enabled, Reach::Up),
            &none,
            Some(&stuck),
            &j(9.0),
        );
        assert_eq!((e.flow, e.stuck), (ExporterFlow::Unknown, None));
        assert!(e.partitions.is_empty());
    }

    #[test]
    fn without_a_reading_a_moving_exporter_is_not_said_to_export() {
        // Exporting, then its partition's readings stop (its leader went with a region).
        let steps = [(0.0, 1000, 980), (1.0, 1100, 1080), (2.0, 1200, 1180)];
        let moving = run(ExporterState::Enabled, Reach::Up, 0.0, &steps);
        assert_eq!(moving.flow, ExporterFlow::Exporting);
        let j = Judge {
            now: t(3.0),
            stale: Duration::from_secs(5),
            still_after: Duration::ZERO,
            partitions: &[1],
            exporting: Exporting::Unknown,
        };
        let e = judge(
            exporter(ExporterState::Enabled, Reach::Up),
            &BTreeMap::new(),
            Some(&moving),
            &j,
        );
        assert_eq!(
            (e.flow, e.stuck, e.lag_rate_per_s),
            (ExporterFlow::Unknown, None, None)
        );
        assert_eq!(e.lag, Some(20), "the last lag stays, as the last known");
    }

    #[test]
    fn a_lag_that_fell_and_stands_still_has_no_rate_once_the_window_passed() {
        // The lag was 500, fell to 10 when leaders moved, and stands there for 20 s.
        let mut steps = vec![(0.0, 1500, 1000), (1.0, 1010, 1000)];
        steps.extend((2..22).map(|i| (f64::from(i), 1010, 1000)));
        let e = run(ExporterState::Enabled, Reach::Up, 0.0, &steps);
        assert_eq!(e.lag, Some(10));
        assert_eq!(e.lag_rate_per_s, Some(0.0), "{e:?}");
    }

    #[test]
    fn a_partition_without_a_reading_makes_not_stuck_unknown() {
        let readings: BTreeMap<(String, i32), Reading> =
            [(("camundaregion1".to_string(), 1), reading(0.0, 1000, 990))]
                .into_iter()
                .collect();
        let j = |now: f64| Judge {
            now: t(now),
            stale: Duration::from_secs(5),
            still_after: Duration::ZERO,
            partitions: &[1, 2],
            exporting: Exporting::Unknown,
        };
        let first = judge(
            exporter(ExporterState::Enabled, Reach::Up),
            &readings,
            None,
            &j(0.0),
        );
        let mut next = readings.clone();
        next.insert(("camundaregion1".to_string(), 1), reading(1.0, 1100, 1095));
        let e = judge(
            exporter(ExporterState::Enabled, Reach::Up),
            &next,
            Some(&first),
            &j(1.0),
        );
        assert_eq!(e.partitions.len(), 2);
        assert_eq!(e.partitions[1].flow, ExporterFlow::Unknown);
        assert_eq!((e.flow, e.stuck), (ExporterFlow::Exporting, None));
    }

    fn lagging(id: i32, lag: Option<i64>) -> ExporterPartitionView {
        ExporterPartitionView {
            id,
            lag,
            lag_rate_per_s: None,
            phase: Exporting::Running,
            last_moved_s: None,
            flow: ExporterFlow::Unknown,
            history: PositionHistory::default(),
        }
    }

    #[test]
    fn a_lag_summed_over_some_partitions_says_how_many() {
        let mut e = ExporterView::listed(
            "camundaregion0".into(),
            Some(Region::ZERO),
            ExporterState::Enabled,
            Reach::Up,
        );
        // The leaders of partitions 2 and 4 went with the lost region: no lag known there.
        let parts = (1..=4)
            .map(|p| lagging(p, (p % 2 == 1).then_some(10 * i64::from(p))))
            .collect();
        fold(&mut e, parts);
        assert_eq!(e.lag, Some(40));
        assert_eq!(
            e.lag_words().as_deref(),
            Some("lag 40 on 2 of 4 partitions")
        );
        fold(&mut e, (1..=4).map(|p| lagging(p, Some(1))).collect());
        assert_eq!(e.lag_words().as_deref(), Some("lag 4"));
    }
}
