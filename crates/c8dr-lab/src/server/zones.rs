//! 8.10's zones API and configuration-change endpoints on the management port, and the 8.10
//! request checks every `/actuator/cluster*` call goes through.
//!
//! `DELETE|POST /actuator/cluster/zones/{zone}`, the migration's `PUT /actuator/cluster/zones`
//! and `PUT /actuator/cluster/partitioning`, `GET /actuator/cluster/changes[/{id}]`, the
//! query-parameter check (`ClusterEndpoint.validateRequestParameters`) and the zone-aware
//! refusals of `PATCH /actuator/cluster` and `POST /actuator/cluster/brokers`. Semantics and
//! strings: zone-aware-dual-region.md §2.3, §2.4, §3; the sim plans (`sim/zones.rs`).

use super::Shared;
use super::management::{body, change, flag, refused, spring_404};
use crate::sim::plan::Refusal;
use crate::sim::{Camunda, Entry, Sim};
use crate::views;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use c8dr_api::{
    BrokerId, ClusterPatchRequest, PartitioningRequest, ZoneAddRequest, ZoneMigrateRequest,
};
use std::collections::HashMap;
use std::sync::Arc;

type Ctx = (Arc<Shared>, Entry);
type Params = Query<HashMap<String, String>>;

/// The query parameters `/actuator/cluster*` accepts on 8.10 (CE `validateRequestParameters`).
const ACCEPTED: [&str; 4] = ["dryRun", "force", "replicationFactor", "physicalTenant"];

/// 8.10: a `/actuator/cluster*` request with any other query parameter is answered 400
/// `Unsupported query parameter(s): <sorted list>` (e.g. a misspelled `dry-run`, which older
/// versions silently ignored). [unconfirmed] the list's separator (", ").
pub async fn unsupported_query(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path == "/actuator/cluster" || path.starts_with("/actuator/cluster/") {
        let camunda = shared.with(|sim| sim.settings.camunda);
        // The zones API, `/partitioning` and reading changes exist from 8.10 only (cancelling
        // one, `DELETE …/changes/{id}`, is older).
        let only_810 = path.starts_with("/actuator/cluster/zones")
            || path == "/actuator/cluster/partitioning"
            || (path.starts_with("/actuator/cluster/changes")
                && request.method() == axum::http::Method::GET);
        if only_810 && camunda < Camunda::V810 {
            return spring_404(path);
        }
        if camunda >= Camunda::V810 {
            let mut unknown: Vec<String> = request
                .uri()
                .query()
                .unwrap_or_default()
                .split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| kv.split_once('=').map_or(kv, |(k, _)| k).to_string())
                .filter(|k| !ACCEPTED.contains(&k.as_str()))
                .collect();
            unknown.sort();
            unknown.dedup();
            if !unknown.is_empty() {
                return refused(Refusal::invalid(format!(
                    "Unsupported query parameter(s): {}",
                    unknown.join(", ")
                )));
            }
        }
    }
    next.run(request).await
}

/// A cluster with zoned members (CE: `!isUnzoned()`), fully or partially migrated.
fn zoned(sim: &Sim) -> bool {
    sim.is_zone_aware() && sim.members.keys().any(|b| b.is_zoned())
}

const RF_REFUSAL: &str = "Changing the replication factor is not supported on zone-aware clusters.";
const BARE_REFUSAL: &str = "Members without a zone cannot be added to a zone-aware cluster";

/// `PATCH /actuator/cluster` on a zone-aware cluster: no replication factor (it is the sum of
/// the zones' replicas) and no bare integer ids.
pub fn check_patch(sim: &Sim, req: &ClusterPatchRequest) -> Result<(), Refusal> {
    if !zoned(sim) {
        return Ok(());
    }
    if req
        .partitions
        .as_ref()
        .is_some_and(|p| p.replication_factor.is_some())
    {
        return Err(Refusal::invalid(RF_REFUSAL));
    }
    let bare = |ids: &Option<Vec<BrokerId>>| ids.iter().flatten().any(|b| !b.is_zoned());
    if req.brokers.as_ref().is_some_and(|b| bare(&b.add)) {
        return Err(Refusal::invalid(BARE_REFUSAL));
    }
    Ok(())
}

/// `POST /actuator/cluster/brokers` on a zone-aware cluster: the same two rules.
pub fn check_scale(sim: &Sim, ids: &[BrokerId], rf: Option<i32>) -> Result<(), Refusal> {
    if !zoned(sim) {
        return Ok(());
    }
    if rf.is_some() {
        return Err(Refusal::invalid(RF_REFUSAL));
    }
    if ids
        .iter()
        .any(|b| !b.is_zoned() && !sim.members.contains_key(b))
    {
        return Err(Refusal::invalid(BARE_REFUSAL));
    }
    Ok(())
}

/// `DELETE /actuator/cluster/zones/{zone}?force=&dryRun=`.
pub async fn remove_zone(
    State((shared, entry)): State<Ctx>,
    Path(zone): Path<String>,
    Query(q): Params,
) -> Response {
    let (force, dry_run) = match (flag(&q, "force"), flag(&q, "dryRun")) {
        (Ok(f), Ok(d)) => (f, d),
        (Err(r), _) | (_, Err(r)) => return refused(r),
    };
    change(&shared, entry, dry_run, |sim| {
        // One zone (indeed one change) at a time: 409 while another is pending.
        sim.check_no_pending()?;
        sim.plan_remove_zone(&zone, force)
    })
}

/// `POST /actuator/cluster/zones/{zone}?dryRun=` with `{numberOfReplicas, priority, brokers |
/// numberOfBrokers}`.
pub async fn add_zone(
    State((shared, entry)): State<Ctx>,
    Path(zone): Path<String>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let parsed = (|| {
        let req: Option<ZoneAddRequest> = body(&bytes, true)?;
        Ok::<_, Refusal>((req, flag(&q, "dryRun")?))
    })();
    let (req, dry_run) = match parsed {
        Ok((Some(req), d)) => (req, d),
        Ok((None, _)) => return refused(Refusal::invalid("Required request body is missing")),
        Err(r) => return refused(r),
    };
    // The body is checked at the endpoint; then the coordinator refuses a concurrent change
    // (409) before it validates the zone against the configuration.
    if let Err(r) = crate::sim::zones::requested_brokers(&zone, &req) {
        return refused(r);
    }
    change(&shared, entry, dry_run, |sim| {
        sim.check_no_pending()?;
        sim.plan_add_zone(&zone, &req)
    })
}

/// `GET /actuator/cluster/changes`: every change the lab knows (`{"changes": [...]}`).
pub async fn list_changes(State((shared, entry)): State<Ctx>) -> Response {
    match shared.with(|sim| sim.config_readable(entry).map(|_| views::changes(sim))) {
        Ok(c) => Json(c).into_response(),
        Err(r) => refused(r),
    }
}

/// `GET /actuator/cluster/changes/{id}`: 400 `Change id must be a number` for a non-numeric
/// id, 404 for an unknown one; a finished change has empty `completed` and `pending`.
pub async fn get_change(State((shared, entry)): State<Ctx>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.trim().parse::<i64>() else {
        return refused(Refusal::invalid("Change id must be a number"));
    };
    let found = shared.with(|sim| {
        sim.config_readable(entry)
            .map(|_| views::changes(sim).changes.into_iter().find(|c| c.id == id))
    });
    match found {
        Ok(Some(c)) => Json(c).into_response(),
        Ok(None) => refused(Refusal {
            status: 404,
            message: format!("Configuration change {id} not found"),
        }),
        Err(r) => refused(r),
    }
}

/// `PUT /actuator/cluster/partitioning?dryRun=` with `{config}` or `{zonePriorities}`.
pub async fn put_partitioning(
    State((shared, entry)): State<Ctx>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let parsed = (|| {
        let req: Option<PartitioningRequest> = body(&bytes, true)?;
        Ok::<_, Refusal>((req.unwrap_or_default(), flag(&q, "dryRun")?))
    })();
    let (req, dry_run) = match parsed {
        Ok(v) => v,
        Err(r) => return refused(r),
    };
    if req.config.is_some() == req.zone_priorities.is_some() {
        return refused(Refusal::invalid(
            "Exactly one of config and zonePriorities must be set.",
        ));
    }
    change(&shared, entry, dry_run, |sim| {
        sim.check_no_pending()?;
        sim.plan_partitioning(&req)
    })
}

/// `PUT /actuator/cluster/zones?dryRun=` with `{"zone"}`: migrate one zone (secondary first).
pub async fn migrate_zone(
    State((shared, entry)): State<Ctx>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let parsed = (|| {
        let req: Option<ZoneMigrateRequest> = body(&bytes, true)?;
        Ok::<_, Refusal>((req, flag(&q, "dryRun")?))
    })();
    let (req, dry_run) = match parsed {
        Ok((Some(req), d)) => (req, d),
        Ok((None, _)) => return refused(Refusal::invalid("Required request body is missing")),
        Err(r) => return refused(r),
    };
    change(&shared, entry, dry_run, |sim| {
        sim.check_no_pending()?;
        sim.plan_migrate_zone(&req.zone)
    })
}
