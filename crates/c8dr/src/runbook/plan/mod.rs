//! The procedures as data: every step of the documented failover and failback, per family
//! (8.6/8.7 and 8.8+, with the 8.9 differences), for either region. Each step cites its section
//! of `shared/reference/dual-region-procedure.md`, says where it acts, how dangerous it is, what
//! it does (an HTTP request, a Kubernetes action, or a manual instruction), how c8dr sees that
//! its effect is there (checked before acting, so steps are idempotent) and the guards that
//! must hold before it may act. Pure: built from [`Inputs`], which come from what is observed.

mod failback;
mod failover;
mod zones;

use crate::api::{BrokerId, PerRegion, Region, ZoneMap};
use crate::model::{ClusterView, Family, TopologyKind};
use serde_json::Value;
#[cfg(test)]
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Procedure {
    Failover,
    Failback,
}

impl Procedure {
    pub fn name(self) -> &'static str {
        match self {
            Procedure::Failover => "failover",
            Procedure::Failback => "failback",
        }
    }

    pub fn parse(s: &str) -> Option<Procedure> {
        match s {
            "failover" => Some(Procedure::Failover),
            "failback" => Some(Procedure::Failback),
            _ => None,
        }
    }
}

/// How much harm a step can do; decides the confirmation the gate asks for (DESIGN.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Danger {
    /// Only looks.
    Read,
    /// Undone by a later step of the same procedure (pause, scale, repository registration).
    Reversible,
    /// Changes the cluster or its data.
    Mutating,
    /// Force removal: the region's name must be typed, after a dry run.
    Force,
}

impl Danger {
    pub fn word(self) -> &'static str {
        match self {
            Danger::Read => "read",
            Danger::Reversible => "reversible",
            Danger::Mutating => "mutating",
            Danger::Force => "FORCE",
        }
    }
}

/// Which of a region's HTTP APIs a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Management,
    Elasticsearch,
}

/// How a successful answer looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// 202 with a `PlannedOperationsResponse` (a topology change was started).
    Change,
    /// The exporting API: 204, or 200 with `"status": 204` (§3.6).
    Exporting,
    /// Elasticsearch: 200 (`acknowledged`, a snapshot or a restore).
    Elasticsearch,
    /// `DELETE /actuator/cluster/changes/{id}`: 200 with the configuration, the change
    /// cancelled (no dry-run form: the server answers 501 to one).
    Cancel,
    /// Any 2xx; the effect is read from the cluster afterwards (`POST /actuator/rebalance`
    /// answers at once and leaders move later).
    Accepted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub api: Api,
    pub region: Region,
    pub method: &'static str,
    /// Path and query, e.g. `/actuator/cluster?force=true`.
    pub path: String,
    pub body: Option<Value>,
    pub expect: Expect,
    /// Waits for completion server-side (snapshot, restore): the step's timeout applies.
    pub long: bool,
    /// Only plans, changes nothing. Private: only [`Request::dry_run`] makes one, so nothing
    /// else can pass for a dry run (which the gate sends without an approval).
    dry_run: bool,
}

impl Request {
    fn management(region: Region, method: &'static str, path: String, body: Option<Value>) -> Self {
        Request {
            api: Api::Management,
            region,
            method,
            path,
            body,
            expect: Expect::Change,
            long: false,
            dry_run: false,
        }
    }

    fn elasticsearch(
        region: Region,
        method: &'static str,
        path: String,
        body: Option<Value>,
    ) -> Self {
        Request {
            api: Api::Elasticsearch,
            region,
            method,
            path,
            body,
            expect: Expect::Elasticsearch,
            long: false,
            dry_run: false,
        }
    }

    /// Cancels the topology change `id` through `region`'s management API (offered when a
    /// change blocks a step, camunda/camunda#63506; never planned).
    pub fn cancel_change(region: Region, id: i64) -> Self {
        Request {
            expect: Expect::Cancel,
            ..Request::management(
                region,
                "DELETE",
                format!("/actuator/cluster/changes/{id}"),
                None,
            )
        }
    }

    /// What sending it twice would do, which decides how an answer that never came is
    /// resolved (DESIGN.md §7: never re-sent blindly).
    pub fn kind(&self) -> RequestKind {
        match (self.api, self.expect) {
            (_, Expect::Change) => RequestKind::Change,
            (_, Expect::Cancel) => RequestKind::Cancel,
            (Api::Elasticsearch, _) if self.path.contains("/_restore") => RequestKind::Restore,
            (Api::Elasticsearch, _) if self.method == "PUT" && self.long => RequestKind::Snapshot,
            _ => RequestKind::Idempotent,
        }
    }

    /// A dry run: it plans and changes nothing.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    /// The dry-run form of a change request (`dryRun=true`), shown before a force.
    pub fn dry_run(&self) -> Option<Request> {
        (self.expect == Expect::Change
            && !self.dry_run
            && self.path.starts_with("/actuator/cluster"))
        .then(|| {
            let sep = if self.path.contains('?') { '&' } else { '?' };
            Request {
                path: format!("{}{sep}dryRun=true", self.path),
                dry_run: true,
                ..self.clone()
            }
        })
    }
}

/// How a request behaves when it arrives twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Starts a topology change with its own id: a second one is a second change.
    Change,
    /// Creates the run's snapshot: a second one is refused (same name).
    Snapshot,
    /// Restores the snapshot: a second one collides with the first's indices.
    Restore,
    /// Sending it again leaves the same state (exporting pause/resume, a repository
    /// registration).
    Idempotent,
    /// Cancels the change with this id: a second one is refused (400, no change in progress
    /// or not the current one) and cancels nothing else, since it names the change.
    Cancel,
}

/// A Kubernetes action c8dr performs through the API (what the docs do with kubectl).
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub region: Region,
    pub deployment: String,
    pub replicas: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Http(Request),
    Scale(Vec<Scale>),
    /// Run elsewhere (Helm, DNS); c8dr watches the step's check to notice it was done.
    Manual {
        commands: Vec<String>,
    },
    /// Nothing to do: the step only waits for its check (confirm the loss, processing resumed).
    Observe,
    /// Work in the webapps that no API shows; the operator confirms it.
    Checklist(Vec<String>),
    /// Delete a broker pod that hangs Running-but-not-Ready so its StatefulSet replaces it
    /// (camunda/camunda#55038; offered by the engine, never planned).
    RestartPod {
        region: Region,
        pod: String,
    },
}

impl Action {
    pub fn mutates(&self) -> bool {
        matches!(
            self,
            Action::Http(_) | Action::Scale(_) | Action::RestartPod { .. }
        )
    }
}

/// An observable condition, evaluated by [`super::check`] against fresh facts.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The region's own endpoints fail and none of its brokers is in the survivor's topology.
    RegionLost(Region),
    /// None of `ids` is a member any more, and no change is pending (FO-1, §3.2 done rule).
    BrokersRemoved(Vec<BrokerId>),
    /// The exporter reports this status and no change is pending.
    Exporter {
        id: String,
        enabled: bool,
    },
    /// Every partition can commit.
    ProcessingActive,
    /// DNS no longer sends users to the region (and sends them somewhere).
    TrafficAway(Region),
    /// The brokers are listed in the surviving gateway's topology (they joined the gossip).
    BrokersListed(Vec<BrokerId>),
    /// The region's Elasticsearch answers with green or yellow health.
    ElasticsearchUp(Region),
    ElasticsearchGreen(Region),
    WebappsOff(Region),
    WebappsOn(Region),
    RepositoryRegistered(Region),
    /// The run's snapshot is visible in the region's repository and succeeded.
    SnapshotReady(Region),
    /// Every index of the snapshot exists in the region.
    Restored(Region),
    /// Every id is a member, the replication factor is `rf`, no change is pending.
    ClusterComplete {
        ids: Vec<BrokerId>,
        rf: i32,
    },
    /// The region's broker StatefulSet sets env `name` to `value`, or (`None`) does not set it
    /// (8.8+ FB-1's temporary `CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA`, §4.4).
    BrokerEnv {
        region: Region,
        name: String,
        value: Option<String>,
    },
    /// 8.9: in both namespaces the copies of each region's Elasticsearch password match it
    /// (compared by digest; §4.5 FB-1).
    PasswordsSynced,
    /// No claims or pods older than the region's broker StatefulSet (§4 preconditions).
    NamespaceClean(Region),
    /// Zone-aware: the zone is gone from the persisted layout, none of its brokers is a
    /// member, and no change is pending (zone-aware FO-1).
    ZoneRemoved(String),
    /// Zone-aware: the zone is in the layout again with `brokers` members that each host
    /// partitions, the replication factor is `rf`, and no change is pending (zone-aware FB-7).
    ZoneComplete {
        zone: String,
        brokers: u32,
        rf: i32,
    },
    /// Every partition's leader is in the region (after a rebalance towards the zone with the
    /// highest priority).
    LeadersIn(Region),
    /// No API shows it (exporting pause/resume, a checklist).
    Unobservable,
    All(Vec<Check>),
}

/// Must hold before a step acts; a refusal is audited and can only be overridden explicitly.
#[derive(Debug, Clone, PartialEq)]
pub enum Guard {
    /// The lost region does not answer c8dr (§6.1 "confirm the region is really lost").
    RegionUnreachable(Region),
    /// None of the lost brokers is in the surviving gateway's topology.
    BrokersAbsent(Vec<BrokerId>),
    /// No topology change is pending (camunda/camunda#63506), unless it is this run's own.
    NoPendingChange,
    /// The cluster shows no pending or completed change that this run did not start (one run
    /// at a time: another operator or c8dr acting on the cluster stops a force).
    NoForeignChange,
    /// The ids derived when the run started are still the lost region's members (zeebe-chaos#685).
    IdsMatchTopology { region: Region, ids: Vec<BrokerId> },
    /// The surviving region answers.
    RegionReachable(Region),
    /// No Camunda indices in the region's Elasticsearch, or the restore fails (§4.4 FB-1).
    NoCamundaIndices(Region),
    /// The recreated namespace holds no claims or pods of the old deployment (§4).
    NamespaceClean(Region),
    /// Zone-aware: none of the zone's brokers is in the surviving gateway's topology.
    ZoneAbsent(String),
    /// The cluster is still of the kind the procedure was chosen for: the numbered procedure
    /// on a zone-aware or migrating cluster removes or adds the wrong brokers, and the zones
    /// API refuses a numbered one.
    TopologyIs(TopologyKind),
}

/// The zone a zone-aware run removes or adds back, with the layout it had.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZonePlan {
    pub name: String,
    /// `numberOfReplicas` of every partition in the zone.
    pub replicas: i32,
    /// Its leader priority.
    pub priority: i32,
    /// How many brokers it runs.
    pub brokers: u32,
    /// Replicas per partition in the other zones: the replication factor without this zone.
    pub others: i32,
    /// The highest priority among the other zones.
    pub others_priority: i32,
    /// Where `replicas` and `priority` come from: a forced removal drops them from the
    /// persisted layout, so the failback needs them from before.
    pub basis: ZoneBasis,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "from", content = "run")]
pub enum ZoneBasis {
    /// Read from the persisted layout when the run was planned.
    Layout,
    /// Recorded by this failover run before the removal (the run id).
    Journal(String),
    /// `[[regions]] zone_replicas` / `zone_priority` in the configuration.
    Configured,
    /// Not recorded anywhere: the surviving zone's replicas, and a priority above (the
    /// configured primary) or below it.
    Derived,
}

impl ZoneBasis {
    pub fn words(&self) -> String {
        match self {
            ZoneBasis::Layout => "read from the persisted layout".into(),
            ZoneBasis::Journal(run) => format!("recorded by run {run} before the removal"),
            ZoneBasis::Configured => "from [[regions]] zone_replicas/zone_priority".into(),
            ZoneBasis::Derived => {
                "NOT RECORDED: derived from the surviving zone (its replicas; a priority above it for the primary, below it otherwise)".into()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The docs' numbering, e.g. `FO-1`, `FB-4.2`.
    pub key: String,
    pub title: String,
    /// Section of dual-region-procedure.md the step follows.
    pub cite: &'static str,
    /// The region it acts on.
    pub region: Region,
    pub danger: Danger,
    pub action: Action,
    /// The step's effect: met before acting means the step is skipped; met after means done.
    pub check: Check,
    pub guards: Vec<Guard>,
    /// Pitfalls and context an operator should read.
    pub note: Option<String>,
}

/// What a plan is built from: the configuration and what is observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub procedure: Procedure,
    /// The lost region (failover) or the recreated one (failback).
    pub region: Region,
    pub family: Family,
    /// The detected version, e.g. `8.8.0`.
    pub version: String,
    /// 8.9+: ECK Elasticsearch with authentication.
    pub eck: bool,
    pub names: PerRegion<String>,
    /// Which zone is which region's (zone-aware clusters).
    pub zones: ZoneMap,
    pub primary: Region,
    pub active_active: bool,
    pub dns_hostname: Option<String>,
    /// Lost brokers (failover: to remove) or recreated ones (failback: to add).
    pub ids: Vec<BrokerId>,
    /// Every broker of the full cluster, for the 8.7 re-add body.
    pub all_ids: Vec<BrokerId>,
    pub exporter_prefix: String,
    /// 8.8+ clusters migrated from 8.7 still run the legacy exporters (enabled ones count).
    pub legacy_exporters: bool,
    /// `(context, namespace, release)` per region, when reached through Kubernetes.
    pub kube: PerRegion<Option<(String, String, String)>>,
    pub runbook: crate::config::Runbook,
    /// The run's snapshot name.
    pub snapshot: String,
    /// The newest topology change when the run was planned (pending or completed): a later
    /// one the run did not start is someone else's.
    pub baseline_change: Option<i64>,
    /// Numbered or zone-aware (setup refuses anything else): decides the procedure.
    pub topology: TopologyKind,
    /// Zone-aware only: the zone removed (failover) or added back (failback).
    pub zone: Option<ZonePlan>,
}

impl Inputs {
    pub fn survivor(&self) -> Region {
        self.region.other()
    }

    fn release(&self, r: Region) -> String {
        self.kube[r]
            .as_ref()
            .map(|k| k.2.clone())
            .unwrap_or_else(|| "$CAMUNDA_RELEASE_NAME".into())
    }

    fn context(&self, r: Region) -> String {
        self.kube[r]
            .as_ref()
            .map(|k| k.0.clone())
            .unwrap_or_else(|| format!("$CLUSTER_{r}"))
    }

    fn namespace(&self, r: Region) -> String {
        self.kube[r]
            .as_ref()
            .map(|k| k.1.clone())
            .unwrap_or_else(|| format!("$CAMUNDA_NAMESPACE_{r}"))
    }

    /// The exact Helm command of a step run elsewhere (§3.7), built from the configuration.
    pub fn helm(&self, verb: &str, r: Region, sets: &[&str]) -> String {
        let mut parts = vec![
            format!(
                "helm {verb} {} {}",
                self.release(r),
                self.runbook.helm_chart
            ),
            format!(
                "--version {}",
                self.runbook
                    .helm_chart_version
                    .clone()
                    .unwrap_or_else(|| "$HELM_CHART_VERSION".into())
            ),
            format!("--kube-context {}", self.context(r)),
            format!("--namespace {}", self.namespace(r)),
        ];
        let mut values = self.runbook.helm_values.clone();
        if self.eck {
            values.push(
                "../../../../generic/kubernetes/operator-based/elasticsearch/camunda-elastic-values.yml"
                    .into(),
            );
        }
        let region_values = self.runbook.values_for(r);
        values.extend(
            region_values
                .into_iter()
                .skip(self.runbook.helm_values.len()),
        );
        parts.extend(values.into_iter().map(|v| format!("-f {v}")));
        parts.extend(sets.iter().map(|s| format!("--set {s}")));
        parts.join(" \\\n  ")
    }

    fn exporter(&self, r: Region) -> String {
        format!("{}{r}", self.exporter_prefix)
    }

    fn name(&self, r: Region) -> &str {
        &self.names[r]
    }
}

/// The ids of region `r` among `ids` (numbered: even ids live in region 0, odd in region 1,
/// §2.1; zoned: the region configured with the id's zone).
pub fn ids_of_region(
    zones: &ZoneMap,
    ids: impl IntoIterator<Item = BrokerId>,
    r: Region,
) -> Vec<BrokerId> {
    let mut v: Vec<BrokerId> = ids
        .into_iter()
        .filter(|id| zones.region_of(*id) == Some(r))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Derives the broker ids a procedure works on from the view (never typed by hand; §9.2).
/// Failover: the lost region's members. Failback: as many ids in the recreated region as
/// the survivor has members, which is what the Helm chart starts there.
pub fn derive_ids(
    view: &ClusterView,
    procedure: Procedure,
    region: Region,
) -> (Vec<BrokerId>, Vec<BrokerId>) {
    let members: Vec<BrokerId> = view
        .brokers
        .iter()
        .filter(|b| b.member == Some(true))
        .map(|b| b.id)
        .collect();
    let known: Vec<BrokerId> = view.brokers.iter().map(|b| b.id).collect();
    match procedure {
        Procedure::Failover => {
            let mut lost = ids_of_region(&view.zones, members.iter().copied(), region);
            if lost.is_empty() {
                // No configuration observed: fall back to the cluster size.
                let size = view.cluster.size.unwrap_or(0);
                lost = ids_of_region(&view.zones, BrokerId::numbered(size), region);
            }
            let all = {
                let mut a = known.clone();
                a.extend(&lost);
                a.sort();
                a.dedup();
                a
            };
            (lost, all)
        }
        Procedure::Failback => {
            let survivors =
                ids_of_region(&view.zones, members.iter().copied(), region.other()).len();
            let count = u32::try_from(survivors).unwrap_or(u32::MAX);
            // A zone-aware region's Helm release starts `<zone>_0…` (its own StatefulSet's
            // ordinals); a numbered one the next ids of its parity.
            let ids: Vec<BrokerId> = match view.zones.zone(region) {
                Some(zone) if view.cluster.topology.kind == TopologyKind::ZoneAware => {
                    BrokerId::of_zone(zone, count).collect()
                }
                _ => (0..count)
                    .map_while(|n| BrokerId::nth_of(region, n))
                    .collect(),
            };
            let mut all: Vec<BrokerId> =
                ids_of_region(&view.zones, members.iter().copied(), region.other());
            all.extend(&ids);
            all.sort();
            (ids, all)
        }
    }
}

fn list(ids: &[BrokerId]) -> String {
    ids.iter()
        .map(BrokerId::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The steps of the procedure, in the documented order (the zone-aware family replaces the
/// broker removal and re-add, zones.rs).
pub fn build(i: &Inputs) -> Vec<Step> {
    match i.procedure {
        Procedure::Failover => failover::steps(i),
        Procedure::Failback => failback::steps(i),
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A failover of region 1 (paris) on 8.8.
    pub(crate) fn inputs_88_failover() -> Inputs {
        super::tests::inputs(Procedure::Failover, Family::V88Plus, Region::ONE)
    }

    /// A failback of region 1 on 8.7 with Kubernetes access to both regions.
    pub(crate) fn inputs_87_failback() -> Inputs {
        let mut i = super::tests::inputs(Procedure::Failback, Family::V86To87, Region::ONE);
        i.kube = PerRegion([
            Some((
                "eks-london".into(),
                "camunda-london".into(),
                "camunda".into(),
            )),
            Some(("eks-paris".into(), "camunda-paris".into(), "camunda".into())),
        ]);
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn inputs(procedure: Procedure, family: Family, region: Region) -> Inputs {
        let ids = ids_of_region(&ZoneMap::NONE, BrokerId::numbered(8), region);
        Inputs {
            zones: ZoneMap::NONE,
            procedure,
            region,
            family,
            version: if family == Family::V86To87 {
                "8.7.0"
            } else {
                "8.8.0"
            }
            .into(),
            eck: false,
            names: PerRegion(["london".into(), "paris".into()]),
            primary: Region::ZERO,
            active_active: false,
            dns_hostname: None,
            ids,
            all_ids: BrokerId::numbered(8).collect(),
            exporter_prefix: if family == Family::V86To87 {
                "elasticsearchregion"
            } else {
                "camundaregion"
            }
            .into(),
            legacy_exporters: false,
            kube: PerRegion([None, None]),
            runbook: crate::config::Runbook::default(),
            snapshot: "failback-x".into(),
            baseline_change: None,
            topology: TopologyKind::Numbered,
            zone: None,
        }
    }

    fn http(s: &Step) -> &Request {
        match &s.action {
            Action::Http(r) => r,
            other => panic!("{} is not a request: {other:?}", s.key),
        }
    }

    #[test]
    fn failover_removes_the_lost_ids_or_keeps_the_survivors_per_family() {
        let s = build(&inputs(Procedure::Failover, Family::V88Plus, Region::ONE));
        let fo1 = s.iter().find(|s| s.key == "FO-1").unwrap();
        assert_eq!(fo1.danger, Danger::Force);
        assert_eq!(http(fo1).path, "/actuator/cluster?force=true");
        assert_eq!(
            http(fo1).body,
            Some(json!({"brokers": {"remove": [1, 3, 5, 7]}}))
        );
        assert_eq!(fo1.region, Region::ZERO, "sent to the survivor");
        let s = build(&inputs(Procedure::Failover, Family::V86To87, Region::ZERO));
        let fo1 = s.iter().find(|s| s.key == "FO-1").unwrap();
        assert_eq!(http(fo1).path, "/actuator/cluster/brokers?force=true");
        assert_eq!(http(fo1).body, Some(json!(["1", "3", "5", "7"])));
        assert_eq!(
            http(s.iter().find(|s| s.key == "FO-2").unwrap()).path,
            "/actuator/exporters/elasticsearchregion0/disable"
        );
        assert!(
            s.iter().any(|s| s.key == "FO-5"),
            "the primary was lost: checklist"
        );
        let dry = http(fo1).dry_run().unwrap();
        assert_eq!(dry.path, "/actuator/cluster/brokers?force=true&dryRun=true");
        assert!(dry.is_dry_run() && !http(fo1).is_dry_run());
    }

    /// A zone-aware run of region `region` (zones london and paris, 4 brokers and 2 replicas
    /// each, priorities 1000 and 500).
    pub(super) fn zone_inputs(procedure: Procedure, region: Region) -> Inputs {
        let zones = ZoneMap::from_names(&PerRegion(["london".into(), "paris".into()]));
        let zone = zones.zone(region).unwrap();
        let mut i = inputs(procedure, Family::V88Plus, region);
        i.version = "8.10.2".into();
        i.zones = zones;
        i.ids = BrokerId::of_zone(zone, 4).collect();
        i.all_ids = Region::BOTH
            .iter()
            .flat_map(|r| BrokerId::of_zone(zones.zone(*r).unwrap(), 4))
            .collect();
        i.topology = TopologyKind::ZoneAware;
        let (priority, others_priority) = if region == Region::ZERO {
            (1000, 500)
        } else {
            (500, 1000)
        };
        i.zone = Some(ZonePlan {
            name: zone.to_string(),
            replicas: 2,
            priority,
            brokers: 4,
            others: 2,
            others_priority,
            basis: ZoneBasis::Layout,
        });
        i
    }

    /// Every broker id the plan sends, in any body or path.
    fn ids_sent(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .filter_map(|s| match &s.action {
                Action::Http(r) => Some(r),
                _ => None,
            })
            .flat_map(|r| {
                let body = r.body.as_ref().map(Value::to_string).unwrap_or_default();
                ["london_", "paris_", "\"brokers\"", "remove", "add"]
                    .iter()
                    .filter(|w| r.path.contains(*w) || body.contains(*w))
                    .map(|w| format!("{} {}: {w}", r.method, r.path))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn a_zone_aware_failover_removes_the_zone_by_name_and_nothing_else() {
        let s = build(&zone_inputs(Procedure::Failover, Region::ONE));
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["FO-0", "FO-1", "FO-2", "FO-3", "FO-4"]);
        let fo1 = &s[1];
        assert_eq!(fo1.danger, Danger::Force);
        assert_eq!(fo1.region, Region::ZERO, "sent to the survivor");
        let r = http(fo1);
        assert_eq!(
            (r.method, r.path.as_str(), &r.body),
            ("DELETE", "/actuator/cluster/zones/paris?force=true", &None)
        );
        assert_eq!(
            r.dry_run().unwrap().path,
            "/actuator/cluster/zones/paris?force=true&dryRun=true"
        );
        assert_eq!(fo1.check, Check::ZoneRemoved("paris".into()));
        assert!(
            fo1.guards
                .contains(&Guard::TopologyIs(TopologyKind::ZoneAware))
        );
        assert!(fo1.guards.contains(&Guard::ZoneAbsent("paris".into())));
        assert!(ids_sent(&s).is_empty(), "{:?}", ids_sent(&s));
        // No guard or check of the zone family names broker ids either.
        for st in &s {
            assert!(
                !st.guards
                    .iter()
                    .any(|g| matches!(g, Guard::BrokersAbsent(_) | Guard::IdsMatchTopology { .. })),
                "{}: {:?}",
                st.key,
                st.guards
            );
        }
        assert_eq!(
            http(&s[2]).path,
            "/actuator/exporters/camundaregion1/disable",
            "the exporter steps are the numbered procedure's"
        );
        assert!(fo1.note.as_deref().unwrap().contains("4 → 2"));
    }

    #[test]
    fn a_zone_aware_failback_adds_the_zone_back_as_it_was_and_rebalances_towards_the_preferred_zone()
     {
        let s = build(&zone_inputs(Procedure::Failback, Region::ONE));
        let fb7 = s.iter().find(|s| s.key == "FB-7").unwrap();
        let r = http(fb7);
        assert_eq!(
            (r.method, r.path.as_str()),
            ("POST", "/actuator/cluster/zones/paris")
        );
        assert_eq!(
            r.body,
            Some(json!({"numberOfReplicas": 2, "priority": 500, "numberOfBrokers": 4}))
        );
        assert_eq!(
            fb7.check,
            Check::ZoneComplete {
                zone: "paris".into(),
                brokers: 4,
                rf: 4
            }
        );
        assert!(
            !s.iter().any(|s| s.key == "FB-7.1"),
            "paris has the lower priority: the leaders stay in london"
        );
        assert!(
            !s.iter()
                .filter_map(|s| match &s.action {
                    Action::Http(r) => Some(r),
                    _ => None,
                })
                .any(|r| r.method == "PATCH" || r.path.contains("force")),
            "no PATCH (replicationFactor is refused on zone-aware clusters), nothing forced"
        );
        let s = build(&zone_inputs(Procedure::Failback, Region::ZERO));
        let fb71 = s.iter().find(|s| s.key == "FB-7.1").expect("london leads");
        assert_eq!(http(fb71).path, "/actuator/rebalance");
        assert_eq!(fb71.check, Check::LeadersIn(Region::ZERO));
        assert_eq!(
            s.last().unwrap().key,
            "FB-8",
            "the webapps come back last, after the rebalance"
        );
    }

    #[test]
    fn the_numbered_removal_and_re_add_refuse_a_cluster_that_is_not_numbered() {
        for (procedure, key) in [(Procedure::Failover, "FO-1"), (Procedure::Failback, "FB-7")] {
            let s = build(&inputs(procedure, Family::V88Plus, Region::ONE));
            let step = s.iter().find(|s| s.key == key).unwrap();
            assert!(
                step.guards
                    .contains(&Guard::TopologyIs(TopologyKind::Numbered)),
                "{key}"
            );
        }
    }

    #[test]
    fn a_cancel_names_its_change_and_has_no_dry_run() {
        let c = Request::cancel_change(Region::ZERO, 7);
        assert_eq!(
            (c.method, c.path.as_str()),
            ("DELETE", "/actuator/cluster/changes/7")
        );
        assert_eq!(c.kind(), RequestKind::Cancel);
        assert_eq!(
            c.dry_run(),
            None,
            "the server answers 501 to a dry-run cancel"
        );
        assert!(!c.is_dry_run());
    }

    #[test]
    fn failback_has_the_documented_steps_and_never_forces_the_add() {
        for (family, expected) in [(Family::V86To87, 7), (Family::V88Plus, 8)] {
            let s = build(&inputs(Procedure::Failback, family, Region::ONE));
            let mut majors: Vec<&str> =
                s.iter().map(|s| s.key.split('.').next().unwrap()).collect();
            majors.dedup();
            assert_eq!(majors.len(), expected, "{family:?}: {majors:?}");
            assert!(s.iter().all(|s| s.danger != Danger::Force));
            for st in &s {
                if let Action::Http(r) = &st.action {
                    assert!(!r.path.contains("force"), "{}", r.path);
                }
            }
            let restore = s.iter().find(|s| s.title.starts_with("Restore")).unwrap();
            assert!(
                restore
                    .guards
                    .contains(&Guard::NoCamundaIndices(Region::ONE))
            );
            assert_eq!(
                http(restore).body.is_some(),
                family == Family::V88Plus,
                "global state from 8.8"
            );
        }
    }

    #[test]
    fn without_a_kube_context_the_kubectl_steps_are_manual_and_confirmed() {
        let mut i = inputs(Procedure::Failback, Family::V86To87, Region::ONE);
        let fb2 = |i: &Inputs| build(i).into_iter().find(|s| s.key == "FB-2").unwrap();
        match fb2(&i).action {
            Action::Manual { commands } => {
                assert!(
                    commands[0]
                        .contains("scale deployments/$CAMUNDA_RELEASE_NAME-operate --replicas 0")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(fb2(&i).check, Check::Unobservable);
        i.kube[Region::ZERO] = Some((
            "eks-london".into(),
            "camunda-london".into(),
            "camunda".into(),
        ));
        assert!(matches!(fb2(&i).action, Action::Scale(_)));
        assert_eq!(fb2(&i).check, Check::WebappsOff(Region::ZERO));
    }

    #[test]
    fn helm_commands_use_the_configured_names() {
        let mut i = inputs(Procedure::Failback, Family::V88Plus, Region::ONE);
        i.kube[Region::ONE] = Some(("eks-paris".into(), "camunda-paris".into(), "camunda".into()));
        i.runbook.helm_chart_version = Some("13.4.2".into());
        let cmd = i.helm(
            "install",
            Region::ONE,
            &["orchestration.profiles.operate=false"],
        );
        assert!(cmd.starts_with("helm install camunda camunda/camunda-platform"));
        for part in [
            "--version 13.4.2",
            "--kube-context eks-paris",
            "--namespace camunda-paris",
            "-f camunda-values.yml",
            "-f region1/camunda-values.yml",
            "--set orchestration.profiles.operate=false",
        ] {
            assert!(cmd.contains(part), "{part} in {cmd}");
        }
    }
}
