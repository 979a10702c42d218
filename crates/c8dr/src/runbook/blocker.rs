//! A topology change that blocks a step (camunda/camunda#63506): the change in flight that the
//! run did not start, described as the operator needs it to decide whether to cancel it — its
//! id, age, progress, operations, what it waits on — and the risk of cancelling it. Pure: built
//! from a fresh view.

use crate::api::{BrokerId, Region};
use crate::model::{ChangeView, ClusterView};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The change in flight, as the offer to cancel it shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    pub id: i64,
    pub status: String,
    pub done: usize,
    pub total: usize,
    pub started_at: Option<String>,
    /// Time from its start to the view's instant (`None`: its start is not reported).
    pub age: Option<Duration>,
    /// Per operation kind: how many are done and how many pending, with their brokers.
    pub done_ops: Vec<String>,
    pub pending_ops: Vec<String>,
    pub next: Option<String>,
    /// Brokers of the lost region that pending operations need.
    pub waits_on: Vec<BrokerId>,
    /// The broker a cancel is sent to: the lowest member (camunda/camunda#16424; a cancel is
    /// no force request).
    pub coordinator: Option<BrokerId>,
    /// The coordinator is in the lost region: the cancel cannot reach it (#63506).
    pub coordinator_lost: bool,
    /// 8.10: it is an exporting pause or resume (`EXPORTING_STATE_CHANGE`), to this state.
    pub exporting: Option<String>,
}

/// The pending change of `view`, described against the lost region `lost`.
pub fn describe(view: &ClusterView, lost: Region) -> Option<Blocker> {
    let c = view.cluster.pending_change.as_ref()?;
    let coordinator = view
        .brokers
        .iter()
        .filter(|b| b.member == Some(true))
        .map(|b| b.id)
        .min();
    let mut waits_on: Vec<BrokerId> = c
        .operations
        .iter()
        .filter(|o| !o.done)
        .filter_map(|o| o.broker)
        .filter(|b| view.region_of(*b) == Some(lost))
        .collect();
    waits_on.sort();
    waits_on.dedup();
    Some(Blocker {
        id: c.id,
        status: c.status.to_string(),
        done: c.done,
        total: c.total,
        started_at: c.started_at.as_deref().map(|s| {
            // To the second: the nanoseconds the API prints only make the line longer.
            match crate::api::Timestamp::parse(s).instant() {
                Some(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                None => s.to_string(),
            }
        }),
        age: age(c, &view.at),
        done_ops: kinds(c, true),
        pending_ops: kinds(c, false),
        next: c.next.clone(),
        waits_on,
        coordinator,
        coordinator_lost: coordinator.is_some_and(|b| view.region_of(b) == Some(lost)),
        exporting: exporting_state(c),
    })
}

/// The state an exporting change sets ("EXPORTING_STATE_CHANGE broker 1 to PAUSED"), when
/// the change is one (camunda/camunda#39743: 8.10 pauses and resumes through the
/// configuration); `?` when its operations do not say.
fn exporting_state(c: &ChangeView) -> Option<String> {
    let ops: Vec<&str> = c
        .operations
        .iter()
        .filter(|o| o.words.starts_with("EXPORTING_STATE_CHANGE"))
        .map(|o| o.words.as_str())
        .collect();
    let first = ops.first()?;
    Some(
        first
            .rsplit_once(" to ")
            .map_or("?", |(_, state)| state)
            .to_string(),
    )
}

fn age(c: &ChangeView, at: &str) -> Option<Duration> {
    let start = crate::api::Timestamp::parse(c.started_at.as_deref()?).instant()?;
    let now = crate::api::Timestamp::parse(at).instant()?;
    now.duration_since(start).try_into().ok()
}

/// "PARTITION_RECONFIGURE_PRIORITY ×16 (brokers 0, 2, 4, 6)", one per kind.
fn kinds(c: &ChangeView, done: bool) -> Vec<String> {
    let mut by: BTreeMap<String, (usize, BTreeSet<BrokerId>)> = BTreeMap::new();
    for o in c.operations.iter().filter(|o| o.done == done) {
        let kind = o.words.split(' ').next().unwrap_or_default().to_string();
        let e = by.entry(kind).or_default();
        e.0 += 1;
        e.1.extend(o.broker);
    }
    by.into_iter()
        .map(|(kind, (n, brokers))| {
            let b = if brokers.is_empty() {
                String::new()
            } else {
                format!(" (brokers {})", list(brokers.iter()))
            };
            format!("{kind} ×{n}{b}")
        })
        .collect()
}

fn list<'a>(ids: impl Iterator<Item = &'a BrokerId>) -> String {
    ids.map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// "45 s", "3 min 12 s", "2 h 5 min".
pub fn duration_words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl Blocker {
    /// What the operator reads before deciding: the change, its progress, what it waits on,
    /// and the risk of cancelling it (the server's own warning: nothing is rolled back).
    pub fn lines(&self, lost_name: &str) -> Vec<String> {
        let since = match (&self.started_at, self.age) {
            (Some(at), Some(age)) => format!(", started {at} ({} ago)", duration_words(age)),
            (Some(at), None) => format!(", started {at}"),
            _ => String::new(),
        };
        // Most important first: a small pane shows the head of the list.
        let mut v = vec![format!(
            "blocking change #{} {}{since}: {}/{} operations done",
            self.id, self.status, self.done, self.total
        )];
        if let Some(state) = &self.exporting {
            v.push(format!(
                "it is an exporting change (EXPORTING_STATE_CHANGE to {state}: since 8.10 a pause or resume, e.g. a backup job's, is a cluster change): cancelled, the {} brokers that applied it stay {state}, the others do not change; after the failover check GET /v2/exporting and pause or resume again",
                self.done
            ));
        }
        v.push(format!(
            "risk: cancelling rolls nothing back: the {} applied operations stay and the {} pending ones are dropped, leaving the topology partially changed; check it after the failover and redo what the change was for",
            self.done,
            self.total.saturating_sub(self.done)
        ));
        if self.coordinator_lost
            && let Some(c) = self.coordinator
        {
            v.push(format!(
                "the cancel goes to the coordinator, broker {c}, which is in the lost {lost_name}: it will likely fail (camunda/camunda#63506 has no way out through the API; escalate to Camunda support)"
            ));
        }
        if !self.waits_on.is_empty() {
            v.push(format!(
                "it waits on brokers {} of the lost {lost_name}: it cannot finish while the region is lost, and the force removal is refused while it is pending",
                list(self.waits_on.iter())
            ));
        }
        if self.waits_on.is_empty() && !self.coordinator_lost {
            v.push(format!(
                "it needs no broker of the lost {lost_name}: it may still finish by itself (retry to wait and look again)"
            ));
        }
        if !self.done_ops.is_empty() {
            v.push(format!("done: {}", self.done_ops.join("; ")));
        }
        if !self.pending_ops.is_empty() {
            v.push(format!("pending: {}", self.pending_ops.join("; ")));
        }
        if let Some(n) = &self.next {
            v.push(format!("next: {n}"));
        }
        v
    }

    /// The step's title while it offers the cancel.
    pub fn title(&self) -> String {
        format!("Cancel the blocking change #{}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChangeOperationView, ChangeState};

    fn op(words: &str, broker: i32, done: bool) -> ChangeOperationView {
        ChangeOperationView {
            words: format!("{words} broker {broker}"),
            broker: Some(BrokerId::Numbered(broker)),
            done,
        }
    }

    fn change() -> ChangeView {
        ChangeView {
            id: 7,
            status: ChangeState::from_word("IN_PROGRESS"),
            done: 2,
            total: 4,
            next: Some("PARTITION_RECONFIGURE_PRIORITY broker 1 partition 1".into()),
            started_at: Some("2026-11-30T22:00:00Z".into()),
            operations: vec![
                op("PARTITION_RECONFIGURE_PRIORITY", 0, true),
                op("PARTITION_RECONFIGURE_PRIORITY", 2, true),
                op("PARTITION_RECONFIGURE_PRIORITY", 1, false),
                op("PARTITION_RECONFIGURE_PRIORITY", 3, false),
            ],
        }
    }

    #[test]
    fn the_blocking_change_shows_its_age_progress_operations_and_risk() {
        let c = change();
        let b = Blocker {
            id: c.id,
            status: c.status.to_string(),
            done: c.done,
            total: c.total,
            started_at: c.started_at.clone(),
            age: age(&c, "2026-11-30T22:03:12Z"),
            done_ops: kinds(&c, true),
            pending_ops: kinds(&c, false),
            next: c.next.clone(),
            waits_on: vec![BrokerId::Numbered(1), BrokerId::Numbered(3)],
            coordinator: Some(BrokerId::Numbered(0)),
            coordinator_lost: false,
            exporting: None,
        };
        assert_eq!(b.age, Some(Duration::from_secs(192)));
        let text = b.lines("paris").join("\n");
        for part in [
            "blocking change #7 IN_PROGRESS, started 2026-11-30T22:00:00Z (3 min 12 s ago): 2/4 operations done",
            "done: PARTITION_RECONFIGURE_PRIORITY ×2 (brokers 0, 2)",
            "pending: PARTITION_RECONFIGURE_PRIORITY ×2 (brokers 1, 3)",
            "it waits on brokers 1, 3 of the lost paris",
            "rolls nothing back: the 2 applied operations stay and the 2 pending ones are dropped",
            "partially changed",
        ] {
            assert!(text.contains(part), "{part:?} in\n{text}");
        }
        assert!(!text.contains("coordinator"), "{text}");
        assert!(!text.contains("may still finish"), "{text}");
        let slow = Blocker {
            waits_on: vec![],
            ..b.clone()
        };
        assert!(
            slow.lines("paris")
                .join("\n")
                .contains("may still finish by itself")
        );
        let lost = Blocker {
            coordinator_lost: true,
            ..b
        };
        assert!(
            lost.lines("london")
                .join("\n")
                .contains("coordinator, broker 0, which is in the lost london")
        );
    }

    #[test]
    fn an_exporting_change_is_named_with_what_cancelling_it_leaves() {
        let mut c = change();
        c.operations = vec![
            op("EXPORTING_STATE_CHANGE", 0, true),
            op("EXPORTING_STATE_CHANGE", 1, false),
        ];
        for o in &mut c.operations {
            o.words.push_str(" to PAUSED");
        }
        let b = Blocker {
            exporting: exporting_state(&c),
            ..from(&c)
        };
        assert_eq!(b.exporting.as_deref(), Some("PAUSED"));
        let lines = b.lines("paris");
        assert!(
            lines[1].starts_with("it is an exporting change (EXPORTING_STATE_CHANGE to PAUSED"),
            "{lines:?}"
        );
        assert!(lines[1].contains("GET /v2/exporting"), "{lines:?}");
        assert_eq!(exporting_state(&change()), None);
        assert!(
            !from(&change())
                .lines("paris")
                .join("\n")
                .contains("exporting")
        );
    }

    fn from(c: &ChangeView) -> Blocker {
        Blocker {
            id: c.id,
            status: c.status.to_string(),
            done: c.done,
            total: c.total,
            started_at: c.started_at.clone(),
            age: None,
            done_ops: kinds(c, true),
            pending_ops: kinds(c, false),
            next: c.next.clone(),
            waits_on: vec![],
            coordinator: Some(BrokerId::Numbered(0)),
            coordinator_lost: false,
            exporting: None,
        }
    }

    #[test]
    fn ages_read_in_words() {
        assert_eq!(duration_words(Duration::from_secs(45)), "45 s");
        assert_eq!(duration_words(Duration::from_secs(7500)), "2 h 5 min");
        let mut c = change();
        c.started_at = Some("not a time".into());
        assert_eq!(age(&c, "2026-11-30T22:03:12Z"), None);
    }
}
