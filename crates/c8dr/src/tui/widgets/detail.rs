//! The detail overlay: everything c8dr knows of one broker, partition or region.

use super::{block, brokers_words, centered, reach_span};
use crate::model::{BrokerView, ClusterView, PartitionView, RegionView};
use crate::tui::app::Detail;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, v: &ClusterView, d: Detail, t: &Theme) {
    let (title, mut lines) = match d {
        Detail::Broker(id) => (
            format!(" broker {id} "),
            v.brokers
                .iter()
                .find(|b| b.id == id)
                .map_or_else(|| vec![Line::from("no such broker")], broker),
        ),
        Detail::Partition(id) => (
            format!(" partition {id} "),
            v.partitions.iter().find(|p| p.id == id).map_or_else(
                || vec![Line::from("no such partition")],
                |p| partition(p, t),
            ),
        ),
        Detail::Region(id) => match v.region(id) {
            Some(r) => (format!(" region{id} {} ", r.name), region(r, t)),
            None => (format!(" region {id} "), vec![Line::from("no such region")]),
        },
    };
    let r = centered(area, 90, lines.len() as u16 + 3);
    f.render_widget(Clear, r);
    lines.push(Line::from(Span::styled("Esc closes", t.dim())));
    f.render_widget(
        Paragraph::new(lines)
            .style(t.base())
            .wrap(Wrap { trim: true })
            .block(block(t, title, true)),
        r,
    );
}

fn broker(b: &BrokerView) -> Vec<Line<'static>> {
    vec![
        Line::from(format!(
            "region {} · host {}",
            b.region,
            b.host.as_deref().unwrap_or("?")
        )),
        Line::from(format!("version {}", b.version.as_deref().unwrap_or("?"))),
        Line::from(format!(
            "reachable {} · member {} · pod {}",
            yes_no(b.reachable),
            yes_no(b.member),
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
    ]
}

/// A yes, a no, or `?` when it is not known.
fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

fn partition(p: &PartitionView, t: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::from(format!(
            "configured replicas {} ({})",
            crate::text::list(&p.replicas),
            p.replica_count
        )),
        Line::from(format!(
            "live replicas {}",
            crate::text::list(&p.live_replicas)
        )),
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
            "brokers reporting leadership: {}",
            crate::text::list(&p.reported_leaders)
        )),
        Line::from(format!("health {}", p.health)),
    ]
}

fn region(r: &RegionView, t: &Theme) -> Vec<Line<'static>> {
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
    ]
}
