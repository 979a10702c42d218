//! Run sessions: who runs them, their ids, the state directory's journals and audit trail, a
//! new run prepared from a fresh read of the deployment, and a journaled run reopened to
//! continue it.

use super::audit::Audit;
use super::journal::{self, Journal};
use crate::act::live::Live;
use crate::api::Region;
use crate::config::Config;
use crate::runbook::check::Facts;
use crate::runbook::gate::{Executor, Identity};
use crate::runbook::journal::{Basis, Replay};
use crate::runbook::plan::{self, Inputs, Procedure, Step};
use crate::runbook::setup;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};

/// Who ran c8dr: `C8DR_OPERATOR` (for shared bastion accounts, where the login says
/// little), else the login name as the shell knows it.
pub fn user() -> String {
    ["C8DR_OPERATOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The identity of a run started here: the person at the keyboard, or `by` approving in their
/// stead (`--yes`).
pub fn identity(unattended: Option<&str>) -> Identity {
    match unattended {
        Some(by) => Identity::unattended(user(), by),
        None => Identity::person(user()),
    }
}

/// A run id: procedure, region and UTC start, e.g. `failover-r1-20261127t150301`. Lowercase,
/// because the failback snapshot is named after it and Elasticsearch names are lowercase.
pub fn run_id(p: Procedure, region: Region) -> String {
    let now = jiff::Timestamp::now().strftime("%Y%m%dt%H%M%S").to_string();
    format!("{}-r{region}-{now}", p.name())
}

/// A run id not yet journaled in `dir` (two runs within a second get a suffix). A run that
/// took the same id first holds the lock, or has created its journal, which is never
/// overwritten.
pub fn fresh_run_id(dir: &std::path::Path, p: Procedure, region: Region) -> String {
    let base = run_id(p, region);
    let mut run = base.clone();
    let mut n = 1;
    while dir.join(format!("{run}.jsonl")).exists() {
        n += 1;
        run = format!("{base}-{n}");
    }
    run
}

/// Connects, reads the facts once and builds the plan; a failback looks for its zone's
/// record in the state directory's journals.
pub async fn prepare(
    config: &Config,
    procedure: Procedure,
    region: Region,
    run: &str,
    basis: Option<&Basis>,
) -> Result<(Live, Facts, Inputs, Vec<Step>)> {
    let runs = journal::runs_dir();
    prepare_in(config, procedure, region, run, basis, runs.as_deref()).await
}

/// [`prepare`], with the journals in `runs` (where a zone-aware failover recorded its zone).
pub async fn prepare_in(
    config: &Config,
    procedure: Procedure,
    region: Region,
    run: &str,
    basis: Option<&Basis>,
    runs: Option<&std::path::Path>,
) -> Result<(Live, Facts, Inputs, Vec<Step>)> {
    let snapshot = basis
        .map(|b| b.snapshot.clone())
        .unwrap_or_else(|| run.to_string());
    let needs = (procedure == Procedure::Failback).then_some(snapshot.as_str());
    let mut live = Live::connect(config, needs).await?;
    let facts = live.facts().await;
    let recorded = runs
        .filter(|_| procedure == Procedure::Failback)
        .and_then(|dir| journal::recorded_zone(dir, region));
    let inputs = setup::inputs(
        config,
        &facts.view,
        procedure,
        region,
        run,
        basis,
        recorded.as_ref(),
    )
    .map_err(|e| eyre!(e))?;
    let steps = plan::build(&inputs);
    Ok((live, facts, inputs, steps))
}

/// A journaled run reopened to continue it.
pub struct Reopened {
    pub path: std::path::PathBuf,
    pub journal: Journal,
    pub replay: Replay,
    pub procedure: Procedure,
    pub region: Region,
    pub basis: Option<Basis>,
}

/// Reopens run `run` in `dir` (torn tail cut) and reads what it was started for.
pub fn reopen(dir: &std::path::Path, run: &str) -> Result<Reopened> {
    if run.is_empty() || run.contains(['/', '\\']) {
        bail!("{run:?} is not a run id (see c8dr journal)");
    }
    let path = dir.join(format!("{run}.jsonl"));
    let (journal, replay) = Journal::reopen(&path).map_err(|e| eyre!("{e}"))?;
    let Some((name, region, _, basis)) = replay.started() else {
        bail!("{}: no run_started record", path.display());
    };
    let Some(procedure) = Procedure::parse(name) else {
        bail!("{}: unknown procedure {name:?}", path.display());
    };
    let basis = basis.cloned();
    Ok(Reopened {
        path,
        journal,
        replay,
        procedure,
        region,
        basis,
    })
}

/// Where journals and the audit trail go.
pub fn books() -> Result<(std::path::PathBuf, Audit)> {
    let Some(dir) = journal::runs_dir() else {
        bail!("no state directory: neither XDG_STATE_HOME nor HOME is set");
    };
    let Some(audit) = super::audit::audit_path() else {
        bail!("no state directory for the audit trail");
    };
    let audit = Audit::open(&audit).wrap_err_with(|| format!("opening {}", audit.display()))?;
    Ok((dir, audit))
}
