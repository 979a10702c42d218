//! Setting a run up: which region (id or configured name), which version was detected (8.5
//! refused with the reason), the broker ids derived from the observed topology, the plan, the
//! journal and the audit trail; and the terminal operator of `c8dr failover|failback`.

use super::audit::{Audit, audit_path};
use super::check::Facts;
use super::engine::{Executor, Operator, Preview, Recovery, RunState, Runner, Settings};
use super::gate::Decision;
use super::journal::{self, Basis, Journal, StepState};
use super::live::Live;
use super::plan::{self, Inputs, Procedure, Step};
use crate::config::Config;
use crate::model::{ClusterView, Family};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::io::Write;

/// `0`, `1`, `region1` or the region's configured name.
pub fn parse_region(config: &Config, s: &str) -> Result<u8, String> {
    let t = s.trim();
    match t {
        "0" | "region0" => return Ok(0),
        "1" | "region1" => return Ok(1),
        _ => {}
    }
    config
        .regions
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(t))
        .map(|r| r.id)
        .ok_or_else(|| {
            format!(
                "no region {t:?}: use 0, 1, {} or {}",
                config.regions.first().map_or("", |r| r.name.as_str()),
                config.regions.get(1).map_or("", |r| r.name.as_str())
            )
        })
}

/// A run id: procedure, region and UTC start, e.g. `failover-r1-20261127t150301`. Lowercase,
/// because the failback snapshot is named after it and Elasticsearch names are lowercase.
pub fn run_id(p: Procedure, region: u8) -> String {
    let now = jiff::Timestamp::now().strftime("%Y%m%dt%H%M%S").to_string();
    format!("{}-r{region}-{now}", p.name())
}

/// A run id not yet journaled in `dir` (two runs within a second get a suffix). A run that
/// took the same id first holds the lock, or has created its journal, which is never
/// overwritten.
pub fn fresh_run_id(dir: &std::path::Path, p: Procedure, region: u8) -> String {
    let base = run_id(p, region);
    let mut run = base.clone();
    let mut n = 1;
    while dir.join(format!("{run}.jsonl")).exists() {
        n += 1;
        run = format!("{base}-{n}");
    }
    run
}

fn version_of(view: &ClusterView) -> Option<String> {
    view.cluster
        .gateway_version
        .clone()
        .or_else(|| view.brokers.iter().find_map(|b| b.version.clone()))
}

fn minor(version: &str) -> Option<u32> {
    version.split('.').nth(1)?.parse().ok()
}

/// The plan's inputs from the configuration and a fresh view. Refuses what c8dr cannot run.
pub fn inputs(
    config: &Config,
    view: &ClusterView,
    procedure: Procedure,
    region: u8,
    run: &str,
    basis: Option<&Basis>,
) -> Result<Inputs, String> {
    let survivor = 1 - region;
    let version = version_of(view).unwrap_or_else(|| "unknown".into());
    match view.cluster.family {
        Family::V85 => {
            return Err(format!(
                "Camunda {version} uses the 8.5 failover mode (temporary brokers impersonating the \
                 lost ids, dual-region-procedure.md §4.1); c8dr runs the dynamic-scaling procedure \
                 of 8.6 and later only. Follow the 8.5 docs, or upgrade."
            ));
        }
        Family::Unknown => {
            return Err(format!(
                "cannot detect the Camunda version: region{survivor}'s topology and exporters do \
                 not answer ({})",
                view.region(survivor)
                    .and_then(|r| r.last_error.clone())
                    .unwrap_or_else(|| "no data".into())
            ));
        }
        _ => {}
    }
    let (ids, all_ids, snapshot) = match basis {
        Some(b) => (b.ids.clone(), b.all_ids.clone(), b.snapshot.clone()),
        None => {
            let (ids, all) = plan::derive_ids(view, procedure, region);
            (ids, all, run.to_string())
        }
    };
    if ids.is_empty() {
        return Err(format!(
            "no broker of region{region} is known: c8dr derives the ids from the topology and sees none"
        ));
    }
    if basis.is_none() && procedure == Procedure::Failback {
        let members: Vec<i32> = view
            .brokers
            .iter()
            .filter(|b| b.member == Some(true) && b.region == region)
            .map(|b| b.id)
            .collect();
        if !members.is_empty() {
            return Err(format!(
                "region{region}'s brokers {members:?} are still cluster members: fail over first \
                 (or, if the region came back on its own, there is nothing to fail back)"
            ));
        }
    }
    let family = view.cluster.family;
    let eck = minor(&version).is_some_and(|m| m >= 9);
    Ok(Inputs {
        procedure,
        region,
        family,
        version,
        eck,
        names: [0u8, 1].map(|r| {
            config
                .region(r)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| format!("region{r}"))
        }),
        primary: config.primary,
        active_active: view.traffic.mode == "active-active",
        dns_hostname: config.traffic.as_ref().and_then(|t| t.hostname.clone()),
        ids,
        all_ids,
        exporter_prefix: if family == Family::V86To87 {
            "elasticsearchregion".into()
        } else {
            "camundaregion".into()
        },
        legacy_exporters: family == Family::V88Plus
            && view
                .exporters
                .iter()
                .any(|e| e.legacy && e.status == "ENABLED"),
        kube: [0u8, 1].map(|r| {
            config
                .region(r)
                .and_then(|x| x.kube.as_ref())
                .map(|k| (k.context.clone(), k.namespace.clone(), k.release.clone()))
        }),
        runbook: config.runbook.clone(),
        snapshot,
        baseline_change: match basis {
            Some(b) => b.baseline_change,
            None => [
                view.cluster.pending_change.as_ref().map(|c| c.id),
                view.cluster.last_change.as_ref().map(|c| c.id),
            ]
            .into_iter()
            .flatten()
            .max(),
        },
    })
}

/// Connects, reads the facts once and builds the plan.
pub async fn prepare(
    config: &Config,
    procedure: Procedure,
    region: u8,
    run: &str,
    basis: Option<&Basis>,
) -> Result<(Live, Facts, Inputs, Vec<Step>)> {
    let snapshot = basis
        .map(|b| b.snapshot.clone())
        .unwrap_or_else(|| run.to_string());
    let needs = (procedure == Procedure::Failback).then_some(snapshot.as_str());
    let mut live = Live::connect(config, needs).await?;
    let facts = live.facts().await;
    let inputs =
        inputs(config, &facts.view, procedure, region, run, basis).map_err(|e| eyre!(e))?;
    let steps = plan::build(&inputs);
    Ok((live, facts, inputs, steps))
}

pub fn settings(config: &Config, read_only: bool, override_guards: bool) -> Settings {
    Settings {
        read_only: read_only || config.read_only,
        override_guards,
        step_timeout: config.runbook.step_timeout(),
        poll: config
            .poll
            .interval()
            .min(std::time::Duration::from_millis(500)),
        ..Settings::default()
    }
}

/// What was last printed for a step: state, progress, detail.
type Printed = (StepState, Option<(usize, usize)>, String);

/// The terminal: progress lines on stdout, questions on stderr, answers from stdin.
pub struct Terminal {
    pub yes: bool,
    /// The lost or recreated region's name (what a force step needs typed).
    region_name: String,
    printed: Vec<Option<Printed>>,
}

impl Terminal {
    pub fn new(yes: bool, region_name: &str) -> Terminal {
        Terminal {
            yes,
            region_name: region_name.to_string(),
            printed: vec![],
        }
    }
}

async fn ask(prompt: String) -> String {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        line.trim().to_string()
    })
    .await
    .unwrap_or_default()
}

/// A y/N question: yes approves in the operator's name, anything else declines.
async fn ask_yes_no(prompt: String) -> Decision {
    let a = ask(prompt).await;
    if a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes") {
        Decision::Approve {
            typed: None,
            by: super::audit::user(),
        }
    } else {
        Decision::Decline
    }
}

impl Operator for Terminal {
    fn update(&mut self, state: &RunState) {
        if self.printed.len() != state.steps.len() {
            self.printed = vec![None; state.steps.len()];
        }
        for (i, p) in state.progress.iter().enumerate() {
            let key = (p.state, p.progress, p.detail.clone());
            if p.state != StepState::Pending && self.printed[i].as_ref() != Some(&key) {
                let entering_manual = p.state == StepState::Manual
                    && self.printed[i]
                        .as_ref()
                        .is_none_or(|k| k.0 != StepState::Manual);
                self.printed[i] = Some(key);
                println!("{}", super::render::progress_line(state, i));
                if entering_manual {
                    // What to run elsewhere; c8dr keeps watching for its effect.
                    for line in super::render::manual_lines(&state.steps[i]) {
                        println!("          {line}");
                    }
                }
            }
        }
        let _ = std::io::stdout().flush();
    }

    async fn approve(&mut self, step: &Step, preview: &Preview) -> Decision {
        let mut text = format!("\n{} {} [{}]\n", step.key, step.title, step.danger.word());
        for g in &preview.guards {
            text.push_str(&format!("  {g}\n"));
        }
        if let Some(d) = &preview.dry_run {
            text.push_str(&format!("  dry run: {d}\n"));
        }
        if self.yes {
            eprintln!("{text}  approved by --yes");
            // --yes stands for typing the name: the run was started for exactly that region.
            return Decision::Approve {
                typed: Some(self.region_name.clone()),
                by: "--yes".into(),
            };
        }
        if step.danger == plan::Danger::Force {
            let typed = ask(format!("{text}  type the lost region's name to proceed: ")).await;
            return Decision::Approve {
                typed: Some(typed),
                by: super::audit::user(),
            };
        }
        ask_yes_no(format!("{text}  proceed? [y/N] ")).await
    }

    async fn on_failure(&mut self, step: &Step, why: &str, refused: bool) -> Recovery {
        if self.yes {
            return Recovery::Abort;
        }
        let choices = if refused {
            "[r]etry · [s]kip with a reason · [o]verride the guards · [a]bort"
        } else {
            "[r]etry · [s]kip with a reason · [a]bort"
        };
        let a = ask(format!("\n{} failed: {why}\n  {choices}: ", step.key)).await;
        match a.to_ascii_lowercase().as_str() {
            "r" | "retry" => Recovery::Retry,
            "s" | "skip" => {
                let reason = ask("  why is it safe to go on without it? ".into()).await;
                Recovery::Skip(reason)
            }
            "o" | "override" if refused => {
                let typed = ask(format!(
                    "  type {} to proceed past the refusal (audited): ",
                    self.region_name
                ))
                .await;
                Recovery::Override { typed }
            }
            _ => Recovery::Abort,
        }
    }

    async fn confirm_manual(&mut self, step: &Step) -> Decision {
        if self.yes {
            return Decision::Approve {
                typed: None,
                by: "--yes (unattended; not observable, left to the operator)".into(),
            };
        }
        ask_yes_no(format!(
            "\n{} {}: done? (no API shows it) [y/N] ",
            step.key, step.title
        ))
        .await
    }
}

/// A journaled run reopened to continue it.
pub struct Reopened {
    pub path: std::path::PathBuf,
    pub journal: Journal,
    pub replay: journal::Replay,
    pub procedure: Procedure,
    pub region: u8,
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
    let Some(audit) = audit_path() else {
        bail!("no state directory for the audit trail");
    };
    let audit = Audit::open(&audit).wrap_err_with(|| format!("opening {}", audit.display()))?;
    Ok((dir, audit))
}

/// `c8dr failover|failback --execute` (or `--resume`): runs to the end; the exit code says
/// how it ended. One run at a time: the run lock is taken before anything is read or sent.
pub async fn execute(
    config: &Config,
    procedure: Option<Procedure>,
    region: Option<u8>,
    resume: Option<&str>,
    yes: bool,
    read_only: bool,
    override_guards: bool,
) -> Result<i32> {
    let (dir, audit) = books()?;
    let settings = settings(config, read_only, override_guards);
    let (state, _, _) = match resume {
        Some(run) => {
            let j = reopen(&dir, run)?;
            let (p, r) = (j.procedure, j.region);
            if procedure.is_some_and(|x| x != p) || region.is_some_and(|x| x != r) {
                bail!("run {run} is a {} of region{r}", p.name());
            }
            let (live, _, inputs, steps) = prepare(config, p, r, run, j.basis.as_ref()).await?;
            println!(
                "resuming {run} ({} of region{r}) from {}",
                p.name(),
                j.path.display()
            );
            let (journal, replay) = (j.journal, j.replay);
            let term = Terminal::new(yes, &inputs.names[r as usize]);
            let state = RunState::new(run, inputs, steps);
            Runner::resume(live, term, journal, &replay, audit, settings, state)
                .run()
                .await
        }
        None => {
            let (Some(p), Some(r)) = (procedure, region) else {
                bail!("a procedure and a region are needed");
            };
            let run = fresh_run_id(&dir, p, r);
            let lock = super::lock::RunLock::acquire(&dir, &run).map_err(|e| eyre!("{e}"))?;
            let (live, _, inputs, steps) = prepare(config, p, r, &run, None).await?;
            let journal = Journal::create_locked(lock, &dir, &run)
                .wrap_err_with(|| format!("creating the journal in {}", dir.display()))?;
            println!(
                "run {run}: {} of region{r} {} · Camunda {} · journal {}",
                p.name(),
                inputs.names[r as usize],
                inputs.version,
                journal.path().display()
            );
            let term = Terminal::new(yes, &inputs.names[r as usize]);
            let state = RunState::new(&run, inputs, steps);
            Runner::start(live, term, journal, audit, settings, state)?
                .run()
                .await
        }
    };
    println!(
        "\n{}: {:?} in {:.1} s (c8dr's own time {:.1} s){}",
        state.run,
        state.outcome.unwrap_or(journal::Outcome::Failed),
        state.elapsed.as_secs_f64(),
        state.own().as_secs_f64(),
        state
            .message
            .as_ref()
            .map(|m| format!("\n{}", crate::text::clean(m)))
            .unwrap_or_default()
    );
    Ok(match state.outcome {
        Some(journal::Outcome::Completed) => 0,
        _ => 1,
    })
}
