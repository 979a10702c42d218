//! Guided failover and failback (issue 7), pure: the procedures as data ([`plan`]), how a run
//! is set up from the configuration and a fresh view ([`setup`]), their checks and guards
//! ([`check`], with the Kubernetes objects' in [`check_kube`] and the zone-aware ones in [`check_zones`]), the engine that walks them ([`engine`]), the one gate every mutating call
//! passes ([`gate`], which owns the executor and the ledger), the audit entries ([`audit`])
//! and the journal records resume stands on ([`journal`]), what a wait reads again ([`needs`]), what answers mean ([`answer`]),
//! and the text views ([`render`]). Their I/O is `crate::act`, including the executor over the
//! real clients (`crate::act::live`).

pub mod answer;
pub mod audit;
pub mod blocker;
pub mod check;
pub mod check_kube;
pub mod check_zones;
pub mod engine;
pub mod gate;
pub mod journal;
pub mod needs;
pub mod plan;
pub mod render;
pub mod setup;
