//! The keymap: one table that both dispatches keys and generates the help screen, so the two
//! cannot disagree. Conventions follow k9s: `?` help, `:` command, `/` filter, Esc closes.

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
    Region(Option<u8>),
    Freeze,
    Theme,
    Enter,
    Back,
    Drill,
    Preflight,
    Failover,
    Failback,
    Quit,
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

pub struct Binding {
    pub keys: &'static [Key],
    /// How the help screen shows the keys.
    pub label: &'static str,
    pub help: &'static str,
    pub msg: Msg,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('?')],
        label: "?",
        help: "help (this screen)",
        msg: Msg::Help,
    },
    Binding {
        keys: &[Key::Char(':')],
        label: ":",
        help: "command: quit, theme NAME, partition N, broker N, resume RUN",
        msg: Msg::Command,
    },
    Binding {
        keys: &[Key::Char('/')],
        label: "/",
        help: "filter partitions (ids, lost, ok, bN for broker N)",
        msg: Msg::Filter,
    },
    Binding {
        keys: &[Key::Code(KeyCode::Tab)],
        label: "Tab",
        help: "next pane",
        msg: Msg::NextPane,
    },
    Binding {
        keys: &[Key::Code(KeyCode::BackTab)],
        label: "Shift-Tab",
        help: "previous pane",
        msg: Msg::PrevPane,
    },
    Binding {
        keys: &[Key::Code(KeyCode::Up), Key::Char('k')],
        label: "↑ k",
        help: "up",
        msg: Msg::Up,
    },
    Binding {
        keys: &[Key::Code(KeyCode::Down), Key::Char('j')],
        label: "↓ j",
        help: "down",
        msg: Msg::Down,
    },
    Binding {
        keys: &[Key::Code(KeyCode::Left), Key::Char('h')],
        label: "← h",
        help: "pane to the left",
        msg: Msg::Left,
    },
    Binding {
        keys: &[Key::Code(KeyCode::Right), Key::Char('l')],
        label: "→ l",
        help: "pane to the right",
        msg: Msg::Right,
    },
    Binding {
        keys: &[Key::Char('1')],
        label: "1",
        help: "focus region 0",
        msg: Msg::Region(Some(0)),
    },
    Binding {
        keys: &[Key::Char('2')],
        label: "2",
        help: "focus region 1",
        msg: Msg::Region(Some(1)),
    },
    Binding {
        keys: &[Key::Char('0')],
        label: "0",
        help: "both regions",
        msg: Msg::Region(None),
    },
    Binding {
        keys: &[Key::Code(KeyCode::Enter)],
        label: "Enter",
        help: "details of the selected row",
        msg: Msg::Enter,
    },
    Binding {
        keys: &[Key::Char('f')],
        label: "f",
        help: "freeze / unfreeze the frame",
        msg: Msg::Freeze,
    },
    Binding {
        keys: &[Key::Char('t')],
        label: "t",
        help: "next theme",
        msg: Msg::Theme,
    },
    Binding {
        keys: &[Key::Char('d')],
        label: "d",
        help: "drill menu (demo): fail, restore, recreate, split, traffic, faults",
        msg: Msg::Drill,
    },
    Binding {
        keys: &[Key::Char('p')],
        label: "p",
        help: "preflight: the deployment against every documented dual-region rule",
        msg: Msg::Preflight,
    },
    Binding {
        keys: &[Key::Char('F')],
        label: "F",
        help: "failover runbook for the lost region (plan only when read-only)",
        msg: Msg::Failover,
    },
    Binding {
        keys: &[Key::Char('B')],
        label: "B",
        help: "failback runbook for the recreated region",
        msg: Msg::Failback,
    },
    Binding {
        keys: &[Key::Code(KeyCode::Esc)],
        label: "Esc",
        help: "close (never quits)",
        msg: Msg::Back,
    },
    Binding {
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        label: "q Ctrl-C",
        help: "quit",
        msg: Msg::Quit,
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

/// The message a key means, if any.
pub fn lookup(key: &KeyEvent) -> Option<Msg> {
    BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| matches(key, k)))
        .map(|b| b.msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let all: Vec<&Key> = BINDINGS.iter().flat_map(|b| b.keys.iter()).collect();
        for (i, k) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(k), "{k:?} bound twice");
        }
    }

    #[test]
    fn ctrl_c_quits_and_esc_does_not() {
        assert_eq!(
            lookup(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Msg::Quit)
        );
        assert_eq!(
            lookup(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            lookup(&KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Msg::Back)
        );
    }
}
