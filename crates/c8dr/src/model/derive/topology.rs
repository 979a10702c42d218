//! What kind of cluster this is: numbered (integer ids, a region by parity), zone-aware
//! (`<zone>_<n>` ids over a persisted zone layout) or half-way through the migration from one
//! to the other, and which brokers are in recovery mode. Runbooks choose their procedure from
//! the kind and refuse the wrong one; the header names it.
//!
//! Source: zone-aware-dual-region.md §2.3 (ids: integers for bare members, strings for zoned
//! ones, mixed during a migration; `partitioning`), §6.2–6.4 (migration order: the highest
//! zone index first) and §7.2 (modes).

use super::facts::Facts;
use crate::api::{BrokerId, BrokerStateCode, ClusterMode, ZoneMap};
use crate::model::view::{MigrationView, TopologyKind, TopologyView, ZoneView};
use std::collections::BTreeSet;

pub(super) fn topology(facts: &Facts, zones: &ZoneMap) -> TopologyView {
    let cluster = facts.cluster();
    // Members from the agreed configuration; without one, the brokers the gateways list (only
    // the reachable ones, which is enough to tell numbered from zoned).
    let members: BTreeSet<BrokerId> = match &facts.members {
        Some(m) => m.clone(),
        None => facts
            .gateways
            .iter()
            .flat_map(|g| g.brokers.keys().copied())
            .collect(),
    };
    let layout = cluster
        .and_then(|c| c.partitioning.as_ref())
        .filter(|p| p.is_zone_aware());
    let numbered = members.iter().filter(|b| !b.is_zoned()).count();
    let zoned = members.len() - numbered;
    let kind = match (numbered, zoned, layout.is_some()) {
        (0, 0, _) => TopologyKind::Unknown,
        (n, z, _) if n > 0 && z > 0 => TopologyKind::Migrating,
        (_, 0, true) => TopologyKind::Migrating,
        (_, 0, false) => TopologyKind::Numbered,
        _ => TopologyKind::ZoneAware,
    };
    let in_zone = |name: &str| {
        members
            .iter()
            .filter(|b| b.zone().is_some_and(|z| z.as_str() == name))
            .count()
    };
    let zone_views: Vec<ZoneView> = layout
        .map(|l| {
            l.zones
                .iter()
                .map(|z| ZoneView {
                    name: z.name.clone(),
                    replicas: z.number_of_replicas,
                    priority: z.priority,
                    region: zones.region_of_name(&z.name),
                    members: in_zone(&z.name),
                })
                .collect()
        })
        .unwrap_or_default();
    let migration = (kind == TopologyKind::Migrating).then(|| MigrationView {
        migrated: zone_views
            .iter()
            .filter(|z| z.members > 0)
            .map(|z| z.name.clone())
            .collect(),
        next: zone_views
            .iter()
            .rev()
            .find(|z| z.members == 0)
            .map(|z| z.name.clone()),
        numbered_left: numbered,
        layout_set: layout.is_some(),
    });
    let recovering = cluster
        .map(|c| {
            c.brokers
                .iter()
                .filter(|b| {
                    b.state == BrokerStateCode::Recovering
                        || b.physical_tenants
                            .iter()
                            .flatten()
                            .any(|t| t.mode.as_ref() == Some(&ClusterMode::Recovering))
                })
                .map(|b| b.id)
                .collect()
        })
        .unwrap_or_default();
    TopologyView {
        kind,
        zones: zone_views,
        migration,
        recovering,
    }
}
