//! Exports a rendered ratatui `Buffer` as plain text or as an SVG image (one `<text>` run per
//! style change), for `c8dr screenshots` and for sharing a frozen frame.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::fmt::Write;

/// The buffer as lines of text (trailing spaces trimmed).
pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(area.x + x, area.y + y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn rgb(c: Color, default: &str) -> String {
    match c {
        Color::Reset => default.to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Black => "#000000".into(),
        Color::Red => "#cd3131".into(),
        Color::Green => "#0dbc79".into(),
        Color::Yellow => "#e5e510".into(),
        Color::Blue => "#2472c8".into(),
        Color::Magenta => "#bc3fbc".into(),
        Color::Cyan => "#11a8cd".into(),
        Color::Gray => "#a0a0a0".into(),
        Color::DarkGray => "#666666".into(),
        Color::LightRed => "#f14c4c".into(),
        Color::LightGreen => "#23d18b".into(),
        Color::LightYellow => "#f5f543".into(),
        Color::LightBlue => "#3b8eea".into(),
        Color::LightMagenta => "#d670d6".into(),
        Color::LightCyan => "#29b8db".into(),
        Color::White => "#e5e5e5".into(),
        Color::Indexed(i) => format!("#{0:02x}{0:02x}{0:02x}", i),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The buffer as an SVG with a monospace grid (`bg`/`fg`: the terminal's default colours).
pub fn svg(buf: &Buffer, bg: &str, fg: &str) -> String {
    let (cw, ch) = (8.4_f32, 17.0_f32);
    let area = buf.area;
    let (w, h) = (area.width as f32 * cw, area.height as f32 * ch);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="{bg}"/>"#);
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (mut f, mut b) = (rgb(cell.fg, fg), rgb(cell.bg, bg));
            if reversed {
                std::mem::swap(&mut f, &mut b);
            }
            // Extend the run while the style stays the same.
            let start = x;
            let mut run = String::new();
            while x < area.width {
                let c = &buf[(area.x + x, area.y + y)];
                if c.fg != cell.fg || c.bg != cell.bg || c.modifier != cell.modifier {
                    break;
                }
                run.push_str(c.symbol());
                x += 1;
            }
            let (px, py) = (start as f32 * cw, y as f32 * ch);
            if b != bg {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px}" y="{py}" width="{}" height="{ch}" fill="{b}"/>"#,
                    (x - start) as f32 * cw
                );
            }
            if !run.trim().is_empty() {
                let weight = if cell.modifier.contains(Modifier::BOLD) {
                    r#" font-weight="bold""#
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    r#"<text x="{px}" y="{}" fill="{f}"{weight} textLength="{}" lengthAdjust="spacingAndGlyphs" xml:space="preserve">{}</text>"#,
                    py + ch * 0.78,
                    (x - start) as f32 * cw,
                    escape(&run)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}
