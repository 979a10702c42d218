//! The drill menu's seam: the cockpit lists and performs drills through this trait, so the TUI
//! never names a simulator or its control API. `c8dr demo` injects the lab's drills.

use std::future::Future;
use std::pin::Pin;

/// What a drill did, in words for the footer and the event list.
pub type Outcome = Pin<Box<dyn Future<Output = String> + Send>>;

/// A list of drills the operator can trigger from the `d` menu.
pub trait Drills: Send + Sync {
    /// The menu's labels, in order.
    fn labels(&self) -> Vec<String>;
    /// Performs the drill at `index` (an index into `labels`).
    fn perform(&self, index: usize) -> Outcome;
    /// The drill that fits what `view` shows and the step a run in progress is at (the menu
    /// opens on it); `None`: the first.
    fn suggest(
        &self,
        _view: &crate::model::ClusterView,
        _run: Option<&crate::runbook::engine::RunState>,
    ) -> Option<usize> {
        None
    }
}
