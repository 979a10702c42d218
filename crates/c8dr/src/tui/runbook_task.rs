//! The runbook engine as a task beside the event loop: started for a new run or resumed from
//! its journal; its progress and questions come back as [`ToUi`] messages, the operator's
//! answers go to it over channels.

use super::app::{App, Mode};
use super::runbook::{Pane, PaneOperator, ToUi};
use crate::act::journal::{Journal, runs_dir};
use crate::act::ledger::FileLedger;
use crate::act::session;
use crate::api::Region;
use crate::config::Config;
use crate::runbook::engine::{Recovery, RunState, Runner};
use crate::runbook::gate::{Decision, Gate};
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
    op: PaneOperator,
) -> Result<()> {
    // Read-only shows the plan: no journal, no audit trail, nothing written.
    let dir = runs_dir();
    let run = match &dir {
        Some(d) => session::fresh_run_id(d, p, r),
        None => session::run_id(p, r),
    };
    let (live, _, inputs, steps) = session::prepare(config, p, r, &run, None).await?;
    let details = details(config, &steps);
    let state = RunState::new(&run, inputs, steps);
    let _ = op.tx.send(ToUi::Started(Box::new(Pane::new(
        state.clone(),
        details,
        read_only,
    ))));
    if read_only {
        return Ok(());
    }
    let (dir, audit) = session::books()?;
    let journal = Journal::create(&dir, &run)?;
    let settings = setup::settings(config, read_only, false);
    let gate = Gate::new(
        live,
        FileLedger::new(journal, audit),
        session::identity(None),
    );
    Runner::start(gate, op, settings, state)?.run().await;
    Ok(())
}

/// Continues a journaled run, as `c8dr failover --resume RUN` does.
async fn resume(config: &Config, id: &str, op: PaneOperator) -> Result<()> {
    let (dir, audit) = session::books()?;
    let j = session::reopen(&dir, id)?;
    let (live, _, inputs, steps) =
        session::prepare(config, j.procedure, j.region, id, j.basis.as_ref()).await?;
    let details = details(config, &steps);
    let state = RunState::new(id, inputs, steps);
    let _ = op.tx.send(ToUi::Started(Box::new(Pane::new(
        state.clone(),
        details,
        false,
    ))));
    let settings = setup::settings(config, false, false);
    let gate = Gate::new(
        live,
        FileLedger::new(j.journal, audit),
        session::identity(None),
    );
    Runner::resume(gate, op, &j.replay, settings, state)
        .run()
        .await;
    Ok(())
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
        ToUi::Error(e) => app.note(e),
    }
}
