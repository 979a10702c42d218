//! Pod port-forward over WebSocket, as kube-rs speaks it (`v4.channel.k8s.io`): per port a
//! data channel `2i` and an error channel `2i+1`, each opened by a frame carrying the port
//! (u16 little-endian), then frames prefixed with their channel byte.
//!
//! The lab connects each forwarded port to the listener that plays that container port
//! (a broker's management API, the region's REST gateway, Elasticsearch). The tunnel breaks
//! when the pod goes away, as a real one does when its broker restarts.

use super::{Ctx, objects, upgrade_error};
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::mpsc;

/// What a pod's container port leads to, if anything is listening there now.
fn target(ctx: &Ctx, pod: &str, port: u16) -> Result<SocketAddr, String> {
    let r = ctx.region;
    let (camunda, es_running) = ctx
        .shared
        .with(|sim| (sim.settings.camunda, sim.elasticsearch_running(r)));
    let es = objects::es_names(camunda);
    let refused = |what: &str| Err(format!("error forwarding port {port} to pod {pod}: {what}"));
    if let Some(b) = ctx.shared.with(|sim| sim.broker_of_pod(r, pod)) {
        if !ctx.shared.with(|sim| sim.reachable(b)) {
            return refused("container is not running");
        }
        return match port {
            9600 => ctx
                .ports
                .brokers
                .get(&b)
                .copied()
                .ok_or_else(|| format!("no broker {b}")),
            8080 if !camunda.family87() => Ok(ctx.ports.region_rest),
            _ => refused("connection refused (port not served by the lab)"),
        };
    }
    if pod.starts_with("camunda-zeebe-gateway-") {
        return match port {
            9600 => Ok(ctx.ports.region_management),
            8080 => Ok(ctx.ports.region_rest),
            _ => refused("connection refused (port not served by the lab)"),
        };
    }
    if pod == es.pod {
        if !es_running {
            return refused("container is not running");
        }
        return match port {
            9200 => Ok(ctx.ports.region_elasticsearch),
            _ => refused("connection refused (port not served by the lab)"),
        };
    }
    refused("connection refused")
}

fn ports_of(q: &[(String, String)]) -> Result<Vec<u16>, String> {
    let mut ports = vec![];
    for (_, v) in q.iter().filter(|(k, _)| k == "ports") {
        for p in v.split(',').filter(|p| !p.is_empty()) {
            ports.push(
                p.trim()
                    .parse::<u16>()
                    .map_err(|_| format!("invalid port {p:?}"))?,
            );
        }
    }
    if ports.is_empty() {
        return Err("at least one port must be specified".into());
    }
    Ok(ports)
}

pub async fn handle(
    State(ctx): State<Ctx>,
    Path((ns, pod)): Path<(String, String)>,
    Query(q): Query<Vec<(String, String)>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        return upgrade_error(
            "the lab forwards ports over WebSocket (v4.channel.k8s.io) only, not SPDY",
        );
    };
    let ports = match ports_of(&q) {
        Ok(p) => p,
        Err(e) => return upgrade_error(&e),
    };
    let exists = ctx.synced(|s| s.get(objects::Kind::Pod, &pod).is_some());
    if !exists || ns != ctx.namespace {
        return super::not_found(objects::Kind::Pod, &pod);
    }
    let targets: Vec<Result<SocketAddr, String>> =
        ports.iter().map(|p| target(&ctx, &pod, *p)).collect();
    ws.protocols(["v4.channel.k8s.io", "v5.channel.k8s.io"])
        .on_upgrade(move |socket| run(socket, ctx, pod, ports, targets))
}

enum Out {
    Frame(Vec<u8>),
    Closed,
}

/// Copies what the target sends into data frames of channel `ch`, then reports it closed.
async fn pump(mut rd: tokio::net::tcp::OwnedReadHalf, ch: u8, tx: mpsc::Sender<Out>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut frame = Vec::with_capacity(n + 1);
                frame.push(ch);
                frame.extend_from_slice(&buf[..n]);
                if tx.send(Out::Frame(frame)).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx.send(Out::Closed).await;
}

async fn run(
    socket: WebSocket,
    ctx: Ctx,
    pod: String,
    ports: Vec<u16>,
    targets: Vec<Result<SocketAddr, String>>,
) {
    let (mut sink, mut stream) = socket.split();
    for (i, port) in ports.iter().enumerate() {
        let [lo, hi] = port.to_le_bytes();
        for ch in [2 * i as u8, 2 * i as u8 + 1] {
            if sink
                .send(Message::Binary(Bytes::from(vec![ch, lo, hi])))
                .await
                .is_err()
            {
                return;
            }
        }
    }
    let (out_tx, mut out_rx) = mpsc::channel::<Out>(64);
    let mut writers: Vec<Option<OwnedWriteHalf>> = Vec::new();
    let mut open = 0;
    for (i, t) in targets.into_iter().enumerate() {
        let connected = match t {
            Ok(addr) => TcpStream::connect(addr)
                .await
                .map_err(|e| format!("error forwarding port {} to pod {pod}: {e}", ports[i])),
            Err(e) => Err(e),
        };
        match connected {
            Ok(tcp) => {
                let (rd, wr) = tcp.into_split();
                writers.push(Some(wr));
                open += 1;
                tokio::spawn(pump(rd, 2 * i as u8, out_tx.clone()));
            }
            Err(message) => {
                writers.push(None);
                let mut frame = vec![2 * i as u8 + 1];
                frame.extend_from_slice(message.as_bytes());
                let _ = sink.send(Message::Binary(Bytes::from(frame))).await;
            }
        }
    }
    drop(out_tx);
    let ordinal_broker = ctx.shared.with(|sim| sim.broker_of_pod(ctx.region, &pod));
    while open > 0 {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(b))) if b.len() > 1 => {
                    let idx = usize::from(b[0] / 2);
                    if b[0] % 2 == 0
                        && let Some(Some(w)) = writers.get_mut(idx)
                        && w.write_all(&b[1..]).await.is_err()
                    {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                _ => {}
            },
            out = out_rx.recv() => match out {
                Some(Out::Frame(f)) => {
                    if sink.send(Message::Binary(Bytes::from(f))).await.is_err() {
                        break;
                    }
                }
                Some(Out::Closed) => open -= 1,
                None => break,
            },
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                // The pod went away (broker restarted, region failed, lab stopping): a real
                // tunnel breaks with it.
                let gone = ordinal_broker.is_some_and(|b| !ctx.shared.with(|sim| sim.reachable(b)));
                if gone || ctx.stopping() {
                    break;
                }
            }
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}
