//! The runbook pane (DESIGN.md §4): the step list with states, and for the selected step its
//! target, exact request and `curl`, check and live evidence, guards; the confirmation the
//! gate says a step needs (force: the region's name typed, after the dry run). The engine runs
//! in a task; [`PaneOperator`] carries its progress to the pane and the operator's answers
//! back.

use super::theme::Theme;
use crate::api::Region;
use crate::model::{ClusterView, Reach};
use crate::runbook::engine::{Operator, Preview, Recovery, RunState, StepRun};
use crate::runbook::gate::{Confirmation, Decision};
use crate::runbook::journal::{Outcome, StepState};
use crate::runbook::plan::{Danger, Procedure, Step};
use crate::runbook::render;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// The engine is waiting for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    /// The step's key (`FO-1`).
    pub key: String,
    /// What is asked (the step's title, or a remediation such as a pod restart).
    pub what: String,
    pub preview: Preview,
    /// What the gate needs: a yes, the region's name typed, or "done?" for a step no API
    /// shows. The pane asks exactly this.
    pub confirmation: Confirmation,
}

/// A step failed and the engine waits for the operator's choice.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub key: String,
    pub why: String,
    /// A guard refused: overriding is possible (with the region's name typed).
    pub refused: bool,
}

/// What is being typed in the pane's prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    SkipReason,
    OverrideName,
}

/// What the pane shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Pane {
    pub state: RunState,
    /// Per step: what it does, in lines (request, body, curl, manual commands).
    pub details: Vec<Vec<String>>,
    pub selected: usize,
    /// The selection follows the running step until the operator moves it.
    pub follow: bool,
    pub ask: Option<Ask>,
    pub failure: Option<Failure>,
    pub typing: Option<Typing>,
    /// What is typed (the region's name for a force step or an override, a skip reason).
    pub typed: String,
    /// Read-only: the plan is shown and cannot run.
    pub plan_only: bool,
    /// When `state` arrived (the cockpit's clock): the run's time keeps counting from there
    /// while nothing changes, a prompt waiting for the operator included.
    pub state_at: Option<jiff::Timestamp>,
}

impl Pane {
    pub fn new(state: RunState, details: Vec<Vec<String>>, plan_only: bool) -> Pane {
        Pane {
            state,
            details,
            selected: 0,
            follow: true,
            ask: None,
            failure: None,
            typing: None,
            typed: String::new(),
            plan_only,
            state_at: None,
        }
    }

    /// A new state from the engine, received at `at`.
    pub fn update(&mut self, state: RunState, at: jiff::Timestamp) {
        self.state_at = Some(at);
        if self.follow
            && let Some(c) = state.current
        {
            self.selected = c;
        }
        self.state = state;
    }

    pub fn finished(&self) -> bool {
        self.state.outcome.is_some()
    }

    /// The run's wall time at `now`: the engine's last count, plus the time since it arrived
    /// while the run goes on (the engine reports only when something changes).
    pub fn elapsed(&self, now: jiff::Timestamp) -> std::time::Duration {
        let since = match self.state_at {
            Some(at) if !self.finished() => now
                .duration_since(at)
                .try_into()
                .unwrap_or(std::time::Duration::ZERO),
            _ => std::time::Duration::ZERO,
        };
        self.state.elapsed + since
    }

    /// The run's procedure and region in words: `failover of region1 paris`.
    pub fn what(&self) -> String {
        let i = &self.state.inputs;
        format!(
            "{} of region{} {}",
            i.procedure.name(),
            i.region,
            i.names[i.region]
        )
    }

    /// Where the run is, in words: the step that waits for the operator, or the one running.
    pub fn where_now(&self) -> String {
        if let Some(fl) = &self.failure {
            return format!("{} failed and waits for your choice", fl.key);
        }
        if let Some(a) = &self.ask {
            return format!("{} waits for you", a.key);
        }
        if let Some(o) = self.state.outcome {
            return o.word().to_string();
        }
        let current = self
            .state
            .current
            .and_then(|c| Some((self.state.steps.get(c)?, self.state.progress.get(c)?)));
        match current {
            Some((step, p)) => format!("{} {}", step.key, render::state_word(p.state)),
            None => "starting".into(),
        }
    }

    /// A request of the current step may be on its way (it is running): its effect is settled
    /// from the journal and the cluster on resume.
    pub fn request_in_flight(&self) -> Option<&str> {
        let c = self.state.current?;
        let p = self.state.progress.get(c)?;
        matches!(p.state, StepState::Running | StepState::Verifying)
            .then(|| self.state.steps.get(c).map(|s| s.key.as_str()))
            .flatten()
    }

    /// What the selected step asks to be run by hand: its `curl`, or its manual commands
    /// (copied over OSC 52).
    pub fn selected_command(&self) -> Option<String> {
        let step = self.state.steps.get(self.selected)?;
        match &step.action {
            crate::runbook::plan::Action::Manual { commands } => Some(commands.join("\n")),
            _ => {
                let lines = self.details.get(self.selected)?;
                let i = lines.iter().position(|l| l == "curl")?;
                let cmd: Vec<&str> = lines[i + 1..]
                    .iter()
                    .take_while(|l| l.starts_with("  "))
                    .map(|l| l.trim())
                    .collect();
                (!cmd.is_empty()).then(|| cmd.join("\n"))
            }
        }
    }
}

/// Messages from the engine task to the pane.
#[derive(Debug)]
pub enum ToUi {
    Started(Box<Pane>),
    State(Box<RunState>),
    Ask(Ask),
    Failure(Failure),
    Error(String),
}

/// The engine's operator in the TUI.
pub struct PaneOperator {
    pub tx: mpsc::UnboundedSender<ToUi>,
    pub answers: mpsc::UnboundedReceiver<Decision>,
    pub recoveries: mpsc::UnboundedReceiver<Recovery>,
    pub abort: Arc<AtomicBool>,
}

impl Operator for PaneOperator {
    fn update(&mut self, state: &RunState) {
        let _ = self.tx.send(ToUi::State(Box::new(state.clone())));
    }

    async fn confirm(&mut self, step: &Step, needs: &Confirmation, preview: &Preview) -> Decision {
        let _ = self.tx.send(ToUi::Ask(Ask {
            key: step.key.clone(),
            what: step.title.clone(),
            preview: preview.clone(),
            confirmation: needs.clone(),
        }));
        self.answers.recv().await.unwrap_or(Decision::Decline)
    }

    async fn on_failure(&mut self, step: &Step, why: &str, refused: bool) -> Recovery {
        let _ = self.tx.send(ToUi::Failure(Failure {
            key: step.key.clone(),
            why: why.to_string(),
            refused,
        }));
        self.recoveries.recv().await.unwrap_or(Recovery::Abort)
    }

    fn abort_requested(&mut self) -> bool {
        self.abort.load(Ordering::Relaxed)
    }
}

/// Which region a procedure is about, from what is observed: failover proposes the one
/// region that does not answer; failback the region without cluster members.
pub fn propose(view: Option<&ClusterView>, p: Procedure) -> Result<Region, String> {
    let Some(v) = view else {
        return Err("no observations yet".into());
    };
    match p {
        Procedure::Failover => {
            let down: Vec<Region> = v
                .regions
                .iter()
                .filter(|r| r.reachable == Reach::Down)
                .map(|r| r.id)
                .collect();
            match down.as_slice() {
                [r] => Ok(*r),
                [] => Err(
                    "no region is lost: both answer (F proposes the region that does not)".into(),
                ),
                _ => Err("neither region answers c8dr: check c8dr's own connectivity first".into()),
            }
        }
        Procedure::Failback => {
            let members = |r: Region| {
                v.brokers
                    .iter()
                    .filter(|b| b.region == r && b.member == Some(true))
                    .count()
            };
            match (members(Region::ZERO), members(Region::ONE)) {
                (0, n) if n > 0 => Ok(Region::ZERO),
                (n, 0) if n > 0 => Ok(Region::ONE),
                _ => Err("both regions have cluster members: nothing to fail back".into()),
            }
        }
    }
}

fn glyph(s: StepState) -> &'static str {
    match s {
        StepState::Pending => "·",
        StepState::Checking => "?",
        StepState::Ready => "▶",
        StepState::Running => "⟳",
        StepState::Verifying => "…",
        StepState::Done => "✔",
        StepState::Skipped => "↷",
        StepState::Manual => "✋",
        StepState::Failed => "✖",
        StepState::Aborted => "■",
    }
}

/// A prompt with what is typed so far and a cursor.
fn typing_line(
    label: String,
    style: ratatui::style::Style,
    typed: &str,
    t: &Theme,
) -> Line<'static> {
    Line::from(vec![
        Span::styled(label, style),
        Span::raw(typed.to_string()),
        Span::styled("▏", t.accent()),
    ])
}

pub fn draw(f: &mut Frame, area: Rect, pane: &Pane, now: jiff::Timestamp, t: &Theme) {
    f.render_widget(Clear, area);
    let s = &pane.state;
    let title = title(pane, now);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(title, t.accent().add_modifier(Modifier::BOLD)))
        .style(t.base());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (prompt, prompt_rows) = fit_prompt(prompt(pane, t), inner);
    let rows = Layout::vertical([Constraint::Min(3), Constraint::Length(prompt_rows)]).split(inner);
    let list_w = (inner.width / 2).clamp(30, 56);
    let cols = Layout::horizontal([Constraint::Length(list_w), Constraint::Min(10)]).split(rows[0]);

    let lines = step_lines(pane, t);
    // One line per step (truncated), scrolled so the selected step stays in view.
    let visible = cols[0].height.max(1) as usize;
    let offset = pane.selected.saturating_sub(visible - 1) as u16;
    f.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::RIGHT)
                    .border_style(t.border()),
            )
            .scroll((offset, 0)),
        cols[0],
    );

    if let (Some(step), Some(p)) = (s.steps.get(pane.selected), s.progress.get(pane.selected)) {
        let d = step_detail(pane, step, p, t);
        f.render_widget(Paragraph::new(d).wrap(Wrap { trim: false }), cols[1]);
    }

    f.render_widget(
        Paragraph::new(prompt)
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_style(t.border()),
            )
            .wrap(Wrap { trim: false }),
        rows[1],
    );
}

/// The prompt and the rows it takes (with its top border). The prompt grows to show all it
/// says, up to half the pane; when even that is too small, its first lines give way, never the
/// last one: that is what the operator answers (the FORCE name being typed, y/n, r/s/a), and
/// nobody may type blind.
fn fit_prompt(mut lines: Vec<Line<'static>>, inner: Rect) -> (Vec<Line<'static>>, u16) {
    let most = (inner.height / 2).max(3);
    let rows = |lines: &[Line]| wrapped_rows(lines, inner.width).saturating_add(1);
    while rows(&lines) > most && lines.len() > 1 {
        lines.remove(0);
    }
    let need = rows(&lines).clamp(3, most);
    (lines, need)
}

/// Rows `lines` take wrapped at `width`. Errs high (a wrapped line gets one row more) because
/// word wrapping can leave rows short: a prompt one row too tall costs a blank line, one row
/// too short hides the question.
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            0 => 1,
            n if n <= w => 1,
            n => n.div_ceil(w) + 1,
        })
        .sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// The pane's title: procedure, region, version, run and times.
fn title(pane: &Pane, now: jiff::Timestamp) -> String {
    let s = &pane.state;
    let i = &s.inputs;
    let rto = if i.procedure == Procedure::Failover {
        format!(
            " · c8dr {:.1}s of the {}s RTO",
            s.own().as_secs_f64(),
            crate::runbook::journal::FAILOVER_RTO_MS / 1000
        )
    } else {
        String::new()
    };
    format!(
        " {} · region{} {} · Camunda {} · {}{}{} ",
        i.procedure.name().to_uppercase(),
        i.region,
        i.names[i.region],
        i.version,
        if pane.plan_only {
            "PLAN (read-only)"
        } else {
            &s.run
        },
        if pane.plan_only {
            String::new()
        } else {
            format!(" · {:.1}s", pane.elapsed(now).as_secs_f64())
        },
        rto
    )
}

/// One line per step: its state, key, progress and title; the selected one highlighted.
fn step_lines(pane: &Pane, t: &Theme) -> Vec<Line<'static>> {
    let s = &pane.state;
    let mut lines = vec![];
    for (n, (step, p)) in s.steps.iter().zip(&s.progress).enumerate() {
        let style = match p.state {
            StepState::Done | StepState::Skipped => t.ok(),
            StepState::Failed | StepState::Aborted => t.critical(),
            StepState::Ready | StepState::Manual => t.warning(),
            StepState::Running | StepState::Verifying | StepState::Checking => t.accent(),
            StepState::Pending => t.dim(),
        };
        let took = match (p.state.is_final(), p.took) {
            (true, Some(d)) => format!(" {:.1}s", d.as_secs_f64()),
            _ => String::new(),
        };
        let progress = p
            .progress
            .filter(|_| !p.state.is_final())
            .map(|(a, b)| format!(" {a}/{b}"))
            .unwrap_or_default();
        let mut line = Line::from(vec![
            Span::styled(format!("{} ", glyph(p.state)), style),
            Span::styled(format!("{:<7}", step.key), style),
            Span::styled(
                format!(
                    "{:<9}",
                    format!("{}{progress}{took}", render::state_word(p.state))
                ),
                style,
            ),
            Span::raw(format!(" {}", step.title)),
        ]);
        if n == pane.selected {
            line = line.style(t.selected());
        }
        lines.push(line);
    }
    lines
}

/// The selected step in full: target, details, check, guards, evidence, answer, note.
fn step_detail(pane: &Pane, step: &Step, p: &StepRun, t: &Theme) -> Vec<Line<'static>> {
    let i = &pane.state.inputs;
    let mut d = vec![
        Line::from(Span::styled(
            format!("{} {}", step.key, step.title),
            t.accent().add_modifier(Modifier::BOLD),
        )),
        Line::from(vec![
            Span::styled("target ", t.dim()),
            Span::raw(format!("region{} {} · ", step.region, i.names[step.region])),
            Span::styled(
                step.danger.word(),
                if step.danger >= Danger::Mutating {
                    t.warning()
                } else {
                    t.dim()
                },
            ),
            Span::styled(format!(" · {}", step.cite), t.dim()),
        ]),
    ];
    if let Some(a) = pane
        .ask
        .as_ref()
        .filter(|a| a.key == step.key && !a.preview.offer.is_empty())
    {
        // A remediation offered while the step is blocked (cancelling the change in its
        // way): what it acts on and its risk, first, since that is what is being decided.
        d.push(Line::from(Span::styled(
            format!("offered: {}", a.what),
            t.warning().add_modifier(Modifier::BOLD),
        )));
        for l in &a.preview.offer {
            let style = if l.starts_with("risk") {
                t.warning()
            } else {
                t.base()
            };
            d.push(Line::from(Span::styled(format!("  {l}"), style)));
        }
    }
    for l in pane.details.get(pane.selected).into_iter().flatten() {
        d.push(Line::from(l.clone()));
    }
    d.push(Line::from(vec![
        Span::styled("verify ", t.dim()),
        Span::raw(render::check_words(&step.check)),
    ]));
    let checked = pane
        .ask
        .as_ref()
        .filter(|a| a.key == step.key && !a.preview.guards.is_empty());
    if let Some(a) = checked {
        // The guards as just evaluated, before the operator decides.
        d.push(Line::from(Span::styled("guards (checked now)", t.dim())));
        for g in &a.preview.guards {
            d.push(Line::from(format!("  {g}")));
        }
    } else if !step.guards.is_empty() {
        d.push(Line::from(vec![
            Span::styled("guards ", t.dim()),
            Span::raw(
                step.guards
                    .iter()
                    .map(render::guard_words)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ]));
    }
    if !p.evidence.is_empty() {
        d.push(Line::from(vec![
            Span::styled("now    ", t.dim()),
            Span::raw(p.evidence.clone()),
        ]));
    }
    if !p.detail.is_empty() {
        d.push(Line::from(vec![
            Span::styled("state  ", t.dim()),
            Span::raw(format!("{} — {}", render::state_word(p.state), p.detail)),
        ]));
    }
    if let Some(a) = &p.answer {
        d.push(Line::from(vec![
            Span::styled("answer ", t.dim()),
            Span::raw(a.clone()),
        ]));
    }
    if let Some(n) = &step.note {
        d.push(Line::from(Span::styled(format!("note   {n}"), t.dim())));
    }
    d
}

/// The bottom lines: what the run waits for and the keys that answer it.
fn prompt(pane: &Pane, t: &Theme) -> Vec<Line<'static>> {
    let s = &pane.state;
    let i = &s.inputs;
    if let Some(fl) = &pane.failure {
        let mut v = vec![Line::from(Span::styled(
            format!(" {} failed: {}", fl.key, fl.why),
            t.critical(),
        ))];
        v.push(match pane.typing {
            Some(Typing::SkipReason) => typing_line(
                " why is it safe to go on without it? (Enter skips · Esc back) ".into(),
                t.warning(),
                &pane.typed,
                t,
            ),
            Some(Typing::OverrideName) => typing_line(
                format!(
                    " type {} and Enter to proceed past the refusal (audited) · Esc back: ",
                    i.names[i.region]
                ),
                t.critical(),
                &pane.typed,
                t,
            ),
            None => Line::from(Span::styled(
                format!(
                    " r retry · s skip it, go on (reason typed){} · a abort the run at {} (resumable) · Esc not now",
                    if fl.refused {
                        " · o override the guards"
                    } else {
                        ""
                    },
                    fl.key
                ),
                t.warning(),
            )),
        });
        v
    } else {
        match (&pane.ask, &s.outcome) {
            (Some(a), _) if a.confirmation == Confirmation::ConfirmManualStep => {
                vec![Line::from(Span::styled(
                    format!(
                        " no API shows this step: y when it is done · n/Esc not yet (the run waits at {k}) · x abort the run at {k} (resumable)",
                        k = a.key
                    ),
                    t.warning(),
                ))]
            }
            (Some(a), _) => {
                let mut v = vec![];
                if let Some(d) = &a.preview.dry_run {
                    v.push(Line::from(format!(" dry run: {d}")));
                }
                if !a.preview.offer.is_empty() {
                    v.push(Line::from(Span::styled(
                        format!(
                            " {}? Nothing is rolled back: applied operations stay, pending ones are dropped",
                            a.what
                        ),
                        t.warning(),
                    )));
                }
                let about_step = pane.state.steps.iter().any(|s| s.key == a.key);
                if !about_step {
                    // A question before the run (taking over another run's expired lease):
                    // what is at stake, in full, since no step's detail shows it.
                    v.push(Line::from(Span::styled(
                        format!(" {}", a.what),
                        t.warning(),
                    )));
                    for g in &a.preview.guards {
                        v.push(Line::from(format!("   {}", crate::text::clean(g))));
                    }
                }
                if let Confirmation::TypeRegionName(name) = &a.confirmation
                    && !about_step
                {
                    v.push(Line::from(Span::styled(
                        " Esc not now · Ctrl-X do not start the run".to_string(),
                        t.dim(),
                    )));
                    v.push(typing_line(
                        format!(" type {name} and Enter to take the lease over: "),
                        t.critical(),
                        &pane.typed,
                        t,
                    ));
                } else if let Confirmation::TypeRegionName(name) = &a.confirmation {
                    // Every letter is text here (a region's name may hold any): the other
                    // answers are keys no name contains.
                    // Declining a cancel offer keeps the change and leaves the step refused
                    // (then retry, skip or abort); declining a step aborts the run.
                    let no = if a.preview.offer.is_empty() {
                        format!("Ctrl-X abort the run at {} (resumable)", a.key)
                    } else {
                        format!("Ctrl-X keep the change ({} stays refused)", a.key)
                    };
                    v.push(Line::from(Span::styled(
                        format!(" Esc not now (the run waits) · {no}"),
                        t.dim(),
                    )));
                    v.push(typing_line(
                        format!(" FORCE: type {name} and Enter to proceed: "),
                        t.critical(),
                        &pane.typed,
                        t,
                    ));
                } else {
                    v.push(Line::from(Span::styled(
                        format!(
                            " {}? y/Enter run it · n/Esc not now (the run waits at {k}) · x abort the run at {k} (resumable)",
                            a.what,
                            k = a.key
                        ),
                        t.warning(),
                    )));
                }
                v
            }
            (None, Some(o)) => vec![Line::from(Span::styled(
                format!(
                    " {} in {:.1}s (c8dr's own time {:.1}s){}{} · Esc closes",
                    o.word(),
                    s.elapsed.as_secs_f64(),
                    s.own().as_secs_f64(),
                    s.message
                        .as_ref()
                        .map(|m| format!(" · {m}"))
                        .unwrap_or_default(),
                    if *o == Outcome::Completed {
                        String::new()
                    } else {
                        format!(" · :resume {} continues it", s.run)
                    }
                ),
                if *o == Outcome::Completed {
                    t.ok()
                } else {
                    t.critical()
                },
            ))],
            (None, None) if pane.plan_only => vec![Line::from(Span::styled(
                " read-only: this is the plan; it cannot run here · ↑↓ steps · c copy command · Esc closes",
                t.dim(),
            ))],
            (None, None) => vec![Line::from(Span::styled(
                " ↑↓ steps · c copy command (OSC 52) · x abort the run · ? help · Esc dashboard (the run goes on) · q quit",
                t.dim(),
            ))],
        }
    }
}
