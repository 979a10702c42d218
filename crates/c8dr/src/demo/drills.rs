//! The lab's drills for the `d` menu of `c8dr demo`: what an incident does to a deployment
//! (a region fails — also in the middle of a cluster change, which then blocks the failover —,
//! the network splits, traffic moves, an endpoint hangs, an exporter stalls), each one call on the
//! lab's control API. Injected into the TUI as a [`Drills`] trait object.

use crate::api::Region;
use crate::model::{ClusterView, Reach};
use crate::runbook::engine::RunState;
use crate::tui::drills::{Drills, Outcome};
use std::time::Duration;

/// One call on the lab's control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `POST` this path.
    Post(&'static str),
    /// `POST /lab/faults`: make `target` (e.g. `region1.management`) answer with `kind`.
    Fault {
        target: &'static str,
        kind: &'static str,
    },
    /// `DELETE /lab/faults`.
    ClearFaults,
}

/// The drill menu, in order.
pub const DRILLS: &[(&str, Call)] = &[
    (
        "Fail region 1 (unreachable)",
        Call::Post("/lab/regions/1/fail"),
    ),
    ("Restore region 1", Call::Post("/lab/regions/1/restore")),
    (
        "Recreate region 1 (fresh install)",
        Call::Post("/lab/regions/1/recreate"),
    ),
    (
        "Recreate region 1 with the schema-manager trap",
        Call::Post("/lab/regions/1/recreate?schema_manager=on"),
    ),
    (
        "Recreate region 1 leaving the old claims (trap)",
        Call::Post("/lab/regions/1/recreate?leftover_pvcs=on"),
    ),
    ("Fail region 0", Call::Post("/lab/regions/0/fail")),
    ("Restore region 0", Call::Post("/lab/regions/0/restore")),
    ("Recreate region 0", Call::Post("/lab/regions/0/recreate")),
    (
        "Sync the Elasticsearch passwords (8.9)",
        Call::Post("/lab/elasticsearch/passwords/sync"),
    ),
    (
        "Hang recreated broker 3 (camunda/camunda#55038)",
        Call::Post("/lab/brokers/3/hang"),
    ),
    (
        "Split the network between regions",
        Call::Post("/lab/network/split"),
    ),
    ("Heal the network", Call::Post("/lab/network/heal")),
    ("User traffic → region 0", Call::Post("/lab/traffic/0")),
    ("User traffic → region 1", Call::Post("/lab/traffic/1")),
    (
        "User traffic → both regions",
        Call::Post("/lab/traffic/both"),
    ),
    (
        "Webapps off in region 0 (Helm upgrade)",
        Call::Post("/lab/regions/0/webapps/off"),
    ),
    (
        "Webapps on in region 0 (Helm upgrade)",
        Call::Post("/lab/regions/0/webapps/on"),
    ),
    (
        "Webapps off in region 1 (Helm upgrade)",
        Call::Post("/lab/regions/1/webapps/off"),
    ),
    (
        "Webapps on in region 1 (Helm upgrade)",
        Call::Post("/lab/regions/1/webapps/on"),
    ),
    (
        "Fault: region 1 management hangs",
        Call::Fault {
            target: "region1.management",
            kind: "hang",
        },
    ),
    (
        "Fault: region 0 REST answers 500",
        Call::Fault {
            target: "region0.rest",
            kind: "http500",
        },
    ),
    ("Clear all faults", Call::ClearFaults),
    (
        "Clock: slow motion (×0.2)",
        Call::Post("/lab/clock?speed=0.2"),
    ),
    ("Clock: real time (×1)", Call::Post("/lab/clock?speed=1")),
    (
        "Fail region 1 during a cluster change (camunda/camunda#63506)",
        Call::Post("/lab/regions/1/fail-mid-change"),
    ),
    (
        "Stall exporter of region 1 (camunda/camunda#38724)",
        Call::Post("/lab/exporters/region1/stall"),
    ),
    (
        "Unstall exporter of region 1",
        Call::Post("/lab/exporters/region1/unstall"),
    ),
];

/// The drill that fits the moment, from what the view shows (the menu opens on it): a lost
/// region whose users still go to it: move the traffic; a lost region still in the cluster:
/// restore it; one whose brokers were removed (after the failover): recreate it; a recreated
/// region without members: the failback's Helm part (webapps off in the survivor); both
/// answering but partitions without quorum: heal the network; healthy: fail region 1.
/// A run in progress goes first: its manual step's drill (FO-3 moves the traffic, FB-2 and
/// FB-8 are the Helm upgrades), and never a region's failure in the middle of a run.
pub fn suggest(view: &ClusterView, run: Option<&RunState>) -> Option<usize> {
    let index = |path: String| {
        DRILLS
            .iter()
            .position(|(_, call)| matches!(call, Call::Post(p) if *p == path))
    };
    if let Some(run) = run {
        let r = run.inputs.region;
        let step = run
            .current
            .and_then(|i| run.steps.get(i))
            .map(|s| s.key.as_str());
        let fits = match step {
            Some("FO-3") => index(format!("/lab/traffic/{}", r.other())),
            Some("FB-2") => index(format!("/lab/regions/{}/webapps/off", r.other())),
            Some("FB-8") => index(format!("/lab/regions/{r}/webapps/on")),
            _ => None,
        };
        if fits.is_some() {
            return fits;
        }
        let by_view = suggest(view, None);
        let fail = |r: u8| index(format!("/lab/regions/{r}/fail"));
        if by_view.is_some() && (by_view == fail(0) || by_view == fail(1)) {
            return DRILLS
                .iter()
                .position(|(_, call)| matches!(call, Call::ClearFaults));
        }
        return by_view;
    }
    let down: Vec<Region> = view
        .regions
        .iter()
        .filter(|r| r.reachable == Reach::Down)
        .map(|r| r.id)
        .collect();
    let members = |r: Region| {
        view.brokers
            .iter()
            .filter(|b| b.region == r && b.member == Some(true))
            .count()
    };
    match down.as_slice() {
        [r] => {
            let s = r.other();
            let traffic_on_lost = view
                .traffic
                .observed
                .as_ref()
                .is_some_and(|o| o.contains(r));
            if traffic_on_lost {
                index(format!("/lab/traffic/{s}"))
            } else if members(*r) > 0 {
                index(format!("/lab/regions/{r}/restore"))
            } else {
                index(format!("/lab/regions/{r}/recreate"))
            }
        }
        [r, ..] => index(format!("/lab/regions/{r}/restore")),
        [] => {
            let recreated = [Region::ZERO, Region::ONE]
                .into_iter()
                .find(|r| members(*r) == 0 && members(r.other()) > 0);
            if let Some(r) = recreated {
                index(format!("/lab/regions/{}/webapps/off", r.other()))
            } else if view.partitions.iter().any(|p| p.has_quorum == Some(false)) {
                index("/lab/network/heal".into())
            } else {
                index("/lab/regions/1/fail".into())
            }
        }
    }
}

/// The drills, performed on the lab at `control`.
pub struct LabDrills {
    http: reqwest::Client,
    control: String,
}

impl LabDrills {
    pub fn new(control: String) -> color_eyre::eyre::Result<LabDrills> {
        Ok(LabDrills {
            http: crate::source::http::client(Duration::from_secs(5), None)?,
            control,
        })
    }
}

impl Drills for LabDrills {
    fn labels(&self) -> Vec<String> {
        DRILLS.iter().map(|(label, _)| label.to_string()).collect()
    }

    fn suggest(&self, view: &ClusterView, run: Option<&RunState>) -> Option<usize> {
        suggest(view, run)
    }

    fn perform(&self, index: usize) -> Outcome {
        let http = self.http.clone();
        let control = self.control.clone();
        let drill = DRILLS.get(index).copied();
        Box::pin(async move {
            let Some((label, call)) = drill else {
                return format!("drill: no drill number {index}");
            };
            let req = match call {
                Call::Post(path) => http.post(format!("{control}{path}")),
                Call::Fault { target, kind } => http
                    .post(format!("{control}/lab/faults"))
                    .json(&serde_json::json!({"target": target, "kind": kind})),
                Call::ClearFaults => http.delete(format!("{control}/lab/faults")),
            };
            match req.send().await {
                Ok(r) if r.status().is_success() => format!("drill: {label}: done"),
                Ok(r) => format!("drill: {label}: failed: HTTP {}", r.status().as_u16()),
                Err(e) => format!(
                    "drill: {label}: failed: {}",
                    crate::source::http::describe(&e)
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::scenes::{self, SCENES};

    fn suggested(scene: &str) -> &'static str {
        let s = SCENES.iter().find(|s| s.name == scene).expect("scene");
        let (_, view) = scenes::views(s);
        DRILLS[suggest(&view, None).expect("a drill")].0
    }

    #[test]
    fn the_suggestion_fits_what_the_view_shows() {
        assert_eq!(suggested("healthy"), "Fail region 1 (unreachable)");
        assert_eq!(suggested("region1-lost"), "Restore region 1");
        assert_eq!(
            suggested("after-failover"),
            "Recreate region 1 (fresh install)"
        );
        assert_eq!(
            suggested("region0-lost-traffic-on-it"),
            "User traffic → region 1"
        );
    }

    #[test]
    fn every_suggestion_names_a_drill() {
        for s in SCENES {
            let (_, view) = scenes::views(s);
            assert!(suggest(&view, None).is_some(), "{}", s.name);
        }
    }
}
