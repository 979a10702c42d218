//! The topology change pane: the change in progress with its operations, the last change
//! and how it ended, and the cluster's size, replication factor and version family.

use super::block;
use crate::model::{ChangeState, ClusterView, TopologyKind};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(f: &mut Frame, area: Rect, v: &ClusterView, t: &Theme) {
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
                if l.status == ChangeState::Completed {
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
            // The layout decides the procedure on 8.10; the API family otherwise.
            match v.cluster.topology.kind {
                TopologyKind::ZoneAware | TopologyKind::Migrating =>
                    v.cluster.topology.kind.words(),
                _ => v.cluster.family.as_str(),
            }
        ),
        t.dim(),
    )));
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Topology change ", false)),
        area,
    );
}
