//! Preflight: the deployment checked against the documented dual-region requirements, each
//! check with the evidence it saw and the rule it applies (concept page "Requirements and
//! limitations", "Zeebe cluster configuration"; procedure §2).
//!
//! Pure: computed from the observations, the view and the clock read once. Every rule is one
//! entry of [`RULES`], a small function from the [`Facts`] to its finding. A check c8dr cannot
//! decide from what it observes is `unknown` with the reason, never a guess. The Helm values
//! the configuration lists are read once per run ([`values::load`]), as the observations are.

mod cluster;
mod setup;
mod values;
mod zones;

pub use values::HelmValues;

use crate::config::Config;
use crate::model::{ClusterView, Snapshot};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Unknown,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    pub evidence: String,
    pub rule: &'static str,
}

/// What every rule reads.
pub struct Facts<'a> {
    pub config: &'a Config,
    pub snap: &'a Snapshot,
    pub view: &'a ClusterView,
    /// The clock, read once per run (the backup's age).
    pub now: jiff::Timestamp,
    /// Each region's Helm values, as `[runbook] helm_values`/`helm_region_values` list them.
    pub values: crate::api::PerRegion<HelmValues>,
}

/// The Camunda minor version (8.x): the gateway's, else the chart's from the runbook's
/// `helm_chart_version` (chart 13 is 8.8, 14 is 8.9, 15 is 8.10).
fn camunda_minor(f: &Facts) -> Option<u32> {
    let minor = |v: &str| -> Option<u32> {
        let mut it = v.trim_start_matches('v').split('.');
        (it.next()? == "8").then_some(())?;
        it.next()?.parse().ok()
    };
    f.view
        .cluster
        .gateway_version
        .as_deref()
        .and_then(minor)
        .or_else(|| {
            let chart = f.config.runbook.helm_chart_version.as_deref()?;
            let major: u32 = chart
                .trim_start_matches('v')
                .split('.')
                .next()?
                .parse()
                .ok()?;
            (13..=20).contains(&major).then(|| major - 5)
        })
}

/// A rule's finding: its status and the evidence it saw.
type Finding = (Status, String);

fn found(status: Status, evidence: impl Into<String>) -> Finding {
    (status, evidence.into())
}

/// One documented requirement and how to check it.
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    /// The requirement in words, printed under a check that fails or warns.
    pub rule: &'static str,
    judge: fn(&Facts) -> Finding,
}

impl Rule {
    pub fn check(&self, facts: &Facts) -> Check {
        let (status, evidence) = (self.judge)(facts);
        Check {
            id: self.id,
            title: self.title,
            status,
            evidence,
            rule: self.rule,
        }
    }
}

/// Every rule, in the order `c8dr preflight` lists them.
pub const RULES: &[Rule] = &[
    cluster::SIZES,
    cluster::PLACEMENT,
    cluster::BROKER_REGIONS,
    cluster::EXPORTERS,
    cluster::CROSS_REGION,
    cluster::ELASTICSEARCH,
    cluster::VERSIONS,
    setup::CONTEXTS,
    cluster::LATENCY,
    cluster::PORTS,
    setup::EXPORTER_TARGETS,
    setup::CONTACT_POINTS,
    setup::ELASTICSEARCH_VERSION,
    setup::POD_RANGES,
    setup::UNSUPPORTED_COMPONENTS,
    setup::BACKUP,
    setup::SNAPSHOT_REPOSITORY,
    cluster::FAILBACK_READY,
    zones::ZONES,
    zones::ZONE_PRIORITIES,
    zones::ZONE_MIGRATION,
    zones::MULTIREGION_DEPRECATED,
    zones::TRAFFIC_MODE,
];

/// Runs every check.
pub fn run(config: &Config, snap: &Snapshot, v: &ClusterView) -> Vec<Check> {
    let facts = Facts {
        config,
        snap,
        view: v,
        now: jiff::Timestamp::now(),
        values: values::load(config),
    };
    RULES.iter().map(|r| r.check(&facts)).collect()
}

/// Exit code: 2 when a check fails, 1 when one warns, else 0; unknowns count only with
/// `strict` (as warnings).
pub fn exit_code(checks: &[Check], strict: bool) -> i32 {
    let worst = checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Pass);
    match worst {
        Status::Fail => 2,
        Status::Warn => 1,
        Status::Unknown if strict => 1,
        _ => 0,
    }
}

/// The human table.
pub fn table(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let word = match c.status {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
        };
        s.push_str(&format!("{word:<8} {:<45} {}\n", c.title, c.evidence));
        if matches!(c.status, Status::Fail | Status::Warn) {
            s.push_str(&format!("{:<8} rule: {}\n", "", c.rule));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_own_id() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                RULES[i + 1..].iter().all(|o| o.id != r.id),
                "{} listed twice",
                r.id
            );
        }
    }
}
