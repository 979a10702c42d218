//! How soon a waiting step reads again (issue 18 §2). A wait starts right after something
//! was set in motion — the step's request answered, a change found pending, the step handed
//! to the operator — and its effect is often moments away: the first reads come fast
//! ([`FIRST`]) and back off geometrically (×1.5 per read) to the configured poll, which every
//! later read of a long wait keeps. ×1.5 rather than ×2: an effect is seen at most its own
//! duration late (75 ms early on, about half of it once the wait lasts), never more than one
//! poll late. Pure, so the schedule and its load bound are tested without a clock.
//!
//! Load bound (docs/performance.md): the engine reads one thing at a time, so two reads of a
//! wait are at least [`FIRST`] apart; a wait reads at most 6 times in its first second (at 0,
//! 50, 125, 238, 406 and 659 ms) and then once per poll.

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
}
