//! The glyph set the terminal can show, and the one place that chooses it.
//!
//! Widgets draw with the Unicode set (✔ ✖ ⚠ ◆ ◇ ○ · ▏ → …, box-drawing borders). On a terminal
//! that cannot show it (`TERM=dumb` or a `vt*` terminal, or a locale whose character set is not
//! UTF-8, as on many bastions and serial consoles) every frame is translated cell by cell into
//! ASCII before it is written, each glyph into one character so that no layout moves. Doing it
//! on the finished frame covers every widget, border and word (a region name with an accent
//! included), now and later. The legend's marks stay distinct: ◆ `L` leader that can commit,
//! ◇ `!` leader without quorum, ○ `o` follower, ✖ `x` missing, · `.` none.

use ratatui::buffer::Buffer;

/// Which glyphs the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyphs {
    Unicode,
    Ascii,
}

impl Glyphs {
    /// From this process's environment.
    pub fn from_env() -> Glyphs {
        Glyphs::from_vars(|k| std::env::var(k).ok())
    }

    /// From environment variables given by `get`: `C8DR_GLYPHS=ascii|unicode` decides;
    /// otherwise ASCII on `TERM=dumb` and the `vt*` terminals, and when the locale's
    /// character set (the first set of `LC_ALL`, `LC_CTYPE`, `LANG`) is not UTF-8, unset
    /// (the C locale) included, as tmux decides.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Glyphs {
        let var = |k: &str| get(k).filter(|v| !v.is_empty());
        match var("C8DR_GLYPHS")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            Some("ascii") => return Glyphs::Ascii,
            Some("unicode") => return Glyphs::Unicode,
            _ => {}
        }
        let term = var("TERM").unwrap_or_default().to_ascii_lowercase();
        if term == "dumb" || term.starts_with("vt") {
            return Glyphs::Ascii;
        }
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .into_iter()
            .find_map(var)
            .unwrap_or_default()
            .to_ascii_lowercase();
        if locale.contains("utf-8") || locale.contains("utf8") {
            Glyphs::Unicode
        } else {
            Glyphs::Ascii
        }
    }

    /// Translates a finished frame for this glyph set (nothing to do for Unicode).
    pub fn apply(self, buf: &mut Buffer) {
        if self == Glyphs::Unicode {
            return;
        }
        for cell in &mut buf.content {
            if !cell.symbol().is_ascii() {
                let a = cell.symbol().chars().next().map_or(" ", ascii_char);
                cell.set_symbol(a);
            }
        }
    }
}

/// The one ASCII character shown for a cell's symbol (a grapheme; ASCII stays as it is).
pub fn ascii(symbol: &str) -> &str {
    if symbol.is_ascii() {
        return symbol;
    }
    match symbol.chars().next() {
        Some(c) => ascii_char(c),
        None => symbol,
    }
}

/// The ASCII character shown for the non-ASCII `c`.
fn ascii_char(c: char) -> &'static str {
    match c {
        // States and the legend's marks.
        '✔' | '✓' => "+",
        '✖' | '✗' | '✘' | '×' => "x",
        '⚠' | '✋' | '❗' => "!",
        '◆' => "L",
        '●' => "*",
        '◇' => "!",
        '○' | '◦' => "o",
        '·' | '•' | '…' => ".",
        // Arrows and pointers.
        '→' | '▸' | '▶' | '↷' | '⇒' | '≥' | '»' => ">",
        '←' | '◂' | '◀' | '≤' | '«' => "<",
        '↑' | '▲' => "^",
        '↓' | '▼' => "v",
        '⟳' | '↻' => "@",
        '≈' | '∼' => "~",
        '—' | '–' | '−' | '‐' => "-",
        '§' => "S",
        '‘' | '’' => "'",
        '“' | '”' => "\"",
        // Box drawing (U+2500..U+257F): lines, and corners and joints as `+`.
        '─' | '━' | '═' | '┄' | '┅' | '┈' | '┉' | '╌' | '╍' | '╴' | '╶' | '╸' | '╺' | '╼' | '╾' => {
            "-"
        }
        '│' | '┃' | '║' | '┆' | '┇' | '┊' | '┋' | '╎' | '╏' | '╵' | '╷' | '╹' | '╻' | '╽' | '╿' => {
            "|"
        }
        '\u{2500}'..='\u{257f}' => "+",
        // Block elements (U+2580..U+259F): thin left/right bars as `|`, the rest as `#`.
        '▏' | '▎' | '▍' | '▌' | '▐' | '▕' => "|",
        '▁' => "_",
        '\u{2580}'..='\u{259f}' | '■' | '□' => "#",
        // Latin letters with accents: the letter.
        'à'..='å' => "a",
        'À'..='Å' => "A",
        'ç' => "c",
        'Ç' => "C",
        'è'..='ë' => "e",
        'È'..='Ë' => "E",
        'ì'..='ï' => "i",
        'Ì'..='Ï' => "I",
        'ñ' => "n",
        'Ñ' => "N",
        'ò'..='ö' | 'ø' => "o",
        'Ò'..='Ö' | 'Ø' => "O",
        'ù'..='ü' => "u",
        'Ù'..='Ü' => "U",
        'ß' => "s",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn plain_terminals_and_non_utf8_locales_get_ascii() {
        let utf8 = ("LANG", "en_US.UTF-8");
        for (vars, want) in [
            (vec![("TERM", "xterm-256color"), utf8], Glyphs::Unicode),
            (
                vec![("TERM", "xterm"), ("LC_ALL", "C.utf8")],
                Glyphs::Unicode,
            ),
            (vec![("TERM", "dumb"), utf8], Glyphs::Ascii),
            (vec![("TERM", "vt100"), utf8], Glyphs::Ascii),
            (vec![("TERM", "vt220"), utf8], Glyphs::Ascii),
            (vec![("TERM", "xterm"), ("LANG", "C")], Glyphs::Ascii),
            (vec![("TERM", "xterm"), ("LANG", "POSIX")], Glyphs::Ascii),
            (
                vec![("TERM", "xterm"), ("LANG", "de_DE.ISO-8859-1")],
                Glyphs::Ascii,
            ),
            (vec![("TERM", "xterm")], Glyphs::Ascii),
            // LC_ALL overrides LANG, LC_CTYPE too; empty values count as unset.
            (
                vec![("TERM", "xterm"), utf8, ("LC_ALL", "C")],
                Glyphs::Ascii,
            ),
            (
                vec![("TERM", "xterm"), utf8, ("LC_CTYPE", "C")],
                Glyphs::Ascii,
            ),
            (
                vec![("TERM", "xterm"), utf8, ("LC_ALL", "")],
                Glyphs::Unicode,
            ),
            // The override.
            (
                vec![("TERM", "vt100"), ("C8DR_GLYPHS", "unicode")],
                Glyphs::Unicode,
            ),
            (
                vec![("TERM", "xterm"), utf8, ("C8DR_GLYPHS", "ascii")],
                Glyphs::Ascii,
            ),
        ] {
            assert_eq!(Glyphs::from_vars(env(&vars)), want, "{vars:?}");
        }
    }

    #[test]
    fn every_glyph_becomes_one_ascii_character_and_the_marks_stay_distinct() {
        let marks: Vec<&str> = ["◆", "◇", "○", "✖", "·"].map(ascii).to_vec();
        let mut unique = marks.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), marks.len(), "{marks:?}");
        for g in [
            "✔", "✖", "⚠", "◆", "◇", "○", "·", "▏", "…", "→", "─", "│", "┌", "┘", "├", "╭", "━",
            "█", "é", "中", "✋",
        ] {
            let a = ascii(g);
            assert!(a.is_ascii() && a.len() == 1, "{g} -> {a:?}");
        }
        assert_eq!(ascii("q"), "q");
    }

    #[test]
    fn a_frame_is_translated_in_place() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 1));
        buf.set_string(0, 0, "✔ up ─ ◇中x", ratatui::style::Style::default());
        Glyphs::Ascii.apply(&mut buf);
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(text, "+ up - !? x ");
        let mut same = Buffer::empty(Rect::new(0, 0, 3, 1));
        same.set_string(0, 0, "✔", ratatui::style::Style::default());
        Glyphs::Unicode.apply(&mut same);
        assert_eq!(same.content[0].symbol(), "✔");
    }
}
