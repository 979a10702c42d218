//! The events pane: what changed, newest first, with its time and level.

use super::{block, level_style};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let focused = app.pane == Pane::Events;
    let lines: Vec<Line> = app
        .events
        .iter()
        .take(area.height.saturating_sub(2) as usize)
        .map(|e| {
            let time =
                e.at.parse::<jiff::Timestamp>()
                    .map(|x| x.strftime("%H:%M:%S").to_string())
                    .unwrap_or_default();
            Line::from(vec![
                Span::styled(format!("{time} "), t.dim()),
                Span::styled(e.text.clone(), level_style(t, e.level)),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Events ", focused)),
        area,
    );
}
