//! The cockpit's widgets, one module per thing on the screen: the dashboard's header, verdict,
//! region panes, partition matrix, exporters, topology change, events and footer, and the
//! overlays (help, drill menu, details, preflight). `draw.rs` lays them out. Every widget is a
//! pure function of what it is given, the theme and its area.

pub mod change;
pub mod detail;
pub mod drill;
pub mod events;
pub mod exporters;
pub mod footer;
pub mod header;
pub mod help;
pub mod observed_run;
pub mod partitions;
pub mod preflight;
pub mod quit;
pub mod region;
pub mod run_line;
pub mod verdict;

use super::theme::Theme;
use crate::model::{Level, Reach, RegionView, ReplicaMark};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

/// The glyph and style of a replica mark, the same in the partition matrix and the broker
/// rows (the legend: ◆ leader that can commit, ◇ says leader without quorum, ○ follower,
/// ✖ replica missing, · none). On an ASCII terminal `tui::glyphs` shows them as L ! o x .
pub(crate) fn mark_glyph(mark: ReplicaMark, t: &Theme) -> (&'static str, Style) {
    match mark {
        ReplicaMark::Leader => (
            "◆",
            Style::default().fg(t.leader).add_modifier(Modifier::BOLD),
        ),
        ReplicaMark::LeaderWithoutQuorum => ("◇", t.warning()),
        ReplicaMark::Follower => ("○", Style::default().fg(t.follower)),
        ReplicaMark::Missing => ("✖", t.critical()),
        ReplicaMark::None => ("·", t.dim()),
    }
}

pub(crate) fn level_style(t: &Theme, l: Level) -> Style {
    match l {
        Level::Ok => t.ok(),
        Level::Warning => t.warning(),
        Level::Critical => t.critical(),
        Level::Unknown => t.unknown(),
    }
}

/// A level as a glyph and a word, so that colour is never the only signal.
pub(crate) fn level_word(l: Level) -> (&'static str, &'static str) {
    match l {
        Level::Ok => ("✔", "OK"),
        Level::Warning => ("⚠", "WARNING"),
        Level::Critical => ("✖", "CRITICAL"),
        Level::Unknown => ("?", "UNKNOWN"),
    }
}

/// A bordered panel; the focused one has a bold accent border.
pub(crate) fn block<'a>(t: &Theme, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    let style = if focused {
        t.accent().add_modifier(Modifier::BOLD)
    } else {
        t.border()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title)
}

/// A `w`×`h` rectangle in the middle of `area`, leaving a margin of one cell.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// An age in words, at a resolution that does not repaint every frame: a healthy poll's age
/// (under 2 s) is one word, then whole seconds, minutes from two minutes, hours from two hours.
pub(crate) fn age_words(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..2 => "<2s".into(),
        2..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}

/// Whether a region answers, with the age of its data.
pub(crate) fn reach_span<'a>(r: &RegionView, t: &Theme) -> Span<'a> {
    match r.reachable {
        Reach::Up => Span::styled(
            format!("✔ up · data {} old", age_words(r.data_age_s.unwrap_or(0.0))),
            t.ok(),
        ),
        Reach::Down => Span::styled(
            format!(
                "✖ UNREACHABLE{}",
                r.data_age_s
                    .map(|a| format!(" · last data {} ago", age_words(a)))
                    .unwrap_or_default()
            ),
            t.critical(),
        ),
        Reach::Unknown => Span::styled("? unknown", t.unknown()),
    }
}

/// "3/4" brokers of a region in a fresh topology, "?/4" when no topology can tell, "3/?"
/// when nothing tells how many are expected.
pub(crate) fn brokers_words(r: &RegionView) -> String {
    format!(
        "{}/{}",
        r.brokers_up.map_or("?".into(), |n| n.to_string()),
        r.brokers_expected.map_or("?".into(), |n| n.to_string())
    )
}
