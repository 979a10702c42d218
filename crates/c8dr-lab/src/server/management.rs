//! The management API (port 9600) on each broker and behind each region's gateway.
//!
//! Cluster changes (`PATCH /actuator/cluster`, `POST /actuator/cluster/brokers`, cancelling
//! the one in flight with `DELETE /actuator/cluster/changes/{id}`), exporters,
//! exporting pause/resume, a broker's partitions, health and Prometheus metrics. Request validation and status
//! codes follow `ClusterApiUtils` and `ClusterEndpointErrorResponseIT` (api-notes §3.1).

use super::Shared;
use crate::sim::plan::{self, Plan, Refusal};
use crate::sim::{Camunda, Entry, Sim};
use crate::views;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use c8dr_api::{
    BrokerId, ClusterPatchRequest, EnableExporterRequest, ErrorBody, ExportingWrapper, ScaleRequest,
};
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

type Ctx = (Arc<Shared>, Entry);
type Params = Query<HashMap<String, String>>;

pub fn router(shared: Arc<Shared>, entry: Entry) -> Router {
    // 8.10 answers the per-broker exporting operations (with a refusal); before, no POST.
    let partition = if super::exporting::in_config(&shared) {
        get(get_partition).post(super::exporting::partitions_op)
    } else {
        get(get_partition)
    };
    Router::new()
        .route("/actuator/cluster", get(get_cluster).patch(patch_cluster))
        .route("/actuator/cluster/brokers", post(post_brokers))
        .route(
            "/actuator/cluster/changes/{id}",
            delete(cancel_change).get(super::zones::get_change),
        )
        .route("/actuator/cluster/changes", get(super::zones::list_changes))
        .route(
            "/actuator/cluster/zones",
            axum::routing::put(super::zones::migrate_zone),
        )
        .route(
            "/actuator/cluster/partitioning",
            axum::routing::put(super::zones::put_partitioning),
        )
        .route(
            "/actuator/cluster/zones/{zone}",
            post(super::zones::add_zone).delete(super::zones::remove_zone),
        )
        .route("/actuator/exporters", get(get_exporters))
        .route("/actuator/exporters/{id}/{op}", post(exporter_op))
        .route("/actuator/exporting/{op}", post(exporting))
        .route("/actuator/rebalance", post(rebalance))
        .route("/actuator/partitions", get(get_partitions))
        .route("/actuator/prometheus", get(prometheus))
        .route("/actuator/partitions/{id}", partition)
        .route("/actuator/backupRuntime", get(backups))
        .route("/actuator/backups", get(backups))
        .route("/actuator/health", get(health))
        .route("/actuator/health/{probe}", get(health_probe))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            super::zones::unsupported_query,
        ))
        .with_state((shared, entry))
}

pub(super) fn refused(r: Refusal) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(ErrorBody { message: r.message })).into_response()
}

/// Spring's boolean request parameters: absent or empty → false.
pub(super) fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, Refusal> {
    match q.get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v.is_empty() || v == "false" => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) => Err(Refusal::invalid(format!(
            "Failed to convert value of type 'java.lang.String' to required type 'boolean' for \
             parameter '{name}': invalid boolean value [{v}]"
        ))),
    }
}

pub(super) fn body<T: DeserializeOwned>(
    bytes: &[u8],
    required: bool,
) -> Result<Option<T>, Refusal> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(Refusal::invalid("Required request body is missing"))
        } else {
            Ok(None)
        };
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| Refusal::invalid(format!("Failed to read request body: {e}")))
}

fn accepted(result: Result<c8dr_api::PlannedOperationsResponse, Refusal>) -> Response {
    match result {
        Ok(planned) => (StatusCode::ACCEPTED, Json(planned)).into_response(),
        Err(r) => refused(r),
    }
}

/// Validates, plans and starts a change in one critical section.
pub(super) fn change(
    shared: &Shared,
    entry: Entry,
    dry_run: bool,
    make: impl FnOnce(&Sim) -> Result<Plan, Refusal>,
) -> Response {
    accepted(shared.with(|sim| {
        let plan = sim.versioned(make(sim)?);
        let ops = plan.operations.clone();
        let (id, expected) = sim.start_change(entry, plan, dry_run)?;
        Ok(views::planned(sim, id, &ops, &expected))
    }))
}

async fn get_cluster(State((shared, entry)): State<Ctx>) -> Response {
    match shared.with(|sim| sim.config_readable(entry).map(|_| views::cluster(sim))) {
        Ok(c) => Json(c).into_response(),
        Err(r) => refused(r),
    }
}

async fn patch_cluster(
    State((shared, entry)): State<Ctx>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let parsed = (|| {
        let req: ClusterPatchRequest = body(&bytes, true)?.unwrap_or_default();
        Ok::<_, Refusal>((req, flag(&q, "force")?, flag(&q, "dryRun")?))
    })();
    let (req, force, dry_run) = match parsed {
        Ok(v) => v,
        Err(r) => return refused(r),
    };
    change(&shared, entry, dry_run, |sim| plan_patch(sim, req, force))
}

fn plan_patch(sim: &Sim, req: ClusterPatchRequest, force: bool) -> Result<Plan, Refusal> {
    super::zones::check_patch(sim, &req)?;
    let brokers = req.brokers.unwrap_or_default();
    let partitions = req.partitions.unwrap_or_default();
    let add: BTreeSet<BrokerId> = brokers.add.unwrap_or_default().into_iter().collect();
    let remove: BTreeSet<BrokerId> = brokers.remove.unwrap_or_default().into_iter().collect();
    let current = sim.settings.partitions as i32;
    if force {
        if !add.is_empty()
            || brokers.count.is_some()
            || partitions.count.is_some()
            || partitions.replication_factor.is_some()
        {
            return Err(Refusal::invalid(
                "Force reconfiguration can only remove brokers: brokers.add, brokers.count, \
                 partitions.count and partitions.replicationFactor are not allowed with force=true",
            ));
        }
        sim.check_no_pending()?;
        return plan::force_remove(
            &sim.members,
            sim.settings.partitions,
            &remove,
            sim.replication_factor,
        );
    }
    if brokers.count.is_some() && (!add.is_empty() || !remove.is_empty()) {
        return Err(Refusal::invalid(
            "brokers.count cannot be combined with brokers.add or brokers.remove",
        ));
    }
    match partitions.count {
        Some(c) if c < current => {
            return Err(Refusal::invalid(format!(
                "Cannot reduce the number of partitions from {current} to {c}"
            )));
        }
        Some(c) if c > current => {
            return Err(Refusal::invalid(
                "Scaling partitions is experimental and not simulated by the c8dr lab",
            ));
        }
        _ => {}
    }
    let target: BTreeSet<BrokerId> = match brokers.count {
        Some(n) if n < 1 => {
            return Err(Refusal::invalid(format!(
                "Broker count {n} must be at least 1"
            )));
        }
        Some(n) => (0..n).map(BrokerId::Numbered).collect(),
        None => sim
            .members
            .keys()
            .copied()
            .filter(|b| !remove.contains(b))
            .chain(add)
            .collect(),
    };
    sim.check_no_pending()?;
    let rf = partitions
        .replication_factor
        .unwrap_or(sim.replication_factor);
    plan::scale(&sim.members, sim.settings.partitions, &target, rf)
}

/// `DELETE /actuator/cluster/changes/{id}` (`ClusterEndpoint.cancelChange`): 200 with the
/// configuration after the cancel (its `lastChange` CANCELLED); 400 for an id that is not a
/// number, no change in progress or another change's id; 501 for a dry run; 502 when the
/// coordinator cannot be reached (camunda/camunda#63506).
async fn cancel_change(
    State((shared, entry)): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    match flag(&q, "dryRun") {
        Err(r) => return refused(r),
        Ok(true) => {
            return (
                StatusCode::NOT_IMPLEMENTED,
                "Dry run is not supported for cancelling changes",
            )
                .into_response();
        }
        Ok(false) => {}
    }
    let Ok(id) = id.trim().parse::<i64>() else {
        return refused(Refusal::invalid("Change id must be a number"));
    };
    match shared.with(|sim| sim.cancel_change(entry, id).map(|()| views::cluster(sim))) {
        Ok(c) => Json(c).into_response(),
        Err(r) => refused(r),
    }
}

async fn post_brokers(
    State((shared, entry)): State<Ctx>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let parsed = (|| {
        let ids: ScaleRequest = body(&bytes, true)?.unwrap_or_default();
        let rf = match q.get("replicationFactor") {
            None => None,
            Some(v) => Some(v.trim().parse::<i32>().map_err(|_| {
                Refusal::invalid(format!(
                    "Failed to convert 'replicationFactor' value [{v}] to int"
                ))
            })?),
        };
        Ok::<_, Refusal>((ids, rf, flag(&q, "force")?, flag(&q, "dryRun")?))
    })();
    let (ids, rf, force, dry_run) = match parsed {
        Ok(v) => v,
        Err(r) => return refused(r),
    };
    change(&shared, entry, dry_run, |sim| {
        super::zones::check_scale(sim, &ids, rf)?;
        if ids.is_empty() {
            return Err(Refusal::invalid(
                "Expected at least one broker, but the list is empty",
            ));
        }
        let keep: BTreeSet<BrokerId> = ids.into_iter().collect();
        if force {
            if rf.is_some() {
                return Err(Refusal::invalid(
                    "replicationFactor cannot be changed with force=true",
                ));
            }
            let new: Vec<String> = keep
                .iter()
                .filter(|b| !sim.members.contains_key(b))
                .map(|b| b.to_string())
                .collect();
            if !new.is_empty() {
                return Err(Refusal::invalid(format!(
                    "Force reconfiguration can only remove brokers, but brokers [{}] are not members",
                    new.join(", ")
                )));
            }
            let remove: BTreeSet<BrokerId> = sim
                .members
                .keys()
                .copied()
                .filter(|b| !keep.contains(b))
                .collect();
            sim.check_no_pending()?;
            if remove.is_empty() {
                return Ok(Plan {
                    operations: vec![],
                    coordinator: keep.iter().copied().min().unwrap_or(BrokerId::Numbered(0)),
                    replication_factor: sim.replication_factor,
                    initialize_from: None,
                });
            }
            return plan::force_remove(
                &sim.members,
                sim.settings.partitions,
                &remove,
                sim.replication_factor,
            );
        }
        sim.check_no_pending()?;
        plan::scale(
            &sim.members,
            sim.settings.partitions,
            &keep,
            rf.unwrap_or(sim.replication_factor),
        )
    })
}

async fn get_exporters(State((shared, entry)): State<Ctx>) -> Response {
    match shared.with(|sim| sim.config_readable(entry).map(|_| views::exporters(sim))) {
        Ok(list) => Json(list).into_response(),
        Err(r) => refused(r),
    }
}

async fn exporter_op(
    State((shared, entry)): State<Ctx>,
    Path((id, op)): Path<(String, String)>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let enable = match op.as_str() {
        "enable" => true,
        "disable" => false,
        other => {
            return refused(Refusal::invalid(format!(
                "Unknown exporter operation: {other}"
            )));
        }
    };
    let parsed = (|| {
        let req: Option<EnableExporterRequest> = if enable { body(&bytes, false)? } else { None };
        Ok::<_, Refusal>((req.and_then(|r| r.initialize_from), flag(&q, "dryRun")?))
    })();
    let (from, dry_run) = match parsed {
        Ok(v) => v,
        Err(r) => return refused(r),
    };
    change(&shared, entry, dry_run, |sim| {
        let plan = plan::exporter(
            &sim.members,
            &sim.exporters,
            &id,
            enable,
            from.as_deref(),
            sim.replication_factor,
        )?;
        sim.check_no_pending()?;
        Ok(plan)
    })
}

/// The gateway's legacy rebalance: it asks every leader to step down and answers at once
/// (zone-aware-dual-region.md §7.8); the lab moves the leaders right away.
async fn rebalance(State((shared, _)): State<Ctx>) -> Response {
    shared.with(Sim::rebalance);
    StatusCode::OK.into_response()
}

async fn exporting(
    State((shared, entry)): State<Ctx>,
    Path(op): Path<String>,
    Query(q): Params,
) -> Response {
    if super::exporting::in_config(&shared) {
        return super::exporting::actuator(shared, entry, &op, &q).await;
    }
    let pause = match op.as_str() {
        "pause" => true,
        "resume" => false,
        other => {
            return refused(Refusal::invalid(format!(
                "Unknown exporting operation: {other}"
            )));
        }
    };
    let (camunda, result) =
        shared.with(|sim| (sim.settings.camunda, sim.set_exporting(entry, pause)));
    match (camunda, result) {
        // 8.8 docs: always HTTP 200, success or failure in the wrapper's `status`.
        (Camunda::V88 | Camunda::V89 | Camunda::V810, Ok(())) => Json(ExportingWrapper {
            body: None,
            status: 204,
            content_type: None,
        })
        .into_response(),
        (Camunda::V88 | Camunda::V89 | Camunda::V810, Err(message)) => Json(ExportingWrapper {
            body: Some(serde_json::json!({ "message": message })),
            status: 500,
            content_type: None,
        })
        .into_response(),
        (Camunda::V87, Ok(())) => StatusCode::NO_CONTENT.into_response(),
        (Camunda::V87, Err(message)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(ErrorBody { message }),
        )
            .into_response(),
    }
}

/// The broker whose partitions a request sees: the broker itself, or for an 8.8 gateway
/// address the first running broker of its region (the pod the service routes to). The 8.7
/// standalone gateway has no partitions endpoint.
fn partitions_broker(sim: &Sim, entry: Entry) -> Result<BrokerId, Box<Response>> {
    match entry {
        Entry::Broker(b) => Ok(b),
        Entry::Gateway(_) if sim.settings.camunda.family87() => {
            Err(Box::new(spring_404("/actuator/partitions")))
        }
        Entry::Gateway(r) => sim
            .brokers
            .keys()
            .copied()
            .find(|b| sim.region_of(*b) == r && sim.reachable(*b))
            .ok_or_else(|| {
                Box::new(refused(Refusal {
                    status: 503,
                    message: "No broker is running in this region".into(),
                }))
            }),
    }
}

async fn get_partitions(State((shared, entry)): State<Ctx>) -> Response {
    shared.with(|sim| match partitions_broker(sim, entry) {
        Ok(b) => Json(views::partitions(sim, b)).into_response(),
        Err(resp) => *resp,
    })
}

/// `GET /actuator/prometheus`: the broker's meters in the text format (`crate::metrics`);
/// behind a gateway, those of a broker it reaches (an 8.7 standalone gateway has none of the
/// broker's). Like Spring's endpoint, it refuses a client that accepts neither the text format
/// nor anything (406): `Accept: application/json` alone gets no metrics.
async fn prometheus(
    State((shared, entry)): State<Ctx>,
    headers: axum::http::HeaderMap,
) -> Response {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    if !(accept.contains("text/plain") || accept.contains("*/*")) {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    }
    let body = shared.with(|sim| match entry {
        Entry::Gateway(_) if sim.settings.camunda.family87() => Ok(crate::metrics::gateway()),
        _ => partitions_broker(sim, entry).map(|b| crate::metrics::broker(sim, b)),
    });
    match body {
        Ok(text) => (
            [(
                axum::http::header::CONTENT_TYPE,
                c8dr_api::metrics::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(resp) => *resp,
    }
}

/// `GET /actuator/partitions/{id}`: one replica's status; 404 for a partition the broker
/// does not hold.
async fn get_partition(State((shared, entry)): State<Ctx>, Path(id): Path<String>) -> Response {
    shared.with(|sim| match partitions_broker(sim, entry) {
        Ok(b) => match views::partitions(sim, b).remove(&id) {
            Some(status) => Json(status).into_response(),
            None => spring_404(&format!("/actuator/partitions/{id}")),
        },
        Err(resp) => *resp,
    })
}

/// `GET /actuator/backupRuntime` (8.8+) or `/actuator/backups` (≤8.7): the completed backups,
/// one detail per partition as the real endpoint lists them.
async fn backups(State((shared, _)): State<Ctx>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let (list, camunda, partitions) = shared.with(|sim| {
        (
            sim.backups.clone(),
            sim.settings.camunda,
            sim.settings.partitions,
        )
    });
    if camunda.family87() == path.ends_with("backupRuntime") {
        return spring_404(&path);
    }
    let infos: Vec<serde_json::Value> = list
        .iter()
        .map(|(id, at)| {
            let details: Vec<serde_json::Value> = (1..=partitions)
                .map(|p| {
                    serde_json::json!({"partitionId": p, "state": "COMPLETED", "createdAt": at.to_string(),
                                       "lastUpdatedAt": at.to_string(), "brokerVersion": camunda.version()})
                })
                .collect();
            serde_json::json!({"backupId": id, "state": "COMPLETED", "details": details})
        })
        .collect();
    Json(infos).into_response()
}

async fn health() -> Response {
    Json(serde_json::json!({ "status": "UP" })).into_response()
}

/// Readiness of a broker: ready only as an active member. Brokers of a recreated region stay
/// not ready until they are added back (dual-region docs, failback step 1).
async fn health_probe(State((shared, entry)): State<Ctx>, Path(probe): Path<String>) -> Response {
    let ready = match (entry, probe.as_str()) {
        (Entry::Broker(b), "readiness" | "status") => shared.with(|sim| sim.broker_ready(b)),
        (_, "readiness" | "status" | "liveness" | "startup") => true,
        _ => return spring_404(&format!("/actuator/health/{probe}")),
    };
    if ready {
        Json(serde_json::json!({ "status": "UP" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "OUT_OF_SERVICE" })),
        )
            .into_response()
    }
}

pub(super) fn spring_404(path: &str) -> Response {
    let body = serde_json::json!({
        "timestamp": jiff::Timestamp::now().to_string(),
        "status": 404,
        "error": "Not Found",
        "path": path,
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn not_found(req: Request) -> Response {
    spring_404(req.uri().path())
}
