//! The lab's DNS: an authoritative responder on a loopback UDP (and TCP) port that answers
//! the public hostname of the deployment with the addresses of the region(s) that get user
//! traffic. `POST /lab/traffic/…` changes the answer. hickory-server does the protocol.

use super::sim::Traffic;
use color_eyre::eyre::{Result, WrapErr, eyre};
use hickory_server::Server;
use hickory_server::proto::rr::rdata::{A, SOA};
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordSet, RecordType, RrKey};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The zone the lab is authoritative for (`.test` is reserved for testing, RFC 2606).
pub const ZONE: &str = "lab.c8dr.test.";
/// The hostname users reach Camunda by.
pub const HOSTNAME: &str = "camunda.lab.c8dr.test";
/// Seconds resolvers may cache an answer: short, so a traffic move shows quickly.
const TTL: u32 = 5;

/// The public address of a region's ingress (loopback addresses nothing listens on).
pub fn region_address(r: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 10, 10 + r)
}

fn name(s: &str) -> Result<Name> {
    Name::from_str(s).map_err(|e| eyre!("invalid DNS name {s:?}: {e}"))
}

/// A running responder.
pub struct LabDns {
    pub addr: SocketAddr,
    zone: Arc<InMemoryZoneHandler>,
    host: Name,
    server: tokio::task::JoinHandle<()>,
    stop: Arc<tokio::sync::Notify>,
}

fn a_records(host: &Name, traffic: Traffic) -> RecordSet {
    let regions: Vec<u8> = match traffic {
        Traffic::Region(r) => vec![r],
        Traffic::Both => vec![0, 1],
    };
    let mut set = RecordSet::with_ttl(host.clone(), RecordType::A, TTL);
    set.set_records(
        regions
            .into_iter()
            .map(|r| Record::from_rdata(host.clone(), TTL, RData::A(A(region_address(r)))))
            .collect(),
    );
    set
}

impl LabDns {
    pub async fn start(traffic: Traffic) -> Result<LabDns> {
        let origin = name(ZONE)?;
        let host = name(&format!("{HOSTNAME}."))?;
        let mut zone =
            InMemoryZoneHandler::empty(origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
        let soa = SOA::new(
            name(&format!("ns.{ZONE}"))?,
            name(&format!("hostmaster.{ZONE}"))?,
            1,
            3600,
            600,
            86400,
            TTL,
        );
        zone.upsert_mut(Record::from_rdata(origin.clone(), TTL, RData::SOA(soa)), 1);
        zone.records_get_mut().insert(
            RrKey::new(LowerName::new(&host), RecordType::A),
            Arc::new(a_records(&host, traffic)),
        );
        let zone = Arc::new(zone);
        let mut catalog = Catalog::new();
        catalog.upsert(
            LowerName::new(&origin),
            vec![zone.clone() as Arc<dyn ZoneHandler>],
        );
        // UDP and TCP on the same port number: pick a free UDP port, retry if its TCP twin
        // is taken by another listener.
        let mut attempt = 0;
        let (udp, tcp, addr) = loop {
            let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .wrap_err("binding the lab's DNS port")?;
            let addr = udp.local_addr().wrap_err("reading the DNS address")?;
            match tokio::net::TcpListener::bind(addr).await {
                Ok(tcp) => break (udp, tcp, addr),
                Err(e) if attempt < 20 => {
                    attempt += 1;
                    tracing::debug!(%addr, error = %e, "lab DNS: TCP twin port taken, retrying");
                }
                Err(e) => return Err(e).wrap_err("binding the lab's DNS TCP port"),
            }
        };
        let mut server = Server::new(catalog);
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 4096);
        let stop = Arc::new(tokio::sync::Notify::new());
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            tokio::select! {
                _ = server.block_until_done() => {}
                _ = stopped.notified() => {
                    let _ = server.shutdown_gracefully().await;
                }
            }
        });
        Ok(LabDns {
            addr,
            zone,
            host,
            server: task,
            stop,
        })
    }

    /// Points the hostname at the region(s) now receiving traffic.
    pub async fn set_traffic(&self, traffic: Traffic) {
        let mut records = self.zone.records_mut().await;
        records.insert(
            RrKey::new(LowerName::new(&self.host), RecordType::A),
            Arc::new(a_records(&self.host, traffic)),
        );
    }

    pub async fn shutdown(self) {
        self.stop.notify_one();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
    }
}
