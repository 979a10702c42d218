//! One Kubernetes client per region, built from an explicit context (never the kubeconfig's
//! current-context), and the region's objects c8dr reads and acts on (kube-notes §1.1). The
//! poll loop lists pods on its slow cadence; nothing here keeps a watch open.

use crate::api::{BrokerId, Region};
use color_eyre::eyre::{Result, WrapErr, eyre};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
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

    /// Names of the Ready pods a Service selects, sorted.
    pub async fn ready_pods_of_service(&self, service: &str) -> Result<Vec<String>> {
        let svc =
            self.services().get(service).await.wrap_err_with(|| {
                format!("{}: service {service} in {}", self.label, self.namespace)
            })?;
        let selector: Vec<String> = svc
            .spec
            .and_then(|s| s.selector)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if selector.is_empty() {
            return Err(eyre!("{}: service {service} selects no pods", self.label));
        }
        let pods = self
            .pods()
            .list(&ListParams::default().labels(&selector.join(",")))
            .await
            .wrap_err_with(|| format!("{}: pods of service {service}", self.label))?;
        let mut ready: Vec<String> = pods
            .items
            .iter()
            .filter(|p| is_ready(p))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        ready.sort();
        Ok(ready)
    }
}

/// The pod's `Ready` condition is `True`.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The broker a pod runs, from the chart's naming: `<release>-zeebe-<ordinal>` runs broker
/// `ordinal * 2 + region` (even ids in region 0, odd in region 1).
pub fn broker_of_pod(release: &str, name: &str, region: Region) -> Option<BrokerId> {
    name.strip_prefix(release)
        .and_then(|rest| rest.strip_prefix("-zeebe-"))
        .and_then(|o| o.parse::<u32>().ok())
        // Checked: the name comes from the cluster, and an absurd ordinal must not overflow.
        .and_then(|o| BrokerId::nth_of(region, o))
}
