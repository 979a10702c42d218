//! User traffic: where DNS sends users, where it should send them, and whether those agree.
//!
//! Where users should go is judged against the regions that can serve, not against the
//! configuration alone: in active-passive the primary while it can, else the region that
//! took over (after a failover the survivor is the acting primary); in active-active every
//! region that can. A region can serve when it answers, hosts cluster members (a recreated
//! region answers long before failback makes its brokers members again) and its
//! Elasticsearch gets records (until failback enables its exporter again, its Operate and
//! Tasklist would show users an incomplete picture). When
//! c8dr cannot tell (a region not yet observed, one it cannot reach while the other's
//! gateway still lists its brokers), agreement is unknown, never guessed.

use super::{Ctx, error_words};
use crate::api::Region;
use crate::model::view::{BrokerView, ExporterView, Reach, RegionView, TrafficView};
use crate::model::words::ExporterState;
use crate::model::words::TrafficMode;
use std::time::Duration;

/// What decides whether a region can serve.
struct Facts<'a> {
    regions: &'a [RegionView],
    brokers: &'a [BrokerView],
    exporters: &'a [ExporterView],
    zones: crate::api::ZoneMap,
}

/// Whether a region can serve users: yes, no, or c8dr cannot tell.
fn can_serve(r: &RegionView, f: &Facts) -> Option<bool> {
    match r.reachable {
        Reach::Up => {
            let here: Vec<&BrokerView> = f.brokers.iter().filter(|b| b.region == r.id).collect();
            // Brokers that all run outside the cluster (a recreated region) cannot serve.
            let outside = !here.is_empty() && here.iter().all(|b| b.member == Some(false));
            // Nor can a region whose Elasticsearch gets no records (failback not done).
            let unexported = f.exporters.iter().any(|e| {
                e.region == Some(r.id) && !e.legacy && e.status == ExporterState::Disabled
            });
            Some(!outside && !unexported)
        }
        Reach::Down => {
            // Lost only when the other region's fresh topology lacks its brokers; while it
            // lists them the region runs and only c8dr cannot reach it.
            let other = f.regions.iter().find(|o| o.id == r.id.other());
            match other.and_then(|o| o.gateway_brokers.as_ref()) {
                Some(listed) if listed.iter().any(|b| f.zones.region_of(*b) == Some(r.id)) => None,
                Some(_) => Some(false),
                None => None,
            }
        }
        Reach::Unknown => None,
    }
}

/// Where users should go (None: c8dr cannot tell).
fn expected(cx: &Ctx, f: &Facts) -> Option<Vec<Region>> {
    let serves = |id: Region| {
        f.regions
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| can_serve(r, f))
    };
    if cx.cfg.active_active {
        let mut out = vec![];
        for id in Region::BOTH {
            if serves(id)? {
                out.push(id);
            }
        }
        (!out.is_empty()).then_some(out)
    } else {
        let primary = cx.cfg.primary;
        match serves(primary)? {
            true => Some(vec![primary]),
            false => serves(primary.other())?.then(|| vec![primary.other()]),
        }
    }
}

pub(super) fn traffic(
    cx: &Ctx,
    regions: &[RegionView],
    brokers: &[BrokerView],
    exporters: &[ExporterView],
) -> TrafficView {
    let facts = Facts {
        regions,
        brokers,
        exporters,
        zones: cx.cfg.zones,
    };
    let cfg = cx.cfg;
    // DNS is polled on the slow interval: an answer up to half a minute old still counts.
    let (observed, error) = match &cx.snap.dns {
        Some(o) if cx.age(o.at) <= cx.stale.max(Duration::from_secs(30)) => match &o.value {
            Ok(ips) => {
                let regions: Vec<Region> = cfg
                    .traffic_addresses
                    .iter()
                    .filter(|(_, addrs)| ips.iter().any(|ip| addrs.contains(ip)))
                    .map(|(r, _)| r)
                    .collect();
                (Some(regions), None)
            }
            Err(e) => (None, Some(error_words(e))),
        },
        _ => (None, None),
    };
    let expected = expected(cx, &facts);
    // Users sent to a region that cannot serve is wrong even when c8dr cannot tell where
    // they should go instead.
    let to_lost = observed.as_ref().is_some_and(|obs| {
        obs.iter().any(|id| {
            regions
                .iter()
                .find(|r| r.id == *id)
                .and_then(|r| can_serve(r, &facts))
                == Some(false)
        })
    });
    let agrees = match (&observed, &expected) {
        (Some(_), _) if to_lost => Some(false),
        (Some(obs), Some(exp)) => Some(obs == exp),
        _ => None,
    };
    TrafficView {
        mode: if cfg.active_active {
            TrafficMode::ActiveActive
        } else {
            TrafficMode::ActivePassive
        },
        primary: cfg.primary,
        observed,
        expected,
        agrees,
        error,
    }
}
