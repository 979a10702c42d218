//! Fixed scenes for `c8dr screenshots` and the render snapshot tests: the lab's simulation at
//! a fixed clock, driven into a situation, observed the way the observation loop would see it
//! (each region's gateway, configuration, exporters, partitions, Elasticsearch, pods, the run
//! lease, DNS).

use crate::api::{PerRegion, Region};
use crate::model::run_lease::RunLease;
use crate::model::{self, ClusterView, ModelConfig, Obs, Snapshot, Source};
use crate::source::SourceError;
use crate::source::table::{self, Reading, Update, store};
use crate::tui::app::App;
use crate::tui::theme::Theme;
use c8dr_lab::kube::objects::{self, Kind};
use c8dr_lab::sim::{Camunda, Settings, Sim, Traffic};
use c8dr_lab::views;
use k8s_openapi::api::core::v1::Pod;
use ratatui::buffer::Buffer;
use std::time::Duration;

/// The fixed clock of every scene.
pub fn clock() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_795_780_800).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

pub fn model_config(camunda: Camunda) -> ModelConfig {
    ModelConfig {
        name: format!("lab-{}", camunda.label()),
        region_names: PerRegion(["london".into(), "paris".into()]),
        zones: crate::api::ZoneMap::from_names(&PerRegion(["london".into(), "paris".into()])),
        primary: Region::ZERO,
        active_active: camunda >= Camunda::V89,
        traffic_addresses: PerRegion::from_fn(|r| {
            vec![c8dr_lab::dns::region_address(r.id()).into()]
        }),
        dns_configured: true,
        kube: PerRegion([
            Some("c8dr-lab-london/camunda-london".into()),
            Some("c8dr-lab-paris/camunda-paris".into()),
        ]),
        stale_after: Duration::from_secs(5),
        stale_after_slow: Duration::from_secs(12),
        exporter_still_after: Duration::ZERO,
    }
}

/// What the observation loop would have seen of `sim` at `now`: the lab's answers as its
/// servers send them, parsed by the table of reads (pods by the chart's naming under the lab's
/// Helm release) and stored where the loop stores them.
pub fn observe(sim: &Sim, now: jiff::Timestamp) -> Snapshot {
    let mut snap = Snapshot::default();
    for r in Region::BOTH {
        snap.regions[r].configured = [
            Source::Topology,
            Source::Cluster,
            Source::Exporters,
            Source::Partitions,
            Source::Metrics,
            Source::ElasticsearchHealth,
            Source::Pods,
            Source::RunLease,
        ]
        .into_iter()
        .collect();
        for (broker, source, value) in answers(sim, r) {
            let obs = Obs {
                at: now,
                took: Duration::ZERO,
                value,
            };
            store(&mut snap, Update::new(r, broker, source, obs));
        }
    }
    let addrs = match sim.traffic {
        Traffic::Region(r) => vec![c8dr_lab::dns::region_address(r).into()],
        Traffic::Both => vec![
            c8dr_lab::dns::region_address(0).into(),
            c8dr_lab::dns::region_address(1).into(),
        ],
    };
    store(
        &mut snap,
        Update::new(
            Region::ZERO,
            None,
            Source::Dns,
            Obs::ok(now, Reading::Dns(addrs)),
        ),
    );
    snap
}

/// A source's answer in region `r`, per broker for the per-broker one.
type Answer = (
    Option<crate::api::BrokerId>,
    Source,
    Result<Reading, SourceError>,
);

/// Region `r`'s answers; a lost region refuses every connection.
fn answers(sim: &Sim, r: Region) -> Vec<Answer> {
    // The lab keeps its regions as numbers.
    let (id, i) = (r.id(), r.index());
    if sim.regions[i].failed {
        let refused = SourceError::Connect {
            cause: Some("Connection refused (os error 111)".into()),
        };
        let pods = SourceError::Kube(format!("listing pods: {refused}"));
        let mut out: Vec<Answer> = [
            Source::Topology,
            Source::Cluster,
            Source::Exporters,
            Source::ElasticsearchHealth,
        ]
        .into_iter()
        .map(|s| (None, s, Err(refused.clone())))
        .collect();
        out.push((None, Source::Pods, Err(pods)));
        let lease = SourceError::Kube(refused.to_string());
        out.push((None, Source::RunLease, Err(lease)));
        return out;
    }
    // The bodies the lab's servers send: serialised views of the simulation.
    fn body(v: &impl serde::Serialize) -> Vec<u8> {
        serde_json::to_vec(v).unwrap_or_default()
    }
    let mut out: Vec<Answer> = [
        (Source::Topology, body(&views::topology(sim, id))),
        (Source::Cluster, body(&views::cluster(sim))),
        (Source::Exporters, body(&views::exporters(sim))),
        (
            Source::ElasticsearchHealth,
            body(&sim.es[i].health(sim.now)),
        ),
    ]
    .into_iter()
    .map(|(s, b)| (None, s, table::parse(s, &b)))
    .collect();
    for b in sim
        .brokers
        .keys()
        .filter(|b| sim.region_of(**b) == r.id() && sim.reachable(**b))
    {
        let partitions = body(&views::partitions(sim, *b));
        let parsed = table::parse(Source::Partitions, &partitions);
        out.push((Some(*b), Source::Partitions, parsed));
        let metrics = c8dr_lab::metrics::broker(sim, *b);
        let parsed = table::parse(Source::Metrics, metrics.as_bytes());
        out.push((Some(*b), Source::Metrics, parsed));
    }
    // As the Kubernetes client would: a pod that does not parse fails the whole list.
    let pods = objects::render(sim, id)
        .into_iter()
        .filter(|x| x.kind == Kind::Pod)
        .map(|p| crate::api::decode::<Pod>(p.value.to_string().as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map(|pods| table::pods(&pods, objects::RELEASE, r))
        .map_err(|e| SourceError::malformed(&e));
    out.push((None, Source::Pods, pods));
    // The lab keeps no run lease: its Kubernetes API answers 404, which is none.
    out.push((None, Source::RunLease, Ok(Reading::RunLease(None))));
    out
}

/// A scene: how to get there, where to look and how.
pub struct Scene {
    pub name: &'static str,
    pub width: u16,
    pub height: u16,
    pub theme: &'static str,
    pub setup: fn(&mut Sim),
    /// Opens a runbook pane on top (runbook scenes).
    pub runbook: fn(&mut App),
    /// The run lease another c8dr holds at the scene's clock, and the region whose namespace
    /// holds it (observed-run scenes).
    pub lease: LeaseAt,
}

/// A scene's run lease at its clock (see [`Scene::lease`]).
pub type LeaseAt = fn(jiff::Timestamp) -> Option<(Region, RunLease)>;

fn no_runbook(_: &mut App) {}

fn no_lease(_: jiff::Timestamp) -> Option<(Region, RunLease)> {
    None
}

/// alice's failover of paris from her laptop, waiting at the force removal for her to type
/// the region's name; her lease in london's namespace, renewed `renewed_ago` before `now`.
pub fn alice_failover(now: jiff::Timestamp, renewed_ago: i64) -> RunLease {
    let ago = |s: i64| now - jiff::SignedDuration::from_secs(s);
    RunLease {
        holder: Some("alice@laptop".into()),
        run: "failover-r1-20261127t115842".into(),
        procedure: "failover".into(),
        region: Some(Region::ONE),
        region_name: "paris".into(),
        step: Some("FO-1".into()),
        step_title: Some("Force-remove paris's brokers 1, 3, 5, 7".into()),
        state: "waiting for approval".into(),
        acquired: Some(ago(78)),
        renewed: Some(ago(renewed_ago)),
        duration: Some(Duration::from_secs(30)),
    }
}

/// alice's run, going on.
fn alice_live(now: jiff::Timestamp) -> Option<(Region, RunLease)> {
    Some((Region::ZERO, alice_failover(now, 4)))
}

/// alice's run, its lease not renewed for 50 s: her laptop may have died.
fn alice_expired(now: jiff::Timestamp) -> Option<(Region, RunLease)> {
    Some((Region::ZERO, alice_failover(now, 50)))
}

/// The run lease as the poll reads it: written as the holder writes the object, sent as the
/// Kubernetes API sends it, parsed as the table of reads parses it.
pub fn lease_update(region: Region, run: &RunLease, now: jiff::Timestamp) -> Update {
    let object = crate::source::lease::write(None, "camunda", run, true);
    let bytes = serde_json::to_vec(&object).unwrap_or_default();
    let parsed = c8dr_api::decode(&bytes)
        .map(|l| Reading::RunLease(Some(crate::source::lease::parse(&l))))
        .map_err(|e| SourceError::malformed(&e));
    Update::new(
        region,
        None,
        Source::RunLease,
        Obs {
            at: now,
            took: Duration::ZERO,
            value: parsed,
        },
    )
}

fn healthy(_: &mut Sim) {}

/// Region 1's exporter stops advancing while its Elasticsearch answers (the drill "Stall
/// exporter of region 1").
fn exporter_stuck(sim: &mut Sim) {
    let _ = sim.stall_exporters("region1", true);
}

fn region1_lost(sim: &mut Sim) {
    sim.fail_region(1);
}

fn region0_lost_traffic_on_it(sim: &mut Sim) {
    sim.fail_region(0);
}

fn after_failover(sim: &mut Sim) {
    sim.fail_region(1);
    let remove = crate::runbook::plan::ids_of_region(
        &crate::api::ZoneMap::NONE,
        crate::api::BrokerId::numbered(8),
        Region::ONE,
    )
    .into_iter()
    .collect();
    if let Ok(plan) =
        c8dr_lab::sim::plan::force_remove(&sim.members, sim.settings.partitions, &remove, 4)
        && sim
            .start_change(c8dr_lab::sim::Entry::Gateway(0), plan, false)
            .is_ok()
    {
        let until = sim.now + Duration::from_secs(5);
        sim.tick(until);
    }
    if let Ok(plan) = c8dr_lab::sim::plan::exporter(
        &sim.members,
        &sim.exporters.clone(),
        "camundaregion1",
        false,
        None,
        2,
    ) && sim
        .start_change(c8dr_lab::sim::Entry::Gateway(0), plan, false)
        .is_ok()
    {
        let until = sim.now + Duration::from_secs(5);
        sim.tick(until);
    }
}

/// The configuration the runbook scenes print their requests for.
const SCENE_CONFIG: &str = r#"
name = "prod-eu"
[[regions]]
id = 0
name = "london"
management_url = "http://zeebe-mgmt.london.example:9600"
elasticsearch_url = "http://es.london.example:9200"
[[regions]]
id = 1
name = "paris"
management_url = "http://zeebe-mgmt.paris.example:9600"
elasticsearch_url = "http://es.paris.example:9200"
[runbook]
helm_chart_version = "13.4.2"
"#;

fn pane(procedure: crate::runbook::plan::Procedure, region: Region) -> crate::tui::runbook::Pane {
    use crate::runbook::engine::RunState;
    use crate::runbook::plan::{self, Inputs, Procedure};
    let config = crate::config::Config::parse(SCENE_CONFIG, std::path::Path::new("scene.toml"))
        .unwrap_or_else(|e| panic!("the scene configuration parses: {e}"));
    let ids = plan::ids_of_region(&config.zones(), crate::api::BrokerId::numbered(8), region);
    let inputs = Inputs {
        procedure,
        region,
        family: crate::model::Family::V88Plus,
        version: "8.8.0".into(),
        eck: false,
        names: PerRegion(["london".into(), "paris".into()]),
        zones: config.zones(),
        primary: Region::ZERO,
        active_active: false,
        dns_hostname: Some("camunda.example.com".into()),
        ids,
        all_ids: crate::api::BrokerId::numbered(8).collect(),
        exporter_prefix: "camundaregion".into(),
        legacy_exporters: false,
        kube: PerRegion([None, None]),
        runbook: config.runbook.clone(),
        snapshot: format!("{}-r{region}-20261127t120304", procedure.name()),
        baseline_change: None,
        topology: crate::model::TopologyKind::Numbered,
        zone: None,
    };
    let steps = plan::build(&inputs);
    let details = steps
        .iter()
        .map(|s| crate::runbook::render::action_lines(&config, s))
        .collect();
    let run = if procedure == Procedure::Failover {
        "failover-r1-20261127t120304"
    } else {
        "failback-r1-20261127t121510"
    };
    crate::tui::runbook::Pane::new(RunState::new(run, inputs, steps), details, false)
}

fn set(
    pane: &mut crate::tui::runbook::Pane,
    key: &str,
    state: crate::runbook::journal::StepState,
    evidence: &str,
    ms: u64,
) {
    if let Some(i) = pane.state.steps.iter().position(|s| s.key == key) {
        let p = &mut pane.state.progress[i];
        p.state = state;
        p.evidence = evidence.into();
        p.took = (ms > 0).then(|| std::time::Duration::from_millis(ms));
        pane.selected = i;
        pane.state.current = Some(i);
    }
}

/// The failover pane waiting for the force confirmation, after the dry run.
fn failover_confirm(app: &mut App) {
    use crate::runbook::journal::StepState::*;
    let mut p = pane(crate::runbook::plan::Procedure::Failover, Region::ONE);
    set(
        &mut p,
        "FO-0",
        Done,
        "region1 paris does not answer (cannot connect) and none of its brokers is in the topology",
        12,
    );
    set(
        &mut p,
        "FO-1",
        Ready,
        "brokers 1,3,5,7 are still members",
        0,
    );
    p.state.elapsed = std::time::Duration::from_millis(420);
    p.ask = Some(crate::tui::runbook::Ask {
        key: "FO-1".into(),
        what: "Force-remove paris's brokers 1, 3, 5, 7".into(),
        preview: crate::runbook::engine::Preview {
            guards: vec![
                "✔ region0 london answers".into(),
                "✔ region1 paris does not answer".into(),
                "✔ brokers 1,3,5,7 absent from the topology".into(),
                "✔ no change pending".into(),
                "✔ removes 1,3,5,7 (region1 paris), keeps 0,2,4,6".into(),
            ],
            evidence: String::new(),
            dry_run: Some("HTTP 202: would plan 12 operations: 4× BROKER_REMOVE, 8× PARTITION_FORCE_RECONFIGURE".into()),
            offer: vec![],
        },
        confirmation: crate::runbook::gate::Confirmation::TypeRegionName("paris".into()),
    });
    p.typed = "par".into();
    app.runbook = Some(p);
    app.mode = crate::tui::app::Mode::Runbook;
}

/// Starting a failover while alice's lease expired (her laptop may have died): the pane asks
/// for the region's name before taking it over, with what is at stake.
fn failover_takeover(app: &mut App) {
    let mut p = pane(crate::runbook::plan::Procedure::Failover, Region::ONE);
    let now = app.now;
    p.ask = Some(crate::tui::runbook::Ask {
        key: "lease".into(),
        what: "Take over the expired run lease of another run".into(),
        preview: crate::runbook::engine::Preview {
            guards: vec![
                format!(
                    "{} (region 0 (london) namespace camunda-london)",
                    alice_failover(now, 50).sentence(now)
                ),
                "take it over only if its holder is gone".into(),
            ],
            ..Default::default()
        },
        confirmation: crate::runbook::gate::Confirmation::TypeRegionName("paris".into()),
    });
    app.runbook = Some(p);
    app.mode = crate::tui::app::Mode::Runbook;
}

/// The force question left for later (Esc): the dashboard's run line says the run waits.
fn failover_waiting(app: &mut App) {
    failover_confirm(app);
    if let Some(p) = &mut app.runbook {
        p.typed.clear();
    }
    app.mode = crate::tui::app::Mode::Normal;
}

/// The failover pane offering to cancel the change that blocks FO-1 (camunda/camunda#63506):
/// region 1 was lost while a change needed its brokers.
fn failover_cancel_offer(app: &mut App) {
    use crate::runbook::journal::StepState::*;
    let mut p = pane(crate::runbook::plan::Procedure::Failover, Region::ONE);
    set(
        &mut p,
        "FO-0",
        Done,
        "region1 paris does not answer (cannot connect) and none of its brokers is in the topology",
        12,
    );
    let b = crate::runbook::blocker::Blocker {
        id: 6,
        status: "IN_PROGRESS".into(),
        done: 16,
        total: 32,
        started_at: Some("2026-11-27T11:58:12Z".into()),
        age: Some(std::time::Duration::from_secs(252)),
        done_ops: vec!["PARTITION_RECONFIGURE_PRIORITY ×16 (brokers 0, 2, 4, 6)".into()],
        pending_ops: vec!["PARTITION_RECONFIGURE_PRIORITY ×16 (brokers 1, 3, 5, 7)".into()],
        next: Some("PARTITION_RECONFIGURE_PRIORITY broker 1 partition 1".into()),
        waits_on: [1, 3, 5, 7].map(crate::api::BrokerId::Numbered).to_vec(),
        coordinator: Some(crate::api::BrokerId::Numbered(0)),
        coordinator_lost: false,
        exporting: None,
    };
    let mut offer = b.lines("paris");
    offer.push(
        "sends DELETE /actuator/cluster/changes/6 to london's management API; FO-1 then starts over"
            .into(),
    );
    set(&mut p, "FO-1", Ready, &offer[0], 0);
    p.state.elapsed = std::time::Duration::from_millis(380);
    p.ask = Some(crate::tui::runbook::Ask {
        key: "FO-1".into(),
        what: b.title(),
        preview: crate::runbook::engine::Preview {
            guards: vec![
                "✔ region0 london answers".into(),
                "✔ region1 paris does not answer".into(),
                "✔ brokers 1,3,5,7 absent from the topology".into(),
                "✖ change #6 IN_PROGRESS pending (16/32 operations): a new change would be rejected or collide (camunda/camunda#63506)".into(),
                "✖ change #6 (IN_PROGRESS) is pending and this run did not start it".into(),
                "✔ removes 1,3,5,7 (region1 paris), keeps 0,2,4,6".into(),
            ],
            evidence: offer[0].clone(),
            dry_run: None,
            offer,
        },
        confirmation: crate::runbook::gate::Confirmation::TypeRegionName("paris".into()),
    });
    app.runbook = Some(p);
    app.mode = crate::tui::app::Mode::Runbook;
}

/// The failback pane re-adding the brokers, with live progress.
fn failback_running(app: &mut App) {
    use crate::runbook::journal::StepState::*;
    let mut p = pane(crate::runbook::plan::Procedure::Failback, Region::ONE);
    set(
        &mut p,
        "FB-1",
        Skipped,
        "already satisfied: 4/4 of brokers 1,3,5,7 in the topology; region1 paris Elasticsearch green",
        40,
    );
    set(
        &mut p,
        "FB-2",
        Done,
        "region0 london: Operate/Tasklist off",
        61_200,
    );
    set(
        &mut p,
        "FB-3",
        Done,
        "the answer is the signal: HTTP 204",
        35,
    );
    for k in ["FB-4.1", "FB-4.2", "FB-4.3", "FB-4.4", "FB-5", "FB-6"] {
        set(&mut p, k, Done, "", 400);
    }
    set(
        &mut p,
        "FB-7",
        Verifying,
        "change #8 IN_PROGRESS pending (13/20 operations)",
        0,
    );
    if let Some(i) = p.state.steps.iter().position(|s| s.key == "FB-7") {
        p.state.progress[i].progress = Some((13, 20));
        p.state.progress[i].answer = Some("HTTP 202: change #8 planned".into());
    }
    p.state.elapsed = std::time::Duration::from_millis(74_300);
    p.state.operator = std::time::Duration::from_millis(61_200);
    app.runbook = Some(p);
    app.mode = crate::tui::app::Mode::Runbook;
}

pub const SCENES: &[Scene] = &[
    Scene {
        name: "healthy",
        width: 120,
        height: 36,
        theme: "default",
        setup: healthy,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "region1-lost",
        width: 120,
        height: 36,
        theme: "default",
        setup: region1_lost,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "region0-lost-traffic-on-it",
        width: 120,
        height: 36,
        theme: "default",
        setup: region0_lost_traffic_on_it,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "after-failover",
        width: 120,
        height: 36,
        theme: "default",
        setup: after_failover,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "region1-lost-80x24",
        width: 80,
        height: 24,
        theme: "default",
        setup: region1_lost,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "region1-lost-high-contrast",
        width: 120,
        height: 36,
        theme: "high-contrast",
        setup: region1_lost,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "region1-lost-mono",
        width: 120,
        height: 36,
        theme: "mono",
        setup: region1_lost,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "healthy-200x50",
        width: 200,
        height: 50,
        theme: "default",
        setup: healthy,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "runbook-failover-confirm",
        width: 120,
        height: 36,
        theme: "default",
        setup: region1_lost,
        runbook: failover_confirm,
        lease: no_lease,
    },
    Scene {
        name: "runbook-failover-waiting-80x24",
        width: 80,
        height: 24,
        theme: "default",
        setup: region1_lost,
        runbook: failover_waiting,
        lease: no_lease,
    },
    Scene {
        name: "runbook-failback-running",
        width: 120,
        height: 36,
        theme: "default",
        setup: after_failover,
        runbook: failback_running,
        lease: no_lease,
    },
    Scene {
        name: "runbook-failover-cancel-offer",
        width: 120,
        height: 36,
        theme: "default",
        setup: region1_lost,
        runbook: failover_cancel_offer,
        lease: no_lease,
    },
    Scene {
        name: "observed-run",
        width: 120,
        height: 36,
        theme: "default",
        setup: region1_lost,
        runbook: no_runbook,
        lease: alice_live,
    },
    Scene {
        name: "observed-run-expired-80x24",
        width: 80,
        height: 24,
        theme: "default",
        setup: region1_lost,
        runbook: no_runbook,
        lease: alice_expired,
    },
    Scene {
        name: "runbook-lease-takeover-80x24",
        width: 80,
        height: 24,
        theme: "default",
        setup: region1_lost,
        runbook: failover_takeover,
        lease: alice_expired,
    },
    Scene {
        name: "incident-report",
        width: 120,
        height: 36,
        theme: "default",
        setup: after_failover,
        runbook: super::report_scene::open,
        lease: no_lease,
    },
    Scene {
        name: "exporter-stuck",
        width: 120,
        height: 36,
        theme: "default",
        setup: exporter_stuck,
        runbook: no_runbook,
        lease: no_lease,
    },
    Scene {
        name: "exporter-stuck-80x24",
        width: 80,
        height: 24,
        theme: "default",
        setup: exporter_stuck,
        runbook: no_runbook,
        lease: no_lease,
    },
];

/// The scene's views: before (healthy) and after its setup, at the fixed clock.
pub fn views(scene: &Scene) -> (ClusterView, ClusterView) {
    let settings = Settings {
        camunda: Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let start = clock() - jiff::SignedDuration::from_secs(60);
    let mut sim = Sim::new(settings, start);
    sim.cluster_id = "lab".into();
    sim.tick(Duration::from_secs(45));
    let cfg = model_config(Camunda::V88);
    let before_at = clock() - jiff::SignedDuration::from_secs(15);
    let before = model::derive(&observe(&sim, before_at), &cfg, before_at, None);
    (scene.setup)(&mut sim);
    sim.tick(Duration::from_secs(60));
    let mut snap = observe(&sim, clock());
    if let Some((region, run)) = (scene.lease)(clock()) {
        store(&mut snap, lease_update(region, &run, clock()));
    }
    let after = model::derive(&snap, &cfg, clock(), Some(&before));
    (before, after)
}

/// The app state a scene shows.
pub fn app(scene: &Scene) -> App {
    let (before, after) = views(scene);
    let names = crate::tui::theme::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect::<Vec<_>>();
    let mut app = App::new(false, Vec::new(), names, clock());
    app.theme_index = crate::tui::theme::BUILT_IN
        .iter()
        .position(|(n, _)| *n == scene.theme)
        .unwrap_or(0);
    app.update_view(before);
    // The events of the change carry the fixed clock.
    app.update_view(after);
    (scene.runbook)(&mut app);
    app
}

/// Renders a scene into a buffer.
pub fn render(scene: &Scene) -> Buffer {
    let app = app(scene);
    crate::tui::frame::render(
        &app,
        &Theme::built_in(scene.theme),
        scene.width,
        scene.height,
    )
}
