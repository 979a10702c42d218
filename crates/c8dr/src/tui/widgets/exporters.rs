//! The exporters pane: per region, each exporter with its state and what its position does
//! (from the brokers' metrics: exporting, STUCK, blocked, stalled, paused), its lag and how
//! fast it grows, since when the position stands still and the leaders' phase; then whether
//! the leaders export and the lag they report. Two lines per exporter where there is room,
//! one where there is not: the flow word and the lag come first, so a narrow pane keeps them.

use super::block;
use crate::model::{ClusterView, ExporterFlow, ExporterState, ExporterView, Exporting};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let focused = app.pane == Pane::Exporters;
    let rows = usize::from(area.height.saturating_sub(2));
    let with_flow = v
        .exporters
        .iter()
        .filter(|e| !e.partitions.is_empty())
        .count();
    // The leaders' line when it tells what the exporter lines do not: no metrics, exporting
    // not running, or the lag growing with no exporter line saying why (then it keeps its
    // row, and the exporters take one each).
    let told = v
        .exporters
        .iter()
        .any(|e| matches!(e.flow, ExporterFlow::Stuck | ExporterFlow::Stalled));
    let leaders =
        with_flow == 0 || v.exporting != Exporting::Running || (v.export.lag_growing && !told);
    let rows = rows.saturating_sub(usize::from(leaders));
    // A second line per exporter (lag, rate, standstill, phase) when they all fit.
    let two_lines = v.exporters.len() + with_flow <= rows;
    let mut lines: Vec<Line> = vec![];
    for (i, e) in v.exporters.iter().enumerate() {
        lines.push(exporter(v, e, focused && app.selected == i, !two_lines, t));
        if two_lines && !e.partitions.is_empty() {
            lines.push(details(e, t));
        }
    }
    if leaders {
        lines.truncate(rows);
    }
    lines.push(Line::from(vec![
        Span::raw("exporting "),
        Span::styled(
            v.exporting.to_string(),
            // Running while the lag grows is not well: the log cannot be compacted.
            if v.exporting == Exporting::Running && !v.export.lag_growing {
                t.ok()
            } else {
                t.warning()
            },
        ),
        Span::raw(
            v.export
                .lag
                .map(|l| format!(" · lag {l}"))
                .unwrap_or_default(),
        ),
        Span::styled(
            if v.export.lag_growing {
                format!(" ⚠ {:+.0}/s", v.export.lag_per_s.unwrap_or_default())
            } else {
                String::new()
            },
            t.warning(),
        ),
    ]));
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Exporters ", focused)),
        area,
    );
}

/// "✖ STUCK", "⚠ blocked", "✔ exporting" …: the flow as a glyph and a word, styled; none
/// without metrics.
pub fn flow_span(e: &ExporterView, t: &Theme) -> Option<Span<'static>> {
    if e.partitions.is_empty() {
        return None;
    }
    let (text, style) = match e.flow {
        ExporterFlow::Stuck => ("✖ STUCK", t.critical()),
        ExporterFlow::Blocked => ("⚠ blocked", t.warning()),
        ExporterFlow::Stalled => ("⚠ stalled", t.warning()),
        ExporterFlow::Paused => ("⏸ paused", t.warning()),
        ExporterFlow::Exporting => ("✔ exporting", t.ok()),
        ExporterFlow::Idle => ("◦ idle", t.dim()),
        ExporterFlow::Disabled => return None,
        ExporterFlow::Unknown => ("? unknown", t.unknown()),
    };
    Some(Span::styled(text, style))
}

/// The partitions where its position stands still, "P1-8".
fn still_on(e: &ExporterView) -> Option<String> {
    let ids = e.partitions_in(e.flow);
    matches!(
        e.flow,
        ExporterFlow::Stuck | ExporterFlow::Blocked | ExporterFlow::Stalled
    )
    .then(|| format!("P{}", crate::model::id_ranges(&ids)))
}

fn exporter(
    v: &ClusterView,
    e: &ExporterView,
    selected: bool,
    one_line: bool,
    t: &Theme,
) -> Line<'static> {
    // Enabled into a region that does not answer: what to disable, not a healthy state.
    let into_down = e
        .region
        .and_then(|r| v.region(r))
        .is_some_and(|r| r.reachable == crate::model::Reach::Down);
    let style = match e.status {
        ExporterState::Enabled if into_down || e.re_enabled => t.warning(),
        ExporterState::Enabled => t.ok(),
        ExporterState::Disabled => t.warning(),
        _ => t.unknown(),
    };
    let to = e
        .region
        .and_then(|r| v.region(r))
        .map(|r| format!(" → {}", r.name))
        .unwrap_or_default();
    let flow = flow_span(e, t);
    let mut spans = vec![Span::styled(
        format!("{}{to} ", e.id),
        if selected {
            t.selected()
        } else {
            Style::default()
        },
    )];
    // A flow is judged only for an enabled exporter: the word says it, the room is short.
    if flow.is_none() || e.status != ExporterState::Enabled || e.re_enabled || into_down {
        spans.push(Span::styled(format!("{} ", e.status), style));
    }
    if e.legacy {
        spans.push(Span::styled("(legacy) ", t.dim()));
    }
    if e.re_enabled {
        spans.push(Span::styled("✖ re-enabled ", t.critical()));
    }
    if let Some(flow) = flow {
        spans.push(flow);
        if one_line {
            let rest: Vec<String> = still_on(e).into_iter().chain(e.lag_words()).collect();
            if !rest.is_empty() {
                spans.push(Span::raw(format!(" {}", rest.join(" "))));
            }
        }
    }
    Line::from(spans)
}

/// " P1-8 · lag 1234 +52/s · still 9 s" (and the phase when not running).
fn details(e: &ExporterView, t: &Theme) -> Line<'static> {
    let parts: Vec<String> = still_on(e)
        .into_iter()
        .chain(e.lag_words())
        .chain(e.moved_words())
        // Exporting and stuck are judged on running leaders only: say the phase otherwise.
        .chain((e.phase != Exporting::Running).then(|| e.phase.to_string()))
        .collect();
    let style = match e.flow {
        ExporterFlow::Stuck => t.critical(),
        ExporterFlow::Blocked | ExporterFlow::Stalled | ExporterFlow::Paused => t.warning(),
        _ => t.dim(),
    };
    Line::from(Span::styled(format!(" {}", parts.join(" · ")), style))
}
