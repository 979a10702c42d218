//! The observed-run banner (issue 17 §1): while another c8dr holds the run lease of a region
//! (a colleague's failover from another laptop), one line under the header says whose run it
//! is, since when, and the step it is on, so everyone in the war room sees the run without
//! sharing a screen. An expired lease is a warning: the holder may have died. This cockpit's
//! own run has its pane and run line instead, and a released lease's outcome is told by the
//! events, not here.

use crate::model::RunView;
use crate::model::run_lease::Liveness;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The run the banner shows: a held lease of a run that is not this cockpit's own, a live
/// one before an expired one; and how many more there are.
pub fn observed(app: &App) -> Option<(&RunView, usize)> {
    let own = app.runbook.as_ref().map(|p| p.state.run.as_str());
    let mut others: Vec<&RunView> = app
        .shown()?
        .runs
        .iter()
        .filter(|r| r.held() && Some(r.lease.run.as_str()) != own)
        .collect();
    others.sort_by_key(|r| r.liveness != Liveness::Live);
    let first = others.first()?;
    Some((first, others.len() - 1))
}

/// Rows the banner takes: one while another run holds a lease, else none.
pub fn height(app: &App) -> u16 {
    u16::from(observed(app).is_some())
}

/// The banner's words for `width` columns: the longest form that fits, else the shortest
/// cut with an ellipsis. Every form starts with who does what, so a cut never hides it.
pub fn text(run: &RunView, more: usize, width: u16) -> String {
    let l = &run.lease;
    let by = l.holder.as_deref().unwrap_or("nobody");
    let step = match &l.step {
        Some(s) => format!("{s} {}", l.state),
        None => l.state.clone(),
    };
    let key = l
        .step
        .as_deref()
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    let more = match more {
        0 => String::new(),
        n => format!(" (+{n} more)"),
    };
    let title = l
        .step_title
        .as_deref()
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    let forms = match run.liveness {
        Liveness::Expired => vec![
            format!(" ⚠ {}{more} ", run.sentence),
            format!(
                " ⚠ lease EXPIRED: {} of {} by {by}, {step} (the holder may have died){more} ",
                l.procedure, l.region_name
            ),
            format!(
                " ⚠ lease EXPIRED: {} of {} by {by}{key} — holder may have died{more} ",
                l.procedure, l.region_name
            ),
            format!(
                " ⚠ lease EXPIRED: {} of {} by {by} (holder may have died){more} ",
                l.procedure, l.region_name
            ),
        ],
        _ => vec![
            format!(" ▶ {}{title}{more} ", run.sentence),
            format!(" ▶ {}{more} ", run.sentence),
            format!(
                " ▶ {} of {} in progress by {by}, {step}{more} ",
                l.procedure, l.region_name
            ),
            format!(
                " ▶ {} of {} by {by}, {step}{more} ",
                l.procedure, l.region_name
            ),
        ],
    };
    let width = usize::from(width);
    // A form fits with its closing pad, or without it where that is the last column short.
    let fits = |s: &str| Span::raw(s).width() <= width;
    forms
        .iter()
        .flat_map(|s| [s.as_str(), s.trim_end()])
        .find(|s| fits(s))
        .map(str::to_string)
        .unwrap_or_else(|| cut(forms.last().map(String::as_str).unwrap_or(""), width))
}

/// `s` cut to `width` columns, ending in "…" where it was cut.
fn cut(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some((run, more)) = observed(app) else {
        return;
    };
    let style = match run.liveness {
        Liveness::Expired => t
            .warning()
            .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        _ => t.accent().add_modifier(Modifier::BOLD),
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(text(run, more, area.width), style))),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Region;
    use crate::model::run_lease::RunLease;
    use std::time::Duration;

    fn run(liveness: Liveness) -> RunView {
        let lease = RunLease {
            holder: Some("alice@laptop".into()),
            run: "failover-r1-20261201t060301".into(),
            procedure: "failover".into(),
            region: Some(Region::ONE),
            region_name: "paris".into(),
            step: Some("FO-2".into()),
            step_title: Some("Pause the exporters".into()),
            state: "running".into(),
            acquired: "2026-12-01T06:03:01Z".parse().ok(),
            renewed: "2026-12-01T06:04:00Z".parse().ok(),
            duration: Some(Duration::from_secs(30)),
        };
        let now = match liveness {
            Liveness::Live => "2026-12-01T06:04:10Z",
            _ => "2026-12-01T06:05:00Z",
        };
        let now = now.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        RunView {
            region: Region::ZERO,
            liveness: lease.liveness(now),
            sentence: lease.sentence(now),
            lease,
        }
    }

    fn cols(s: &str) -> usize {
        Span::raw(s).width()
    }

    #[test]
    fn the_longest_form_that_fits_then_a_clean_cut() {
        let live = run(Liveness::Live);
        assert_eq!(
            text(&live, 0, 120),
            " ▶ failover of paris in progress by alice@laptop since 06:03:01Z, FO-2 running: Pause the exporters "
        );
        assert_eq!(
            text(&live, 0, 80),
            " ▶ failover of paris in progress by alice@laptop since 06:03:01Z, FO-2 running "
        );
        assert_eq!(
            text(&live, 1, 61),
            " ▶ failover of paris by alice@laptop, FO-2 running (+1 more) "
        );
        let expired = run(Liveness::Expired);
        assert_eq!(expired.liveness, Liveness::Expired);
        assert!(
            text(&expired, 0, 80)
                .starts_with(" ⚠ lease EXPIRED: failover of paris by alice@laptop")
        );
        assert!(text(&expired, 0, 200).contains("(the holder may have died)"));
        for w in 0..130u16 {
            for r in [&live, &expired] {
                let s = text(r, 2, w);
                assert!(cols(&s) <= usize::from(w), "{w}: {s:?}");
            }
        }
        assert_eq!(text(&live, 0, 20), " ▶ failover of pari…");
        assert_eq!(text(&live, 0, 1), "…");
        assert_eq!(text(&live, 0, 0), "");
    }
}
