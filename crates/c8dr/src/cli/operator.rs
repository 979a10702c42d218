//! The terminal operator of `c8dr failover|failback --execute` (or `--resume`): progress lines
//! on stdout, the questions the gate needs answered on stderr, answers from stdin — or, with
//! `--yes`, nobody asked and the gate's identity saying so.

use super::NextStep;
use crate::act::journal::Journal;
use crate::act::lease;
use crate::act::ledger::FileLedger;
use crate::act::lock::RunLock;
use crate::act::session;
use crate::api::Region;
use crate::config::Config;
use crate::runbook::engine::{Operator, Preview, Recovery, RunState, Runner};
use crate::runbook::gate::{Confirmation, Decision, Gate};
use crate::runbook::journal::{Outcome, StepState};
use crate::runbook::plan::{Procedure, Step};
use crate::runbook::{render, setup};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::io::Write;

/// What was last printed for a step: state, progress, detail.
type Printed = (StepState, Option<(usize, usize)>, String);

/// The terminal: progress lines on stdout, questions on stderr, answers from stdin.
pub struct Terminal {
    /// Unattended: every confirmation is given without asking (the gate's identity says so).
    pub yes: bool,
    /// The lost or recreated region's name (what overriding refused guards needs typed).
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

/// A y/N question: yes approves, anything else declines.
async fn ask_yes_no(prompt: String) -> Decision {
    let a = ask(prompt).await;
    if a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes") {
        Decision::Approve { typed: None }
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
                println!("{}", render::progress_line(state, i));
                if entering_manual {
                    // What to run elsewhere; c8dr keeps watching for its effect.
                    for line in render::manual_lines(&state.steps[i]) {
                        println!("          {line}");
                    }
                }
            }
        }
        let _ = std::io::stdout().flush();
    }

    async fn confirm(&mut self, step: &Step, needs: &Confirmation, preview: &Preview) -> Decision {
        if *needs == Confirmation::ConfirmManualStep {
            if self.yes {
                return Decision::Approve { typed: None };
            }
            return ask_yes_no(format!(
                "\n{} {}: done? (no API shows it) [y/N] ",
                step.key, step.title
            ))
            .await;
        }
        let mut text = format!("\n{} {} [{}]\n", step.key, step.title, step.danger.word());
        for g in &preview.guards {
            text.push_str(&format!("  {g}\n"));
        }
        if let Some(d) = &preview.dry_run {
            text.push_str(&format!("  dry run: {d}\n"));
        }
        // A remediation offered while the step is blocked: what it acts on, and its risk.
        for line in &preview.offer {
            text.push_str(&format!("  {}\n", crate::text::clean(line)));
        }
        match needs {
            Confirmation::TypeRegionName(name) if self.yes => {
                // --yes stands for typing the name: the run was started for exactly that region.
                eprintln!("{text}  approved by --yes");
                Decision::Approve {
                    typed: Some(name.clone()),
                }
            }
            _ if self.yes => {
                eprintln!("{text}  approved by --yes");
                Decision::Approve { typed: None }
            }
            Confirmation::TypeRegionName(_) => {
                let typed = ask(format!("{text}  type the lost region's name to proceed: ")).await;
                Decision::Approve { typed: Some(typed) }
            }
            _ => ask_yes_no(format!("{text}  proceed? [y/N] ")).await,
        }
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
}

/// How a run claims the cluster (issue 17 §1): the flags about the run lease.
#[derive(Debug, Clone, Default)]
pub struct LeaseArgs {
    /// The region's name, typed to take over another run's expired lease.
    pub take_over: Option<String>,
    /// Run on this machine's lock alone.
    pub without: bool,
}

/// `c8dr failover|failback --execute` (or `--resume`): runs to the end; the exit code says
/// how it ended. One run at a time: the run lock is taken before anything is read or sent,
/// the run lease (one run per cluster) before the journal is written, so a refused run
/// leaves no journal.
#[allow(clippy::too_many_arguments)]
pub async fn execute(
    config: &Config,
    procedure: Option<Procedure>,
    region: Option<Region>,
    resume: Option<&str>,
    yes: bool,
    read_only: bool,
    override_guards: bool,
    lease_args: &LeaseArgs,
) -> Result<i32> {
    let (dir, mut audit) = session::books()?;
    let identity = session::identity(yes.then_some("--yes"));
    let settings = setup::settings(config, read_only, override_guards);
    let notifier = crate::notify::Notifier::start(config, crate::config::notify::Sender::Cockpit);
    let (state, claim) = match resume {
        Some(run) => {
            let j = session::reopen(&dir, run)?;
            let (p, r) = (j.procedure, j.region);
            if procedure.is_some_and(|x| x != p) || region.is_some_and(|x| x != r) {
                bail!("run {run} is a {} of region{r}", p.name());
            }
            let (mut live, _, inputs, steps) =
                session::prepare(config, p, r, run, j.basis.as_ref()).await?;
            let claim = claim(
                &mut live,
                p,
                r,
                run,
                &inputs.names[r],
                yes,
                lease_args,
                &mut audit,
                &notifier,
            )
            .await?;
            println!(
                "resuming {run} ({} of region{r}) from {}",
                p.name(),
                j.path.display()
            );
            let (journal, replay) = (j.journal, j.replay);
            let term = lease::Publishing {
                inner: Terminal::new(yes, &inputs.names[r]),
                publish: claim.publisher(),
            };
            let state = RunState::new(run, inputs, steps);
            let gate = Gate::new(observed(live), FileLedger::new(journal, audit), identity);
            let (state, _, _) = Runner::resume(gate, term, &replay, settings, state)
                .run()
                .await;
            (state, claim)
        }
        None => {
            let (Some(p), Some(r)) = (procedure, region) else {
                bail!("a procedure and a region are needed");
            };
            let run = session::fresh_run_id(&dir, p, r);
            let lock = RunLock::acquire(&dir, &run).map_err(|e| eyre!("{e}"))?;
            let (mut live, _, inputs, steps) = session::prepare(config, p, r, &run, None).await?;
            let claim = claim(
                &mut live,
                p,
                r,
                &run,
                &inputs.names[r],
                yes,
                lease_args,
                &mut audit,
                &notifier,
            )
            .await?;
            let journal = Journal::create_locked(lock, &dir, &run)
                .wrap_err_with(|| format!("creating the journal in {}", dir.display()))?;
            println!(
                "run {run}: {} of region{r} {} · Camunda {} · journal {}",
                p.name(),
                inputs.names[r],
                inputs.version,
                journal.path().display()
            );
            let term = lease::Publishing {
                inner: Terminal::new(yes, &inputs.names[r]),
                publish: claim.publisher(),
            };
            let state = RunState::new(&run, inputs, steps);
            let gate = Gate::new(observed(live), FileLedger::new(journal, audit), identity);
            let (state, _, _) = Runner::start(gate, term, settings, state)?.run().await;
            (state, claim)
        }
    };
    if let Some(e) = claim.release(&state).await {
        eprintln!("warning: {e}");
    }
    // The last step's message must leave before the process does.
    notifier.flush(std::time::Duration::from_secs(5)).await;

    println!(
        "\n{}: {} in {:.1} s (c8dr's own time {:.1} s){}",
        state.run,
        state.outcome.unwrap_or(Outcome::Failed).word(),
        state.elapsed.as_secs_f64(),
        state.own().as_secs_f64(),
        state
            .message
            .as_ref()
            .map(|m| format!("\n{}", crate::text::clean(m)))
            .unwrap_or_default()
    );
    Ok(match state.outcome {
        Some(Outcome::Completed) => 0,
        _ => 1,
    })
}

/// The run's executor, its views of the cluster kept in the history (issue 16 §5) like the
/// cockpit's, for the incident record.
fn observed(
    live: crate::act::live::Live,
) -> crate::incident::recording::Recording<crate::act::live::Live> {
    crate::incident::recording::Recording::new(
        live,
        crate::incident::history_file::History::in_state_dir("run"),
    )
}

/// Takes the run lease, asking for the region's name when another run's lease expired (never
/// with `--yes`: taking over a colleague's run needs `--take-over-lease NAME`).
#[allow(clippy::too_many_arguments)]
async fn claim(
    live: &mut crate::act::live::Live,
    procedure: Procedure,
    region: Region,
    run: &str,
    region_name: &str,
    yes: bool,
    args: &LeaseArgs,
    audit: &mut crate::act::audit::Audit,
    notifier: &crate::notify::Notifier,
) -> Result<session::RunClaim> {
    let claim = lease::Claim {
        holder: lease::holder(),
        run: run.to_string(),
        procedure,
        region,
        region_name: region_name.to_string(),
    };
    let user = session::user();
    let mut typed = args.take_over.clone();
    loop {
        match session::claim(live, &claim, typed.as_deref(), args.without, audit, &user).await {
            Ok(c) => {
                if let (Some(_), Some(w)) = (&c.keeper, &c.warning) {
                    eprintln!("warning: {w}");
                }
                match &c.keeper {
                    Some(k) => println!(
                        "run lease {} taken in {}{}",
                        crate::model::run_lease::NAME,
                        k.place,
                        k.took_over
                            .as_ref()
                            .map(|o| format!(" (took over: {o})"))
                            .unwrap_or_default()
                    ),
                    None => eprintln!("warning: {}", c.warning.clone().unwrap_or_default()),
                }
                // The run's steps, as its lease shows them, go to the webhooks too.
                notifier.follow_run(
                    c.publisher().subscribe(),
                    crate::notify::RunMeta {
                        run: run.to_string(),
                        procedure: procedure.name().to_string(),
                        region: region_name.to_string(),
                        holder: claim.holder.clone(),
                    },
                );
                return Ok(c);
            }
            Err(e) => {
                let kind = e.downcast_ref::<lease::LeaseError>();
                let expired = matches!(kind, Some(lease::LeaseError::Expired { .. }));
                let failed = matches!(kind, Some(lease::LeaseError::Failed(_)));
                if !expired || yes || typed.is_some() {
                    return Err(e.wrap_err(NextStep(if expired {
                        format!("if its holder is gone: --take-over-lease {region_name}")
                    } else if failed {
                        "nothing was sent and no run was started; if the Lease API is forbidden (docs/bastion.md) or down, --without-lease runs on this machine's lock alone".into()
                    } else {
                        "nothing was sent and no run was started".into()
                    })));
                }
                eprintln!("{e}");
                typed = Some(
                    ask(format!(
                        "  type the region's name ({region_name}) to take the lease over, anything else to stop: "
                    ))
                    .await,
                );
            }
        }
    }
}
