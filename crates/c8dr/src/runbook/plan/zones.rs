//! The zone-aware family (Camunda 8.10+, brokers `<zone>_<n>`): the failover removes the lost
//! region's zone in one forced call, the failback adds it back with the replicas and priority
//! it had and, when it is the preferred zone, moves the leaders back to it. Every step about
//! Elasticsearch, the exporters, the webapps and the traffic stays the numbered procedure's.
//!
//! Camunda documents the zones API (zone-aware-dual-region.md §3) and a zone-aware
//! dual-region runbook only for ECS with RDBMS (§5.2: `failover.sh`, `failback.sh`); its
//! Kubernetes + Elasticsearch procedure is for numbered brokers only (§5.1). Mapping the one
//! onto the other is derived (§5.4), and the step notes say so.

use super::*;
use serde_json::json;

/// A zone name as a path segment: zone names are checked when configured (no `/`, no
/// whitespace), but anything outside the unreserved set is escaped all the same.
fn segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// " (region paris)" when the zone is not named as its region.
fn region_words(i: &Inputs, z: &ZonePlan) -> String {
    if z.name == i.name(i.region) {
        String::new()
    } else {
        format!(" (region {})", i.name(i.region))
    }
}

/// FO-0's guards on a zone-aware cluster: the zone's brokers are gone, whatever their ids.
pub(super) fn loss_guards(i: &Inputs, z: &ZonePlan) -> Vec<Guard> {
    vec![
        Guard::RegionUnreachable(i.region),
        Guard::ZoneAbsent(z.name.clone()),
    ]
}

/// FO-1 (zone-aware): `DELETE /actuator/cluster/zones/{zone}?force=true` through the survivor.
pub(super) fn remove(i: &Inputs, z: &ZonePlan) -> Step {
    let (lost, s) = (i.region, i.survivor());
    Step {
        key: "FO-1".into(),
        title: format!("Force-remove zone {}{}", z.name, region_words(i, z)),
        cite: "zone-aware §5.4 FO-1 (derived), §5.2 failover.sh, §3.2",
        region: s,
        danger: Danger::Force,
        action: Action::Http(Request::management(
            s,
            "DELETE",
            format!("/actuator/cluster/zones/{}?force=true", segment(&z.name)),
            None,
        )),
        check: Check::ZoneRemoved(z.name.clone()),
        guards: vec![
            Guard::RegionReachable(s),
            Guard::RegionUnreachable(lost),
            Guard::ZoneAbsent(z.name.clone()),
            Guard::NoPendingChange,
            Guard::NoForeignChange,
            Guard::TopologyIs(TopologyKind::ZoneAware),
        ],
        note: Some(format!(
            "One change evicts the zone's brokers and drops the zone from the layout: \
             replication factor {} → {}, processing resumes. The zone is named, never a list \
             of ids, so the survivor's brokers cannot be caught. Its {} replicas per partition \
             and priority {} are journaled now ({}): the forced removal drops them from the \
             cluster and the failback needs them. Sent once; never while a change is pending.",
            z.others + z.replicas,
            z.others,
            z.replicas,
            z.priority,
            z.basis.words()
        )),
    }
}

/// FB-1's extra instruction on a zone-aware cluster: the recreated release keeps the zone.
pub(super) fn deploy_note(z: &ZonePlan) -> String {
    format!(
        "Keep the zone-aware values: orchestration.partitioning.zone: {} and the full zones \
         list (both zones) as before the loss. The zone's brokers {}_0… join the membership \
         but host no partitions until FB-7 adds the zone back: not Ready until then, expected.",
        z.name, z.name
    )
}

/// FB-7 (zone-aware): `POST /actuator/cluster/zones/{zone}` with the replicas and priority
/// the zone had.
pub(super) fn readd(i: &Inputs, z: &ZonePlan) -> Step {
    let (r, s) = (i.region, i.survivor());
    let rf = z.others + z.replicas;
    Step {
        key: "FB-7".into(),
        title: format!(
            "Add zone {}{} back ({} brokers, replication factor {rf})",
            z.name,
            region_words(i, z),
            z.brokers
        ),
        cite: "zone-aware §5.4 FB-7 (derived), §5.2 failback.sh, §3.2",
        region: s,
        danger: Danger::Mutating,
        action: Action::Http(Request::management(
            s,
            "POST",
            format!("/actuator/cluster/zones/{}", segment(&z.name)),
            Some(json!({
                "numberOfReplicas": z.replicas,
                "priority": z.priority,
                "numberOfBrokers": z.brokers,
            })),
        )),
        check: Check::ZoneComplete {
            zone: z.name.clone(),
            brokers: z.brokers,
            rf,
        },
        guards: vec![
            Guard::RegionReachable(s),
            Guard::NoPendingChange,
            Guard::RegionReachable(r),
            Guard::TopologyIs(TopologyKind::ZoneAware),
        ],
        note: Some(format!(
            "numberOfReplicas {} and priority {}: {}. The replication factor follows from the \
             zones (a PATCH with replicationFactor is refused on zone-aware clusters). Can take \
             long with much data.",
            z.replicas,
            z.priority,
            z.basis.words()
        )),
    }
}

/// FB-7.1 (zone-aware): leaders moved back to the zone with the highest priority. Re-adding
/// a zone does not move healthy leaders (camunda/camunda#62000); the check is met at once,
/// and the step skipped, when they are already there.
pub(super) fn rebalance(i: &Inputs, z: &ZonePlan) -> Option<Step> {
    let s = i.survivor();
    // The preferred region: the re-added zone if its priority is the highest, else the survivor.
    let preferred = if z.priority > z.others_priority {
        i.region
    } else {
        s
    };
    (preferred == i.region).then(|| Step {
        key: "FB-7.1".into(),
        title: format!("Move the leaders back to {} (rebalance)", i.name(i.region)),
        cite: "zone-aware §7.8, camunda/camunda#62000",
        region: s,
        danger: Danger::Reversible,
        action: Action::Http(Request {
            expect: Expect::Accepted,
            ..Request::management(s, "POST", "/actuator/rebalance".into(), None)
        }),
        check: Check::LeadersIn(i.region),
        guards: vec![Guard::RegionReachable(s), Guard::NoPendingChange],
        note: Some(format!(
            "Zone {} has the highest priority ({}), so its replicas should lead; the re-add \
             leaves the leaders where they are. Optional: processing is complete without it, \
             with every leader in {}.",
            z.name,
            z.priority,
            i.name(s)
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_are_escaped_as_path_segments() {
        assert_eq!(segment("eu-west-1"), "eu-west-1");
        assert_eq!(segment("us_east"), "us_east");
        assert_eq!(segment("a?b#c%"), "a%3Fb%23c%25");
    }
}
