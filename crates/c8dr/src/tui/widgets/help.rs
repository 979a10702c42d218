//! The help overlay: every key of the keymap with what it does, and the matrix's glyphs.

use super::{block, centered};
use crate::tui::app::App;
use crate::tui::keymap::BINDINGS;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .filter(|b| app.has_drills() || b.label != "d")
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:>10}  ", b.label), t.accent()),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "◆ leader that can commit · ◇ says leader, no quorum · ○ follower · ✖ replica missing",
        t.dim(),
    )));
    let r = centered(area, 76, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .style(t.base())
            .block(block(t, " Help — keys ", true)),
        r,
    );
}
