//! The lab's control API for drills and tests: the ground truth and the faults.
//!
//! `GET /lab/state`; `POST /lab/regions/{id}/fail|restore|recreate`;
//! `POST /lab/regions/{id}/recreate?schema_manager=on` (the install forgot
//! `CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false`), `…?leftover_pvcs=on` (the old install's
//! broker claims are still in the namespace); `POST /lab/regions/{id}/fail-mid-change` (lost
//! while a change needs its brokers: the change stays pending, camunda/camunda#63506);
//! `POST /lab/regions/{id}/webapps/on|off`
//! (a Helm upgrade); `POST /lab/brokers/{id}/hang` (camunda/camunda#55038 until the pod is
//! deleted);
//! `POST /lab/regions/{id}/webapps/on|off?schema_env=keep` (the values still carry FB-1's
//! schema-manager env); `POST /lab/elasticsearch/passwords/sync` (8.9's
//! `sync_elasticsearch_passwords.sh`);
//! `POST /lab/exporting/stall|release` (8.10: a pause held pending as a cluster change, until
//! cancelled or released: camunda/camunda#63506 with exporting changes);
//! `POST /lab/exporters/{id}/stall|unstall` (`id` an exporter or `regionN`: the exporter
//! stops advancing while its target still answers, camunda/camunda#38724);
//! `POST /lab/network/split|heal`; `POST /lab/traffic/0|1|both`;
//! `GET|POST|DELETE /lab/faults`; `GET|DELETE /lab/requests` (every mutating request that
//! reached a Camunda or Elasticsearch endpoint); `GET|POST /lab/clock?speed=F` (how fast
//! simulated time runs). State-changing actions answer with the new ground truth.

// Handlers return ready-made error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use super::Shared;
use super::faults::{Fault, valid_target};
use crate::sim::Traffic;
use crate::views;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use c8dr_api::ErrorBody;
use std::collections::HashMap;
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/lab/state", get(state))
        .route("/lab/regions/{id}/{action}", post(region))
        .route("/lab/network/{action}", post(network))
        .route("/lab/exporting/{action}", post(exporting))
        .route("/lab/exporters/{id}/{action}", post(exporter))
        .route("/lab/brokers/{id}/hang", post(hang))
        .route("/lab/clock", get(clock).post(set_clock))
        .route("/lab/regions/{id}/webapps/{state}", post(webapps))
        .route("/lab/traffic/{to}", post(traffic))
        .route("/lab/elasticsearch/passwords/sync", post(sync_passwords))
        .route(
            "/lab/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/lab/requests", get(requests).delete(clear_requests))
        .route("/lab/misconfigure", post(misconfigure))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such lab endpoint".into()) })
        .with_state(shared)
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(ErrorBody { message })).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.with(|sim| views::lab_state(sim))).into_response()
}

fn region_id(id: &str) -> Result<u8, Response> {
    match id {
        "0" => Ok(0),
        "1" => Ok(1),
        other => Err(error(
            StatusCode::NOT_FOUND,
            format!("no region {other:?}; regions are 0 and 1"),
        )),
    }
}

async fn region(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let region = match region_id(&id) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let schema_manager = match q.get("schema_manager").map(String::as_str) {
        None | Some("off") | Some("false") => false,
        Some("on") | Some("true") => true,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("schema_manager must be on or off, not {other:?}"),
            );
        }
    };
    let leftover_pvcs = match q.get("leftover_pvcs").map(String::as_str) {
        None | Some("off") | Some("false") => false,
        Some("on") | Some("true") => true,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("leftover_pvcs must be on or off, not {other:?}"),
            );
        }
    };
    let result = shared.with(|sim| {
        match action.as_str() {
            "fail" => sim.fail_region(region),
            "restore" => sim.restore_region(region),
            "recreate" => sim.recreate_region(region, schema_manager, leftover_pvcs),
            "fail-mid-change" => {
                if let Err(r) = sim.fail_region_mid_change(region) {
                    return Err(error(
                        StatusCode::from_u16(r.status).unwrap_or(StatusCode::CONFLICT),
                        r.message,
                    ));
                }
            }
            _ => {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    format!(
                        "unknown region action {action:?}; use fail, fail-mid-change, restore \
                         or recreate"
                    ),
                ));
            }
        }
        tracing::info!(region, action = %action, "lab: region action");
        Ok(views::lab_state(sim))
    });
    shared.settle().await;
    match result {
        Ok(state) => Json(state).into_response(),
        Err(e) => e,
    }
}

async fn hang(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    // `3`, or `paris_1` on a zone-aware lab.
    let Ok(b) = id.parse::<c8dr_api::BrokerId>() else {
        return error(StatusCode::NOT_FOUND, format!("no broker {id:?}"));
    };
    let result = shared.with(|sim| sim.hang_broker(b).map(|()| views::lab_state(sim)));
    shared.settle().await;
    match result {
        Ok(state) => Json(state).into_response(),
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}

/// `stall` starts a pause that the lab holds pending (entering at a reachable region's
/// gateway); `release` lets it run.
async fn exporting(State(shared): State<Arc<Shared>>, Path(action): Path<String>) -> Response {
    let result = shared.with(|sim| {
        match action.as_str() {
            "stall" => {
                let entry = crate::sim::Entry::Gateway(u8::from(sim.regions[0].failed));
                if let Err(r) = sim.stall_exporting(entry) {
                    return Err(error(
                        StatusCode::from_u16(r.status).unwrap_or(StatusCode::CONFLICT),
                        r.message,
                    ));
                }
            }
            "release" => sim.release_exporting(),
            other => {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    format!("unknown exporting action {other:?}; use stall or release"),
                ));
            }
        }
        tracing::info!(action = %action, "lab: exporting");
        Ok(views::lab_state(sim))
    });
    match result {
        Ok(state) => Json(state).into_response(),
        Err(e) => e,
    }
}

/// `POST /lab/exporters/{id}/stall|unstall`: `id` an exporter id or `regionN` (that region's
/// exporters).
async fn exporter(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let stall = match action.as_str() {
        "stall" => true,
        "unstall" => false,
        other => {
            return error(
                StatusCode::NOT_FOUND,
                format!("unknown exporter action {other:?}; use stall or unstall"),
            );
        }
    };
    let result = shared.with(|sim| {
        sim.stall_exporters(&id, stall).map(|which| {
            tracing::info!(exporters = ?which, stall, "lab: exporter stall");
            views::lab_state(sim)
        })
    });
    match result {
        Ok(state) => Json(state).into_response(),
        Err(message) => error(StatusCode::NOT_FOUND, message),
    }
}

async fn network(State(shared): State<Arc<Shared>>, Path(action): Path<String>) -> Response {
    let split = match action.as_str() {
        "split" => true,
        "heal" => false,
        other => {
            return error(
                StatusCode::NOT_FOUND,
                format!("unknown network action {other:?}; use split or heal"),
            );
        }
    };
    let state = shared.with(|sim| {
        sim.set_split(split);
        tracing::info!(split, "lab: network");
        views::lab_state(sim)
    });
    shared.settle().await;
    Json(state).into_response()
}

async fn clock(State(shared): State<Arc<Shared>>) -> Response {
    let (seconds, time) = shared.with(|sim| (sim.now.as_secs_f64(), sim.wall_now().to_string()));
    Json(serde_json::json!({ "speed": shared.speed(), "simulated_seconds": seconds, "time": time }))
        .into_response()
}

async fn set_clock(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let speed = match q.get("speed").map(|s| s.trim().parse::<f64>()) {
        Some(Ok(f)) if f.is_finite() && f > 0.0 && f <= 1000.0 => f,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "speed must be a number above 0 and at most 1000, e.g. /lab/clock?speed=0.1".into(),
            );
        }
    };
    shared.with(|_| ());
    shared.set_speed(speed);
    tracing::info!(speed, "lab: clock speed changed");
    clock(State(shared)).await
}

async fn webapps(
    State(shared): State<Arc<Shared>>,
    Path((id, state)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    // The upgrade's values: the blueprint's env (what kubectl set env or FB-1 added is gone),
    // unless the values still carry FB-1's temporary schema-manager env.
    let keep_schema_env = match q.get("schema_env").map(String::as_str) {
        None => false,
        Some("keep") => true,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("schema_env can only be keep, not {other:?}"),
            );
        }
    };
    let region = match region_id(&id) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let on = match state.as_str() {
        "on" => true,
        "off" => false,
        other => {
            return error(
                StatusCode::NOT_FOUND,
                format!("webapps can be on or off, not {other:?}"),
            );
        }
    };
    let state = shared.with(|sim| {
        sim.set_webapps(region, on);
        sim.upgrade_env(region, keep_schema_env);
        tracing::info!(region, on, "lab: webapps (helm upgrade)");
        views::lab_state(sim)
    });
    Json(state).into_response()
}

/// `sync_elasticsearch_passwords.sh` (8.9 FB-1.2): each region's ECK password copied into
/// both namespaces.
async fn sync_passwords(State(shared): State<Arc<Shared>>) -> Response {
    let state = shared.with(|sim| {
        sim.sync_es_passwords();
        tracing::info!("lab: Elasticsearch passwords synced");
        views::lab_state(sim)
    });
    Json(state).into_response()
}

async fn traffic(State(shared): State<Arc<Shared>>, Path(to): Path<String>) -> Response {
    let traffic = match to.as_str() {
        "0" => Traffic::Region(0),
        "1" => Traffic::Region(1),
        "both" => Traffic::Both,
        other => {
            return error(
                StatusCode::NOT_FOUND,
                format!("traffic goes to 0, 1 or both, not {other:?}"),
            );
        }
    };
    let state = shared.with(|sim| {
        sim.set_traffic(traffic);
        tracing::info!(?traffic, "lab: user traffic moved");
        views::lab_state(sim)
    });
    shared.settle().await;
    Json(state).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.faults()).into_response()
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "a fault is {{\"target\", \"kind\": http500|malformed|slow|hang|refuse, \"ratio\", \"duration_ms\"}}: {e}"
                ),
            );
        }
    };
    let brokers = shared.with(|sim| sim.brokers.len());
    if !valid_target(&fault.target, brokers) {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown fault target {:?}; use region0|region1 + .management|.rest|.elasticsearch, or brokerN.management",
                fault.target
            ),
        );
    }
    if !(0.0..=1.0).contains(&fault.ratio) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("ratio must be within 0..1, not {}", fault.ratio),
        );
    }
    tracing::info!(target = %fault.target, kind = ?fault.kind, "lab: fault injected");
    shared.add_fault(fault);
    shared.settle().await;
    Json(shared.faults()).into_response()
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.clear_faults();
    shared.settle().await;
    tracing::info!("lab: faults cleared");
    Json(shared.faults()).into_response()
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.requests()).into_response()
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> Response {
    shared.clear_requests();
    Json(shared.requests()).into_response()
}

/// `POST /lab/misconfigure?kind=…`: breaks one documented dual-region rule.
async fn misconfigure(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kind = q.get("kind").cloned().unwrap_or_default();
    match shared.with(|sim| sim.misconfigure(&kind).map(|_| views::lab_state(sim))) {
        Ok(state) => {
            tracing::info!(%kind, "lab: misconfigured");
            Json(state).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}
