//! `c8dr status` and `c8dr check` renderings of a [`ClusterView`]: a one-screen summary in
//! words for people, and one monitoring-plugin line with performance data for Nagios-style
//! checks. Every state is a word, not only a colour (there is no colour here at all).

pub mod thresholds;

use crate::model::{ClusterView, Level, Processing, Reach, ReplicaRole};
use std::fmt::Write;

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Ok => "OK",
        Level::Warning => "WARNING",
        Level::Critical => "CRITICAL",
        Level::Unknown => "UNKNOWN",
    }
}

fn processing_word(p: Processing) -> &'static str {
    match p {
        Processing::Active => "ACTIVE",
        Processing::Degraded => "DEGRADED",
        Processing::Halted => "HALTED",
        Processing::Unknown => "UNKNOWN",
    }
}

fn ids(v: &[impl std::fmt::Display]) -> String {
    if v.is_empty() {
        "—".into()
    } else {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The human summary (about one screen for the documented 8-partition layout).
pub fn human(v: &ClusterView) -> String {
    let mut s = String::new();
    headline(&mut s, v);
    regions(&mut s, v);
    brokers(&mut s, v);
    partitions(&mut s, v);
    exporters(&mut s, v);
    s
}

/// Where traffic goes, in words.
fn traffic_words(v: &ClusterView) -> String {
    match (&v.traffic.observed, v.traffic.agrees) {
        (Some(obs), agrees) => format!(
            "traffic → {} ({}{})",
            if obs.is_empty() {
                "nowhere".to_string()
            } else {
                obs.iter()
                    .map(|r| format!("region{r}"))
                    .collect::<Vec<_>>()
                    .join("+")
            },
            v.traffic.mode,
            match (agrees, &v.traffic.expected) {
                (Some(true), _) => ", DNS agrees".to_string(),
                (Some(false), Some(exp)) => format!(
                    ", DNS DISAGREES: should be {}",
                    if exp.is_empty() {
                        "nowhere".to_string()
                    } else {
                        exp.iter()
                            .map(|r| format!("region{r}"))
                            .collect::<Vec<_>>()
                            .join("+")
                    }
                ),
                (Some(false), None) => ", DNS DISAGREES".to_string(),
                (None, _) => String::new(),
            }
        ),
        (None, _) => format!(
            "traffic: {} mode, primary region{} (DNS not checked)",
            v.traffic.mode, v.traffic.primary
        ),
    }
}

/// The deployment, the verdict with its reasons, and the cluster in one line.
fn headline(s: &mut String, v: &ClusterView) {
    let version = v
        .cluster
        .gateway_version
        .as_deref()
        .unwrap_or("version unknown");
    let traffic = traffic_words(v);
    let _ = writeln!(s, "c8dr · {} · {version} · {traffic} · {}", v.name, v.at);
    let _ = writeln!(
        s,
        "{:<9} {}",
        level_word(v.verdict.level),
        v.verdict.reasons.first().map(String::as_str).unwrap_or("")
    );
    for r in v.verdict.reasons.iter().skip(1) {
        let _ = writeln!(s, "{:<9} {r}", "");
    }
    // Runs other c8dr cockpits hold leases for (issue 17 §1); a released one is history.
    for run in v.runs.iter().filter(|r| r.held()) {
        let _ = writeln!(s, "{:<9} {}", "RUN", run.sentence);
    }
    let _ = writeln!(
        s,
        "\nprocessing {} · partitions {} · cluster {} brokers, RF {}, {} partitions{}",
        processing_word(v.processing),
        v.quorum_words(),
        v.cluster.size.map_or("?".into(), |n| n.to_string()),
        v.cluster
            .replication_factor
            .map_or("?".into(), |n| n.to_string()),
        v.cluster.partitions.map_or("?".into(), |n| n.to_string()),
        match (&v.cluster.pending_change, &v.cluster.last_change) {
            (Some(c), _) => format!(" · change #{} in progress {}/{}", c.id, c.done, c.total),
            (None, Some(l)) => format!(" · last change #{} {}", l.id, l.status),
            _ => String::new(),
        }
    );
    let _ = writeln!(s);
}

fn regions(s: &mut String, v: &ClusterView) {
    for r in &v.regions {
        let reach = match r.reachable {
            Reach::Up => format!("up (data {:.1} s old)", r.data_age_s.unwrap_or(0.0)),
            Reach::Down => format!(
                "UNREACHABLE since {}",
                r.unreachable_since.as_deref().unwrap_or("?")
            ),
            Reach::Unknown => "unknown".into(),
        };
        let pods = match (r.pods_ready, r.pods_total) {
            (Some(a), Some(b)) => format!(" · pods {a}/{b} ready"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "region{} {:<10} {reach} · brokers {}/{} · Elasticsearch {}{pods}",
            r.id,
            r.name,
            r.brokers_up.map_or("?".into(), |n| n.to_string()),
            r.brokers_expected.map_or("?".into(), |n| n.to_string()),
            r.elasticsearch.status
        );
        if r.reachable != Reach::Up
            && let Some(e) = &r.last_error
        {
            let _ = writeln!(s, "{:>18} last error: {e}", "");
        }
        if r.reachable == Reach::Up
            && let Ok(now) = v.at.parse::<jiff::Timestamp>()
            && let Some(w) =
                r.failing_words(now, |src| src != crate::model::Source::ElasticsearchHealth)
        {
            let _ = writeln!(s, "{:>18} failing: {w}", "");
        }
    }
}

fn brokers(s: &mut String, v: &ClusterView) {
    let _ = writeln!(
        s,
        "\nbroker  region  reachable  member  pod      partitions (role)"
    );
    let yn = |o: Option<bool>| match o {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "?",
    };
    for b in &v.brokers {
        let parts: Vec<String> = b
            .partitions
            .iter()
            .map(|p| {
                let role = match p.role {
                    ReplicaRole::Leader => "L",
                    ReplicaRole::Follower => "f",
                    _ => "·",
                };
                format!("{}{role}", p.id)
            })
            .collect();
        let _ = writeln!(
            s,
            "{:>6}  {:>6}  {:<9}  {:<6}  {:<7}  {}",
            b.id,
            b.region,
            yn(b.reachable),
            yn(b.member),
            match b.pod_ready {
                Some(true) => "ready",
                Some(false) => "NOT rdy",
                None => "?",
            },
            if parts.is_empty() {
                "—".into()
            } else {
                parts.join(" ")
            }
        );
    }
}

/// Every partition, or only those without quorum when there are many.
fn partitions(s: &mut String, v: &ClusterView) {
    let shown: Vec<_> = if v.partitions.len() > 16 {
        v.partitions
            .iter()
            .filter(|p| p.has_quorum != Some(true))
            .take(16)
            .collect()
    } else {
        v.partitions.iter().collect()
    };
    let _ = writeln!(
        s,
        "\npartition  leader  replicas       live           quorum"
    );
    for p in &shown {
        let _ = writeln!(
            s,
            "{:>9}  {:>6}  {:<13}  {:<13}  {}",
            p.id,
            p.leader.map_or("—".into(), |l| l.to_string()),
            ids(&p.replicas),
            ids(&p.live_replicas),
            match p.has_quorum {
                Some(true) => format!("yes {}/{}", p.live_replicas.len(), p.replica_count),
                Some(false) => format!("LOST {}/{}", p.live_replicas.len(), p.replica_count),
                None => "?".into(),
            }
        );
    }
    if shown.len() < v.partitions.len() {
        let _ = writeln!(
            s,
            "{:>9}  ({} more partitions with quorum not listed)",
            "…",
            v.partitions.len() - shown.len()
        );
    }
}

fn exporters(s: &mut String, v: &ClusterView) {
    let exporters: Vec<String> = v
        .exporters
        .iter()
        .map(|e| {
            format!(
                "{} {}{}",
                e.id,
                e.status,
                e.region
                    .map(|r| format!(" → region{r}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "\nexporters {} · exporting {}{}",
        if exporters.is_empty() {
            "unknown".into()
        } else {
            exporters.join(" · ")
        },
        v.exporting,
        v.export
            .lag
            .map(|l| format!(
                " · lag {l}{}",
                if v.export.lag_growing {
                    format!(
                        " and GROWING {:+.0}/s",
                        v.export.lag_per_s.unwrap_or_default()
                    )
                } else {
                    String::new()
                }
            ))
            .unwrap_or_default()
    );
    // Per region, what each exporter's position does (from the brokers' metrics).
    for e in v.exporters.iter().filter(|e| !e.partitions.is_empty()) {
        let region = e
            .region
            .and_then(|r| v.region(r))
            .map(|r| format!("region{} {}", r.id, r.name))
            .unwrap_or_else(|| "region ?".into());
        let _ = writeln!(s, "  {region:<16} {}", e.words());
    }
}

/// The monitoring-plugin line and its exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
pub fn check(v: &ClusterView, t: &thresholds::Args) -> (String, i32) {
    let judged = t.judge(v);
    let level = thresholds::worse(v.verdict.level, judged.level);
    let code = match level {
        Level::Ok => 0,
        Level::Warning => 1,
        Level::Critical => 2,
        Level::Unknown => 3,
    };
    let reasons: Vec<&str> = v
        .verdict
        .reasons
        .iter()
        .chain(&judged.reasons)
        .map(String::as_str)
        .collect();
    let text = reasons.join("; ").replace('|', "/");
    let total = v.partitions.len();
    // Nagios' max stays empty when no region tells how many brokers it should have.
    let brokers_total = v
        .regions
        .iter()
        .map(|r| r.brokers_expected)
        .sum::<Option<usize>>()
        .map_or(String::new(), |n| n.to_string());
    // Nagios' "U": no fresh topology can tell how many brokers are up.
    let brokers_up = v
        .regions
        .iter()
        .map(|r| r.brokers_up)
        .sum::<Option<usize>>()
        .map_or("U".to_string(), |n| n.to_string());
    let mut perf = vec![
        // Critical below all partitions (Nagios range "N:" means "alert when below N").
        format!(
            "partitions_with_quorum={};;{total}:;0;{total}",
            v.partitions_with_quorum()
        ),
        format!("brokers_up={brokers_up};;;0;{brokers_total}"),
    ];
    for r in &v.regions {
        perf.push(format!(
            "region{}_reachable={};;;0;1",
            r.id,
            u8::from(r.reachable == Reach::Up)
        ));
    }
    let age = thresholds::Args::perf(t.age_warning.as_ref(), t.age_critical.as_ref());
    for r in &v.regions {
        if let Some(a) = r.data_age_s {
            perf.push(format!("region{}_data_age={a:.1}s{age};0;", r.id));
        }
    }
    if let Some(l) = v.export.lag {
        let lag = thresholds::Args::perf(t.lag_warning.as_ref(), t.lag_critical.as_ref());
        perf.push(format!("export_lag={l}{lag};0;"));
    }
    (
        format!("C8DR {} - {text} | {}", level_word(level), perf.join(" ")),
        code,
    )
}
