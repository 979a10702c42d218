//! The partition matrix: one row per partition (filtered by `/`), one column per broker,
//! region 0's brokers left of the bar and region 1's right of it, then the leader that can
//! commit, the live replicas and quorum with the spare replicas left.

use super::block;
use crate::api::{BrokerId, Region};
use crate::model::{ClusterView, PartitionView};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let focused = app.pane == Pane::Partitions;
    let filter = if app.partition_filter.is_empty() {
        String::new()
    } else {
        format!(" filter /{} ", app.partition_filter)
    };
    let title = Line::from(vec![
        Span::styled(
            " Partitions · region0 brokers │ region1 brokers ",
            t.accent().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            "◆ leader ○ follower ◇ says leader, no quorum ✖ missing · none ",
            t.dim(),
        ),
        Span::styled(filter, t.warning()),
    ]);
    let region_brokers = |r: Region| -> Vec<BrokerId> {
        v.brokers
            .iter()
            .filter(|b| b.region == r)
            .map(|b| b.id)
            .collect()
    };
    let columns = Region::BOTH.map(region_brokers);
    let mut lines = vec![head(&columns, t)];
    let rows = app.filtered_partitions();
    let visible = area.height.saturating_sub(3) as usize;
    // The selected row stays in view.
    let offset = if focused && app.selected >= visible {
        app.selected + 1 - visible
    } else {
        0
    };
    for (i, p) in rows.iter().enumerate().skip(offset).take(visible) {
        lines.push(row(p, &columns, focused && app.selected == i, t));
    }
    if rows.len() > visible {
        lines.push(Line::from(Span::styled(
            format!(
                " … {} of {} partitions shown (↑↓ scroll, / filter)",
                visible.min(rows.len()),
                rows.len()
            ),
            t.dim(),
        )));
    }
    f.render_widget(Paragraph::new(lines).block(block(t, title, focused)), area);
}

/// The broker ids over their columns.
fn head(columns: &[Vec<BrokerId>; 2], t: &Theme) -> Line<'static> {
    let mut head = vec![Span::styled(format!("{:<8}", " broker"), t.dim())];
    head.extend(
        columns[0]
            .iter()
            .map(|b| Span::styled(format!("{b:^3}"), t.dim())),
    );
    head.push(Span::styled(" │ ", t.dim()));
    head.extend(
        columns[1]
            .iter()
            .map(|b| Span::styled(format!("{b:^3}"), t.dim())),
    );
    head.push(Span::styled("  leader  live  quorum", t.dim()));
    Line::from(head)
}

fn row(
    p: &PartitionView,
    columns: &[Vec<BrokerId>; 2],
    selected: bool,
    t: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(" P{:<6}", p.id),
        if selected {
            t.selected()
        } else {
            Style::default()
        },
    )];
    spans.extend(columns[0].iter().map(|b| cell(p, *b, t)));
    spans.push(Span::styled(" │ ", t.dim()));
    spans.extend(columns[1].iter().map(|b| cell(p, *b, t)));
    spans.push(Span::raw(format!(
        "  {:>6}",
        p.leader.map_or("—".into(), |l| l.to_string())
    )));
    spans.push(Span::raw(format!(
        "  {}/{}",
        p.live_replicas.len(),
        p.replica_count
    )));
    spans.push(match p.has_quorum {
        Some(true) => match p.spare {
            Some(0) => Span::styled("  ✔ quorum ⚠ last spare", t.warning()),
            Some(n) => Span::styled(format!("  ✔ quorum +{n}"), t.ok()),
            None => Span::styled("  ✔ quorum", t.ok()),
        },
        Some(false) => Span::styled("  ✖ LOST", t.critical()),
        None => Span::styled("  ? unknown", t.unknown()),
    });
    Line::from(spans)
}

/// Broker `b`'s replica of partition `p`.
fn cell(p: &PartitionView, b: BrokerId, t: &Theme) -> Span<'static> {
    let (glyph, style) = super::mark_glyph(crate::model::replica_mark(p, b), t);
    Span::styled(format!(" {glyph} "), style)
}
