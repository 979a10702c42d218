//! Leases (`coordination.k8s.io/v1`), as the real API server keeps them: what c8dr's run
//! lease (`c8dr-runbook`) is taken, renewed and released with, by kube-rs or kubectl.
//!
//! Create (`POST`; 409 `AlreadyExists` when the name is taken), get, list and watch (the
//! store's `resourceVersion`s and events, like every kind), update (`PUT`; the body's
//! `metadata.resourceVersion` must be the stored one, else 409 `Conflict`; a Lease is never
//! updated without one, and a `PUT` of a lease that is not there creates it, as the Lease
//! strategy allows create-on-update), merge and strategic-merge patches (a version in the
//! patch is a precondition; kubectl annotate sends them) and delete (a `Success` Status;
//! `preconditions` honoured). Every refusal is a `Status` with the real reason and message.
//! `spec` keeps the fields the API defines (MicroTimes in UTC to the microsecond); metadata
//! keeps labels and annotations. Not served: server-side apply, JSON patches (415) and dry
//! runs (400, rather than answering a write that did not happen). The objects live in the simulation's namespace state
//! ([`crate::sim::kube::RegionKube::leases`]): they survive a region failing and coming back
//! and are gone with a recreated namespace.

// Handlers return ready-made error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use super::objects::{self, Kind};
use super::{Ctx, Params, status};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

pub const GROUP: &str = "coordination.k8s.io";
const API_VERSION: &str = "coordination.k8s.io/v1";
/// The group-qualified resource the API server names in its messages.
const RESOURCE: &str = "leases.coordination.k8s.io";
const OPTIMISTIC_LOCK: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// A failure `Status` about lease `name`, with the `details` the API server adds.
fn failure(code: u16, reason: &str, name: &str, kind: &str, message: &str) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason,
        "details": {"name": name, "group": GROUP, "kind": kind}, "code": code,
    });
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(body)).into_response()
}

fn not_found(name: &str) -> Response {
    failure(
        404,
        "NotFound",
        name,
        "leases",
        &format!("{RESOURCE} \"{name}\" not found"),
    )
}

fn conflict(name: &str, why: &str) -> Response {
    failure(
        409,
        "Conflict",
        name,
        "leases",
        &format!("Operation cannot be fulfilled on {RESOURCE} \"{name}\": {why}"),
    )
}

/// 422: the object fails validation (`field: what`).
fn invalid(name: &str, field_error: &str) -> Response {
    failure(
        422,
        "Invalid",
        name,
        "Lease",
        &format!("Lease.{GROUP} \"{name}\" is invalid: {field_error}"),
    )
}

/// 400: the body cannot be decoded as a Lease.
fn undecodable(why: &str) -> Response {
    status(
        400,
        "BadRequest",
        &format!("Lease in version \"v1\" cannot be handled as a Lease: {why}"),
    )
}

fn other_namespace(ctx: &Ctx, ns: &str) -> Option<Response> {
    (ns != ctx.namespace)
        .then(|| status(404, "NotFound", &format!("namespaces \"{ns}\" not found")))
}

/// `GET /apis/coordination.k8s.io/v1`.
pub async fn resources() -> Response {
    Json(json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": API_VERSION,
        "resources": [{
            "name": "leases", "singularName": "lease", "namespaced": true, "kind": "Lease",
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        }],
    }))
    .into_response()
}

/// `GET /apis/coordination.k8s.io/v1/leases` (all namespaces: this region's one).
pub async fn list_all(State(ctx): State<Ctx>, Query(q): Params, headers: HeaderMap) -> Response {
    let ns = ctx.namespace.clone();
    super::list_kind(ctx, Kind::Lease, &ns, &q, &headers)
}

/// `GET …/namespaces/{ns}/leases`, with `?watch=true` a watch.
pub async fn list(
    State(ctx): State<Ctx>,
    Path(ns): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    super::list_kind(ctx, Kind::Lease, &ns, &q, &headers)
}

/// `GET …/namespaces/{ns}/leases/{name}`.
pub async fn get(
    State(ctx): State<Ctx>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    super::get_kind(&ctx, Kind::Lease, &ns, &name, &headers).unwrap_or_else(|| not_found(&name))
}

/// The parts of a request's Lease the API server keeps, checked as it checks them.
#[derive(Debug, Clone, PartialEq)]
struct Decoded {
    name: Option<String>,
    namespace: Option<String>,
    /// `metadata.resourceVersion`: a precondition of an update.
    resource_version: Option<String>,
    uid: Option<String>,
    labels: Option<Value>,
    annotations: Option<Value>,
    spec: Map<String, Value>,
}

/// Decodes a Lease: its type, metadata and the spec fields of `coordination.k8s.io/v1`
/// (others are dropped, as the API server drops unknown fields, and so are `strategy` and
/// `preferredHolder`, as it drops them while the `CoordinatedLeaderElection` gate is off,
/// its default). 400 for what does not
/// decode, 422 for what does not validate.
fn decode(body: &Value) -> Result<Decoded, Response> {
    let Some(obj) = body.as_object() else {
        return Err(undecodable("the body is not a JSON object"));
    };
    if let Some(v) = obj.get("apiVersion").and_then(Value::as_str)
        && v != API_VERSION
    {
        return Err(status(
            400,
            "BadRequest",
            &format!(
                "the API version in the data ({v}) does not match the expected API version ({API_VERSION})"
            ),
        ));
    }
    if let Some(k) = obj.get("kind").and_then(Value::as_str)
        && k != "Lease"
    {
        return Err(undecodable(&format!(
            "the kind in the data ({k}) is not Lease"
        )));
    }
    let meta = match obj.get("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(undecodable("metadata: not an object")),
    };
    let text = |field: &str| -> Result<Option<String>, Response> {
        match meta.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(undecodable(&format!("metadata.{field}: not a string"))),
        }
    };
    let string_map = |field: &str| -> Result<Option<Value>, Response> {
        match meta.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) if m.values().all(Value::is_string) => {
                Ok((!m.is_empty()).then(|| Value::Object(m.clone())))
            }
            Some(_) => Err(undecodable(&format!(
                "metadata.{field}: not a map of strings"
            ))),
        }
    };
    let decoded = Decoded {
        name: text("name")?,
        namespace: text("namespace")?,
        resource_version: text("resourceVersion")?,
        uid: text("uid")?,
        labels: string_map("labels")?,
        annotations: string_map("annotations")?,
        spec: spec(obj.get("spec"))?,
    };
    let name = decoded.name.clone().unwrap_or_default();
    if let Some(e) = validate(&name, &decoded.spec) {
        return Err(invalid(&name, &e));
    }
    Ok(decoded)
}

/// The spec's fields as the API defines them; MicroTimes normalized to UTC microseconds.
fn spec(spec: Option<&Value>) -> Result<Map<String, Value>, Response> {
    let given = match spec {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(undecodable("spec: not an object")),
    };
    let mut out = Map::new();
    for (field, v) in given {
        if v.is_null() {
            continue;
        }
        let (kept, expected) = match field.as_str() {
            "holderIdentity" => (v.as_str().map(|s| json!(s)), "a string"),
            "leaseDurationSeconds" | "leaseTransitions" => (
                v.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .map(|n| json!(n)),
                "an int32",
            ),
            "acquireTime" | "renewTime" => (
                v.as_str().and_then(micro_time).map(|t| json!(t)),
                "an RFC 3339 time",
            ),
            _ => continue,
        };
        let kept = kept
            .ok_or_else(|| undecodable(&format!("spec.{field}: expected {expected}, got {v}")))?;
        out.insert(field.clone(), kept);
    }
    Ok(out)
}

/// A `MicroTime` as the API server writes it: UTC, six fractional digits.
fn micro_time(s: &str) -> Option<String> {
    let t: jiff::Timestamp = s.parse().ok()?;
    Some(t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

/// What `ValidateLease` refuses, as `field: Invalid value: …: why`.
fn validate(name: &str, spec: &Map<String, Value>) -> Option<String> {
    if name.is_empty() {
        return Some("metadata.name: Required value: name or generateName is required".into());
    }
    if let Some(e) = dns_subdomain(name) {
        return Some(format!("metadata.name: Invalid value: \"{name}\": {e}"));
    }
    let int = |f: &str| spec.get(f).and_then(Value::as_i64);
    if let Some(d) = int("leaseDurationSeconds").filter(|d| *d <= 0) {
        return Some(format!(
            "spec.leaseDurationSeconds: Invalid value: {d}: must be greater than 0"
        ));
    }
    if let Some(t) = int("leaseTransitions").filter(|t| *t < 0) {
        return Some(format!(
            "spec.leaseTransitions: Invalid value: {t}: must be greater than or equal to 0"
        ));
    }
    None
}

/// Why `name` is not a lowercase RFC 1123 subdomain, as the API server says it.
fn dns_subdomain(name: &str) -> Option<&'static str> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.len() > 253 {
        return Some("must be no more than 253 characters");
    }
    (!name.split('.').all(label_ok)).then_some(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' \
         or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex \
         used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    )
}

/// A create's or replace's Lease, after the checks both make first: the namespace is the
/// region's, no dry run, a body that decodes as a Lease.
fn written_lease(
    ctx: &Ctx,
    ns: &str,
    q: &[(String, String)],
    body: &Bytes,
) -> Result<Decoded, Response> {
    if let Some(e) = other_namespace(ctx, ns).or_else(|| dry_run(q)) {
        return Err(e);
    }
    parse(body).and_then(|b| decode(&b))
}

fn parse(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| undecodable(&e.to_string()))
}

/// The object stored for `d`: the system fields of `old` (or new ones), the request's labels,
/// annotations and spec.
fn stored(ctx: &Ctx, name: &str, d: &Decoded, old: Option<&Value>, created: u64) -> Value {
    let (uid, created_at) = match old {
        Some(o) => (
            o["metadata"]["uid"].clone(),
            o["metadata"]["creationTimestamp"].clone(),
        ),
        None => (
            json!(objects::uid(&format!(
                "{}/lease/{name}/{created}",
                ctx.namespace
            ))),
            // The API server's clock: kubectl's AGE and a holder's renewTime are real time.
            json!(
                jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            ),
        ),
    };
    let mut meta = json!({"name": name, "namespace": ctx.namespace, "uid": uid,
                          "creationTimestamp": created_at});
    if let Some(l) = &d.labels {
        meta["labels"] = l.clone();
    }
    if let Some(a) = &d.annotations {
        meta["annotations"] = a.clone();
    }
    json!({"apiVersion": API_VERSION, "kind": "Lease", "metadata": meta, "spec": d.spec})
}

/// What a write did, for the answer.
enum Wrote {
    Created(String),
    Updated(String),
}

/// The object as stored now, with the status code of the write.
fn answer(store: &super::store::Store, done: Result<Wrote, Response>) -> Response {
    match done {
        Ok(Wrote::Created(name)) => match store.get(Kind::Lease, &name) {
            Some(v) => (StatusCode::CREATED, Json(v)).into_response(),
            None => not_found(&name),
        },
        Ok(Wrote::Updated(name)) => match store.get(Kind::Lease, &name) {
            Some(v) => Json(v).into_response(),
            None => not_found(&name),
        },
        Err(e) => e,
    }
}

/// Stores a new lease `name`, unless one exists.
fn create_in(
    ctx: &Ctx,
    sim: &mut crate::sim::Sim,
    name: &str,
    d: &Decoded,
) -> Result<Wrote, Response> {
    let k = &mut sim.kube[ctx.region as usize];
    if k.leases.contains_key(name) {
        return Err(failure(
            409,
            "AlreadyExists",
            name,
            "leases",
            &format!("{RESOURCE} \"{name}\" already exists"),
        ));
    }
    k.leases_created += 1;
    let obj = stored(ctx, name, d, None, k.leases_created);
    k.leases.insert(name.to_string(), obj);
    tracing::info!(region = ctx.region, lease = %name, "lab kube: lease created");
    Ok(Wrote::Created(name.to_string()))
}

/// `POST …/namespaces/{ns}/leases`.
pub async fn create(
    State(ctx): State<Ctx>,
    Path(ns): Path<String>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let d = match written_lease(&ctx, &ns, &q, &body) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let name = d.name.clone().unwrap_or_default();
    if d.namespace.as_deref().is_some_and(|n| n != ns) {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        );
    }
    if d.resource_version.is_some() {
        // The storage refuses it with a plain error, which the API server answers as a 500
        // of unknown reason.
        return status(
            500,
            "",
            "resourceVersion should not be set on objects to be created",
        );
    }
    ctx.transact(|_, sim| create_in(&ctx, sim, &name, &d), answer)
}

/// A storage precondition (`uid` or `resourceVersion` of `meta` equal to `want`), failing as
/// the API server's storage fails it: a 409 with the storage error in the message.
fn precondition(
    ctx: &Ctx,
    name: &str,
    meta: &Value,
    field: &str,
    want: &str,
) -> Result<(), Response> {
    let have = meta[field].as_str().unwrap_or("");
    if have == want {
        return Ok(());
    }
    let what = if field == "uid" {
        "UID"
    } else {
        "ResourceVersion"
    };
    Err(conflict(
        name,
        &format!(
            "StorageError: invalid object, Code: 4, Key: /registry/leases/{}/{name}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: {what} in precondition: {want}, {what} in object meta: {have}",
            ctx.namespace
        ),
    ))
}

/// The lab writes or refuses; a server-side dry run (`dryRun=All`) would show a write that
/// did not happen as if it had, so it is refused rather than done.
fn dry_run(q: &[(String, String)]) -> Option<Response> {
    q.iter().any(|(k, _)| k == "dryRun").then(|| {
        status(
            400,
            "BadRequest",
            "the lab's API server does not do dry runs (dryRun): nothing was written",
        )
    })
}

/// The update of stored lease `name` to `d`, checked against the stored version and uid.
fn update_in(
    ctx: &Ctx,
    store: &super::store::Store,
    sim: &mut crate::sim::Sim,
    name: &str,
    d: &Decoded,
) -> Result<Wrote, Response> {
    let Some(current) = store.get(Kind::Lease, name) else {
        return Err(not_found(name));
    };
    let meta = &current["metadata"];
    let Some(rv) = &d.resource_version else {
        return Err(failure(
            422,
            "Invalid",
            name,
            "leases",
            &format!(
                "{RESOURCE} \"{name}\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
            ),
        ));
    };
    if let Some(uid) = &d.uid {
        precondition(ctx, name, meta, "uid", uid)?;
    }
    if meta["resourceVersion"].as_str() != Some(rv.as_str()) {
        return Err(conflict(name, OPTIMISTIC_LOCK));
    }
    let obj = stored(ctx, name, d, Some(&current), 0);
    sim.kube[ctx.region as usize]
        .leases
        .insert(name.to_string(), obj);
    Ok(Wrote::Updated(name.to_string()))
}

/// `PUT …/namespaces/{ns}/leases/{name}`.
pub async fn replace(
    State(ctx): State<Ctx>,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let d = match written_lease(&ctx, &ns, &q, &body) {
        Ok(d) => d,
        Err(e) => return e,
    };
    if d.name.as_deref() != Some(name.as_str()) {
        return status(
            400,
            "BadRequest",
            &format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                d.name.as_deref().unwrap_or("")
            ),
        );
    }
    if d.namespace.as_deref().is_some_and(|n| n != ns) {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        );
    }
    ctx.transact(
        |store, sim| {
            if store.get(Kind::Lease, &name).is_none() {
                // The Lease strategy allows create-on-update.
                create_in(&ctx, sim, &name, &d)
            } else {
                let done = update_in(&ctx, store, sim, &name, &d);
                if done.is_ok() {
                    tracing::info!(region = ctx.region, lease = %name, "lab kube: lease replaced");
                }
                done
            }
        },
        answer,
    )
}

/// RFC 7386: `patch` merged into `target` (`null` removes a key). A strategic-merge patch of a
/// Lease is the same (it has no lists to merge), less its `$` directives.
fn merge(target: &mut Value, patch: &Value, strategic: bool) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    if let Some(t) = target.as_object_mut() {
        for (k, v) in p {
            if strategic && k.starts_with('$') {
                continue;
            }
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v, strategic);
            }
        }
    }
}

/// `PATCH …/namespaces/{ns}/leases/{name}` (merge or strategic merge).
pub async fn patch(
    State(ctx): State<Ctx>,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(e) = other_namespace(&ctx, &ns).or_else(|| dry_run(&q)) {
        return e;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let strategic = match content_type {
        t if t.starts_with("application/strategic-merge-patch+json") => true,
        t if t.starts_with("application/merge-patch+json") => false,
        other => {
            return status(
                415,
                "UnsupportedMediaType",
                &format!(
                    "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (the lab does not take {other:?})"
                ),
            );
        }
    };
    let patch = match serde_json::from_slice::<Value>(&body) {
        Ok(p) if p.is_object() => p,
        Ok(_) => return status(400, "BadRequest", "the patch is not a JSON object"),
        Err(e) => return status(400, "BadRequest", &format!("invalid patch: {e}")),
    };
    ctx.transact(
        |store, sim| {
            let Some(mut obj) = store.get(Kind::Lease, &name) else {
                return Err(not_found(&name));
            };
            // The stored version stays unless the patch names one: then it is a precondition.
            merge(&mut obj, &patch, strategic);
            let d = decode(&obj)?;
            if d.name.as_deref() != Some(name.as_str()) {
                return Err(invalid(
                    &name,
                    &format!(
                        "metadata.name: Invalid value: {:?}: field is immutable",
                        d.name.as_deref().unwrap_or("")
                    ),
                ));
            }
            let done = update_in(&ctx, store, sim, &name, &d);
            if done.is_ok() {
                tracing::info!(region = ctx.region, lease = %name, "lab kube: lease patched");
            }
            done
        },
        answer,
    )
}

/// `DELETE …/namespaces/{ns}/leases/{name}`: a `Success` Status, as for every kind without
/// graceful deletion; `DeleteOptions.preconditions` (uid, resourceVersion) checked.
pub async fn delete(
    State(ctx): State<Ctx>,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    if let Some(e) = other_namespace(&ctx, &ns).or_else(|| dry_run(&q)) {
        return e;
    }
    let options: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return status(400, "BadRequest", &format!("invalid DeleteOptions: {e}")),
        }
    };
    let pre = &options["preconditions"];
    ctx.transact(
        |store, sim| {
            let Some(current) = store.get(Kind::Lease, &name) else {
                return Err(not_found(&name));
            };
            let meta = &current["metadata"];
            for field in ["uid", "resourceVersion"] {
                if let Some(want) = pre[field].as_str() {
                    precondition(&ctx, &name, meta, field, want)?;
                }
            }
            sim.kube[ctx.region as usize].leases.remove(&name);
            tracing::info!(region = ctx.region, lease = %name, "lab kube: lease deleted");
            Ok(meta["uid"].clone())
        },
        |_, done| match done {
            Ok(uid) => Json(json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": GROUP, "kind": "leases", "uid": uid},
            }))
            .into_response(),
            Err(e) => e,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::{KubeServer, PortMap};
    use crate::server::Shared;
    use crate::sim::{Camunda, Settings, Sim};
    use futures_util::FutureExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Region 0's API server over a fresh simulation, without listeners.
    fn server() -> Ctx {
        let settings = Settings {
            camunda: Camunda::V88,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        let sim = Sim::new(settings, jiff::Timestamp::UNIX_EPOCH);
        let namespace = objects::namespace(&sim, 0);
        let nowhere = std::net::SocketAddr::from(([127, 0, 0, 1], 9));
        let ports = PortMap {
            region_rest: nowhere,
            region_management: nowhere,
            region_elasticsearch: nowhere,
            brokers: Default::default(),
        };
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        KubeServer::new(
            Shared::new(sim, 1.0, None, None),
            0,
            namespace,
            ports,
            shutdown,
        )
    }

    /// A handler's answer (they never wait on anything): its status and JSON body.
    fn run(answer: impl std::future::Future<Output = Response>) -> (u16, Value) {
        let r = answer.now_or_never().expect("a handler answers at once");
        let code = r.status().as_u16();
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .now_or_never()
            .expect("a whole body")
            .expect("a body");
        (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Every get, list and watch poll renders the simulation and syncs the store while leases
    /// are written: a reader's rendering must never be recorded after a newer write's, or the
    /// lease flickers (a DELETED+ADDED or a MODIFIED back and forth: a version that moves
    /// without a write, so the holder's next renewal is a spurious 409; a delete undone).
    #[test]
    fn reads_racing_writes_never_move_a_lease_without_a_write() {
        let ctx = server();
        let ns = ctx.namespace.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (ctx, stop) = (ctx.clone(), stop.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        ctx.synced(|_| ());
                    }
                })
            })
            .collect();
        let lease = |rv: Option<&str>, holder: &str| {
            let mut l = json!({"apiVersion": API_VERSION, "kind": "Lease",
                "metadata": {"name": "c8dr-runbook"},
                "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30}});
            if let Some(rv) = rv {
                l["metadata"]["resourceVersion"] = json!(rv);
            }
            Bytes::from(l.to_string())
        };
        let path = || Path((ns.clone(), "c8dr-runbook".to_string()));
        let rounds = 40;
        let mut refused = vec![];
        for round in 0..rounds {
            let (code, made) = run(create(
                State(ctx.clone()),
                Path(ns.clone()),
                Query(vec![]),
                lease(None, "alice"),
            ));
            let rv = made["metadata"]["resourceVersion"].as_str().unwrap_or("");
            let (renewed, _) = run(replace(
                State(ctx.clone()),
                path(),
                Query(vec![]),
                lease(Some(rv), "alice-renewed"),
            ));
            let (deleted, _) = run(delete(
                State(ctx.clone()),
                path(),
                Query(vec![]),
                Bytes::new(),
            ));
            if (code, renewed, deleted) != (201, 200, 200) {
                refused.push((round, code, renewed, deleted));
            }
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().expect("a reader");
        }
        let events: Vec<&str> = ctx
            .synced(|s| s.events_since(Kind::Lease, 0))
            .expect("events kept")
            .iter()
            .map(|e| e.kind_of_event)
            .collect();
        let flickers = events
            .chunks(3)
            .filter(|c| *c != ["ADDED", "MODIFIED", "DELETED"])
            .count();
        assert_eq!(
            (events.len(), flickers, refused.len()),
            (3 * rounds, 0, 0),
            "(events, rounds that flickered, rounds refused); first refused (round, create, \
             replace, delete): {:?}",
            &refused[..refused.len().min(5)]
        );
    }

    #[test]
    fn micro_times_are_utc_to_the_microsecond() {
        assert_eq!(
            micro_time("2026-12-01T06:00:00.123456Z").as_deref(),
            Some("2026-12-01T06:00:00.123456Z")
        );
        assert_eq!(
            micro_time("2026-12-01T07:00:00+01:00").as_deref(),
            Some("2026-12-01T06:00:00.000000Z")
        );
        assert_eq!(micro_time("yesterday"), None);
    }

    #[test]
    fn names_and_specs_are_validated_as_the_api_server_does() {
        assert!(dns_subdomain("c8dr-runbook").is_none());
        assert!(dns_subdomain("a.b-c.d").is_none());
        for bad in ["Not_A_Name", "-x", "x-", "a..b", ""] {
            assert!(dns_subdomain(bad).is_some(), "{bad}");
        }
        let spec = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert!(validate("x", &spec(json!({"leaseDurationSeconds": 15}))).is_none());
        assert_eq!(
            validate("x", &spec(json!({"leaseDurationSeconds": 0}))).as_deref(),
            Some("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0")
        );
        assert!(validate("x", &spec(json!({"leaseTransitions": -1}))).is_some());
        assert!(validate("", &Map::new()).is_some());
    }

    #[test]
    fn merge_patches_merge_maps_and_remove_nulls() {
        let mut obj = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}, "spec": {"holderIdentity": "x"}});
        merge(
            &mut obj,
            &json!({"metadata": {"annotations": {"a": null, "c": "3"}}, "spec": {"leaseTransitions": 1}}),
            false,
        );
        assert_eq!(
            obj,
            json!({"metadata": {"annotations": {"b": "2", "c": "3"}},
                   "spec": {"holderIdentity": "x", "leaseTransitions": 1}})
        );
        merge(
            &mut obj,
            &json!({"$retainKeys": ["spec"], "spec": {"holderIdentity": "y"}}),
            true,
        );
        assert_eq!(obj["spec"]["holderIdentity"], "y");
        assert!(obj.get("$retainKeys").is_none());
    }

    #[test]
    fn a_lease_body_decodes_or_is_refused_with_the_api_servers_codes() {
        let d = decode(&json!({"apiVersion": API_VERSION, "kind": "Lease",
            "metadata": {"name": "c8dr-runbook", "resourceVersion": "7", "annotations": {"k": "v"}},
            "spec": {"holderIdentity": "alice", "leaseDurationSeconds": 30, "unknown": 1, "strategy": "OldestEmulationVersion",
                     "renewTime": "2026-12-01T06:00:00.5Z"}}))
        .expect("a Lease");
        assert_eq!(d.resource_version.as_deref(), Some("7"));
        assert_eq!(
            Value::Object(d.spec),
            json!({"holderIdentity": "alice", "leaseDurationSeconds": 30,
                   "renewTime": "2026-12-01T06:00:00.500000Z"})
        );
        let code = |v: Value| decode(&v).err().map(|r| r.status().as_u16());
        assert_eq!(
            code(json!({"apiVersion": "v1", "kind": "Secret"})),
            Some(400)
        );
        assert_eq!(
            code(json!({"metadata": {"name": "x"}, "spec": {"leaseDurationSeconds": "30"}})),
            Some(400)
        );
        assert_eq!(
            code(json!({"metadata": {"name": "x"}, "spec": {"leaseDurationSeconds": -5}})),
            Some(422)
        );
        assert_eq!(code(json!({"spec": {}})), Some(422));
    }
}
