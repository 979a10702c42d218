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
        _ => hints(app, area.width, t),
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The last message, then as many key hints as fit, the most needed first kept (help and
/// quit before theme), shown in their usual order.
fn hints(app: &App, width: u16, t: &Theme) -> Line<'static> {
    let mut spans = vec![];
    let mut room = width as usize;
    if let Some(m) = &app.message {
        let m = format!(" {m} ·");
        room = room.saturating_sub(m.chars().count());
        spans.push(Span::styled(m, t.warning()));
    }
    let freeze = if app.frozen.is_some() {
        "f live"
    } else {
        "ff freeze"
    };
    // (order on screen, hint), most needed first.
    let mut by_need: Vec<(u8, &str)> = vec![
        (9, "? help"),
        (10, "q quit"),
        (3, freeze),
        (2, "e events"),
        (1, "Tab pane"),
    ];
    if app.has_drills() {
        by_need.push((0, "d drill"));
    }
    by_need.extend([
        (4, "1/2/0 region"),
        (7, "/ filter"),
        (6, ": command"),
        (5, "t theme"),
    ]);
    let mut shown: Vec<(u8, &str)> = vec![];
    let mut used = 0;
    for (order, hint) in by_need {
        let cost = hint.chars().count() + 2;
        if used + cost <= room {
            used += cost;
            shown.push((order, hint));
        }
    }
    shown.sort();
    let hints: Vec<&str> = shown.into_iter().map(|(_, h)| h).collect();
    spans.push(Span::styled(format!(" {}", hints.join("  ")), t.dim()));
    Line::from(spans)
}
