//! 8.10 zone-aware clusters (`c8dr lab --camunda 8.10 --zones london,paris`): zoned broker
//! ids, the persisted `partitioning`, and the zones API's plans (remove and add a zone) with
//! the server's validation.
//!
//! Sources: zone-aware-dual-region.md §2, §3.2 and §4.3; the refusal strings are those of
//! camunda/camunda `RemoveZoneTransformer` and `AddZoneTransformer` (rc1 and later). Zone `i`
//! runs in region `i`; losing a region kills its zone's brokers exactly as in numbered mode,
//! since a broker's runtime region is what decides reachability.

use super::config::{Member, Replica};
use super::layout::{Replicas, ZoneInput, zone_aware};
use super::plan::{Plan, Refusal, force_remove};
use super::{BrokerRuntime, LastChange, PartitionRuntime, Settings, Sim};
use c8dr_api::{
    BrokerId, BrokerStateCode, ExporterStateCode, Operation, OperationKind, PartitionStateCode,
    Partitioning, PartitioningScheme, Zone, ZoneAddRequest, ZoneSpec,
};
use std::collections::{BTreeMap, BTreeSet};

/// Zone priorities of a new lab: region 0's zone preferred. The values are those of the ECS
/// dual-region reference (ECS-TF: 1000 for region 0, 500 for region 1); only their order
/// matters.
pub const PRIORITIES: [i32; 2] = [1000, 500];

fn op(kind: OperationKind, broker: BrokerId) -> Operation {
    Operation {
        operation: kind,
        broker_id: Some(broker),
        partition_id: None,
        priority: None,
        brokers: None,
        exporter_id: None,
        physical_tenant: None,
        exporting_state: None,
        partitioning_config: None,
    }
}

fn update_partitioning(coordinator: BrokerId, config: Partitioning) -> Operation {
    let mut o = op(OperationKind::UpdatePartitioning, coordinator);
    o.partitioning_config = Some(config);
    o
}

/// What `but was %s` names: the persisted config's class, or "not set".
fn config_name(p: &Option<Partitioning>) -> &'static str {
    match p.as_ref().map(|p| &p.scheme) {
        None => "not set",
        Some(PartitioningScheme::ZoneAware) => "ZoneAwareConfig",
        // [unconfirmed] the class names of the other configs.
        Some(PartitioningScheme::Fixed) => "FixedConfig",
        Some(_) => "RoundRobinConfig",
    }
}

/// `[a, b]` as Java prints a list of member ids.
fn java_list(ids: &[BrokerId]) -> String {
    let v: Vec<String> = ids.iter().map(|b| b.to_string()).collect();
    format!("[{}]", v.join(", "))
}

/// The zone-aware layout of `config` over `members` (each zone's brokers are the members in
/// that zone).
pub fn layout_of(
    config: &Partitioning,
    members: &BTreeSet<BrokerId>,
    partitions: u32,
) -> BTreeMap<i32, Replicas> {
    let zones: Vec<ZoneInput> = config
        .zones
        .iter()
        .map(|z| ZoneInput {
            brokers: members
                .iter()
                .copied()
                .filter(|b| b.zone().is_some_and(|bz| bz.as_str() == z.name))
                .collect(),
            replicas: u32::try_from(z.number_of_replicas).unwrap_or(0),
            priority: z.priority,
        })
        .filter(|z| !z.brokers.is_empty())
        .collect();
    zone_aware(&zones, partitions)
}

/// The brokers a `POST …/zones/{zone}` asks for, checked as the endpoint checks the body
/// before anything reaches the coordinator (exactly one of `brokers` and `numberOfBrokers`;
/// `numberOfBrokers` expands to `<zone>_0..<zone>_<n-1>`, PR #61627).
pub fn requested_brokers(zone: &str, req: &ZoneAddRequest) -> Result<Vec<BrokerId>, Refusal> {
    match (&req.brokers, req.number_of_brokers) {
        (Some(_), Some(_)) | (None, None) => Err(Refusal::invalid(
            "Exactly one of brokers and numberOfBrokers must be set.",
        )),
        (None, Some(n)) if n < 1 => Err(Refusal::invalid("numberOfBrokers must be at least 1.")),
        (None, Some(n)) => {
            let z = Zone::new(zone)
                .map_err(|e| Refusal::invalid(format!("Invalid member ID '{zone}_0': {e}")))?;
            Ok(BrokerId::of_zone(z, u32::try_from(n).unwrap_or(0)).collect())
        }
        (Some(list), None) => Ok(list.clone()),
    }
}

impl Sim {
    /// A healthy zone-aware cluster: `brokers/2` brokers `<zone>_0..` per zone, each zone
    /// with `RF/2` replicas of every partition, region 0's zone the preferred one.
    pub fn new_zoned(settings: Settings, zones: [Zone; 2], wall0: jiff::Timestamp) -> Sim {
        let per_zone = settings.brokers / 2;
        let replicas = (settings.replication_factor / 2).max(1) as i32;
        let partitions = settings.partitions;
        let mut sim = Sim::new(settings, wall0);
        let config = Partitioning {
            scheme: PartitioningScheme::ZoneAware,
            zones: (0..2)
                .map(|r| ZoneSpec {
                    name: zones[r].as_str().to_string(),
                    number_of_replicas: replicas,
                    priority: PRIORITIES[r],
                })
                .collect(),
        };
        let ids: BTreeSet<BrokerId> = (0..2)
            .flat_map(|r| BrokerId::of_zone(zones[r], per_zone))
            .collect();
        sim.brokers = (0..2u8)
            .flat_map(|r| {
                BrokerId::of_zone(zones[r as usize], per_zone)
                    .map(move |b| (b, BrokerRuntime::healthy(r)))
            })
            .collect();
        let layout = layout_of(&config, &ids, partitions);
        sim.members = ids
            .iter()
            .map(|id| {
                let m = Member {
                    state: BrokerStateCode::Active,
                    version: 1,
                    updated: wall0,
                    replicas: BTreeMap::new(),
                };
                (*id, m)
            })
            .collect();
        for (p, replicas) in &layout {
            for (b, prio) in replicas {
                if let Some(m) = sim.members.get_mut(b) {
                    m.replicas.insert(
                        *p,
                        Replica {
                            state: PartitionStateCode::Active,
                            priority: *prio,
                            exporters: sim
                                .exporters
                                .iter()
                                .map(|e| (e.clone(), ExporterStateCode::Enabled))
                                .collect(),
                        },
                    );
                }
            }
        }
        sim.replication_factor = config.replication_factor();
        sim.partitions = (1..=partitions as i32)
            .map(|p| (p, PartitionRuntime::new(&sim.exporters)))
            .collect();
        sim.zones = Some(zones);
        sim.partitioning = Some(config);
        sim.install_kube();
        sim.elect_all();
        sim
    }

    /// Region `r`'s zone on a zone-aware lab.
    pub fn zone_of_region(&self, r: u8) -> Option<Zone> {
        self.zones.and_then(|z| z.get(r as usize).copied())
    }

    /// The persisted layout is zone-aware.
    pub fn is_zone_aware(&self) -> bool {
        self.partitioning
            .as_ref()
            .is_some_and(Partitioning::is_zone_aware)
    }

    /// Region `r`'s broker StatefulSet: `camunda-zeebe`, or `camunda-zeebe-<zone>` when zoned.
    /// During a migration the numbered one is the region's first StatefulSet (its replica
    /// count is `workloads[r].zeebe`); the zoned one runs beside it.
    pub fn zeebe_statefulset(&self, r: u8) -> String {
        let release = crate::kube::objects::RELEASE;
        match self.zone_of_region(r).filter(|_| !self.migration) {
            Some(z) => format!("{release}-zeebe-{z}"),
            None => format!("{release}-zeebe"),
        }
    }

    /// The broker runs in region `r`'s first StatefulSet (every broker, except the zoned
    /// ones waiting beside the numbered StatefulSet during a migration).
    pub fn in_first_statefulset(&self, b: BrokerId) -> bool {
        !self.migration || !b.is_zoned()
    }

    /// The broker behind pod `<statefulset>-<ordinal>` of region `r`.
    pub fn broker_of_pod(&self, r: u8, pod: &str) -> Option<BrokerId> {
        let release = crate::kube::objects::RELEASE;
        if let Some((b, _)) = self
            .brokers
            .iter()
            .find(|(b, rt)| rt.region == r && b.pod(release) == pod)
        {
            return Some(*b);
        }
        // A numbered pod the lab has no broker for (as before zones: ordinal → id).
        if self.zones.is_some() && !self.migration {
            return None;
        }
        let ordinal: i32 = pod
            .strip_prefix(&format!("{release}-zeebe-"))?
            .parse()
            .ok()?;
        Some(BrokerId::Numbered(ordinal * 2 + i32::from(r)))
    }

    /// `UPDATE_PARTITIONING` completed: the layout it carries is persisted.
    pub(super) fn apply_partitioning(&mut self, op: &Operation) {
        if let Some(config) = &op.partitioning_config {
            self.partitioning = Some(config.clone());
        }
    }

    /// Keeps the change that is about to be superseded as `lastChange` for `/changes`.
    pub(super) fn remember_last_change(&mut self) {
        if let Some(last) = &self.last_change
            && !self.history.iter().any(|h| h.id == last.id)
        {
            self.history.push(last.clone());
        }
    }

    /// Every change this lab knows, oldest first: finished ones, then the one in flight.
    pub fn known_changes(&self) -> Vec<LastChange> {
        let mut v = self.history.clone();
        if let Some(last) = &self.last_change
            && !v.iter().any(|h| h.id == last.id)
        {
            v.push(last.clone());
        }
        v
    }

    /// The zone-aware config, or the refusal `what` gives when none is persisted.
    fn zone_config(
        &self,
        what: impl FnOnce(&'static str) -> String,
    ) -> Result<&Partitioning, Refusal> {
        match &self.partitioning {
            Some(p) if p.is_zone_aware() => Ok(p),
            other => Err(Refusal::invalid(what(config_name(other)))),
        }
    }

    /// `DELETE /actuator/cluster/zones/{zone}?force=`: validation and plan (RZT).
    ///
    /// `force=true` force-evicts the zone's brokers (a forced reconfiguration of every
    /// partition to its remaining replicas, then the removal of each broker, as the numbered
    /// forced removal plans it) and drops the zone from the layout (`UPDATE_PARTITIONING`), in
    /// one change. `force=false` persists the shrunk layout first, then drains the zone
    /// (replicas leave, then the brokers). [derived] On an unreachable zone a drain cannot
    /// progress: the lab plans it as the server does and the change stays IN_PROGRESS (its
    /// leaves wait for brokers that do not answer and for a quorum that does not exist) until
    /// it is cancelled; it never completes. The real server's behaviour there is only
    /// described as "fails when the zone is down" (MRR-OPS/LMA).
    pub fn plan_remove_zone(&self, zone: &str, force: bool) -> Result<Plan, Refusal> {
        let config = self.zone_config(|was| {
            format!(
                "Remove zone requires a persisted zone-aware partition distribution config, but was {was}."
            )
        })?;
        if config.zone(zone).is_none() {
            return Err(Refusal::invalid(format!(
                "Remove zone request targets unknown zone '{zone}'."
            )));
        }
        let in_zone = |b: &BrokerId| b.zone().is_some_and(|z| z.as_str() == zone);
        let zone_members: BTreeSet<BrokerId> =
            self.members.keys().copied().filter(in_zone).collect();
        if zone_members.is_empty() {
            return Err(Refusal::invalid(format!(
                "Remove zone request targets zone '{zone}' which has no current members."
            )));
        }
        let remaining: Vec<ZoneSpec> = config
            .zones
            .iter()
            .filter(|z| z.name != zone)
            .cloned()
            .collect();
        if remaining.is_empty() {
            return Err(Refusal::invalid(format!(
                "Cannot remove zone '{zone}' because it is the last remaining zone in the partition distribution config."
            )));
        }
        let retain: BTreeSet<BrokerId> = self
            .members
            .keys()
            .copied()
            .filter(|b| !zone_members.contains(b))
            .collect();
        let Some(coordinator) = retain.iter().copied().min() else {
            return Err(Refusal::invalid(format!(
                "Cannot remove zone '{zone}' because it would leave the cluster with no brokers."
            )));
        };
        let default_coordinator = self.members.keys().copied().min();
        if !force
            && let Some(c) = default_coordinator
            && zone_members.contains(&c)
        {
            return Err(Refusal::invalid(format!(
                "Cannot remove zone '{zone}' without force because it contains the elected coordinator '{c}'. Retry with force=true"
            )));
        }
        let shrunk = Partitioning {
            scheme: PartitioningScheme::ZoneAware,
            zones: remaining,
        };
        let rf = shrunk.replication_factor();
        if force {
            let mut plan = force_remove(
                &self.members,
                self.settings.partitions,
                &zone_members,
                self.replication_factor,
            )?;
            plan.operations
                .push(update_partitioning(plan.coordinator, shrunk));
            plan.replication_factor = rf;
            return Ok(plan);
        }
        let coordinator = default_coordinator.unwrap_or(coordinator);
        let mut operations = vec![update_partitioning(coordinator, shrunk.clone())];
        operations.extend(super::plan::redistribute(
            &self.members,
            &layout_of(&shrunk, &retain, self.settings.partitions),
        ));
        operations.extend(
            zone_members
                .iter()
                .map(|b| op(OperationKind::BrokerRemove, *b)),
        );
        Ok(Plan {
            operations,
            coordinator,
            replication_factor: rf,
            initialize_from: None,
        })
    }

    /// `POST /actuator/cluster/zones/{zone}`: validation and plan (AZT). The zone is appended
    /// to the layout; its brokers are added and partitions redistributed over the new layout.
    /// Leaders stay where they are: nothing here forces an election (camunda/camunda#62000).
    pub fn plan_add_zone(&self, zone: &str, req: &ZoneAddRequest) -> Result<Plan, Refusal> {
        let brokers = requested_brokers(zone, req)?;
        self.plan_add_zone_brokers(zone, req, brokers)
    }

    fn plan_add_zone_brokers(
        &self,
        zone: &str,
        req: &ZoneAddRequest,
        brokers: Vec<BrokerId>,
    ) -> Result<Plan, Refusal> {
        let config = self.zone_config(|was| {
            format!(
                "Adding a zone requires a persisted zone-aware partition distribution config, but was {was}. Bootstrapping a zoned config from a non-zoned cluster is not supported here."
            )
        })?;
        if config.zone(zone).is_some() {
            return Err(Refusal::invalid(format!(
                "Cannot add back zone '{zone}' because it is already present in the partition distribution config."
            )));
        }
        if brokers.is_empty() {
            return Err(Refusal::invalid(
                "Failback request must specify at least one broker.",
            ));
        }
        let not_in_zone: Vec<BrokerId> = brokers
            .iter()
            .copied()
            .filter(|b| b.zone().is_none_or(|z| z.as_str() != zone))
            .collect();
        if !not_in_zone.is_empty() {
            return Err(Refusal::invalid(format!(
                "Requested brokers must belong to zone '{zone}', but got brokers not in that zone: {}",
                java_list(&not_in_zone)
            )));
        }
        let wanted: BTreeSet<BrokerId> = brokers.iter().copied().collect();
        if (wanted.len() as i64) < i64::from(req.number_of_replicas) {
            return Err(Refusal::invalid(format!(
                "Request provided {} broker(s), which is less than the requested number of replicas [{}] for zone '{zone}'.",
                wanted.len(),
                req.number_of_replicas
            )));
        }
        // [derived] ZoneSpec's own constraints (replicas >= 1, priority > 0, PDC); the
        // server's wording for them was not found.
        if req.number_of_replicas < 1 || req.priority < 1 {
            return Err(Refusal::invalid(format!(
                "Zone '{zone}' needs numberOfReplicas >= 1 and priority > 0, but got numberOfReplicas [{}] and priority [{}].",
                req.number_of_replicas, req.priority
            )));
        }
        let Some(coordinator) = self.members.keys().copied().min() else {
            return Err(Refusal {
                status: 502,
                message: "No member broker to coordinate".into(),
            });
        };
        let mut grown = config.clone();
        grown.zones.push(ZoneSpec {
            name: zone.to_string(),
            number_of_replicas: req.number_of_replicas,
            priority: req.priority,
        });
        let target: BTreeSet<BrokerId> = self.members.keys().copied().chain(wanted).collect();
        let mut operations: Vec<Operation> = target
            .iter()
            .filter(|b| !self.members.contains_key(b))
            .map(|b| op(OperationKind::BrokerAdd, *b))
            .collect();
        operations.push(update_partitioning(coordinator, grown.clone()));
        operations.extend(super::plan::redistribute(
            &self.members,
            &layout_of(&grown, &target, self.settings.partitions),
        ));
        Ok(Plan {
            operations,
            coordinator,
            replication_factor: grown.replication_factor(),
            initialize_from: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Camunda, Entry};
    use std::time::Duration;

    fn zoned() -> Sim {
        let settings = Settings {
            camunda: Camunda::V810,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        let z = [Zone::new("london").unwrap(), Zone::new("paris").unwrap()];
        Sim::new_zoned(settings, z, jiff::Timestamp::UNIX_EPOCH)
    }

    fn count(plan: &Plan, kind: OperationKind) -> usize {
        plan.operations
            .iter()
            .filter(|o| o.operation == kind)
            .count()
    }

    /// Starts a change as the server does: planned as this version plans it (8.10: joins in
    /// two phases), then started.
    fn start(sim: &mut Sim, plan: Plan) {
        let plan = sim.versioned(plan);
        sim.start_change(Entry::Gateway(0), plan, false).unwrap();
    }

    fn run_until_idle(sim: &mut Sim) {
        for _ in 0..2000 {
            if sim.pending.is_none() {
                return;
            }
            let t = sim.now + Duration::from_millis(100);
            sim.tick(t);
        }
        panic!("change did not finish: {:?}", sim.pending);
    }

    fn leaders_in(sim: &Sim, zone: &str) -> usize {
        sim.partitions
            .values()
            .filter(|rt| rt.committing)
            .filter(|rt| {
                rt.leader
                    .and_then(BrokerId::zone)
                    .is_some_and(|z| z.as_str() == zone)
            })
            .count()
    }

    #[test]
    fn a_zoned_lab_has_zoned_brokers_per_region_and_leaders_in_the_preferred_zone() {
        let sim = zoned();
        let ids: Vec<String> = sim.brokers.keys().map(|b| b.to_string()).collect();
        assert_eq!(
            ids,
            [
                "london_0", "london_1", "london_2", "london_3", "paris_0", "paris_1", "paris_2",
                "paris_3"
            ]
        );
        assert!(sim.brokers.iter().all(|(b, rt)| {
            (rt.region == 0) == (b.zone().map(|z| z.as_str()) == Some("london"))
        }));
        let p = sim.partitioning.as_ref().unwrap();
        assert_eq!(p.replication_factor(), 4);
        assert_eq!(p.zone("london").map(|z| z.priority), Some(1000));
        assert_eq!(leaders_in(&sim, "london"), 8);
        assert_eq!(
            sim.broker_of_pod(1, "camunda-zeebe-paris-2")
                .map(|b| b.to_string())
                .as_deref(),
            Some("paris_2")
        );
        assert_eq!(sim.broker_of_pod(1, "camunda-zeebe-2"), None);
    }

    #[test]
    fn losing_a_region_loses_its_zone_and_forced_removal_restores_quorum_with_rf_2() {
        let mut sim = zoned();
        sim.fail_region(1);
        assert_eq!(
            sim.partitions.values().filter(|rt| rt.committing).count(),
            0
        );
        let plan = sim.plan_remove_zone("paris", true).unwrap();
        assert_eq!(count(&plan, OperationKind::PartitionForceReconfigure), 8);
        assert_eq!(count(&plan, OperationKind::BrokerRemove), 4);
        assert_eq!(
            plan.operations.last().map(|o| o.operation.clone()),
            Some(OperationKind::UpdatePartitioning)
        );
        assert_eq!(plan.coordinator.to_string(), "london_0");
        start(&mut sim, plan);
        run_until_idle(&mut sim);
        assert_eq!((sim.members.len(), sim.replication_factor), (4, 2));
        let names: Vec<&str> = sim
            .partitioning
            .as_ref()
            .unwrap()
            .zones
            .iter()
            .map(|z| z.name.as_str())
            .collect();
        assert_eq!(names, ["london"]);
        assert_eq!(
            sim.partitions.values().filter(|rt| rt.committing).count(),
            8
        );
    }

    #[test]
    fn re_adding_the_zone_appends_it_joins_replicas_and_leaves_leaders_alone() {
        let mut sim = zoned();
        sim.fail_region(1);
        let plan = sim.plan_remove_zone("paris", true).unwrap();
        start(&mut sim, plan);
        run_until_idle(&mut sim);
        sim.recreate_region(1, false, false);
        // Returning brokers run but host nothing until the zone is added.
        assert!(sim.reachable(BrokerId::zoned(Zone::new("paris").unwrap(), 0)));
        assert_eq!(sim.members.len(), 4);
        let req = ZoneAddRequest {
            number_of_replicas: 2,
            priority: 500,
            brokers: None,
            number_of_brokers: Some(4),
        };
        let plan = sim.plan_add_zone("paris", &req).unwrap();
        assert_eq!(count(&plan, OperationKind::BrokerAdd), 4);
        assert_eq!(count(&plan, OperationKind::UpdatePartitioning), 1);
        assert_eq!(count(&plan, OperationKind::PartitionJoin), 16);
        assert_eq!(count(&plan, OperationKind::PartitionReconfigurePriority), 0);
        assert_eq!(plan.replication_factor, 4);
        start(&mut sim, plan);
        run_until_idle(&mut sim);
        assert_eq!((sim.members.len(), sim.replication_factor), (8, 4));
        assert_eq!(leaders_in(&sim, "london"), 8);
        // Re-added with a higher priority: the priorities change, the leaders do not move.
        let mut sim2 = zoned();
        sim2.fail_region(1);
        let plan = sim2.plan_remove_zone("paris", true).unwrap();
        start(&mut sim2, plan);
        run_until_idle(&mut sim2);
        sim2.recreate_region(1, false, false);
        let plan = sim2
            .plan_add_zone(
                "paris",
                &ZoneAddRequest {
                    priority: 2000,
                    ..req
                },
            )
            .unwrap();
        assert_eq!(
            count(&plan, OperationKind::PartitionReconfigurePriority),
            16
        );
        start(&mut sim2, plan);
        run_until_idle(&mut sim2);
        let names: Vec<&str> = sim2
            .partitioning
            .as_ref()
            .unwrap()
            .zones
            .iter()
            .map(|z| z.name.as_str())
            .collect();
        assert_eq!(names, ["london", "paris"], "appended");
        assert_eq!(leaders_in(&sim2, "london"), 8, "no election, no move");
        // A rebalance moves every leader to the zone with the highest priority.
        sim2.rebalance();
        assert_eq!(leaders_in(&sim2, "paris"), 8);
    }

    #[test]
    fn zone_requests_are_validated_with_the_servers_words() {
        let sim = zoned();
        let msg = |r: Result<Plan, Refusal>| r.unwrap_err().message;
        assert_eq!(
            msg(sim.plan_remove_zone("tokyo", true)),
            "Remove zone request targets unknown zone 'tokyo'."
        );
        assert_eq!(
            msg(sim.plan_remove_zone("london", false)),
            "Cannot remove zone 'london' without force because it contains the elected coordinator 'london_0'. Retry with force=true"
        );
        let add = |brokers: Option<Vec<BrokerId>>, n: Option<i32>| ZoneAddRequest {
            number_of_replicas: 2,
            priority: 500,
            brokers,
            number_of_brokers: n,
        };
        assert_eq!(
            msg(sim.plan_add_zone("paris", &add(None, None))),
            "Exactly one of brokers and numberOfBrokers must be set."
        );
        assert_eq!(
            msg(sim.plan_add_zone("paris", &add(Some(vec![]), Some(1)))),
            "Exactly one of brokers and numberOfBrokers must be set."
        );
        assert_eq!(
            msg(sim.plan_add_zone("paris", &add(None, Some(0)))),
            "numberOfBrokers must be at least 1."
        );
        assert_eq!(
            msg(sim.plan_add_zone("paris", &add(None, Some(4)))),
            "Cannot add back zone 'paris' because it is already present in the partition distribution config."
        );
        let mut removed = zoned();
        removed.fail_region(1);
        let plan = removed.plan_remove_zone("paris", true).unwrap();
        start(&mut removed, plan);
        run_until_idle(&mut removed);
        let london0 = BrokerId::zoned(Zone::new("london").unwrap(), 0);
        assert_eq!(
            msg(removed.plan_add_zone("paris", &add(Some(vec![london0]), None))),
            "Requested brokers must belong to zone 'paris', but got brokers not in that zone: [london_0]"
        );
        assert_eq!(
            msg(removed.plan_add_zone("paris", &add(None, Some(1)))),
            "Request provided 1 broker(s), which is less than the requested number of replicas [2] for zone 'paris'."
        );
        assert_eq!(
            msg(removed.plan_remove_zone("london", true)),
            "Cannot remove zone 'london' because it is the last remaining zone in the partition distribution config."
        );
        assert_eq!(
            msg(removed.plan_remove_zone("paris", true)),
            "Remove zone request targets unknown zone 'paris'."
        );
        let numbered = Sim::new(
            Settings {
                camunda: Camunda::V810,
                brokers: 8,
                partitions: 8,
                replication_factor: 4,
            },
            jiff::Timestamp::UNIX_EPOCH,
        );
        assert_eq!(
            msg(numbered.plan_remove_zone("paris", true)),
            "Remove zone requires a persisted zone-aware partition distribution config, but was not set."
        );
    }

    #[test]
    fn a_graceful_removal_of_a_reachable_zone_drains_it() {
        let mut sim = zoned();
        let plan = sim.plan_remove_zone("paris", false).unwrap();
        assert_eq!(count(&plan, OperationKind::PartitionLeave), 16);
        assert_eq!(count(&plan, OperationKind::BrokerRemove), 4);
        assert_eq!(count(&plan, OperationKind::PartitionForceReconfigure), 0);
        sim.start_change(Entry::Gateway(0), plan, false).unwrap();
        run_until_idle(&mut sim);
        assert_eq!((sim.members.len(), sim.replication_factor), (4, 2));
        assert_eq!(
            sim.partitions.values().filter(|rt| rt.committing).count(),
            8
        );
        // The drained brokers stay up, idle, outside the cluster.
        let paris0 = BrokerId::zoned(Zone::new("paris").unwrap(), 0);
        assert!(sim.reachable(paris0) && !sim.members.contains_key(&paris0));
    }

    #[test]
    fn a_graceful_removal_of_an_unreachable_zone_never_completes() {
        let mut sim = zoned();
        sim.fail_region(1);
        let plan = sim.plan_remove_zone("paris", false).unwrap();
        assert_eq!(
            plan.operations[0].operation,
            OperationKind::UpdatePartitioning
        );
        start(&mut sim, plan);
        for _ in 0..100 {
            let t = sim.now + Duration::from_millis(100);
            sim.tick(t);
        }
        assert!(sim.pending.is_some(), "stays IN_PROGRESS");
        assert_eq!(sim.members.len(), 8);
    }
}
