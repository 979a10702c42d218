//! The runbook engine as a task beside the event loop: started for a new run or resumed from
//! its journal; its progress and questions come back as [`ToUi`] messages, the operator's
//! answers go to it over channels.

use super::app::{App, Mode};
use super::runbook::{Ask, Pane, PaneOperator, ToUi};
use crate::act::journal::{Journal, runs_dir};
use crate::act::lease::{self, Publishing};
use crate::act::ledger::FileLedger;
use crate::act::session;
use crate::api::Region;
use crate::config::Config;
use crate::notify::Notifier;
use crate::runbook::engine::{Preview, Recovery, RunState, Runner};
use crate::runbook::gate::Confirmation;
use crate::runbook::gate::{Decision, Gate};
use crate::runbook::journal::Outcome;
use crate::runbook::plan::Procedure;
use crate::runbook::{render, setup};
use color_eyre::eyre::Result;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::sync::mpsc;

pub struct Handle {
    pub rx: mpsc::UnboundedReceiver<ToUi>,
    pub answers: mpsc::UnboundedSender<Decision>,
    pub recoveries: mpsc::UnboundedSender<Recovery>,
    pub abort: Arc<AtomicBool>,
}

/// What to run: a new procedure for a region, or a journaled run to continue.
pub enum Start {
    New(Procedure, Region),
    Resume(String),
}

pub fn start(config: Config, what: Start, read_only: bool) -> Handle {
    let (tx, rx) = mpsc::unbounded_channel();
    let (answers_tx, answers) = mpsc::unbounded_channel();
    let (recoveries_tx, recoveries) = mpsc::unbounded_channel();
    let abort = Arc::new(AtomicBool::new(false));
    let op = PaneOperator {
        tx: tx.clone(),
        answers,
        recoveries,
        abort: abort.clone(),
    };
    tokio::spawn(async move {
        let (label, result) = match what {
            Start::New(p, r) => (
                p.name().to_string(),
                run(&config, p, r, read_only, op).await,
            ),
            Start::Resume(id) => (format!("resume {id}"), resume(&config, &id, op).await),
        };
        if let Err(e) = result {
            let _ = tx.send(ToUi::Error(format!("{label}: {e:#}")));
        }
    });
    Handle {
        rx,
        answers: answers_tx,
        recoveries: recoveries_tx,
        abort,
    }
}

fn details(config: &Config, steps: &[crate::runbook::plan::Step]) -> Vec<Vec<String>> {
    steps
        .iter()
        .map(|s| render::action_lines(config, s))
        .collect()
}

async fn run(
    config: &Config,
    p: Procedure,
    r: Region,
    read_only: bool,
    mut op: PaneOperator,
) -> Result<()> {
    // Read-only shows the plan: no journal, no audit trail, no lease, nothing written.
    let dir = runs_dir();
    let run = match &dir {
        Some(d) => session::fresh_run_id(d, p, r),
        None => session::run_id(p, r),
    };
    let (mut live, _, inputs, steps) = session::prepare(config, p, r, &run, None).await?;
    let details = details(config, &steps);
    let state = RunState::new(&run, inputs, steps);
    let started = |state: &RunState, read_only| {
        ToUi::Started(Box::new(Pane::new(
            state.clone(),
            details.clone(),
            read_only,
        )))
    };
    if read_only {
        let _ = op.tx.send(started(&state, true));
        return Ok(());
    }
    let (dir, mut audit) = session::books()?;
    // The lease before the pane: a refused run shows no pane, only why.
    let claim = claim(&mut live, &state, &mut audit, &mut op, || {
        started(&state, false)
    })
    .await?;
    let notifier = notify(config, &claim, &state);
    let journal = Journal::create(&dir, &run)?;
    let settings = setup::settings(config, read_only, false);
    let gate = Gate::new(
        live,
        FileLedger::new(journal, audit),
        session::identity(None),
    );
    let publish = claim.publisher();
    let (state, _, _) = Runner::start(gate, Publishing { inner: op, publish }, settings, state)?
        .run()
        .await;
    release(claim, &state, notifier).await
}

/// Continues a journaled run, as `c8dr failover --resume RUN` does.
async fn resume(config: &Config, id: &str, mut op: PaneOperator) -> Result<()> {
    let (dir, mut audit) = session::books()?;
    let j = session::reopen(&dir, id)?;
    let (mut live, _, inputs, steps) =
        session::prepare(config, j.procedure, j.region, id, j.basis.as_ref()).await?;
    let details = details(config, &steps);
    let state = RunState::new(id, inputs, steps);
    let started = || ToUi::Started(Box::new(Pane::new(state.clone(), details.clone(), false)));
    let claim = claim(&mut live, &state, &mut audit, &mut op, started).await?;
    let notifier = notify(config, &claim, &state);
    let settings = setup::settings(config, false, false);
    let gate = Gate::new(
        live,
        FileLedger::new(j.journal, audit),
        session::identity(None),
    );
    let publish = claim.publisher();
    let (state, _, _) = Runner::resume(
        gate,
        Publishing { inner: op, publish },
        &j.replay,
        settings,
        state,
    )
    .run()
    .await;
    release(claim, &state, notifier).await
}

/// The run's steps go to the configured webhooks, as its lease shows them.
fn notify(config: &Config, claim: &session::RunClaim, state: &RunState) -> Notifier {
    let notifier = Notifier::start(config, crate::config::notify::Sender::Cockpit);
    let r = state.inputs.region;
    notifier.follow_run(
        claim.publisher().subscribe(),
        crate::notify::RunMeta {
            run: state.run.clone(),
            procedure: state.inputs.procedure.name().to_string(),
            region: state.inputs.names[r].clone(),
            holder: lease::holder(),
        },
    );
    notifier
}

/// Takes the run lease, then opens the pane (`started`). Another run's expired lease is
/// taken over only with the region's name typed in the pane; a refusal opens no run.
async fn claim(
    live: &mut crate::act::live::Live,
    state: &RunState,
    audit: &mut crate::act::audit::Audit,
    op: &mut PaneOperator,
    started: impl FnOnce() -> ToUi,
) -> Result<session::RunClaim> {
    let r = state.inputs.region;
    let claim = lease::Claim {
        holder: lease::holder(),
        run: state.run.clone(),
        procedure: state.inputs.procedure,
        region: r,
        region_name: state.inputs.names[r].clone(),
    };
    let user = session::user();
    let first = session::claim(live, &claim, None, false, audit, &user).await;
    let found = match first {
        Ok(c) => {
            let _ = op.tx.send(started());
            if let Some(w) = &c.warning {
                let _ = op.tx.send(ToUi::Error(w.clone()));
            }
            return Ok(c);
        }
        Err(e) => match e.downcast_ref::<lease::LeaseError>() {
            Some(lease::LeaseError::Expired { found, .. }) => found.clone(),
            _ => return Err(e.wrap_err("not started")),
        },
    };
    let _ = op.tx.send(started());
    let _ = op.tx.send(ToUi::Ask(Ask {
        key: "lease".into(),
        what: "Take over the expired run lease of another run".into(),
        preview: Preview {
            guards: vec![found, "take it over only if its holder is gone".into()],
            ..Default::default()
        },
        confirmation: Confirmation::TypeRegionName(claim.region_name.clone()),
    }));
    let typed = match op.answers.recv().await {
        Some(Decision::Approve { typed }) => typed,
        _ => None,
    };
    match session::claim(live, &claim, typed.as_deref(), false, audit, &user).await {
        Ok(c) => Ok(c),
        Err(e) => {
            let mut s = state.clone();
            s.outcome = Some(Outcome::Aborted);
            s.message = Some(format!("not started: {e}"));
            let _ = op.tx.send(ToUi::State(Box::new(s)));
            Err(e.wrap_err("not started"))
        }
    }
}

/// Releases the lease with the run's end, then lets the last notification go (in this
/// task, never the cockpit's loop); a failure is the operator's to know.
async fn release(claim: session::RunClaim, state: &RunState, notifier: Notifier) -> Result<()> {
    let released = claim.release(state).await;
    notifier.flush(std::time::Duration::from_secs(5)).await;
    match released {
        Some(e) => Err(color_eyre::eyre::eyre!("{e}")),
        None => Ok(()),
    }
}

/// The next message of the running engine; pending forever when there is none.
pub async fn next(engine: &mut Option<Handle>) -> Option<ToUi> {
    match engine {
        Some(h) => h.rx.recv().await,
        None => std::future::pending().await,
    }
}

pub fn apply(app: &mut App, msg: ToUi) {
    match msg {
        ToUi::Started(pane) => {
            let mut pane = *pane;
            pane.state_at = Some(app.now);
            app.runbook = Some(pane);
            app.mode = Mode::Runbook;
            app.message = None;
        }
        ToUi::State(s) => {
            if let Some(p) = &mut app.runbook {
                p.update(*s, app.now);
            }
        }
        ToUi::Ask(a) => {
            if let Some(p) = &mut app.runbook {
                if let Some(i) = p.state.steps.iter().position(|s| s.key == a.key) {
                    p.selected = i;
                }
                p.ask = Some(a);
                p.typed.clear();
                // The pane does not take the screen from under the operator's fingers (a key
                // meant for the dashboard must never answer a question): the dashboard's run
                // line says that the run waits, and r opens the pane.
            }
        }
        ToUi::Failure(fl) => {
            if let Some(p) = &mut app.runbook {
                if let Some(i) = p.state.steps.iter().position(|s| s.key == fl.key) {
                    p.selected = i;
                }
                p.failure = Some(fl);
                p.typing = None;
                p.typed.clear();
            }
        }
        ToUi::Error(e) => app.note_at(crate::model::Level::Warning, e),
    }
}
