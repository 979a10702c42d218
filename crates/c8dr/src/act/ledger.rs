//! The gate's ledger over files: the run's journal and the audit trail, each record on disk
//! before the gate goes on.

use super::audit::Audit;
use super::journal::Journal;
use crate::runbook::audit::Entry;
use crate::runbook::gate::Ledger;
use crate::runbook::journal::Record;
use std::io;

/// A run's journal (holding the run lock) and the audit trail, handed to the gate.
#[derive(Debug)]
pub struct FileLedger {
    journal: Journal,
    audit: Audit,
}

impl FileLedger {
    pub fn new(journal: Journal, audit: Audit) -> FileLedger {
        FileLedger { journal, audit }
    }
}

impl Ledger for FileLedger {
    fn journal(&mut self, record: &Record) -> io::Result<()> {
        self.journal.append(record)
    }

    fn audit(&mut self, entry: &Entry) -> io::Result<()> {
        self.audit.append(entry).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("audit trail {}: {e}", self.audit.path().display()),
            )
        })
    }
}
