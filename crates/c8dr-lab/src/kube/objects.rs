//! The Kubernetes objects Camunda's Helm chart creates in a region, rendered from the
//! simulation with the chart's names and labels (kube-notes §3): the Zeebe StatefulSet and
//! its pods, the gateway Service, Elasticsearch, 8.7's gateway and webapp Deployments and
//! 8.8's orchestration ConfigMap. Pods are Ready only as the chart's probes would say.

use crate::sim::{Camunda, Sim};
use c8dr_api::BrokerId;
use serde_json::{Value, json};

pub const RELEASE: &str = "camunda";

/// Kinds the lab's API server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pod,
    Service,
    ConfigMap,
    StatefulSet,
    Deployment,
    PersistentVolumeClaim,
    Secret,
    /// `coordination.k8s.io/v1`: written only by clients ([`super::lease`]).
    Lease,
}

impl Kind {
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Pod => "pods",
            Kind::Service => "services",
            Kind::ConfigMap => "configmaps",
            Kind::StatefulSet => "statefulsets",
            Kind::Deployment => "deployments",
            Kind::PersistentVolumeClaim => "persistentvolumeclaims",
            Kind::Secret => "secrets",
            Kind::Lease => "leases",
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Kind::StatefulSet | Kind::Deployment => "apps/v1",
            Kind::Lease => "coordination.k8s.io/v1",
            _ => "v1",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::Service => "Service",
            Kind::ConfigMap => "ConfigMap",
            Kind::StatefulSet => "StatefulSet",
            Kind::Deployment => "Deployment",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
            Kind::Secret => "Secret",
            Kind::Lease => "Lease",
        }
    }

    /// A kind of the core and `apps` groups by its plural (Leases have routes of their own).
    pub fn from_plural(s: &str) -> Option<Kind> {
        [
            Kind::Pod,
            Kind::Service,
            Kind::ConfigMap,
            Kind::StatefulSet,
            Kind::Deployment,
            Kind::PersistentVolumeClaim,
            Kind::Secret,
        ]
        .into_iter()
        .find(|k| k.plural() == s)
    }
}

/// One rendered object (without `resourceVersion`, which the store assigns).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub kind: Kind,
    pub name: String,
    pub uid: String,
    pub value: Value,
}

/// A stable UUID-shaped uid from the object's identity and incarnation.
pub fn uid(parts: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in parts.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    let x = format!("{h:032x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

pub fn namespace(sim: &Sim, r: u8) -> String {
    format!("camunda-{}", sim.regions[r as usize].name)
}

fn k8s_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn labels(component: &str, version: &str) -> Value {
    json!({
        "app.kubernetes.io/name": "camunda-platform",
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "camunda-platform",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/version": version,
        "helm.sh/chart": "camunda-platform",
    })
}

fn match_labels(component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": "camunda-platform",
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "camunda-platform",
        "app.kubernetes.io/component": component,
    })
}

/// Elasticsearch names: the Bitnami subchart up to 8.8, ECK from 8.9.
pub struct EsNames {
    pub statefulset: &'static str,
    pub pod: &'static str,
    pub service: &'static str,
    pub headless: &'static str,
    pub labels: Value,
}

pub fn es_names(camunda: Camunda) -> EsNames {
    if camunda >= Camunda::V89 {
        EsNames {
            statefulset: "elasticsearch-es-masters",
            pod: "elasticsearch-es-masters-0",
            service: "elasticsearch-es-http",
            headless: "elasticsearch-es-masters",
            labels: json!({
                "common.k8s.elastic.co/type": "elasticsearch",
                "elasticsearch.k8s.elastic.co/cluster-name": "elasticsearch",
                "elasticsearch.k8s.elastic.co/statefulset-name": "elasticsearch-es-masters",
            }),
        }
    } else {
        EsNames {
            statefulset: "camunda-elasticsearch-master",
            pod: "camunda-elasticsearch-master-0",
            service: "camunda-elasticsearch",
            headless: "camunda-elasticsearch-master-hl",
            labels: json!({
                "app.kubernetes.io/name": "elasticsearch",
                "app.kubernetes.io/instance": RELEASE,
                "app.kubernetes.io/managed-by": "Helm",
                "app.kubernetes.io/component": "master",
            }),
        }
    }
}

/// The Elasticsearch an exporter for region `r` is configured to write to.
fn exporter_url(sim: &Sim, r: u8) -> String {
    if r == 1 && sim.misconfig.contains("exporter-wrong-region") {
        es_url(sim, 0)
    } else {
        es_url(sim, r)
    }
}

fn es_url(sim: &Sim, r: u8) -> String {
    let names = es_names(sim.settings.camunda);
    format!(
        "http://{}.{}.svc.cluster.local:9200",
        names.headless,
        namespace(sim, r)
    )
}

/// The broker container's environment: the chart's, with what Helm or kubectl changed since.
pub fn broker_env(sim: &Sim, r: u8) -> Vec<Value> {
    sim.kube[r as usize].env(chart_env(sim))
}

/// The broker container's environment as the dual-region values set it (procedure §2.4).
pub fn chart_env(sim: &Sim) -> Vec<Value> {
    let camunda = sim.settings.camunda;
    let per_region = sim.settings.brokers / 2;
    let regions: &[u8] = if sim.misconfig.contains("contact-points-one-region") {
        &[0, 0]
    } else {
        &[0, 1]
    };
    let contact_points: Vec<String> = (0..per_region)
        .flat_map(|i| {
            regions.iter().map(move |&r| {
                format!(
                    "{RELEASE}-zeebe-{i}.{RELEASE}-zeebe.{}.svc.cluster.local:26502",
                    namespace(sim, r)
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let mut env = vec![];
    let cluster_prefix = if camunda >= Camunda::V89 {
        "CAMUNDA_CLUSTER"
    } else {
        "ZEEBE_BROKER_CLUSTER"
    };
    env.push(json!({"name": format!("{cluster_prefix}_INITIALCONTACTPOINTS"), "value": contact_points.join(",")}));
    env.push(json!({"name": format!("{cluster_prefix}_CLUSTERSIZE"), "value": sim.settings.brokers.to_string()}));
    env.push(json!({"name": format!("{cluster_prefix}_PARTITIONCOUNT"), "value": sim.settings.partitions.to_string()}));
    env.push(json!({"name": format!("{cluster_prefix}_REPLICATIONFACTOR"), "value": sim.settings.replication_factor.to_string()}));
    for r in [0u8, 1] {
        match camunda {
            Camunda::V87 => {
                let p = format!("ZEEBE_BROKER_EXPORTERS_ELASTICSEARCHREGION{r}");
                env.push(json!({"name": format!("{p}_CLASSNAME"), "value": "io.camunda.zeebe.exporter.ElasticsearchExporter"}));
                env.push(json!({"name": format!("{p}_ARGS_URL"), "value": exporter_url(sim, r)}));
            }
            Camunda::V88 => {
                let p = format!("ZEEBE_BROKER_EXPORTERS_CAMUNDAREGION{r}");
                env.push(json!({"name": format!("{p}_CLASSNAME"), "value": "io.camunda.exporter.CamundaExporter"}));
                env.push(
                    json!({"name": format!("{p}_ARGS_CONNECT_URL"), "value": exporter_url(sim, r)}),
                );
            }
            Camunda::V89 | Camunda::V810 => {
                let p = format!("CAMUNDA_DATA_EXPORTERS_CAMUNDAREGION{r}");
                env.push(json!({"name": format!("{p}_CLASSNAME"), "value": "io.camunda.exporter.CamundaExporter"}));
                env.push(
                    json!({"name": format!("{p}_ARGS_CONNECT_URL"), "value": exporter_url(sim, r)}),
                );
                env.push(json!({"name": format!("{p}_ARGS_CONNECT_USERNAME"), "value": "elastic"}));
                env.push(json!({"name": format!("{p}_ARGS_CONNECT_PASSWORD"), "valueFrom": {"secretKeyRef": {
                    "name": format!("elasticsearch-es-password-region-{r}"), "key": "elastic"}}}));
            }
        }
    }
    if camunda != Camunda::V87 {
        env.push(json!({"name": "CAMUNDA_DATA_BACKUP_REPOSITORYNAME", "value": "camunda_backup"}));
    }
    env
}

/// The broker container's name: `orchestration` from 8.8 (§2.1), `zeebe` before.
pub fn broker_container_name(sim: &Sim) -> &'static str {
    if sim.settings.camunda.family87() {
        "zeebe"
    } else {
        "orchestration"
    }
}

fn broker_container(sim: &Sim, r: u8) -> Value {
    let v87 = sim.settings.camunda.family87();
    let mut ports = vec![
        json!({"name": "http", "containerPort": 9600, "protocol": "TCP"}),
        json!({"name": "command", "containerPort": 26501, "protocol": "TCP"}),
        json!({"name": "internal", "containerPort": 26502, "protocol": "TCP"}),
    ];
    if !v87 {
        ports.push(json!({"name": "rest", "containerPort": 8080, "protocol": "TCP"}));
        ports.push(json!({"name": "gateway", "containerPort": 26500, "protocol": "TCP"}));
    }
    json!({
        "name": broker_container_name(sim),
        "image": format!("camunda/{}:{}", if v87 { "zeebe" } else { "camunda" }, sim.settings.camunda.version()),
        "ports": ports,
        "env": broker_env(sim, r),
        "readinessProbe": {"httpGet": {"path": "/actuator/health/readiness", "port": 9600, "scheme": "HTTP"}},
    })
}

/// Container status and pod phase for a container: ready, running-but-not-ready, being
/// replaced, or crash-looping after shutting itself down.
fn pod_status(
    phase_ready: (bool, bool),
    waiting: Option<&str>,
    started: &str,
    container: &str,
) -> Value {
    let (running, ready) = phase_ready;
    let state = match waiting {
        Some(reason) => json!({"waiting": {"reason": reason}}),
        None => json!({"running": {"startedAt": started}}),
    };
    let cond = |t: &str, s: bool| json!({"type": t, "status": if s { "True" } else { "False" }, "lastTransitionTime": started});
    json!({
        "phase": if running || waiting == Some("CrashLoopBackOff") { "Running" } else { "Pending" },
        "conditions": [cond("Initialized", true), cond("Ready", ready), cond("ContainersReady", ready), cond("PodScheduled", true)],
        "containerStatuses": [{
            "name": container,
            "ready": ready,
            "started": running,
            "restartCount": if waiting == Some("CrashLoopBackOff") { 3 } else { 0 },
            "state": state,
            "image": "",
            "imageID": "",
        }],
        "hostIP": "10.0.0.1",
        "podIP": "10.1.0.1",
        "startTime": started,
    })
}

struct PodSpecInput<'a> {
    name: String,
    uid_key: String,
    labels: Value,
    owner: (&'a str, &'a str),
    container: Value,
    status: Value,
    created: String,
}

fn pod(sim: &Sim, r: u8, p: PodSpecInput<'_>) -> Rendered {
    let ns = namespace(sim, r);
    let uid = uid(&p.uid_key);
    let value = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": p.name, "namespace": ns, "uid": uid, "creationTimestamp": p.created,
            "labels": p.labels,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": p.owner.0, "name": p.owner.1,
                                  "uid": uid_of_owner(&ns, p.owner.1), "controller": true}],
        },
        "spec": {"containers": [p.container], "nodeName": format!("lab-node-{r}"), "restartPolicy": "Always"},
        "status": p.status,
    });
    let mut value = value;
    // Each cluster has its own pod range (10.100.x for region 0, 10.101.x for region 1),
    // unless the lab was told to make them overlap.
    let range = if r == 1 && sim.misconfig.contains("overlapping-pod-ranges") {
        100
    } else {
        100 + u32::from(r)
    };
    let host = 10 + uid.bytes().map(u32::from).sum::<u32>() % 200;
    value["status"]["podIP"] = json!(format!("10.{range}.0.{host}"));
    Rendered {
        kind: Kind::Pod,
        name: p.name,
        uid,
        value,
    }
}

fn uid_of_owner(ns: &str, name: &str) -> String {
    uid(&format!("{ns}/{name}"))
}

fn broker_pod(sim: &Sim, r: u8, b: BrokerId) -> Option<Rendered> {
    let rt = sim.brokers.get(&b)?;
    if rt.scaled_down {
        return None;
    }
    let ordinal = Sim::ordinal(b);
    let sts = if sim.in_first_statefulset(b) {
        sim.zeebe_statefulset(r)
    } else {
        b.statefulset(RELEASE)
    };
    let name = format!("{sts}-{ordinal}");
    let created = k8s_time(sim.wall(rt.since));
    let ready = sim.broker_ready(b);
    let waiting = if rt.restart_until.is_some() {
        Some("ContainerCreating")
    } else if rt.hung {
        // The process runs; only readiness says something is wrong.
        None
    } else if !rt.alive {
        Some("CrashLoopBackOff")
    } else {
        None
    };
    let container = broker_container(sim, r);
    let container_name = container["name"].as_str().unwrap_or("zeebe").to_string();
    let mut labels = match_labels("zeebe-broker");
    labels["statefulset.kubernetes.io/pod-name"] = json!(name);
    labels["apps.kubernetes.io/pod-index"] = json!(ordinal.to_string());
    Some(pod(
        sim,
        r,
        PodSpecInput {
            uid_key: format!("{}/{name}/{}", namespace(sim, r), rt.incarnation),
            name,
            labels,
            owner: ("StatefulSet", &sts),
            container,
            status: pod_status(
                (rt.alive || rt.hung, ready),
                waiting,
                &created,
                &container_name,
            ),
            created,
        },
    ))
}

// The arguments are the fields of the manifest; a struct would only repeat them.
#[allow(clippy::too_many_arguments)]
fn simple_pod(
    sim: &Sim,
    r: u8,
    name: &str,
    labels: Value,
    owner: (&str, &str),
    image: &str,
    ports: Value,
    incarnation: u32,
) -> Rendered {
    let created = k8s_time(sim.wall(sim.kube[r as usize].installed));
    let container_name = owner.1.trim_start_matches("camunda-").to_string();
    pod(
        sim,
        r,
        PodSpecInput {
            uid_key: format!("{}/{name}/{incarnation}", namespace(sim, r)),
            name: name.to_string(),
            labels,
            owner,
            container: json!({"name": container_name, "image": image, "ports": ports}),
            status: pod_status((true, true), None, &created, &container_name),
            created,
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn workload(
    sim: &Sim,
    r: u8,
    kind: Kind,
    name: &str,
    replicas: u32,
    ready: u32,
    selector: Value,
    template_labels: Value,
    container: Value,
) -> Rendered {
    let ns = namespace(sim, r);
    let uid = uid_of_owner(&ns, name);
    let mut spec = json!({
        "replicas": replicas,
        "selector": {"matchLabels": selector},
        "template": {"metadata": {"labels": template_labels}, "spec": {"containers": [container]}},
    });
    let status = if kind == Kind::StatefulSet {
        spec["serviceName"] = json!(name);
        spec["podManagementPolicy"] = json!("Parallel");
        json!({"replicas": replicas, "readyReplicas": ready, "currentReplicas": replicas,
               "updatedReplicas": replicas, "availableReplicas": ready, "observedGeneration": 1})
    } else {
        json!({"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas,
               "availableReplicas": ready, "observedGeneration": 1})
    };
    let value = json!({
        "apiVersion": "apps/v1",
        "kind": kind.name(),
        "metadata": {"name": name, "namespace": ns, "uid": uid, "generation": 1,
                     "creationTimestamp": k8s_time(sim.wall(sim.kube[r as usize].installed)),
                     "labels": labels(selector["app.kubernetes.io/component"].as_str().unwrap_or(""), sim.settings.camunda.version())},
        "spec": spec,
        "status": status,
    });
    Rendered {
        kind,
        name: name.to_string(),
        uid,
        value,
    }
}

fn service(
    sim: &Sim,
    r: u8,
    name: &str,
    selector: Value,
    ports: Value,
    headless: bool,
    index: u8,
) -> Rendered {
    let ns = namespace(sim, r);
    let uid = uid_of_owner(&ns, &format!("svc/{name}"));
    let value = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "uid": uid,
                     "creationTimestamp": k8s_time(sim.wall(std::time::Duration::ZERO))},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": if headless { "None".to_string() } else { format!("10.96.{r}.{}", 10 + index) },
            "selector": selector,
            "ports": ports,
            "publishNotReadyAddresses": headless,
        },
    });
    Rendered {
        kind: Kind::Service,
        name: name.to_string(),
        uid,
        value,
    }
}

/// Every object of region `r`, as the API server shows them now, in the order it lists them.
pub fn render(sim: &Sim, r: u8) -> Vec<Rendered> {
    let mut out = Vec::new();
    zeebe(sim, r, &mut out);
    elasticsearch(sim, r, &mut out);
    services(sim, r, &mut out);
    unsupported_component(sim, r, &mut out);
    claims(sim, r, &mut out);
    secrets(sim, r, &mut out);
    leases(sim, r, &mut out);
    if sim.settings.camunda.family87() {
        deployments_87(sim, r, &mut out);
    } else {
        out.push(configuration_88(sim, r));
    }
    out
}

/// The brokers' StatefulSet and its pods.
fn zeebe(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    let w = &sim.workloads[r as usize];
    let brokers: Vec<BrokerId> = sim
        .brokers
        .keys()
        .copied()
        .filter(|b| sim.region_of(*b) == r)
        .collect();
    let broker_pods: Vec<Rendered> = brokers
        .iter()
        .filter_map(|b| broker_pod(sim, r, *b))
        .collect();
    let (first, beside): (Vec<BrokerId>, Vec<BrokerId>) =
        brokers.iter().partition(|b| sim.in_first_statefulset(**b));
    let ready = first.iter().filter(|b| sim.broker_ready(**b)).count() as u32;
    let sts = sim.zeebe_statefulset(r);
    out.push(workload(
        sim,
        r,
        Kind::StatefulSet,
        &sts,
        w.zeebe,
        ready,
        match_labels("zeebe-broker"),
        match_labels("zeebe-broker"),
        broker_container(sim, r),
    ));
    // A migration's zoned StatefulSet (`keepUnzonedBrokers`): its size is its running pods.
    if let Some(b0) = beside.first() {
        let replicas = beside
            .iter()
            .filter(|b| sim.brokers.get(b).is_some_and(|rt| !rt.scaled_down))
            .count() as u32;
        let ready = beside.iter().filter(|b| sim.broker_ready(**b)).count() as u32;
        out.push(workload(
            sim,
            r,
            Kind::StatefulSet,
            &b0.statefulset(RELEASE),
            replicas,
            ready,
            match_labels("zeebe-broker"),
            match_labels("zeebe-broker"),
            broker_container(sim, r),
        ));
    }
    out.extend(broker_pods);
}

/// Elasticsearch's StatefulSet and its pod.
fn elasticsearch(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    let camunda = sim.settings.camunda;
    let w = &sim.workloads[r as usize];
    let es = es_names(camunda);
    let es_up = sim.elasticsearch_running(r);
    out.push(workload(
        sim, r, Kind::StatefulSet, es.statefulset, w.elasticsearch, u32::from(es_up) * w.elasticsearch,
        es.labels.clone(), es.labels.clone(),
        json!({"name": "elasticsearch", "image": format!("elasticsearch:{}", camunda.elasticsearch_version()),
               "ports": [{"name": "rest-api", "containerPort": 9200}]}),
    ));
    if w.elasticsearch > 0 {
        out.push(simple_pod(
            sim,
            r,
            es.pod,
            es.labels.clone(),
            ("StatefulSet", es.statefulset),
            &format!("elasticsearch:{}", camunda.elasticsearch_version()),
            json!([{"name": "rest-api", "containerPort": 9200}]),
            w.elasticsearch_incarnation,
        ));
    }
}

/// The gateway, broker and Elasticsearch Services (regular and headless).
fn services(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    let camunda = sim.settings.camunda;
    let es = es_names(camunda);
    let gateway_selector = if camunda.family87() {
        match_labels("zeebe-gateway")
    } else {
        match_labels("zeebe-broker")
    };
    let gw_ports = json!([
        {"name": "http", "port": 9600, "targetPort": 9600, "protocol": "TCP"},
        {"name": "gateway", "port": 26500, "targetPort": 26500, "protocol": "TCP"},
        {"name": "rest", "port": 8080, "targetPort": 8080, "protocol": "TCP"},
    ]);
    out.push(service(
        sim,
        r,
        "camunda-zeebe-gateway",
        gateway_selector,
        gw_ports,
        false,
        0,
    ));
    out.push(service(
        sim, r, "camunda-zeebe", match_labels("zeebe-broker"),
        json!([{"name": "http", "port": 9600}, {"name": "command", "port": 26501}, {"name": "internal", "port": 26502}]),
        true, 1,
    ));
    out.push(service(
        sim,
        r,
        es.service,
        es.labels.clone(),
        json!([{"name": "tcp-rest-api", "port": 9200}]),
        false,
        2,
    ));
    out.push(service(
        sim,
        r,
        es.headless,
        es.labels.clone(),
        json!([{"name": "tcp-rest-api", "port": 9200}]),
        true,
        3,
    ));
}

/// The `unsupported-component` misconfiguration: an Optimize pod in region 0.
fn unsupported_component(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    if r == 0 && sim.misconfig.contains("unsupported-component") {
        out.push(simple_pod(
            sim,
            r,
            "camunda-optimize-7c9f8d6b5-q2w4e",
            match_labels("optimize"),
            ("ReplicaSet", "camunda-optimize-7c9f8d6b5"),
            "camunda/optimize:8.8.0",
            json!([{"containerPort": 8090}]),
            0,
        ));
    }
}

/// 8.7: the gateway, Operate and Tasklist Deployments and their pods.
fn deployments_87(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    let camunda = sim.settings.camunda;
    let w = &sim.workloads[r as usize];
    let deployments = [
        (
            "camunda-zeebe-gateway",
            "zeebe-gateway",
            w.gateway,
            "camunda/zeebe",
            json!([{"containerPort": 8080}, {"containerPort": 9600}, {"containerPort": 26500}]),
        ),
        (
            "camunda-operate",
            "operate",
            w.operate,
            "camunda/operate",
            json!([{"containerPort": 8080}]),
        ),
        (
            "camunda-tasklist",
            "tasklist",
            w.tasklist,
            "camunda/tasklist",
            json!([{"containerPort": 8080}]),
        ),
    ];
    for (name, component, replicas, image, ports) in deployments {
        let up = !sim.regions[r as usize].failed;
        out.push(workload(
            sim,
            r,
            Kind::Deployment,
            name,
            replicas,
            if up { replicas } else { 0 },
            match_labels(component),
            match_labels(component),
            json!({"name": component, "image": format!("{image}:{}", camunda.version())}),
        ));
        for i in 0..replicas {
            let pod_name = format!(
                "{name}-6f7c9d8b5d-{}",
                ["x2k4p", "m8q1z", "c7v3n"][i as usize % 3]
            );
            out.push(simple_pod(
                sim,
                r,
                &pod_name,
                match_labels(component),
                ("ReplicaSet", &format!("{name}-6f7c9d8b5d")),
                &format!("{image}:{}", camunda.version()),
                ports.clone(),
                w.gateway_incarnation,
            ));
        }
    }
}

/// 8.8+: the orchestration cluster's unified configuration (active Spring profiles, sizes).
fn configuration_88(sim: &Sim, r: u8) -> Rendered {
    let camunda = sim.settings.camunda;
    let profiles = crate::views::profiles(sim.webapps[r as usize].active);
    let ns = namespace(sim, r);
    let name = "camunda-zeebe-configuration-unified";
    let uid = uid_of_owner(&ns, &format!("cm/{name}"));
    let application = format!(
        "spring:\n  profiles:\n    active: \"{profiles}\"\ncamunda:\n  cluster:\n    size: {}\n    partitionCount: {}\n    replicationFactor: {}\n",
        sim.settings.brokers, sim.settings.partitions, sim.settings.replication_factor
    );
    Rendered {
        kind: Kind::ConfigMap,
        name: name.into(),
        uid: uid.clone(),
        value: json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "uid": uid,
                         "creationTimestamp": k8s_time(sim.wall(std::time::Duration::ZERO)),
                         "labels": labels("zeebe-broker", camunda.version())},
            "data": {"application.yaml": application},
        }),
    }
}

/// The namespace's persistent volume claims, bound, created when their install was.
fn claims(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    let ns = namespace(sim, r);
    for (name, created) in &sim.kube[r as usize].pvcs {
        let created_at = k8s_time(sim.wall(*created));
        let uid = uid(&format!("{ns}/pvc/{name}/{}", created.as_millis()));
        let component = if name.contains("-zeebe-") {
            "zeebe-broker"
        } else {
            "elasticsearch"
        };
        out.push(Rendered {
            kind: Kind::PersistentVolumeClaim,
            name: name.clone(),
            uid: uid.clone(),
            value: json!({
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": name, "namespace": ns, "uid": uid,
                             "creationTimestamp": created_at,
                             "labels": match_labels(component),
                             "finalizers": ["kubernetes.io/pvc-protection"]},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                         "resources": {"requests": {"storage": "32Gi"}},
                         "volumeName": format!("pvc-{uid}"), "volumeMode": "Filesystem"},
                "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                           "capacity": {"storage": "32Gi"}},
            }),
        });
    }
}

/// The namespace's Secrets with their data base64-encoded, as the API serves them.
fn secrets(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    use base64::Engine as _;
    let ns = namespace(sim, r);
    let created = k8s_time(sim.wall(sim.kube[r as usize].installed));
    for (name, data) in &sim.kube[r as usize].secrets {
        let uid = uid(&format!("{ns}/secret/{name}"));
        let data: serde_json::Map<String, Value> = data
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!(base64::engine::general_purpose::STANDARD.encode(v)),
                )
            })
            .collect();
        out.push(Rendered {
            kind: Kind::Secret,
            name: name.clone(),
            uid: uid.clone(),
            value: json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": name, "namespace": ns, "uid": uid,
                             "creationTimestamp": created},
                "type": "Opaque",
                "data": data,
            }),
        });
    }
}

/// The namespace's Leases, as clients wrote them ([`super::lease`] keeps them whole).
fn leases(sim: &Sim, r: u8, out: &mut Vec<Rendered>) {
    for (name, lease) in &sim.kube[r as usize].leases {
        out.push(Rendered {
            kind: Kind::Lease,
            name: name.clone(),
            uid: lease["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            value: lease.clone(),
        });
    }
}
