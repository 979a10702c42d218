//! A Kubernetes API server per region: what `kube` and `kubectl` need to see and operate the
//! region's Camunda objects (kube-notes §2.2, §3).
//!
//! Discovery (`/version`, `/api`, `/apis`, resource lists), list/get/watch of pods, services,
//! configmaps, StatefulSets and Deployments with label and field selectors (JSON or, when
//! asked, server-side `Table`s for kubectl), pod deletion (the pod is replaced), the `/scale`
//! subresource, pod port-forward over the WebSocket channel protocol, persistent volume
//! claims (listed, deleted), Secrets (base64 `data`; created, replaced, patched, deleted) and
//! patches of the broker StatefulSet's container env (`kubectl set env`, a Helm upgrade; see
//! [`write`]), and Leases (`coordination.k8s.io/v1`: c8dr's run lease) with the real API
//! server's semantics: create (409 `AlreadyExists`), update and patch with `resourceVersion`
//! preconditions (409 `Conflict`), delete, list/watch, kubectl's NAME/HOLDER/AGE table (see
//! [`lease`]). Watches answer kubectl's `-w` with one-row Tables. A failed region's API
//! server is closed like its other listeners; its Leases are kept until it is recreated.

// Handlers return ready-made error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod lease;
pub mod objects;
pub mod portforward;
pub mod store;
pub mod write;

use super::server::Shared;
use super::sim::pods::Workload;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use c8dr_api::BrokerId;
use objects::Kind;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Store, matches, parse_selector};
use tokio::sync::watch;

/// Where a pod's ports lead inside the lab.
#[derive(Debug, Clone)]
pub struct PortMap {
    pub region_rest: SocketAddr,
    pub region_management: SocketAddr,
    pub region_elasticsearch: SocketAddr,
    pub brokers: HashMap<BrokerId, SocketAddr>,
}

/// One region's API server.
pub struct KubeServer {
    pub shared: Arc<Shared>,
    pub region: u8,
    pub namespace: String,
    pub ports: PortMap,
    pub shutdown: watch::Receiver<bool>,
    store: Mutex<Store>,
}

type Ctx = Arc<KubeServer>;
type Params = Query<Vec<(String, String)>>;

impl KubeServer {
    pub fn new(
        shared: Arc<Shared>,
        region: u8,
        namespace: String,
        ports: PortMap,
        shutdown: watch::Receiver<bool>,
    ) -> Ctx {
        Arc::new(KubeServer {
            shared,
            region,
            namespace,
            ports,
            shutdown,
            store: Mutex::new(Store::default()),
        })
    }

    /// Renders the region now and records what changed; runs `f` on the store.
    ///
    /// The rendering is taken under the store's lock, as [`Self::transact`] takes its own:
    /// renderings are then recorded in the order they were taken. Rendered before the lock,
    /// a reader's rendering could wait out a write and be recorded after it, an older state
    /// over a newer one: a lease DELETED and ADDED again (its version moved twice without a
    /// write) or MODIFIED back and forth, a delete undone for a moment.
    pub(crate) fn synced<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        store.sync(self.shared.with(|sim| objects::render(sim, self.region)));
        f(&store)
    }

    /// A write checked against what the API server shows: `check` sees the store current and
    /// changes the simulation, under the store's lock, so two writers of one object are
    /// served one after the other (the second sees the first's `resourceVersion`); `answer`
    /// sees the store with the write recorded.
    pub(crate) fn transact<R, T>(
        &self,
        check: impl FnOnce(&Store, &mut crate::sim::Sim) -> R,
        answer: impl FnOnce(&Store, R) -> T,
    ) -> T {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        store.sync(self.shared.with(|sim| objects::render(sim, self.region)));
        let r = self.shared.with(|sim| check(&store, sim));
        store.sync(self.shared.with(|sim| objects::render(sim, self.region)));
        answer(&store, r)
    }

    /// The region is gone or the lab stops: long-running answers end.
    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
            || self
                .shared
                .with(|sim| sim.regions[self.region as usize].failed)
    }
}

pub fn router(ctx: Ctx) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/api", get(api_versions))
        .route("/apis", get(api_groups))
        .route("/api/v1", get(core_resources))
        .route("/apis/apps/v1", get(apps_resources))
        .route("/apis/autoscaling/v1", get(autoscaling_resources))
        .route("/apis/coordination.k8s.io/v1", get(lease::resources))
        .route("/apis/coordination.k8s.io/v1/leases", get(lease::list_all))
        .route(
            "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
            get(lease::list).post(lease::create),
        )
        .route(
            "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}",
            get(lease::get)
                .put(lease::replace)
                .patch(lease::patch)
                .delete(lease::delete),
        )
        .route("/api/v1/{resource}", get(list_all))
        .route("/api/v1/namespaces/{ns}", get(get_namespace))
        .route(
            "/api/v1/namespaces/{ns}/{resource}",
            get(list).post(write::create),
        )
        .route(
            "/api/v1/namespaces/{ns}/{resource}/{name}",
            get(get_one)
                .delete(delete_one)
                .put(write::replace)
                .patch(write::patch_core),
        )
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/portforward",
            get(portforward::handle),
        )
        .route("/apis/apps/v1/{resource}", get(list_all))
        .route("/apis/apps/v1/namespaces/{ns}/{resource}", get(list))
        .route(
            "/apis/apps/v1/namespaces/{ns}/{resource}/{name}",
            get(get_one).patch(write::patch_statefulset),
        )
        .route(
            "/apis/apps/v1/namespaces/{ns}/{resource}/{name}/scale",
            get(get_scale).patch(patch_scale).put(put_scale),
        )
        .fallback(|| async {
            status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )
        })
        .with_state(ctx)
}

/// A `Status` failure, as the API server answers errors.
pub fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    });
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(body)).into_response()
}

pub(crate) fn not_found(kind: Kind, name: &str) -> Response {
    status(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", kind.plural()),
    )
}

async fn version() -> Response {
    Json(json!({
        "major": "1", "minor": "34", "gitVersion": "v1.34.2", "gitCommit": "c8dr-lab",
        "gitTreeState": "clean", "buildDate": "2025-11-11T00:00:00Z", "goVersion": "go1.24.9",
        "compiler": "gc", "platform": "linux/amd64",
    }))
    .into_response()
}

async fn api_versions() -> Response {
    Json(json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}))
    .into_response()
}

async fn api_groups() -> Response {
    let group = |name: &str| {
        let gv = json!({"groupVersion": format!("{name}/v1"), "version": "v1"});
        json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
    };
    Json(json!({"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [group("apps"), group("autoscaling"), group(lease::GROUP)]}))
    .into_response()
}

fn resource(name: &str, kind: &str, verbs: &[&str], short: &[&str]) -> Value {
    json!({"name": name, "singularName": "", "namespaced": true, "kind": kind, "verbs": verbs, "shortNames": short})
}

async fn core_resources() -> Response {
    let mut namespaces = resource("namespaces", "Namespace", &["get", "list"], &["ns"]);
    namespaces["namespaced"] = json!(false);
    Json(json!({
        "kind": "APIResourceList", "groupVersion": "v1",
        "resources": [
            namespaces,
            resource("pods", "Pod", &["delete", "get", "list", "watch"], &["po"]),
            resource("pods/portforward", "PodPortForwardOptions", &["create", "get"], &[]),
            resource("services", "Service", &["get", "list", "watch"], &["svc"]),
            resource("configmaps", "ConfigMap", &["get", "list", "watch"], &["cm"]),
            resource("persistentvolumeclaims", "PersistentVolumeClaim", &["delete", "get", "list", "watch"], &["pvc"]),
            resource("secrets", "Secret", &["create", "delete", "get", "list", "patch", "update", "watch"], &[]),
        ],
    }))
    .into_response()
}

/// The `/scale` subresources answer with `autoscaling/v1` Scale objects, which kubectl checks.
fn scale_resource(name: &str) -> Value {
    let mut scale = resource(name, "Scale", &["get", "patch", "update"], &[]);
    scale["group"] = json!("autoscaling");
    scale["version"] = json!("v1");
    scale
}

async fn apps_resources() -> Response {
    let sts_scale = scale_resource("statefulsets/scale");
    let deploy_scale = scale_resource("deployments/scale");
    Json(json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
        "resources": [
            resource("statefulsets", "StatefulSet", &["get", "list", "patch", "watch"], &["sts"]),
            sts_scale,
            resource("deployments", "Deployment", &["get", "list", "watch"], &["deploy"]),
            deploy_scale,
        ],
    }))
    .into_response()
}

async fn autoscaling_resources() -> Response {
    Json(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "autoscaling/v1", "resources": []}))
        .into_response()
}

async fn get_namespace(State(ctx): State<Ctx>, Path(ns): Path<String>) -> Response {
    if ns != ctx.namespace {
        return status(404, "NotFound", &format!("namespaces \"{ns}\" not found"));
    }
    Json(namespace_object(&ctx)).into_response()
}

fn namespace_object(ctx: &KubeServer) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": ctx.namespace, "uid": objects::uid(&ctx.namespace)},
           "status": {"phase": "Active"}})
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Label and field selectors of a list or watch.
struct Filter {
    labels: Vec<store::Requirement>,
    name: Option<String>,
    namespace: Option<String>,
}

impl Filter {
    fn from(q: &[(String, String)]) -> Result<Filter, Response> {
        let labels = parse_selector(param(q, "labelSelector").unwrap_or(""))
            .map_err(|e| status(400, "BadRequest", &e))?;
        let (mut name, mut namespace) = (None, None);
        for part in param(q, "fieldSelector")
            .unwrap_or("")
            .split(',')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = part
                .split_once("==")
                .or_else(|| part.split_once('='))
                .ok_or_else(|| {
                    status(
                        400,
                        "BadRequest",
                        &format!("invalid field selector {part:?}"),
                    )
                })?;
            match k.trim() {
                "metadata.name" => name = Some(v.trim().to_string()),
                "metadata.namespace" => namespace = Some(v.trim().to_string()),
                other => {
                    return Err(status(
                        400,
                        "BadRequest",
                        &format!("field label not supported: {other}"),
                    ));
                }
            }
        }
        Ok(Filter {
            labels,
            name,
            namespace,
        })
    }

    fn keep(&self, v: &Value) -> bool {
        let meta = &v["metadata"];
        matches(&meta["labels"], &self.labels)
            && self.name.as_deref().is_none_or(|n| meta["name"] == n)
            && self
                .namespace
                .as_deref()
                .is_none_or(|n| meta["namespace"] == n)
    }
}

fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=Table"))
}

async fn list_all(
    State(ctx): State<Ctx>,
    Path(resource): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    if resource == "namespaces" {
        return Json(
            json!({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {},
                           "items": [namespace_object(&ctx)]}),
        )
        .into_response();
    }
    let ns = ctx.namespace.clone();
    list(State(ctx), Path((ns, resource)), Query(q), headers).await
}

async fn list(
    State(ctx): State<Ctx>,
    Path((ns, resource)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    let Some(kind) = Kind::from_plural(&resource) else {
        return status(
            404,
            "NotFound",
            &format!("the server could not find the requested resource ({resource})"),
        );
    };
    list_kind(ctx, kind, &ns, &q, &headers)
}

/// A list or watch of `kind` in namespace `ns` (empty in another namespace, as a real API
/// server lists a namespace without such objects).
pub(crate) fn list_kind(
    ctx: Ctx,
    kind: Kind,
    ns: &str,
    q: &[(String, String)],
    headers: &HeaderMap,
) -> Response {
    let filter = match Filter::from(q) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let other_namespace = ns != ctx.namespace;
    if matches!(param(q, "watch"), Some("true" | "1")) {
        return watch(ctx, kind, filter, other_namespace, q, wants_table(headers));
    }
    let (items, rv) = ctx.synced(|s| {
        let items: Vec<Value> = if other_namespace {
            vec![]
        } else {
            s.list(kind)
                .into_iter()
                .filter(|v| filter.keep(v))
                .collect()
        };
        (items, s.resource_version())
    });
    if wants_table(headers) {
        return Json(table(kind, &items, rv)).into_response();
    }
    Json(json!({
        "kind": format!("{}List", kind.name()), "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": rv.to_string()}, "items": items,
    }))
    .into_response()
}

/// A watch: newline-delimited events from `resourceVersion` on, until `timeoutSeconds`, the
/// region failing, the lab stopping or the client leaving.
fn watch(
    ctx: Ctx,
    kind: Kind,
    filter: Filter,
    other_namespace: bool,
    q: &[(String, String)],
    as_table: bool,
) -> Response {
    let since: Option<u64> = param(q, "resourceVersion")
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0);
    let timeout = param(q, "timeoutSeconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1800u64)
        .min(3600);
    let deadline = Instant::now() + Duration::from_secs(timeout);
    let keep = move |v: &Value| !other_namespace && filter.keep(v);
    // kubectl --watch asks for each event's object as a one-row Table.
    let line = move |kind_of_event: &str, object: &Value| {
        let object = if as_table {
            let rv = object["metadata"]["resourceVersion"]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            table(kind, std::slice::from_ref(object), rv)
        } else {
            object.clone()
        };
        Bytes::from(format!(
            "{}\n",
            json!({"type": kind_of_event, "object": object})
        ))
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let mut last = match since {
            Some(rv) => rv,
            None => {
                let (items, rv) = ctx.synced(|s| (s.list(kind), s.resource_version()));
                for o in items.iter().filter(|o| keep(o)) {
                    if tx.send(line("ADDED", o)).await.is_err() {
                        return;
                    }
                }
                rv
            }
        };
        loop {
            let batch = ctx.synced(|s| s.events_since(kind, last));
            match batch {
                Some(events) => {
                    for e in events {
                        last = e.rv;
                        if keep(&e.object)
                            && tx.send(line(e.kind_of_event, &e.object)).await.is_err()
                        {
                            return;
                        }
                    }
                }
                None => {
                    let gone = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                      "message": "too old resource version", "reason": "Expired", "code": 410});
                    let _ = tx.send(line("ERROR", &gone)).await;
                    return;
                }
            }
            if Instant::now() > deadline || ctx.stopping() || tx.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<Bytes, std::io::Error>(b), rx))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}

async fn get_one(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(kind) = Kind::from_plural(&resource) else {
        return status(
            404,
            "NotFound",
            &format!("the server could not find the requested resource ({resource})"),
        );
    };
    get_kind(&ctx, kind, &ns, &name, &headers).unwrap_or_else(|| not_found(kind, &name))
}

/// One object of `kind` as JSON or as a kubectl Table; `None` when there is no such object.
pub(crate) fn get_kind(
    ctx: &KubeServer,
    kind: Kind,
    ns: &str,
    name: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    let (found, rv) = ctx.synced(|s| (s.get(kind, name), s.resource_version()));
    let v = found.filter(|_| ns == ctx.namespace)?;
    Some(if wants_table(headers) {
        Json(table(kind, &[v], rv)).into_response()
    } else {
        Json(v).into_response()
    })
}

/// Deleting a pod: its controller replaces it (a broker restarts, keeping its data). Claims
/// and Secrets are deleted by [`write`].
async fn delete_one(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
) -> Response {
    match Kind::from_plural(&resource) {
        Some(Kind::Pod) => {}
        Some(kind @ (Kind::PersistentVolumeClaim | Kind::Secret)) => {
            return write::delete(ctx, kind, &ns, &name);
        }
        _ => {
            return status(
                405,
                "MethodNotAllowed",
                &format!("the lab does not delete {resource}"),
            );
        }
    }
    let Some(mut pod) = ctx
        .synced(|s| s.get(Kind::Pod, &name))
        .filter(|_| ns == ctx.namespace)
    else {
        return not_found(Kind::Pod, &name);
    };
    let r = ctx.region;
    let es = objects::es_names(ctx.shared.with(|sim| sim.settings.camunda));
    ctx.shared.with(|sim| {
        if let Some(b) = sim.broker_of_pod(r, &name) {
            sim.delete_broker_pod(b);
        } else if name == es.pod {
            sim.delete_other_pod(r, Workload::Elasticsearch);
        } else {
            sim.delete_other_pod(r, Workload::Gateway);
        }
    });
    tracing::info!(region = r, pod = %name, "lab kube: pod deleted");
    pod["metadata"]["deletionTimestamp"] = json!(
        jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );
    pod["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    ctx.synced(|_| ());
    Json(pod).into_response()
}

/// Region `r`'s broker StatefulSets: the first, and a migration's zoned one beside it.
fn zeebe_sets(sim: &crate::sim::Sim, r: u8) -> (String, Option<String>) {
    let zoned = sim
        .migration
        .then(|| sim.zone_of_region(r))
        .flatten()
        .map(|z| format!("{}-zeebe-{z}", objects::RELEASE));
    (sim.zeebe_statefulset(r), zoned)
}

fn workload_of(
    resource: &str,
    name: &str,
    camunda: crate::sim::Camunda,
    zeebe: &(String, Option<String>),
) -> Option<(Kind, Workload)> {
    let es = objects::es_names(camunda);
    match (resource, name) {
        // The region's broker StatefulSet: `camunda-zeebe`, or `camunda-zeebe-<zone>`.
        ("statefulsets", n) if n == zeebe.0 => Some((Kind::StatefulSet, Workload::Zeebe)),
        ("statefulsets", n) if zeebe.1.as_deref() == Some(n) => {
            Some((Kind::StatefulSet, Workload::ZeebeZoned))
        }
        ("statefulsets", n) if n == es.statefulset => {
            Some((Kind::StatefulSet, Workload::Elasticsearch))
        }
        ("deployments", "camunda-zeebe-gateway") if camunda.family87() => {
            Some((Kind::Deployment, Workload::Gateway))
        }
        ("deployments", "camunda-operate") if camunda.family87() => {
            Some((Kind::Deployment, Workload::Operate))
        }
        ("deployments", "camunda-tasklist") if camunda.family87() => {
            Some((Kind::Deployment, Workload::Tasklist))
        }
        _ => None,
    }
}

fn scale_object(ctx: &KubeServer, kind: Kind, name: &str) -> Option<Value> {
    let obj = ctx.synced(|s| s.get(kind, name))?;
    let selector: Vec<String> = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    Some(json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": name, "namespace": ctx.namespace, "uid": obj["metadata"]["uid"],
                     "resourceVersion": obj["metadata"]["resourceVersion"],
                     "creationTimestamp": obj["metadata"]["creationTimestamp"]},
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"], "selector": selector.join(",")},
    }))
}

async fn get_scale(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
) -> Response {
    let (camunda, zeebe) = ctx
        .shared
        .with(|sim| (sim.settings.camunda, zeebe_sets(sim, ctx.region)));
    match workload_of(&resource, &name, camunda, &zeebe).filter(|_| ns == ctx.namespace) {
        Some((kind, _)) => match scale_object(&ctx, kind, &name) {
            Some(s) => Json(s).into_response(),
            None => not_found(kind, &name),
        },
        None => status(
            404,
            "NotFound",
            &format!("{resource}.apps \"{name}\" not found"),
        ),
    }
}

async fn apply_scale(
    ctx: Ctx,
    ns: String,
    resource: String,
    name: String,
    replicas: Option<i64>,
) -> Response {
    let (camunda, zeebe) = ctx
        .shared
        .with(|sim| (sim.settings.camunda, zeebe_sets(sim, ctx.region)));
    let Some((kind, workload)) =
        workload_of(&resource, &name, camunda, &zeebe).filter(|_| ns == ctx.namespace)
    else {
        return status(
            404,
            "NotFound",
            &format!("{resource}.apps \"{name}\" not found"),
        );
    };
    let limit = ctx.shared.with(|sim| i64::from(sim.settings.brokers / 2));
    let max = if matches!(workload, Workload::Zeebe | Workload::ZeebeZoned) {
        limit
    } else {
        1
    };
    let replicas = match replicas {
        Some(n) if (0..=max).contains(&n) => n as u32,
        other => {
            return status(
                422,
                "Invalid",
                &format!(
                    "Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {other:?}: the lab runs 0 to {max} replicas of it"
                ),
            );
        }
    };
    let r = ctx.region;
    ctx.shared.with(|sim| sim.scale(r, workload, replicas));
    tracing::info!(region = r, %name, replicas, "lab kube: scaled");
    match scale_object(&ctx, kind, &name) {
        Some(s) => Json(s).into_response(),
        None => not_found(kind, &name),
    }
}

async fn patch_scale(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return status(400, "BadRequest", &format!("invalid patch: {e}")),
    };
    // Merge and strategic-merge patches carry `spec.replicas`; a JSON patch a replace op.
    let replicas = patch["spec"]["replicas"].as_i64().or_else(|| {
        patch.as_array().and_then(|ops| {
            ops.iter()
                .find(|op| op["path"] == "/spec/replicas")
                .and_then(|op| op["value"].as_i64())
        })
    });
    apply_scale(ctx, ns, resource, name, replicas).await
}

async fn put_scale(
    State(ctx): State<Ctx>,
    Path((ns, resource, name)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let scale: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return status(400, "BadRequest", &format!("invalid Scale: {e}")),
    };
    apply_scale(ctx, ns, resource, name, scale["spec"]["replicas"].as_i64()).await
}

fn age(created: &Value) -> String {
    let Some(t) = created
        .as_str()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
    else {
        return "<unknown>".into();
    };
    let secs = jiff::Timestamp::now().duration_since(t).as_secs().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s => format!("{}h", s / 3600),
    }
}

/// Server-side printing for kubectl (`Accept: …;as=Table`).
fn table(kind: Kind, items: &[Value], rv: u64) -> Value {
    let columns: Vec<Value> = columns(kind)
        .iter()
        .map(|name| {
            let format = if *name == "Name" { "name" } else { "" };
            json!({"name": name, "type": "string", "format": format, "description": "", "priority": 0})
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|obj| json!({"cells": cells(kind, obj), "object": obj}))
        .collect();
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": columns,
        "rows": rows,
    })
}

/// The columns kubectl prints for each kind.
fn columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &["Name", "Ready", "Status", "Restarts", "Age"],
        Kind::StatefulSet => &["Name", "Ready", "Age"],
        Kind::Deployment => &["Name", "Ready", "Up-to-date", "Available", "Age"],
        Kind::Service => &[
            "Name",
            "Type",
            "Cluster-IP",
            "External-IP",
            "Port(s)",
            "Age",
        ],
        Kind::ConfigMap => &["Name", "Data", "Age"],
        Kind::PersistentVolumeClaim => &[
            "Name",
            "Status",
            "Volume",
            "Capacity",
            "Access Modes",
            "StorageClass",
            "Age",
        ],
        Kind::Secret => &["Name", "Type", "Data", "Age"],
        Kind::Lease => &["Name", "Holder", "Age"],
    }
}

/// One object's cells, in the order of `columns`.
fn cells(kind: Kind, o: &Value) -> Vec<Value> {
    let name = o["metadata"]["name"].clone();
    let age = json!(age(&o["metadata"]["creationTimestamp"]));
    let ready = || {
        json!(format!(
            "{}/{}",
            o["status"]["readyReplicas"], o["spec"]["replicas"]
        ))
    };
    match kind {
        Kind::Pod => {
            let cs = &o["status"]["containerStatuses"][0];
            let st = cs["state"]["waiting"]["reason"]
                .as_str()
                .unwrap_or_else(|| o["status"]["phase"].as_str().unwrap_or(""));
            vec![
                name,
                json!(format!("{}/1", u8::from(cs["ready"] == true))),
                json!(st),
                json!(cs["restartCount"].as_i64().unwrap_or(0).to_string()),
                age,
            ]
        }
        Kind::StatefulSet => vec![name, ready(), age],
        Kind::Deployment => vec![
            name,
            ready(),
            json!(o["status"]["updatedReplicas"].to_string()),
            json!(o["status"]["availableReplicas"].to_string()),
            age,
        ],
        Kind::Service => {
            let ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .map(|a| a.iter().map(|p| format!("{}/TCP", p["port"])).collect())
                .unwrap_or_default();
            vec![
                name,
                o["spec"]["type"].clone(),
                o["spec"]["clusterIP"].clone(),
                json!("<none>"),
                json!(ports.join(",")),
                age,
            ]
        }
        Kind::ConfigMap => vec![
            name,
            json!(o["data"].as_object().map_or(0, |m| m.len()).to_string()),
            age,
        ],
        Kind::PersistentVolumeClaim => vec![
            name,
            o["status"]["phase"].clone(),
            o["spec"]["volumeName"].clone(),
            o["status"]["capacity"]["storage"].clone(),
            json!("RWO"),
            o["spec"]["storageClassName"].clone(),
            age,
        ],
        Kind::Secret => vec![
            name,
            o["type"].clone(),
            json!(o["data"].as_object().map_or(0, |m| m.len()).to_string()),
            age,
        ],
        Kind::Lease => vec![
            name,
            json!(o["spec"]["holderIdentity"].as_str().unwrap_or("")),
            age,
        ],
    }
}

/// A 400 for a port-forward that cannot be set up.
pub(crate) fn upgrade_error(message: &str) -> Response {
    status(400, "BadRequest", message)
}
