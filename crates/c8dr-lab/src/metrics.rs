//! A broker's `GET /actuator/prometheus` (management port 9600): the meters c8dr reads, in
//! the Prometheus text exposition format, driven by the simulation.
//!
//! Names, help texts, labels and value codes are `c8dr_api::metrics`' (from camunda/camunda's
//! meter docs; `fixtures/prometheus/PROVENANCE.md`). As in Zeebe, a broker shows the meters of
//! the partitions it replicates; the exporter director (positions and phase) runs on the
//! partition's leader only. A few unrelated meters come along, as on a real broker, so that
//! readers must skip what they do not know.

use crate::sim::Sim;
use c8dr_api::metrics as m;
use c8dr_api::{BrokerId, ChangeStatus, ExporterPhase};
use std::fmt::Write;

/// One meter family: its samples as `(labels, value)`, written with `# HELP` and `# TYPE`
/// when it has any (Micrometer registers a meter on first use).
struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    samples: Vec<(String, String)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str, kind: &'static str) -> Family {
        Family {
            name,
            help,
            kind,
            samples: vec![],
        }
    }

    fn add(&mut self, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        let labels = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect::<Vec<_>>()
            .join(",");
        self.samples.push((labels, value.to_string()));
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
        for (labels, value) in &self.samples {
            if labels.is_empty() {
                let _ = writeln!(out, "{} {value}", self.name);
            } else {
                let _ = writeln!(out, "{}{{{labels}}} {value}", self.name);
            }
        }
    }
}

/// A label value as the format wants it: backslash, quote and newline escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition broker `b` serves.
pub fn broker(sim: &Sim, b: BrokerId) -> String {
    let mut exported = Family::new(
        m::EXPORTED_POSITION,
        "The last exported position by exporter and partition",
        "gauge",
    );
    let mut state = Family::new(
        m::EXPORTER_STATE,
        "Describes the phase of the exporter, namely if it is exporting (0), paused (1), soft \
         paused (2), or closed (3)",
        "gauge",
    );
    let mut committed = Family::new(
        m::COMMITTED_POSITION,
        "The last committed position",
        "gauge",
    );
    let mut health = Family::new(
        m::HEALTH,
        "Shows current health of the partition (1 = healthy, 0 = unhealthy, -1 = dead)",
        "gauge",
    );
    let mut role = Family::new(m::ROLE, "Shows current role", "gauge");
    let replicas = sim.members.get(&b).map(|m| m.replicas.keys().copied());
    for p in replicas.into_iter().flatten() {
        let Some(rt) = sim.partitions.get(&p) else {
            continue;
        };
        let id = p.to_string();
        let part = [(m::LABEL_PARTITION, id.as_str())];
        committed.add(&part, rt.processed.floor() as i64);
        health.add(&part, i64::from(rt.committing));
        let leader = rt.leader == Some(b);
        role.add(
            &[
                (m::LABEL_PARTITION, &id),
                (m::LABEL_PARTITION_GROUP, "raft-partition"),
            ],
            if leader { 3 } else { 1 },
        );
        if !leader {
            continue;
        }
        for (e, pos) in &rt.exported {
            let pos = pos.min(rt.processed).floor() as i64;
            exported.add(&[(m::LABEL_EXPORTER, e), (m::LABEL_PARTITION, &id)], pos);
        }
        let phase = match sim.exporter_phase(p, b) {
            ExporterPhase::Exporting => Some(0),
            ExporterPhase::Paused => Some(1),
            ExporterPhase::SoftPaused => Some(2),
            ExporterPhase::Closed => Some(3),
            ExporterPhase::Other(_) => None,
        };
        if let Some(phase) = phase {
            state.add(&part, phase);
        }
    }
    let mut out = String::new();
    for f in [&role, &changes_status(sim)] {
        f.write(&mut out);
    }
    for f in changes(sim) {
        f.write(&mut out);
    }
    for f in [&exported, &state, &health, &committed] {
        f.write(&mut out);
    }
    out.push_str(&gateway());
    out
}

/// What every JVM shows (a standalone gateway only this, of what the lab simulates).
pub fn gateway() -> String {
    let mut jvm = Family::new(
        "jvm_threads_live_threads",
        "The current number of live threads including both daemon and non-daemon threads",
        "gauge",
    );
    jvm.add(&[], 84);
    let mut out = String::new();
    jvm.write(&mut out);
    out
}

/// `zeebe_cluster_changes_status`: one series per status, 1 on the current one (the change
/// in progress, else the last one's end, else COMPLETED).
fn changes_status(sim: &Sim) -> Family {
    let current = match (&sim.pending, &sim.last_change) {
        (Some(_), _) => ChangeStatus::InProgress,
        (None, Some(last)) => last.status.clone(),
        (None, None) => ChangeStatus::Completed,
    };
    let mut f = Family::new(
        m::CHANGES_STATUS,
        "The state of the current cluster topology",
        "gauge",
    );
    for s in ["CANCELLED", "COMPLETED", "FAILED", "IN_PROGRESS"] {
        f.add(&[(m::CHANGES_STATUS, s)], i64::from(current.as_str() == s));
    }
    f
}

/// The change in progress: id, version, pending and completed operations (0 without one).
fn changes(sim: &Sim) -> [Family; 4] {
    let p = sim.pending.as_ref();
    let gauge = |name, help, v: usize| {
        let mut f = Family::new(name, help, "gauge");
        f.add(&[], v);
        f
    };
    [
        gauge(
            m::CHANGES_ID,
            "The id of the cluster topology change plan",
            p.map_or(0, |c| c.id.max(0) as usize),
        ),
        gauge(
            m::CHANGES_VERSION,
            "The version of the cluster topology change plan",
            p.map_or(0, |_| sim.version.max(0) as usize),
        ),
        gauge(
            m::CHANGES_PENDING,
            "Number of pending changes in the current change plan",
            p.map_or(0, |c| c.pending.len()),
        ),
        gauge(
            m::CHANGES_COMPLETED,
            "Number of completed changes in the current change plan",
            p.map_or(0, |c| c.completed.len()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
