//! The verdict: one level and reasons in words an operator acts on, most important first.

use super::view::*;

fn list(ids: &[i32]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn since(v: &RegionView, now: jiff::Timestamp) -> String {
    v.unreachable_since
        .as_deref()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| format!(" for {} s", now.duration_since(t).as_secs().max(0)))
        .unwrap_or_default()
}

/// Judges a view.
pub fn judge(v: &ClusterView, now: jiff::Timestamp) -> Verdict {
    let mut critical: Vec<String> = vec![];
    let mut warning: Vec<String> = vec![];
    let total = v.partitions.len();
    let without = v
        .partitions
        .iter()
        .filter(|p| p.has_quorum == Some(false))
        .count();
    let name = |r: u8| {
        format!(
            "region{r} {}",
            v.region(r).map(|x| x.name.as_str()).unwrap_or("")
        )
    };

    let lost: Vec<&RegionView> = v
        .regions
        .iter()
        .filter(|r| r.reachable == Reach::Down)
        .collect();
    if v.regions.iter().all(|r| r.reachable != Reach::Up) {
        let why = v
            .regions
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    name(r.id),
                    r.last_error.as_deref().unwrap_or("no answer yet")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Verdict {
            level: Level::Unknown,
            reasons: vec![format!("no region answers: {why}")],
        };
    }

    for r in &lost {
        let members_there: Vec<i32> = v
            .brokers
            .iter()
            .filter(|b| b.region == r.id && b.member == Some(true))
            .map(|b| b.id)
            .collect();
        if members_there.is_empty() && r.brokers_expected == 0 {
            warning.push(format!(
                "{} unreachable{} (no cluster members there)",
                name(r.id),
                since(r, now)
            ));
            continue;
        }
        let text = match v.processing {
            Processing::Halted => format!(
                "{} unreachable{}; {without}/{total} partitions without quorum; processing halted; fail over (F, or c8dr failover --lost {})",
                name(r.id),
                since(r, now),
                r.name
            ),
            _ if members_there.is_empty() => format!(
                "{} unreachable{}; its {} brokers missing",
                name(r.id),
                since(r, now),
                r.brokers_expected
            ),
            _ => format!(
                "{} unreachable{}; brokers {} missing",
                name(r.id),
                since(r, now),
                list(&members_there)
            ),
        };
        if v.processing == Processing::Halted {
            critical.push(text);
        } else {
            warning.push(text);
        }
    }
    match v.processing {
        Processing::Halted if lost.is_empty() => critical.push(format!(
            "{without}/{total} partitions without quorum; processing halted although both regions answer: brokers cannot reach each other (network split between regions?)"
        )),
        Processing::Degraded => {
            let ids: Vec<i32> = v.partitions.iter().filter(|p| p.has_quorum == Some(false)).map(|p| p.id).collect();
            critical.push(format!("{without}/{total} partitions without quorum (partitions {}); processing degraded", list(&ids)));
        }
        Processing::Unknown if lost.is_empty() => {
            warning.push("processing unknown: no fresh topology from either region".into())
        }
        _ => {}
    }

    // Brokers that are missing while their region answers, or running outside the cluster.
    let missing: Vec<i32> = v
        .brokers
        .iter()
        .filter(|b| b.member == Some(true) && b.reachable == Some(false))
        .filter(|b| v.region(b.region).is_some_and(|r| r.reachable == Reach::Up))
        .map(|b| b.id)
        .collect();
    if !missing.is_empty() {
        warning.push(format!(
            "brokers {} are members but in no topology",
            list(&missing)
        ));
    }
    let outside: Vec<i32> = v
        .brokers
        .iter()
        .filter(|b| b.member == Some(false) && b.reachable == Some(true))
        .map(|b| b.id)
        .collect();
    if !outside.is_empty() {
        warning.push(format!(
            "brokers {} run but are not cluster members (a recreated region waiting to be added back: failback)",
            list(&outside)
        ));
    }
    // The upgrade watch: a partition at its last spare replica stops at the next broker down.
    if v.processing != Processing::Halted {
        let last: Vec<&PartitionView> = v
            .partitions
            .iter()
            .filter(|p| p.has_quorum == Some(true) && p.spare == Some(0))
            .collect();
        if !last.is_empty() {
            let mut brokers: Vec<i32> = last
                .iter()
                .flat_map(|p| p.live_replicas.iter().copied())
                .collect();
            brokers.sort();
            brokers.dedup();
            let ids: Vec<i32> = last.iter().map(|p| p.id).collect();
            warning.push(format!(
                "partitions {} at their last spare replica: one more of brokers {} down stops them (restart brokers one at a time)",
                list(&ids),
                list(&brokers)
            ));
        }
    }
    if let Some(rf) = v.cluster.replication_factor
        && rf < 4
        && v.processing != Processing::Halted
    {
        warning.push(format!(
            "replication factor {rf}: a further broker loss can stop processing; restore two regions (failback)"
        ));
    }

    for e in &v.exporters {
        let Some(r) = e.region else { continue };
        let reach = v.region(r).map(|x| x.reachable).unwrap_or(Reach::Unknown);
        match (e.status.as_str(), reach) {
            ("ENABLED", Reach::Down) if !e.legacy || e.status == "ENABLED" => warning.push(format!(
                "exporter {} is ENABLED but {} is unreachable: disable it (failover step 2) or the log cannot be compacted",
                e.id,
                name(r)
            )),
            ("DISABLED", Reach::Up) if !e.legacy => warning.push(format!(
                "exporter {} is DISABLED while {} answers: its Elasticsearch gets no records (failback: enable it with initializeFrom)",
                e.id,
                name(r)
            )),
            ("ENABLING" | "DISABLING" | "UNKNOWN", _) => {
                warning.push(format!("exporter {} is {}", e.id, e.status))
            }
            _ => {}
        }
    }
    match v.exporting.as_str() {
        "paused" => warning.push("exporting is paused: resume it (POST /actuator/exporting/resume) when the backup is done".into()),
        "mixed" => warning.push("exporting is paused on some partitions only: resume it".into()),
        _ => {}
    }
    if v.export.lag_growing {
        warning.push(format!(
            "export lag {} and growing: the log cannot be compacted and disks fill",
            v.export.lag.unwrap_or(0)
        ));
    }
    if let Some(c) = &v.cluster.pending_change {
        warning.push(format!(
            "topology change #{} in progress ({}/{} operations{})",
            c.id,
            c.done,
            c.total,
            c.next
                .as_deref()
                .map(|n| format!(", next {n}"))
                .unwrap_or_default()
        ));
    }
    if let Some(l) = &v.cluster.last_change
        && l.status != "COMPLETED"
    {
        warning.push(format!("last topology change #{} ended {}", l.id, l.status));
    }
    for r in &v.regions {
        match r.elasticsearch.status.as_str() {
            "green" | "not configured" | "unknown" => {}
            "unreachable" if r.reachable == Reach::Down => {}
            other => warning.push(format!("{} Elasticsearch is {other}", name(r.id))),
        }
    }
    if let (Some(obs), Some(false)) = (&v.traffic.observed, v.traffic.agrees) {
        let to_lost: Vec<u8> = obs
            .iter()
            .copied()
            .filter(|r| lost.iter().any(|l| l.id == *r))
            .collect();
        let shown: Vec<String> = obs.iter().map(|r| name(*r)).collect();
        if !to_lost.is_empty() {
            critical.push(format!(
                "user traffic still goes to unreachable {}: move it (DNS now answers {})",
                to_lost
                    .iter()
                    .map(|r| name(*r))
                    .collect::<Vec<_>>()
                    .join(" and "),
                shown.join(", ")
            ));
        } else if v.traffic.mode == "active-passive" {
            warning.push(format!(
                "user traffic goes to {} but the primary is {}",
                if shown.is_empty() {
                    "no region".to_string()
                } else {
                    shown.join(" and ")
                },
                name(v.traffic.primary)
            ));
        } else {
            warning.push(format!("user traffic goes to {} only", shown.join(" and ")));
        }
    }

    let level = if !critical.is_empty() {
        Level::Critical
    } else if !warning.is_empty() {
        Level::Warning
    } else if v.processing == Processing::Unknown {
        Level::Unknown
    } else {
        Level::Ok
    };
    let mut reasons = critical;
    reasons.extend(warning);
    if reasons.is_empty() && level == Level::Ok {
        reasons.push(format!(
            "processing active: {total}/{total} partitions with quorum; both regions answer"
        ));
    }
    Verdict { level, reasons }
}
