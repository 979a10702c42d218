//! Where replicas go: Zeebe's round-robin distribution with Raft priorities.
//!
//! Partition `p` (1-based) gets replicas on the brokers at positions `(p-1+k) mod N`
//! (`k = 0..RF`) of the sorted member list, with priority `RF-k`, so the first replica is the
//! preferred leader (as in `examples/actuator-cluster-get-pending-change-8.5-doc.json`). With
//! even ids in region 0 and odd ids in region 1 this puts two of four replicas in each region.
//! The scaling APIs always redistribute round-robin, so planned changes use this too.

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
}
