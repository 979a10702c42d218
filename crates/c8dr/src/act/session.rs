//! Run sessions: who runs them, their ids, the state directory's journals and audit trail, a
//! new run prepared from a fresh read of the deployment, and a journaled run reopened to
//! continue it.

use super::audit::Audit;
use super::journal::{self, Journal};
use super::lease;
use crate::act::live::Live;
use crate::api::Region;
use crate::config::Config;
use crate::runbook::audit::Entry;
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
        .or_else(login_of_this_process)
        .unwrap_or_else(|| "unknown".into())
}

/// The login of this process's user from `/etc/passwd`, where the environment names nobody
/// (a container, a cron job, `env -i`): the audit trail and the run lease then still say who.
#[cfg(unix)]
fn login_of_this_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    login_of(&passwd, uid)
}

#[cfg(not(unix))]
fn login_of_this_process() -> Option<String> {
    None
}

/// The name of `uid` in a passwd file's text (`name:x:uid:…`).
fn login_of(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| crate::text::clean(name))
    })
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

/// The run's claim on the cluster: the run lease when the surviving region has a Kubernetes
/// context, else only this machine's run lock (and a warning saying so).
pub struct RunClaim {
    pub keeper: Option<lease::Keeper>,
    /// What the operator must know about the claim (printed, shown in the pane).
    pub warning: Option<String>,
    publish: tokio::sync::watch::Sender<lease::Published>,
    audit: Option<std::path::PathBuf>,
    user: String,
    run: String,
    home: Region,
}

/// Takes the run lease for run `run` of `procedure` for `region` (in the other, surviving
/// region's namespace), or says why not: another run holds it (named), or its lease expired
/// and `typed` is not the region's name. `without_lease` (a flag the person gave) runs on the
/// local lock alone. Taking, taking over and refusals are audited. From here on the executor
/// sends nothing while the lease is not provably held.
pub async fn claim(
    live: &mut Live,
    claim: &lease::Claim,
    typed: Option<&str>,
    without_lease: bool,
    audit: &mut Audit,
    user: &str,
) -> Result<RunClaim> {
    let home = claim.region.other();
    let kubes = live.kubes();
    let (publish, _) = tokio::sync::watch::channel(lease::Published::default());
    let mut out = RunClaim {
        keeper: None,
        warning: None,
        publish,
        audit: Some(audit.path().to_path_buf()),
        user: user.to_string(),
        run: claim.run.clone(),
        home,
    };
    let entry = |outcome: &str, detail: String| {
        let mut e = Entry::new(user, &claim.run, "lease", home, "lease", outcome);
        e.target = Some(format!("leases/{}", crate::model::run_lease::NAME));
        e.detail = Some(detail);
        e
    };
    if without_lease || kubes[home].is_none() {
        let why = if without_lease {
            "--without-lease".to_string()
        } else {
            format!("no Kubernetes context for region{home}")
        };
        out.warning = Some(format!(
            "{why}: no run lease in the cluster; only this machine's run lock guards the run, and other machines cannot see it"
        ));
        audit
            .append(&entry("local", why))
            .wrap_err("writing the audit trail")?;
        return Ok(out);
    }
    match lease::take(&kubes, home, claim, typed, live.timeout()).await {
        Ok(keeper) => {
            let (outcome, mut detail) = match &keeper.took_over {
                Some(old) => ("taken over", format!("{}; took over: {old}", keeper.place)),
                None => ("taken", keeper.place.clone()),
            };
            if let Some(u) = &keeper.unseen {
                detail.push_str(&format!("; {u}"));
                out.warning = Some(u.clone());
            }
            audit
                .append(&entry(outcome, detail))
                .wrap_err("writing the audit trail")?;
            live.hold_lease(keeper.guard());
            out.publish = keeper.publisher();
            out.keeper = Some(keeper);
            Ok(out)
        }
        Err(e) => {
            let _ = audit.append(&entry("refused", e.to_string()));
            Err(eyre!(e))
        }
    }
}

impl RunClaim {
    /// Where the operator's progress goes (a sink without a lease).
    pub fn publisher(&self) -> tokio::sync::watch::Sender<lease::Published> {
        self.publish.clone()
    }

    /// Releases the lease with how the run ended (`stopped` when it did not end), audited.
    /// An error is for the operator: the lease then expires on its own.
    pub async fn release(self, state: &crate::runbook::engine::RunState) -> Option<String> {
        let keeper = self.keeper?;
        let mut last = lease::Published::of(state);
        if state.outcome.is_none() {
            last.state = "stopped".into();
        }
        let result = keeper
            .release(last, std::time::Duration::from_secs(10))
            .await;
        if let Some(path) = &self.audit
            && let Ok(mut audit) = Audit::open(path)
        {
            let mut e = Entry::new(
                &self.user,
                &self.run,
                "lease",
                self.home,
                "lease",
                if result.is_ok() { "released" } else { "failed" },
            );
            e.target = Some(format!("leases/{}", crate::model::run_lease::NAME));
            e.detail = result.as_ref().err().cloned();
            let _ = audit.append(&e);
        }
        result.err()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uid_is_named_from_the_passwd_file() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        assert_eq!(login_of(passwd, 1000).as_deref(), Some("alice"));
        assert_eq!(login_of(passwd, 0).as_deref(), Some("root"));
        assert_eq!(login_of(passwd, 7), None);
    }
}
