//! The run line: while a runbook run goes on and its pane is not shown, one line above the
//! footer says which run, where it is, and that `r` returns to it. A run is never out of sight.

use crate::tui::app::{App, Mode};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Rows the line takes: one while a run goes on out of sight, else none.
pub fn height(app: &App) -> u16 {
    u16::from(text(app).is_some())
}

/// The line's words, when it is shown.
pub fn text(app: &App) -> Option<String> {
    if app.mode == Mode::Runbook {
        return None;
    }
    let p = app.run_in_progress()?;
    Some(format!(
        "▶ RUN {}: {} — r returns to it",
        p.what(),
        p.where_now()
    ))
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(text) = text(app) else { return };
    let waits = app
        .run_in_progress()
        .is_some_and(|p| p.ask.is_some() || p.failure.is_some());
    let style = if waits {
        t.warning().add_modifier(Modifier::REVERSED)
    } else {
        t.accent().add_modifier(Modifier::BOLD)
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(format!(" {text} "), style))),
        area,
    );
}
