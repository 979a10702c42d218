//! A region's REST gateway (port 8080): `/v2/topology` and `/v2/status`.
//!
//! 8.8+ demands authentication on everything but `/v2/status`; a missing or wrong
//! `Authorization` header gets 401 with an RFC 9457 problem body and `WWW-Authenticate`.

use super::Shared;
use crate::sim::Entry;
use crate::views;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use c8dr_api::ProblemDetail;
use std::sync::Arc;

type Ctx = (Arc<Shared>, u8);

pub fn router(shared: Arc<Shared>, region: u8) -> Router {
    let router = Router::new();
    // 8.10's `GET /v2/exporting`; before, the path is unknown (the fallback's 404).
    let router = if super::exporting::in_config(&shared) {
        router.route("/v2/exporting", get(super::exporting::v2_status))
    } else {
        router
    };
    router
        .route("/v2/topology", get(topology))
        .route("/v2/status", get(status))
        .fallback(not_found)
        .with_state((shared, region))
}

pub fn problem(status: StatusCode, detail: &str, instance: &str) -> Response {
    let body = ProblemDetail {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        detail: detail.into(),
        instance: instance.into(),
    };
    let mut resp = (status, Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    resp
}

pub(super) fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(auth) = &shared.rest_auth else {
        return true;
    };
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    decoded == format!("{}:{}", auth.username, auth.password).as_bytes()
}

pub(super) fn unauthorized(path: &str) -> Response {
    let mut resp = problem(
        StatusCode::UNAUTHORIZED,
        "Full authentication is required to access this resource",
        path,
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"Camunda\""),
    );
    resp
}

async fn topology(State((shared, region)): State<Ctx>, headers: HeaderMap) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized("/v2/topology");
    }
    Json(shared.with(|sim| views::topology(sim, region))).into_response()
}

/// 204 while any partition has a leader this gateway can see (even a leader without
/// quorum: the check reads roles, which is why c8dr must not trust it), else 503.
async fn status(State((shared, region)): State<Ctx>) -> StatusCode {
    let any_leader = shared.with(|sim| {
        sim.partitions
            .values()
            .filter_map(|rt| rt.leader)
            .any(|l| sim.reaches(Entry::Gateway(region), l))
    });
    if any_leader {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn not_found(State((shared, _)): State<Ctx>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if !authorized(&shared, req.headers()) {
        return unauthorized(&path);
    }
    problem(
        StatusCode::NOT_FOUND,
        &format!("No endpoint {path} in the c8dr lab"),
        &path,
    )
}
