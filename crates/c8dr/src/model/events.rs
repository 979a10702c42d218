//! Events: what changed between two views, in words, for the events log.

use super::view::*;
use crate::api::BrokerId;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: String,
    pub level: Level,
    pub text: String,
}

fn ids(v: &[impl std::fmt::Display]) -> String {
    v.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Events found so far, all stamped with the newer view's time.
struct Events<'a> {
    at: &'a str,
    out: Vec<Event>,
}

impl Events<'_> {
    fn push(&mut self, level: Level, text: String) {
        self.out.push(Event {
            at: self.at.to_string(),
            level,
            text,
        });
    }
}

/// The events between `before` and `after`.
pub fn diff(before: &ClusterView, after: &ClusterView) -> Vec<Event> {
    let mut events = Events {
        at: &after.at,
        out: vec![],
    };
    regions(before, after, &mut events);
    brokers(before, after, &mut events);
    quorum(before, after, &mut events);
    leaders(before, after, &mut events);
    exporters(before, after, &mut events);
    change(before, after, &mut events);
    processing(before, after, &mut events);
    runs(before, after, &mut events);
    events.out
}

fn regions(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    for r in &after.regions {
        let Some(b) = before.region(r.id) else {
            continue;
        };
        match (b.reachable, r.reachable) {
            (Reach::Up | Reach::Unknown, Reach::Down) => events.push(
                Level::Critical,
                format!("region{} {} unreachable", r.id, r.name),
            ),
            // Only after it was unreachable: the first answers at start-up are no recovery.
            (Reach::Down, Reach::Up) => events.push(
                Level::Ok,
                format!("region{} {} reachable again", r.id, r.name),
            ),
            _ => {}
        }
    }
}

fn brokers(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    let reach = |v: &ClusterView, id: BrokerId| {
        v.brokers
            .iter()
            .find(|b| b.id == id)
            .and_then(|b| b.reachable)
    };
    // Gone: reachable before, and now unreachable or not listed at all (while the view still
    // has a topology to tell).
    let gone: Vec<BrokerId> = before
        .brokers
        .iter()
        .filter(|b| b.reachable == Some(true))
        .filter(|b| match after.brokers.iter().find(|x| x.id == b.id) {
            Some(x) => x.reachable == Some(false),
            None => after.brokers.iter().any(|x| x.reachable.is_some()),
        })
        .map(|b| b.id)
        .collect();
    let back: Vec<BrokerId> = after
        .brokers
        .iter()
        .filter(|b| b.reachable == Some(true) && reach(before, b.id) == Some(false))
        .map(|b| b.id)
        .collect();
    // New next to brokers already listed; the first topology at start-up is no news.
    let listed_before = before.brokers.iter().any(|x| x.reachable.is_some());
    let new: Vec<BrokerId> = after
        .brokers
        .iter()
        .filter(|b| listed_before && b.reachable == Some(true))
        .filter(|b| !before.brokers.iter().any(|x| x.id == b.id))
        .map(|b| b.id)
        .collect();
    if !gone.is_empty() {
        events.push(Level::Warning, format!("brokers {} gone", ids(&gone)));
    }
    if !back.is_empty() {
        events.push(Level::Ok, format!("brokers {} back", ids(&back)));
    }
    if !new.is_empty() {
        events.push(Level::Ok, format!("brokers {} appeared", ids(&new)));
    }
}

fn quorum(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    let q = |v: &ClusterView, id: i32| {
        v.partitions
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| p.has_quorum)
    };
    let lost: Vec<i32> = after
        .partitions
        .iter()
        .filter(|p| p.has_quorum == Some(false) && q(before, p.id) == Some(true))
        .map(|p| p.id)
        .collect();
    let regained: Vec<i32> = after
        .partitions
        .iter()
        .filter(|p| p.has_quorum == Some(true) && q(before, p.id) == Some(false))
        .map(|p| p.id)
        .collect();
    if !lost.is_empty() {
        events.push(Level::Critical, quorum_words(&lost, "lost quorum"));
    }
    if !regained.is_empty() {
        events.push(Level::Ok, quorum_words(&regained, "regained quorum"));
    }
}

/// "partition 3 lost quorum" or "2 partitions lost quorum (1,2)": the ids last, where a
/// narrow pane may cut them.
fn quorum_words(which: &[i32], what: &str) -> String {
    match which {
        [one] => format!("partition {one} {what}"),
        _ => format!("{} partitions {what} ({})", which.len(), ids(which)),
    }
}

fn leaders(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    for p in &after.partitions {
        let old = before
            .partitions
            .iter()
            .find(|x| x.id == p.id)
            .and_then(|x| x.leader);
        if let (Some(o), Some(n)) = (old, p.leader)
            && o != n
        {
            events.push(
                Level::Ok,
                format!("partition {} leader moved {o} → {n}", p.id),
            );
        }
    }
}

fn exporters(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    for e in &after.exporters {
        let Some(b) = before.exporters.iter().find(|x| x.id == e.id) else {
            continue;
        };
        if b.status != e.status {
            events.push(
                Level::Ok,
                format!("exporter {} {} → {}", e.id, b.status, e.status),
            );
        }
        // Stuck and moving again are told once each; "cannot tell" (null) in between, as
        // after a failed scrape, is neither.
        match (b.stuck, e.stuck) {
            (Some(false) | None, Some(true)) => events.push(
                Level::Warning,
                format!(
                    "exporter {} stuck on partitions {}",
                    e.id,
                    super::words::id_ranges(&e.stuck_partitions())
                ),
            ),
            (Some(true), Some(false)) => {
                events.push(Level::Ok, format!("exporter {} moves again", e.id))
            }
            _ => {}
        }
    }
}

fn change(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    match (
        &before.cluster.pending_change,
        &after.cluster.pending_change,
    ) {
        (None, Some(c)) => events.push(
            Level::Warning,
            format!("topology change #{} started ({} operations)", c.id, c.total),
        ),
        (Some(c), None) => {
            let outcome = after
                .cluster
                .last_change
                .as_ref()
                .filter(|l| l.id == c.id)
                .map(|l| l.status.to_string())
                .unwrap_or_else(|| "finished".into());
            events.push(Level::Ok, format!("topology change #{} {outcome}", c.id));
        }
        _ => {}
    }
}

fn processing(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    if before.processing != after.processing && after.processing != Processing::Unknown {
        let level = match after.processing {
            Processing::Active => Level::Ok,
            Processing::Degraded => Level::Warning,
            _ => Level::Critical,
        };
        events.push(level, format!("processing {}", after.processing.as_str()));
    }
}

/// A run's story as its lease tells it (issue 17 §1), so the war room's event pane follows
/// another c8dr's run: it appears, moves on a step or a state, its lease expires (or is
/// renewed again), it is released with its outcome. A run released before this cockpit first
/// saw it is no news.
fn runs(before: &ClusterView, after: &ClusterView, events: &mut Events) {
    use super::run_lease::Liveness;
    for r in &after.runs {
        let prev = before
            .runs
            .iter()
            .find(|b| b.region == r.region && b.lease.run == r.lease.run);
        let level = match (prev, r.liveness) {
            (None, Liveness::Released) => None,
            (None, _) => Some(Level::Warning),
            (Some(p), l) if p.liveness != l => Some(match l {
                Liveness::Live => Level::Ok,
                Liveness::Expired => Level::Warning,
                Liveness::Released if r.lease.state == "completed" => Level::Ok,
                Liveness::Released => Level::Warning,
            }),
            // Released before and still: its outcome was told when it was released.
            (Some(_), Liveness::Released) => None,
            (Some(p), _) => (p.lease.step != r.lease.step || p.lease.state != r.lease.state)
                .then_some(Level::Ok),
        };
        if let Some(level) = level {
            events.push(level, r.sentence.clone());
        }
    }
}
