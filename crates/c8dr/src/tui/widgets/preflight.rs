//! The preflight overlay: every documented rule's check with its evidence.

use super::{block, centered};
use crate::preflight::{Check, Status};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, checks: &[Check], t: &Theme) {
    let mut lines: Vec<Line> = if checks.is_empty() {
        vec![Line::from(Span::styled(
            "no results yet: waiting for the observations",
            t.dim(),
        ))]
    } else {
        checks.iter().map(|c| line(c, t)).collect()
    };
    lines.push(Line::from(Span::styled(
        "rules and evidence: c8dr preflight --json · Esc closes",
        t.dim(),
    )));
    let r = centered(area, area.width.saturating_sub(4), lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).style(t.base()).block(block(
            t,
            " Preflight — documented dual-region rules ",
            true,
        )),
        r,
    );
}

fn line(c: &Check, t: &Theme) -> Line<'static> {
    let (word, style) = match c.status {
        Status::Pass => ("✔ PASS", t.ok()),
        Status::Warn => ("⚠ WARN", t.warning()),
        Status::Fail => ("✖ FAIL", t.critical()),
        Status::Unknown => ("? UNKNOWN", t.unknown()),
    };
    Line::from(vec![
        Span::styled(format!("{word:<10}"), style),
        Span::raw(format!("{:<44} ", c.title)),
        Span::styled(c.evidence.clone(), t.dim()),
    ])
}
