//! The footer line: what is being typed after `:` or `/`, else the last message and the
//! main keys.

use crate::tui::app::{App, Mode};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let line = match &app.mode {
        Mode::Command(text) => Line::from(vec![
            Span::styled(":", t.accent()),
            Span::raw(text.clone()),
            Span::styled("▏", t.accent()),
        ]),
        Mode::Filter(text) => Line::from(vec![
            Span::styled("/", t.accent()),
            Span::raw(text.clone()),
            Span::styled(
                "▏  (ids, lost, ok, bN; Enter applies, Esc cancels)",
                t.dim(),
            ),
        ]),
        _ => hints(app, t),
    };
    f.render_widget(Paragraph::new(line), area);
}

fn hints(app: &App, t: &Theme) -> Line<'static> {
    let mut spans = vec![];
    if let Some(m) = &app.message {
        spans.push(Span::styled(format!(" {m} ·"), t.warning()));
    }
    let mut hints = vec![
        "Tab pane",
        "1/2/0 region",
        "f freeze",
        "t theme",
        ": command",
        "/ filter",
        "? help",
        "q quit",
    ];
    if app.has_drills() {
        hints.insert(0, "d drill");
    }
    spans.push(Span::styled(format!(" {}", hints.join("  ")), t.dim()));
    Line::from(spans)
}
