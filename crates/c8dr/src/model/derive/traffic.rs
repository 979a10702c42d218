//! User traffic: where DNS sends users, and whether that is where they should go (the
//! primary in active-passive, every region that answers in active-active).

use super::{Ctx, error_words};
use crate::api::Region;
use crate::model::view::{Reach, RegionView, TrafficView};
use crate::model::words::TrafficMode;
use std::time::Duration;

pub(super) fn traffic(cx: &Ctx, regions: &[RegionView]) -> TrafficView {
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
    let agrees = observed.as_ref().map(|obs| {
        if cfg.active_active {
            let serving: Vec<Region> = regions
                .iter()
                .filter(|r| r.reachable != Reach::Down)
                .map(|r| r.id)
                .collect();
            *obs == serving
        } else {
            *obs == vec![cfg.primary]
        }
    });
    TrafficView {
        mode: if cfg.active_active {
            TrafficMode::ActiveActive
        } else {
            TrafficMode::ActivePassive
        },
        primary: cfg.primary,
        observed,
        agrees,
        error,
    }
}
