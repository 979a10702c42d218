//! The cockpit's tests: the model on real payloads, the real clients against the lab, the
//! runbooks end to end (including the fail-closed cases), the TUI's render snapshots and the
//! command line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The lab's test helpers (in-process lab, waiting with deadlines, spec validation), shared
// rather than copied.
#[path = "../../../c8dr-lab/tests/it/common/mod.rs"]
mod common;
mod drive;

mod at_rest;
mod cli;
mod fail_closed;
mod kube;
mod lease;
mod metrics;
mod model;
mod observe;
mod preflight;
mod props_config;
mod props_journal;
mod props_model;
mod props_tui;
mod report;
mod runbook;
mod runbook_810;
mod runbook_kube;
mod terminal;
mod truth;
mod tui;
mod tui_loop;
mod tui_zoned;
mod watch;
mod zones;
