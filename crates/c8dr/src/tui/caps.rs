//! What this terminal can show, decided once per session from `TERM`, `COLORTERM` and the
//! locale: the glyph set ([`Glyphs`]) and the colours ([`Colours`]). The live loop draws every
//! frame through [`Caps::render`], so on a plain terminal no widget can put a glyph or a
//! colour on screen that the terminal would garble.

use super::app::App;
use super::frame::Canvas;
use super::glyphs::Glyphs;
use super::palette::Colours;
use super::theme::Theme;
use ratatui::buffer::Buffer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub glyphs: Glyphs,
    pub colours: Colours,
}

impl Caps {
    /// Everything: what the screenshots and snapshots show.
    pub const FULL: Caps = Caps {
        glyphs: Glyphs::Unicode,
        colours: Colours::TrueColor,
    };

    /// From this process's environment.
    pub fn from_env() -> Caps {
        Caps::from_vars(|k| std::env::var(k).ok())
    }

    /// From environment variables given by `get`.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Caps {
        Caps {
            glyphs: Glyphs::from_vars(&get),
            colours: Colours::from_vars(&get),
        }
    }

    /// `app` drawn as this terminal shows it: the theme brought down to its colours, the
    /// frame to its glyphs.
    pub fn render(&self, app: &App, theme: &Theme, width: u16, height: u16) -> Buffer {
        std::mem::take(self.draw(&mut Canvas::default(), app, theme, width, height))
    }

    /// [`Caps::render`] into `canvas`, whose buffer the live loop keeps from frame to frame.
    pub fn draw<'c>(
        &self,
        canvas: &'c mut Canvas,
        app: &App,
        theme: &Theme,
        width: u16,
        height: u16,
    ) -> &'c mut Buffer {
        let theme = self.colours.theme(theme.clone());
        let buf = canvas.draw(app, &theme, width, height);
        self.glyphs.apply(buf);
        self.colours.apply(buf);
        buf
    }
}
