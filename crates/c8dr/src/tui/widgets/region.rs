//! A region pane: whether it answers, its brokers, pods, Elasticsearch and the exporter
//! writing into it, then one line per broker with its partitions. Compact (two lines, no
//! brokers) on small screens. A region that does not answer is drawn greyed, never blanked.

use super::{block, brokers_words, exporters, reach_span};
use crate::api::Region;
use crate::model::{
    BrokerView, ClusterView, ElasticsearchStatus, ExporterFlow, ExporterState, ExporterView,
    Exporting, PartitionView, Reach, RegionView, ReplicaMark, ReplicaRole, Source, TrafficMode,
    replica_mark,
};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::BTreeMap;

/// How a region's facts are drawn: greyed when its data is stale.
struct Look<'a> {
    t: &'a Theme,
    stale: bool,
}

const RE_ENABLED: &str = " ✖ re-enabled";

impl Look<'_> {
    fn dim(&self, s: Style) -> Style {
        if self.stale { s.fg(self.t.dim) } else { s }
    }

    fn brokers(&self, r: &RegionView) -> Style {
        self.dim(
            if r.brokers_up
                .is_none_or(|n| r.brokers_expected.is_none_or(|e| n < e))
            {
                self.t.warning()
            } else {
                self.t.ok()
            },
        )
    }

    fn elasticsearch(&self, r: &RegionView) -> Span<'static> {
        let t = self.t;
        let style = match r.elasticsearch.status {
            ElasticsearchStatus::Green => t.ok(),
            ElasticsearchStatus::Yellow => t.warning(),
            ElasticsearchStatus::NotConfigured | ElasticsearchStatus::Unknown => t.unknown(),
            _ => t.critical(),
        };
        Span::styled(r.elasticsearch.status.to_string(), self.dim(style))
    }

    /// The exporter writing into the region, with its status; one still enabled into a
    /// region that does not answer is a warning, never greyed (it is what to do next). With
    /// the brokers' metrics, what its position does: compact panes (the only exporter view
    /// at 80×24) say it all, "camundaregion1 ✖ STUCK P1-8 · lag 1234 +52/s · still 9 s";
    /// wide ones only a standstill (the exporters pane has the rest). `room`: the columns a
    /// compact pane has left for it (what does not fit is left out whole); `None` for a wide
    /// pane.
    fn exporter(
        &self,
        r: &RegionView,
        exporter: Option<&ExporterView>,
        room: Option<usize>,
    ) -> Vec<Span<'static>> {
        let t = self.t;
        let Some(e) = exporter else {
            return vec![Span::styled("?", t.unknown())];
        };
        let mut spans = vec![];
        let flow = exporters::flow_span(e, t);
        let standstill = matches!(
            e.flow,
            ExporterFlow::Stuck | ExporterFlow::Blocked | ExporterFlow::Stalled
        );
        if r.reachable == Reach::Down
            && matches!(e.status, ExporterState::Enabled | ExporterState::Enabling)
        {
            spans.push(Span::styled(
                format!("{} {} ⚠ disable it", e.id, e.status),
                t.warning(),
            ));
        } else if let Some(flow) = flow.filter(|_| room.is_some() || standstill) {
            spans.push(Span::styled(
                format!("{} ", e.id),
                self.dim(Style::default()),
            ));
            if e.status != ExporterState::Enabled {
                spans.push(Span::styled(format!("{} ", e.status), t.warning()));
            }
            spans.push(flow);
            let still = standstill
                .then(|| format!(" P{}", crate::model::id_ranges(&e.partitions_in(e.flow))));
            let rest = match room {
                Some(room) => {
                    let parts: Vec<String> = e
                        .lag_words()
                        .into_iter()
                        .chain(e.moved_words())
                        .chain(
                            (!matches!(e.phase, Exporting::Running | Exporting::Paused))
                                .then(|| format!("phase {}", e.phase)),
                        )
                        .collect();
                    let still = still.unwrap_or_default();
                    // What goes before the parts and after them (the re-enabled alarm).
                    let tail = if e.re_enabled { RE_ENABLED } else { "" };
                    let used = Line::from(spans.clone()).width()
                        + Span::raw(format!("{still} · {tail}")).width();
                    let parts = exporters::fitting(&parts, " · ", room.saturating_sub(used));
                    if parts.is_empty() {
                        still
                    } else {
                        format!("{still} · {parts}")
                    }
                }
                None => still
                    .into_iter()
                    .chain(
                        e.lag_rate_per_s
                            .map(|r| format!(" {}", crate::model::rate_words(r))),
                    )
                    .collect(),
            };
            spans.push(Span::raw(rest));
        } else {
            let style = if e.status == ExporterState::Enabled {
                t.ok()
            } else {
                t.warning()
            };
            spans.push(Span::styled(
                format!("{} {}", e.id, e.status),
                self.dim(style),
            ));
        }
        if e.re_enabled {
            spans.push(Span::styled(RE_ENABLED, t.critical()));
        }
        spans
    }
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    app: &App,
    v: &ClusterView,
    r: &RegionView,
    t: &Theme,
    compact: bool,
) {
    let role = if v.traffic.mode == TrafficMode::ActiveActive {
        // The configured role only while the model does not say otherwise: a lost region
        // titled "serving" during the incident is a false statement.
        match &v.traffic.expected {
            Some(serving) if !serving.contains(&r.id) => "cannot serve",
            None if r.reachable != Reach::Up => "serving?",
            _ => "serving",
        }
    } else if v.traffic.primary == r.id {
        "PRIMARY"
    } else if v.traffic.expected.as_deref() == Some(&[r.id]) {
        // The primary cannot serve: this region took over (FO-3 sends users here).
        "secondary, takes over"
    } else {
        "secondary"
    };
    let focused = app.pane == Pane::Regions;
    let title = Line::from(vec![Span::styled(
        format!(" region{} · {} · {role} ", r.id, r.name),
        t.accent().add_modifier(Modifier::BOLD),
    )]);
    let look = Look {
        t,
        stale: r.reachable == Reach::Down,
    };
    let exporter = v
        .exporters
        .iter()
        .find(|e| e.region == Some(r.id) && !e.legacy);
    let lines = if compact {
        compact_lines(
            r,
            exporter,
            &look,
            usize::from(area.width.saturating_sub(2)),
        )
    } else {
        let mut lines = summary_lines(v, r, exporter, &look);
        let selected = focused.then_some(app.selected);
        let partitions: BTreeMap<i32, &PartitionView> =
            v.partitions.iter().map(|p| (p.id, p)).collect();
        let here = || {
            v.brokers
                .iter()
                .enumerate()
                .filter(|(_, b)| b.region == r.id)
        };
        // Ids right-aligned to the widest (`london_10` next to `london_9`).
        let id_w = here()
            .map(|(_, b)| b.id.to_string().chars().count())
            .max()
            .unwrap_or(0)
            .max(3);
        for (i, b) in here() {
            lines.push(broker_line(
                b,
                &partitions,
                selected == Some(i),
                id_w,
                &look,
            ));
        }
        lines
    };
    f.render_widget(Paragraph::new(lines).block(block(t, title, focused)), area);
}

fn compact_lines(
    r: &RegionView,
    exporter: Option<&ExporterView>,
    look: &Look,
    width: usize,
) -> Vec<Line<'static>> {
    let head = vec![
        Span::raw("ES "),
        look.elasticsearch(r),
        // The exporter's id says what it is: the room goes to what it does.
        Span::raw(" · "),
    ];
    let room = width.saturating_sub(Line::from(head.clone()).width());
    vec![
        Line::from(vec![
            reach_span(r, look.t),
            failing_mark(r, look.t),
            Span::styled(format!(" · brokers {}", brokers_words(r)), look.brokers(r)),
        ]),
        Line::from(
            head.into_iter()
                .chain(look.exporter(r, exporter, Some(room)))
                .collect::<Vec<_>>(),
        ),
    ]
}

/// Reachability and kube context, brokers, pods and Elasticsearch, the exporter into it,
/// and the last error of a region that does not answer.
fn summary_lines(
    v: &ClusterView,
    r: &RegionView,
    exporter: Option<&ExporterView>,
    look: &Look,
) -> Vec<Line<'static>> {
    let t = look.t;
    let mut lines = vec![
        Line::from(vec![
            reach_span(r, t),
            failing_mark(r, t),
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
            Span::styled(format!("brokers {}", brokers_words(r)), look.brokers(r)),
            match (r.pods_ready, r.pods_total) {
                (Some(a), Some(b)) => Span::styled(
                    format!(" · pods {a}/{b} ready"),
                    look.dim(if a < b { t.warning() } else { t.ok() }),
                ),
                _ => Span::raw(""),
            },
            Span::raw(" · ES "),
            look.elasticsearch(r),
        ]),
        Line::from(
            std::iter::once(Span::raw("exporter into it: "))
                .chain(look.exporter(r, exporter, None))
                .collect::<Vec<_>>(),
        ),
    ];
    if let (Reach::Down, Some(e)) = (r.reachable, &r.last_error) {
        lines.push(Line::from(Span::styled(format!("✖ {e}"), t.dim())));
    }
    if r.reachable == Reach::Up
        && let Some(w) = failing(v, r)
    {
        lines.insert(1, Line::from(Span::styled(format!("⚠ {w}"), t.warning())));
    }
    lines
}

/// The sources of a region that answers that fail, with since when (Elasticsearch's health
/// speaks through its status word).
fn failing(v: &ClusterView, r: &RegionView) -> Option<String> {
    let now = v.at.parse::<jiff::Timestamp>().ok()?;
    r.failing_short(now, |s| s != Source::ElasticsearchHealth)
}

/// After "✔ up": that some of the region's sources fail, so "up" is never the whole story.
fn failing_mark(r: &RegionView, t: &Theme) -> Span<'static> {
    let n = r
        .sources
        .iter()
        .filter(|s| !s.ok && s.source != Source::ElasticsearchHealth)
        .count();
    match (r.reachable, n) {
        (Reach::Up, 1) => Span::styled(" ⚠ 1 source fails", t.warning()),
        (Reach::Up, n) if n > 1 => Span::styled(format!(" ⚠ {n} sources fail"), t.warning()),
        _ => Span::raw(""),
    }
}

/// During a rolling upgrade (brokers on different versions): how far this region is.
fn upgrade_progress(v: &ClusterView, region: Region) -> Option<String> {
    let versions: std::collections::BTreeSet<&str> = v
        .brokers
        .iter()
        .filter_map(|b| b.version.as_deref())
        .collect();
    if versions.len() < 2 {
        return None;
    }
    let newest = versions.iter().max()?;
    let here: Vec<&BrokerView> = v
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

/// A broker: id, whether a gateway lists it, its pod, and its partitions marked as the
/// partition matrix marks them (a leader of a partition without quorum is ◇, never ◆).
fn broker_line(
    b: &BrokerView,
    partitions: &BTreeMap<i32, &PartitionView>,
    selected: bool,
    id_w: usize,
    look: &Look,
) -> Line<'static> {
    let t = look.t;
    let mut spans = vec![Span::styled(
        format!("{:>id_w$} ", b.id.to_string()),
        if selected {
            t.selected()
        } else {
            Style::default()
        },
    )];
    spans.push(match (b.reachable, b.member) {
        (Some(true), Some(false)) => Span::styled("not a member ", t.warning()),
        (Some(true), _) => Span::styled("✔ ", t.ok()),
        (Some(false), _) => Span::styled("✖ gone ", t.critical()),
        (None, _) => Span::styled("? ", t.unknown()),
    });
    if let Some(ready) = b.pod_ready {
        spans.push(Span::styled(
            if ready { "ready " } else { "NOT ready " },
            if ready { t.dim() } else { t.warning() },
        ));
    }
    for p in &b.partitions {
        let mark = match (p.role.clone(), partitions.get(&p.id)) {
            (ReplicaRole::Leader | ReplicaRole::Follower, Some(view)) => replica_mark(view, b.id),
            // No view of the partition: its quorum is unknown, so no leader can be shown as
            // one that commits.
            (ReplicaRole::Leader, None) => ReplicaMark::LeaderWithoutQuorum,
            (ReplicaRole::Follower, None) => ReplicaMark::Follower,
            _ => ReplicaMark::None,
        };
        let (g, s) = super::mark_glyph(mark, t);
        spans.push(Span::styled(format!("{g}{} ", p.id), look.dim(s)));
    }
    Line::from(spans)
}
