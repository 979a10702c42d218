//! The exporters pane: each exporter with the region it writes to and its state, then
//! whether the leaders export and the lag.

use super::block;
use crate::model::{ClusterView, ExporterState, ExporterView, Exporting};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let focused = app.pane == Pane::Exporters;
    let mut lines: Vec<Line> = v
        .exporters
        .iter()
        .enumerate()
        .map(|(i, e)| exporter(v, e, focused && app.selected == i, t))
        .collect();
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

fn exporter(v: &ClusterView, e: &ExporterView, selected: bool, t: &Theme) -> Line<'static> {
    // Enabled into a region that does not answer: what to disable, not a healthy state.
    let into_down = e
        .region
        .and_then(|r| v.region(r))
        .is_some_and(|r| r.reachable == crate::model::Reach::Down);
    let style = match e.status {
        ExporterState::Enabled if into_down => t.warning(),
        ExporterState::Enabled => t.ok(),
        ExporterState::Disabled => t.warning(),
        _ => t.unknown(),
    };
    let to = e
        .region
        .and_then(|r| v.region(r))
        .map(|r| format!(" → {}", r.name))
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(
            format!("{}{to} ", e.id),
            if selected {
                t.selected()
            } else {
                Style::default()
            },
        ),
        Span::styled(e.status.to_string(), style),
        Span::styled(if e.legacy { " (legacy)" } else { "" }, t.dim()),
    ])
}
