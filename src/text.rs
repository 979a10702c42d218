//! Strings from outside (server answers, error messages, ids) made safe to print: a control
//! character could set the window title, clear the screen or write the clipboard (OSC 52).

/// Replaces every control character with a visible escape (`\u{1b}`).
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
