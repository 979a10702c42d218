//! The lab playing the operator for rehearsals without a person (tests, benches): it approves
//! every step (typing the region's name for force), and when a manual step starts waiting it
//! does what an operator does outside c8dr — the Helm installs and upgrades, the DNS change —
//! through the lab's control API, and what an operator does with kubectl through the lab's
//! Kubernetes API as kubectl would: `kubectl set env` on the broker StatefulSet (a
//! strategic-merge PATCH) and `sync_elasticsearch_passwords.sh` (read each region's ECK
//! secret, write its copies into both namespaces). Failures are answered from a script (abort
//! when empty).
//!
//! A manual action is a control path (`/lab/...`, POSTed), `kube/<region>/env/<NAME>=<value>`
//! or `kube/<region>/env/<NAME>-` (set or remove a broker env entry), or
//! `kube/sync-es-passwords`.

use crate::runbook::engine::{Operator, Preview, Recovery, RunState};
use crate::runbook::gate::{Confirmation, Decision, Identity};
use crate::runbook::journal::StepState;
use crate::runbook::plan::Step;
use std::collections::{BTreeMap, BTreeSet};

use super::operator_kubectl as kubectl;

pub struct LabOperator {
    control: String,
    region_name: String,
    /// Step key → control API paths to POST when that step waits for the operator.
    on_manual: BTreeMap<String, Vec<String>>,
    fired: BTreeSet<String>,
    recoveries: Vec<Recovery>,
    /// The failures seen: step key, reason, whether a guard refused.
    pub failures: Vec<(String, String, bool)>,
    /// Each region's Kubernetes API and namespace, for the kubectl-like actions.
    kube: Vec<(String, String)>,
}

impl LabOperator {
    /// `control` is the lab's control URL; `region_name` the lost or recreated region's name.
    pub fn new(control: &str, region_name: &str) -> LabOperator {
        LabOperator {
            control: control.trim_end_matches('/').to_string(),
            region_name: region_name.to_string(),
            on_manual: BTreeMap::new(),
            fired: BTreeSet::new(),
            recoveries: vec![],
            failures: vec![],
            kube: vec![],
        }
    }

    /// The regions' Kubernetes API servers and namespaces, in region order.
    pub fn kube(mut self, apis: Vec<(String, String)>) -> LabOperator {
        self.kube = apis;
        self
    }

    /// When step `key` waits for the operator, POST these control paths (in order).
    pub fn on_manual(mut self, key: &str, paths: &[&str]) -> LabOperator {
        self.on_manual.insert(
            key.to_string(),
            paths.iter().map(|p| p.to_string()).collect(),
        );
        self
    }

    /// Answers to failed steps, in order.
    pub fn recoveries(mut self, r: Vec<Recovery>) -> LabOperator {
        self.recoveries = r;
        self
    }

    /// The gate's identity for a run the lab operates: nobody is asked.
    pub fn identity() -> Identity {
        Identity::unattended(crate::act::session::user(), "lab operator")
    }
}

impl Operator for LabOperator {
    fn update(&mut self, state: &RunState) {
        for (step, p) in state.steps.iter().zip(&state.progress) {
            if p.state == StepState::Manual
                && !self.fired.contains(&step.key)
                && let Some(paths) = self.on_manual.get(&step.key).cloned()
            {
                self.fired.insert(step.key.clone());
                let control = self.control.clone();
                let kube = self.kube.clone();
                tokio::spawn(async move {
                    let http = reqwest::Client::new();
                    for path in paths {
                        let done = match path.strip_prefix("kube/") {
                            Some(act) => kubectl::perform(&http, &kube, act).await,
                            None => http
                                .post(format!("{control}{path}"))
                                .send()
                                .await
                                .map(|_| ())
                                .map_err(|e| e.to_string()),
                        };
                        if let Err(e) = done {
                            tracing::warn!("lab operator: {path}: {e}");
                        }
                    }
                });
            }
        }
    }

    async fn confirm(
        &mut self,
        _step: &Step,
        needs: &Confirmation,
        _preview: &Preview,
    ) -> Decision {
        // The name it was given, not the one asked for: a run started for the wrong region
        // is refused by the gate, as it would be for a person.
        let typed = match needs {
            Confirmation::ConfirmManualStep => None,
            _ => Some(self.region_name.clone()),
        };
        Decision::Approve { typed }
    }

    async fn on_failure(&mut self, step: &Step, why: &str, refused: bool) -> Recovery {
        self.failures
            .push((step.key.clone(), why.to_string(), refused));
        if self.recoveries.is_empty() {
            Recovery::Abort
        } else {
            self.recoveries.remove(0)
        }
    }
}
