//! One Kubernetes client per region, built from an explicit context (never the kubeconfig's
//! current-context), and the region's objects c8dr reads and acts on (kube-notes §1.1). The
//! poll loop lists pods on its slow cadence; nothing here keeps a watch open.

use crate::api::{BrokerId, Region};
use color_eyre::eyre::{Result, WrapErr};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service};
use kube::Api;
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::Path;
use std::time::Duration;

/// Where a region's Kubernetes objects are.
#[derive(Clone)]
pub struct RegionKube {
    /// For messages: "region 1 (paris)".
    pub label: String,
    pub context: String,
    pub namespace: String,
    /// The Helm release (object names are `<release>-zeebe`, …).
    pub release: String,
    pub client: kube::Client,
}

impl RegionKube {
    /// A client for `context` from `kubeconfig` (or `$KUBECONFIG` / `~/.kube/config`).
    pub async fn connect(
        label: &str,
        context: &str,
        namespace: &str,
        release: &str,
        kubeconfig: Option<&Path>,
    ) -> Result<RegionKube> {
        let opts = KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        let config = match kubeconfig {
            Some(path) => {
                let file = Kubeconfig::read_from(path)
                    .wrap_err_with(|| format!("{label}: reading kubeconfig {}", path.display()))?;
                kube::Config::from_custom_kubeconfig(file, &opts).await
            }
            None => kube::Config::from_kubeconfig(&opts).await,
        }
        .wrap_err_with(|| format!("{label}: kube context {context:?}"))?;
        let mut config = config;
        // Fail fast on a dead API server instead of hanging the region's observations.
        config.connect_timeout = Some(Duration::from_secs(5));
        let client = kube::Client::try_from(config)
            .wrap_err_with(|| format!("{label}: kube client for context {context:?}"))?;
        Ok(RegionKube {
            label: label.to_string(),
            context: context.to_string(),
            namespace: namespace.to_string(),
            release: release.to_string(),
            client,
        })
    }

    pub fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub fn statefulsets(&self) -> Api<StatefulSet> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub fn configmaps(&self) -> Api<ConfigMap> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub fn services(&self) -> Api<Service> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub fn claims(&self) -> Api<PersistentVolumeClaim> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// The namespace's Leases (the run lease, `crate::model::run_lease::NAME`).
    pub fn leases(&self) -> Api<Lease> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub fn secrets(&self) -> Api<Secret> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// The SHA-256 digest (hex) of a Secret's key, `None` when the secret or the key is absent.
    /// The value itself is dropped here: it never reaches facts, logs or errors.
    pub async fn secret_digest(
        &self,
        secret: &str,
        key: &str,
    ) -> Result<Option<String>, super::SourceError> {
        let s = self.secrets().get_opt(secret).await.map_err(|e| {
            super::SourceError::Kube(format!(
                "secret {secret} in {}: {}",
                self.namespace,
                kube_error(&e)
            ))
        })?;
        Ok(s.and_then(|s| s.data)
            .and_then(|mut d| d.remove(key))
            .map(|v| crate::runbook::audit::digest(&v.0)))
    }

    /// Names of the Ready pods a Service selects, sorted. The error is words, not a report:
    /// this runs for every port-forwarded connection, and a report captures a backtrace
    /// (see `forward`).
    pub async fn ready_pods_of_service(&self, service: &str) -> Result<Vec<String>, String> {
        let svc = self.services().get(service).await.map_err(|e| {
            format!(
                "{}: service {service} in {}: {}",
                self.label,
                self.namespace,
                kube_error(&e)
            )
        })?;
        let selector: Vec<String> = svc
            .spec
            .and_then(|s| s.selector)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if selector.is_empty() {
            return Err(format!("{}: service {service} selects no pods", self.label));
        }
        let pods = self
            .pods()
            .list(&ListParams::default().labels(&selector.join(",")))
            .await
            .map_err(|e| {
                format!(
                    "{}: pods of service {service}: {}",
                    self.label,
                    kube_error(&e)
                )
            })?;
        let mut ready: Vec<String> = pods
            .items
            .iter()
            .filter(|p| is_ready(p))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        ready.sort();
        Ok(ready)
    }

    /// Claims and pods an earlier install left: a claim (`<template>-<set>-N`) or a pod of a
    /// StatefulSet (`<set>-N`) belongs to the current install only when its StatefulSet exists
    /// and is not younger than it. Pods of Deployments are not judged (they never hold data).
    pub async fn leftovers(
        &self,
    ) -> Result<crate::runbook::check_kube::Leftovers, super::SourceError> {
        let lp = ListParams::default();
        let kube = |what: &str, e: kube::Error| {
            super::SourceError::Kube(format!("{what} in {}: {}", self.namespace, kube_error(&e)))
        };
        let sets = self
            .statefulsets()
            .list(&lp)
            .await
            .map_err(|e| kube("statefulsets", e))?;
        let claims = self
            .claims()
            .list(&lp)
            .await
            .map_err(|e| kube("claims", e))?;
        let pods = self.pods().list(&lp).await.map_err(|e| kube("pods", e))?;
        let sets: Vec<(String, Option<jiff::Timestamp>)> = sets
            .items
            .into_iter()
            .filter_map(|s| Some((s.metadata.name?, s.metadata.creation_timestamp.map(|t| t.0))))
            .collect();
        // The broker StatefulSet's birth: the numbered `<release>-zeebe`, else a zone-aware
        // release's `<release>-zeebe-<zone>` (the newest, should there be several).
        let numbered = format!("{}-zeebe", self.release);
        let zoned = format!("{numbered}-");
        let installed = sets
            .iter()
            .find(|(n, _)| *n == numbered)
            .and_then(|(_, t)| *t)
            .or_else(|| {
                sets.iter()
                    .filter(|(n, _)| n.starts_with(&zoned) && !n.ends_with("-gateway"))
                    .filter_map(|(_, t)| *t)
                    .max()
            });
        let current = |name: &str, created: Option<jiff::Timestamp>| {
            sets.iter().any(|(set, born)| {
                of_statefulset(name, set)
                    && match (born, created) {
                        (Some(b), Some(c)) => c >= *b,
                        _ => true,
                    }
            })
        };
        let mut pvcs: Vec<String> = claims
            .items
            .into_iter()
            .filter_map(|c| {
                let created = c.metadata.creation_timestamp.map(|t| t.0);
                c.metadata.name.filter(|n| !current(n, created))
            })
            .collect();
        let mut old_pods: Vec<String> = pods
            .items
            .into_iter()
            .filter(|p| {
                p.metadata
                    .owner_references
                    .as_ref()
                    .is_none_or(|o| o.iter().all(|o| o.kind == "StatefulSet"))
            })
            .filter_map(|p| {
                let created = p.metadata.creation_timestamp.map(|t| t.0);
                p.metadata
                    .name
                    .filter(|n| ordinal_base(n).is_some() && !current(n, created))
            })
            .collect();
        pvcs.sort();
        old_pods.sort();
        Ok(crate::runbook::check_kube::Leftovers {
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            installed: installed.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()),
            pvcs,
            pods: old_pods,
        })
    }
}

/// `name` without its `-N` ordinal, when it has one.
fn ordinal_base(name: &str) -> Option<&str> {
    let (base, n) = name.rsplit_once('-')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(base)
}

/// A pod (`<set>-N`) or claim (`<template>-<set>-N`) of StatefulSet `set`.
fn of_statefulset(name: &str, set: &str) -> bool {
    ordinal_base(name).is_some_and(|b| b == set || b.ends_with(&format!("-{set}")))
}

/// The pod's `Ready` condition is `True`.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The broker a pod runs, from the chart's naming (the inverse of [`BrokerId::pod`]):
/// `<release>-zeebe-<ordinal>` runs numbered broker `ordinal * 2 + region` (even ids in region
/// 0, odd in region 1); `<release>-zeebe-<zone>-<ordinal>` (8.10's zoned StatefulSet
/// `<release>-zeebe-<zone>`, zone-aware-dual-region.md §4.2) runs `<zone>_<ordinal>`. The
/// ordinal is what follows the last `-`, so zones such as `eu-west-1` or `us_east` keep theirs.
/// Pods of Deployments never get here (see `table::pods`).
pub fn broker_of_pod(release: &str, name: &str, region: Region) -> Option<BrokerId> {
    let rest = name.strip_prefix(release)?.strip_prefix("-zeebe-")?;
    let (zone, ordinal) = match rest.rsplit_once('-') {
        Some((zone, ordinal)) => (Some(zone), ordinal),
        None => (None, rest),
    };
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ordinal = ordinal.parse::<u32>().ok()?;
    match zone {
        // Checked: the name comes from the cluster, and an absurd ordinal must not overflow.
        None => BrokerId::nth_of(region, ordinal),
        // A zone name the interner refuses (empty, too long, too many) is no broker of ours.
        Some(zone) => crate::api::Zone::new(zone)
            .ok()
            .map(|z| BrokerId::zoned(z, ordinal)),
    }
}

/// A Kubernetes API error in words: the API's own message, or the transport's.
fn kube_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("HTTP {}: {}", s.code, s.message),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Zone;

    #[test]
    fn pods_map_to_broker_ids_both_ways_numbered_and_zoned() {
        let zoned = |z: &str, i| BrokerId::zoned(Zone::new(z).unwrap(), i);
        for (id, region) in [
            (BrokerId::Numbered(0), Region::ZERO),
            (BrokerId::Numbered(7), Region::ONE),
            (zoned("london", 0), Region::ZERO),
            (zoned("paris", 3), Region::ONE),
            (zoned("eu-west-1", 12), Region::ZERO),
            (zoned("us_east", 1), Region::ONE),
            (zoned("zone-a_b-2", 0), Region::ONE),
        ] {
            let pod = id.pod("camunda");
            assert_eq!(broker_of_pod("camunda", &pod, region), Some(id), "{pod}");
        }
        assert_eq!(
            zoned("eu-west-1", 2).pod("camunda"),
            "camunda-zeebe-eu-west-1-2"
        );
        // A numbered pod next to zoned ones (a migration): its numbered id, by parity.
        assert_eq!(
            broker_of_pod("camunda", "camunda-zeebe-3", Region::ONE),
            Some(BrokerId::Numbered(7))
        );
        assert_eq!(
            broker_of_pod("camunda", "camunda-zeebe-paris-3", Region::ONE),
            Some(zoned("paris", 3))
        );
        for other in [
            "camunda-zeebe-gateway",
            "camunda-zeebe-paris",
            "camunda-zeebe-paris-x",
            "camunda-zeebe--1",
            "camunda-operate-0",
            "other-zeebe-0",
            "camunda-zeebe-",
        ] {
            assert_eq!(
                broker_of_pod("camunda", other, Region::ZERO),
                None,
                "{other}"
            );
        }
    }
}
