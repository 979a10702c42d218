//! Error bodies: the management API's `{"message": …}` and REST's RFC 9457 problem detail.

use serde::{Deserialize, Serialize};

/// Management API errors (400, 404, 409, 500, 502, 504).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
}

/// REST API errors (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemDetail {
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub instance: String,
}

fn about_blank() -> String {
    "about:blank".into()
}
