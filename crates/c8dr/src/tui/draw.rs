//! Drawing: lays the widgets out. A pure function of the app state, the theme and the frame
//! size, so screenshots and snapshot tests are deterministic. Every state is a word or a
//! glyph as well as a colour (see `widgets/`).

use super::app::{App, Mode};
use super::theme::Theme;
use super::widgets::{
    change, detail, drill, events, exporters, footer, header, help, observed_run, partitions,
    preflight, quit, region, run_line, verdict,
};
use crate::model::{ClusterView, Reach, RegionView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

/// The runs the verdict speaks of: this cockpit's, and another c8dr's.
fn runs(app: &App) -> verdict::Runs<'_> {
    verdict::Runs {
        own: app.run_in_progress().map(|p| &p.state),
        other: observed_run::observed(app).map(|(r, _)| r),
    }
}

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Draws everything.
pub fn draw(f: &mut Frame, app: &App, t: &Theme) {
    let area = f.area();
    f.render_widget(Block::default().style(t.base()), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, area, t);
        return;
    }
    let rows = rows(app, area);
    header::draw(f, rows[0], app, t);
    if app.read_only {
        header::read_only_banner(f, rows[1], t);
    }
    header::frozen_banner(f, rows[2], app, t);
    observed_run::draw(f, rows[3], app, t);
    match app.shown() {
        Some(v) => {
            verdict::draw(f, rows[4], v, runs(app), t);
            body(f, rows[5], app, v, t);
        }
        None => {
            f.render_widget(
                Paragraph::new(" waiting for the first observations …").style(t.dim()),
                rows[4],
            );
        }
    }
    run_line::draw(f, rows[6], app, t);
    footer::draw(f, rows[7], app, t);
    overlay(f, area, app, t);
}

/// The dashboard's rows: header, read-only banner, frozen banner, another c8dr's run,
/// verdict, body, run line, footer.
fn rows(app: &App, area: Rect) -> std::rc::Rc<[Rect]> {
    let banner = u16::from(app.read_only);
    // A frozen screen says so on a line of its own, at every size.
    let frozen = u16::from(app.frozen.is_some());
    let verdict_h = app.shown().map_or(1, |v| {
        verdict::height(v, runs(app), area.width).min(if area.height >= 30 { 4 } else { 3 })
    });
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Length(frozen),
        Constraint::Length(observed_run::height(app)),
        Constraint::Length(verdict_h),
        Constraint::Min(0),
        Constraint::Length(run_line::height(app)),
        Constraint::Length(1),
    ])
    .split(area)
}

/// Small screens (80×24 over ssh): one-line region summaries, no bottom panels; the
/// partition matrix keeps the room.
fn compact(body: Rect) -> bool {
    body.height < 26
}

/// Whether the dashboard at `width`×`height` draws the exporters and events panes (a compact
/// one does not: the keys skip them there).
pub fn bottom_panes_shown(app: &App, width: u16, height: u16) -> bool {
    let area = Rect::new(0, 0, width, height);
    width >= MIN_WIDTH && height >= MIN_HEIGHT && !compact(rows(app, area)[5])
}

fn too_small(f: &mut Frame, area: Rect, t: &Theme) {
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
}

/// Whatever the mode puts over the dashboard.
fn overlay(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    match &app.mode {
        Mode::Help => help::draw(f, area, app, t),
        Mode::ConfirmQuit(back) => {
            if **back == Mode::Runbook {
                overlay_runbook(f, area, app, t);
            }
            // The run may have ended since the question opened: it still shows what it asks.
            if let Some(p) = &app.runbook {
                quit::draw(f, area, p, t);
            }
        }
        Mode::Drill(i) => drill::draw(f, area, &app.drills, *i, t),
        Mode::Preflight => preflight::draw(f, area, &app.preflight, t),
        Mode::Events => {
            // Under the header and its banners: a frozen screen stays marked, another c8dr's
            // run in sight.
            let top = 1
                + u16::from(app.read_only)
                + u16::from(app.frozen.is_some())
                + observed_run::height(app);
            let below = Rect {
                y: area.y + top,
                height: area.height.saturating_sub(top),
                ..area
            };
            events::draw_full(f, below, app, t)
        }
        Mode::Detail(d) => {
            if let Some(v) = app.shown() {
                detail::draw(f, area, v, *d, t);
            }
        }
        Mode::Runbook => overlay_runbook(f, area, app, t),
        Mode::Report => {
            if let Some(p) = &app.report {
                let below = Rect {
                    y: area.y + 1,
                    height: area.height.saturating_sub(1),
                    ..area
                };
                super::report::draw(f, below, p, t);
            }
        }
        _ => {}
    }
}

/// The runbook pane, below the header, which keeps the traffic and clock in view.
fn overlay_runbook(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    if let Some(p) = &app.runbook {
        let below = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        super::runbook::draw(f, below, p, app.now, t);
    }
}

/// The dashboard under the verdict: region panes (side by side from 120 columns, stacked
/// below), the partition matrix, and the exporters, change and events panes.
fn body(f: &mut Frame, area: Rect, app: &App, v: &ClusterView, t: &Theme) {
    let wide = area.width >= 120;
    let compact = compact(area);
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
        region::draw(f, a, app, v, r, t, compact);
    }
    partitions::draw(f, parts[1], app, v, t);
    if bottom_h > 0 {
        let cols = Layout::horizontal([
            Constraint::Percentage(33),
            Constraint::Percentage(27),
            Constraint::Percentage(40),
        ])
        .split(parts[2]);
        exporters::draw(f, cols[0], app, v, t);
        change::draw(f, cols[1], v, t);
        events::draw(f, cols[2], app, t);
    }
}
