//! The header line: deployment, version, the topology kind (zone-aware, migrating with its
//! stage, recovering; numbered only on wide screens), where user traffic goes and whether DNS
//! agrees, read-only or write, the clock (or, frozen, the frozen data's time and age), the
//! theme; and the read-only and frozen banners.

use super::age_words;
use crate::model::{ClusterView, TopologyKind};
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
    if let Some(v) = app.shown() {
        spans.push(Span::raw(format!(" · {}", v.name)));
        let room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
        let extras_w: usize = extras.iter().map(Span::width).sum();
        spans.extend(cluster_spans(v, t, room, extras_w, area.width));
    }
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

/// The width from which a numbered cluster's header names its kind.
const NUMBERED_FROM: u16 = 160;

/// How much of the topology kind the header says.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// "migrating: paris done, next london".
    Long,
    /// "migrating, next london".
    Short,
    /// "migrating" (the verdict says the rest); "zone-aware RECOVERING".
    Tiny,
    /// "RECOVERING" alone, where nothing more fits.
    Bare,
}

/// The topology kind in words (issue 15 §3), and whether it must be shown: a zone-aware,
/// migrating or recovering cluster is named at every size, since the runbooks differ for it;
/// a numbered one (what every cluster before 8.10 is) only where it costs nothing.
fn kind_words(v: &ClusterView, form: Form) -> Option<(String, bool)> {
    let topo = &v.cluster.topology;
    let kind = match (topo.kind, &topo.migration) {
        (TopologyKind::Unknown, _) => None,
        (TopologyKind::Migrating, Some(m)) => Some(match form {
            Form::Long => format!("migrating: {}, {}", m.stage_words(), m.next_words()),
            Form::Short => format!("migrating, {}", m.next_words()),
            Form::Tiny | Form::Bare => "migrating".into(),
        }),
        (k, _) => Some(k.words().to_string()),
    };
    let must = topo.kind != TopologyKind::Numbered || !topo.recovering.is_empty();
    match (kind, topo.recovering.is_empty()) {
        (k, true) => k.map(|k| (k, must)),
        (Some(k), false) if form == Form::Tiny => Some((format!("{k} RECOVERING"), true)),
        (Some(k), false) if form != Form::Bare => Some((format!("{k} · RECOVERING"), true)),
        (_, false) => Some(("RECOVERING".into(), true)),
    }
}

/// The gateway version, the topology kind and the traffic, in the first of these forms that
/// fits `room` (the version and the wide traffic words give way to the kind).
fn cluster_spans(
    v: &ClusterView,
    t: &Theme,
    room: usize,
    extras: usize,
    width: u16,
) -> Vec<Span<'static>> {
    let narrow = width < 120;
    let version = v
        .cluster
        .gateway_version
        .as_ref()
        .map(|ver| Span::raw(format!(" · {ver}")));
    let kind_style = match v.cluster.topology.kind {
        _ if !v.cluster.topology.recovering.is_empty() => t.warning(),
        TopologyKind::Migrating => t.warning(),
        TopologyKind::Numbered => t.dim(),
        _ => Style::default(),
    };
    let candidates = [
        (true, Form::Long, narrow),
        (true, Form::Long, true),
        (true, Form::Short, true),
        (false, Form::Short, true),
        (false, Form::Tiny, true),
        (false, Form::Bare, true),
    ];
    let build = |(with_version, form, narrow): (bool, Form, bool)| {
        let mut spans: Vec<Span<'static>> = vec![];
        let mut must = false;
        if with_version && let Some(ver) = &version {
            spans.push(ver.clone());
        }
        if let Some((k, m)) = kind_words(v, form) {
            spans.push(Span::styled(format!(" · {k}"), kind_style));
            must = m;
        }
        let (word, style) = traffic(v, t, narrow);
        spans.push(Span::styled(word, style));
        (spans, must)
    };
    let total = |s: &[Span]| s.iter().map(Span::width).sum::<usize>();
    let (first, must) = build(candidates[0]);
    if !must {
        // Numbered: today's line, with the kind only on wide screens where everything else
        // still fits (from 160 columns, so that it does not come and go with the traffic
        // words' length on a 120-column screen).
        if width >= NUMBERED_FROM && total(&first) + extras <= room {
            return first;
        }
        let mut plain = vec![];
        plain.extend(version);
        plain.push({
            let (word, style) = traffic(v, t, narrow);
            Span::styled(word, style)
        });
        return plain;
    }
    let mut last = first;
    for c in candidates {
        let (spans, _) = build(c);
        if total(&spans) <= room {
            return spans;
        }
        last = spans;
    }
    last
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
