//! Migrating a numbered 8.10 cluster to zone-aware brokers (`c8dr lab --camunda 8.10
//! --zones london,paris --migrate`): `PUT /actuator/cluster/partitioning` and
//! `PUT /actuator/cluster/zones`, with the server's order rule and refusals.
//!
//! Sources: zone-aware-dual-region.md §6 (MIG, ZMT). The lab starts after the migration
//! guide's step 2: the numbered brokers are the members, each region's zoned StatefulSet
//! `camunda-zeebe-<zone>` runs beside them with brokers that are not members
//! (`keepUnzonedBrokers: true`), and no partition layout is persisted yet ([unconfirmed]
//! whether clusters bootstrapped before 8.10 persist one). Bare id `i` maps to zone index
//! `i mod #zones` (`ZoneLayout.zoneRankForBareNodeIdx`), in ascending order, so on the dual-region
//! layout the odd ids become the second zone's `<zone>_0..` and the even ids the first's.

use super::config::voters;
use super::plan::{Plan, Refusal};
use super::{BrokerRuntime, Settings, Sim};
use c8dr_api::{
    BrokerId, Operation, OperationKind, Partitioning, PartitioningRequest, PartitioningScheme, Zone,
};
use serde::Serialize;

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

/// Where a migration stands (`/lab/state` `migration`), in the guide's steps (§6.2/§6.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationStage {
    /// 2: zoned StatefulSets beside the numbered brokers; 3: zone-aware layout persisted;
    /// 4: some zones migrated; 5: every zone migrated (only zoned members).
    pub stage: u8,
    pub description: String,
    /// The zone `PUT /actuator/cluster/zones` accepts next (highest remaining zone index).
    pub next_zone: Option<String>,
    /// Zones whose brokers are members under their zoned ids.
    pub migrated_zones: Vec<String>,
}

impl Sim {
    /// A numbered cluster with each region's zoned brokers running beside it, not members.
    pub fn new_migrating(settings: Settings, zones: [Zone; 2], wall0: jiff::Timestamp) -> Sim {
        let per_zone = settings.brokers / 2;
        let mut sim = Sim::new(settings, wall0);
        for (r, zone) in zones.iter().enumerate() {
            for b in BrokerId::of_zone(*zone, per_zone) {
                let mut rt = BrokerRuntime::healthy(r as u8);
                rt.was_member = false;
                rt.has_data = false;
                sim.brokers.insert(b, rt);
            }
        }
        sim.zones = Some(zones);
        sim.migration = true;
        sim.install_kube();
        sim
    }

    /// Bare members that map to zone index `k` of `n` zones, ascending.
    fn bare_of_zone(&self, k: usize, n: usize) -> Vec<BrokerId> {
        self.members
            .keys()
            .copied()
            .filter(|b| {
                b.number()
                    .and_then(|i| usize::try_from(i).ok())
                    .is_some_and(|i| n > 0 && i % n == k)
            })
            .collect()
    }

    /// Zones with zoned members, in layout order.
    fn migrated_zones(&self, config: &Partitioning) -> Vec<String> {
        config
            .zones
            .iter()
            .filter(|z| {
                self.members
                    .keys()
                    .any(|b| b.zone().is_some_and(|bz| bz.as_str() == z.name))
            })
            .map(|z| z.name.clone())
            .collect()
    }

    /// The zone index `PUT …/zones` accepts next: the highest that still has bare brokers.
    fn next_zone_index(&self, config: &Partitioning) -> Option<usize> {
        let n = config.zones.len();
        (0..n).rev().find(|k| !self.bare_of_zone(*k, n).is_empty())
    }

    /// `PUT /actuator/cluster/partitioning`: a new zone-aware layout (`config`) or new zone
    /// priorities (`zonePriorities`). Before or during a migration only the layout is
    /// persisted (placement stays as it is until every broker is zoned, PR #57275) and its
    /// replicas must add up to the current replication factor.
    pub fn plan_partitioning(&self, req: &PartitioningRequest) -> Result<Plan, Refusal> {
        let Some(coordinator) = self.members.keys().copied().min() else {
            return Err(Refusal {
                status: 502,
                message: "No member broker to coordinate".into(),
            });
        };
        let config = match (&req.config, &req.zone_priorities) {
            (Some(c), None) => {
                if c.scheme != PartitioningScheme::ZoneAware {
                    // [derived] wording; the refusal itself is documented (API-D, ZIT).
                    return Err(Refusal::invalid(format!(
                        "Only a ZONE_AWARE partitioning config can be set, but got {}.",
                        c.scheme.as_str()
                    )));
                }
                if c.zones.is_empty()
                    || c.zones
                        .iter()
                        .any(|z| z.number_of_replicas < 1 || z.priority < 1)
                {
                    return Err(Refusal::invalid(
                        "A ZONE_AWARE config needs at least one zone, each with numberOfReplicas >= 1 and priority > 0.",
                    ));
                }
                c.clone()
            }
            (None, Some(order)) => self.reprioritized(order)?,
            _ => {
                return Err(Refusal::invalid(
                    "Exactly one of config and zonePriorities must be set.",
                ));
            }
        };
        let bare = self.members.keys().any(|b| !b.is_zoned());
        let sum = config.replication_factor();
        if bare && sum != self.replication_factor {
            return Err(Refusal::invalid(format!(
                "Sum of zone replicas [{sum}] must equal the current replication factor [{}] before zone migration starts.",
                self.replication_factor
            )));
        }
        let mut update = op(OperationKind::UpdatePartitioning, coordinator);
        update.partitioning_config = Some(config.clone());
        let mut operations = vec![update];
        if !bare && req.zone_priorities.is_some() {
            // Only the priorities change, not the placement (API-D); leaders move only at
            // the next election.
            operations.extend(self.reprioritize(&config));
        } else if !bare {
            // A fully zoned cluster applies a new layout at once (joins, leaves, priorities).
            let members = self.members.keys().copied().collect();
            let layout = super::zones::layout_of(&config, &members, self.settings.partitions);
            operations.extend(super::plan::redistribute(&self.members, &layout));
        }
        Ok(Plan {
            operations,
            coordinator,
            replication_factor: if bare { self.replication_factor } else { sum },
            initialize_from: None,
        })
    }

    /// Every partition keeps its replicas; their Raft priorities count down from RF again,
    /// the replicas of the zone now preferred first.
    fn reprioritize(&self, config: &Partitioning) -> Vec<Operation> {
        let zone_priority = |b: &BrokerId| {
            b.zone()
                .and_then(|z| config.zone(z.as_str()))
                .map_or(0, |z| z.priority)
        };
        let mut ops = Vec::new();
        for p in 1..=self.settings.partitions as i32 {
            let mut replicas: Vec<(BrokerId, i32)> = voters(&self.members, p).into_iter().collect();
            replicas.sort_by_key(|(b, prio)| {
                (
                    std::cmp::Reverse(zone_priority(b)),
                    std::cmp::Reverse(*prio),
                )
            });
            let rf = replicas.len() as i32;
            for (i, (b, prio)) in replicas.iter().enumerate() {
                let want = rf - i as i32;
                if *prio != want {
                    let mut o = op(OperationKind::PartitionReconfigurePriority, *b);
                    o.partition_id = Some(p);
                    o.priority = Some(want);
                    ops.push(o);
                }
            }
        }
        ops
    }

    /// `zonePriorities`: the existing priority values, highest first, reassigned in the
    /// order given; it must name exactly the configured zones.
    fn reprioritized(&self, order: &[String]) -> Result<Partitioning, Refusal> {
        let Some(config) = self.partitioning.as_ref().filter(|p| p.is_zone_aware()) else {
            return Err(Refusal::invalid(
                "Updating zone priorities requires a persisted zone-aware partition distribution config.",
            ));
        };
        let mut given: Vec<&String> = order.iter().collect();
        given.sort();
        let mut have: Vec<&String> = config.zones.iter().map(|z| &z.name).collect();
        have.sort();
        if given != have {
            // [derived] wording.
            return Err(Refusal::invalid(format!(
                "zonePriorities must list exactly the configured zones {:?}, but got {order:?}.",
                config
                    .zones
                    .iter()
                    .map(|z| z.name.as_str())
                    .collect::<Vec<_>>()
            )));
        }
        let mut priorities: Vec<i32> = config.zones.iter().map(|z| z.priority).collect();
        priorities.sort_by(|a, b| b.cmp(a));
        let mut next = config.clone();
        for z in next.zones.iter_mut() {
            if let Some(pos) = order.iter().position(|n| *n == z.name) {
                z.priority = priorities[pos];
            }
        }
        Ok(next)
    }

    /// `PUT /actuator/cluster/zones {"zone"}`: the zone's bare brokers are replaced by its
    /// zoned ones. [derived: the operation list was not captured] Each zoned broker is added,
    /// joins every partition its bare counterpart holds with the same priority (so the
    /// placement does not move), the bare replica leaves, and the bare broker is removed.
    pub fn plan_migrate_zone(&self, zone: &str) -> Result<Plan, Refusal> {
        let config = match &self.partitioning {
            Some(p) if p.is_zone_aware() => p,
            other => {
                let was = match other.as_ref().map(|p| &p.scheme) {
                    None => "not set",
                    Some(PartitioningScheme::Fixed) => "FixedConfig",
                    Some(_) => "RoundRobinConfig",
                };
                return Err(Refusal::invalid(format!(
                    "Zone migration requires a persisted zone-aware partition distribution config, but was {was}. Update the partition distribution before migrating brokers."
                )));
            }
        };
        let Some(index) = config.zones.iter().position(|z| z.name == zone) else {
            return Err(Refusal::invalid(format!(
                "Zone migration request targets unknown zone '{zone}'. Configure it first via the persisted partition distribution."
            )));
        };
        if self.migrated_zones(config).iter().any(|z| z == zone) {
            // [derived] the start of the sentence; the reference quotes "… which has
            // already been migrated."
            return Err(Refusal::invalid(format!(
                "Zone migration request targets zone '{zone}' which has already been migrated."
            )));
        }
        let n = config.zones.len();
        if let Some(next) = self.next_zone_index(config)
            && next != index
        {
            return Err(Refusal::invalid(format!(
                "Zone migration must proceed from the highest remaining zone index to the lowest. Expected next zoneIndex {next} but got {index}."
            )));
        }
        let bare = self.bare_of_zone(index, n);
        if bare.is_empty() {
            return Err(Refusal::invalid(format!(
                "No unzoned brokers map to zone '{zone}' under the persisted {n}-zone migration plan."
            )));
        }
        let z =
            Zone::new(zone).map_err(|e| Refusal::invalid(format!("Invalid zone '{zone}': {e}")))?;
        let Some(coordinator) = self.members.keys().copied().min() else {
            return Err(Refusal::invalid("the cluster has no members"));
        };
        let pairs: Vec<(BrokerId, BrokerId)> = bare
            .iter()
            .enumerate()
            .map(|(i, b)| (*b, BrokerId::zoned(z, i as u32)))
            .collect();
        let mut operations: Vec<Operation> = pairs
            .iter()
            .map(|(_, new)| op(OperationKind::BrokerAdd, *new))
            .collect();
        for p in 1..=self.settings.partitions as i32 {
            let v = voters(&self.members, p);
            for (old, new) in &pairs {
                if let Some(prio) = v.get(old) {
                    let mut join = op(OperationKind::PartitionJoin, *new);
                    join.partition_id = Some(p);
                    join.priority = Some(*prio);
                    operations.push(join);
                    let mut leave = op(OperationKind::PartitionLeave, *old);
                    leave.partition_id = Some(p);
                    operations.push(leave);
                }
            }
        }
        operations.extend(
            pairs
                .iter()
                .map(|(old, _)| op(OperationKind::BrokerRemove, *old)),
        );
        Ok(Plan {
            operations,
            coordinator,
            replication_factor: self.replication_factor,
            initialize_from: None,
        })
    }

    /// The migration's stage for `/lab/state`; `None` on a lab that is not migrating.
    pub fn migration_stage(&self) -> Option<MigrationStage> {
        if !self.migration {
            return None;
        }
        let Some(config) = self.partitioning.as_ref().filter(|p| p.is_zone_aware()) else {
            return Some(MigrationStage {
                stage: 2,
                description: "zoned StatefulSets beside the numbered brokers; no zone-aware layout persisted (next: PUT /actuator/cluster/partitioning)".into(),
                next_zone: None,
                migrated_zones: vec![],
            });
        };
        let migrated = self.migrated_zones(config);
        let next = self
            .next_zone_index(config)
            .and_then(|k| config.zones.get(k))
            .map(|z| z.name.clone());
        let (stage, description) = match (&next, migrated.is_empty()) {
            (None, _) => (5, "every zone migrated: only zoned members".to_string()),
            (Some(_), true) => (
                3,
                "zone-aware layout persisted; no zone migrated yet".to_string(),
            ),
            (Some(_), false) => (4, format!("zones migrated: {}", migrated.join(", "))),
        };
        Some(MigrationStage {
            stage,
            description,
            next_zone: next,
            migrated_zones: migrated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Camunda, Entry};
    use c8dr_api::ZoneSpec;
    use std::time::Duration;

    fn migrating() -> Sim {
        let settings = Settings {
            camunda: Camunda::V810,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        let z = [Zone::new("london").unwrap(), Zone::new("paris").unwrap()];
        Sim::new_migrating(settings, z, jiff::Timestamp::UNIX_EPOCH)
    }

    /// Runs a change as the server plans it (8.10: joins in two phases) to its end.
    fn run(sim: &mut Sim, plan: Plan) {
        let plan = sim.versioned(plan);
        sim.start_change(Entry::Gateway(0), plan, false).unwrap();
        for _ in 0..3000 {
            if sim.pending.is_none() {
                return;
            }
            let t = sim.now + Duration::from_millis(100);
            sim.tick(t);
        }
        panic!("change did not finish: {:?}", sim.pending);
    }

    fn config(replicas: i32) -> PartitioningRequest {
        PartitioningRequest {
            config: Some(Partitioning {
                scheme: PartitioningScheme::ZoneAware,
                zones: vec![
                    ZoneSpec {
                        name: "london".into(),
                        number_of_replicas: replicas,
                        priority: 100,
                    },
                    ZoneSpec {
                        name: "paris".into(),
                        number_of_replicas: replicas,
                        priority: 90,
                    },
                ],
            }),
            zone_priorities: None,
        }
    }

    #[test]
    fn a_migration_goes_secondary_zone_first_and_ends_with_only_zoned_members() {
        let mut sim = migrating();
        assert_eq!(sim.migration_stage().map(|s| s.stage), Some(2));
        assert_eq!(sim.members.len(), 8);
        assert_eq!(sim.brokers.len(), 16);
        let msg = |r: Result<Plan, Refusal>| r.unwrap_err().message;
        assert_eq!(
            msg(sim.plan_migrate_zone("paris")),
            "Zone migration requires a persisted zone-aware partition distribution config, but was not set. Update the partition distribution before migrating brokers."
        );
        assert_eq!(
            msg(sim.plan_partitioning(&config(1))),
            "Sum of zone replicas [2] must equal the current replication factor [4] before zone migration starts."
        );
        assert_eq!(
            msg(sim.plan_partitioning(&PartitioningRequest::default())),
            "Exactly one of config and zonePriorities must be set."
        );
        let plan = sim.plan_partitioning(&config(2)).unwrap();
        run(&mut sim, plan);
        assert_eq!(
            sim.migration_stage().map(|s| (s.stage, s.next_zone)),
            Some((3, Some("paris".into())))
        );
        assert_eq!(
            msg(sim.plan_migrate_zone("london")),
            "Zone migration must proceed from the highest remaining zone index to the lowest. Expected next zoneIndex 1 but got 0."
        );
        assert_eq!(
            msg(sim.plan_migrate_zone("tokyo")),
            "Zone migration request targets unknown zone 'tokyo'. Configure it first via the persisted partition distribution."
        );
        let plan = sim.plan_migrate_zone("paris").unwrap();
        assert_eq!(
            plan.coordinator,
            BrokerId::Numbered(0),
            "the primary keeps coordinating"
        );
        run(&mut sim, plan);
        let ids: Vec<String> = sim.members.keys().map(|b| b.to_string()).collect();
        assert_eq!(
            ids,
            [
                "0", "2", "4", "6", "paris_0", "paris_1", "paris_2", "paris_3"
            ]
        );
        assert_eq!(
            sim.partitions.values().filter(|rt| rt.committing).count(),
            8
        );
        assert_eq!(
            sim.migration_stage().map(|s| (s.stage, s.next_zone)),
            Some((4, Some("london".into())))
        );
        assert!(msg(sim.plan_migrate_zone("paris")).ends_with("which has already been migrated."));
        // Bare 1 → paris_0, 3 → paris_1 (ascending): paris_0 holds what broker 1 held.
        let p2 = voters(&sim.members, 2);
        assert!(
            p2.contains_key(&BrokerId::zoned(Zone::new("paris").unwrap(), 0)),
            "{p2:?}"
        );
        let plan = sim.plan_migrate_zone("london").unwrap();
        run(&mut sim, plan);
        assert!(sim.members.keys().all(|b| b.is_zoned()));
        assert_eq!(sim.members.len(), 8);
        assert_eq!(sim.replication_factor, 4);
        assert_eq!(
            sim.migration_stage().map(|s| (s.stage, s.next_zone)),
            Some((5, None))
        );
        assert_eq!(
            sim.partitions.values().filter(|rt| rt.committing).count(),
            8
        );
        // Priorities can be swapped once zoned; the leaders stay.
        let swap = PartitioningRequest {
            config: None,
            zone_priorities: Some(vec!["paris".into(), "london".into()]),
        };
        let plan = sim.plan_partitioning(&swap).unwrap();
        assert!(
            plan.operations
                .iter()
                .any(|o| o.operation == OperationKind::PartitionReconfigurePriority)
        );
        assert!(
            plan.operations.iter().all(|o| matches!(
                o.operation,
                OperationKind::PartitionReconfigurePriority | OperationKind::UpdatePartitioning
            )),
            "priorities only, no replica moves"
        );
        let leaders_before: Vec<_> = sim.partitions.values().map(|rt| rt.leader).collect();
        run(&mut sim, plan);
        assert_eq!(
            sim.partitioning
                .as_ref()
                .and_then(|p| p.zone("paris"))
                .map(|z| z.priority),
            Some(100)
        );
        let leaders_after: Vec<_> = sim.partitions.values().map(|rt| rt.leader).collect();
        assert_eq!(leaders_before, leaders_after, "no election, no move");
    }
}
