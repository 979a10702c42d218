//! Port-forwarding through the Kubernetes API: a loopback listener whose every accepted
//! connection is tunnelled to a pod (kube-notes §1.5, `pod_portforward_bind.rs`).
//!
//! The pod is chosen per connection: a Ready pod behind the gateway Service, a given broker's
//! pod, or the Elasticsearch pod. A tunnel that breaks (a broker restart kills it) closes its
//! local connection, so the HTTP client's next request opens a new one to a pod that is there.

use super::kube::RegionKube;
use crate::api::BrokerId;
use color_eyre::eyre::{Result, WrapErr};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Which pod a forward goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardTarget {
    /// A Ready pod behind `<release>-zeebe-gateway` (8.8+: broker pods; 8.7: gateway pods).
    Gateway,
    /// One broker's pod: `<release>-zeebe-<id / 2>` in its region, or a zoned broker's
    /// `<release>-zeebe-<zone>-<index>`.
    Broker(BrokerId),
    /// A Ready pod behind the Elasticsearch Service (Bitnami or ECK names).
    Elasticsearch,
}

/// A running port-forward.
pub struct PortForward {
    pub local: SocketAddr,
    pub target: ForwardTarget,
    pub port: u16,
    last_error: Arc<Mutex<Option<String>>>,
    task: JoinHandle<()>,
}

impl Drop for PortForward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PortForward {
    /// Listens on 127.0.0.1 (a free port) and forwards each connection to `port` of the
    /// target's pod.
    pub async fn start(kube: RegionKube, target: ForwardTarget, port: u16) -> Result<PortForward> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .wrap_err_with(|| format!("{}: binding a local port for a port-forward", kube.label))?;
        let local = listener
            .local_addr()
            .wrap_err("reading the port-forward address")?;
        let last_error = Arc::new(Mutex::new(None));
        let errors = last_error.clone();
        let t = target.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    continue;
                };
                let (kube, t, errors) = (kube.clone(), t.clone(), errors.clone());
                tokio::spawn(async move {
                    let result = forward(&kube, &t, port, conn).await;
                    let mut slot = errors.lock().unwrap_or_else(|p| p.into_inner());
                    match result {
                        Ok(()) => {}
                        Err(e) => {
                            tracing::warn!(region = %kube.label, error = %e, "port-forward failed");
                            *slot = Some(e);
                        }
                    }
                });
            }
        });
        Ok(PortForward {
            local,
            target,
            port,
            last_error,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, to use where a direct URL would go.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local)
    }

    /// The last tunnel failure, for the operator.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The pod a new connection goes to.
pub async fn pick_pod(kube: &RegionKube, target: &ForwardTarget) -> Result<String, String> {
    match target {
        ForwardTarget::Broker(b) => Ok(b.pod(&kube.release)),
        ForwardTarget::Gateway => {
            let service = format!("{}-zeebe-gateway", kube.release);
            kube.ready_pods_of_service(&service)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| format!("{}: no Ready pod behind service {service}", kube.label))
        }
        ForwardTarget::Elasticsearch => {
            let mut last = None;
            for service in [
                format!("{}-elasticsearch", kube.release),
                "elasticsearch-es-http".to_string(),
            ] {
                match kube.ready_pods_of_service(&service).await {
                    Ok(pods) if !pods.is_empty() => return Ok(pods[0].clone()),
                    Ok(_) => {
                        last = Some(format!(
                            "{}: no Ready pod behind service {service}",
                            kube.label
                        ))
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| format!("{}: no Elasticsearch service", kube.label)))
        }
    }
}

/// One connection's tunnel. Its errors are words, never an `eyre::Report`: a report captures
/// a backtrace when `RUST_BACKTRACE` is set, and symbolising it held both runtime threads for
/// seconds per failed tunnel, so a region whose brokers refused stopped every observation
/// (the other region's answers went stale and a one-shot `status` called it unreachable:
/// fail_closed::defect8).
async fn forward(
    kube: &RegionKube,
    target: &ForwardTarget,
    port: u16,
    mut conn: TcpStream,
) -> Result<(), String> {
    let pod = pick_pod(kube, target).await?;
    let mut pf = kube
        .pods()
        .portforward(&pod, &[port])
        .await
        .map_err(|e| format!("{}: port-forward to pod {pod}:{port}: {e}", kube.label))?;
    let mut upstream = pf.take_stream(port).ok_or_else(|| {
        format!(
            "{}: port-forward to {pod}:{port} gave no stream",
            kube.label
        )
    })?;
    let error = pf.take_error(port);
    let copied = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
    drop(upstream);
    drop(conn);
    let joined = pf.join().await;
    if let Some(error) = error
        && let Some(message) = error.await
    {
        return Err(format!("{}: pod {pod}:{port}: {message}", kube.label));
    }
    if let Err(e) = copied {
        tracing::debug!(region = %kube.label, %pod, error = %e, "tunnel closed");
    }
    joined.map_err(|e| format!("{}: port-forward to {pod}:{port} ended: {e}", kube.label))
}
