//! What the lab's API servers let kubectl, kube-rs and Helm change besides pods and scale: the
//! broker StatefulSet's container env (a strategic-merge patch as `kubectl set env` sends, or
//! a JSON merge patch), Secrets (create, replace, patch, delete; `data` base64 as the API
//! has it, `stringData` plain), and deleting persistent volume claims.
//!
//! The lab does not roll the broker pods for an env change: its brokers do not read the env,
//! and what c8dr checks is the StatefulSet's spec, as the procedure's `get sts -o yaml` does.

// Handlers return ready-made error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use super::objects::{self, Kind};
use super::{Ctx, not_found, status};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeMap;

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn parse(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|e| status(400, "BadRequest", &format!("invalid body: {e}")))
}

fn other_namespace(ctx: &Ctx, ns: &str) -> Option<Response> {
    (ns != ctx.namespace)
        .then(|| status(404, "NotFound", &format!("namespaces \"{ns}\" not found")))
}

/// The object as the API server shows it now.
fn shown(ctx: &Ctx, kind: Kind, name: &str, code: StatusCode) -> Response {
    match ctx.synced(|s| s.get(kind, name)) {
        Some(v) => (code, Json(v)).into_response(),
        None => not_found(kind, name),
    }
}

/// A Secret's `data` (base64) and `stringData` (plain) as bytes; `null` values (a merge
/// patch removing a key) as `None`.
fn secret_data(obj: &Value) -> Result<BTreeMap<String, Option<Vec<u8>>>, Response> {
    let mut out = BTreeMap::new();
    if let Some(data) = obj["data"].as_object() {
        for (k, v) in data {
            let value = match v {
                Value::Null => None,
                Value::String(s) => Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .map_err(|_| {
                            status(
                                400,
                                "BadRequest",
                                &format!("Secret data[{k}]: illegal base64 data"),
                            )
                        })?,
                ),
                _ => {
                    return Err(status(
                        400,
                        "BadRequest",
                        &format!("Secret data[{k}]: not a string"),
                    ));
                }
            };
            out.insert(k.clone(), value);
        }
    }
    if let Some(data) = obj["stringData"].as_object() {
        for (k, v) in data {
            out.insert(k.clone(), v.as_str().map(|s| s.as_bytes().to_vec()));
        }
    }
    Ok(out)
}

fn only_secrets(resource: &str) -> Option<Response> {
    (resource != "secrets").then(|| {
        status(
            405,
            "MethodNotAllowed",
            &format!("the lab does not write {resource}"),
        )
    })
}

/// `POST …/secrets`.
pub async fn create(
    State(ctx): State<Ctx>,
    Path((ns, resource)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Some(e) = only_secrets(&resource).or_else(|| other_namespace(&ctx, &ns)) {
        return e;
    }
    let obj = match parse(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Some(name) = obj["metadata"]["name"].as_str().map(str::to_string) else {
        return status(
            422,
            "Invalid",
            "Secret is invalid: metadata.name: Required value",
        );
    };
    let data = match secret_data(&obj) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let r = ctx.region;
    let created = ctx.shared.with(|sim| {
        let secrets = &mut sim.kube[r as usize].secrets;
        if secrets.contains_key(&name) {
            return false;
        }
        secrets.insert(
            name.clone(),
            data.into_iter()
                .filter_map(|(k, v)| Some((k, v?)))
                .collect(),
        );
        true
    });
    if !created {
        return status(
            409,
            "AlreadyExists",
            &format!("secrets \"{name}\" already exists"),
        );
    }
    tracing::info!(region = r, secret = %name, "lab kube: secret created");
    shown(&ctx, Kind::Secret, &name, StatusCode::CREATED)
}

/// The `data` of a request on an existing Secret in this region's namespace, or the answer
/// the API server gives a wrong resource, namespace or body.
fn secret_request(
    ctx: &Ctx,
    ns: &str,
    resource: &str,
    body: &Bytes,
) -> Result<BTreeMap<String, Option<Vec<u8>>>, Response> {
    if let Some(e) = only_secrets(resource).or_else(|| other_namespace(ctx, ns)) {
        return Err(e);
    }
    parse(body).and_then(|o| secret_data(&o))
}

/// `PUT …/secrets/{name}`: the Secret's data replaced.
pub async fn replace(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    update_secret(&ctx, &ns, &resource, &name, &body, "replaced", |s, data| {
        *s = data
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
    })
}

/// `PATCH …/secrets/{name}` (merge or strategic merge: keys of `data` merged, `null` removes).
pub async fn patch_core(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    update_secret(&ctx, &ns, &resource, &name, &body, "patched", |s, data| {
        for (k, v) in data {
            match v {
                Some(v) => s.insert(k, v),
                None => s.remove(&k),
            };
        }
    })
}

/// A change to an existing Secret's data: the request checked, `apply` run on the stored
/// data, 404 when there is no such Secret, the Secret shown as the API server shows it.
fn update_secret(
    ctx: &Ctx,
    ns: &str,
    resource: &str,
    name: &str,
    body: &Bytes,
    done: &str,
    apply: impl FnOnce(&mut BTreeMap<String, Vec<u8>>, BTreeMap<String, Option<Vec<u8>>>),
) -> Response {
    let data = match secret_request(ctx, ns, resource, body) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let r = ctx.region;
    let found = ctx
        .shared
        .with(|sim| match sim.kube[r as usize].secrets.get_mut(name) {
            Some(s) => {
                apply(s, data);
                true
            }
            None => false,
        });
    if !found {
        return not_found(Kind::Secret, name);
    }
    tracing::info!(region = r, secret = %name, "lab kube: secret {done}");
    shown(ctx, Kind::Secret, name, StatusCode::OK)
}

/// Deleting a claim or a Secret.
pub fn delete(ctx: Ctx, kind: Kind, ns: &str, name: &str) -> Response {
    if let Some(e) = other_namespace(&ctx, ns) {
        return e;
    }
    let Some(before) = ctx.synced(|s| s.get(kind, name)) else {
        return not_found(kind, name);
    };
    let r = ctx.region;
    ctx.shared.with(|sim| match kind {
        Kind::PersistentVolumeClaim => {
            sim.delete_pvc(r, name);
        }
        _ => {
            sim.kube[r as usize].secrets.remove(name);
        }
    });
    tracing::info!(region = r, kind = kind.name(), %name, "lab kube: deleted");
    ctx.synced(|_| ());
    Json(before).into_response()
}

/// `PATCH …/statefulsets/camunda-zeebe`: the broker container's env changed, as `kubectl set
/// env` (strategic merge: entries merged by name, `$patch: delete` removes one) or a JSON
/// merge patch (the container's `env` replaced whole) changes it.
pub async fn patch_statefulset(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // `camunda-zeebe`, or `camunda-zeebe-<zone>` on a zone-aware lab.
    let zeebe = ctx.shared.with(|sim| sim.zeebe_statefulset(ctx.region));
    if resource != "statefulsets" || name != zeebe || ns != ctx.namespace {
        return status(
            404,
            "NotFound",
            &format!(
                "{resource}.apps \"{name}\" not found (the lab patches only statefulset {zeebe})"
            ),
        );
    }
    let strategic = match content_type(&headers) {
        t if t.starts_with("application/strategic-merge-patch+json") => true,
        t if t.starts_with("application/merge-patch+json") => false,
        other => {
            return status(
                415,
                "UnsupportedMediaType",
                &format!(
                    "the lab takes strategic-merge or merge patches of a StatefulSet, not {other:?}"
                ),
            );
        }
    };
    let patch = match parse(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let r = ctx.region;
    let result = ctx.shared.with(|sim| {
        let container = objects::broker_container_name(sim);
        let base = objects::chart_env(sim);
        let mut env = objects::broker_env(sim, r);
        let containers = patch["spec"]["template"]["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for c in containers {
            if c["name"] != container {
                return Err(format!(
                    "spec.template.spec.containers: the lab's broker StatefulSet has one container, {container}, not {}",
                    c["name"]
                ));
            }
            let Some(entries) = c["env"].as_array() else {
                continue;
            };
            if !strategic {
                env = entries.clone();
                continue;
            }
            for e in entries {
                let Some(n) = e["name"].as_str() else {
                    return Err("env entry without a name".to_string());
                };
                env.retain(|x| x["name"] != n);
                if e["$patch"] != "delete" {
                    let mut e = e.clone();
                    if let Some(o) = e.as_object_mut() {
                        o.retain(|k, _| !k.starts_with('$'));
                    }
                    env.push(e);
                }
            }
        }
        sim.kube[r as usize].set_env(&base, &env);
        Ok(())
    });
    if let Err(e) = result {
        return status(
            422,
            "Invalid",
            &format!("StatefulSet.apps \"{name}\" is invalid: {e}"),
        );
    }
    tracing::info!(region = r, "lab kube: broker env patched");
    shown(&ctx, Kind::StatefulSet, &name, StatusCode::OK)
}
