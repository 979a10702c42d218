//! A `c8dr failover|failback` run observes too: every time its executor reads the facts, the
//! verdict and the events of that view go to the history, as the cockpit's do, so a run
//! started without a cockpit still leaves a record of what it saw. A wrapper around the
//! executor: the calls themselves pass through untouched.

use super::history_file::History;
use crate::api::Region;
use crate::model::ClusterView;
use crate::runbook::answer::{Answer, SendError};
use crate::runbook::check::Facts;
use crate::runbook::gate::{Approved, Executor};
use crate::runbook::plan::{Request, Scale};

/// `inner`, its facts recorded in `history`.
pub struct Recording<E> {
    inner: E,
    history: Option<History>,
    last: Option<ClusterView>,
}

impl<E: Executor> Recording<E> {
    /// Records into `history` (none: records nothing).
    pub fn new(inner: E, history: Option<History>) -> Recording<E> {
        Recording {
            inner,
            history,
            last: None,
        }
    }
}

impl<E: Executor> Executor for Recording<E> {
    async fn facts(&mut self) -> Facts {
        let facts = self.inner.facts().await;
        if let Some(h) = &mut self.history {
            let events = match &self.last {
                Some(before) => crate::model::events::diff(before, &facts.view),
                None => vec![],
            };
            h.observe(&facts.view, &events);
            self.last = Some(facts.view.clone());
        }
        facts
    }

    async fn send(&mut self, req: &Request, approved: &Approved) -> Result<Answer, SendError> {
        self.inner.send(req, approved).await
    }

    async fn scale(&mut self, s: &Scale, approved: &Approved) -> Result<(), String> {
        self.inner.scale(s, approved).await
    }

    async fn delete_pod(
        &mut self,
        region: Region,
        pod: &str,
        approved: &Approved,
    ) -> Result<(), String> {
        self.inner.delete_pod(region, pod, approved).await
    }

    fn target(&self, req: &Request) -> String {
        self.inner.target(req)
    }
}
