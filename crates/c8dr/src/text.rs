//! Text from outside (server answers, error messages, old audit lines) made safe for a
//! terminal. A server that can put ESC, BEL or C1 bytes on the operator's screen can retitle
//! the window, clear the screen, fake a verdict or, with OSC 52, write the clipboard; so every
//! such string passes through [`clean`] before it is printed or drawn.

/// `s`'s text with every control character (C0 including ESC, BEL, newline and tab; DEL; C1)
/// shown as a visible escape such as `\u{1b}`. The fields this is for are one line each, so
/// newlines are escaped too. Printable text, in any script, is unchanged; cleaning twice
/// changes nothing more. Anything displayable is taken, so a typed error is cleaned as the
/// words it shows.
/// Items as people list them on screen: `1, 3` (never Rust's `[1, 3]` or `{"1"}`); `none`
/// when there are none.
pub fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let v: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

pub fn clean<S: std::fmt::Display + ?Sized>(s: &S) -> String {
    let s = s.to_string();
    if !s.chars().any(char::is_control) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`clean`] for optional fields.
pub fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(clean)
}

/// The first `n` characters of `s`, cleaned: for quoting a stranger's text in a message.
pub fn clean_prefix(s: &str, n: usize) -> String {
    let head: String = s.chars().take(n).collect();
    clean(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_controls(s: &str) -> bool {
        !s.chars().any(char::is_control)
    }

    #[test]
    fn terminal_sequences_become_visible_text() {
        let out = clean("\x1b]2;pwned\x07\x1b[2J");
        assert!(no_controls(&out), "{out:?}");
        assert_eq!(out, r"\u{1b}]2;pwned\u{7}\u{1b}[2J");
    }

    #[test]
    fn osc_52_cannot_reach_the_clipboard() {
        let out = clean("ok\x1b]52;c;aGVsbG8=\x07done");
        assert!(no_controls(&out), "{out:?}");
        assert!(out.starts_with("ok") && out.ends_with("done"), "{out}");
    }

    #[test]
    fn c1_and_del_are_escaped() {
        assert_eq!(clean("a\u{9b}31mb"), r"a\u{9b}31mb");
        assert_eq!(clean("\u{85}\u{7f}"), r"\u{85}\u{7f}");
    }

    #[test]
    fn newlines_and_tabs_are_escaped_in_one_line_fields() {
        assert_eq!(clean("a\nb\tc\r"), r"a\u{a}b\u{9}c\u{d}");
    }

    #[test]
    fn ordinary_text_is_unchanged_and_cleaning_is_idempotent() {
        for s in ["", "plain", "é ✔ 中 — ok", "region 1 (paris) → 202"] {
            assert_eq!(clean(s), s);
        }
        let once = clean("\x1b[2J");
        assert_eq!(clean(&once), once);
        assert_eq!(clean_opt(Some("\x07")), Some(r"\u{7}".to_string()));
        assert_eq!(clean_opt(None), None);
        assert_eq!(clean_prefix("\x1bé中abc", 3), r"\u{1b}é中");
    }
}
