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
    let region_brokers = |r: Region| -> Vec<BrokerId> {
        v.brokers
            .iter()
            .filter(|b| b.region == r)
            .map(|b| b.id)
            .collect()
    };
    let columns = Region::BOTH.map(region_brokers);
    let title = Line::from(vec![
        Span::styled(
            format!(
                " Partitions · region0 {} │ region1 {} ",
                group_words(&columns[0]),
                group_words(&columns[1])
            ),
            t.accent().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            "◆ leader ○ follower ◇ says leader, no quorum ✖ missing · none ",
            t.dim(),
        ),
        Span::styled(filter, t.warning()),
    ]);
    let leader_w = columns
        .iter()
        .flatten()
        .map(|b| b.to_string().chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut lines = zones_line(&columns, t).into_iter().collect::<Vec<_>>();
    lines.push(head(&columns, leader_w, t));
    let rows = app.filtered_partitions();
    let mut visible = (area.height.saturating_sub(2) as usize).saturating_sub(lines.len());
    // A partition that does not fit is counted on a line of its own, never silently cut.
    if rows.len() > visible {
        visible = visible.saturating_sub(1);
    }
    // The selected row stays in view.
    let offset = if focused && app.selected >= visible {
        app.selected + 1 - visible
    } else {
        0
    };
    for (i, p) in rows.iter().enumerate().skip(offset).take(visible) {
        lines.push(row(p, &columns, leader_w, focused && app.selected == i, t));
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

/// A column's label: a numbered id, or a zoned id's index under its zone's name (`london_0`
/// is 8 characters where a column has 3).
fn label(b: &BrokerId) -> String {
    match b.zone() {
        Some(_) => b.ordinal().to_string(),
        None => b.to_string(),
    }
}

/// The zone of a group whose brokers are all in one zone (a zone-aware region's).
fn one_zone(ids: &[BrokerId]) -> Option<crate::api::Zone> {
    let zone = ids.first()?.zone()?;
    ids.iter().all(|b| b.zone() == Some(zone)).then_some(zone)
}

/// A region's columns in the title: "brokers", or on a zone-aware cluster "london_#" (the
/// columns are labelled with the index).
fn group_words(ids: &[BrokerId]) -> String {
    match one_zone(ids) {
        Some(z) => format!("{z}_#"),
        None => "brokers".into(),
    }
}

/// Over zoned brokers' columns, their zone's name (cut to the columns' width), where the
/// title cannot say it: while a migration mixes numbered and zoned brokers.
fn zones_line(columns: &[Vec<BrokerId>; 2], t: &Theme) -> Option<Line<'static>> {
    let zoned = columns.iter().flatten().any(|b| b.is_zoned());
    let titled = columns
        .iter()
        .all(|c| c.is_empty() || one_zone(c).is_some());
    if !zoned || titled {
        return None;
    }
    let group = |ids: &[BrokerId]| -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < ids.len() {
            let zone = ids[i].zone();
            let n = ids[i..].iter().take_while(|b| b.zone() == zone).count();
            let width = 3 * n;
            let name: String = zone
                .map(|z| z.as_str().chars().take(width - 1).collect())
                .unwrap_or_default();
            out.push_str(&format!(" {name:<w$}", w = width - 1));
            i += n;
        }
        out
    };
    Some(Line::from(vec![
        Span::styled(format!("{:<8}", " zone"), t.dim()),
        Span::styled(group(&columns[0]), t.dim()),
        Span::styled(" │ ", t.dim()),
        Span::styled(group(&columns[1]), t.dim()),
    ]))
}

/// The broker ids over their columns.
fn head(columns: &[Vec<BrokerId>; 2], leader_w: usize, t: &Theme) -> Line<'static> {
    let mut head = vec![Span::styled(format!("{:<8}", " broker"), t.dim())];
    head.extend(
        columns[0]
            .iter()
            .map(|b| Span::styled(format!("{:^3}", label(b)), t.dim())),
    );
    head.push(Span::styled(" │ ", t.dim()));
    head.extend(
        columns[1]
            .iter()
            .map(|b| Span::styled(format!("{:^3}", label(b)), t.dim())),
    );
    head.push(Span::styled(
        format!("  {:>leader_w$}  live  quorum", "leader"),
        t.dim(),
    ));
    Line::from(head)
}

fn row(
    p: &PartitionView,
    columns: &[Vec<BrokerId>; 2],
    leader_w: usize,
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
        "  {:>leader_w$}",
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
