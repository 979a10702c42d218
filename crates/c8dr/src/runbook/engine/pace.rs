//! How soon a waiting step reads again (issue 18 §2). A wait starts right after something
//! was set in motion — the step's request answered, a change found pending, the step handed
//! to the operator — and its effect is often moments away: the first reads come fast
//! ([`FIRST`]) and back off geometrically (×1.5 per read) to the configured poll, which every
//! later read of a long wait keeps. ×1.5 rather than ×2: an effect is seen at most its own
//! duration late (75 ms early on, about half of it once the wait lasts), never more than one
//! poll late.
//!
//! A topology change in flight says how far it is (`completed` of all its operations), so
//! while one moves the next read goes where its progress projects the end ([`Progress`]),
//! when that is sooner than the back-off: a change seen half done after 300 ms is read again
//! about 300 ms later, not a whole back-off step after its end. Pure, so the schedule and
//! its load bound are tested without a clock.
//!
//! Load bound (docs/performance.md): the engine reads one thing at a time, so two reads of a
//! wait are at least [`FIRST`] apart; the back-off reads at most 6 times in a wait's first
//! second (at 0, 50, 125, 238, 406 and 659 ms) and then once per poll; a projection moves a
//! read earlier only after a read that saw the change progress, so it adds at most one read
//! per operation of the change.

use std::time::Duration;

/// The pause before the first re-read of a fresh wait.
pub const FIRST: Duration = Duration::from_millis(50);

/// The pause after the `reads`-th read of a wait (counted from 1) before the next one:
/// [`FIRST`] grown by half per read already made, never above `poll` (nor below it when
/// `poll` is shorter than [`FIRST`]).
pub fn interval(poll: Duration, reads: u32) -> Duration {
    let grown = FIRST.as_secs_f64() * 1.5f64.powi(reads.saturating_sub(1).min(64) as i32);
    Duration::try_from_secs_f64(grown)
        .unwrap_or(Duration::MAX)
        .min(poll)
}

/// What a wait learnt of the change it waits for, to project the change's end from its
/// pace so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// The change and how many of its operations were done at the previous read.
    seen: Option<(i64, usize)>,
}

impl Progress {
    /// The pause before the next read of a wait that has made `reads` reads over `elapsed`,
    /// the last of which saw `pending` (id, operations done, operations in all) or no
    /// change: the back-off's, or sooner when the change moved since the previous read and
    /// its pace so far (operations done over `elapsed`) ends it sooner — never sooner than
    /// [`FIRST`].
    pub fn next(
        &mut self,
        poll: Duration,
        reads: u32,
        elapsed: Duration,
        pending: Option<(i64, usize, usize)>,
    ) -> Duration {
        let backoff = interval(poll, reads);
        let Some((id, done, total)) = pending else {
            self.seen = None;
            return backoff;
        };
        let moved = match self.seen {
            Some((seen_id, seen_done)) => seen_id != id || done > seen_done,
            None => done > 0,
        };
        self.seen = Some((id, done));
        match projected(elapsed, done, total) {
            Some(end) if moved => backoff.min(end.max(FIRST)),
            _ => backoff,
        }
    }
}

/// How long a change that did `done` of its `total` operations in `elapsed` still takes at
/// that pace; `None` before its first operation or after its last.
fn projected(elapsed: Duration, done: usize, total: usize) -> Option<Duration> {
    if done == 0 || done >= total {
        return None;
    }
    Duration::try_from_secs_f64(elapsed.as_secs_f64() * (total - done) as f64 / done as f64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLL: Duration = Duration::from_millis(500);

    #[test]
    fn a_fresh_wait_reads_fast_then_backs_off_to_the_poll() {
        let ms: Vec<u128> = (1..=8).map(|n| interval(POLL, n).as_millis()).collect();
        assert_eq!(ms, [50, 75, 112, 168, 253, 379, 500, 500]);
    }

    #[test]
    fn a_long_wait_keeps_the_configured_poll() {
        assert_eq!(interval(POLL, 1000), POLL);
        assert_eq!(
            interval(Duration::from_secs(30), u32::MAX),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn a_poll_shorter_than_the_first_step_is_kept() {
        assert_eq!(
            interval(Duration::from_millis(20), 1),
            Duration::from_millis(20)
        );
    }

    /// Reads at t = 0 and after each interval (reads taking no time: the worst case).
    fn reads_at(poll: Duration, n: u32) -> Vec<Duration> {
        let mut at = Duration::ZERO;
        let mut reads = vec![at];
        for k in 1..n {
            at += interval(poll, k);
            reads.push(at);
        }
        reads
    }

    #[test]
    fn the_load_bound_holds_six_reads_in_any_second_then_one_per_poll() {
        let reads = reads_at(POLL, 60);
        let first_second = reads
            .iter()
            .filter(|t| **t < Duration::from_secs(1))
            .count();
        assert_eq!(first_second, 6);
        assert!(reads.windows(2).all(|w| w[1] - w[0] >= FIRST));
        assert!(reads[7..].windows(2).all(|w| w[1] - w[0] == POLL));
        for start in (0..20_000).step_by(25).map(Duration::from_millis) {
            let end = start + Duration::from_secs(1);
            let n = reads.iter().filter(|t| **t >= start && **t < end).count();
            assert!(n <= 6, "{n} reads in the second from {start:?}");
        }
    }

    #[test]
    fn an_effect_is_seen_at_most_its_duration_or_one_poll_late() {
        let reads = reads_at(POLL, 200);
        for done in (1..60_000).step_by(7).map(Duration::from_millis) {
            let seen = reads.iter().find(|t| **t >= done).copied().unwrap();
            let late = seen - done;
            assert!(
                late <= done.max(FIRST * 3 / 2).min(POLL),
                "done at {done:?}, seen at {seen:?}"
            );
        }
    }

    #[test]
    fn a_moving_change_is_read_where_its_pace_ends_it() {
        let mut p = Progress::default();
        let ms = |d: Duration| d.as_millis();
        // Half done after 300 ms: read again 300 ms later rather than the back-off's 500 ms.
        let d = p.next(POLL, 7, Duration::from_millis(300), Some((4, 5, 10)));
        assert_eq!(ms(d), 300);
        // Nine tenths after 400 ms: about 44 ms left, but never sooner than FIRST.
        let d = p.next(POLL, 8, Duration::from_millis(400), Some((4, 9, 10)));
        assert_eq!(d, FIRST);
        // A projection later than the back-off does not slow the back-off down.
        let mut q = Progress::default();
        assert_eq!(
            q.next(POLL, 1, Duration::from_millis(50), Some((4, 1, 100))),
            interval(POLL, 1)
        );
    }

    #[test]
    fn a_change_that_did_not_move_is_read_at_the_back_off() {
        let mut p = Progress::default();
        // Nothing done yet: no pace to project from.
        assert_eq!(
            p.next(POLL, 3, Duration::from_millis(200), Some((4, 0, 10))),
            interval(POLL, 3)
        );
        let d = p.next(POLL, 4, Duration::from_millis(400), Some((4, 8, 10)));
        assert_eq!(d.as_millis(), 100);
        // The same progress again: the projection was wrong, so the back-off rules (the
        // extra reads are bounded by the change's operations).
        assert_eq!(
            p.next(POLL, 5, Duration::from_millis(450), Some((4, 8, 10))),
            interval(POLL, 5)
        );
        // Another change (or none) starts over.
        assert_eq!(
            p.next(POLL, 6, Duration::from_millis(500), Some((5, 8, 10)))
                .as_millis(),
            125
        );
        assert_eq!(p.next(POLL, 7, Duration::from_millis(600), None), POLL);
        assert_eq!(p.seen, None);
    }

    #[test]
    fn projections_add_at_most_one_read_per_operation() {
        // A change of 12 operations, one every 90 ms; reads take no time. Count the reads
        // made sooner than the back-off alone would have made them.
        let ops = 12;
        let done_at = |t: Duration| ((t.as_millis() / 90) as usize).min(ops);
        let mut p = Progress::default();
        let (mut t, mut reads, mut sooner) = (Duration::ZERO, 0u32, 0);
        while done_at(t) < ops {
            reads += 1;
            let d = p.next(POLL, reads, t, Some((1, done_at(t), ops)));
            if d < interval(POLL, reads) {
                sooner += 1;
            }
            assert!(d >= FIRST);
            t += d;
        }
        assert!(sooner <= ops, "{sooner} reads moved sooner");
        // Seen done at most a read's FIRST, or one back-off step, after it ended.
        let end = Duration::from_millis(90 * ops as u64);
        assert!(
            t - end <= interval(POLL, reads),
            "seen at {t:?}, done at {end:?}"
        );
    }
}
