//! Drawing: a pure function of the app state, the theme and the frame size, so screenshots and
//! snapshot tests are deterministic. Every state is a word or a glyph as well as a colour.

use super::app::{App, Detail, Mode, Pane};
use super::keymap::BINDINGS;
use super::theme::Theme;
use crate::model::{ClusterView, Level, PartitionView, Processing, Reach, RegionView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

fn level_style(t: &Theme, l: Level) -> Style {
    match l {
        Level::Ok => t.ok(),
        Level::Warning => t.warning(),
        Level::Critical => t.critical(),
        Level::Unknown => t.unknown(),
    }
}

fn level_word(l: Level) -> (&'static str, &'static str) {
    match l {
        Level::Ok => ("✔", "OK"),
        Level::Warning => ("⚠", "WARNING"),
        Level::Critical => ("✖", "CRITICAL"),
        Level::Unknown => ("?", "UNKNOWN"),
    }
}

fn block<'a>(t: &Theme, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
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

/// Draws everything.
pub fn draw(f: &mut Frame, app: &App, t: &Theme) {
    let area = f.area();
    f.render_widget(Block::default().style(t.base()), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = vec![
            Line::from("c8dr needs a larger terminal"),
            Line::from(format!(
                "at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}",
                area.width, area.height
            )),
        ];
        f.render_widget(
            Paragraph::new(text)
                .style(t.base())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let banner = u16::from(app.read_only);
    let verdict_h = app.shown().map_or(1, |v| {
        verdict_lines(v, area.width).min(if area.height >= 30 { 4 } else { 3 })
    });
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Length(verdict_h),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .split(area);
    header(f, rows[0], app, t);
    if app.read_only {
        f.render_widget(
            Paragraph::new(" READ-ONLY · observing only: no action can change the cluster ")
                .style(t.warning().add_modifier(Modifier::REVERSED)),
            rows[1],
        );
    }
    match app.shown() {
        Some(v) => {
            verdict(f, rows[2], v, t);
            body(f, rows[3], app, v, t);
        }
        None => {
            f.render_widget(
                Paragraph::new(" waiting for the first observations …").style(t.dim()),
                rows[2],
            );
        }
    }
    footer(f, rows[4], app, t);
    match &app.mode {
        Mode::Help => help(f, area, app, t),
        Mode::Drill(i) => drill(f, area, &app.drills, *i, t),
        Mode::Preflight => preflight(f, area, app, t),
        Mode::Detail(d) => {
            if let Some(v) = app.shown() {
                detail(f, area, v, *d, t);
            }
        }
        Mode::Runbook => {
            if let Some(p) = &app.runbook {
                // Below the header, which keeps the traffic and clock in view.
                let below = Rect {
                    y: area.y + 1,
                    height: area.height.saturating_sub(1),
                    ..area
                };
                super::runbook::draw(f, below, p, t);
            }
        }
        _ => {}
    }
}

fn header(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let mut spans = vec![Span::styled(
        " c8dr",
        t.accent().add_modifier(Modifier::BOLD),
    )];
    if let Some(v) = app.shown() {
        spans.push(Span::raw(format!(" · {}", v.name)));
        if let Some(ver) = &v.cluster.gateway_version {
            spans.push(Span::raw(format!(" · {ver}")));
        }
        let (word, style) = match (&v.traffic.observed, v.traffic.agrees) {
            (Some(obs), agrees) => {
                let to = if obs.is_empty() {
                    "nowhere".to_string()
                } else {
                    obs.iter()
                        .map(|r| {
                            format!(
                                "region{r} {}",
                                v.region(*r).map(|x| x.name.as_str()).unwrap_or("")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                let mark = match agrees {
                    Some(true) => ("✔ dns agrees", t.ok()),
                    Some(false) => ("✖ dns DISAGREES", t.critical()),
                    None => ("? dns", t.unknown()),
                };
                (
                    format!(" · TRAFFIC → {to} ({}) {}", v.traffic.mode, mark.0),
                    mark.1,
                )
            }
            (None, _) => (
                format!(
                    " · traffic: primary region{} (dns not checked)",
                    v.traffic.primary
                ),
                t.dim(),
            ),
        };
        spans.push(Span::styled(word, style));
    }
    spans.push(Span::raw(if app.read_only {
        " · READ-ONLY"
    } else {
        " · WRITE"
    }));
    spans.push(Span::raw(format!(" · {}", app.now.strftime("%H:%M:%SZ"))));
    if app.frozen.is_some() {
        spans.push(Span::styled(
            " · FROZEN (f)",
            t.warning().add_modifier(Modifier::REVERSED),
        ));
    }
    spans.push(Span::styled(format!(" · {}", app.theme_name()), t.dim()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Lines the verdict needs: the headline, then the further reasons.
fn verdict_lines(v: &ClusterView, width: u16) -> u16 {
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

fn verdict(f: &mut Frame, area: Rect, v: &ClusterView, t: &Theme) {
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

fn body(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let wide = area.width >= 120;
    // Small screens (80×24 over ssh): one-line region summaries, no bottom panels; the
    // partition matrix keeps the room.
    let compact = area.height < 26;
    let regions_shown: Vec<&RegionView> = v
        .regions
        .iter()
        .filter(|r| app.region_focus.is_none_or(|f| f == r.id))
        .collect();
    let inner = |r: &RegionView| -> u16 {
        if compact {
            2
        } else {
            3 + u16::from(r.reachable == Reach::Down && r.last_error.is_some())
                + v.brokers
                    .iter()
                    .filter(|b| b.region == r.id)
                    .count()
                    .min(500) as u16
        }
    };
    let tallest = regions_shown.iter().map(|r| inner(r)).max().unwrap_or(2) + 2;
    let panel_h = tallest.min(area.height / if wide { 2 } else { 3 }).max(4);
    let regions_h = if wide || regions_shown.len() == 1 {
        panel_h
    } else {
        panel_h * 2
    };
    let bottom_h = if compact {
        0
    } else if area.height >= 40 {
        9
    } else {
        6
    };
    let parts = Layout::vertical([
        Constraint::Length(regions_h),
        Constraint::Min(3),
        Constraint::Length(bottom_h),
    ])
    .split(area);
    let region_areas = if wide && regions_shown.len() == 2 {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .split(parts[0])
            .to_vec()
    } else if regions_shown.len() == 2 {
        Layout::vertical([Constraint::Length(panel_h), Constraint::Length(panel_h)])
            .split(parts[0])
            .to_vec()
    } else {
        vec![parts[0]]
    };
    for (r, a) in regions_shown.iter().zip(region_areas) {
        region_panel(f, a, app, v, r, t, compact);
    }
    partitions(f, parts[1], app, v, t);
    if bottom_h > 0 {
        let cols = Layout::horizontal([
            Constraint::Percentage(33),
            Constraint::Percentage(27),
            Constraint::Percentage(40),
        ])
        .split(parts[2]);
        exporters(f, cols[0], app, v, t);
        change(f, cols[1], v, t);
        events(f, cols[2], app, t);
    }
}

fn reach_span<'a>(r: &RegionView, t: &Theme) -> Span<'a> {
    match r.reachable {
        Reach::Up => Span::styled(
            format!("✔ up · data {:.1}s ago", r.data_age_s.unwrap_or(0.0)),
            t.ok(),
        ),
        Reach::Down => Span::styled(
            format!(
                "✖ UNREACHABLE{}",
                r.data_age_s
                    .map(|a| format!(" · last data {a:.0}s ago"))
                    .unwrap_or_default()
            ),
            t.critical(),
        ),
        Reach::Unknown => Span::styled("? unknown", t.unknown()),
    }
}

/// During a rolling upgrade (brokers on different versions): how far this region is.
fn upgrade_progress(v: &ClusterView, region: u8) -> Option<String> {
    let versions: std::collections::BTreeSet<&str> = v
        .brokers
        .iter()
        .filter_map(|b| b.version.as_deref())
        .collect();
    if versions.len() < 2 {
        return None;
    }
    let newest = versions.iter().max()?;
    let here: Vec<&crate::model::BrokerView> = v
        .brokers
        .iter()
        .filter(|b| b.region == region && b.version.is_some())
        .collect();
    let done = here
        .iter()
        .filter(|b| b.version.as_deref() == Some(newest))
        .count();
    Some(format!("  upgrade: {done}/{} on {newest}", here.len()))
}

/// The exporter writing into a region, with its status.
fn exporter_span(
    exporter: Option<&crate::model::ExporterView>,
    t: &Theme,
    stale: bool,
) -> Span<'static> {
    match exporter {
        Some(e) => {
            let style = if e.status == "ENABLED" {
                t.ok()
            } else {
                t.warning()
            };
            Span::styled(
                format!("{} {}", e.id, e.status),
                if stale { style.fg(t.dim) } else { style },
            )
        }
        None => Span::styled("?", t.unknown()),
    }
}

fn region_panel(
    f: &mut Frame,
    area: Rect,
    app: &App,
    v: &ClusterView,
    r: &RegionView,
    t: &Theme,
    compact: bool,
) {
    let role = if v.traffic.mode == "active-active" {
        "serving"
    } else if v.traffic.primary == r.id {
        "PRIMARY"
    } else {
        "secondary"
    };
    let focused = app.pane == Pane::Regions;
    let title = Line::from(vec![Span::styled(
        format!(" region{} · {} · {role} ", r.id, r.name),
        t.accent().add_modifier(Modifier::BOLD),
    )]);
    let stale = r.reachable == Reach::Down;
    let dim = |s: Style| if stale { s.fg(t.dim) } else { s };
    let es_style = match r.elasticsearch.status.as_str() {
        "green" => t.ok(),
        "yellow" => t.warning(),
        "not configured" | "unknown" => t.unknown(),
        _ => t.critical(),
    };
    let exporter = v
        .exporters
        .iter()
        .find(|e| e.region == Some(r.id) && !e.legacy);
    if compact {
        let line1 = Line::from(vec![
            reach_span(r, t),
            Span::styled(
                format!(" · brokers {}", brokers_words(r)),
                dim(if r.brokers_up.is_none_or(|n| n < r.brokers_expected) {
                    t.warning()
                } else {
                    t.ok()
                }),
            ),
        ]);
        let line2 = Line::from(vec![
            Span::raw("ES "),
            Span::styled(r.elasticsearch.status.to_string(), dim(es_style)),
            Span::raw(" · exporter "),
            exporter_span(exporter, t, stale),
        ]);
        f.render_widget(
            Paragraph::new(vec![line1, line2]).block(block(t, title, focused)),
            area,
        );
        return;
    }
    let mut lines = vec![
        Line::from(vec![
            reach_span(r, t),
            Span::styled(
                r.kube
                    .as_deref()
                    .map(|k| format!("  {k}"))
                    .unwrap_or_default(),
                t.dim(),
            ),
            Span::styled(upgrade_progress(v, r.id).unwrap_or_default(), t.warning()),
        ]),
        Line::from(vec![
            Span::styled(
                format!("brokers {}", brokers_words(r)),
                dim(if r.brokers_up.is_none_or(|n| n < r.brokers_expected) {
                    t.warning()
                } else {
                    t.ok()
                }),
            ),
            match (r.pods_ready, r.pods_total) {
                (Some(a), Some(b)) => Span::styled(
                    format!(" · pods {a}/{b} ready"),
                    dim(if a < b { t.warning() } else { t.ok() }),
                ),
                _ => Span::raw(""),
            },
            Span::raw(" · ES "),
            Span::styled(r.elasticsearch.status.to_string(), dim(es_style)),
        ]),
        Line::from(vec![
            Span::raw("exporter into it: "),
            exporter_span(exporter, t, stale),
        ]),
    ];
    if let (Reach::Down, Some(e)) = (r.reachable, &r.last_error) {
        lines.push(Line::from(Span::styled(format!("✖ {e}"), t.dim())));
    }
    for (i, b) in v
        .brokers
        .iter()
        .enumerate()
        .filter(|(_, b)| b.region == r.id)
    {
        let mut spans = vec![Span::styled(
            format!("{:>3} ", b.id),
            if focused && app.selected == i {
                t.selected()
            } else {
                Style::default()
            },
        )];
        let state = match (b.reachable, b.member) {
            (Some(true), Some(false)) => Span::styled("not a member ", t.warning()),
            (Some(true), _) => Span::styled("✔ ", t.ok()),
            (Some(false), _) => Span::styled("✖ gone ", t.critical()),
            (None, _) => Span::styled("? ", t.unknown()),
        };
        spans.push(state);
        if let Some(ready) = b.pod_ready {
            spans.push(Span::styled(
                if ready { "ready " } else { "NOT ready " },
                if ready { t.dim() } else { t.warning() },
            ));
        }
        for p in &b.partitions {
            let (g, s) = match p.role.as_str() {
                "leader" => (
                    "◆",
                    Style::default().fg(t.leader).add_modifier(Modifier::BOLD),
                ),
                "follower" => ("○", Style::default().fg(t.follower)),
                _ => ("·", t.dim()),
            };
            spans.push(Span::styled(format!("{g}{} ", p.id), dim(s)));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines).block(block(t, title, focused)), area);
}

fn cell(p: &PartitionView, b: i32, t: &Theme) -> Span<'static> {
    let configured =
        p.replicas.contains(&b) || (p.replicas.is_empty() && p.live_replicas.contains(&b));
    if !configured {
        return Span::styled(" · ", t.dim());
    }
    if !p.live_replicas.contains(&b) {
        return Span::styled(" ✖ ", t.critical());
    }
    if p.leader == Some(b) {
        return Span::styled(
            " ◆ ",
            Style::default().fg(t.leader).add_modifier(Modifier::BOLD),
        );
    }
    if p.reported_leaders.contains(&b) {
        // A leader without quorum: it says so, but cannot commit.
        return Span::styled(" ◇ ", t.warning());
    }
    Span::styled(" ○ ", Style::default().fg(t.follower))
}

fn partitions(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let focused = app.pane == Pane::Partitions;
    let filter = if app.partition_filter.is_empty() {
        String::new()
    } else {
        format!(" filter /{} ", app.partition_filter)
    };
    let title = Line::from(vec![
        Span::styled(
            " Partitions · region0 brokers │ region1 brokers ",
            t.accent().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            "◆ leader ○ follower ◇ says leader, no quorum ✖ missing · none ",
            t.dim(),
        ),
        Span::styled(filter, t.warning()),
    ]);
    let region_brokers = |r: u8| -> Vec<i32> {
        v.brokers
            .iter()
            .filter(|b| b.region == r)
            .map(|b| b.id)
            .collect()
    };
    let (b0, b1) = (region_brokers(0), region_brokers(1));
    let mut head = vec![Span::styled(format!("{:<8}", " broker"), t.dim())];
    head.extend(b0.iter().map(|b| Span::styled(format!("{b:^3}"), t.dim())));
    head.push(Span::styled(" │ ", t.dim()));
    head.extend(b1.iter().map(|b| Span::styled(format!("{b:^3}"), t.dim())));
    head.push(Span::styled("  leader  live  quorum", t.dim()));
    let mut lines = vec![Line::from(head)];
    let rows = app.filtered_partitions();
    let visible = area.height.saturating_sub(3) as usize;
    let offset = if focused && app.selected >= visible {
        app.selected + 1 - visible
    } else {
        0
    };
    for (i, p) in rows.iter().enumerate().skip(offset).take(visible) {
        let sel = focused && app.selected == i;
        let mut spans = vec![Span::styled(
            format!(" P{:<6}", p.id),
            if sel { t.selected() } else { Style::default() },
        )];
        spans.extend(b0.iter().map(|b| cell(p, *b, t)));
        spans.push(Span::styled(" │ ", t.dim()));
        spans.extend(b1.iter().map(|b| cell(p, *b, t)));
        spans.push(Span::raw(format!(
            "  {:>6}",
            p.leader.map_or("—".into(), |l| l.to_string())
        )));
        spans.push(Span::raw(format!(
            "  {}/{}",
            p.live_replicas.len(),
            p.replica_count
        )));
        spans.push(match p.has_quorum {
            Some(true) => match p.spare {
                Some(0) => Span::styled("  ✔ quorum ⚠ last spare", t.warning()),
                Some(n) => Span::styled(format!("  ✔ quorum +{n}"), t.ok()),
                None => Span::styled("  ✔ quorum", t.ok()),
            },
            Some(false) => Span::styled("  ✖ LOST", t.critical()),
            None => Span::styled("  ? unknown", t.unknown()),
        });
        lines.push(Line::from(spans));
    }
    if rows.len() > visible {
        lines.push(Line::from(Span::styled(
            format!(
                " … {} of {} partitions shown (↑↓ scroll, / filter)",
                visible.min(rows.len()),
                rows.len()
            ),
            t.dim(),
        )));
    }
    f.render_widget(Paragraph::new(lines).block(block(t, title, focused)), area);
}

fn exporters(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let focused = app.pane == Pane::Exporters;
    let mut lines: Vec<Line> = v
        .exporters
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let style = match e.status.as_str() {
                "ENABLED" => t.ok(),
                "DISABLED" => t.warning(),
                _ => t.unknown(),
            };
            let to = e
                .region
                .and_then(|r| v.region(r))
                .map(|r| format!(" → {}", r.name))
                .unwrap_or_default();
            Line::from(vec![
                Span::styled(
                    format!("{}{to} ", e.id),
                    if focused && app.selected == i {
                        t.selected()
                    } else {
                        Style::default()
                    },
                ),
                Span::styled(e.status.to_string(), style),
                Span::styled(if e.legacy { " (legacy)" } else { "" }, t.dim()),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::raw("exporting "),
        Span::styled(
            v.exporting.to_string(),
            if v.exporting == "running" {
                t.ok()
            } else {
                t.warning()
            },
        ),
        Span::raw(
            v.export
                .lag
                .map(|l| format!(" · lag {l}"))
                .unwrap_or_default(),
        ),
        Span::styled(
            if v.export.lag_growing {
                " ⚠ growing"
            } else {
                ""
            },
            t.warning(),
        ),
    ]));
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Exporters ", focused)),
        area,
    );
}

fn change(f: &mut Frame, area: Rect, v: &ClusterView, t: &Theme) {
    let mut lines = vec![];
    match &v.cluster.pending_change {
        Some(c) => {
            lines.push(Line::from(Span::styled(
                format!("change #{} in progress", c.id),
                t.warning(),
            )));
            lines.push(Line::from(format!("{}/{} operations", c.done, c.total)));
            if let Some(n) = &c.next {
                lines.push(Line::from(Span::styled(format!("next {n}"), t.dim())));
            }
        }
        None => lines.push(Line::from(Span::styled("none pending", t.dim()))),
    }
    if let Some(l) = &v.cluster.last_change {
        lines.push(Line::from(vec![
            Span::raw(format!("last #{} ", l.id)),
            Span::styled(
                l.status.to_string(),
                if l.status == "COMPLETED" {
                    t.ok()
                } else {
                    t.critical()
                },
            ),
        ]));
    }
    lines.push(Line::from(Span::styled(
        format!(
            "size {} · RF {} · {}",
            v.cluster.size.map_or("?".into(), |n| n.to_string()),
            v.cluster
                .replication_factor
                .map_or("?".into(), |n| n.to_string()),
            serde_json::to_value(v.cluster.family)
                .ok()
                .and_then(|x| x.as_str().map(String::from))
                .unwrap_or_default()
        ),
        t.dim(),
    )));
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Topology change ", false)),
        area,
    );
}

fn events(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let focused = app.pane == Pane::Events;
    let lines: Vec<Line> = app
        .events
        .iter()
        .take(area.height.saturating_sub(2) as usize)
        .map(|e| {
            let time =
                e.at.parse::<jiff::Timestamp>()
                    .map(|x| x.strftime("%H:%M:%S").to_string())
                    .unwrap_or_default();
            Line::from(vec![
                Span::styled(format!("{time} "), t.dim()),
                Span::styled(e.text.clone(), level_style(t, e.level)),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Events ", focused)),
        area,
    );
}

fn footer(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
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
        _ => {
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
    };
    f.render_widget(Paragraph::new(line), area);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn help(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
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

fn preflight(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    use crate::preflight::Status;
    let mut lines: Vec<Line> = if app.preflight.is_empty() {
        vec![Line::from(Span::styled(
            "no results yet: waiting for the observations",
            t.dim(),
        ))]
    } else {
        app.preflight
            .iter()
            .map(|c| {
                let (word, style) = match c.status {
                    Status::Pass => ("✔ PASS", t.ok()),
                    Status::Warn => ("⚠ WARN", t.warning()),
                    Status::Fail => ("✖ FAIL", t.critical()),
                    Status::Unknown => ("? UNKNOWN", t.unknown()),
                };
                Line::from(vec![
                    Span::styled(format!("{word:<10}"), style),
                    Span::raw(format!("{:<44} ", c.title)),
                    Span::styled(c.evidence.clone(), t.dim()),
                ])
            })
            .collect()
    };
    lines.push(Line::from(Span::styled(
        "rules and evidence: c8dr preflight --json · Esc closes",
        t.dim(),
    )));
    let r = centered(area, area.width.saturating_sub(4), lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).style(t.base()).block(block(
            t,
            " Preflight — documented dual-region rules ",
            true,
        )),
        r,
    );
}

fn drill(f: &mut Frame, area: Rect, drills: &[String], selected: usize, t: &Theme) {
    let lines: Vec<Line> = drills
        .iter()
        .enumerate()
        .map(|(i, label)| {
            Line::from(Span::styled(
                format!(" {label} "),
                if i == selected {
                    t.selected()
                } else {
                    Style::default()
                },
            ))
        })
        .collect();
    let r = centered(area, 64, lines.len() as u16 + 2);
    // On a short terminal the menu scrolls so the chosen drill stays in view.
    let visible = usize::from(r.height.saturating_sub(2)).max(1);
    let offset = selected.saturating_sub(visible - 1) as u16;
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .style(t.base())
            .scroll((offset, 0))
            .block(block(
                t,
                " Drill (the lab only) — ↑↓ choose, Enter runs, Esc closes ",
                true,
            )),
        r,
    );
}

fn detail(f: &mut Frame, area: Rect, v: &ClusterView, d: Detail, t: &Theme) {
    let (title, lines): (String, Vec<Line>) = match d {
        Detail::Broker(id) => match v.brokers.iter().find(|b| b.id == id) {
            Some(b) => (
                format!(" broker {id} "),
                vec![
                    Line::from(format!(
                        "region {} · host {}",
                        b.region,
                        b.host.as_deref().unwrap_or("?")
                    )),
                    Line::from(format!("version {}", b.version.as_deref().unwrap_or("?"))),
                    Line::from(format!(
                        "reachable {:?} · member {:?} · pod {}",
                        b.reachable,
                        b.member,
                        b.pod_status.as_deref().unwrap_or("?")
                    )),
                    Line::from(format!(
                        "partitions: {}",
                        b.partitions
                            .iter()
                            .map(|p| format!("{} {} {}", p.id, p.role, p.health))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ],
            ),
            None => (format!(" broker {id} "), vec![Line::from("no such broker")]),
        },
        Detail::Partition(id) => match v.partitions.iter().find(|p| p.id == id) {
            Some(p) => (
                format!(" partition {id} "),
                vec![
                    Line::from(format!(
                        "configured replicas {:?} ({})",
                        p.replicas, p.replica_count
                    )),
                    Line::from(format!("live replicas {:?}", p.live_replicas)),
                    Line::from(vec![
                        Span::raw("quorum "),
                        match p.has_quorum {
                            Some(true) => Span::styled("✔ yes", t.ok()),
                            Some(false) => Span::styled("✖ LOST: cannot commit", t.critical()),
                            None => Span::styled("? unknown", t.unknown()),
                        },
                    ]),
                    Line::from(format!(
                        "leader that can commit: {}",
                        p.leader.map_or("none".into(), |l| l.to_string())
                    )),
                    Line::from(format!(
                        "brokers reporting leadership: {:?}",
                        p.reported_leaders
                    )),
                    Line::from(format!("health {}", p.health)),
                ],
            ),
            None => (
                format!(" partition {id} "),
                vec![Line::from("no such partition")],
            ),
        },
        Detail::Region(id) => match v.region(id) {
            Some(r) => (
                format!(" region{id} {} ", r.name),
                vec![
                    Line::from(vec![reach_span(r, t)]),
                    Line::from(format!(
                        "brokers {} · pods {}/{} ready",
                        brokers_words(r),
                        r.pods_ready.map_or("?".into(), |n| n.to_string()),
                        r.pods_total.map_or("?".into(), |n| n.to_string())
                    )),
                    Line::from(format!(
                        "Elasticsearch {} · {} indices · {} documents",
                        r.elasticsearch.status,
                        r.elasticsearch
                            .indices
                            .map_or("?".into(), |n| n.to_string()),
                        r.elasticsearch.docs.map_or("?".into(), |n| n.to_string())
                    )),
                    Line::from(format!(
                        "last error: {}",
                        r.last_error.as_deref().unwrap_or("none")
                    )),
                ],
            ),
            None => (format!(" region {id} "), vec![Line::from("no such region")]),
        },
    };
    let r = centered(area, 90, lines.len() as u16 + 3);
    f.render_widget(Clear, r);
    let mut lines = lines;
    lines.push(Line::from(Span::styled("Esc closes", t.dim())));
    f.render_widget(
        Paragraph::new(lines)
            .style(t.base())
            .wrap(Wrap { trim: true })
            .block(block(t, title, true)),
        r,
    );
}

/// "3/4" brokers of a region in a fresh topology, "?/4" when no topology can tell.
fn brokers_words(r: &crate::model::RegionView) -> String {
    format!(
        "{}/{}",
        r.brokers_up.map_or("?".into(), |n| n.to_string()),
        r.brokers_expected
    )
}
