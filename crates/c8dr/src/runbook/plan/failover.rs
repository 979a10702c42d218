//! The failover steps of both families (dual-region-procedure.md §4.2/§4.4 FO-1, FO-2, with
//! the loss confirmed first, user traffic moved and, when the primary was lost, the
//! region-specific data checklist of the concept pages).

use super::*;
use serde_json::json;

pub(super) fn steps(i: &Inputs) -> Vec<Step> {
    let mut steps = match &i.zone {
        Some(z) => vec![
            Step {
                guards: zones::loss_guards(i, z),
                ..confirm_loss(i)
            },
            zones::remove(i, z),
        ],
        None => vec![confirm_loss(i), force_remove(i)],
    };
    steps.extend(disable_exporters(i));
    steps.push(move_traffic(i));
    steps.push(verify(i));
    steps.extend(recover_primary_data(i));
    steps
}

/// FO-0: the loss confirmed before anything is forced (§6.1).
fn confirm_loss(i: &Inputs) -> Step {
    let lost = i.region;
    Step {
        key: "FO-0".into(),
        title: format!("Confirm {} is lost", i.name(lost)),
        cite: "§6.1 Before failover",
        region: lost,
        danger: Danger::Read,
        action: Action::Observe,
        check: Check::RegionLost(lost),
        guards: vec![
            Guard::RegionUnreachable(lost),
            Guard::BrokersAbsent(i.ids.clone()),
        ],
        note: Some(
            "A temporary loss needs no failover: Zeebe rides it out while the disks have room \
             (§4 preconditions). Fail over when the region will not come back soon."
                .into(),
        ),
    }
}

/// FO-1: the lost brokers force-removed through the survivor (per family's API).
fn force_remove(i: &Inputs) -> Step {
    let (lost, s) = (i.region, i.survivor());
    let v87 = i.family == Family::V86To87;
    let section = if v87 { "§4.2 FO-1" } else { "§4.4 FO-1" };
    let keep = ids_of_region(&i.zones, i.all_ids.iter().copied(), s);
    let request = if v87 {
        // 8.6/8.7: the body lists the brokers to KEEP, as the docs send them (strings).
        Request::management(
            s,
            "POST",
            "/actuator/cluster/brokers?force=true".into(),
            Some(Value::Array(
                keep.iter().map(|id| Value::from(id.to_string())).collect(),
            )),
        )
    } else {
        Request::management(
            s,
            "PATCH",
            "/actuator/cluster?force=true".into(),
            Some(json!({"brokers": {"remove": i.ids}})),
        )
    };
    Step {
        key: "FO-1".into(),
        title: format!("Force-remove {}'s brokers {}", i.name(lost), list(&i.ids)),
        cite: section,
        region: s,
        danger: Danger::Force,
        action: Action::Http(request),
        check: Check::BrokersRemoved(i.ids.clone()),
        guards: vec![
            Guard::RegionReachable(s),
            Guard::RegionUnreachable(lost),
            Guard::BrokersAbsent(i.ids.clone()),
            Guard::NoPendingChange,
            Guard::NoForeignChange,
            Guard::IdsMatchTopology {
                region: lost,
                ids: i.ids.clone(),
            },
            Guard::TopologyIs(TopologyKind::Numbered),
        ],
        note: Some(format!(
            "Sent once: never a second force while one is pending (§3.4). RF becomes {}, \
             quorum is restored, processing resumes.",
            2
        )),
    }
}

/// FO-2: the exporter that writes to the lost region (and a legacy one) disabled.
fn disable_exporters(i: &Inputs) -> Vec<Step> {
    let (lost, s) = (i.region, i.survivor());
    let v87 = i.family == Family::V86To87;
    let mut exporters = vec![i.exporter(lost)];
    if i.legacy_exporters {
        exporters.push(format!("elasticsearchregion{lost}"));
    }
    exporters
        .iter()
        .enumerate()
        .map(|(n, id)| Step {
            key: if n == 0 {
                "FO-2".into()
            } else {
                "FO-2.1".into()
            },
            title: format!("Disable exporter {id} (writes to {})", i.name(lost)),
            cite: if v87 { "§4.2 FO-2" } else { "§4.4 FO-2" },
            region: s,
            danger: Danger::Mutating,
            action: Action::Http(Request::management(
                s,
                "POST",
                format!("/actuator/exporters/{id}/disable"),
                None,
            )),
            check: Check::Exporter {
                id: id.clone(),
                enabled: false,
            },
            guards: vec![Guard::RegionReachable(s)],
            note: Some(
                "The survivors cannot export while one target is unreachable; disabling it \
                 lets export continue and the log compact (camunda/camunda#38724: if export \
                 stays stalled, restart the affected brokers)."
                    .into(),
            ),
        })
        .collect()
}

/// FO-3: user traffic away from the lost region (DNS, done by the operator).
fn move_traffic(i: &Inputs) -> Step {
    let (lost, s) = (i.region, i.survivor());
    let (traffic_title, traffic_how) = if i.active_active {
        (
            format!("Take {} out of the traffic pool", i.name(lost)),
            format!("remove {}'s address from the user-facing DNS", i.name(lost)),
        )
    } else {
        (
            format!("Reroute user traffic to {}", i.name(s)),
            format!(
                "point the user-facing DNS at {} only (active-passive)",
                i.name(s)
            ),
        )
    };
    Step {
        key: "FO-3".into(),
        title: traffic_title,
        cite: "§4 preconditions (traffic), §6.2",
        region: lost,
        danger: Danger::Read,
        action: Action::Manual {
            commands: vec![match &i.dns_hostname {
                Some(h) => format!("{traffic_how}: {h}"),
                None => traffic_how.clone(),
            }],
        },
        check: if i.dns_hostname.is_some() {
            Check::TrafficAway(lost)
        } else {
            Check::Unobservable
        },
        guards: vec![],
        note: Some(
            "The docs leave DNS to the operator; c8dr checks the answer when [traffic] is configured."
                .into(),
        ),
    }
}

/// FO-4: processing resumed and the survivor's exporter still enabled.
fn verify(i: &Inputs) -> Step {
    let s = i.survivor();
    Step {
        key: "FO-4".into(),
        title: "Verify processing resumed".into(),
        cite: "§6.1 After failover",
        region: s,
        danger: Danger::Read,
        action: Action::Observe,
        check: Check::All(vec![
            Check::ProcessingActive,
            Check::Exporter {
                id: i.exporter(s),
                enabled: true,
            },
        ]),
        guards: vec![],
        note: None,
    }
}

/// FO-5, when the primary was lost in active-passive: the data only that region held.
fn recover_primary_data(i: &Inputs) -> Option<Step> {
    let (lost, s) = (i.region, i.survivor());
    (lost == i.primary && !i.active_active).then(|| Step {
        key: "FO-5".into(),
        title: format!("Recover {}'s region-specific data", i.name(lost)),
        cite: "§6.2 region-loss impact (C85/C86/C88)",
        region: s,
        danger: Danger::Read,
        action: Action::Checklist(vec![
            "Tasklist: reassign the tasks that were assigned but not completed".into(),
            "Operate: recreate the batch operations that had not finished".into(),
        ]),
        check: Check::Unobservable,
        guards: vec![],
        note: Some(
            "Losing the primary loses uncompleted batch operations and task assignments; \
                 then fail back to create a new secondary."
                .into(),
        ),
    })
}
