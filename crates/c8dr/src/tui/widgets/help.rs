//! The help overlay, generated from the keymap: every key of every context (the dashboard,
//! the runbook pane and its prompts) with what it does, and the matrix's glyphs.
//!
//! Wide screens show the dashboard's keys beside the runbook pane's; narrower ones show one
//! column, in pages turned with ↑↓ when it does not fit, so nothing is ever cut off.

use super::{block, centered};
use crate::tui::app::App;
use crate::tui::keymap::{self, Binding, Context, Msg};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

const LEGEND: &str =
    "◆ leader that can commit · ◇ says leader, no quorum · ○ follower · ✖ replica missing";
/// Labels are right-aligned in this many columns, then two spaces, then the help.
const LABEL: usize = 10;
/// A column narrower than this wraps too much to read: one column instead of two.
const MIN_COLUMN: u16 = 50;
const GAP: u16 = 2;
/// Border and a space of padding on either side.
const FRAME: u16 = 4;
/// The widest the help gets (on very wide screens the lines would be too long to read).
const MAX_WIDTH: u16 = 116;
/// The single column is no wider than this.
const NARROW_WIDTH: u16 = 80;

/// A run of lines the pages keep together: a key with its wrapped help, or a heading (kept
/// with the key after it), or the blank line between sections (dropped at a page's top).
struct Unit {
    lines: Vec<Line<'static>>,
    heading: bool,
    blank: bool,
}

impl Unit {
    fn blank() -> Unit {
        Unit {
            lines: vec![Line::from("")],
            heading: false,
            blank: true,
        }
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let contexts = Context::ALL;
    let avail = area.height.saturating_sub(4) as usize;
    let wide = area.width.saturating_sub(4).min(MAX_WIDTH);
    let column = wide.saturating_sub(FRAME + GAP) / 2;
    if column >= MIN_COLUMN {
        let left = flatten(sections(app, &contexts[..1], column, t));
        let right = flatten(sections(app, &contexts[1..], column, t));
        let legend = legend_lines(wide.saturating_sub(FRAME), t);
        if left.len().max(right.len()) + 1 + legend.len() <= avail {
            return two_columns(f, area, wide, [left, right], legend, t);
        }
    }
    let width = area.width.saturating_sub(2).min(NARROW_WIDTH);
    let inner = width.saturating_sub(FRAME);
    let mut units = sections(app, &contexts, inner, t);
    units.push(Unit::blank());
    units.push(Unit {
        lines: legend_lines(inner, t),
        heading: false,
        blank: false,
    });
    one_column(
        f,
        area,
        width,
        paginate(units, avail.max(1)),
        app.help_page,
        t,
    );
}

/// The contexts' keys, each under its heading, with a blank line between sections.
fn sections(app: &App, contexts: &[Context], width: u16, t: &Theme) -> Vec<Unit> {
    let mut units = vec![];
    for (i, context) in contexts.iter().enumerate() {
        if i > 0 {
            units.push(Unit::blank());
        }
        units.push(Unit {
            lines: vec![Line::from(Span::styled(
                context.title(),
                t.accent().add_modifier(Modifier::BOLD),
            ))],
            heading: true,
            blank: false,
        });
        // The drill menu exists only where drills were injected (`c8dr demo`).
        let shown = keymap::bindings(*context).filter(|b| app.has_drills() || b.msg != Msg::Drill);
        units.extend(shown.map(|b| Unit {
            lines: entry(b, width as usize, t),
            heading: false,
            blank: false,
        }));
    }
    units
}

/// A key and its help, wrapped under the help's first line.
fn entry(b: &Binding, width: usize, t: &Theme) -> Vec<Line<'static>> {
    let indent = LABEL + 2;
    let text = wrap(b.help, width.saturating_sub(indent).max(10));
    text.into_iter()
        .enumerate()
        .map(|(i, line)| {
            let label = if i == 0 { b.label } else { "" };
            Line::from(vec![
                Span::styled(format!("{label:>LABEL$}  "), t.accent()),
                Span::raw(line),
            ])
        })
        .collect()
}

/// `text` in lines of at most `width` characters, broken between words where it can be.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = vec![];
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            line.push(' ');
            line.extend(word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        line.extend(word);
    }
    lines.push(line);
    lines
}

fn legend_lines(width: u16, t: &Theme) -> Vec<Line<'static>> {
    wrap(LEGEND, width as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, t.dim())))
        .collect()
}

fn flatten(units: Vec<Unit>) -> Vec<Line<'static>> {
    units.into_iter().flat_map(|u| u.lines).collect()
}

/// The overlay's frame: a border with the title, and a space inside it either side.
fn frame(t: &Theme, title: String) -> Block<'static> {
    block(t, title, true)
        .style(t.base())
        .padding(Padding::horizontal(1))
}

/// Lines in pages of at most `height`: a key's wrapped lines stay together, a heading stays
/// with its first key, and no page starts with a blank line.
fn paginate(units: Vec<Unit>, height: usize) -> Vec<Vec<Line<'static>>> {
    let mut pages: Vec<Vec<Line>> = vec![];
    let mut page: Vec<Line> = vec![];
    let mut held: Vec<Line> = vec![];
    for unit in units {
        if unit.blank && page.is_empty() && held.is_empty() {
            continue;
        }
        if unit.heading {
            held.extend(unit.lines);
            continue;
        }
        let mut lines = std::mem::take(&mut held);
        lines.extend(unit.lines);
        if !page.is_empty() && page.len() + lines.len() > height {
            pages.push(std::mem::take(&mut page));
            if unit.blank {
                continue;
            }
        }
        page.extend(lines);
    }
    page.extend(held);
    if !page.is_empty() {
        pages.push(page);
    }
    pages
}

fn two_columns(
    f: &mut Frame,
    area: Rect,
    width: u16,
    [left, right]: [Vec<Line<'static>>; 2],
    legend: Vec<Line<'static>>,
    t: &Theme,
) {
    let rows = left.len().max(right.len()) as u16;
    let legend_h = legend.len() as u16;
    let r = centered(area, width, rows + 1 + legend_h + 2);
    f.render_widget(Clear, r);
    let frame = frame(t, " Help — keys ".into());
    let inner = frame.inner(r);
    f.render_widget(frame, r);
    let [body, _, foot] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(1),
        Constraint::Length(legend_h),
    ])
    .areas(inner);
    let [a, _, b] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(GAP),
        Constraint::Fill(1),
    ])
    .areas(body);
    f.render_widget(Paragraph::new(left), a);
    f.render_widget(Paragraph::new(right), b);
    f.render_widget(Paragraph::new(legend), foot);
}

fn one_column(
    f: &mut Frame,
    area: Rect,
    width: u16,
    pages: Vec<Vec<Line<'static>>>,
    page: i32,
    t: &Theme,
) {
    let count = pages.len().max(1);
    let index = i64::from(page).rem_euclid(count as i64) as usize;
    let tallest = pages.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let title = if count > 1 {
        format!(" Help — keys · page {}/{count} · ↑↓ turns ", index + 1)
    } else {
        " Help — keys ".to_string()
    };
    let lines = pages.into_iter().nth(index).unwrap_or_default();
    let r = centered(area, width, tallest + 2);
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(frame(t, title)), r);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages as plain text, line by line.
    fn texts(pages: &[Vec<Line<'static>>]) -> Vec<Vec<String>> {
        pages
            .iter()
            .map(|p| p.iter().map(|l| l.to_string()).collect())
            .collect()
    }

    #[test]
    fn wrapping_breaks_between_words_and_never_overflows() {
        assert_eq!(wrap("a bc def", 4), vec!["a bc", "def"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        for width in 1..30 {
            for line in wrap(LEGEND, width) {
                assert!(line.chars().count() <= width, "{line:?} at {width}");
            }
        }
    }

    #[test]
    fn pages_keep_headings_with_their_first_key_and_start_without_a_blank() {
        let unit = |text: &'static str, heading, blank| Unit {
            lines: vec![Line::from(text)],
            heading,
            blank,
        };
        let pages = paginate(
            vec![
                unit("A", true, false),
                unit("a1", false, false),
                unit("", false, true),
                unit("B", true, false),
                unit("b1", false, false),
            ],
            3,
        );
        assert_eq!(texts(&pages), vec![vec!["A", "a1", ""], vec!["B", "b1"]]);
        let pages = paginate(
            vec![
                unit("A", true, false),
                unit("a1", false, false),
                unit("a2", false, false),
                unit("", false, true),
                unit("B", true, false),
                unit("b1", false, false),
            ],
            3,
        );
        assert_eq!(texts(&pages), vec![vec!["A", "a1", "a2"], vec!["B", "b1"]]);
    }
}
