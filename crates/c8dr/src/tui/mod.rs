//! The live cockpit: terminal set-up and restore, and the event loop.
//!
//! The loop never waits for the network: observations arrive on a watch channel from the
//! observation loop, keys on a channel from a reader thread, and a 1 s tick moves the clock.
//! Each frame is rendered off-screen first and written only when it differs from the last one,
//! inside a synchronized update, so an idle screen writes nothing. A frame is drawn only when
//! something woke the loop that may change it (a key, a resize, the clock, the runbook,
//! derived observations), and a poll round's observations are derived together ([`settle`]),
//! so an idle cockpit costs a few frames a second, not one per source answered.

pub mod app;
pub mod caps;
pub mod draw;
pub mod drills;
pub mod export;
pub mod frame;
pub mod glyphs;
pub mod keymap;
pub mod palette;
pub mod report;
pub mod runbook;
mod runbook_task;
pub mod theme;
pub mod widgets;

use crate::config::Config;
use crate::model::{self, ModelConfig};
use crate::observe::Observer;
use app::{Action, App};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use crossterm::terminal;
use drills::Drills;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use theme::Theme;
use tokio::sync::mpsc;

/// Options of a cockpit session.
pub struct Options {
    pub read_only: bool,
    pub theme: Option<String>,
    /// The drills of the `d` menu (`c8dr demo` only).
    pub drills: Option<Arc<dyn Drills>>,
}

/// Refuses to start a full-screen session without an interactive terminal on both stdin and
/// stdout (a pipe, cron, `ssh host c8dr`): it would fail obscurely or draw into a file.
/// `what` names the session, `then` completes the advice to use `c8dr status`.
pub fn require_terminal(what: &str, then: &str) -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(color_eyre::eyre::eyre!(
        "{what} needs an interactive terminal; use `c8dr status`{then}"
    ))
}

/// Puts the terminal back: raw mode off, main screen, cursor shown.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, terminal::LeaveAlternateScreen, crossterm::cursor::Show);
}

/// The terminal in the cockpit's mode (raw, alternate screen, cursor hidden) for as long as
/// it lives. Dropping it is the one way back, whether the session ends by `q`, by an error,
/// or by a signal (`signals::until_stopped` drops the session); a panic restores through the
/// panic hook before the report is printed.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> Result<TerminalGuard> {
        terminal::enable_raw_mode().wrap_err("switching the terminal to raw mode")?;
        // From here on a failure leaves through Drop.
        let guard = TerminalGuard;
        crossterm::execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )
        .wrap_err("entering the alternate screen")?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Restores the terminal on panic too, and sends the report to the log file.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        tracing::error!(panic = %info, "c8dr panicked");
        previous(info);
    }));
}

/// The themes `t` cycles through, and the user's override directory.
fn theme_dir() -> Option<PathBuf> {
    crate::config::config_path(None).and_then(|p| p.parent().map(|d| d.join("themes")))
}

/// Runs the cockpit on `config` until the user quits.
pub async fn run(config: &Config, options: Options) -> Result<()> {
    let mut observer = Observer::start(config).await?;
    let (mut app, themes) = new_app(config, &options);
    app.history = crate::incident::history_file::History::in_state_dir("cockpit");

    install_panic_hook();
    let caps = caps::Caps::from_env();
    let _terminal = TerminalGuard::enter()?;
    async {
        // Keys come from a blocking reader thread, so input never waits on the network.
        let (keys_tx, keys) = mpsc::unbounded_channel::<TermEvent>();
        std::thread::spawn(move || {
            while let Ok(ev) = event::read() {
                if keys_tx.send(ev).is_err() {
                    break;
                }
            }
        });
        let size = || terminal::size();
        drive(
            &mut app,
            &themes,
            caps,
            Io {
                out: std::io::stdout(),
                size,
                keys,
                counts: Arc::default(),
            },
            &mut observer,
            config,
            options.drills.as_ref(),
        )
        .await
    }
    .await
}

/// The terminal the loop talks to: where frames are written, its size, and its keys (the
/// live cockpit passes stdout and the key reader; the idle bench a counting writer).
pub struct Io<W, S> {
    pub out: W,
    pub size: S,
    /// Keys and resizes; the loop ends when the sender is gone.
    pub keys: mpsc::UnboundedReceiver<TermEvent>,
    /// What the loop did, for the idle bench and the tests.
    pub counts: Arc<Counts>,
}

/// What the cockpit's loop did so far: views derived and frames drawn (and written, when
/// they differed from the screen).
#[derive(Debug, Default)]
pub struct Counts {
    pub views: AtomicUsize,
    pub frames: AtomicUsize,
    pub written: AtomicUsize,
}

impl Counts {
    /// (views, frames, written) so far.
    pub fn get(&self) -> (usize, usize, usize) {
        (
            self.views.load(Ordering::Relaxed),
            self.frames.load(Ordering::Relaxed),
            self.written.load(Ordering::Relaxed),
        )
    }
}

/// How long new observations wait for the rest of their poll round before they are derived
/// and drawn. Each source's answer is a new snapshot (about 20 a second on the demo lab, the
/// fast reads of both regions arriving within milliseconds of each other): drawing each one
/// was most of an idle cockpit's CPU. A fifth of the poll interval at most, so the data still
/// shows well within one poll interval; keys never wait for it.
fn settle(config: &Config) -> Duration {
    (config.poll.interval() / 5).min(Duration::from_millis(50))
}

/// The cockpit's loop: draws, then waits for a key, new observations, the runbook engine
/// or the clock, until the user quits or the keys end.
pub async fn drive<W, S>(
    app: &mut App,
    themes: &std::collections::BTreeMap<String, Theme>,
    caps: caps::Caps,
    io: Io<W, S>,
    observer: &mut Observer,
    config: &Config,
    drills: Option<&Arc<dyn Drills>>,
) -> Result<()>
where
    W: Write,
    S: Fn() -> std::io::Result<(u16, u16)>,
{
    let Io {
        out,
        size,
        mut keys,
        counts,
    } = io;
    let cfg = ModelConfig::from_config(config);
    let settle = settle(config);
    let mut screen = frame::Screen::new(out);
    let mut canvas = frame::Canvas::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut engine: Option<runbook_task::Handle> = None;
    let verdicts = crate::notify::Verdicts::new(
        config,
        crate::notify::Notifier::start(config, crate::config::notify::Sender::Cockpit),
        crate::notify::Verdicts::first_round(config),
    );
    // New observations not derived yet: they are, at this instant.
    let mut pending: Option<tokio::time::Instant> = None;
    let mut observing = true;
    // No observations derived yet: the first ones are at once (the screen waits for them).
    let mut first = true;
    // Whether anything the frame shows may have changed since it was drawn: everything
    // that wakes the loop does, except news that observations are waiting.
    let mut redraw = true;
    loop {
        if redraw {
            let (width, height) = size().wrap_err("reading the terminal size")?;
            app.size = Some((width, height));
            let theme = themes
                .get(app.theme_name())
                .cloned()
                .unwrap_or_else(|| Theme::built_in("default"));
            let next = caps.draw(&mut canvas, app, &theme, width, height);
            counts.frames.fetch_add(1, Ordering::Relaxed);
            if screen.show(next).wrap_err("drawing")? {
                counts.written.fetch_add(1, Ordering::Relaxed);
            }
        }
        if app.quit {
            return Ok(());
        }
        redraw = true;
        let settled = async move {
            match pending {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = keys.recv() => match ev {
                None => return Ok(()),
                Some(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
                    if let Some(action) = app.on_key(k) {
                        dispatch(action, app, &mut engine, config, drills).await;
                    }
                }
                Some(TermEvent::Resize(..)) => screen.invalidate(),
                Some(_) => {}
            },
            changed = observer.snapshot.changed(), if observing && pending.is_none() => {
                match changed {
                    Ok(()) if first => {
                        first = false;
                        if take_observations(app, observer, &cfg, config, &counts, &verdicts) {
                            screen.bell();
                        }
                    }
                    Ok(()) => {
                        redraw = false;
                        pending = Some(tokio::time::Instant::now() + settle);
                    }
                    // The observation loop is gone: nothing more will come (and `changed`
                    // would return at once, for ever).
                    Err(_) => {
                        redraw = false;
                        observing = false;
                    }
                }
            }
            () = settled => {
                pending = None;
                if take_observations(app, observer, &cfg, config, &counts, &verdicts) {
                    screen.bell();
                }
            }
            Some(msg) = runbook_task::next(&mut engine) => runbook_task::apply(app, msg),
            _ = tick.tick() => {
                app.tick(jiff::Timestamp::now());
                // A webhook that fails says so where the operator looks, not only in the log.
                for p in crate::notify::take_problems() {
                    app.note_at(model::Level::Warning, p);
                }
                let snap = observer.snapshot.borrow().clone();
                let view = model::derive(&snap, &cfg, app.now, app.view.as_ref());
                counts.views.fetch_add(1, Ordering::Relaxed);
                if verdicts.changed(app.view.as_ref(), &view) {
                    screen.bell();
                }
                app.update_view(view);
            }
        }
    }
}

/// Derives the view of the newest observations, and the preflight's checks of them, and
/// tells a verdict change; true when the bell should ring.
fn take_observations(
    app: &mut App,
    observer: &mut Observer,
    cfg: &ModelConfig,
    config: &Config,
    counts: &Counts,
    verdicts: &crate::notify::Verdicts,
) -> bool {
    let snap = observer.snapshot.borrow_and_update().clone();
    let view = model::derive(&snap, cfg, jiff::Timestamp::now(), app.view.as_ref());
    counts.views.fetch_add(1, Ordering::Relaxed);
    app.preflight = crate::preflight::run(config, &snap, &view);
    let ring = verdicts.changed(app.view.as_ref(), &view);
    app.update_view(view);
    ring
}

/// Carries out what a key asked for: a drill, a runbook to start, resume, answer, recover
/// or abort, a copy to the clipboard, quitting.
async fn dispatch(
    action: Action,
    app: &mut App,
    engine: &mut Option<runbook_task::Handle>,
    config: &Config,
    drills: Option<&Arc<dyn Drills>>,
) {
    match action {
        Action::Quit => app.quit = true,
        Action::Drill(index) => {
            if let Some(drills) = drills {
                let outcome = drills.perform(index).await;
                app.note(outcome);
            }
        }
        Action::StartRunbook(p, r) => {
            *engine = Some(runbook_task::start(
                config.clone(),
                runbook_task::Start::New(p, r),
                app.read_only,
            ));
            app.message = Some(format!("{}: preparing the plan for region{r} …", p.name()));
        }
        Action::Answer(d) => {
            if let Some(h) = engine {
                let _ = h.answers.send(d);
            }
        }
        Action::ResumeRunbook(id) => {
            *engine = Some(runbook_task::start(
                config.clone(),
                runbook_task::Start::Resume(id.clone()),
                app.read_only,
            ));
            app.message = Some(format!("resuming {id} …"));
        }
        Action::Recover(r) => {
            if let Some(h) = engine {
                let _ = h.recoveries.send(r);
            }
        }
        Action::AbortRunbook => {
            if let Some(h) = engine {
                h.abort.store(true, std::sync::atomic::Ordering::Relaxed);
                app.note("runbook: abort requested; the run stops at the next wait");
            }
        }
        Action::ShowReport(run) => show_report(app, &run),
        Action::Copy(text) => {
            osc52(&text);
            app.message = Some("copied to the clipboard (OSC 52)".into());
        }
    }
}

/// `:report [RUN]`: reads the run's journal, the audit trail and the history from the state
/// directory (local files, read once on request) and opens the record; a problem is said in
/// the footer.
fn show_report(app: &mut App, run: &str) {
    let Some(books) = crate::incident::load::Books::in_state_dir() else {
        app.message = Some("report: no state directory (neither XDG_STATE_HOME nor HOME)".into());
        return;
    };
    match crate::incident::load::load(&books, run) {
        Ok(record) => {
            let text = crate::incident::markdown::render(&record);
            app.report = Some(report::Pane::new(&record.run, &text));
            app.mode = app::Mode::Report;
        }
        Err(e) => app.message = Some(format!("report: {}", crate::text::clean(&e))),
    }
}

/// The app and every theme, loaded once (a user file overrides the built-in one of the same
/// name); what could not be loaded is noted on screen and in the log.
pub fn new_app(
    config: &Config,
    options: &Options,
) -> (App, std::collections::BTreeMap<String, Theme>) {
    let names: Vec<String> = theme::BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    // Every theme loaded once (a user file overrides the built-in one of the same name).
    let dir = theme_dir();
    let mut themes = std::collections::BTreeMap::new();
    let mut warnings = vec![];
    for name in &names {
        let (t, warning) = Theme::load(name, dir.as_deref());
        warnings.extend(warning);
        themes.insert(name.clone(), t);
    }
    let (initial, warning) = Theme::initial(options.theme.as_deref(), dir.as_deref());
    warnings.extend(warning);
    let mut app = App::new(
        options.read_only || config.read_only,
        options
            .drills
            .as_ref()
            .map(|d| d.labels())
            .unwrap_or_default(),
        names.clone(),
        jiff::Timestamp::now(),
    );
    app.theme_index = names.iter().position(|n| *n == initial.name).unwrap_or(0);
    if let Some(d) = options.drills.clone() {
        app.drill_suggest = Some(Arc::new(move |v: &model::ClusterView, run| {
            d.suggest(v, run)
        }));
    }
    for w in warnings {
        tracing::warn!("{w}");
        app.note(w);
    }
    (app, themes)
}

/// Copies to the terminal's clipboard (OSC 52): works over ssh and in tmux with set-clipboard.
fn osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
