//! The drill menu (`c8dr demo` only): the injected drills, the chosen one highlighted.

use super::{block, centered};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, drills: &[String], selected: usize, t: &Theme) {
    let lines: Vec<Line> = drills
        .iter()
        .enumerate()
        .map(|(i, label)| {
            Line::from(Span::styled(
                format!(" {label} "),
                if i == selected {
                    t.selected()
                } else {
                    Style::default()
                },
            ))
        })
        .collect();
    let r = centered(area, 64, lines.len() as u16 + 2);
    // On a short terminal the menu scrolls so the chosen drill stays in view.
    let visible = usize::from(r.height.saturating_sub(2)).max(1);
    let offset = selected.saturating_sub(visible - 1) as u16;
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .style(t.base())
            .scroll((offset, 0))
            .block(block(
                t,
                " Drill (the lab only) — ↑↓ choose, Enter runs, Esc closes ",
                true,
            )),
        r,
    );
}
