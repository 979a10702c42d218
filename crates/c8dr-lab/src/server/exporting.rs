//! 8.10's exporting endpoints (camunda/camunda PR #60737; zone-aware-dual-region.md §7.4):
//! `POST /actuator/exporting/pause[?soft=true]|resume` as cluster changes, the per-broker
//! `POST /actuator/partitions/{pause|softPause|resume}Exporting` refused, and `GET /v2/exporting`.
//!
//! As `ExportingEndpoint` with `ClusterConfigExportingControlService`: the request submits an
//! exporting change and answers only once that change is done (polled from `lastChange`, 60 s
//! at most); an empty plan answers at once. Every failure — a concurrent change
//! (`CONCURRENT_MODIFICATION: …`), a cancelled change, the timeout — is a 500 inside the 8.8+
//! wrapper, since the endpoint catches them all. The lab measures the 60 s in simulated time.

use super::Shared;
use super::gateway::{authorized, unauthorized};
use crate::sim::exporting::{ExportingState, Progress};
use crate::sim::plan::Refusal;
use crate::sim::{Camunda, Entry};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use c8dr_api::{ExportingStatusCode, ExportingStatusResponse, ExportingWrapper};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long the endpoint waits for its change (`DEFAULT_TIMEOUT`), in simulated time.
const WAIT: Duration = Duration::from_secs(60);

fn wrapper(result: Result<(), String>) -> Response {
    let (body, status) = match result {
        Ok(()) => (None, 204),
        Err(message) => (Some(serde_json::json!({ "message": message })), 500),
    };
    Json(ExportingWrapper {
        body,
        status,
        content_type: None,
    })
    .into_response()
}

/// `ErrorResponse.code()` of a refusal, as `errorFrom` prefixes the message with it.
fn code(r: &Refusal) -> &'static str {
    match r.status {
        400 => "INVALID_REQUEST",
        409 => "CONCURRENT_MODIFICATION",
        _ => "INTERNAL_ERROR",
    }
}

/// `POST /actuator/exporting/{op}` on 8.10.
pub async fn actuator(
    shared: Arc<Shared>,
    entry: Entry,
    op: &str,
    q: &HashMap<String, String>,
) -> Response {
    let soft = q
        .get("soft")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let target = match (op, soft) {
        ("pause", false) => ExportingState::Paused,
        ("pause", true) => ExportingState::SoftPaused,
        ("resume", _) => ExportingState::Exporting,
        // `default -> throw new UnsupportedOperationException()`: no message.
        _ => return wrapper(Err(String::new())),
    };
    let started = shared.with(|sim| {
        sim.start_exporting_change(entry, target)
            .map(|id| (id, sim.now))
    });
    let (id, since) = match started {
        Err(r) => return wrapper(Err(format!("{}: {}", code(&r), r.message))),
        Ok((None, _)) => return wrapper(Ok(())),
        Ok((Some(id), since)) => (id, since),
    };
    loop {
        let (progress, now) = shared.with(|sim| (sim.change_progress(id), sim.now));
        match progress {
            Progress::Completed => return wrapper(Ok(())),
            Progress::Failed => {
                return wrapper(Err(format!("Exporter state change {id} failed to apply")));
            }
            Progress::Pending if now.saturating_sub(since) >= WAIT => {
                return wrapper(Err(format!(
                    "Timed out waiting for exporter state change {id}"
                )));
            }
            Progress::Pending => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// `POST /actuator/partitions/{op}` on 8.10: the exporting operations throw
/// `UnsupportedOperationException` ("no longer supported", pointing at `/actuator/exporting`),
/// which Spring's actuator error handling answers as a bare 500 without the message
/// (`BrokerAdminServiceImplTest`). Other operations are not simulated.
pub async fn partitions_op(State(_): State<Ctx>, Path(op): Path<String>) -> Response {
    match op.as_str() {
        "pauseExporting" | "softPauseExporting" | "resumeExporting" => {
            tracing::info!(
                %op,
                "lab: per-broker exporting is no longer supported on 8.10; use /actuator/exporting"
            );
            let body = serde_json::json!({
                "timestamp": jiff::Timestamp::now().to_string(),
                "status": 500,
                "error": "Internal Server Error",
                "path": format!("/actuator/partitions/{op}"),
            });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

/// `GET /v2/exporting` (8.10, same authentication as the other `/v2` endpoints): the
/// default physical tenant's state folded over its replicas, `MIXED` when they differ
/// (`rest-v2/8.10-dev/exporting.yaml`, `ExportingStatusResponse`).
pub async fn v2_status(
    State((shared, _)): State<(Arc<Shared>, u8)>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized("/v2/exporting");
    }
    let status = shared.with(|sim| sim.exporting_status());
    Json(ExportingStatusResponse {
        status: ExportingStatusCode::parse(status),
    })
    .into_response()
}

/// The lab runs a Camunda whose exporting lives in the configuration.
pub fn in_config(shared: &Shared) -> bool {
    shared.with(|sim| sim.settings.camunda >= Camunda::V810)
}

/// Route state of the management router.
pub type Ctx = (Arc<Shared>, Entry);
