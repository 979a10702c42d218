//! The incident record in the cockpit (`:report [RUN]`, issue 16 §5): the same Markdown that
//! `c8dr report` prints, in a scrollable overlay below the header. Long lines wrap, so
//! nothing is cut off at any width.

use super::theme::Theme;
use super::widgets::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// A record on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pane {
    pub run: String,
    pub lines: Vec<String>,
    /// The first line shown.
    pub scroll: usize,
}

impl Pane {
    pub fn new(run: &str, markdown: &str) -> Pane {
        Pane {
            run: run.to_string(),
            lines: markdown.lines().map(str::to_string).collect(),
            scroll: 0,
        }
    }

    /// Moves by `by` lines, staying on the record.
    pub fn scroll_by(&mut self, by: isize) {
        let last = self.lines.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(by).min(last);
    }
}

/// `s` in rows of at most `width` characters.
fn rows(s: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, p: &Pane, t: &Theme) {
    f.render_widget(Clear, area);
    let title = format!(" Incident record {} · ↑↓ scroll · Esc closes ", p.run);
    let outer = block(t, title, true).style(t.base());
    let inner = outer.inner(area);
    f.render_widget(outer, area);
    let width = inner.width.saturating_sub(1) as usize;
    let mut shown: Vec<Line> = vec![];
    for line in p.lines.iter().skip(p.scroll) {
        let style = if line.starts_with('#') {
            t.accent().add_modifier(Modifier::BOLD)
        } else if line.starts_with("|---") {
            t.dim()
        } else {
            t.base()
        };
        for row in rows(line, width) {
            shown.push(Line::from(Span::styled(format!(" {row}"), style)));
        }
        if shown.len() >= inner.height as usize {
            break;
        }
    }
    shown.truncate(inner.height as usize);
    f.render_widget(Paragraph::new(shown).style(t.base()), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_wrap_long_lines_and_scrolling_stays_on_the_record() {
        assert_eq!(rows("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(rows("", 4), vec![""]);
        let mut p = Pane::new("r", "a\nb\nc");
        p.scroll_by(10);
        assert_eq!(p.scroll, 2);
        p.scroll_by(-1);
        assert_eq!(p.scroll, 1);
        p.scroll_by(-10);
        assert_eq!(p.scroll, 0);
    }
}
