//! The verdict: level, processing and the first reason on one line, the further reasons
//! below it, each naming the dashboard's keys for what to do. When the area cannot hold them
//! all, the headline says how many are not shown: a reminder is never silently cut off.

use super::{level_style, level_word};
use crate::model::run_lease::Liveness;
use crate::model::{Advice, ClusterView, Front, Processing, Reason, RunView};
use crate::runbook::engine::RunState;
use crate::runbook::plan::Procedure;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Lines each reason needs at this width: the headline's, then each further one's.
fn lines_needed(reasons: &[String], width: u16) -> Vec<usize> {
    let w = width.max(20) as usize;
    let head = if width < 100 { 30 } else { 40 };
    reasons
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let n = r.chars().count();
            if i == 0 {
                (head + n).div_ceil(w)
            } else {
                (n + 5).div_ceil(w)
            }
        })
        .collect()
}

/// The runs going on: this cockpit's own, and another c8dr's whose lease is held.
#[derive(Clone, Copy, Default)]
pub struct Runs<'a> {
    pub own: Option<&'a RunState>,
    pub other: Option<&'a RunView>,
}

/// A reason as the dashboard says it: its runbook's key, or, while that runbook runs, that it
/// runs (telling the operator to press F during the failover they are running is false advice;
/// so is it during a colleague's, which c8dr would refuse to start next to it). A colleague's
/// run whose lease expired leaves the key: taking it over is what may be needed.
fn words(r: &Reason, runs: Runs) -> String {
    let procedure = |p: Procedure| match (&r.advice, p) {
        (Some(Advice::FailOver { .. }), Procedure::Failover) => Some("failover"),
        (Some(Advice::FailBack { .. }), Procedure::Failback) => Some("failback"),
        _ => None,
    };
    if let Some(what) = runs.own.and_then(|s| procedure(s.inputs.procedure)) {
        return format!("{} ({what} running: r returns to it)", r.text);
    }
    let theirs = runs
        .other
        .filter(|o| o.liveness == Liveness::Live)
        .and_then(|o| {
            let p = match o.lease.procedure.as_str() {
                "failover" => Procedure::Failover,
                "failback" => Procedure::Failback,
                _ => return None,
            };
            Some((
                procedure(p)?,
                o.lease.holder.as_deref().unwrap_or("another c8dr"),
            ))
        });
    match theirs {
        Some((what, by)) => format!("{} ({what} by {by})", r.text),
        None => r.words(Front::Tui),
    }
}

/// The reasons as the dashboard says them, with the runs going on.
fn reasons(v: &ClusterView, runs: Runs) -> Vec<String> {
    v.verdict.detail.iter().map(|r| words(r, runs)).collect()
}

/// Lines the verdict needs at this width: the headline, then the further reasons.
pub fn height(v: &ClusterView, run: Runs, width: u16) -> u16 {
    let reasons = reasons(v, run);
    lines_needed(&reasons, width).iter().sum::<usize>().max(1) as u16
}

pub fn draw(f: &mut Frame, area: Rect, v: &ClusterView, run: Runs, t: &Theme) {
    let (glyph, word) = level_word(v.verdict.level);
    let style = level_style(t, v.verdict.level);
    let processing = match v.processing {
        Processing::Active => "processing ACTIVE",
        Processing::Degraded => "processing DEGRADED",
        Processing::Halted => "processing HALTED",
        Processing::Unknown => "processing UNKNOWN",
    };
    let reasons = reasons(v, run);
    // The reasons that fit; the headline says how many do not, where it is always seen.
    let needed = lines_needed(&reasons, area.width);
    let room = area.height.max(1) as usize;
    let mut used = 0;
    let mut shown = 0;
    // A reason whose first line fits is shown (its end may be cut); only those with no line
    // left count as more.
    for need in &needed {
        if shown > 0 && used >= room {
            break;
        }
        used += need;
        shown += 1;
    }
    let hidden = reasons.len() - shown;
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {glyph} {word} "),
            style.add_modifier(Modifier::REVERSED),
        ),
        Span::styled(
            if hidden > 0 {
                format!(" +{hidden} more ·")
            } else {
                String::new()
            },
            style.add_modifier(Modifier::BOLD),
        ),
        // Narrow: the processing word alone (the matrix below shows quorum), so that the
        // second reason, often what to do next, still gets a line at 80x24.
        Span::styled(
            if area.width < 100 {
                format!(" {} · ", processing.trim_start_matches("processing "))
            } else {
                format!(" {processing} ({}) · ", v.quorum_words())
            },
            style,
        ),
        Span::raw(reasons.first().cloned().unwrap_or_default()),
    ])];
    for r in reasons.iter().take(shown).skip(1) {
        lines.push(Line::from(vec![
            Span::styled("   ▸ ", style),
            Span::raw(r.clone()),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
