//! The lab: a simulated dual-region Camunda 8 deployment on loopback, speaking the real wire
//! protocols so that every client path that talks to a real cluster is exercised unchanged.
//!
//! `start` binds every listener on 127.0.0.1 (free ports), writes a c8dr config for the lab
//! into its directory and returns a handle whose [`Ready`] line tells where everything is.
//! The lab depends on `c8dr-api` only, never on the cockpit.

pub mod dns;
pub mod files;
pub mod kube;
pub mod metrics;
pub mod server;
pub mod sim;
pub mod views;

use c8dr_api::BrokerId;
use color_eyre::eyre::{Result, WrapErr, bail};
use serde::Serialize;
use server::faults::{Flavour, Target};
use server::{RestAuth, Shared, Up};
use sim::{Camunda, Entry, Settings, Sim};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How to build the lab (the `c8dr lab` flags).
#[derive(Debug, Clone)]
pub struct Options {
    pub camunda: Camunda,
    pub brokers: u32,
    pub partitions: u32,
    pub replication_factor: u32,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Where the lab writes its files; a fresh temporary directory when `None`.
    pub dir: Option<PathBuf>,
    /// 8.10 zone-aware mode (`--zones london,paris`): region i's zone; `None` for numbered
    /// broker ids.
    pub zones: Option<[String; 2]>,
    /// With `zones`: start numbered, the zoned StatefulSets beside the numbered brokers, for
    /// the migration (`PUT /actuator/cluster/partitioning`, then `PUT …/zones`).
    pub migrate: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            camunda: Camunda::V88,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
            speed: 1.0,
            dir: None,
            zones: None,
            migrate: false,
        }
    }
}

impl Options {
    /// Rejects shapes a dual-region lab cannot have; RF may differ from 4 on purpose.
    pub fn validate(&self) -> Result<()> {
        if self.brokers < 4 || !self.brokers.is_multiple_of(2) {
            bail!(
                "--brokers must be even and at least 4 (got {})",
                self.brokers
            );
        }
        if self.brokers > 256 {
            bail!("--brokers must be at most 256 (got {})", self.brokers);
        }
        if self.partitions < 1 || self.partitions > 1024 {
            bail!(
                "--partitions must be between 1 and 1024 (got {})",
                self.partitions
            );
        }
        if self.replication_factor < 1 || self.replication_factor > self.brokers {
            bail!(
                "--replication-factor must be between 1 and the number of brokers {} (got {})",
                self.brokers,
                self.replication_factor
            );
        }
        if self.migrate && self.zones.is_none() {
            bail!("--migrate needs --zones (the zones the numbered brokers migrate to)");
        }
        if let Some(zones) = &self.zones {
            self.zones()?;
            if self.camunda < Camunda::V810 {
                bail!(
                    "--zones needs --camunda 8.10: zone-aware clusters exist from Camunda 8.10 on \
                     (got --camunda {})",
                    self.camunda.label()
                );
            }
            if zones[0] == zones[1] {
                bail!(
                    "--zones needs two different zone names (got {} twice)",
                    zones[0]
                );
            }
            if self.replication_factor < 2 || !self.replication_factor.is_multiple_of(2) {
                bail!(
                    "--zones needs an even --replication-factor, half of it in each zone (got {})",
                    self.replication_factor
                );
            }
        }
        if !(self.speed.is_finite() && self.speed > 0.0 && self.speed <= 1000.0) {
            bail!(
                "--speed must be a number above 0 and at most 1000 (got {})",
                self.speed
            );
        }
        Ok(())
    }

    /// The zones, checked as zone names.
    pub fn zones(&self) -> Result<Option<[c8dr_api::Zone; 2]>> {
        let Some([a, b]) = &self.zones else {
            return Ok(None);
        };
        let z =
            |n: &str| c8dr_api::Zone::new(n).map_err(|e| color_eyre::eyre::eyre!("--zones: {e}"));
        Ok(Some([z(a)?, z(b)?]))
    }
}

/// Where the lab's endpoints are: serialized as the one JSON line `c8dr lab` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Ready {
    pub control: String,
    pub config: PathBuf,
    pub camunda: &'static str,
    pub rest_auth: ReadyAuth,
    pub regions: Vec<ReadyRegion>,
    pub brokers: Vec<ReadyBroker>,
    /// A kubeconfig with one context per region (no current-context).
    pub kubeconfig: PathBuf,
    /// The same deployment configured through the kubeconfig only (port-forwards).
    pub config_kube: PathBuf,
    /// The DNS responder answering `traffic_hostname`.
    pub dns: String,
    pub traffic_hostname: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReadyAuth {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReadyRegion {
    pub id: u8,
    pub name: String,
    pub rest: String,
    pub management: String,
    pub elasticsearch: String,
    /// The region's Kubernetes API server and its context in `kubeconfig`.
    pub kube_api: String,
    pub kube_context: String,
    pub namespace: String,
    /// The address DNS gives the traffic hostname while this region gets user traffic.
    pub traffic_address: String,
    /// 8.10 zone-aware: the region's zone (its brokers are `<zone>_<n>`); absent when numbered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// 8.9+: the region's Elasticsearch `elastic` user (ECK; each region has its own
    /// password); absent when Elasticsearch is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elasticsearch_auth: Option<ReadyAuth>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReadyBroker {
    /// An integer when numbered, the string `<zone>_<n>` when zoned.
    pub id: c8dr_api::BrokerId,
    pub region: u8,
    pub management: String,
}

/// A running lab. Dropping it without `shutdown` leaves its tasks to the runtime.
pub struct Lab {
    pub ready: Ready,
    pub dir: PathBuf,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    _tempdir: Option<tempfile::TempDir>,
}

fn local(l: &TcpListener) -> Result<std::net::SocketAddr> {
    l.local_addr().wrap_err("reading a listener's address")
}

fn base_url(l: &TcpListener) -> Result<String> {
    Ok(format!(
        "http://{}",
        l.local_addr().wrap_err("reading a listener's address")?
    ))
}

async fn bind() -> Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
        .await
        .wrap_err("binding a loopback port for the lab")
}

/// Where the lab keeps its files: the given directory, or a temporary one removed with the lab.
fn lab_dir(dir: &Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    match dir {
        Some(d) => {
            std::fs::create_dir_all(d)
                .wrap_err_with(|| format!("creating the lab directory {}", d.display()))?;
            Ok((d.clone(), None))
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("c8dr-lab-")
                .tempdir()
                .wrap_err("creating a temporary directory for the lab")?;
            Ok((t.path().to_path_buf(), Some(t)))
        }
    }
}

/// Starts the lab's listeners and background tasks, all stopped by one shutdown signal.
struct Launcher {
    shared: Arc<Shared>,
    shutdown_rx: watch::Receiver<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Each region's REST, management and Elasticsearch addresses, in region order.
type RegionAddrs = Vec<(SocketAddr, SocketAddr, SocketAddr)>;

impl Launcher {
    /// Serves `router` on `listener`. Every Camunda and Elasticsearch listener is guarded by
    /// the fault/request-log layer and open while its region (or broker) is up and no `refuse`
    /// fault stands on it.
    fn spawn(
        &mut self,
        listener: TcpListener,
        router: axum::Router,
        target: Option<Target>,
        up: server::UpPredicate,
    ) {
        let (router, pred) = match target {
            Some(target) => {
                let name = target.name.clone();
                let guarded = router.layer(axum::middleware::from_fn_with_state(
                    (self.shared.clone(), Arc::new(target)),
                    server::faults::guard,
                ));
                let pred: server::UpPredicate =
                    Arc::new(move |u: &Up| up(u) && !u.refused.contains(&name));
                (guarded, pred)
            }
            None => (router, up),
        };
        let index = self.shared.register(pred);
        self.tasks.push(tokio::spawn(server::supervise(
            self.shared.clone(),
            index,
            listener,
            router,
            self.shutdown_rx.clone(),
        )));
    }

    /// Each region's gateway REST, management and Elasticsearch listeners.
    async fn regions(
        &mut self,
        names: &[String],
        camunda: Camunda,
    ) -> Result<(Vec<ReadyRegion>, RegionAddrs)> {
        let mut regions = Vec::new();
        let mut addrs = Vec::new();
        for (id, name) in names.iter().enumerate() {
            let r = id as u8;
            let (rest, mgmt, es) = (bind().await?, bind().await?, bind().await?);
            addrs.push((local(&rest)?, local(&mgmt)?, local(&es)?));
            regions.push(ReadyRegion {
                id: r,
                name: name.clone(),
                rest: base_url(&rest)?,
                management: base_url(&mgmt)?,
                elasticsearch: base_url(&es)?,
                kube_api: String::new(),
                kube_context: format!("c8dr-lab-{name}"),
                namespace: format!("camunda-{name}"),
                traffic_address: dns::region_address(r).to_string(),
                zone: None,
                elasticsearch_auth: None,
            });
            let up: server::UpPredicate = Arc::new(move |u: &Up| u.gateways[id]);
            let es_up: server::UpPredicate = Arc::new(move |u: &Up| u.elasticsearch[id]);
            // From 8.8 the gateway runs inside the broker pods, so its Service is subject to
            // their roll-outs; the 8.7 gateway is a Deployment of its own.
            let gateway_of = (!camunda.family87()).then_some(r);
            let target = |kind: &str, of: Option<u8>, flavour: Flavour| {
                Some(Target::new(format!("region{r}.{kind}"), of, flavour))
            };
            let shared = self.shared.clone();
            self.spawn(
                rest,
                server::gateway::router(shared.clone(), r),
                target("rest", gateway_of, Flavour::Rest),
                up.clone(),
            );
            self.spawn(
                mgmt,
                server::management::router(shared.clone(), Entry::Gateway(r)),
                target("management", gateway_of, Flavour::Management),
                up,
            );
            self.spawn(
                es,
                server::elasticsearch::router(shared, r),
                target("elasticsearch", None, Flavour::Elasticsearch),
                es_up,
            );
        }
        Ok((regions, addrs))
    }

    /// Each broker's own management listener.
    async fn brokers(&mut self) -> Result<(Vec<ReadyBroker>, HashMap<BrokerId, SocketAddr>)> {
        let mut brokers = Vec::new();
        let mut addrs = HashMap::new();
        let ids: Vec<(BrokerId, u8)> = self.shared.with(|sim| {
            sim.brokers
                .keys()
                .map(|b| (*b, sim.region_of(*b)))
                .collect()
        });
        for (b, region) in ids {
            let id = b;
            let mgmt = bind().await?;
            addrs.insert(id, local(&mgmt)?);
            brokers.push(ReadyBroker {
                id,
                region,
                management: base_url(&mgmt)?,
            });
            let up: server::UpPredicate =
                Arc::new(move |u: &Up| u.brokers.get(&b).copied().unwrap_or(false));
            let router = server::management::router(self.shared.clone(), Entry::Broker(b));
            let target = Target::new(format!("broker{id}.management"), None, Flavour::Management);
            self.spawn(mgmt, router, Some(target), up);
        }
        Ok((brokers, addrs))
    }

    /// A Kubernetes API server per region, over the listeners above; fills in `kube_api`.
    async fn kube_apis(
        &mut self,
        regions: &mut [ReadyRegion],
        region_addrs: &RegionAddrs,
        broker_addrs: &HashMap<BrokerId, SocketAddr>,
    ) -> Result<()> {
        for (id, (rest, mgmt, es)) in region_addrs.iter().enumerate() {
            let r = id as u8;
            let api = bind().await?;
            if let Some(region) = regions.get_mut(id) {
                region.kube_api = base_url(&api)?;
            }
            let ports = kube::PortMap {
                region_rest: *rest,
                region_management: *mgmt,
                region_elasticsearch: *es,
                brokers: broker_addrs
                    .iter()
                    .filter(|(b, _)| self.shared.with(|sim| sim.region_of(**b)) == r)
                    .map(|(b, a)| (*b, *a))
                    .collect(),
            };
            let namespace = self.shared.with(|sim| kube::objects::namespace(sim, r));
            let ctx = kube::KubeServer::new(
                self.shared.clone(),
                r,
                namespace,
                ports,
                self.shutdown_rx.clone(),
            );
            self.spawn(
                api,
                kube::router(ctx),
                None,
                Arc::new(move |u: &Up| u.regions[id]),
            );
        }
        Ok(())
    }

    /// DNS for the user-traffic hostname, following `POST /lab/traffic/…`; returns its address.
    async fn dns(&mut self) -> Result<SocketAddr> {
        let initial_traffic = self.shared.with(|sim| sim.traffic);
        let dns = dns::LabDns::start(initial_traffic).await?;
        let addr = dns.addr;
        self.shared.set_dns_applied(initial_traffic);
        let shared = self.shared.clone();
        let mut stop = self.shutdown_rx.clone();
        let mut up = self.shared.subscribe();
        self.tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    changed = up.changed() => {
                        if changed.is_err() { break }
                        let traffic = up.borrow().traffic;
                        dns.set_traffic(traffic).await;
                        shared.set_dns_applied(traffic);
                    }
                    _ = stop.changed() => break,
                }
            }
            dns.shutdown().await;
        }));
        Ok(addr)
    }

    /// The clock: changes progress and positions advance even when nobody asks. It ticks
    /// about every 0.4 simulated seconds (every 20 ms at ×20, the tests' speed; every
    /// 100 ms at most): every request ticks the simulation anyway, so this only moves what
    /// nobody asks about, and a demo at ×1 does not wake 50 times a second for it.
    fn clock(&mut self) {
        let shared = self.shared.clone();
        let mut stop = self.shutdown_rx.clone();
        self.tasks.push(tokio::spawn(async move {
            loop {
                let every = Duration::from_secs_f64(0.4 / shared.speed().max(0.001))
                    .clamp(Duration::from_millis(20), Duration::from_millis(100));
                tokio::select! {
                    _ = tokio::time::sleep(every) => shared.with(|_| ()),
                    _ = stop.changed() => return,
                }
            }
        }));
    }
}

impl Lab {
    /// Starts every listener and the simulation clock.
    pub async fn start(options: Options) -> Result<Lab> {
        options.validate()?;
        let (dir, tempdir) = lab_dir(&options.dir)?;
        let settings = Settings {
            camunda: options.camunda,
            brokers: options.brokers,
            partitions: options.partitions,
            replication_factor: options.replication_factor,
        };
        let mut sim = match options.zones()? {
            Some(zones) if options.migrate => {
                Sim::new_migrating(settings, zones, jiff::Timestamp::now())
            }
            Some(zones) => Sim::new_zoned(settings, zones, jiff::Timestamp::now()),
            None => Sim::new(settings, jiff::Timestamp::now()),
        };
        let auth = RestAuth {
            username: "demo".into(),
            password: files::random_secret(),
        };
        let rest_auth = (!options.camunda.family87()).then(|| auth.clone());
        // 8.9 (ECK): each region's Elasticsearch has its own generated `elastic` password.
        let es_auth = (options.camunda >= Camunda::V89).then(|| {
            [0, 1].map(|_| ReadyAuth {
                username: "elastic".into(),
                password: files::random_secret(),
            })
        });
        if let Some(a) = &es_auth {
            sim.install_es_passwords([a[0].password.clone(), a[1].password.clone()]);
        }
        let region_names: Vec<String> = sim.regions.iter().map(|r| r.name.clone()).collect();
        let es_user = es_auth.as_ref().map(|a| a[0].username.clone());
        let shared = Shared::new(sim, options.speed, rest_auth, es_user);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut launch = Launcher {
            shared: shared.clone(),
            shutdown_rx,
            tasks: Vec::new(),
        };

        let control = bind().await?;
        let control_url = base_url(&control)?;
        let router = server::control::router(shared.clone());
        launch.spawn(control, router, None, Arc::new(|_: &Up| true));
        let (mut regions, region_addrs) = launch.regions(&region_names, options.camunda).await?;
        if let Some(a) = es_auth {
            for (region, auth) in regions.iter_mut().zip(a) {
                region.elasticsearch_auth = Some(auth);
            }
        }
        let (brokers, broker_addrs) = launch.brokers().await?;
        for r in regions.iter_mut() {
            r.zone = shared.with(|sim| sim.zone_of_region(r.id).map(|z| z.to_string()));
        }
        launch
            .kube_apis(&mut regions, &region_addrs, &broker_addrs)
            .await?;
        let dns_addr = launch.dns().await?;
        launch.clock();

        let mut ready = Ready {
            control: control_url,
            config: dir.join("c8dr.toml"),
            camunda: options.camunda.label(),
            rest_auth: ReadyAuth {
                username: auth.username.clone(),
                password: auth.password.clone(),
            },
            regions,
            brokers,
            kubeconfig: dir.join("kubeconfig"),
            config_kube: dir.join("c8dr-kube.toml"),
            dns: dns_addr.to_string(),
            traffic_hostname: dns::HOSTNAME.to_string(),
        };
        ready.kubeconfig = files::write_kubeconfig(&dir, &ready)?;
        ready.config = files::write_config(&dir, &ready, options.camunda, true)?;
        ready.config_kube = files::write_config(&dir, &ready, options.camunda, false)?;
        tracing::info!(dir = %dir.display(), camunda = ready.camunda, "lab: ready");
        Ok(Lab {
            ready,
            dir,
            shared,
            shutdown,
            tasks: launch.tasks,
            _tempdir: tempdir,
        })
    }

    /// The ready line: exactly one line of JSON.
    pub fn ready_line(&self) -> String {
        serde_json::to_string(&self.ready).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Stops every listener and waits (bounded) for them to close.
    pub async fn shutdown(self) {
        // Release requests held by `hang` faults, or graceful shutdown would wait for them.
        self.shared.clear_faults();
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        tracing::info!("lab: stopped");
    }
}
