//! The keymap: one table that both dispatches keys and generates the help screen, so the two
//! cannot disagree. Conventions follow k9s: `?` help, `:` command, `/` filter, Esc closes.
//!
//! A key means something in a [`Context`]: the dashboard, or the runbook pane and the states
//! of its prompt (a question, a failure, typing a name or a reason). The same key can mean
//! different things in different contexts (`f` freezes the dashboard and follows the run in
//! the pane), never two things in one.

use crate::api::Region;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Help,
    Command,
    Filter,
    NextPane,
    PrevPane,
    Up,
    Down,
    Left,
    Right,
    /// Focus a region (`None`: both).
    Region(Option<Region>),
    Freeze,
    /// The events, full screen.
    Events,
    /// A page up or down in a list.
    PageUp,
    PageDown,
    Theme,
    Enter,
    Back,
    Drill,
    Preflight,
    Failover,
    Failback,
    Quit,
    /// The runbook pane's selection follows the running step again.
    Follow,
    /// Copy the selected step's command (OSC 52).
    Copy,
    /// Abort the run: on request while it runs, or as the answer to a failure.
    AbortRun,
    /// Yes to the step's question.
    Approve,
    /// Not now: the question stays open, the run waits at the step, the dashboard shows it.
    Later,
    /// Back to the run in progress (its pane) from the dashboard.
    ToRun,
    Retry,
    /// Skip the failed step, with a reason typed.
    Skip,
    /// Override a guard's refusal, with the region's name typed.
    Override,
    /// Send what is typed.
    Submit,
    /// Erase the last character typed.
    Erase,
}

/// Where a key is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The dashboard and its overlays.
    Dashboard,
    /// The runbook pane (failover / failback).
    Runbook,
    /// The runbook pane while a step waits for a yes or a no.
    Question,
    /// The runbook pane after a step failed, until the operator chooses.
    Failure,
    /// Typing in the runbook pane: the region's name for a force step or an override, the
    /// reason for a skip. Every printable key is text: the commands here are keys no name or
    /// reason contains (Enter, Esc, Backspace, Ctrl-X, Ctrl-C).
    Typing,
}

impl Context {
    /// In the order the help lists them.
    pub const ALL: [Context; 5] = [
        Context::Dashboard,
        Context::Runbook,
        Context::Question,
        Context::Failure,
        Context::Typing,
    ];

    /// The help's heading for the context.
    pub fn title(self) -> &'static str {
        match self {
            Context::Dashboard => "Dashboard",
            Context::Runbook => "Runbook pane (failover, failback)",
            Context::Question => "When a step asks",
            Context::Failure => "After a step failed",
            Context::Typing => "Typing a name or a reason (every letter is text)",
        }
    }
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    /// How the help screen shows the keys.
    pub label: &'static str,
    pub help: &'static str,
    pub msg: Msg,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('?')],
        label: "?",
        help: "help (this screen)",
        msg: Msg::Help,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char(':')],
        label: ":",
        help: "command: quit, theme NAME, partition N, broker N, resume RUN, report [RUN]",
        msg: Msg::Command,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('/')],
        label: "/",
        help: "filter partitions (ids, lost, ok, bN for broker N)",
        msg: Msg::Filter,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Tab)],
        label: "Tab",
        help: "next pane",
        msg: Msg::NextPane,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::BackTab)],
        label: "Shift-Tab",
        help: "previous pane",
        msg: Msg::PrevPane,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Up), Key::Char('k')],
        label: "↑ k",
        help: "up",
        msg: Msg::Up,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Down), Key::Char('j')],
        label: "↓ j",
        help: "down",
        msg: Msg::Down,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::PageUp)],
        label: "PgUp",
        help: "a page up",
        msg: Msg::PageUp,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::PageDown)],
        label: "PgDn",
        help: "a page down",
        msg: Msg::PageDown,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Left), Key::Char('h')],
        label: "← h",
        help: "pane to the left",
        msg: Msg::Left,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Right), Key::Char('l')],
        label: "→ l",
        help: "pane to the right",
        msg: Msg::Right,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('1')],
        label: "1",
        help: "focus region 0",
        msg: Msg::Region(Some(Region::ZERO)),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('2')],
        label: "2",
        help: "focus region 1",
        msg: Msg::Region(Some(Region::ONE)),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('0')],
        label: "0",
        help: "both regions",
        msg: Msg::Region(None),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Enter)],
        label: "Enter",
        help: "details of the selected row",
        msg: Msg::Enter,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('f')],
        label: "f",
        help: "freeze: press twice (then f or Esc: live)",
        msg: Msg::Freeze,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('e')],
        label: "e",
        help: "events: the timeline, full screen",
        msg: Msg::Events,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('t')],
        label: "t",
        help: "next theme",
        msg: Msg::Theme,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('d')],
        label: "d",
        help: "drill menu (demo): fail, restore, recreate, split, traffic, faults",
        msg: Msg::Drill,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('p')],
        label: "p",
        help: "preflight: the deployment against every documented dual-region rule",
        msg: Msg::Preflight,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('F')],
        label: "F",
        help: "failover runbook for the lost region (plan only when read-only)",
        msg: Msg::Failover,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('B')],
        label: "B",
        help: "failback runbook for the recreated region",
        msg: Msg::Failback,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('r')],
        label: "r",
        help: "back to the run in progress (its pane)",
        msg: Msg::ToRun,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Code(KeyCode::Esc)],
        label: "Esc",
        help: "close (never quits)",
        msg: Msg::Back,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        label: "q Ctrl-C",
        help: "quit (asks first while a run goes on)",
        msg: Msg::Quit,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Code(KeyCode::Up), Key::Char('k')],
        label: "↑ k",
        help: "previous step (stops following the run)",
        msg: Msg::Up,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Code(KeyCode::Down), Key::Char('j')],
        label: "↓ j",
        help: "next step",
        msg: Msg::Down,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Char('f')],
        label: "f",
        help: "follow the running step again",
        msg: Msg::Follow,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Char('c')],
        label: "c",
        help: "copy the step's curl or commands (OSC 52)",
        msg: Msg::Copy,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Char('x')],
        label: "x",
        help: "abort the run at its step (:resume RUN goes on)",
        msg: Msg::AbortRun,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Char('d')],
        label: "d",
        help: "drill menu (demo), without leaving the run",
        msg: Msg::Drill,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Char('?')],
        label: "?",
        help: "help (this screen)",
        msg: Msg::Help,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Code(KeyCode::Esc)],
        label: "Esc",
        help: "dashboard; the run goes on (r returns)",
        msg: Msg::Back,
    },
    Binding {
        context: Context::Runbook,
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        label: "q Ctrl-C",
        help: "quit (asks first)",
        msg: Msg::Quit,
    },
    Binding {
        context: Context::Question,
        keys: &[Key::Char('y'), Key::Code(KeyCode::Enter)],
        label: "y Enter",
        help: "yes: run it (a manual step: it is done)",
        msg: Msg::Approve,
    },
    Binding {
        context: Context::Question,
        keys: &[Key::Char('n'), Key::Code(KeyCode::Esc)],
        label: "n Esc",
        help: "not now: the run waits at the step (r returns)",
        msg: Msg::Later,
    },
    Binding {
        context: Context::Question,
        keys: &[Key::Char('x')],
        label: "x",
        help: "no: abort the run here (:resume RUN goes on)",
        msg: Msg::AbortRun,
    },
    Binding {
        context: Context::Failure,
        keys: &[Key::Char('r')],
        label: "r",
        help: "retry the step",
        msg: Msg::Retry,
    },
    Binding {
        context: Context::Failure,
        keys: &[Key::Char('s')],
        label: "s",
        help: "skip it and go on, the reason typed (audited)",
        msg: Msg::Skip,
    },
    Binding {
        context: Context::Failure,
        keys: &[Key::Char('o')],
        label: "o",
        help: "override a refusal (type the region's name)",
        msg: Msg::Override,
    },
    Binding {
        context: Context::Failure,
        keys: &[Key::Char('a')],
        label: "a",
        help: "abort the run here (:resume RUN goes on)",
        msg: Msg::AbortRun,
    },
    Binding {
        context: Context::Typing,
        keys: &[Key::Code(KeyCode::Enter)],
        label: "Enter",
        help: "send the name or the reason typed",
        msg: Msg::Submit,
    },
    Binding {
        context: Context::Typing,
        keys: &[Key::Code(KeyCode::Esc)],
        label: "Esc",
        help: "a force: not now (the run waits); else back",
        msg: Msg::Back,
    },
    Binding {
        context: Context::Typing,
        keys: &[Key::Ctrl('x')],
        label: "Ctrl-X",
        help: "abort the run here (:resume RUN goes on)",
        msg: Msg::AbortRun,
    },
    Binding {
        context: Context::Typing,
        keys: &[Key::Code(KeyCode::Backspace)],
        label: "Backspace",
        help: "erase the last character",
        msg: Msg::Erase,
    },
];

fn matches(key: &KeyEvent, k: &Key) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match k {
        Key::Ctrl(c) => ctrl && key.code == KeyCode::Char(*c),
        Key::Char(c) => !ctrl && key.code == KeyCode::Char(*c),
        Key::Code(code) => key.code == *code,
    }
}

/// The bindings of a context, in the help's order.
pub fn bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.context == context)
}

/// The message a key means in a context, if any.
pub fn lookup(context: Context, key: &KeyEvent) -> Option<Msg> {
    bindings(context)
        .find(|b| b.keys.iter().any(|k| matches(key, k)))
        .map(|b| b.msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        for context in Context::ALL {
            let all: Vec<&Key> = bindings(context).flat_map(|b| b.keys.iter()).collect();
            for (i, k) in all.iter().enumerate() {
                assert!(!all[i + 1..].contains(k), "{k:?} bound twice");
            }
        }
    }

    #[test]
    fn ctrl_c_quits_and_esc_does_not() {
        let lookup = |key| lookup(Context::Dashboard, &key);
        assert_eq!(
            lookup(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Msg::Quit)
        );
        assert_eq!(
            lookup(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            lookup(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Msg::Back)
        );
    }

    #[test]
    fn the_runbook_pane_keys_are_in_the_table() {
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Context::Runbook, &ctrl_c), Some(Msg::Quit));
        // In the pane Esc goes back to the dashboard (the run goes on); q quits (asking).
        assert_eq!(
            lookup(Context::Runbook, &key(KeyCode::Esc)),
            Some(Msg::Back)
        );
        assert_eq!(
            lookup(Context::Runbook, &key(KeyCode::Char('q'))),
            Some(Msg::Quit)
        );
        assert_eq!(
            lookup(Context::Runbook, &key(KeyCode::Char('f'))),
            Some(Msg::Follow)
        );
        assert_eq!(
            lookup(Context::Question, &key(KeyCode::Esc)),
            Some(Msg::Later)
        );
        assert_eq!(
            lookup(Context::Failure, &key(KeyCode::Char('a'))),
            Some(Msg::AbortRun)
        );
        // Typing: only Enter, Esc and Backspace mean something; letters are text.
        assert_eq!(
            lookup(Context::Typing, &key(KeyCode::Enter)),
            Some(Msg::Submit)
        );
        assert_eq!(lookup(Context::Typing, &key(KeyCode::Char('y'))), None);
        // Every command while typing is a key no name or reason contains.
        for b in bindings(Context::Typing) {
            for k in b.keys {
                assert!(!matches!(k, Key::Char(_)), "{} is printable", b.label);
            }
        }
        for context in Context::ALL {
            assert!(bindings(context).next().is_some(), "{context:?}");
        }
    }
}
