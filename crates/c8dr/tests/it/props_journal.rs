//! Property test of the journal reader (issue 17 §2): a real journal, truncated at any offset
//! or with bytes flipped, is read (and reopened, and summarized) without a panic; a cut inside
//! the last line is a torn tail, never an error.

use c8dr::act::journal::{self, Journal};
use c8dr::api::Region;
use c8dr::runbook::journal::{Outcome, Record, StepState};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

/// The bytes of a real journal: a failover run with a request, its answer and the end.
fn real_journal(dir: &std::path::Path) -> Vec<u8> {
    let mut j = Journal::create(dir, "failover-1").unwrap();
    for r in [
        Record::run_started("failover-1", "failover", Region::ONE, "8.8"),
        Record::step(0, "confirm loss", StepState::Checking, None),
        Record::step(0, "confirm loss", StepState::Done, None),
        Record::step(
            1,
            "remove brokers",
            StepState::Running,
            Some("ids 1,3 «ü»".into()),
        ),
        Record::request(
            1,
            "PATCH",
            "http://127.0.0.1:9600/actuator/cluster?force=true",
        ),
        Record::response(1, Some(202), None),
        Record::step(1, "remove brokers", StepState::Done, None),
        Record::run_ended(Outcome::Completed),
    ] {
        j.append(&r).unwrap();
    }
    std::fs::read(j.path()).unwrap()
}

/// Reads, replays and reopens `bytes` as a journal file; returns what `read` said.
fn exercise(
    dir: &std::path::Path,
    bytes: &[u8],
) -> Result<c8dr::runbook::journal::Replay, c8dr::runbook::journal::JournalError> {
    let path = dir.join("probe.jsonl");
    std::fs::write(&path, bytes).unwrap();
    let read = journal::read(&path);
    if let Ok(replay) = &read {
        let _ = replay.unanswered_requests();
        let _ = replay.step_states();
        let _ = replay.attempts();
        let _ = replay.started();
        let _ = replay.summary();
    }
    let _ = Journal::reopen(&path);
    let _ = journal::list(dir);
    read
}

#[test]
fn truncated_and_corrupted_journals_never_panic() {
    check_journal(crate::props_model::config());
}

/// Cuts and corrupts a real journal and reads it back.
pub fn check_journal(config: proptest::test_runner::Config) {
    let dir = tempfile::tempdir().unwrap();
    let whole = real_journal(dir.path());
    let probe = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::new(config);
    runner
        .run(&(0..=whole.len()), |cut| {
            let bytes = &whole[..cut];
            let replay = exercise(probe.path(), bytes)
                .map_err(|e| TestCaseError::fail(format!("cut at {cut}: {e}")))?;
            let complete = bytes.iter().filter(|b| **b == b'\n').count();
            prop_assert_eq!(replay.records.len(), complete, "cut at {}", cut);
            prop_assert_eq!(
                replay.torn_tail,
                !bytes.is_empty() && bytes.last() != Some(&b'\n'),
                "cut at {}",
                cut
            );
            Ok(())
        })
        .unwrap();
    runner
        .run(
            &(
                proptest::collection::vec((any::<usize>(), 1..=255u8), 1..6),
                any::<usize>(),
            ),
            |(flips, cut)| {
                let mut bytes = whole.clone();
                for (at, b) in flips {
                    let len = bytes.len();
                    bytes[at % len] ^= b;
                }
                bytes.truncate(cut % (bytes.len() + 1));
                let _ = exercise(probe.path(), &bytes);
                Ok(())
            },
        )
        .unwrap();
}
