//! The header line: deployment, version, where user traffic goes and whether DNS agrees,
//! read-only or write, the clock (or, frozen, the frozen data's time and age), the theme; and
//! the read-only and frozen banners.

use super::age_words;
use crate::model::ClusterView;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let mut spans = vec![Span::styled(
        " c8dr",
        t.accent().add_modifier(Modifier::BOLD),
    )];
    // Frozen first, where no width cuts it off; the time is the frozen data's, never a live
    // clock over old data.
    if let Some((at, age)) = app.frozen_age() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(
                " FROZEN {} · {} old ",
                at.strftime("%H:%M:%SZ"),
                age_words(age)
            ),
            frozen_style(t),
        ));
    }
    if let Some(v) = app.shown() {
        spans.push(Span::raw(format!(" · {}", v.name)));
        if let Some(ver) = &v.cluster.gateway_version {
            spans.push(Span::raw(format!(" · {ver}")));
        }
        let (word, style) = traffic(v, t, area.width < 120);
        spans.push(Span::styled(word, style));
    }
    // The mode, the clock and the theme's name come last and only whole: a cut "· de" says
    // nothing (a read-only session also has its banner, at every size).
    let mut extras = vec![Span::raw(if app.read_only {
        " · READ-ONLY"
    } else {
        " · WRITE"
    })];
    if app.frozen.is_none() {
        extras.push(Span::raw(format!(" · {}", app.now.strftime("%H:%M:%SZ"))));
    }
    extras.push(Span::styled(format!(" · {}", app.theme_name()), t.dim()));
    let mut used: usize = spans.iter().map(Span::width).sum();
    for extra in extras {
        if used + extra.width() > usize::from(area.width) {
            break;
        }
        used += extra.width();
        spans.push(extra);
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Where DNS sends users and whether that is right; the primary when DNS is not checked.
/// Narrow: region names only and no mode, so that whether DNS agrees is always on screen.
fn traffic(v: &ClusterView, t: &Theme, narrow: bool) -> (String, Style) {
    let Some(obs) = &v.traffic.observed else {
        return (
            format!(
                " · traffic: primary region{} (dns not checked)",
                v.traffic.primary
            ),
            t.dim(),
        );
    };
    let to = if obs.is_empty() {
        "nowhere".to_string()
    } else {
        obs.iter()
            .map(|r| {
                let name = v.region(*r).map(|x| x.name.as_str()).unwrap_or("");
                if narrow && !name.is_empty() {
                    name.to_string()
                } else {
                    format!("region{r} {name}")
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let (mark, style) = match v.traffic.agrees {
        Some(true) => ("✔ dns agrees", t.ok()),
        Some(false) => ("✖ dns DISAGREES", t.critical()),
        None => ("? dns", t.unknown()),
    };
    let mode = if narrow {
        String::new()
    } else {
        format!(" ({})", v.traffic.mode)
    };
    (format!(" · TRAFFIC → {to}{mode} {mark}"), style)
}

/// The banner under the header of a read-only session.
pub fn read_only_banner(f: &mut Frame, area: Rect, t: &Theme) {
    f.render_widget(
        Paragraph::new(" READ-ONLY · observing only: no action can change the cluster ")
            .style(t.warning().add_modifier(Modifier::REVERSED)),
        area,
    );
}

fn frozen_style(t: &Theme) -> Style {
    t.warning()
        .add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

/// The banner under the header of a frozen screen: what is shown, how old, how to go live.
pub fn frozen_banner(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some((at, age)) = app.frozen_age() else {
        return;
    };
    let (at, age) = (at.strftime("%H:%M:%SZ"), age_words(age));
    let text = if area.width >= 110 {
        format!(
            " FROZEN · the dashboard shows the data of {at}, {age} old, and does not update (events do) · f or Esc: live again "
        )
    } else if area.width >= 70 {
        format!(" FROZEN · data of {at}, {age} old, not updating · f/Esc: live ")
    } else {
        format!(" FROZEN · data of {at}, {age} old · f/Esc: live ")
    };
    f.render_widget(Paragraph::new(text).style(frozen_style(t)), area);
}
