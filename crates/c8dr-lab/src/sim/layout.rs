//! Where replicas go: Zeebe's round-robin distribution with Raft priorities.
//!
//! Partition `p` (1-based) gets replicas on the brokers at positions `(p-1+k) mod N`
//! (`k = 0..RF`) of the sorted member list, with priority `RF-k`, so the first replica is the
//! preferred leader (as in `examples/actuator-cluster-get-pending-change-8.5-doc.json`). With
//! even ids in region 0 and odd ids in region 1 this puts two of four replicas in each region.
//! The scaling APIs always redistribute round-robin, so planned changes use this too.
//!
//! A zone-aware cluster (8.10) distributes per zone instead ([`zone_aware`]).

use c8dr_api::BrokerId;
use std::collections::BTreeMap;

/// Replicas of one partition: broker → priority.
pub type Replicas = BTreeMap<BrokerId, i32>;

/// The round-robin layout of `partitions` partitions over `members` with `rf` replicas each.
pub fn round_robin(members: &[BrokerId], partitions: u32, rf: u32) -> BTreeMap<i32, Replicas> {
    let mut sorted = members.to_vec();
    sorted.sort();
    sorted.dedup();
    let n = sorted.len();
    let mut layout = BTreeMap::new();
    if n == 0 {
        return layout;
    }
    let rf = (rf as usize).min(n);
    for p in 1..=partitions as usize {
        let mut replicas = Replicas::new();
        for k in 0..rf {
            let broker = sorted[(p - 1 + k) % n];
            replicas.insert(broker, (rf - k) as i32);
        }
        layout.insert(p as i32, replicas);
    }
    layout
}

/// One zone of a zone-aware layout: its brokers, replicas per partition and priority.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneInput {
    pub brokers: Vec<BrokerId>,
    pub replicas: u32,
    pub priority: i32,
}

/// The zone-aware layout (camunda/camunda#51587, PR #52268; zone-aware-dual-region.md §4.3):
/// every partition gets `replicas` replicas from each zone, placed round-robin *within* the
/// zone (partition `p` starts at the zone's broker `(p-1) mod n`), and Raft priorities count
/// down from RF across the zones in priority order, so the highest-priority zone's replicas
/// rank highest and leaders prefer that zone.
pub fn zone_aware(zones: &[ZoneInput], partitions: u32) -> BTreeMap<i32, Replicas> {
    let mut ordered: Vec<(usize, &ZoneInput)> = zones.iter().enumerate().collect();
    // Highest priority first; equal priorities keep their configured order.
    ordered.sort_by_key(|(i, z)| (std::cmp::Reverse(z.priority), *i));
    let sorted: Vec<(Vec<BrokerId>, usize)> = ordered
        .iter()
        .map(|(_, z)| {
            let mut b = z.brokers.clone();
            b.sort();
            b.dedup();
            let r = (z.replicas as usize).min(b.len());
            (b, r)
        })
        .collect();
    let rf: usize = sorted.iter().map(|(_, r)| r).sum();
    let mut layout = BTreeMap::new();
    for p in 1..=partitions as usize {
        let mut replicas = Replicas::new();
        let mut priority = rf as i32;
        for (brokers, r) in &sorted {
            for k in 0..*r {
                replicas.insert(brokers[(p - 1 + k) % brokers.len()], priority);
                priority -= 1;
            }
        }
        layout.insert(p as i32, replicas);
    }
    layout
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[i32]) -> Vec<BrokerId> {
        v.iter().copied().map(BrokerId::Numbered).collect()
    }

    #[test]
    fn eight_brokers_rf4_puts_two_replicas_in_each_region() {
        let layout = round_robin(&ids(&[0, 1, 2, 3, 4, 5, 6, 7]), 8, 4);
        for (p, replicas) in &layout {
            let even = replicas
                .keys()
                .filter(|b| crate::sim::parity(**b) == 0)
                .count();
            assert_eq!(even, 2, "partition {p}: {replicas:?}");
        }
        let p8 = &layout[&8];
        assert_eq!(p8[&BrokerId::Numbered(7)], 4);
        assert_eq!(p8[&BrokerId::Numbered(2)], 1);
    }

    #[test]
    fn matches_the_documented_three_broker_priorities() {
        // examples/actuator-cluster-get-pending-change-8.5-doc.json, partitions 1 and 2.
        let layout = round_robin(&ids(&[0, 1, 2]), 6, 3);
        assert_eq!(
            layout[&1],
            BTreeMap::from([
                (BrokerId::Numbered(0), 3),
                (BrokerId::Numbered(1), 2),
                (BrokerId::Numbered(2), 1)
            ])
        );
        assert_eq!(
            layout[&2],
            BTreeMap::from([
                (BrokerId::Numbered(1), 3),
                (BrokerId::Numbered(2), 2),
                (BrokerId::Numbered(0), 1)
            ])
        );
    }

    fn zone(name: &str, n: u32, replicas: u32, priority: i32) -> ZoneInput {
        let z = c8dr_api::Zone::new(name).unwrap();
        ZoneInput {
            brokers: BrokerId::of_zone(z, n).collect(),
            replicas,
            priority,
        }
    }

    #[test]
    fn zone_aware_puts_each_zones_replicas_in_it_and_ranks_the_preferred_zone_first() {
        // Listed with the lower-priority zone first: priority decides, not the order.
        let zones = [zone("paris", 4, 2, 500), zone("london", 4, 2, 1000)];
        let layout = zone_aware(&zones, 8);
        for (p, replicas) in &layout {
            let (mut london, mut paris): (Vec<_>, Vec<_>) = replicas
                .iter()
                .partition(|(b, _)| b.zone().map(|z| z.as_str()) == Some("london"));
            london.sort_by_key(|(_, prio)| -**prio);
            paris.sort_by_key(|(_, prio)| -**prio);
            assert_eq!((london.len(), paris.len()), (2, 2), "partition {p}");
            let prios: Vec<i32> = london.iter().chain(&paris).map(|(_, p)| **p).collect();
            assert_eq!(prios, vec![4, 3, 2, 1], "partition {p}: {replicas:?}");
        }
        // Round-robin within the zone: partition 2 starts at each zone's broker 1.
        let p2: Vec<String> = layout[&2]
            .iter()
            .filter(|(_, prio)| **prio == 4 || **prio == 2)
            .map(|(b, _)| b.to_string())
            .collect();
        assert_eq!(p2, vec!["london_1", "paris_1"]);
        let p4 = &layout[&4];
        assert_eq!(
            p4.keys().map(|b| b.to_string()).collect::<Vec<_>>(),
            vec!["london_0", "london_3", "paris_0", "paris_3"]
        );
    }

    #[test]
    fn a_single_zone_layout_is_round_robin_within_it() {
        let layout = zone_aware(&[zone("london", 4, 2, 1000)], 4);
        assert_eq!(layout[&1].values().copied().collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(layout[&4].len(), 2);
    }
}
