//! Who can commit: quorum and leadership derived from replicas and reachability.
//!
//! A partition commits only while the replicas that can talk to each other reach a majority
//! of its configured replicas. A healthy leader keeps its leadership (Raft does not depose
//! it); otherwise the highest-priority replica of the majority group is elected. Without a
//! majority nobody commits, yet a leader that is still alive goes on *reporting* leadership,
//! which is what real gateways show after a region loss.

use c8dr_api::BrokerId;
use std::collections::BTreeMap;

/// The outcome for one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    /// The broker that can commit, if any.
    pub committing_leader: Option<BrokerId>,
    /// Replicas that are alive and in the majority group (or all alive ones without majority).
    pub live: Vec<BrokerId>,
}

/// Elects for a partition with `voters` (broker → priority). `group_of` returns the
/// connectivity group of a live broker (None when unreachable); `current` is the leader so far.
pub fn elect(
    voters: &BTreeMap<BrokerId, i32>,
    group_of: impl Fn(BrokerId) -> Option<u8>,
    current: Option<BrokerId>,
) -> Election {
    let mut groups: BTreeMap<u8, Vec<BrokerId>> = BTreeMap::new();
    for b in voters.keys() {
        if let Some(g) = group_of(*b) {
            groups.entry(g).or_default().push(*b);
        }
    }
    let majority = voters.len() / 2 + 1;
    let quorum_group = groups
        .values()
        .find(|g| g.len() >= majority && !voters.is_empty());
    match quorum_group {
        Some(group) => {
            let leader = match current {
                Some(c) if group.contains(&c) => c,
                _ => *group
                    .iter()
                    .max_by_key(|b| (voters.get(b).copied().unwrap_or(0), std::cmp::Reverse(**b)))
                    .unwrap_or(&group[0]),
            };
            Election {
                committing_leader: Some(leader),
                live: group.clone(),
            }
        }
        None => Election {
            committing_leader: None,
            live: groups.into_values().flatten().collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voters(v: &[(i32, i32)]) -> BTreeMap<BrokerId, i32> {
        v.iter()
            .map(|(b, p)| (BrokerId::Numbered(*b), *p))
            .collect()
    }

    #[test]
    fn two_of_four_is_not_a_quorum() {
        let v = voters(&[(0, 4), (1, 3), (2, 2), (3, 1)]);
        let e = elect(
            &v,
            |b| (crate::sim::parity(b) == 0).then_some(0),
            Some(BrokerId::Numbered(0)),
        );
        assert_eq!(e.committing_leader, None);
        assert_eq!(e.live, vec![BrokerId::Numbered(0), BrokerId::Numbered(2)]);
    }

    #[test]
    fn a_split_leaves_both_halves_without_quorum() {
        let v = voters(&[(0, 4), (1, 3), (2, 2), (3, 1)]);
        let e = elect(&v, |b| Some(crate::sim::parity(b)), None);
        assert_eq!(e.committing_leader, None);
    }

    #[test]
    fn highest_priority_wins_and_a_healthy_leader_stays() {
        let v = voters(&[(0, 1), (2, 3), (4, 2)]);
        assert_eq!(
            elect(&v, |_| Some(0), None).committing_leader,
            Some(BrokerId::Numbered(2))
        );
        assert_eq!(
            elect(&v, |_| Some(0), Some(BrokerId::Numbered(4))).committing_leader,
            Some(BrokerId::Numbered(4))
        );
        // Two replicas after a force removal: both alive is a quorum of 2.
        let v = voters(&[(0, 3), (2, 1)]);
        assert_eq!(
            elect(&v, |_| Some(0), None).committing_leader,
            Some(BrokerId::Numbered(0))
        );
    }
}
