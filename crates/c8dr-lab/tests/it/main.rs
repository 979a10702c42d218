//! The lab's tests: its answers validate against the official specs, and the documented
//! procedures succeed (and fail where the docs say they fail) by raw API calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod e2e;
mod es;
mod kube;
mod prometheus;
mod spec;
mod v810;
mod zones;
