//! Faults on demand and the request log: a layer in front of every Camunda and
//! Elasticsearch listener of the lab.
//!
//! `POST /lab/faults` injects `http500`, `malformed`, `slow`, `hang`, `refuse`, `body` (a
//! given status and body: any answer a broken or hostile server could give) or `endless` (a
//! body that never ends) on one target (`region1.management`, `region0.rest`,
//! `region1.elasticsearch`, `broker3.management`, …) for a share of its requests
//! (`mutating_only`: only writes; `count`: only the next N; `path`: only this path and
//! query, or those starting with it when it ends in `*`); `DELETE /lab/faults` clears them.
//! Every mutating request that arrives is logged first, so tests can prove what was sent.
//! The same layer routes requests to a region's gateway over its broker pods during a
//! roll-out: one that lands on a restarting pod gets a transient 502.

use super::Shared;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a fault does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    /// Answers 500 with the target's usual error body.
    Http500,
    /// Answers 200 with a truncated JSON body.
    Malformed,
    /// Answers after `duration_ms` (default 3000).
    Slow,
    /// Never answers while the fault stands (or for `duration_ms`, then answers normally).
    Hang,
    /// Closes the listener: connections are refused.
    Refuse,
    /// Answers `status` (default 200) with `body` (JSON, or text when a string).
    Body,
    /// Answers 200 with a body that never ends.
    Endless,
}

/// An injected fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub target: String,
    pub kind: FaultKind,
    /// Share of requests affected, 0..=1 (default 1).
    #[serde(default = "one")]
    pub ratio: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Hit only POST/PUT/PATCH/DELETE requests (reads keep working: a runbook sees the
    /// cluster but its calls fail).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mutating_only: bool,
    /// Hit this many requests, then clear itself (absent: until cleared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Only requests to this path and query (a prefix when it ends in `*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `body`: the status to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `body`: what to answer (a string is sent as text, anything else as JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl Fault {
    /// Whether the fault applies to a request for `path` (path and query).
    pub fn matches_path(&self, path: &str) -> bool {
        match &self.path {
            None => true,
            Some(p) => match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == p,
            },
        }
    }
}

fn one() -> f64 {
    1.0
}

/// One mutating request as it arrived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRequest {
    pub time: String,
    pub target: String,
    pub method: String,
    /// Path and query string.
    pub path: String,
    /// The body as JSON when it is JSON, as text otherwise, null when empty.
    pub body: serde_json::Value,
}

/// Which listener a layer guards.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// The region gateway this listener is (REST or management), for roll-out routing.
    pub gateway_of: Option<u8>,
    pub flavour: Flavour,
}

/// The error-body dialect of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Rest,
    Management,
    Elasticsearch,
}

impl Target {
    pub fn new(name: String, gateway_of: Option<u8>, flavour: Flavour) -> Target {
        Target {
            name,
            gateway_of,
            flavour,
        }
    }

    fn error(&self, status: StatusCode, message: &str) -> Response {
        let body = match self.flavour {
            Flavour::Rest => serde_json::json!({
                "type": "about:blank", "title": status.canonical_reason().unwrap_or("Error"),
                "status": status.as_u16(), "detail": message, "instance": "/",
            }),
            Flavour::Management => serde_json::json!({ "message": message }),
            Flavour::Elasticsearch => serde_json::json!({
                "error": {"root_cause": [{"type": "lab_fault", "reason": message}],
                          "type": "lab_fault", "reason": message},
                "status": status.as_u16(),
            }),
        };
        (status, axum::Json(body)).into_response()
    }
}

/// Valid fault targets for a lab with `brokers` brokers.
pub fn valid_target(name: &str, brokers: usize) -> bool {
    let Some((who, what)) = name.split_once('.') else {
        return false;
    };
    if let Some(r) = who.strip_prefix("region") {
        return matches!(r, "0" | "1") && matches!(what, "management" | "rest" | "elasticsearch");
    }
    if let Some(b) = who.strip_prefix("broker") {
        return b.parse::<usize>().is_ok_and(|b| b < brokers) && what == "management";
    }
    false
}

fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The layer: log, route around restarting pods, then apply faults.
pub async fn guard(
    State((shared, target)): State<(Arc<Shared>, Arc<Target>)>,
    request: Request,
    next: Next,
) -> Response {
    let mutating = is_mutating(request.method());
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let request = if mutating {
        log_mutating(&shared, &target, request).await
    } else {
        request
    };

    if let Some(region) = target.gateway_of
        && let Some(b) = shared.route_gateway(region)
    {
        return target.error(
            StatusCode::BAD_GATEWAY,
            &format!("upstream pod of broker {b} is restarting (roll-out in progress)"),
        );
    }

    if let Some(fault) = shared.fault_for(&target.name, mutating, &path_and_query)
        && let Some(response) = apply(&shared, &target, fault).await
    {
        return response;
    }
    next.run(request).await
}

/// Logs a mutating request with its body (read up to 4 MiB) and hands it on unchanged.
async fn log_mutating(shared: &Shared, target: &Target, request: Request) -> Request {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    let body_value = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    shared.log_request(LoggedRequest {
        time: jiff::Timestamp::now().to_string(),
        target: target.name.clone(),
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        body: body_value,
    });
    Request::from_parts(parts, Body::from(bytes))
}

/// Applies a fault: the response it answers with, or `None` to let the request through
/// (after a delay for `slow` and `hang`).
async fn apply(shared: &Shared, target: &Target, fault: Fault) -> Option<Response> {
    match fault.kind {
        FaultKind::Http500 => {
            return Some(target.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "lab fault: injected internal error",
            ));
        }
        FaultKind::Malformed => {
            return Some(
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    "{\"brokers\": [{\"nodeId\": 0, \"host\": \"camunda-zeebe-0.camunda-zeebe",
                )
                    .into_response(),
            );
        }
        FaultKind::Slow => {
            tokio::time::sleep(Duration::from_millis(fault.duration_ms.unwrap_or(3000))).await;
        }
        FaultKind::Hang => {
            let until = fault
                .duration_ms
                .map(|ms| Instant::now() + Duration::from_millis(ms));
            while shared.fault_for_kind(&target.name, FaultKind::Hang)
                && until.is_none_or(|u| Instant::now() < u)
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        FaultKind::Refuse => {}
        FaultKind::Body => {
            let status =
                StatusCode::from_u16(fault.status.unwrap_or(200)).unwrap_or(StatusCode::OK);
            return Some(match fault.body {
                Some(serde_json::Value::String(text)) => (status, text).into_response(),
                Some(v) => (status, axum::Json(v)).into_response(),
                None => status.into_response(),
            });
        }
        FaultKind::Endless => {
            let chunk = axum::body::Bytes::from(vec![b' '; 64 * 1024]);
            let start = futures_util::stream::once(async {
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"brokers\": ["))
            });
            let rest = futures_util::stream::repeat_with(move || Ok(chunk.clone()));
            return Some(
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    Body::from_stream(futures_util::StreamExt::chain(start, rest)),
                )
                    .into_response(),
            );
        }
    }
    None
}

/// Where a region gateway's request goes: round-robin over the region's broker pods, as
/// the Service spreads them. Returns the restarting broker when it lands on one.
pub fn route(sim: &crate::sim::Sim, region: u8, counter: u64) -> Option<c8dr_api::BrokerId> {
    let restarting = sim.restarting(region)?;
    let pods: Vec<c8dr_api::BrokerId> = sim
        .brokers
        .keys()
        .copied()
        .filter(|b| sim.region_of(*b) == region)
        .collect();
    pods.get((counter % pods.len().max(1) as u64) as usize)
        .copied()
        .filter(|b| *b == restarting)
}
