//! What one broker's replica of one partition is, in one derivation for every place that
//! draws it (the partition matrix and the broker rows of the region panes): a broker is shown
//! as the leader that can commit only when the partition's own view says so — a broker that
//! reports leadership of a partition without quorum is a leader that cannot commit.

use super::view::PartitionView;
use crate::api::BrokerId;

/// A broker's replica of a partition, as the dashboard marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaMark {
    /// The leader within a majority: it can commit.
    Leader,
    /// Reports leadership, but the partition has no quorum (or none is known): cannot commit.
    LeaderWithoutQuorum,
    Follower,
    /// A configured replica that is not live.
    Missing,
    /// The broker holds no replica of the partition.
    None,
}

/// Broker `b`'s replica of partition `p`.
pub fn replica_mark(p: &PartitionView, b: BrokerId) -> ReplicaMark {
    let configured =
        p.replicas.contains(&b) || (p.replicas.is_empty() && p.live_replicas.contains(&b));
    if !configured {
        ReplicaMark::None
    } else if !p.live_replicas.contains(&b) {
        ReplicaMark::Missing
    } else if p.leader == Some(b) {
        ReplicaMark::Leader
    } else if p.reported_leaders.contains(&b) {
        ReplicaMark::LeaderWithoutQuorum
    } else {
        ReplicaMark::Follower
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReplicaHealth;

    fn partition(leader: Option<i32>, reported: &[i32], live: &[i32]) -> PartitionView {
        PartitionView {
            id: 1,
            leader: leader.map(BrokerId::Numbered),
            reported_leaders: reported.iter().copied().map(BrokerId::Numbered).collect(),
            replicas: [0, 1, 2, 3].map(BrokerId::Numbered).to_vec(),
            replica_count: 4,
            live_replicas: live.iter().copied().map(BrokerId::Numbered).collect(),
            has_quorum: Some(leader.is_some()),
            spare: None,
            health: ReplicaHealth::Healthy,
        }
    }

    #[test]
    fn a_leader_without_quorum_is_never_the_leader_that_commits() {
        let lost = partition(None, &[0], &[0, 2]);
        assert_eq!(
            replica_mark(&lost, BrokerId::Numbered(0)),
            ReplicaMark::LeaderWithoutQuorum
        );
        assert_eq!(
            replica_mark(&lost, BrokerId::Numbered(2)),
            ReplicaMark::Follower
        );
        assert_eq!(
            replica_mark(&lost, BrokerId::Numbered(1)),
            ReplicaMark::Missing
        );
        assert_eq!(
            replica_mark(&lost, BrokerId::Numbered(5)),
            ReplicaMark::None
        );
        let healthy = partition(Some(0), &[0], &[0, 1, 2, 3]);
        assert_eq!(
            replica_mark(&healthy, BrokerId::Numbered(0)),
            ReplicaMark::Leader
        );
    }
}
