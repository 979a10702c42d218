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
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = vec![];
    for (i, e) in v.exporters.iter().enumerate() {
        let one_line = (!two_lines).then_some(width);
        lines.push(exporter(v, e, focused && app.selected == i, one_line, t));
        if two_lines && !e.partitions.is_empty() {
            lines.push(details(e, width, t));
        }
    }
    if leaders {
        lines.truncate(rows);
    }
    lines.push(leaders_line(
        v,
        usize::from(area.width.saturating_sub(2)),
        t,
    ));
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
    one_line: Option<usize>,
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
        if let Some(width) = one_line {
            let rest: Vec<String> = still_on(e).into_iter().chain(e.lag_words()).collect();
            let room = width.saturating_sub(Line::from(spans.clone()).width() + 1);
            let rest = fitting(&rest, " ", room);
            if !rest.is_empty() {
                spans.push(Span::raw(format!(" {rest}")));
            }
        }
    }
    Line::from(spans)
}

/// " P1-8 · lag 1234 +52/s · still 9 s" (and the phase when not running).
fn details(e: &ExporterView, width: usize, t: &Theme) -> Line<'static> {
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
    let text = fitting(&parts, " · ", width.saturating_sub(1));
    Line::from(Span::styled(format!(" {text}"), style))
}

/// The parts joined by `sep`, as many whole ones as fit in `room` columns: a clipped part
/// could cut a number's digits and show a smaller one than the true one.
pub fn fitting(parts: &[String], sep: &str, room: usize) -> String {
    let mut out = String::new();
    for p in parts {
        let next = if out.is_empty() {
            p.clone()
        } else {
            format!("{out}{sep}{p}")
        };
        if Span::raw(next.as_str()).width() > room {
            break;
        }
        out = next;
    }
    out
}

/// The leaders' own word on exporting, for the whole cluster, and their lag: the most behind
/// partition, told apart from the exporters' sums above it ("leaders: exporting running ·
/// max lag 12"). Words go before numbers when the pane is narrow: a clipped line would cut
/// the lag's digits and show a smaller number than the true one.
fn leaders_line(v: &ClusterView, width: usize, t: &Theme) -> Line<'static> {
    // Running while the lag grows is not well: the log cannot be compacted.
    let style = if v.exporting == Exporting::Running && !v.export.lag_growing {
        t.ok()
    } else {
        t.warning()
    };
    let growth = v
        .export
        .lag_growing
        .then(|| format!(" ⚠ {:+.0}/s", v.export.lag_per_s.unwrap_or_default()));
    let state = v.exporting.to_string();
    let line = |label: &'static str, lag: Option<String>, growth: Option<String>| {
        Line::from(vec![
            Span::raw(label),
            Span::styled(state.clone(), style),
            Span::raw(lag.unwrap_or_default()),
            Span::styled(growth.unwrap_or_default(), t.warning()),
        ])
    };
    let lag = v.export.lag;
    let candidates = [
        line(
            "leaders: exporting ",
            lag.map(|l| format!(" · max lag {l}")),
            growth.clone(),
        ),
        line(
            "exporting ",
            lag.map(|l| format!(" · max lag {l}")),
            growth.clone(),
        ),
        line("exporting ", lag.map(|l| format!(" · lag ≤{l}")), growth),
    ];
    candidates
        .into_iter()
        .find(|l| l.width() <= width)
        .unwrap_or_else(|| line("exporting ", None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(lag: i64) -> ClusterView {
        let mut v = crate::model::tests_support::empty_view();
        v.exporting = Exporting::Running;
        v.export.lag = Some(lag);
        v
    }

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn parts_that_do_not_fit_are_left_out_whole() {
        let parts = [
            "P1-8".to_string(),
            "lag 1234 +52/s".into(),
            "still 9 s".into(),
        ];
        assert_eq!(
            fitting(&parts, " · ", 40),
            "P1-8 · lag 1234 +52/s · still 9 s"
        );
        assert_eq!(fitting(&parts, " · ", 30), "P1-8 · lag 1234 +52/s");
        assert_eq!(fitting(&parts, " · ", 20), "P1-8");
        assert_eq!(fitting(&parts, " · ", 3), "");
    }

    #[test]
    fn the_leaders_line_says_whose_lag_and_never_clips_its_digits() {
        let t = Theme::built_in("default");
        let v = view(123_456);
        let wide = leaders_line(&v, 60, &t);
        assert_eq!(text(&wide), "leaders: exporting running · max lag 123456");
        // Narrower: the words go first, the number stays whole.
        for width in 0..60 {
            let l = leaders_line(&v, width, &t);
            let s = text(&l);
            assert!(
                l.width() <= width || s == "exporting running",
                "{width}: {s:?}"
            );
            assert!(
                !s.contains("lag") || s.ends_with("123456"),
                "{width}: {s:?}"
            );
        }
        assert_eq!(
            text(&leaders_line(&v, 31, &t)),
            "exporting running · lag ≤123456"
        );
    }
}
