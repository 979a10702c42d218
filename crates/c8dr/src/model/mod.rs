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
