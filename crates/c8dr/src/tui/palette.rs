//! The colours the terminal can show, and bringing themes and frames down to them.
//!
//! 24-bit colour only where the terminal says it has it (`COLORTERM=truecolor` or `24bit`,
//! or a `*-direct` TERM): elsewhere an `#rrggbb` would be garbled or dropped. A `*256color`
//! terminal gets the nearest colour of the xterm 256 palette, any other terminal the nearest
//! of the 16 ANSI colours (written as the real SGR 30–37/90–97 codes), and `TERM=dumb` no
//! colour at all. Where a theme's selection background is lost this way, the selection is
//! shown in reverse video. (`NO_COLOR` selects the mono theme, in `theme.rs`.)

use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colours {
    TrueColor,
    Palette256,
    Ansi16,
    None,
}

/// The 16 ANSI colours with xterm's default values, for finding the nearest.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// The levels of the 6×6×6 cube of the 256 palette (indices 16..=231).
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

fn nearest16(rgb: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, v)| distance(*v, rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

/// The RGB value of entry `i` of the 256 palette.
fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE[usize::from(n / 36)],
                CUBE[usize::from(n / 6 % 6)],
                CUBE[usize::from(n % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

fn nearest256(rgb: (u8, u8, u8)) -> Color {
    let level = |v: u8| {
        (0..CUBE.len())
            .min_by_key(|&k| (i32::from(CUBE[k]) - i32::from(v)).unsigned_abs())
            .unwrap_or(0)
    };
    let (r, g, b) = (level(rgb.0), level(rgb.1), level(rgb.2));
    // Indices fit: 16 + 36*5 + 6*5 + 5 = 231.
    let cube = (16 + 36 * r + 6 * g + b) as u8;
    let avg = ((u16::from(rgb.0) + u16::from(rgb.1) + u16::from(rgb.2)) / 3) as u8;
    let grey = 232 + (avg.saturating_sub(3) / 10).min(23);
    [cube, grey]
        .into_iter()
        .min_by_key(|&i| distance(rgb_of_index(i), rgb))
        .map_or(Color::Reset, Color::Indexed)
}

impl Colours {
    /// From this process's environment.
    pub fn from_env() -> Colours {
        Colours::from_vars(|k| std::env::var(k).ok())
    }

    /// From environment variables given by `get` (`TERM`, `COLORTERM`).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Colours {
        let term = get("TERM").unwrap_or_default().to_ascii_lowercase();
        let colorterm = get("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if term == "dumb" {
            Colours::None
        } else if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            Colours::TrueColor
        } else if term.contains("256color") {
            Colours::Palette256
        } else {
            Colours::Ansi16
        }
    }

    /// `c` as this terminal can show it.
    pub fn colour(self, c: Color) -> Color {
        match (self, c) {
            (Colours::TrueColor, c) => c,
            (Colours::None, _) => Color::Reset,
            (Colours::Palette256, Color::Rgb(r, g, b)) => nearest256((r, g, b)),
            (Colours::Ansi16, Color::Rgb(r, g, b)) => nearest16((r, g, b)),
            (Colours::Ansi16, Color::Indexed(i)) => nearest16(rgb_of_index(i)),
            (_, c) => c,
        }
    }

    /// `theme` brought down to this terminal's colours; the selection in reverse video
    /// where its background colour did not survive.
    pub fn theme(self, theme: Theme) -> Theme {
        let c = |x: Color| self.colour(x);
        let selection_lost = matches!(self, Colours::None | Colours::Ansi16)
            && matches!(theme.selected_bg, Color::Rgb(..) | Color::Indexed(_));
        Theme {
            fg: c(theme.fg),
            bg: c(theme.bg),
            dim: c(theme.dim),
            accent: c(theme.accent),
            border: c(theme.border),
            ok: c(theme.ok),
            warning: c(theme.warning),
            critical: c(theme.critical),
            unknown: c(theme.unknown),
            leader: c(theme.leader),
            follower: c(theme.follower),
            selected_bg: c(theme.selected_bg),
            reverse_selected: theme.reverse_selected || selection_lost || self == Colours::None,
            ..theme
        }
    }

    /// A finished frame brought down to this terminal's colours (the themes already are;
    /// this makes sure nothing else gets through).
    pub fn apply(self, buf: &mut Buffer) {
        if self == Colours::TrueColor {
            return;
        }
        for cell in &mut buf.content {
            cell.fg = self.colour(cell.fg);
            cell.bg = self.colour(cell.bg);
        }
    }
}

/// A writer for the terminal backend that puts the 16 ANSI colours on the wire as their own
/// codes. crossterm writes every named colour in the 256-colour form (`38;5;6` for cyan),
/// which a 16-colour terminal (a vt100 emulation, an old console or serial line) does not
/// understand; this rewrites `38;5;N`/`48;5;N` with N below 16 as SGR 30–37/90–97 and
/// 40–47/100–107, which every terminal shows the same. It holds a frame until `flush`
/// (ratatui flushes after each draw), so no escape sequence is split.
pub struct Sgr16<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> Sgr16<W> {
    pub fn new(inner: W) -> Sgr16<W> {
        Sgr16 {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for Sgr16<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let out = sgr16(&self.pending);
        self.pending.clear();
        self.inner.write_all(&out)?;
        self.inner.flush()
    }
}

/// `bytes` with the 16 colours of every SGR sequence (`ESC [ … m`) in their own codes.
fn sgr16(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\x1b[") {
            let params = &bytes[i + 2..];
            let len = params
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';')
                .count();
            if params.get(len) == Some(&b'm') {
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(sgr16_params(&params[..len]).as_bytes());
                out.push(b'm');
                i += 2 + len + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn sgr16_params(params: &[u8]) -> String {
    let text = String::from_utf8_lossy(params);
    let p: Vec<&str> = text.split(';').collect();
    let mut out: Vec<String> = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        let n = p.get(i + 2).and_then(|v| v.parse::<u8>().ok());
        match (p[i], p.get(i + 1).copied(), n) {
            ("38", Some("5"), Some(n)) if n < 16 => {
                out.push(
                    if n < 8 {
                        30 + u16::from(n)
                    } else {
                        82 + u16::from(n)
                    }
                    .to_string(),
                );
                i += 3;
            }
            ("48", Some("5"), Some(n)) if n < 16 => {
                out.push(
                    if n < 8 {
                        40 + u16::from(n)
                    } else {
                        92 + u16::from(n)
                    }
                    .to_string(),
                );
                i += 3;
            }
            // Other extended colours pass whole, so their numbers are not read as codes.
            ("38" | "48" | "58", Some("5"), _) => {
                out.extend(p[i..(i + 3).min(p.len())].iter().map(|s| s.to_string()));
                i += 3;
            }
            ("38" | "48" | "58", Some("2"), _) => {
                out.extend(p[i..(i + 5).min(p.len())].iter().map(|s| s.to_string()));
                i += 5;
            }
            (code, ..) => {
                out.push(code.to_string());
                i += 1;
            }
        }
    }
    out.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_16_colours_go_out_as_their_own_codes() {
        let cases: [(&[u8], &[u8]); 6] = [
            (b"\x1b[38;5;6mx", b"\x1b[36mx"),
            (b"\x1b[38;5;9m\x1b[48;5;4m", b"\x1b[91m\x1b[44m"),
            (b"\x1b[48;5;15;1m", b"\x1b[107;1m"),
            (b"\x1b[38;5;214m", b"\x1b[38;5;214m"),
            (b"\x1b[38;2;5;5;5m\x1b[39m", b"\x1b[38;2;5;5;5m\x1b[39m"),
            (b"a\x1b[2;3Hb\x1b[0m", b"a\x1b[2;3Hb\x1b[0m"),
        ];
        for (input, want) in cases {
            let mut w = Sgr16::new(Vec::new());
            // Split anywhere: nothing leaves before the flush.
            for chunk in input.chunks(3) {
                std::io::Write::write_all(&mut w, chunk).unwrap();
            }
            assert!(w.inner.is_empty());
            std::io::Write::flush(&mut w).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&w.inner),
                String::from_utf8_lossy(want)
            );
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn truecolour_only_when_the_terminal_says_so() {
        for (vars, want) in [
            (
                vec![("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
                Colours::TrueColor,
            ),
            (
                vec![("TERM", "xterm"), ("COLORTERM", "24bit")],
                Colours::TrueColor,
            ),
            (vec![("TERM", "xterm-direct")], Colours::TrueColor),
            (vec![("TERM", "xterm-256color")], Colours::Palette256),
            (vec![("TERM", "tmux-256color")], Colours::Palette256),
            (vec![("TERM", "xterm")], Colours::Ansi16),
            (vec![("TERM", "vt100")], Colours::Ansi16),
            (vec![("TERM", "linux")], Colours::Ansi16),
            (vec![], Colours::Ansi16),
            (
                vec![("TERM", "dumb"), ("COLORTERM", "truecolor")],
                Colours::None,
            ),
        ] {
            assert_eq!(Colours::from_vars(env(&vars)), want, "{vars:?}");
        }
    }

    #[test]
    fn the_default_theme_keeps_its_states_apart_in_16_colours() {
        let t = Colours::Ansi16.theme(Theme::built_in("default"));
        assert_eq!(
            (t.ok, t.warning, t.critical),
            (Color::LightBlue, Color::Yellow, Color::Red)
        );
        assert!(t.reverse_selected, "the selection stays visible");
        let all = [
            t.fg,
            t.bg,
            t.dim,
            t.accent,
            t.border,
            t.ok,
            t.warning,
            t.critical,
            t.unknown,
            t.leader,
            t.follower,
            t.selected_bg,
        ];
        assert!(
            !all.iter()
                .any(|c| matches!(c, Color::Rgb(..) | Color::Indexed(_))),
            "{all:?}"
        );
    }

    #[test]
    fn rgb_becomes_the_nearest_of_the_256_palette() {
        let c = Colours::Palette256;
        assert_eq!(c.colour(Color::Rgb(0, 0, 0)), Color::Indexed(16));
        assert_eq!(c.colour(Color::Rgb(255, 255, 255)), Color::Indexed(231));
        assert_eq!(c.colour(Color::Rgb(0x8a, 0x8a, 0x8a)), Color::Indexed(245));
        assert_eq!(c.colour(Color::Rgb(0xe6, 0x9f, 0x00)), Color::Indexed(178));
        assert_eq!(c.colour(Color::Cyan), Color::Cyan);
        assert_eq!(Colours::None.colour(Color::Cyan), Color::Reset);
        assert_eq!(Colours::Ansi16.colour(Color::Indexed(196)), Color::LightRed);
    }
}
