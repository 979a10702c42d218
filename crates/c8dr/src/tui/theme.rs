//! Themes: TOML files (built in from `themes/`, overridable by files of the same name in the
//! config dir's `themes/`). A bad file gives a warning and the default. `NO_COLOR` selects mono.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// Built-in themes, in the order `t` cycles through them.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("ansi16", include_str!("../../themes/ansi16.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    fg: String,
    bg: String,
    dim: String,
    accent: String,
    border: String,
    ok: String,
    warning: String,
    critical: String,
    unknown: String,
    leader: String,
    follower: String,
    selected_bg: String,
    #[serde(default)]
    bold_critical: bool,
    #[serde(default)]
    reverse_selected: bool,
}

/// A resolved theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub fg: Color,
    pub bg: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub ok: Color,
    pub warning: Color,
    pub critical: Color,
    pub unknown: Color,
    pub leader: Color,
    pub follower: Color,
    pub selected_bg: Color,
    pub bold_critical: bool,
    pub reverse_selected: bool,
}

fn color(s: &str) -> Result<Color, String> {
    if s == "reset" {
        return Ok(Color::Reset);
    }
    s.parse::<Color>().map_err(|_| {
        format!("{s:?} is not a colour (a name like \"cyan\", \"#rrggbb\" or \"reset\")")
    })
}

impl Theme {
    /// Parses a theme file's text.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(Theme {
            name: f.name,
            fg: color(&f.fg)?,
            bg: color(&f.bg)?,
            dim: color(&f.dim)?,
            accent: color(&f.accent)?,
            border: color(&f.border)?,
            ok: color(&f.ok)?,
            warning: color(&f.warning)?,
            critical: color(&f.critical)?,
            unknown: color(&f.unknown)?,
            leader: color(&f.leader)?,
            follower: color(&f.follower)?,
            selected_bg: color(&f.selected_bg)?,
            bold_critical: f.bold_critical,
            reverse_selected: f.reverse_selected,
        })
    }

    /// A built-in theme by name (the default when unknown).
    pub fn built_in(name: &str) -> Theme {
        BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| BUILT_IN.first())
            .and_then(|(_, text)| Theme::parse(text).ok())
            .unwrap_or_else(Theme::fallback)
    }

    /// Used only if a built-in file were broken (a test guards against that).
    fn fallback() -> Theme {
        Theme {
            name: "fallback".into(),
            fg: Color::Reset,
            bg: Color::Reset,
            dim: Color::Reset,
            accent: Color::Reset,
            border: Color::Reset,
            ok: Color::Reset,
            warning: Color::Reset,
            critical: Color::Reset,
            unknown: Color::Reset,
            leader: Color::Reset,
            follower: Color::Reset,
            selected_bg: Color::Reset,
            bold_critical: true,
            reverse_selected: true,
        }
    }

    /// The theme called `name`: a file in `dir` overrides the built-in one; a bad file
    /// gives the default and a warning (returned, for the events log and the log file).
    pub fn load(name: &str, dir: Option<&Path>) -> (Theme, Option<String>) {
        if let Some(dir) = dir {
            let path = dir.join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                return match Theme::parse(&text) {
                    Ok(t) => (t, None),
                    Err(e) => (
                        Theme::built_in("default"),
                        Some(format!("theme {}: {e}; using the default", path.display())),
                    ),
                };
            }
        }
        if BUILT_IN.iter().any(|(n, _)| *n == name) {
            (Theme::built_in(name), None)
        } else {
            (
                Theme::built_in("default"),
                Some(format!("no theme {name:?}; using the default")),
            )
        }
    }

    /// The starting theme: mono when `NO_COLOR` is set (https://no-color.org).
    pub fn initial(requested: Option<&str>, dir: Option<&Path>) -> (Theme, Option<String>) {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return (Theme::built_in("mono"), None);
        }
        Theme::load(requested.unwrap_or("default"), dir)
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.fg).bg(self.bg)
    }
    pub fn dim(&self) -> Style {
        Style::default().fg(self.dim)
    }
    pub fn accent(&self) -> Style {
        Style::default().fg(self.accent)
    }
    pub fn border(&self) -> Style {
        Style::default().fg(self.border)
    }
    pub fn ok(&self) -> Style {
        Style::default().fg(self.ok)
    }
    pub fn warning(&self) -> Style {
        Style::default()
            .fg(self.warning)
            .add_modifier(Modifier::BOLD)
    }
    pub fn critical(&self) -> Style {
        let s = Style::default().fg(self.critical);
        if self.bold_critical {
            s.add_modifier(Modifier::BOLD)
        } else {
            s
        }
    }
    pub fn unknown(&self) -> Style {
        Style::default().fg(self.unknown)
    }
    pub fn selected(&self) -> Style {
        if self.reverse_selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.selected_bg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses() {
        for (name, text) in BUILT_IN {
            let t = Theme::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&t.name, name);
        }
        let mono = Theme::built_in("mono");
        assert!(
            [mono.ok, mono.warning, mono.critical]
                .iter()
                .all(|c| *c == Color::Reset)
        );
        let ansi = Theme::built_in("ansi16");
        assert!(
            ![ansi.ok, ansi.warning, ansi.critical]
                .iter()
                .any(|c| matches!(c, Color::Rgb(..)))
        );
    }

    #[test]
    fn a_bad_override_falls_back_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("light.toml"),
            "name = \"light\"\nfg = \"plaid\"",
        )
        .unwrap();
        let (t, warning) = Theme::load("light", Some(dir.path()));
        assert_eq!(t.name, "default");
        assert!(warning.unwrap().contains("light.toml"));
    }
}
