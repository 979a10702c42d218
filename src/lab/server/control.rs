//! The lab's control API for drills and tests: the ground truth and the faults.
//!
//! `GET /lab/state`; `POST /lab/regions/{id}/fail|restore|recreate`;
//! `POST /lab/network/split|heal`; `GET|POST /lab/clock?speed=F` (how fast simulated time
//! runs, e.g. slow enough to watch a change step by step). Region and network actions answer
//! with the new ground truth.

use super::Shared;
use crate::api::ErrorBody;
use crate::lab::views;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/lab/state", get(state))
        .route("/lab/regions/{id}/{action}", post(region))
        .route("/lab/network/{action}", post(network))
        .route("/lab/clock", get(clock).post(set_clock))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such lab endpoint".into()) })
        .with_state(shared)
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(ErrorBody { message })).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.with(|sim| views::lab_state(sim))).into_response()
}

async fn region(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let region = match id.as_str() {
        "0" => 0u8,
        "1" => 1u8,
        other => {
            return error(
                StatusCode::NOT_FOUND,
                format!("no region {other:?}; regions are 0 and 1"),
            );
        }
    };
    let result = shared.with(|sim| {
        match action.as_str() {
            "fail" => sim.fail_region(region),
            "restore" => sim.restore_region(region),
            "recreate" => sim.recreate_region(region),
            _ => return None,
        }
        tracing::info!(region, action = %action, "lab: region action");
        Some(views::lab_state(sim))
    });
    shared.settle().await;
    match result {
        Some(state) => Json(state).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("unknown region action {action:?}; use fail, restore or recreate"),
        ),
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
