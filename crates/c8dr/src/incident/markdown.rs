//! `c8dr report RUN`: the incident record in Markdown, for a postmortem or an audit folder.
//! Every text from outside (server answers, reasons, details) is cleaned of control characters
//! and escaped for a table cell; times are UTC to the millisecond.

use super::record::{IncidentRecord, Phase, StepRecord};
use super::targets::{CI_CEILINGS, NO_PHASE_TARGETS};
use crate::runbook::render::state_word;
use std::fmt::Write;

/// A time as `2026-12-01 08:01:30.123`, or the text as it was when it does not parse.
pub fn at(s: &str) -> String {
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        Err(_) => cell(s),
    }
}

fn at_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "—".into(), at)
}

/// Text for a table cell: one line, no control characters, pipes escaped.
fn cell(s: &str) -> String {
    crate::text::clean(s).replace('|', "\\|")
}

fn secs(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".into(), |m| format!("{:.1} s", m as f64 / 1000.0))
}

fn definition(name: &str) -> (&'static str, &'static str) {
    match name {
        "detect" => ("detect", "first CRITICAL verdict → run start"),
        "decide" => ("decide", "run start → first step that acts approved"),
        "act" => ("act", "first step that acts approved → run end"),
        "run" => ("run", "run start → run end"),
        "c8dr_own" => ("c8dr's own", "the run without waiting for the operator"),
        "operator" => ("operator", "waiting for the operator"),
        _ => ("?", ""),
    }
}

fn judged(p: &Phase) -> String {
    match (&p.judged, p.limit_ms) {
        (Some(j), Some(l)) => format!(
            "≤ {}: {}",
            secs(Some(l)),
            if j == "over" { "OVER" } else { j }
        ),
        _ => "—".into(),
    }
}

/// The whole record.
pub fn render(r: &IncidentRecord) -> String {
    let mut out = String::new();
    let _ = write_all(&mut out, r);
    out
}

fn write_all(out: &mut String, r: &IncidentRecord) -> std::fmt::Result {
    writeln!(out, "# Incident record: {}\n", cell(&r.run))?;
    writeln!(
        out,
        "- **Procedure:** {} of region{}, Camunda {}",
        cell(r.procedure.as_deref().unwrap_or("?")),
        r.region.map_or("?".into(), |x| x.to_string()),
        cell(r.camunda.as_deref().unwrap_or("?")),
    )?;
    writeln!(out, "- **Outcome:** {}", r.outcome)?;
    writeln!(
        out,
        "- **Run:** {} → {} UTC ({})",
        at_opt(r.started_at.as_deref()),
        at_opt(r.ended_at.as_deref()),
        secs(r.timings.total_ms)
    )?;
    if let Some(seen) = &r.timings.incident_seen_at {
        writeln!(out, "- **Incident first seen:** {} UTC", at(seen))?;
    }
    writeln!(out)?;

    writeln!(out, "## Times\n")?;
    writeln!(out, "| Phase | Definition | From | To | Took | Target |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for p in &r.phases {
        let (name, def) = definition(&p.name);
        writeln!(
            out,
            "| {name} | {def} | {} | {} | {} | {} |",
            at_opt(p.from.as_deref()),
            at_opt(p.to.as_deref()),
            secs(p.duration_ms),
            judged(p)
        )?;
    }
    writeln!(out)?;
    match &r.target {
        Some(t) => {
            writeln!(
                out,
                "Documented RTO of the {}: {} ({}).",
                cell(r.procedure.as_deref().unwrap_or("procedure")),
                t.text,
                t.source
            )?;
            if t.plus_restore {
                writeln!(
                    out,
                    "X, the Elasticsearch backup and restore, took {} in this run.",
                    secs(r.timings.restore_ms)
                )?;
            }
        }
        None => writeln!(out, "No documented RTO for this procedure and version.")?,
    }
    writeln!(out, "{NO_PHASE_TARGETS} {CI_CEILINGS}\n")?;

    writeln!(out, "## What the cockpit showed\n")?;
    if r.history.is_empty() {
        writeln!(out, "Nothing was recorded around this run.\n")?;
    } else {
        writeln!(out, "| Time | Observed by | Level | What |")?;
        writeln!(out, "|---|---|---|---|")?;
        for e in &r.history {
            let by = match e {
                super::history::Entry::Verdict { by, .. }
                | super::history::Entry::Event { by, .. } => by,
            };
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                at(e.at()),
                cell(by),
                e.level().word(),
                cell(&e.words())
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Steps\n")?;
    for s in &r.steps {
        write_step(out, s)?;
    }

    writeln!(out, "## Decisions\n")?;
    if r.decisions.is_empty() {
        writeln!(out, "None recorded in the audit trail.\n")?;
    } else {
        writeln!(out, "| Time | Step | Decision | Outcome | By | Detail |")?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for d in &r.decisions {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                at(&d.at),
                cell(&d.step),
                cell(&d.kind),
                cell(&d.outcome),
                cell(&d.user),
                cell(d.detail.as_deref().unwrap_or("")),
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Requests (audit trail)\n")?;
    if r.requests.is_empty() {
        writeln!(out, "None.\n")?;
    } else {
        writeln!(
            out,
            "| Time | Step | Region | Request | Status | Outcome | Took | Body SHA-256 |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        for e in &r.requests {
            let what = match (&e.method, &e.target) {
                (Some(m), Some(t)) => format!("{m} {t}"),
                (None, Some(t)) => t.clone(),
                _ => e.kind.clone(),
            };
            writeln!(
                out,
                "| {} | {} | region{} | {} | {} | {} | {} | {} |",
                at(&e.at),
                cell(&e.step),
                e.region,
                cell(&what),
                e.status.map_or("—".into(), |s| s.to_string()),
                cell(&e.outcome),
                e.duration_ms.map_or("—".into(), |d| format!("{d} ms")),
                e.body_sha256
                    .as_deref()
                    .map_or("—".into(), |d| cell(d.get(..12).unwrap_or(d))),
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Timeline\n")?;
    writeln!(out, "| Time | Source | Step | What |")?;
    writeln!(out, "|---|---|---|---|")?;
    for i in &r.timeline {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            at(&i.at),
            i.source,
            cell(i.step.as_deref().unwrap_or("")),
            cell(&i.what)
        )?;
    }
    if !r.notes.is_empty() {
        writeln!(out, "\n## Notes\n")?;
        for n in &r.notes {
            writeln!(out, "- {}", cell(n))?;
        }
    }
    Ok(())
}

fn write_step(out: &mut String, s: &StepRecord) -> std::fmt::Result {
    writeln!(
        out,
        "### {}. {}: {}{}\n",
        s.index + 1,
        cell(&s.name),
        state_word(s.state),
        s.duration_ms
            .map(|d| format!(" in {}", secs(Some(d))))
            .unwrap_or_default()
    )?;
    if let Some(e) = &s.evidence {
        writeln!(out, "Evidence: {}\n", cell(e))?;
    }
    writeln!(out, "| Time | State | Detail |")?;
    writeln!(out, "|---|---|---|")?;
    for t in &s.transitions {
        writeln!(
            out,
            "| {} | {} | {} |",
            at(&t.at),
            state_word(t.state),
            cell(t.detail.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out)?;
    if !s.requests.is_empty() {
        writeln!(
            out,
            "| Sent | Request | Answered | Status | Verdict | Change |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for q in &s.requests {
            let mut what = format!("{} {}", q.method, q.target);
            if q.dry_run {
                what.push_str(" (dry run)");
            }
            if q.aside {
                what.push_str(" (aside)");
            }
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                at(&q.at),
                cell(&what),
                at_opt(q.answered_at.as_deref()),
                q.status.map_or("none".into(), |x| x.to_string()),
                cell(q.verdict.as_deref().unwrap_or("—")),
                q.change_id.map_or("—".into(), |c| format!("#{c}")),
            )?;
        }
        writeln!(out)?;
    }
    if let Some(docs) = &s.snapshot_docs {
        writeln!(
            out,
            "Documents before the snapshot: {} in {} indices.\n",
            docs.values().sum::<u64>(),
            docs.len()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_one_line_and_times_are_utc_to_the_millisecond() {
        assert_eq!(cell("a|b\nc"), r"a\|b\u{a}c");
        assert_eq!(at("2026-12-01T08:01:30.123456Z"), "2026-12-01 08:01:30.123");
        assert_eq!(at("2026-12-01T08:01:30Z"), "2026-12-01 08:01:30.000");
        assert_eq!(at("garbage|"), r"garbage\|");
    }
}
