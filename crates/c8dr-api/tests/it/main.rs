//! The API crate's tests: every real payload in `fixtures/` parses into the API types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod decode;
mod examples;
mod props;
mod zones;

use std::path::PathBuf;

/// The real payloads vendored in the repository (`fixtures/README.md`).
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/camunda-api/examples")
}
