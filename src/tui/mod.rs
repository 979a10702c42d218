//! The live cockpit: terminal set-up and restore, the event loop, and `c8dr demo`.
//!
//! The loop never waits for the network: observations arrive on a watch channel from the
//! observation loop, keys on a channel from a reader thread, and a 1 s tick moves the clock.
//! Each frame is rendered off-screen first and written only when it differs from the last one,
//! inside a synchronized update, so an idle screen writes nothing.

pub mod app;
pub mod draw;
pub mod export;
pub mod keymap;
pub mod runbook;
mod runbook_task;
pub mod scenes;
pub mod theme;

use crate::config::Config;
use crate::model::{self, ModelConfig};
use crate::observe::Observer;
use app::{Action, App};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use crossterm::terminal::{self, BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use theme::Theme;
use tokio::sync::mpsc;

/// Options of a cockpit session.
pub struct Options {
    pub read_only: bool,
    pub theme: Option<String>,
    /// The lab's control URL: enables the drill menu.
    pub lab_control: Option<String>,
}

/// Puts the terminal back: raw mode off, main screen, cursor shown.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, terminal::LeaveAlternateScreen, crossterm::cursor::Show);
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

/// Writes `frame` when it differs from `last`, inside a synchronized update.
pub fn present<B: Backend>(
    term: &mut Terminal<B>,
    frame: &Buffer,
    last: &mut Option<Buffer>,
) -> Result<bool>
where
    B::Error: Send + Sync + 'static,
{
    if last.as_ref() == Some(frame) {
        return Ok(false);
    }
    term.draw(|f| {
        let area = f.area();
        let buf = f.buffer_mut();
        for y in 0..area.height.min(frame.area.height) {
            for x in 0..area.width.min(frame.area.width) {
                buf[(x, y)] = frame[(x, y)].clone();
            }
        }
    })
    .map_err(|e| color_eyre::eyre::eyre!("drawing: {e}"))?;
    *last = Some(frame.clone());
    Ok(true)
}

/// Runs the cockpit on `config` until the user quits.
pub async fn run(config: &Config, options: Options) -> Result<()> {
    let mut observer = Observer::start(config).await?;
    let cfg = ModelConfig::from_config(config);
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
        options.lab_control.is_some(),
        names.clone(),
        jiff::Timestamp::now(),
    );
    app.theme_index = names.iter().position(|n| *n == initial.name).unwrap_or(0);
    for w in warnings {
        tracing::warn!("{w}");
        app.note(w);
    }
    let http = crate::client::http::client(Duration::from_secs(5), None)?;

    install_panic_hook();
    terminal::enable_raw_mode().wrap_err("switching the terminal to raw mode")?;
    let mut stdout = std::io::stdout();
    crossterm::execute!(
        stdout,
        terminal::EnterAlternateScreen,
        crossterm::cursor::Hide
    )
    .wrap_err("entering the alternate screen")?;
    let result = async {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))
            .wrap_err("starting the terminal")?;
        // Keys come from a blocking reader thread, so input never waits on the network.
        let (keys_tx, mut keys) = mpsc::unbounded_channel::<TermEvent>();
        std::thread::spawn(move || {
            while let Ok(ev) = event::read() {
                if keys_tx.send(ev).is_err() {
                    break;
                }
            }
        });
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut last: Option<Buffer> = None;
        let mut engine: Option<runbook_task::Handle> = None;
        loop {
            let size = term
                .size()
                .map_err(|e| color_eyre::eyre::eyre!("terminal size: {e}"))?;
            let theme = themes
                .get(app.theme_name())
                .cloned()
                .unwrap_or_else(|| Theme::built_in("default"));
            let frame = scenes::render_app(&app, &theme, size.width, size.height);
            let mut out = std::io::stdout();
            let _ = crossterm::queue!(out, BeginSynchronizedUpdate);
            present(&mut term, &frame, &mut last)?;
            let _ = crossterm::execute!(out, EndSynchronizedUpdate);
            if app.quit {
                return Ok(());
            }
            tokio::select! {
                Some(ev) = keys.recv() => match ev {
                    TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                        match app.on_key(k) {
                            Some(Action::Quit) => app.quit = true,
                            Some(Action::Drill(path)) => {
                                if let Some(control) = &options.lab_control {
                                    let outcome = drill(&http, control, path).await;
                                    app.note(outcome);
                                }
                            }
                            Some(Action::StartRunbook(p, r)) => {
                                engine = Some(runbook_task::start(config.clone(), runbook_task::Start::New(p, r), app.read_only));
                                app.message = Some(format!("{}: preparing the plan for region{r} …", p.name()));
                            }
                            Some(Action::Answer(d)) => {
                                if let Some(h) = &engine {
                                    let _ = h.answers.send(d);
                                }
                            }
                            Some(Action::ResumeRunbook(id)) => {
                                engine = Some(runbook_task::start(config.clone(), runbook_task::Start::Resume(id.clone()), app.read_only));
                                app.message = Some(format!("resuming {id} …"));
                            }
                            Some(Action::Recover(r)) => {
                                if let Some(h) = &engine {
                                    let _ = h.recoveries.send(r);
                                }
                            }
                            Some(Action::AbortRunbook) => {
                                if let Some(h) = &engine {
                                    h.abort.store(true, std::sync::atomic::Ordering::Relaxed);
                                    app.note("runbook: abort requested; the run stops at the next wait");
                                }
                            }
                            Some(Action::Copy(text)) => {
                                osc52(&text);
                                app.message = Some("copied to the clipboard (OSC 52)".into());
                            }
                            None => {}
                        }
                    }
                    TermEvent::Resize(..) => last = None,
                    _ => {}
                },
                changed = observer.snapshot.changed() => {
                    if changed.is_ok() {
                        let snap = observer.snapshot.borrow().clone();
                        let now = jiff::Timestamp::now();
                        let view = model::derive(&snap, &cfg, now, app.view.as_ref());
                        app.preflight = crate::preflight::run(config, &snap, &view);
                        app.update_view(view);
                    }
                }
                Some(msg) = runbook_task::next(&mut engine) => runbook_task::apply(&mut app, msg),
                _ = tick.tick() => {
                    app.now = jiff::Timestamp::now();
                    let snap = observer.snapshot.borrow().clone();
                    let view = model::derive(&snap, &cfg, app.now, app.view.as_ref());
                    app.update_view(view);
                }
            }
        }
    }
    .await;
    restore_terminal();
    result
}

/// Performs a drill on the lab's control API; returns what happened, in words.
/// Copies to the terminal's clipboard (OSC 52): works over ssh and in tmux with set-clipboard.
fn osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

async fn drill(http: &reqwest::Client, control: &str, path: &str) -> String {
    let req = if let Some(rest) = path.strip_prefix("fault:") {
        let mut it = rest.splitn(2, ':');
        let (target, kind) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
        http.post(format!("{control}/lab/faults"))
            .json(&serde_json::json!({"target": target, "kind": kind}))
    } else if path == "faults:clear" {
        http.delete(format!("{control}/lab/faults"))
    } else {
        http.post(format!("{control}{path}"))
    };
    match req.send().await {
        Ok(r) if r.status().is_success() => format!("drill: {path} done"),
        Ok(r) => format!("drill: {path} failed: HTTP {}", r.status().as_u16()),
        Err(e) => format!(
            "drill: {path} failed: {}",
            crate::client::http::describe(&e)
        ),
    }
}

/// `c8dr demo`: the lab in-process and the cockpit on it, with the drill menu.
pub async fn demo(theme: Option<String>, camunda: crate::lab::sim::Camunda) -> Result<()> {
    let lab = crate::lab::Lab::start(crate::lab::Options {
        camunda,
        ..Default::default()
    })
    .await?;
    crate::logging::init_file(&lab.dir.join("c8dr.log"))?;
    let config = Config::load(&lab.ready.config)?;
    let control = lab.ready.control.clone();
    let result = run(
        &config,
        Options {
            read_only: false,
            theme,
            lab_control: Some(control),
        },
    )
    .await;
    lab.shutdown().await;
    result
}

/// `c8dr screenshots`: renders every fixed scene into `dir` as SVG and text.
pub fn screenshots(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    let mut written = vec![];
    for scene in scenes::SCENES {
        let buf = scenes::render(scene);
        let theme = Theme::built_in(scene.theme);
        let (bg, fg) = match scene.theme {
            "light" => ("#fafafa", "#1c1c1c"),
            _ => ("#101418", "#d0d0d0"),
        };
        let bg = match theme.bg {
            ratatui::style::Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
            _ => bg.to_string(),
        };
        for (ext, content) in [
            ("svg", export::svg(&buf, &bg, fg)),
            ("txt", export::text(&buf)),
        ] {
            let path = dir.join(format!("{}.{ext}", scene.name));
            let mut f = std::fs::File::create(&path)
                .wrap_err_with(|| format!("writing {}", path.display()))?;
            f.write_all(content.as_bytes())
                .wrap_err_with(|| format!("writing {}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}
