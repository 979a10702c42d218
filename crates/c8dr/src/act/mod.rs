//! The runbook's I/O (DESIGN.md §5): the executor over the real clients (`live`), the files
//! of the gate's ledger — run journals (fsync, the
//! torn tail a crash leaves) and the audit trail —, the run lock (one run at a time on this
//! machine), and run sessions: their ids, who runs them, a run prepared from a fresh read or
//! reopened from its journal. `crate::runbook` stays pure and reaches these only through the
//! gate's traits.

pub mod audit;
pub mod journal;
pub mod lease;
pub mod ledger;
pub mod live;
pub mod lock;
pub mod session;
