//! Pure: merges observations into a [`ClusterView`] and derives the facts the cockpit shows and
//! the runbooks decide on (quorum, processing, exporters, traffic, verdict, events).

pub mod derive;
pub mod events;
pub mod input;
pub mod mark;
pub mod run_lease;
pub mod verdict;
pub mod view;
pub mod words;

pub use derive::derive;
pub use input::{ModelConfig, Obs, PodInfo, RegionObservations, Snapshot, Source};
pub use mark::{ReplicaMark, replica_mark};
pub use view::*;
pub use words::*;

/// What unit tests of the views build on.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::api::{PerRegion, Region};
    use std::time::Duration;

    /// london and paris, active-passive, no DNS and no Kubernetes.
    pub(crate) fn model_config() -> ModelConfig {
        let names = PerRegion(["london".to_string(), "paris".to_string()]);
        ModelConfig {
            name: "t".into(),
            zones: crate::api::ZoneMap::from_names(&names),
            region_names: names,
            primary: Region::ZERO,
            active_active: false,
            traffic_addresses: PerRegion([vec![], vec![]]),
            dns_configured: false,
            kube: PerRegion([None, None]),
            stale_after: Duration::from_secs(5),
            stale_after_slow: Duration::from_secs(12),
            exporter_still_after: Duration::ZERO,
        }
    }

    /// The view of no observations at all, at the epoch: tests set what they look at.
    pub(crate) fn empty_view() -> ClusterView {
        derive(
            &Snapshot::default(),
            &model_config(),
            jiff::Timestamp::UNIX_EPOCH,
            None,
        )
    }
}
