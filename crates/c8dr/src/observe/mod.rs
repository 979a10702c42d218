//! The observation loop: one task per region and row of the table of reads
//! ([`crate::source::READS`]), each under its own timeout, sending its latest answer (or error)
//! to an aggregator that publishes the newest [`Snapshot`]. Latest wins; a hanging or
//! black-holed region only delays its own tasks, never the other region's or the consumer, who
//! reads the snapshot whenever it likes.

use crate::api::{BrokerId, PerRegion, Region};
use crate::config::Config;
use crate::model::{Obs, Snapshot, Source};
use crate::source::kube::broker_of_pod;
use crate::source::table::{Api, Cadence, Request, store};
use crate::source::{
    ForwardTarget, PortForward, READS, Read, RegionIo, RegionKube, SourceError, Target, Traffic,
    Update, http, read,
};
use color_eyre::eyre::Result;
use kube::api::ListParams;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// A running observation loop.
pub struct Observer {
    pub snapshot: watch::Receiver<Snapshot>,
    /// Brokers whose partitions are polled, per region, and whether DNS is.
    partitions_polled: PerRegion<Arc<AtomicUsize>>,
    dns_polled: bool,
    tasks: Vec<JoinHandle<()>>,
    /// Port-forwards kept alive while observing.
    _forwards: Vec<Arc<PortForward>>,
}

impl Drop for Observer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The poll's pace, from `[poll]`.
#[derive(Debug, Clone, Copy)]
struct Pace {
    interval: Duration,
    slow: Duration,
    timeout: Duration,
}

impl Pace {
    fn every(self, cadence: Cadence) -> Duration {
        match cadence {
            Cadence::Fast => self.interval,
            Cadence::Slow => self.slow,
        }
    }
}

/// Reads `row` at `target` at its cadence, each read under the timeout, sending what it got.
fn poll(
    row: &'static Read,
    target: Target,
    pace: Pace,
    tx: mpsc::Sender<Update>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let every = pace.every(row.cadence);
        let mut next = tokio::time::Instant::now();
        loop {
            let update = read(row, &target, pace.timeout).await;
            if tx.send(update).await.is_err() {
                return;
            }
            next += every;
            let now = tokio::time::Instant::now();
            if next < now {
                next = now;
            }
            tokio::time::sleep_until(next).await;
        }
    })
}

impl Observer {
    /// Starts observing every configured source of both regions.
    pub async fn start(config: &Config) -> Result<Observer> {
        http::install_crypto();
        let pace = Pace {
            interval: config.poll.interval(),
            slow: config.poll.slow_interval(),
            timeout: config.poll.timeout(),
        };
        let (tx, mut rx) = mpsc::channel::<Update>(256);
        let mut tasks = vec![];
        let mut forwards = vec![];
        let mut initial = Snapshot::default();
        // Brokers whose partitions are polled; `usize::MAX` until the first pod listing.
        let polled: PerRegion<Arc<AtomicUsize>> = Default::default();
        for region in &config.regions {
            let http = http::client(pace.timeout, config.tls.ca_file.as_deref())?;
            let io = Arc::new(RegionIo::connect(region, http, &mut forwards).await);
            let count = &polled[io.id];
            tasks.extend(start_region(&io, pace, &tx, &mut initial, count));
        }
        let traffic = Traffic::of(config).map(Arc::new);
        let dns_polled = traffic.is_some();
        if let Some(t) = traffic {
            for row in READS.iter().filter(|r| matches!(r.request, Request::Dns)) {
                tasks.push(poll(row, Target::Traffic(t.clone()), pace, tx.clone()));
            }
        }
        drop(tx);

        let (publish, snapshot) = watch::channel(initial);
        tasks.push(tokio::spawn(async move {
            while let Some(update) = rx.recv().await {
                publish.send_modify(|s| store(s, update));
            }
        }));
        Ok(Observer {
            snapshot,
            partitions_polled: polled,
            dns_polled,
            tasks,
            _forwards: forwards,
        })
    }

    /// An observer that polls nothing: its snapshots come from `snapshot`'s sender (the
    /// cockpit loop's tests feed it by hand).
    pub fn fed(snapshot: watch::Receiver<Snapshot>) -> Observer {
        Observer {
            snapshot,
            partitions_polled: PerRegion::from_fn(|_| Arc::new(AtomicUsize::new(0))),
            dns_polled: false,
            tasks: vec![],
            _forwards: vec![],
        }
    }

    /// Waits (at most `deadline`) for every region's REST topology to be asked again after
    /// `after`, so timings are taken on warm connections and tunnels.
    pub async fn next_round(&mut self, after: &Snapshot, deadline: Duration) -> Snapshot {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let snap = self.snapshot.borrow().clone();
            let newer = Region::BOTH.into_iter().all(|r| {
                match (&after.regions[r].topology, &snap.regions[r].topology) {
                    (Some(a), Some(b)) => b.at > a.at,
                    (None, _) => true,
                    (Some(_), None) => false,
                }
            });
            if newer {
                return snap;
            }
            if tokio::time::timeout_at(until, self.snapshot.changed())
                .await
                .is_err()
            {
                return self.snapshot.borrow().clone();
            }
        }
    }

    /// Waits until every configured source has answered or failed at least once (or
    /// `deadline` passes), then returns the snapshot.
    pub async fn first_complete(&mut self, deadline: Duration) -> Snapshot {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let snap = self.snapshot.borrow().clone();
            let polled = PerRegion::from_fn(|r| self.partitions_polled[r].load(Ordering::Relaxed));
            let complete = (!self.dns_polled || snap.dns.is_some())
                && snap.regions.iter().all(|(i, r)| {
                    r.configured.iter().all(|s| match s {
                        Source::Topology => r.topology.is_some(),
                        Source::Cluster => r.cluster.is_some(),
                        Source::Exporters => r.exporters.is_some(),
                        Source::ElasticsearchHealth => r.es_health.is_some(),
                        Source::ElasticsearchIndices => r.es_indices.is_some(),
                        Source::Pods => r.pods.is_some(),
                        Source::ElasticsearchInfo => r.es_info.is_some(),
                        Source::SnapshotRepositories => r.es_repositories.is_some(),
                        Source::BrokerStatefulSet => r.broker_env.is_some(),
                        Source::Backups => r.backups.is_some(),
                        Source::RunLease => r.run_lease.is_some(),
                        Source::Partitions => {
                            polled[i] != usize::MAX && r.partitions.len() >= polled[i]
                        }
                        Source::Metrics => polled[i] != usize::MAX && r.metrics.len() >= polled[i],
                        // The traffic hostname is not a region's: `dns_polled` covers it.
                        Source::Dns => true,
                    })
                });
            if complete {
                return snap;
            }
            if tokio::time::timeout_at(until, self.snapshot.changed())
                .await
                .is_err()
            {
                return self.snapshot.borrow().clone();
            }
        }
    }
}

/// Starts a poll of every row the region can answer; a source whose endpoint could not be
/// set up starts as failed with the reason. Per-broker rows go to one supervisor that finds
/// the broker pods (`count` is how many it polls).
fn start_region(
    io: &Arc<RegionIo>,
    pace: Pace,
    tx: &mpsc::Sender<Update>,
    initial: &mut Snapshot,
    count: &Arc<AtomicUsize>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![];
    let mut per_broker = vec![];
    for row in READS {
        let asks = io.asks(&row.request);
        let problem = io.problem(row.source);
        if problem.is_none() && !asks {
            continue;
        }
        initial.regions[io.id].configured.insert(row.source);
        if let Some(failed) = problem {
            store(initial, failed);
        }
        if !asks {
            continue;
        }
        match row.request {
            Request::Get {
                api: Api::Broker, ..
            } => per_broker.push(row),
            _ => tasks.push(poll(row, Target::Region(io.clone()), pace, tx.clone())),
        }
    }
    if !per_broker.is_empty() {
        count.store(usize::MAX, Ordering::Relaxed);
        tasks.push(tokio::spawn(per_broker_polls(
            io.clone(),
            per_broker,
            pace,
            tx.clone(),
            count.clone(),
        )));
    }
    tasks
}

/// Aborts a task when dropped (a supervisor's children die with it).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A broker's polls and the port-forward they go through.
type BrokerPolls = (Vec<AbortOnDrop>, Arc<PortForward>);

/// Polls the per-broker `rows` of every broker pod in the region: lists the broker pods every
/// slow interval and starts a port-forward and the polls for each new one.
async fn per_broker_polls(
    io: Arc<RegionIo>,
    rows: Vec<&'static Read>,
    pace: Pace,
    tx: mpsc::Sender<Update>,
    count: Arc<AtomicUsize>,
) {
    let Some(kube) = io.kube.clone() else {
        return;
    };
    let mut children: BTreeMap<BrokerId, BrokerPolls> = BTreeMap::new();
    let selector = ListParams::default().labels("app.kubernetes.io/component=zeebe-broker");
    loop {
        match tokio::time::timeout(pace.timeout, kube.pods().list(&selector)).await {
            Ok(Ok(pods)) => {
                for pod in pods.items {
                    let name = pod.metadata.name.unwrap_or_default();
                    let Some(id) = broker_of_pod(&kube.release, &name, io.id) else {
                        continue;
                    };
                    if children.contains_key(&id) {
                        continue;
                    }
                    match start_broker(&io, &kube, id, &rows, pace, &tx).await {
                        Ok(polls) => {
                            children.insert(id, polls);
                        }
                        Err(failed) => {
                            for u in failed {
                                if tx.send(u).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
            // The pod list is the Pods source's to report; partitions just try again.
            Ok(Err(e)) => {
                tracing::debug!(region = io.id.id(), error = %e, "listing broker pods for partitions")
            }
            Err(_) => {
                tracing::debug!(
                    region = io.id.id(),
                    "listing broker pods for partitions timed out"
                )
            }
        }
        count.store(children.len(), Ordering::Relaxed);
        tokio::time::sleep(pace.slow).await;
    }
}

/// A port-forward to broker `id`'s pod and the polls of `rows` through it, or the updates
/// that say why there is none.
async fn start_broker(
    io: &Arc<RegionIo>,
    kube: &RegionKube,
    id: BrokerId,
    rows: &[&'static Read],
    pace: Pace,
    tx: &mpsc::Sender<Update>,
) -> Result<BrokerPolls, Vec<Update>> {
    match PortForward::start(kube.clone(), ForwardTarget::Broker(id), 9600).await {
        Ok(f) => {
            let target = Target::Broker {
                io: io.clone(),
                broker: id,
                base: f.base_url(),
            };
            let polls = rows
                .iter()
                .map(|row| AbortOnDrop(poll(row, target.clone(), pace, tx.clone())))
                .collect();
            Ok((polls, Arc::new(f)))
        }
        Err(e) => {
            let now = jiff::Timestamp::now();
            let problem = SourceError::Kube(format!("{e:#}"));
            Err(rows
                .iter()
                .map(|row| {
                    Update::new(
                        io.id,
                        Some(id),
                        row.source,
                        Obs::failed(now, problem.clone()),
                    )
                })
                .collect())
        }
    }
}

/// Sources configured in a snapshot, for `c8dr info`.
pub fn configured(s: &Snapshot) -> PerRegion<BTreeSet<Source>> {
    PerRegion::from_fn(|r| s.regions[r].configured.clone())
}
