//! The DNS lookup behind the traffic check: which addresses the public hostname resolves to,
//! asked of a configured nameserver (a port may be given) or the system resolver.
//!
//! Errors are words, not `eyre` reports: this runs every slow poll, and a report captures a
//! backtrace when `RUST_BACKTRACE` is set, symbolised on a runtime thread (see
//! `forward::forward`).
use hickory_resolver::Resolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The addresses `hostname` resolves to now (no cache: every call asks).
pub async fn lookup(
    hostname: &str,
    nameserver: Option<SocketAddr>,
    timeout: Duration,
) -> Result<Vec<IpAddr>, String> {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.cache_size = 0;
    let builder = match nameserver {
        Some(ns) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = ns.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = ns.port();
            let server = NameServerConfig::new(ns.ip(), true, vec![udp, tcp]);
            Resolver::builder_with_config(
                ResolverConfig::from_parts(None, vec![], vec![server]),
                TokioRuntimeProvider::default(),
            )
        }
        None => Resolver::builder_tokio()
            .map_err(|e| format!("reading the system resolver configuration: {e}"))?,
    };
    let resolver = builder
        .with_options(opts)
        .build()
        .map_err(|e| format!("building the DNS resolver: {e}"))?;
    let fqdn = if hostname.ends_with('.') {
        hostname.to_string()
    } else {
        format!("{hostname}.")
    };
    let answer = tokio::time::timeout(
        timeout + Duration::from_secs(1),
        resolver.lookup_ip(fqdn.as_str()),
    )
    .await
    .map_err(|_| format!("DNS lookup of {hostname} timed out"))?
    .map_err(|e| {
        format!(
            "DNS lookup of {hostname} at {}: {e}",
            nameserver.map_or("the system resolver".into(), |n| n.to_string())
        )
    })?;
    let mut ips: Vec<IpAddr> = answer.iter().collect();
    ips.sort();
    Ok(ips)
}
