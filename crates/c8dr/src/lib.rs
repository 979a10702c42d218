//! c8dr: a terminal cockpit for Camunda 8 dual-region deployments.
//!
//! Data flows one way: sources (`source`, `observe`) → observations → `model` → views (`tui`,
//! `report`) and runbooks (`runbook`, `preflight`); actions flow back through the runbook's
//! gate, whose I/O (journal and audit files, the run lock, run sessions) is `act`. The API types are the `c8dr-api` crate (re-exported as `api`); the simulated
//! deployment is the `c8dr-lab` crate, reached only from `demo` (the default-on `demo` feature).

pub use c8dr_api as api;

pub mod act;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod incident;
pub mod logging;
pub mod model;
pub mod notify;
pub mod observe;
pub mod preflight;
pub mod private_fs;
pub mod report;
pub mod runbook;
pub mod signals;
pub mod source;
pub mod text;
pub mod tui;
pub mod watch;
