//! The checks and guards of the zone-aware family (zone-aware-dual-region.md §5.2, §5.4): a
//! zone gone from the layout and the membership, a zone back with every broker hosting
//! partitions, the leaders in the preferred region, the zone's brokers absent from the
//! survivor's topology, and the cluster still of the kind a procedure was chosen for. Pure,
//! and fail closed like `check`: no fresh configuration is "cannot tell", never "met".

use super::check::{
    Eval, answering, configuration, pending, region_name, source_problem, survivor_topology,
    with_progress,
};
use crate::api::{BrokerId, Region};
use crate::model::{ClusterView, Source, TopologyKind};

fn in_zone(id: BrokerId, zone: &str) -> bool {
    id.zone().is_some_and(|z| z.as_str() == zone)
}

/// The region configured with the zone, or the one answering when none is (for naming
/// what is missing).
fn zone_region(v: &ClusterView, zone: &str) -> Region {
    v.zones.region_of_name(zone).unwrap_or_else(|| answering(v))
}

fn members_in(v: &ClusterView, zone: &str) -> Vec<BrokerId> {
    v.brokers
        .iter()
        .filter(|b| in_zone(b.id, zone) && b.member == Some(true))
        .map(|b| b.id)
        .collect()
}

fn ids(v: &[BrokerId]) -> String {
    v.iter()
        .map(BrokerId::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The zone is gone from the persisted layout and from the membership, no change pending.
pub fn zone_removed(v: &ClusterView, zone: &str) -> Eval {
    if let Err(e) = configuration(v, zone_region(v, zone).other()) {
        return Eval::unknown(e);
    }
    if let Some(p) = pending(v) {
        return with_progress(v, Eval::new(Some(false), p));
    }
    let in_layout = v.cluster.topology.zones.iter().any(|z| z.name == zone);
    let members = members_in(v, zone);
    let size = v.cluster.size.map_or("?".into(), |s| s.to_string());
    let rf = v
        .cluster
        .replication_factor
        .map_or("?".into(), |s| s.to_string());
    match (in_layout, members.is_empty()) {
        (false, true) => Eval::new(
            Some(true),
            format!(
                "zone {zone} is gone from the layout and the membership; cluster size {size}, replication factor {rf}"
            ),
        ),
        (true, _) => Eval::new(Some(false), format!("zone {zone} is still in the layout")),
        (false, false) => Eval::new(
            Some(false),
            format!("zone {zone}'s brokers {} are still members", ids(&members)),
        ),
    }
}

/// The zone is in the layout again, `brokers` of its brokers are members and each hosts
/// partitions (the ECS failback's "no idle broker"), the replication factor is `rf`, and no
/// change is pending.
pub fn zone_complete(v: &ClusterView, zone: &str, brokers: u32, rf: i32) -> Eval {
    if let Err(e) = configuration(v, zone_region(v, zone).other()) {
        return Eval::unknown(e);
    }
    let members = members_in(v, zone);
    let want = brokers as usize;
    if let Some(p) = pending(v) {
        return with_progress(v, Eval::new(Some(false), p));
    }
    let in_layout = v.cluster.topology.zones.iter().any(|z| z.name == zone);
    let rf_now = v.cluster.replication_factor;
    // Hosting is read from the topology: a member the gateway does not list cannot be told.
    let idle: Vec<BrokerId> = v
        .brokers
        .iter()
        .filter(|b| members.contains(&b.id))
        .filter(|b| b.reachable != Some(true) || b.partitions.is_empty())
        .map(|b| b.id)
        .collect();
    let evidence = format!(
        "zone {zone} {}in the layout; {}/{want} of its brokers are members{}; replication factor {}",
        if in_layout { "" } else { "not " },
        members.len(),
        if idle.is_empty() {
            String::new()
        } else {
            format!(", {} host no partition yet", ids(&idle))
        },
        rf_now.map_or("?".into(), |x| x.to_string())
    );
    Eval {
        met: Some(in_layout && members.len() == want && idle.is_empty() && rf_now == Some(rf)),
        progress: Some((members.len() - idle.len().min(members.len()), want)),
        evidence,
    }
}

/// Every partition's leader is in region `r`.
pub fn leaders_in(v: &ClusterView, r: Region) -> Eval {
    let n = v.partitions.len();
    if n == 0 || v.partitions.iter().any(|p| p.has_quorum.is_none()) {
        return Eval::unknown(format!(
            "the partitions' leaders cannot be told: {}",
            source_problem(v, r.other(), Source::Topology)
        ));
    }
    let there = v
        .partitions
        .iter()
        .filter(|p| p.leader.is_some_and(|b| v.region_of(b) == Some(r)))
        .count();
    Eval {
        met: Some(there == n),
        progress: Some((there, n)),
        evidence: format!("{there}/{n} partitions led from {}", region_name(v, r)),
    }
}

/// None of the zone's brokers is in the surviving gateway's fresh topology.
pub fn zone_absent(v: &ClusterView, zone: &str) -> Result<String, String> {
    let s = zone_region(v, zone).other();
    let listed = survivor_topology(v, s)
        .map_err(|e| format!("cannot tell whether zone {zone}'s brokers are gone: {e}"))?;
    let present: Vec<BrokerId> = listed
        .iter()
        .copied()
        .filter(|b| in_zone(*b, zone))
        .collect();
    if present.is_empty() {
        Ok(format!(
            "no broker of zone {zone} in {}'s fresh topology",
            region_name(v, s)
        ))
    } else {
        Err(format!(
            "zone {zone}'s brokers {} are still in the surviving gateway's topology: the zone runs",
            ids(&present)
        ))
    }
}

/// The cluster is still of the kind the procedure was chosen for.
pub fn topology_is(v: &ClusterView, kind: TopologyKind) -> Result<String, String> {
    configuration(v, answering(v))
        .map_err(|e| format!("cannot tell whether the cluster is {}: {e}", kind.words()))?;
    let t = &v.cluster.topology;
    if t.kind == kind {
        return Ok(format!("the cluster is {}", kind.words()));
    }
    Err(match (kind, t.kind) {
        (TopologyKind::Numbered, TopologyKind::ZoneAware) => {
            "the cluster is zone-aware (brokers <zone>_<n>): the numbered procedure's broker \
             ids would not be the lost region's; c8dr plans the zones API for it (plan again)"
                .to_string()
        }
        (TopologyKind::ZoneAware, TopologyKind::Numbered) => {
            "the cluster is numbered: the zones API refuses it (no persisted zone-aware \
             layout); c8dr plans the numbered procedure for it (plan again)"
                .to_string()
        }
        (_, TopologyKind::Migrating) => format!(
            "the cluster is half-way through the migration to zone-aware brokers ({}): ids are \
             no longer by parity and not all zoned, so neither procedure applies as written \
             (zone-aware-dual-region.md §6.6: no documented procedure)",
            super::setup::migration_words(t)
        ),
        (_, other) => format!("the cluster is {}, not {}", other.words(), kind.words()),
    })
}
