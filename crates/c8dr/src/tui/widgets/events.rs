//! The events: what changed, newest first, with its time and level. The dashboard's pane
//! and the full-screen timeline (`e`) scroll with the pane's selection.

use super::{block, level_style, level_word};
use crate::model::events::Event;
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The events pane of the dashboard.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let focused = app.pane == Pane::Events;
    let title = if focused {
        format!(" Events {} · e full screen ", position(app))
    } else {
        " Events ".to_string()
    };
    let rows = area.height.saturating_sub(2) as usize;
    let lines = lines(app, rows, focused, false, t);
    f.render_widget(Paragraph::new(lines).block(block(t, title, focused)), area);
}

/// The timeline in `area` (the screen under the header and its banners), above the footer.
pub fn draw_full(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let below = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    f.render_widget(Clear, below);
    let title = format!(
        " Events {} · newest first · ↑↓ PgUp PgDn scroll · e/Esc close ",
        position(app)
    );
    let rows = below.height.saturating_sub(2) as usize;
    let mut lines = lines(app, rows, true, true, t);
    if app.events.is_empty() {
        lines.push(Line::styled("no events yet", t.dim()));
    }
    f.render_widget(
        Paragraph::new(lines)
            .style(t.base())
            .block(block(t, title, true)),
        below,
    );
}

/// "12/40": the selected event of how many.
fn position(app: &App) -> String {
    if app.events.is_empty() {
        "0".into()
    } else {
        format!(
            "{}/{}",
            app.selected.min(app.events.len() - 1) + 1,
            app.events.len()
        )
    }
}

/// The rows in view: from the top, or scrolled so that the selected event is the last row.
fn lines(app: &App, rows: usize, focused: bool, words: bool, t: &Theme) -> Vec<Line<'static>> {
    let top = if focused {
        (app.selected + 1).saturating_sub(rows)
    } else {
        0
    };
    app.events
        .iter()
        .enumerate()
        .skip(top)
        .take(rows)
        .map(|(i, e)| line(e, words, focused && i == app.selected, t))
        .collect()
}

fn line(e: &Event, words: bool, selected: bool, t: &Theme) -> Line<'static> {
    let time =
        e.at.parse::<jiff::Timestamp>()
            .map(|x| x.strftime("%H:%M:%S").to_string())
            .unwrap_or_default();
    let mut spans = vec![Span::styled(format!("{time} "), t.dim())];
    if words {
        // Full screen: the level as a glyph too, so that colour is not the only signal.
        spans.push(Span::styled(
            format!("{} ", level_word(e.level).0),
            level_style(t, e.level),
        ));
    }
    spans.push(Span::styled(e.text.clone(), level_style(t, e.level)));
    let line = Line::from(spans);
    if selected {
        line.style(t.base().add_modifier(Modifier::REVERSED))
    } else {
        line
    }
}
