//! Events: what changed between two views, in words, for the events log.

use super::view::*;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: String,
    pub level: Level,
    pub text: String,
}

fn ids(v: &[i32]) -> String {
    v.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The events between `before` and `after`.
pub fn diff(before: &ClusterView, after: &ClusterView) -> Vec<Event> {
    let mut out = vec![];
    let mut push = |level: Level, text: String| {
        out.push(Event {
            at: after.at.clone(),
            level,
            text,
        })
    };
    for r in &after.regions {
        if let Some(b) = before.region(r.id)
            && b.reachable != r.reachable
        {
            match r.reachable {
                Reach::Down => push(
                    Level::Critical,
                    format!("region{} {} unreachable", r.id, r.name),
                ),
                Reach::Up => push(
                    Level::Ok,
                    format!("region{} {} reachable again", r.id, r.name),
                ),
                Reach::Unknown => {}
            }
        }
    }
    let reach = |v: &ClusterView, id: i32| {
        v.brokers
            .iter()
            .find(|b| b.id == id)
            .and_then(|b| b.reachable)
    };
    // Gone: reachable before, and now unreachable or not listed at all (while the view still
    // has a topology to tell).
    let gone: Vec<i32> = before
        .brokers
        .iter()
        .filter(|b| b.reachable == Some(true))
        .filter(|b| match after.brokers.iter().find(|x| x.id == b.id) {
            Some(x) => x.reachable == Some(false),
            None => after.brokers.iter().any(|x| x.reachable.is_some()),
        })
        .map(|b| b.id)
        .collect();
    let back: Vec<i32> = after
        .brokers
        .iter()
        .filter(|b| b.reachable == Some(true) && reach(before, b.id) == Some(false))
        .map(|b| b.id)
        .collect();
    let new: Vec<i32> = after
        .brokers
        .iter()
        .filter(|b| b.reachable == Some(true) && !before.brokers.iter().any(|x| x.id == b.id))
        .map(|b| b.id)
        .collect();
    if !gone.is_empty() {
        push(Level::Warning, format!("brokers {} gone", ids(&gone)));
    }
    if !back.is_empty() {
        push(Level::Ok, format!("brokers {} back", ids(&back)));
    }
    if !new.is_empty() {
        push(Level::Ok, format!("brokers {} appeared", ids(&new)));
    }
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
        push(
            Level::Critical,
            format!("{} partitions lost quorum ({})", lost.len(), ids(&lost)),
        );
    }
    if !regained.is_empty() {
        push(
            Level::Ok,
            format!(
                "{} partitions regained quorum ({})",
                regained.len(),
                ids(&regained)
            ),
        );
    }
    for p in &after.partitions {
        let old = before
            .partitions
            .iter()
            .find(|x| x.id == p.id)
            .and_then(|x| x.leader);
        if let (Some(o), Some(n)) = (old, p.leader)
            && o != n
        {
            push(
                Level::Ok,
                format!("partition {} leader moved {o} → {n}", p.id),
            );
        }
    }
    for e in &after.exporters {
        if let Some(b) = before.exporters.iter().find(|x| x.id == e.id)
            && b.status != e.status
        {
            push(
                Level::Ok,
                format!("exporter {} {} → {}", e.id, b.status, e.status),
            );
        }
    }
    match (
        &before.cluster.pending_change,
        &after.cluster.pending_change,
    ) {
        (None, Some(c)) => push(
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
            push(Level::Ok, format!("topology change #{} {outcome}", c.id));
        }
        _ => {}
    }
    if before.processing != after.processing && after.processing != Processing::Unknown {
        let level = match after.processing {
            Processing::Active => Level::Ok,
            Processing::Degraded => Level::Warning,
            _ => Level::Critical,
        };
        push(level, format!("processing {}", after.processing.as_str()));
    }
    out
}
