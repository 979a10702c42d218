//! The cockpit's state and how keys change it. Pure: keys in, state and actions out; the event
//! loop performs the actions (I/O) and drawing reads the state.

use super::keymap::{self, Context, Msg};
use super::runbook::Pane as RunbookPane;
use crate::api::{BrokerId, Region};
use crate::model::ClusterView;
use crate::model::events::Event;
use crate::runbook::engine::Recovery;
use crate::runbook::gate::{Confirmation, Decision};
use crate::runbook::plan::Procedure;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::VecDeque;
use std::ops::ControlFlow;

/// Panes Tab cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Regions,
    Partitions,
    Exporters,
    Events,
}

impl Pane {
    const ALL: [Pane; 4] = [
        Pane::Regions,
        Pane::Partitions,
        Pane::Exporters,
        Pane::Events,
    ];

    fn step(self, by: isize) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0) as isize;
        Pane::ALL[(i + by).rem_euclid(Pane::ALL.len() as isize) as usize]
    }
}

/// A detail view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Region(Region),
    Broker(BrokerId),
    Partition(i32),
}

/// What the screen is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    /// `:` typed so far.
    Command(String),
    /// `/` partition filter being typed.
    Filter(String),
    /// The drill menu with the highlighted entry.
    Drill(usize),
    Detail(Detail),
    Preflight,
    /// The runbook pane (failover / failback).
    Runbook,
    /// The events, full screen (the timeline), scrolled by the events pane's selection.
    Events,
    /// The incident record of a run (`:report [RUN]`), scrolled.
    Report,
    /// Quit asked while a run is in progress: y quits, any other key returns to this mode.
    ConfirmQuit(Box<Mode>),
}

/// Something for the event loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Perform the drill at this index of the injected drill list (demo only).
    Drill(usize),
    /// Start (or, read-only, only plan) a procedure for a region.
    StartRunbook(Procedure, Region),
    /// Continue a journaled run (`:resume RUN`).
    ResumeRunbook(String),
    /// The operator's answer to the runbook's question.
    Answer(Decision),
    /// What to do after a failed step.
    Recover(Recovery),
    AbortRunbook,
    /// Copy to the clipboard over OSC 52 (works through ssh and tmux).
    Copy(String),
    /// Show the incident record of a run (`latest` or its id): `:report [RUN]`.
    ShowReport(String),
    Quit,
}

pub struct App {
    pub view: Option<ClusterView>,
    /// The frame `f f` froze, shown instead of the live view; its data ages keep counting.
    pub frozen: Option<ClusterView>,
    /// `f` was pressed once: a second `f` freezes, any other key does not.
    pub freeze_armed: bool,
    pub events: VecDeque<Event>,
    pub mode: Mode,
    pub pane: Pane,
    pub region_focus: Option<Region>,
    pub selected: usize,
    pub partition_filter: String,
    pub theme_names: Vec<String>,
    pub theme_index: usize,
    pub read_only: bool,
    /// The drill menu's labels (empty: no drill menu; `c8dr demo` injects the lab's).
    pub drills: Vec<String>,
    /// A line for the footer: the last action's outcome or a hint. It goes away after
    /// [`MESSAGE_SECONDS`] (the events keep what matters).
    pub message: Option<String>,
    /// The message on screen and since when (stamped by the clock's tick).
    message_since: Option<(String, jiff::Timestamp)>,
    pub now: jiff::Timestamp,
    pub quit: bool,
    /// The latest preflight results (computed by the event loop from the live observations).
    pub preflight: Vec<crate::preflight::Check>,
    /// The runbook of this session (running, finished, or a read-only plan).
    pub runbook: Option<RunbookPane>,
    /// The help's page on a screen too small for all of it (↑↓ turn it; any value is a page).
    pub help_page: i32,
    /// Which drill fits the moment, from the live view (the drill menu opens on it);
    /// `c8dr demo` injects the lab's.
    pub drill_suggest: Option<DrillSuggest>,
    /// The help was opened from the runbook pane: closing it returns there.
    help_over_run: bool,
    /// The terminal's size at the last frame (the loop sets it): the pane keys skip panes
    /// that size does not draw. `None`: every pane counts.
    pub size: Option<(u16, u16)>,
    /// Where the verdict's changes and the events are kept for the incident record (the
    /// live cockpit sets it; writing is the history's thread's, never this loop's).
    pub history: Option<crate::incident::history_file::History>,
    /// The incident record shown by `:report` (the loop reads the files and sets it).
    pub report: Option<super::report::Pane>,
}

/// Picks the drill menu's entry for a view and the run in progress (an index into the drill
/// labels).
pub type DrillSuggest = std::sync::Arc<
    dyn Fn(&ClusterView, Option<&crate::runbook::engine::RunState>) -> Option<usize> + Send + Sync,
>;

const MAX_EVENTS: usize = 200;

/// How long a footer message stays.
pub const MESSAGE_SECONDS: i64 = 8;

/// Rows PgUp and PgDn move.
const PAGE: usize = 10;

/// The footer's question after one `f`.
const FREEZE_ASK: &str = "press f again to freeze the screen (its data stops updating)";

impl App {
    pub fn new(
        read_only: bool,
        drills: Vec<String>,
        theme_names: Vec<String>,
        now: jiff::Timestamp,
    ) -> App {
        App {
            view: None,
            frozen: None,
            freeze_armed: false,
            events: VecDeque::new(),
            mode: Mode::Normal,
            pane: Pane::Regions,
            region_focus: None,
            selected: 0,
            partition_filter: String::new(),
            theme_names,
            theme_index: 0,
            read_only,
            drills: if read_only { Vec::new() } else { drills },
            message: None,
            message_since: None,
            now,
            quit: false,
            preflight: Vec::new(),
            runbook: None,
            help_page: 0,
            drill_suggest: None,
            help_over_run: false,
            size: None,
            history: None,
            report: None,
        }
    }

    /// Moves the focus to the next (or previous) pane on screen: on a compact dashboard
    /// (80×24) the exporters and events panes are not drawn, so focus never lands there
    /// unseen (`e` opens the events full screen instead).
    fn step_pane(&mut self, by: isize) {
        let bottom = self
            .size
            .is_none_or(|(w, h)| super::draw::bottom_panes_shown(self, w, h));
        let mut pane = self.pane.step(by);
        while !bottom && matches!(pane, Pane::Exporters | Pane::Events) {
            pane = pane.step(by);
        }
        self.pane = pane;
        self.selected = 0;
    }

    /// Whether this session has a drill menu.
    pub fn has_drills(&self) -> bool {
        !self.drills.is_empty()
    }

    /// The drill menu, opened on the drill that fits the live view.
    fn open_drills(&mut self) {
        let i = match (&self.drill_suggest, &self.view) {
            (Some(pick), Some(v)) => {
                pick(v, self.run_in_progress().map(|p| &p.state)).filter(|i| *i < self.drills.len())
            }
            _ => None,
        };
        self.mode = Mode::Drill(i.unwrap_or(0));
    }

    /// The run of this session while it goes on (not finished, not a read-only plan).
    pub fn run_in_progress(&self) -> Option<&RunbookPane> {
        self.runbook
            .as_ref()
            .filter(|p| !p.finished() && !p.plan_only)
    }

    /// Quit: at once, or, while a run is in progress, after asking (the question says what
    /// becomes of the run).
    fn request_quit(&mut self) -> Option<Action> {
        if self.run_in_progress().is_none() {
            return Some(Action::Quit);
        }
        if !matches!(self.mode, Mode::ConfirmQuit(_)) {
            let back = std::mem::replace(&mut self.mode, Mode::Normal);
            self.mode = Mode::ConfirmQuit(Box::new(back));
        }
        None
    }

    /// The view to draw: the frozen one, else the live one.
    pub fn shown(&self) -> Option<&ClusterView> {
        self.frozen.as_ref().or(self.view.as_ref())
    }

    /// A new view from the model; records what changed.
    pub fn update_view(&mut self, view: ClusterView) {
        let new = match &self.view {
            Some(prev) => crate::model::events::diff(prev, &view),
            None => vec![],
        };
        if let Some(h) = &mut self.history {
            h.observe(&view, &new);
        }
        self.push_events(new);
        self.view = Some(view);
    }

    /// New events on top; a reader scrolled down the timeline keeps the event selected.
    fn push_events(&mut self, new: Vec<Event>) {
        let n = new.len();
        for e in new {
            self.events.push_front(e);
        }
        self.events.truncate(MAX_EVENTS);
        if self.pane == Pane::Events && self.selected > 0 {
            self.selected = (self.selected + n).min(self.events.len().saturating_sub(1));
        }
    }

    /// The clock moved on (the loop's 1 s tick): a frozen frame's data grows older, and a
    /// footer message that has been read goes away.
    pub fn tick(&mut self, now: jiff::Timestamp) {
        let step = now.duration_since(self.now).as_secs_f64().max(0.0);
        self.now = now;
        if let Some(v) = &mut self.frozen {
            for r in &mut v.regions {
                r.data_age_s = r.data_age_s.map(|a| a + step);
                for s in &mut r.sources {
                    s.age_s = s.age_s.map(|a| a + step);
                }
            }
        }
        match (&self.message, &self.message_since) {
            (None, _) => self.message_since = None,
            (Some(m), Some((seen, since))) if m == seen => {
                if now.duration_since(*since).as_secs() >= MESSAGE_SECONDS {
                    self.message = None;
                    self.message_since = None;
                    self.freeze_armed = false;
                }
            }
            (Some(m), _) => self.message_since = Some((m.clone(), now)),
        }
    }

    /// How old the frozen frame's data is, when frozen.
    pub fn frozen_age(&self) -> Option<(jiff::Timestamp, f64)> {
        let at = self.frozen.as_ref()?.at.parse::<jiff::Timestamp>().ok()?;
        Some((at, self.now.duration_since(at).as_secs_f64().max(0.0)))
    }

    fn disarm_freeze(&mut self) {
        if self.freeze_armed {
            self.freeze_armed = false;
            if self.message.as_deref() == Some(FREEZE_ASK) {
                self.message = None;
            }
        }
    }

    /// `f`: once asks, twice freezes; on a frozen screen it returns to live.
    fn freeze(&mut self) {
        if self.frozen.take().is_some() {
            self.message = Some("live again".into());
        } else if self.freeze_armed {
            self.freeze_armed = false;
            self.frozen = self.view.clone();
            self.message = None;
        } else {
            self.freeze_armed = true;
            self.message = Some(FREEZE_ASK.into());
        }
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.note_at(crate::model::Level::Ok, text);
    }

    /// A note that is a problem (a run that did not start): marked as a warning in the log.
    pub fn note_at(&mut self, level: crate::model::Level, text: impl Into<String>) {
        let text = text.into();
        let event = Event {
            at: self.now.to_string(),
            level,
            text: text.clone(),
        };
        if let Some(h) = &mut self.history {
            h.note(&event);
        }
        self.push_events(vec![event]);
        self.message = Some(text);
    }

    fn rows_in_pane(&self) -> usize {
        let Some(v) = self.shown() else { return 0 };
        match self.pane {
            Pane::Regions => v.brokers.len(),
            Pane::Partitions => self.filtered_partitions().len(),
            Pane::Exporters => v.exporters.len(),
            Pane::Events => self.events.len(),
        }
    }

    /// Partitions matching the `/` filter: ids, "lost", "ok", or a broker as "bN".
    pub fn filtered_partitions(&self) -> Vec<&crate::model::PartitionView> {
        let Some(v) = self.shown() else { return vec![] };
        let f = self.partition_filter.trim().to_ascii_lowercase();
        v.partitions
            .iter()
            .filter(|p| {
                f.is_empty()
                    || (f == "lost" && p.has_quorum == Some(false))
                    || (f == "ok" && p.has_quorum == Some(true))
                    || f.split([',', ' ']).any(|t| t == p.id.to_string())
                    || f.strip_prefix('b')
                        // Untrimmed, as typed: `b 3` is no broker filter.
                        .filter(|b| b.trim() == *b)
                        .and_then(|b| b.parse::<BrokerId>().ok())
                        .is_some_and(|b| p.replicas.contains(&b) || p.live_replicas.contains(&b))
            })
            .collect()
    }

    /// Handles a key; returns what the event loop must do.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        // The quit question takes every key: y quits, anything else stays.
        if let Mode::ConfirmQuit(back) = &self.mode {
            if key.code == KeyCode::Char('y') && key.modifiers.is_empty() {
                return Some(Action::Quit);
            }
            self.mode = (**back).clone();
            return None;
        }
        // The help takes every key: it turns its pages and closes; nothing acts behind it.
        if self.mode == Mode::Help {
            return self.on_help_key(key);
        }
        // Text entry first: the keymap does not apply while typing (Ctrl-C still quits).
        let ctrl_c = key.code == KeyCode::Char('c')
            && key
                .modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL);
        match &mut self.mode {
            Mode::Command(_) | Mode::Filter(_) if ctrl_c => {
                self.mode = Mode::Normal;
                return self.request_quit();
            }
            Mode::Command(text) | Mode::Filter(text) => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Normal,
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Enter => {
                        let entered = text.clone();
                        let was_filter = matches!(self.mode, Mode::Filter(_));
                        self.mode = Mode::Normal;
                        return if was_filter {
                            self.partition_filter = entered;
                            self.pane = Pane::Partitions;
                            self.selected = 0;
                            None
                        } else {
                            self.command(&entered)
                        };
                    }
                    KeyCode::Char(c) if !c.is_control() => text.push(c),
                    _ => {}
                }
                return None;
            }
            _ => {}
        }
        if self.mode == Mode::Runbook {
            return self.on_runbook_key(key);
        }
        let msg = keymap::lookup(Context::Dashboard, &key);
        if msg != Some(Msg::Freeze) {
            // Any other key, bound or not, cancels a first `f`.
            self.disarm_freeze();
        }
        self.on_msg(msg?)
    }

    /// The help's keys: ↑↓ (and j k, PgUp PgDn, Space) turn its pages; ? Esc q close it; Ctrl-C
    /// quits (asking while a run goes on). Every other key is swallowed, so nothing acts on
    /// the screen behind the help.
    fn on_help_key(&mut self, key: KeyEvent) -> Option<Action> {
        let ctrl = key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => {
                self.mode = self.after_help();
                return self.request_quit();
            }
            KeyCode::Up | KeyCode::PageUp | KeyCode::Char('k') => {
                self.help_page = self.help_page.wrapping_sub(1)
            }
            KeyCode::Down | KeyCode::PageDown | KeyCode::Char('j' | ' ') => {
                self.help_page = self.help_page.wrapping_add(1)
            }
            KeyCode::Esc | KeyCode::Char('?' | 'q') => self.mode = self.after_help(),
            _ => {}
        }
        None
    }

    /// Keys of the runbook pane, looked up in the keymap: Ctrl-C first, then the contexts of
    /// the pane's prompt, then moving and closing.
    fn on_runbook_key(&mut self, key: KeyEvent) -> Option<Action> {
        let ctrl = key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return self.request_quit();
        }
        let Some(contexts) = self.runbook.as_ref().map(runbook_contexts) else {
            self.mode = Mode::Normal;
            return None;
        };
        for context in contexts {
            if let Some(msg) = keymap::lookup(context, &key)
                && let ControlFlow::Break(action) = self.on_runbook_msg(context, msg)
            {
                return action;
            }
            if context == Context::Typing {
                // Typing takes every other key as text.
                if let (KeyCode::Char(c), Some(p)) = (key.code, self.runbook.as_mut())
                    && !c.is_control()
                {
                    p.typed.push(c);
                }
                return None;
            }
        }
        None
    }

    /// A pane key's message in its context; `Continue` passes the key on to the next context
    /// (an override when the failure is no refusal).
    fn on_runbook_msg(&mut self, context: Context, msg: Msg) -> ControlFlow<Option<Action>> {
        match context {
            Context::Typing => ControlFlow::Break(self.on_typing(msg)),
            Context::Failure => self.on_failure(msg),
            Context::Question => ControlFlow::Break(self.on_question(msg)),
            Context::Runbook | Context::Dashboard => ControlFlow::Break(self.on_runbook_pane(msg)),
        }
    }

    /// Typing in the pane: a failure's skip reason or override name when a failure waits,
    /// else the region's name for a force step's question.
    fn on_typing(&mut self, msg: Msg) -> Option<Action> {
        use super::runbook::Typing;
        let p = self.runbook.as_mut()?;
        if p.failure.is_some()
            && let Some(typing) = p.typing
        {
            match msg {
                Msg::Back => {
                    p.typing = None;
                    p.typed.clear();
                }
                Msg::Erase => {
                    p.typed.pop();
                }
                Msg::Submit => {
                    let typed = std::mem::take(&mut p.typed);
                    p.typing = None;
                    p.failure = None;
                    return Some(Action::Recover(match typing {
                        Typing::SkipReason => Recovery::Skip(typed),
                        Typing::OverrideName => Recovery::Override { typed },
                    }));
                }
                Msg::AbortRun => return self.abort_run(),
                _ => {}
            }
            return None;
        }
        match msg {
            Msg::Back => {
                // Not now: the question stays; the run waits at the step.
                p.typed.clear();
                self.mode = Mode::Normal;
            }
            Msg::AbortRun => return self.abort_run(),
            Msg::Erase => {
                p.typed.pop();
            }
            Msg::Submit => {
                p.ask = None;
                return approval(Some(std::mem::take(&mut p.typed)));
            }
            _ => {}
        }
        None
    }

    /// A failed step: retry, skip with a reason, override a refusal, or abort.
    fn on_failure(&mut self, msg: Msg) -> ControlFlow<Option<Action>> {
        use super::runbook::Typing;
        let Some(p) = self.runbook.as_mut() else {
            return ControlFlow::Break(None);
        };
        let refused = p.failure.as_ref().is_some_and(|f| f.refused);
        ControlFlow::Break(match msg {
            Msg::Retry => {
                p.failure = None;
                Some(Action::Recover(Recovery::Retry))
            }
            Msg::Skip => {
                p.typing = Some(Typing::SkipReason);
                p.typed.clear();
                None
            }
            Msg::Override if refused => {
                p.typing = Some(Typing::OverrideName);
                p.typed.clear();
                None
            }
            Msg::AbortRun => return ControlFlow::Break(self.abort_run()),
            _ => return ControlFlow::Continue(()),
        })
    }

    /// A step's question: yes, not now (the run waits at the step), or abort the run.
    fn on_question(&mut self, msg: Msg) -> Option<Action> {
        let p = self.runbook.as_mut()?;
        match msg {
            Msg::Approve => {
                p.ask = None;
                approval(None)
            }
            Msg::Later => {
                self.mode = Mode::Normal;
                None
            }
            Msg::AbortRun => self.abort_run(),
            _ => None,
        }
    }

    /// Abort the run. The engine ends it at the step it is on: a question waiting is answered
    /// no (which the engine takes as the end of the run), a failure waiting is answered abort,
    /// a step that waits on the cluster stops at its next check.
    fn abort_run(&mut self) -> Option<Action> {
        let p = self.runbook.as_mut()?;
        if p.finished() || p.plan_only {
            return None;
        }
        p.typing = None;
        p.typed.clear();
        if p.failure.take().is_some() {
            return Some(Action::Recover(Recovery::Abort));
        }
        if p.ask.take().is_some() {
            return Some(Action::Answer(Decision::Decline));
        }
        Some(Action::AbortRunbook)
    }

    /// Moving through the steps, following the run, copying, aborting, closing.
    fn on_runbook_pane(&mut self, msg: Msg) -> Option<Action> {
        let has_drills = self.has_drills();
        let p = self.runbook.as_mut()?;
        match msg {
            Msg::Up => {
                p.selected = p.selected.saturating_sub(1);
                p.follow = false;
            }
            Msg::Down => {
                p.selected = (p.selected + 1).min(p.state.steps.len().saturating_sub(1));
                p.follow = false;
            }
            Msg::Follow => p.follow = true,
            // The operator's part of a rehearsal (Helm, DNS) without leaving the run.
            Msg::Drill if has_drills => self.open_drills(),
            Msg::Back => self.mode = Mode::Normal,
            Msg::Help => {
                self.help_page = 0;
                self.help_over_run = true;
                self.mode = Mode::Help;
            }
            Msg::AbortRun => return self.abort_run(),
            Msg::Copy => {
                return match p.selected_command() {
                    Some(c) => Some(Action::Copy(c)),
                    None => {
                        self.message = Some("this step has nothing to run by hand".into());
                        None
                    }
                };
            }
            Msg::Quit => return self.request_quit(),
            _ => {}
        }
        None
    }

    /// Where closing an overlay returns: the runbook pane while a run goes on, else the
    /// dashboard.
    fn after_overlay(&self) -> Mode {
        match &self.runbook {
            Some(p) if !p.finished() && !p.plan_only => Mode::Runbook,
            _ => Mode::Normal,
        }
    }

    /// Where closing the help returns: where it was opened.
    fn after_help(&self) -> Mode {
        if self.help_over_run && self.runbook.is_some() {
            Mode::Runbook
        } else {
            Mode::Normal
        }
    }

    /// F / B: reopen the running pane, or propose a region from what is observed.
    fn open_runbook(&mut self, p: Procedure) -> Option<Action> {
        if let Some(pane) = &self.runbook
            && !pane.finished()
            && !pane.plan_only
        {
            self.mode = Mode::Runbook;
            return None;
        }
        match super::runbook::propose(self.shown(), p) {
            Ok(r) => Some(Action::StartRunbook(p, r)),
            Err(why) => {
                self.message = Some(format!("{}: {why}", p.name()));
                None
            }
        }
    }

    fn command(&mut self, cmd: &str) -> Option<Action> {
        match cmd.trim() {
            "q" | "quit" => self.request_quit(),
            "help" => {
                self.help_page = 0;
                self.help_over_run = false;
                self.mode = Mode::Help;
                None
            }
            "drill" | "d" if self.has_drills() => {
                self.open_drills();
                None
            }
            c if c.starts_with("theme ") => {
                let name = c.trim_start_matches("theme ").trim();
                match self.theme_names.iter().position(|n| n == name) {
                    Some(i) => self.theme_index = i,
                    None => {
                        self.message = Some(format!(
                            "no theme {name:?}; themes: {}",
                            self.theme_names.join(", ")
                        ))
                    }
                }
                None
            }
            c if c.starts_with("resume ") => {
                let id = c.trim_start_matches("resume ").trim().to_string();
                if self.read_only {
                    self.message = Some("read-only: runs cannot be resumed here".into());
                    None
                } else if self
                    .runbook
                    .as_ref()
                    .is_some_and(|p| !p.finished() && !p.plan_only)
                {
                    self.message = Some("a run is in progress: finish or abort it first".into());
                    None
                } else if id.is_empty() || id.contains(['/', '\\']) {
                    self.message = Some("resume which run? :resume RUN (see c8dr journal)".into());
                    None
                } else {
                    Some(Action::ResumeRunbook(id))
                }
            }
            "report" => Some(Action::ShowReport("latest".into())),
            c if c.starts_with("report ") => {
                let id = c.trim_start_matches("report ").trim();
                if id.is_empty() || id.contains(['/', '\\']) {
                    self.message =
                        Some("report of which run? :report RUN (see c8dr journal)".into());
                    None
                } else {
                    Some(Action::ShowReport(id.to_string()))
                }
            }
            c if c.starts_with("partition ") => {
                if let Ok(id) = c.trim_start_matches("partition ").trim().parse() {
                    self.mode = Mode::Detail(Detail::Partition(id));
                }
                None
            }
            c if c.starts_with("broker ") => {
                if let Ok(id) = c.trim_start_matches("broker ").trim().parse() {
                    self.mode = Mode::Detail(Detail::Broker(id));
                }
                None
            }
            "" => None,
            other => {
                self.message = Some(format!(
                    "unknown command {other:?}: try help, quit, theme NAME, partition N, broker N, resume RUN, report [RUN]{}",
                    if self.has_drills() { ", drill" } else { "" }
                ));
                None
            }
        }
    }

    /// The incident record's keys: scroll, close (back where it was opened), quit.
    fn on_report(&mut self, msg: Msg) -> Option<Action> {
        let by = match msg {
            Msg::Up => -1,
            Msg::Down => 1,
            Msg::PageUp => -(PAGE as isize),
            Msg::PageDown => PAGE as isize,
            Msg::Back => {
                self.mode = self.after_overlay();
                return None;
            }
            Msg::Quit => {
                self.mode = self.after_overlay();
                return self.request_quit();
            }
            _ => return None,
        };
        if let Some(p) = &mut self.report {
            p.scroll_by(by);
        }
        None
    }

    /// The drill menu's keys: choose, run, close.
    fn on_drill_menu(&mut self, i: usize, msg: Msg) -> Option<Action> {
        match msg {
            Msg::Up => self.mode = Mode::Drill(i.saturating_sub(1)),
            Msg::Down => self.mode = Mode::Drill((i + 1).min(self.drills.len().saturating_sub(1))),
            Msg::Enter => {
                self.mode = self.after_overlay();
                return (i < self.drills.len()).then_some(Action::Drill(i));
            }
            Msg::Back | Msg::Drill => self.mode = self.after_overlay(),
            Msg::Quit => {
                self.mode = self.after_overlay();
                return self.request_quit();
            }
            _ => {}
        }
        None
    }

    /// A dashboard key (and the keys of its overlays).
    pub fn on_msg(&mut self, msg: Msg) -> Option<Action> {
        if msg != Msg::Freeze {
            self.disarm_freeze();
        }
        // Overlays take their own keys.
        if let Mode::Drill(i) = self.mode {
            return self.on_drill_menu(i, msg);
        }
        if self.mode == Mode::Report {
            return self.on_report(msg);
        }
        if self.mode == Mode::Events
            && matches!(
                msg,
                Msg::NextPane
                    | Msg::PrevPane
                    | Msg::Left
                    | Msg::Right
                    | Msg::Enter
                    | Msg::Filter
                    | Msg::Region(_)
            )
        {
            // The timeline scrolls the events; the panes' keys wait until it closes.
            return None;
        }
        match msg {
            Msg::Quit => return self.request_quit(),
            Msg::Help => {
                self.help_page = 0;
                self.help_over_run = false;
                self.mode = Mode::Help;
            }
            Msg::Back => {
                // Esc closes whatever is open, never quits; then it returns to live.
                if self.mode != Mode::Normal {
                    self.mode = Mode::Normal;
                } else if self.frozen.is_some() {
                    self.freeze();
                } else if !self.partition_filter.is_empty() {
                    self.partition_filter.clear();
                } else {
                    self.region_focus = None;
                }
            }
            Msg::Command => self.mode = Mode::Command(String::new()),
            Msg::Filter => self.mode = Mode::Filter(self.partition_filter.clone()),
            Msg::NextPane => self.step_pane(1),
            Msg::PrevPane => self.step_pane(-1),
            Msg::Up => self.selected = self.selected.saturating_sub(1),
            Msg::Down => {
                self.selected = (self.selected + 1).min(self.rows_in_pane().saturating_sub(1))
            }
            Msg::Left | Msg::Right => self.step_pane(if msg == Msg::Left { -1 } else { 1 }),
            Msg::Region(r) => self.region_focus = r,
            Msg::Freeze => self.freeze(),
            Msg::Events => {
                if self.mode == Mode::Events {
                    self.mode = Mode::Normal;
                } else {
                    if self.pane != Pane::Events {
                        self.pane = Pane::Events;
                        self.selected = 0;
                    }
                    self.mode = Mode::Events;
                }
            }
            Msg::PageUp => self.selected = self.selected.saturating_sub(PAGE),
            Msg::PageDown => {
                self.selected = (self.selected + PAGE).min(self.rows_in_pane().saturating_sub(1))
            }
            Msg::Theme => {
                if !self.theme_names.is_empty() {
                    self.theme_index = (self.theme_index + 1) % self.theme_names.len();
                    self.message = Some(format!("theme {}", self.theme_names[self.theme_index]));
                }
            }
            Msg::Enter if self.pane == Pane::Events => self.mode = Mode::Events,
            Msg::Enter => self.mode = Mode::Detail(self.selected_detail()?),
            Msg::Preflight => {
                self.mode = if self.mode == Mode::Preflight {
                    Mode::Normal
                } else {
                    Mode::Preflight
                };
            }
            Msg::Failover => return self.open_runbook(Procedure::Failover),
            Msg::Failback => return self.open_runbook(Procedure::Failback),
            Msg::ToRun => match &self.runbook {
                Some(_) => self.mode = Mode::Runbook,
                None => {
                    self.message = Some("no run in this session: F fails over, B fails back".into())
                }
            },
            Msg::Drill => {
                if self.has_drills() {
                    self.open_drills();
                } else if self.read_only {
                    self.message = Some("read-only: no actions".into());
                } else {
                    self.message = Some("the drill menu exists in `c8dr demo` only".into());
                }
            }
            // The runbook pane's own keys mean nothing here.
            Msg::Follow
            | Msg::Copy
            | Msg::AbortRun
            | Msg::Approve
            | Msg::Later
            | Msg::Retry
            | Msg::Skip
            | Msg::Override
            | Msg::Submit
            | Msg::Erase => {}
        }
        None
    }

    /// The details of the selected row.
    fn selected_detail(&self) -> Option<Detail> {
        let v = self.shown()?;
        Some(match self.pane {
            Pane::Regions => Detail::Broker(v.brokers.get(self.selected)?.id),
            Pane::Partitions => {
                Detail::Partition(self.filtered_partitions().get(self.selected)?.id)
            }
            Pane::Exporters | Pane::Events => {
                Detail::Region(self.region_focus.unwrap_or(Region::ZERO))
            }
        })
    }

    pub fn theme_name(&self) -> &str {
        self.theme_names
            .get(self.theme_index)
            .map(String::as_str)
            .unwrap_or("default")
    }
}

/// The contexts the runbook pane's keys are looked up in, most specific first. Typing takes
/// every key; a failure's keys come before a question's, and both before moving and closing.
fn runbook_contexts(p: &RunbookPane) -> Vec<Context> {
    let mut contexts = vec![];
    if p.failure.is_some() {
        contexts.push(if p.typing.is_some() {
            Context::Typing
        } else {
            Context::Failure
        });
    }
    if p.ask.is_some() {
        contexts.push(if asks_for_name(p) {
            Context::Typing
        } else {
            Context::Question
        });
    }
    contexts.push(Context::Runbook);
    contexts
}

/// A force step's question is answered by typing the region's name, not by yes or no.
fn asks_for_name(p: &RunbookPane) -> bool {
    // The pane asks what the gate needs, nothing it decides itself.
    p.ask
        .as_ref()
        .is_some_and(|ask| matches!(ask.confirmation, Confirmation::TypeRegionName(_)))
}

/// The operator's yes, with the name typed for a force step.
fn approval(typed: Option<String>) -> Option<Action> {
    Some(Action::Answer(Decision::Approve { typed }))
}
