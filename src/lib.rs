//! c8dr: a terminal cockpit for Camunda 8 dual-region deployments.
//!
//! Data flows one way: sources → observations → model → views and runbooks. Today the crate
//! holds the API types (`api`) and the simulated deployment the rest is tested against (`lab`).

pub mod api;
pub mod cli;
pub mod client;
pub mod config;
pub mod lab;
pub mod logging;
pub mod model;
pub mod observe;
pub mod preflight;
pub mod private_fs;
pub mod report;
pub mod runbook;
pub mod text;
pub mod tui;
