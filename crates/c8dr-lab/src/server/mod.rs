//! The lab's HTTP side: shared state, listeners that go down with their region, routers.
//!
//! A failed region must look failed on the wire: its listeners close (connections are
//! refused) and reopen on the same port when it comes back. Each listener is supervised
//! against a predicate over [`Up`], republished after every state change.

pub mod control;
pub mod elasticsearch;
pub mod exporting;
pub mod faults;
pub mod gateway;
pub mod management;
pub mod zones;

use super::sim::{Sim, Traffic};
use axum::Router;
use c8dr_api::BrokerId;
use faults::{Fault, FaultKind, LoggedRequest};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Which listeners should accept connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Up {
    pub regions: [bool; 2],
    /// Each region's gateway answers (8.7: its Deployment runs).
    pub gateways: [bool; 2],
    /// Each region's Elasticsearch runs.
    pub elasticsearch: [bool; 2],
    pub brokers: BTreeMap<BrokerId, bool>,
    /// Where DNS sends user traffic.
    pub traffic: Traffic,
    /// Targets with a `refuse` fault.
    pub refused: BTreeSet<String>,
}

impl Up {
    fn of(sim: &Sim, faults: &[Fault]) -> Up {
        Up {
            regions: [!sim.regions[0].failed, !sim.regions[1].failed],
            gateways: [sim.gateway_running(0), sim.gateway_running(1)],
            elasticsearch: [sim.elasticsearch_running(0), sim.elasticsearch_running(1)],
            traffic: sim.traffic,
            brokers: sim
                .brokers
                .keys()
                .map(|b| (*b, sim.reachable(*b)))
                .collect(),
            refused: faults
                .iter()
                .filter(|f| f.kind == FaultKind::Refuse)
                .map(|f| f.target.clone())
                .collect(),
        }
    }
}

/// Simulated time: `sim_base` at `real_base`, running `speed` times faster than real time.
#[derive(Debug, Clone, Copy)]
struct Clock {
    real_base: Instant,
    sim_base: Duration,
    speed: f64,
}

impl Clock {
    fn now(&self) -> Duration {
        self.sim_base + Duration::from_secs_f64(self.real_base.elapsed().as_secs_f64() * self.speed)
    }
}

/// Basic-auth credentials the REST API demands (8.8+).
#[derive(Debug, Clone)]
pub struct RestAuth {
    pub username: String,
    pub password: String,
}

/// State shared by every handler.
pub struct Shared {
    sim: Mutex<Sim>,
    clock: Mutex<Clock>,
    pub rest_auth: Option<RestAuth>,
    /// The Elasticsearch user (8.9+, ECK's `elastic`); each region's password is in its ECK
    /// secret ([`crate::sim::Sim::es_password`]).
    pub es_user: Option<String>,
    up: watch::Sender<Up>,
    listeners: Mutex<Vec<ListenerStatus>>,
    faults: Mutex<Vec<Fault>>,
    requests: Mutex<Vec<LoggedRequest>>,
    gateway_requests: AtomicU64,
    /// The traffic the DNS responder answers with (None until it runs).
    dns_applied: Mutex<Option<Traffic>>,
}

impl Shared {
    pub fn new(
        sim: Sim,
        speed: f64,
        rest_auth: Option<RestAuth>,
        es_user: Option<String>,
    ) -> Arc<Shared> {
        let (up, _) = watch::channel(Up::of(&sim, &[]));
        let clock = Clock {
            real_base: Instant::now(),
            sim_base: Duration::ZERO,
            speed,
        };
        Arc::new(Shared {
            sim: Mutex::new(sim),
            clock: Mutex::new(clock),
            rest_auth,
            es_user,
            up,
            listeners: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            gateway_requests: AtomicU64::new(0),
            dns_applied: Mutex::new(None),
        })
    }

    fn sim_now(&self) -> Duration {
        self.clock.lock().unwrap_or_else(|p| p.into_inner()).now()
    }

    /// Changes how fast simulated time runs from now on; simulated time stays continuous.
    pub fn set_speed(&self, speed: f64) {
        let mut clock = self.clock.lock().unwrap_or_else(|p| p.into_inner());
        *clock = Clock {
            real_base: Instant::now(),
            sim_base: clock.now(),
            speed,
        };
    }

    pub fn speed(&self) -> f64 {
        self.clock.lock().unwrap_or_else(|p| p.into_inner()).speed
    }

    fn lock(&self) -> MutexGuard<'_, Sim> {
        self.sim
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the simulation brought up to the current simulated time, then tells the
    /// listeners what changed.
    pub fn with<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> R {
        let now = self.sim_now();
        let mut sim = self.lock();
        sim.tick(now);
        let result = f(&mut sim);
        let up = Up::of(&sim, &self.faults());
        drop(sim);
        self.up.send_if_modified(|current| {
            let changed = *current != up;
            *current = up;
            changed
        });
        result
    }

    pub fn set_dns_applied(&self, traffic: Traffic) {
        *self.dns_applied.lock().unwrap_or_else(|p| p.into_inner()) = Some(traffic);
    }

    fn dns_settled(&self, up: &Up) -> bool {
        self.dns_applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none_or(|t| t == up.traffic)
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds a fault (replacing one of the same kind on the same target).
    pub fn add_fault(&self, fault: Fault) {
        {
            let mut f = self.faults.lock().unwrap_or_else(|p| p.into_inner());
            f.retain(|x| {
                !(x.target == fault.target && x.kind == fault.kind && x.path == fault.path)
            });
            f.push(fault);
        }
        self.with(|_| ());
    }

    pub fn clear_faults(&self) {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.with(|_| ());
    }

    /// The fault that hits this request to `target`, drawn by each fault's ratio; a fault
    /// with a `count` is used up by its hits.
    pub fn fault_for(&self, target: &str, mutating: bool, path: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let i = faults.iter().position(|f| {
            f.target == target
                && f.kind != FaultKind::Refuse
                && (mutating || !f.mutating_only)
                && f.matches_path(path)
                && (f.ratio >= 1.0 || fastrand::f64() < f.ratio)
        })?;
        let hit = faults[i].clone();
        if let Some(n) = &mut faults[i].count {
            *n = n.saturating_sub(1);
            if *n == 0 {
                faults.remove(i);
            }
        }
        Some(hit)
    }

    pub fn fault_for_kind(&self, target: &str, kind: FaultKind) -> bool {
        self.faults()
            .iter()
            .any(|f| f.target == target && f.kind == kind)
    }

    pub fn log_request(&self, request: LoggedRequest) {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request);
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn clear_requests(&self) {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Routes a request to region `r`'s gateway over its pods; returns the broker when the
    /// request lands on a restarting one.
    pub fn route_gateway(&self, r: u8) -> Option<BrokerId> {
        let n = self.gateway_requests.fetch_add(1, Ordering::Relaxed);
        self.with(|sim| faults::route(sim, r, n))
    }

    pub fn subscribe(&self) -> watch::Receiver<Up> {
        self.up.subscribe()
    }
}

/// Decides from [`Up`] whether a listener should accept connections.
pub type UpPredicate = Arc<dyn Fn(&Up) -> bool + Send + Sync>;

struct ListenerStatus {
    should_be_up: UpPredicate,
    open: bool,
}

impl Shared {
    /// Registers a listener (open at first) and returns its index for [`supervise`].
    pub fn register(&self, should_be_up: UpPredicate) -> usize {
        let mut l = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        l.push(ListenerStatus {
            should_be_up,
            open: true,
        });
        l.len() - 1
    }

    fn set_open(&self, index: usize, open: bool) {
        let mut l = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = l.get_mut(index) {
            s.open = open;
        }
    }

    /// Waits (at most 3 s) until every listener is open or closed as the state says, so a
    /// control call returns only once a failed region really refuses connections.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let up = self.up.borrow().clone();
            let settled = self
                .listeners
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .all(|l| (l.should_be_up)(&up) == l.open)
                && self.dns_settled(&up);
            if settled || Instant::now() > deadline {
                if !settled {
                    tracing::warn!("lab: listeners did not settle within 3 s");
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Serves `router` on `first` while listener `index`'s predicate holds; closes the port while
/// it does not and binds the same address again when it holds again. Ends on `shutdown`.
pub async fn supervise(
    shared: Arc<Shared>,
    index: usize,
    first: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let is_up = match shared
        .listeners
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(index)
    {
        Some(l) => l.should_be_up.clone(),
        None => return,
    };
    let mut up = shared.subscribe();
    let addr: Option<SocketAddr> = first.local_addr().ok();
    let mut listener = Some(first);
    loop {
        if *shutdown.borrow() {
            return;
        }
        if !is_up(&up.borrow()) {
            listener = None;
            shared.set_open(index, false);
            tokio::select! {
                changed = up.changed() => if changed.is_err() { return },
                _ = shutdown.changed() => return,
            }
            continue;
        }
        let l = match listener.take() {
            Some(l) => l,
            None => match addr {
                Some(addr) => match TcpListener::bind(addr).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(%addr, error = %e, "lab: cannot re-open listener, retrying");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                None => return,
            },
        };
        shared.set_open(index, true);
        let (mut up_rx, mut sd, pred) = (up.clone(), shutdown.clone(), is_up.clone());
        let stop = async move {
            loop {
                tokio::select! {
                    changed = up_rx.changed() => {
                        if changed.is_err() || !pred(&up_rx.borrow()) { return }
                    }
                    _ = sd.changed() => return,
                }
            }
        };
        if let Err(e) = axum::serve(l, router.clone())
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::warn!(error = %e, "lab: listener failed");
        }
        shared.set_open(index, false);
    }
}
