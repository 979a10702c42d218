//! The question before quitting while a runbook run is in progress: what becomes of the run
//! (it stops where it is, the journal keeps it, and how to continue it), y to quit.

use super::{block, centered};
use crate::tui::runbook::Pane;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

/// What the question says, line by line.
pub fn lines(p: &Pane) -> Vec<String> {
    let run = &p.state.run;
    if let Some(o) = p.state.outcome {
        // The run ended while the question was open.
        return vec![format!("The {} has ended: {}.", p.what(), o.word())];
    }
    let mut v = vec![
        format!("The {} is in progress: {}.", p.what(), p.where_now()),
        String::new(),
        "Quitting stops the run where it is: c8dr sends nothing more, and the journal keeps every step."
            .to_string(),
    ];
    if let Some(key) = p.request_in_flight() {
        v.push(format!(
            "{key}'s request may already have reached the cluster: the resume checks its effect before sending anything again."
        ));
    }
    v.push(String::new());
    v.push("Continue it later:".to_string());
    v.push(format!(
        "  c8dr {} --resume {run}",
        p.state.inputs.procedure.name()
    ));
    v.push(format!("  or :resume {run} in c8dr"));
    v
}

pub fn draw(f: &mut Frame, area: Rect, p: &Pane, t: &Theme) {
    let mut text: Vec<Line> = lines(p).into_iter().map(Line::from).collect();
    text.push(Line::from(""));
    text.push(Line::from(Span::styled(
        "y quit · any other key: stay",
        t.warning().add_modifier(Modifier::BOLD),
    )));
    let width = 76.min(area.width.saturating_sub(2));
    let inner_w = usize::from(width.saturating_sub(4)).max(1);
    // Rows once wrapped (a wrapped line may take a row more than its width says).
    let rows: usize = text
        .iter()
        .map(|l| match l.width() {
            0 => 1,
            n if n <= inner_w => 1,
            n => n.div_ceil(inner_w) + 1,
        })
        .sum();
    let r = centered(area, width, u16::try_from(rows).unwrap_or(u16::MAX) + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text)
            .style(t.base())
            .wrap(Wrap { trim: false })
            .block(
                block(t, " Quit c8dr? ", true)
                    .style(t.base())
                    .padding(ratatui::widgets::Padding::horizontal(1)),
            ),
        r,
    );
}
