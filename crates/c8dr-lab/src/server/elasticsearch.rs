//! A region's Elasticsearch over HTTP (port 9200): the calls of the failback procedure.
//!
//! `GET /`, `_cluster/health` (with `wait_for_status` and its 408), `_cat/indices`,
//! `_snapshot` repositories, snapshots (create, get, delete, `_status`, `_restore`) and
//! `DELETE /{index}`. 8.9 labs demand basic auth (the ECK `elastic` user). Error bodies
//! follow Elasticsearch: `{"error": {"root_cause": […], "type", "reason"}, "status"}`.

// Handlers return ready-made error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use super::Shared;
use crate::sim::Sim;
use crate::sim::elasticsearch::{EsFailure, Snapshot};
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use base64::Engine;
use c8dr_api::elasticsearch::{
    Acknowledged, CatIndex, ClusterInfo, CreateSnapshotRequest, CreateSnapshotResponse, FileStats,
    GetSnapshotsResponse, HealthStatus, Repository, RepositoryRequest, RestoreInfo, RestoreRequest,
    RestoreResponse, ShardsStats, ShardsSummary, SnapshotInfo, SnapshotState, SnapshotStats,
    SnapshotStatus, SnapshotStatusResponse, VersionInfo,
};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Ctx = (Arc<Shared>, u8);
type Params = Query<HashMap<String, String>>;

pub fn router(shared: Arc<Shared>, region: u8) -> Router {
    Router::new()
        .route("/", get(info))
        .route("/_cluster/health", get(health))
        .route("/_cat/indices", get(cat_indices))
        .route("/_cat/indices/{pattern}", get(cat_indices_matching))
        .route("/_snapshot", get(get_all_repositories))
        .route(
            "/_snapshot/{repo}",
            get(get_repository).put(put_repository).post(put_repository),
        )
        .route(
            "/_snapshot/{repo}/{snap}",
            get(get_snapshots)
                .put(create_snapshot)
                .post(create_snapshot)
                .delete(delete_snapshot),
        )
        .route("/_snapshot/{repo}/{snap}/_status", get(snapshot_status))
        .route(
            "/_snapshot/{repo}/{snap}/_restore",
            axum::routing::post(restore),
        )
        .route("/{index}", delete(delete_index))
        .fallback(unknown)
        .layer(axum::middleware::from_fn_with_state(
            (shared.clone(), region),
            authenticate,
        ))
        .with_state((shared, region))
}

pub fn es_error(status: u16, kind: &str, reason: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let cause = serde_json::json!({"type": kind, "reason": reason});
    let body = serde_json::json!({
        "error": {"root_cause": [cause], "type": kind, "reason": reason},
        "status": status,
    });
    (code, Json(body)).into_response()
}

fn failed(f: EsFailure) -> Response {
    es_error(f.status, f.kind, &f.reason)
}

/// 8.9 (ECK): every request needs the `elastic` user's credentials, with the region's own
/// password (ECK's secret in its namespace).
async fn authenticate(
    State((shared, region)): State<Ctx>,
    request: Request,
    next: Next,
) -> Response {
    let Some(user) = &shared.es_user else {
        return next.run(request).await;
    };
    let mut expected = format!("{user}:").into_bytes();
    expected.extend(
        shared
            .with(|sim| sim.es_password(region))
            .unwrap_or_default(),
    );
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        });
    if given.as_deref() == Some(expected.as_slice()) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let mut resp = es_error(
        401,
        "security_exception",
        &format!("missing authentication credentials for REST request [{path}]"),
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"security\", charset=\"UTF-8\""),
    );
    resp
}

fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        es_error(
            400,
            "x_content_parse_exception",
            &format!("failed to parse request body: {e}"),
        )
    })
}

fn flag(q: &HashMap<String, String>, name: &str) -> bool {
    q.get(name)
        .is_some_and(|v| v.is_empty() || v.eq_ignore_ascii_case("true"))
}

/// ES time values: `30s`, `500ms`, `1m`; default 30 s.
fn time_value(v: Option<&String>) -> Duration {
    let Some(v) = v.map(|s| s.trim()) else {
        return Duration::from_secs(30);
    };
    let (num, unit) = v.split_at(
        v.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(v.len()),
    );
    let n: f64 = num.parse().unwrap_or(30.0);
    Duration::from_secs_f64(match unit {
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => n,
    })
}

fn millis(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}

fn es_time(t: jiff::Timestamp) -> String {
    format!("{t:.3}")
}

fn version_id(version: &str) -> u64 {
    let parts: Vec<u64> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [major, minor, patch, ..] => major * 1_000_000 + minor * 10_000 + patch * 100 + 99,
        _ => 0,
    }
}

fn snapshot_info(sim: &Sim, s: &Snapshot) -> SnapshotInfo {
    let done = s.done(sim.now);
    let start = sim.wall(s.started);
    let end = sim.wall(s.started + s.duration);
    let n = s.indices.len() as u32;
    SnapshotInfo {
        snapshot: s.name.clone(),
        uuid: s.uuid.clone(),
        repository: Some(s.repository.clone()),
        version_id: Some(version_id(&s.version)),
        version: Some(s.version.clone()),
        indices: s.indices.keys().cloned().collect(),
        data_streams: vec![],
        include_global_state: Some(s.global_state),
        state: if done {
            SnapshotState::Success
        } else {
            SnapshotState::InProgress
        },
        start_time: Some(es_time(start)),
        start_time_in_millis: Some(millis(start)),
        end_time: done.then(|| es_time(end)),
        end_time_in_millis: done.then(|| millis(end)),
        duration_in_millis: Some(if done {
            s.duration.as_millis() as i64
        } else {
            (sim.now - s.started).as_millis() as i64
        }),
        failures: vec![],
        shards: Some(ShardsSummary {
            total: n,
            failed: 0,
            successful: if done { n } else { 0 },
        }),
        feature_states: vec![],
        metadata: s.metadata.clone(),
        reason: None,
    }
}

async fn info(State((shared, region)): State<Ctx>) -> Response {
    let info = shared.with(|sim| {
        let es = &sim.es[region as usize];
        ClusterInfo {
            name: "camunda-elasticsearch-master-0".into(),
            cluster_name: format!("camunda-elasticsearch-region{region}"),
            cluster_uuid: es.cluster_uuid.clone(),
            version: VersionInfo {
                // `opensearch`: region 1 runs OpenSearch instead of Elasticsearch.
                number: if region == 1 && sim.misconfig.contains("opensearch") {
                    "2.11.0".into()
                } else {
                    es.version.to_string()
                },
                distribution: (region == 1 && sim.misconfig.contains("opensearch"))
                    .then(|| "opensearch".into()),
                build_flavor: Some("default".into()),
                build_type: Some("docker".into()),
                build_hash: Some("c8dr-lab".into()),
                build_date: Some("2025-04-01T00:00:00.000Z".into()),
                build_snapshot: Some(false),
                lucene_version: Some("9.12.1".into()),
                minimum_wire_compatibility_version: Some("7.17.0".into()),
                minimum_index_compatibility_version: Some("7.0.0".into()),
            },
            tagline: "You Know, for Search".into(),
        }
    });
    Json(info).into_response()
}

fn rank(s: &HealthStatus) -> u8 {
    match s {
        HealthStatus::Green => 2,
        HealthStatus::Yellow => 1,
        _ => 0,
    }
}

/// `wait_for_status` waits (in simulated time) up to `timeout`, then answers 408 with
/// `timed_out: true` and the same body.
async fn health(State((shared, region)): State<Ctx>, Query(q): Params) -> Response {
    let wanted = q.get("wait_for_status").map(|s| HealthStatus::parse(s));
    let timeout = time_value(q.get("timeout"));
    let deadline = shared.with(|sim| sim.now) + timeout;
    let started = Instant::now();
    loop {
        let (mut h, now) = shared.with(|sim| (sim.es[region as usize].health(sim.now), sim.now));
        let Some(want) = &wanted else {
            return Json(h).into_response();
        };
        if rank(&h.status) >= rank(want) {
            return Json(h).into_response();
        }
        // Real time bounds the wait too, so a stalled lab clock cannot hang a client.
        if now >= deadline || started.elapsed() > Duration::from_secs(600) {
            h.timed_out = true;
            return (StatusCode::REQUEST_TIMEOUT, Json(h)).into_response();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn size(docs: u64) -> String {
    let bytes = 2_000 + docs * 180;
    if bytes > 1_000_000 {
        format!("{:.1}mb", bytes as f64 / 1_000_000.0)
    } else {
        format!("{:.1}kb", bytes as f64 / 1_000.0)
    }
}

fn rows(sim: &Sim, region: u8, pattern: Option<&str>) -> Vec<CatIndex> {
    let es = &sim.es[region as usize];
    es.indices
        .iter()
        .filter(|(name, _)| {
            pattern.is_none_or(|p| {
                p.split(',').any(|p| {
                    p == "*"
                        || p == "_all"
                        || *name == p
                        || p.strip_suffix('*').is_some_and(|pre| name.starts_with(pre))
                })
            })
        })
        .map(|(name, i)| {
            let restoring = i.restoring_until.is_some_and(|t| t > sim.now);
            CatIndex {
                health: Some(if restoring { "red" } else { "green" }.into()),
                status: Some("open".into()),
                index: name.clone(),
                uuid: Some(i.uuid.clone()),
                pri: Some("1".into()),
                rep: Some("0".into()),
                docs_count: Some(i.docs.to_string()),
                docs_deleted: Some("0".into()),
                store_size: Some(size(i.docs)),
                pri_store_size: Some(size(i.docs)),
            }
        })
        .collect()
}

fn cat_answer(rows: Vec<CatIndex>, q: &HashMap<String, String>) -> Response {
    if q.get("format").is_some_and(|f| f == "json") {
        return Json(rows).into_response();
    }
    let mut text = String::new();
    if flag(q, "v") {
        text.push_str(
            "health status index uuid pri rep docs.count docs.deleted store.size pri.store.size\n",
        );
    }
    for r in rows {
        let v = |o: Option<String>| o.unwrap_or_default();
        text.push_str(&format!(
            "{} {} {} {} {} {} {} {} {} {}\n",
            v(r.health),
            v(r.status),
            r.index,
            v(r.uuid),
            v(r.pri),
            v(r.rep),
            v(r.docs_count),
            v(r.docs_deleted),
            v(r.store_size),
            v(r.pri_store_size)
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=UTF-8")], text).into_response()
}

async fn cat_indices(State((shared, region)): State<Ctx>, Query(q): Params) -> Response {
    cat_answer(shared.with(|sim| rows(sim, region, None)), &q)
}

async fn cat_indices_matching(
    State((shared, region)): State<Ctx>,
    Path(pattern): Path<String>,
    Query(q): Params,
) -> Response {
    cat_answer(shared.with(|sim| rows(sim, region, Some(&pattern))), &q)
}

fn repositories(
    sim: &Sim,
    region: u8,
    pattern: &str,
) -> Result<BTreeMap<String, Repository>, Response> {
    let es = &sim.es[region as usize];
    let mut out = BTreeMap::new();
    for part in pattern.split(',').map(str::trim) {
        let matched: Vec<_> = es
            .repositories
            .iter()
            .filter(|(n, _)| part == "_all" || part == "*" || *n == part)
            .collect();
        if matched.is_empty() && part != "_all" && part != "*" {
            return Err(es_error(
                404,
                "repository_missing_exception",
                &format!("[{part}] missing"),
            ));
        }
        for (n, r) in matched {
            let repo = Repository {
                kind: r.kind.clone(),
                uuid: Some(r.uuid.clone()),
                settings: r.settings.clone(),
            };
            out.insert(n.clone(), repo);
        }
    }
    Ok(out)
}

async fn get_all_repositories(State((shared, region)): State<Ctx>) -> Response {
    shared.with(|sim| match repositories(sim, region, "_all") {
        Ok(r) => Json(r).into_response(),
        Err(e) => e,
    })
}

async fn get_repository(State((shared, region)): State<Ctx>, Path(repo): Path<String>) -> Response {
    shared.with(|sim| match repositories(sim, region, &repo) {
        Ok(r) => Json(r).into_response(),
        Err(e) => e,
    })
}

async fn put_repository(
    State((shared, region)): State<Ctx>,
    Path(repo): Path<String>,
    bytes: Bytes,
) -> Response {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return es_error(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: request body is required;",
        );
    }
    let req: RepositoryRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return es_error(
                400,
                "x_content_parse_exception",
                &format!("failed to parse repository: {e}"),
            );
        }
    };
    let result = shared.with(|sim| {
        let store = sim.snapshots.clone();
        sim.es[region as usize].register(&repo, &req.kind, req.settings.clone(), &store)
    });
    match result {
        Ok(()) => Json(Acknowledged { acknowledged: true }).into_response(),
        Err(f) => failed(f),
    }
}

async fn create_snapshot(
    State((shared, region)): State<Ctx>,
    Path((repo, snap)): Path<(String, String)>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let req: CreateSnapshotRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let created = shared.with(|sim| {
        let now = sim.now;
        let es = sim.es[region as usize].clone();
        es.create_snapshot(
            &repo,
            &snap,
            req.indices.as_ref().map(|i| i.names()),
            req.include_global_state.unwrap_or(true),
            req.metadata.clone(),
            &mut sim.snapshots,
            now,
        )
    });
    let created = match created {
        Ok(s) => s,
        Err(f) => return failed(f),
    };
    if !flag(&q, "wait_for_completion") {
        return Json(CreateSnapshotResponse {
            accepted: Some(true),
            snapshot: None,
        })
        .into_response();
    }
    wait_sim(&shared, created.started + created.duration).await;
    let info = shared.with(|sim| snapshot_info(sim, &created));
    Json(CreateSnapshotResponse {
        accepted: None,
        snapshot: Some(info),
    })
    .into_response()
}

/// Blocks the request until simulated time reaches `until` (at most ten real minutes).
async fn wait_sim(shared: &Shared, until: Duration) {
    let started = Instant::now();
    while shared.with(|sim| sim.now) < until && started.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn get_snapshots(
    State((shared, region)): State<Ctx>,
    Path((repo, snap)): Path<(String, String)>,
) -> Response {
    shared.with(
        |sim| match sim.es[region as usize].find(&repo, &snap, &sim.snapshots) {
            Ok(found) => {
                let snapshots: Vec<SnapshotInfo> =
                    found.iter().map(|s| snapshot_info(sim, s)).collect();
                let total = snapshots.len() as u32;
                Json(GetSnapshotsResponse {
                    snapshots,
                    total: Some(total),
                    remaining: Some(0),
                    next: None,
                })
                .into_response()
            }
            Err(f) => failed(f),
        },
    )
}

async fn delete_snapshot(
    State((shared, region)): State<Ctx>,
    Path((repo, snap)): Path<(String, String)>,
) -> Response {
    let result = shared.with(|sim| {
        let es = sim.es[region as usize].clone();
        es.delete_snapshot(&repo, &snap, &mut sim.snapshots)
    });
    match result {
        Ok(()) => Json(Acknowledged { acknowledged: true }).into_response(),
        Err(f) => failed(f),
    }
}

async fn snapshot_status(
    State((shared, region)): State<Ctx>,
    Path((repo, snap)): Path<(String, String)>,
) -> Response {
    shared.with(|sim| match sim.es[region as usize].find(&repo, &snap, &sim.snapshots) {
        Ok(found) => {
            let snapshots = found
                .iter()
                .map(|s| {
                    let done = s.done(sim.now);
                    let n = s.indices.len() as u32;
                    let files: u64 = s.indices.values().map(|d| 3 + d / 500).sum();
                    let bytes: u64 = s.indices.values().map(|d| 2_000 + d * 180).sum();
                    let file_stats = FileStats { file_count: files, size_in_bytes: bytes };
                    let indices = s
                        .indices
                        .keys()
                        .map(|i| {
                            let stage = if done { "DONE" } else { "STARTED" };
                            (i.clone(), serde_json::json!({"shards_stats": {"done": u32::from(done), "total": 1}, "shards": {"0": {"stage": stage}}}))
                        })
                        .collect();
                    SnapshotStatus {
                        snapshot: s.name.clone(),
                        repository: repo.clone(),
                        uuid: s.uuid.clone(),
                        state: if done { SnapshotState::Success } else { SnapshotState::Started },
                        include_global_state: s.global_state,
                        shards_stats: ShardsStats {
                            initializing: 0,
                            started: if done { 0 } else { n },
                            finalizing: 0,
                            done: if done { n } else { 0 },
                            failed: 0,
                            total: n,
                        },
                        stats: SnapshotStats {
                            incremental: file_stats.clone(),
                            total: file_stats,
                            start_time_in_millis: millis(sim.wall(s.started)),
                            time_in_millis: s.duration.as_millis() as i64,
                        },
                        indices,
                    }
                })
                .collect();
            Json(SnapshotStatusResponse { snapshots }).into_response()
        }
        Err(f) => failed(f),
    })
}

async fn restore(
    State((shared, region)): State<Ctx>,
    Path((repo, snap)): Path<(String, String)>,
    Query(q): Params,
    bytes: Bytes,
) -> Response {
    let req: RestoreRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let rename = req
        .rename_pattern
        .clone()
        .zip(req.rename_replacement.clone());
    let result = shared.with(|sim| {
        let (now, store) = (sim.now, sim.snapshots.clone());
        sim.es[region as usize]
            .restore(
                &repo,
                &snap,
                req.indices.as_ref().map(|i| i.names()),
                rename,
                req.include_global_state.unwrap_or(false),
                &store,
                now,
            )
            .map(|(names, took)| (names, now + took))
    });
    let (names, until) = match result {
        Ok(r) => r,
        Err(f) => return failed(f),
    };
    if !flag(&q, "wait_for_completion") {
        return Json(RestoreResponse {
            accepted: Some(true),
            snapshot: None,
        })
        .into_response();
    }
    wait_sim(&shared, until).await;
    let n = names.len() as u32;
    Json(RestoreResponse {
        accepted: None,
        snapshot: Some(RestoreInfo {
            snapshot: snap,
            indices: names,
            shards: ShardsSummary {
                total: n,
                failed: 0,
                successful: n,
            },
        }),
    })
    .into_response()
}

async fn delete_index(State((shared, region)): State<Ctx>, Path(index): Path<String>) -> Response {
    if index.starts_with('_') {
        return unknown_path(&format!("/{index}"), "DELETE");
    }
    match shared.with(|sim| sim.es[region as usize].delete_indices(&index)) {
        Ok(_) => Json(Acknowledged { acknowledged: true }).into_response(),
        Err(f) => failed(f),
    }
}

fn unknown_path(path: &str, method: &str) -> Response {
    let body = serde_json::json!({
        "error": format!("no handler found for uri [{path}] and method [{method}]"),
        "status": 400,
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn unknown(request: Request) -> Response {
    unknown_path(request.uri().path(), request.method().as_str())
}
