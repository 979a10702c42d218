//! The verdict: level, processing and the first reason on one line, the further reasons
//! below it.

use super::{level_style, level_word};
use crate::model::{ClusterView, Processing};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Lines the verdict needs at this width: the headline, then the further reasons.
pub fn height(v: &ClusterView, width: u16) -> u16 {
    let w = width.max(20) as usize;
    let head = 40 + v.verdict.reasons.first().map_or(0, |r| r.chars().count());
    let rest: usize = v
        .verdict
        .reasons
        .iter()
        .skip(1)
        .map(|r| (r.chars().count() + 4).div_ceil(w))
        .sum();
    (head.div_ceil(w) + rest) as u16
}

pub fn draw(f: &mut Frame, area: Rect, v: &ClusterView, t: &Theme) {
    let (glyph, word) = level_word(v.verdict.level);
    let style = level_style(t, v.verdict.level);
    let processing = match v.processing {
        Processing::Active => "processing ACTIVE",
        Processing::Degraded => "processing DEGRADED",
        Processing::Halted => "processing HALTED",
        Processing::Unknown => "processing UNKNOWN",
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" {glyph} {word} "),
            style.add_modifier(Modifier::REVERSED),
        ),
        Span::styled(format!(" {processing} ({}) · ", v.quorum_words()), style),
        Span::raw(v.verdict.reasons.first().cloned().unwrap_or_default()),
    ])];
    for r in v.verdict.reasons.iter().skip(1) {
        lines.push(Line::from(vec![
            Span::styled("   ▸ ", style),
            Span::raw(r.clone()),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
