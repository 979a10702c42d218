//! The run lease (issue 17 §1): one mutating run per cluster, across machines. Before its first
//! mutating step a run takes the Kubernetes Lease `c8dr-runbook` in the surviving region's
//! namespace (optimistic concurrency: create, or replace at the read resourceVersion; the
//! loser of a race gets 409 and reads the winner), renews it while it lives, publishes its
//! step and state on it for every other cockpit, and releases it at the end. A live lease of
//! another run refuses the start, naming its holder; an expired one (its holder may have died)
//! is taken over only when the region's name is typed. While the lease is not provably held
//! (renewals failing past its duration, or another run took it) the executor sends nothing:
//! [`LeaseGuard::check`]. The local run lock (`super::lock`) still guards this machine; without
//! a Kubernetes context it is the only lock, and the run says so.

use crate::api::{PerRegion, Region};
use crate::model::run_lease::{Liveness, NAME, RunLease};
use crate::runbook::engine::{Operator, Preview, Recovery, RunState};
use crate::runbook::gate::{Confirmation, Decision};
use crate::runbook::plan::{Procedure, Step};
use crate::source::kube::RegionKube;
use crate::source::lease::{parse, write};
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::PostParams;
use std::time::Duration;
use tokio::sync::watch;

/// How long a holder stays trusted without renewing; renewed every third of it.
pub const DURATION: Duration = Duration::from_secs(30);
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Create/replace races lost before giving up (each loss means someone else just wrote).
const ATTEMPTS: usize = 3;

/// What a run claims: who, which run, for which region.
#[derive(Debug, Clone)]
pub struct Claim {
    /// `operator@host`.
    pub holder: String,
    pub run: String,
    pub procedure: Procedure,
    /// The region the run is for; the lease lives in the other one (the survivor).
    pub region: Region,
    pub region_name: String,
}

impl Claim {
    fn lease(&self, now: jiff::Timestamp, acquired: Option<jiff::Timestamp>) -> RunLease {
        RunLease {
            holder: Some(self.holder.clone()),
            run: self.run.clone(),
            procedure: self.procedure.name().to_string(),
            region: Some(self.region),
            region_name: self.region_name.clone(),
            step: None,
            step_title: None,
            state: "starting".into(),
            acquired: Some(acquired.unwrap_or(now)),
            renewed: Some(now),
            duration: Some(DURATION),
        }
    }
}

/// `operator@host`: the person (as the run's identity names them) and the machine.
pub fn holder() -> String {
    format!("{}@{}", super::session::user(), host())
}

/// This machine's name: `C8DR_HOST` (a shared bastion account names the person, a jump host
/// the machine), else the operating system's.
fn host() -> String {
    std::env::var("C8DR_HOST")
        .ok()
        .or_else(|| {
            hostname::get()
                .ok()
                .map(|h| h.to_string_lossy().into_owned())
        })
        .map(|h| crate::text::clean(h.trim()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// What a found lease means for a run that wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// Absent or released: take it.
    Free,
    /// This very run holds it (a resume after a crash): take it back.
    Ours,
    /// Another run holds it and renews it: refuse.
    Held(String),
    /// Another run held it and stopped renewing: only a person may take it over.
    Expired(String),
}

/// Pure: what `found` means for run `run` of `holder` at `now`. A run is identified by its
/// id and its holder together: run ids are timestamps, and two laptops starting the same
/// failover in the same second make the same id.
pub fn judge(found: Option<&RunLease>, run: &str, holder: &str, now: jiff::Timestamp) -> Judged {
    let Some(l) = found else {
        return Judged::Free;
    };
    match l.liveness(now) {
        Liveness::Released => Judged::Free,
        _ if l.run == run && l.holder.as_deref() == Some(holder) => Judged::Ours,
        Liveness::Live => Judged::Held(l.sentence(now)),
        Liveness::Expired => Judged::Expired(l.sentence(now)),
    }
}

/// Why no lease was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseError {
    /// Another run holds it: the message names who, since when, at which step.
    Held(String),
    /// Another run's lease expired: type `region_name` to take it over.
    Expired { found: String, region_name: String },
    /// The lease could not be read or written (RBAC, the API server): the message names the
    /// region and the cause.
    Failed(String),
}

impl std::fmt::Display for LeaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeaseError::Held(s) => write!(
                f,
                "another c8dr run holds the run lease: {s}. One run per cluster: wait for it to end (every cockpit connected to the cluster shows its progress)"
            ),
            LeaseError::Expired { found, region_name } => write!(
                f,
                "the run lease of another c8dr run expired: {found}. If its holder is gone, take it over by typing the region's name ({region_name})"
            ),
            LeaseError::Failed(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for LeaseError {}

/// Whether the run may act: the keeper's latest word on the lease.
#[derive(Debug, Clone, PartialEq)]
pub enum Hold {
    /// Held, and provably so until `until`.
    Held { until: jiff::Timestamp },
    /// Another run took it: this run must not act again.
    Lost(String),
    /// Released at the end of the run.
    Released,
}

/// What the executor asks before every mutating call.
#[derive(Debug, Clone)]
pub struct LeaseGuard(watch::Receiver<(Hold, String)>);

impl LeaseGuard {
    /// Another run took the lease (or it was released): nothing this run sends can help.
    pub fn lost(&self) -> bool {
        matches!(self.0.borrow().0, Hold::Lost(_) | Hold::Released)
    }

    /// `Ok` while the lease is provably held; otherwise why not, in words for the operator.
    pub fn check(&self) -> Result<(), String> {
        let (hold, last_error) = &*self.0.borrow();
        match hold {
            Hold::Held { until } if jiff::Timestamp::now() <= *until => Ok(()),
            Hold::Held { until } => Err(format!(
                "the run lease {NAME} is not provably held: not renewed since it expired at {} ({}); nothing is sent until it is renewed",
                until.strftime("%H:%M:%SZ"),
                if last_error.is_empty() {
                    "no renewal answered"
                } else {
                    last_error
                }
            )),
            Hold::Lost(why) => Err(format!(
                "the run lease {NAME} was lost: {why}; this run sends nothing more"
            )),
            Hold::Released => Err(format!("the run lease {NAME} was released")),
        }
    }
}

/// What the run publishes on its lease.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub step: Option<String>,
    pub title: Option<String>,
    pub state: String,
}

impl Published {
    /// The step in progress (or last acted on) and its state, from the run's state.
    pub fn of(state: &RunState) -> Published {
        let i = state.current.or_else(|| {
            state
                .progress
                .iter()
                .rposition(|p| p.state != crate::runbook::journal::StepState::Pending)
        });
        let Some(i) = i.filter(|&i| i < state.steps.len() && i < state.progress.len()) else {
            return Published {
                state: "starting".into(),
                ..Default::default()
            };
        };
        Published {
            step: Some(state.steps[i].key.clone()),
            title: Some(state.steps[i].title.clone()),
            state: match state.outcome {
                Some(o) => o.word().to_string(),
                None => crate::runbook::render::state_word(state.progress[i].state).to_lowercase(),
            },
        }
    }
}

/// The lease held by this run: renewed by a task until [`Keeper::release`].
pub struct Keeper {
    hold: watch::Receiver<(Hold, String)>,
    publish: watch::Sender<Published>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Option<(Lease, RunLease)>>,
    /// "region0 (london) namespace camunda-london": where it lives, for messages.
    pub place: String,
    api: kube::Api<Lease>,
    namespace: String,
    /// The expired lease this run took over (its sentence), for the audit trail.
    pub took_over: Option<String>,
    /// Why the other region's lease could not be read, if it could not: the operator is told.
    pub unseen: Option<String>,
}

/// Takes the run lease in `home`'s namespace for `claim`, after reading both regions' (a live
/// lease of another run in either refuses). `typed` is what the person typed to take over an
/// expired lease. A region whose API server does not answer is left out of the check, except
/// `home`, which must answer.
pub async fn take(
    kubes: &PerRegion<Option<RegionKube>>,
    home: Region,
    claim: &Claim,
    typed: Option<&str>,
    timeout: Duration,
) -> Result<Keeper, LeaseError> {
    let Some(kube) = kubes[home].clone() else {
        return Err(LeaseError::Failed(format!(
            "region{home}: no Kubernetes context configured for the run lease"
        )));
    };
    let api = kube.leases();
    let place = format!("{} namespace {}", kube.label, kube.namespace);
    for attempt in 1..=ATTEMPTS {
        // The other region's lease too: a run started there (a failover of this region, by
        // someone who believes the other one lost) is as much in the way. Read together, so
        // a lost region's silent API server costs one timeout, not one more; unanswered, it
        // is left out (the home region decides).
        let other = home.other();
        let elsewhere = async {
            match &kubes[other] {
                Some(k) => match tokio::time::timeout(timeout, k.leases().get_opt(NAME)).await {
                    Ok(Ok(l)) => Ok(l),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err(format!("timed out after {timeout:?}")),
                },
                None => Err("no Kubernetes context configured".into()),
            }
        };
        let (elsewhere, found) =
            tokio::join!(elsewhere, tokio::time::timeout(timeout, api.get_opt(NAME)));
        let found = found
            .map_err(|_| {
                LeaseError::Failed(format!(
                    "{place}: reading lease {NAME} timed out after {timeout:?}"
                ))
            })?
            .map_err(|e| LeaseError::Failed(format!("{place}: reading lease {NAME}: {e}")))?;
        let now = jiff::Timestamp::now();
        let mine = found.as_ref().map(parse);
        // Unread, it cannot be seen: said, never taken for "no run there" silently (in a
        // network split, an operator on the other side may be failing over this region).
        let unseen = elsewhere.as_ref().err().map(|e| {
            format!(
                "the run lease in {} could not be read ({}): a run started from that side is not seen",
                k_label(kubes, other),
                crate::text::clean(e)
            )
        });
        if let Some(l) = elsewhere.ok().flatten().as_ref().map(parse) {
            match judge(Some(&l), &claim.run, &claim.holder, now) {
                Judged::Held(s) => {
                    return Err(LeaseError::Held(format!("{s} ({})", k_label(kubes, other))));
                }
                Judged::Expired(_) | Judged::Free | Judged::Ours => {}
            }
        }
        let mut took_over = None;
        let transition = match judge(mine.as_ref(), &claim.run, &claim.holder, now) {
            Judged::Free => mine
                .as_ref()
                .is_some_and(|l| l.run != claim.run || l.holder.is_some()),
            Judged::Ours => false,
            Judged::Held(s) => return Err(LeaseError::Held(format!("{s} ({place})"))),
            Judged::Expired(s) => {
                if typed.map(str::trim) != Some(claim.region_name.as_str()) {
                    return Err(LeaseError::Expired {
                        found: format!("{s} ({place})"),
                        region_name: claim.region_name.clone(),
                    });
                }
                tracing::warn!(lease = %s, "taking over an expired run lease (region name typed)");
                took_over = Some(s);
                true
            }
        };
        let acquired = mine
            .as_ref()
            .filter(|l| l.run == claim.run && l.holder.as_deref() == Some(claim.holder.as_str()))
            .and_then(|l| l.acquired);
        let record = claim.lease(now, acquired);
        let object = write(found.as_ref(), &kube.namespace, &record, transition);
        let written = match &found {
            None => api.create(&PostParams::default(), &object).await,
            Some(_) => api.replace(NAME, &PostParams::default(), &object).await,
        };
        match written {
            Ok(lease) => {
                let mut keeper = Keeper::start(api, lease, record, place, kube.namespace);
                keeper.took_over = took_over;
                keeper.unseen = unseen;
                return Ok(keeper);
            }
            Err(kube::Error::Api(s)) if s.is_conflict() || s.is_already_exists() => {
                tracing::info!(
                    attempt,
                    "run lease race lost ({}); reading the winner",
                    s.reason
                );
            }
            Err(e) => {
                return Err(LeaseError::Failed(format!(
                    "{place}: writing lease {NAME}: {e}"
                )));
            }
        }
    }
    Err(LeaseError::Failed(format!(
        "{place}: lease {NAME} changed under this run {ATTEMPTS} times in a row; try again"
    )))
}

fn k_label(kubes: &PerRegion<Option<RegionKube>>, r: Region) -> String {
    kubes[r]
        .as_ref()
        .map(|k| format!("{} namespace {}", k.label, k.namespace))
        .unwrap_or_else(|| format!("region{r}"))
}

impl Keeper {
    fn start(
        api: kube::Api<Lease>,
        lease: Lease,
        record: RunLease,
        place: String,
        namespace: String,
    ) -> Keeper {
        let until = record
            .renewed
            .map(|r| r + jiff::SignedDuration::from_secs(DURATION.as_secs() as i64))
            .unwrap_or_else(jiff::Timestamp::now);
        let (hold_tx, hold) = watch::channel((Hold::Held { until }, String::new()));
        let (publish, publish_rx) = watch::channel(Published {
            state: record.state.clone(),
            ..Default::default()
        });
        let (stop, stop_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(renew(
            api.clone(),
            namespace.clone(),
            lease,
            record,
            hold_tx,
            publish_rx,
            stop_rx,
        ));
        Keeper {
            hold,
            publish,
            stop: Some(stop),
            task,
            place,
            api,
            namespace,
            took_over: None,
            unseen: None,
        }
    }

    pub fn guard(&self) -> LeaseGuard {
        LeaseGuard(self.hold.clone())
    }

    /// A sender for the run's progress (see [`Publishing`]).
    pub fn publisher(&self) -> watch::Sender<Published> {
        self.publish.clone()
    }

    /// Ends the renewals and releases the lease with the run's last word (`completed`,
    /// `failed`, `aborted`, `stopped`). A lease another run took is left alone.
    pub async fn release(mut self, last: Published, timeout: Duration) -> Result<(), String> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Ok(Some((lease, mut record))) = self.task.await else {
            return Err(format!(
                "{}: lease {NAME} not released: another run took it during this one, and it stays theirs",
                self.place
            ));
        };
        record.holder = None;
        record.step = last.step;
        record.step_title = last.title;
        record.state = last.state;
        record.renewed = Some(jiff::Timestamp::now());
        let object = write(Some(&lease), &self.namespace, &record, false);
        match tokio::time::timeout(
            timeout,
            self.api.replace(NAME, &PostParams::default(), &object),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!(
                "{}: releasing lease {NAME}: {e} (it expires on its own in {} s)",
                self.place,
                DURATION.as_secs()
            )),
            Err(_) => Err(format!(
                "{}: releasing lease {NAME} timed out (it expires on its own in {} s)",
                self.place,
                DURATION.as_secs()
            )),
        }
    }
}

/// The keeper's task: renews every [`RENEW_EVERY`] and whenever the run publishes progress;
/// a 409 re-reads (an annotation by hand is fine, another holder is the end); a deleted lease
/// is created again. Returns the last lease it wrote and its record, or `None` when lost.
async fn renew(
    api: kube::Api<Lease>,
    namespace: String,
    mut lease: Lease,
    mut record: RunLease,
    hold: watch::Sender<(Hold, String)>,
    mut publish: watch::Receiver<Published>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> Option<(Lease, RunLease)> {
    let mut retry_now = false;
    loop {
        if !retry_now {
            tokio::select! {
                _ = &mut stop => return Some((lease, record)),
                _ = tokio::time::sleep(RENEW_EVERY) => {}
                changed = publish.changed() => {
                    if changed.is_err() {
                        // Every publisher is gone: renew on the timer only.
                        tokio::time::sleep(RENEW_EVERY).await;
                    }
                }
            }
        }
        retry_now = false;
        let p = publish.borrow_and_update().clone();
        let now = jiff::Timestamp::now();
        record.step = p.step.or(record.step.take());
        record.step_title = p.title.or(record.step_title.take());
        record.state = p.state;
        record.renewed = Some(now);
        let object = write(Some(&lease), &namespace, &record, false);
        let result = tokio::time::timeout(RENEW_EVERY, async {
            match api.replace(NAME, &PostParams::default(), &object).await {
                Err(kube::Error::Api(s)) if s.is_not_found() => {
                    let mut fresh = object.clone();
                    fresh.metadata.resource_version = None;
                    api.create(&PostParams::default(), &fresh).await
                }
                other => other,
            }
        })
        .await;
        match result {
            Ok(Ok(l)) => {
                lease = l;
                let until = now + jiff::SignedDuration::from_secs(DURATION.as_secs() as i64);
                hold.send_replace((Hold::Held { until }, String::new()));
            }
            Ok(Err(kube::Error::Api(s))) if s.is_conflict() => match api.get_opt(NAME).await {
                Ok(Some(l)) if parse(&l).run == record.run && parse(&l).holder == record.holder => {
                    lease = l;
                    retry_now = true;
                }
                Ok(found) => {
                    let who = found
                        .map(|l| parse(&l).sentence(now))
                        .unwrap_or_else(|| "deleted".into());
                    tracing::error!(%who, "run lease taken by another run");
                    hold.send_replace((Hold::Lost(format!("now {who}")), String::new()));
                    return None;
                }
                Err(e) => note_failure(&hold, format!("re-reading after a conflict: {e}")),
            },
            Ok(Err(e)) => note_failure(&hold, format!("renewing: {e}")),
            Err(_) => note_failure(&hold, format!("renewing timed out after {RENEW_EVERY:?}")),
        }
    }
}

/// A renewal failed: the hold stays until its deadline (the guard judges it by the clock).
fn note_failure(hold: &watch::Sender<(Hold, String)>, why: String) {
    tracing::warn!(%why, "run lease renewal failed");
    hold.send_modify(|(_, e)| *e = why);
}

/// An operator that publishes the run's progress on the lease, then does what `inner` does.
pub struct Publishing<O> {
    pub inner: O,
    pub publish: watch::Sender<Published>,
}

impl<O: Operator> Operator for Publishing<O> {
    fn update(&mut self, state: &RunState) {
        let p = Published::of(state);
        self.publish.send_if_modified(|old| {
            let changed = *old != p;
            *old = p;
            changed
        });
        self.inner.update(state);
    }

    async fn confirm(&mut self, step: &Step, needs: &Confirmation, preview: &Preview) -> Decision {
        let before = self.publish.borrow().clone();
        self.publish.send_replace(Published {
            step: Some(step.key.clone()),
            title: Some(step.title.clone()),
            state: "waiting for approval".into(),
        });
        let d = self.inner.confirm(step, needs, preview).await;
        self.publish.send_replace(before);
        d
    }

    async fn on_failure(&mut self, step: &Step, why: &str, refused: bool) -> Recovery {
        self.publish.send_replace(Published {
            step: Some(step.key.clone()),
            title: Some(step.title.clone()),
            state: "failed, waiting for the operator".into(),
        });
        self.inner.on_failure(step, why, refused).await
    }

    fn abort_requested(&mut self) -> bool {
        self.inner.abort_requested()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(run: &str, holder: Option<&str>, renewed: &str) -> RunLease {
        RunLease {
            holder: holder.map(str::to_string),
            run: run.into(),
            procedure: "failover".into(),
            region: Some(Region::ONE),
            region_name: "paris".into(),
            step: Some("FO-1".into()),
            step_title: None,
            state: "running".into(),
            acquired: Some("2026-12-01T06:00:00Z".parse().unwrap()),
            renewed: Some(renewed.parse().unwrap()),
            duration: Some(DURATION),
        }
    }

    #[test]
    fn a_run_takes_a_free_lease_back_its_own_and_refuses_a_live_foreign_one() {
        let now: jiff::Timestamp = "2026-12-01T06:01:00Z".parse().unwrap();
        let me = "alice@laptop";
        assert_eq!(judge(None, "a", me, now), Judged::Free);
        let released = lease("b", None, "2026-12-01T06:00:50Z");
        assert_eq!(judge(Some(&released), "a", me, now), Judged::Free);
        let live = lease("b", Some("bob@host"), "2026-12-01T06:00:50Z");
        let held = judge(Some(&live), "a", me, now);
        assert!(
            matches!(&held, Judged::Held(s) if s.contains("bob@host") && s.contains("FO-1")),
            "{held:?}"
        );
        assert_eq!(judge(Some(&live), "b", "bob@host", now), Judged::Ours);
        // The same run id from another laptop (same second): not ours.
        assert!(matches!(judge(Some(&live), "b", me, now), Judged::Held(_)));
        let dead = lease("b", Some("bob@host"), "2026-12-01T06:00:00Z");
        let expired = judge(Some(&dead), "a", me, now);
        assert!(
            matches!(&expired, Judged::Expired(s) if s.contains("EXPIRED")),
            "{expired:?}"
        );
        // A crashed run resumes its own lease without typing anything.
        assert_eq!(judge(Some(&dead), "b", "bob@host", now), Judged::Ours);
    }
}
