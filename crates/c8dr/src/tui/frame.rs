//! A frame: the app drawn into an off-screen buffer, and the screen that writes only what
//! changed.
//!
//! Drawing is a pure function of state, theme and size, so the live loop, the screenshots and
//! the snapshot tests all draw through `render`.

use super::app::App;
use super::draw;
use super::palette::Sgr16;
use super::theme::Theme;
use crossterm::terminal::{BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use std::io::{BufWriter, Write};

/// Draws `app` into a `width`×`height` buffer.
pub fn render(app: &App, theme: &Theme, width: u16, height: u16) -> Buffer {
    let backend = TestBackend::new(width, height);
    match Terminal::new(backend) {
        Ok(mut term) => {
            let _ = term.draw(|f| draw::draw(f, app, theme));
            term.backend().buffer().clone()
        }
        Err(_) => Buffer::empty(ratatui::layout::Rect::new(0, 0, width, height)),
    }
}

/// The terminal the live loop draws on. A frame that differs from the last one is written
/// as the cells that changed, inside a synchronized update, in one write; an unchanged frame
/// writes nothing at all, so an idle dashboard costs the terminal (and an ssh link) nothing.
///
/// Everything goes out through [`Sgr16`], so the 16 colours reach the terminal as their own
/// codes.
pub struct Screen<W: Write> {
    out: Sgr16<BufWriter<W>>,
    last: Option<Buffer>,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W) -> Screen<W> {
        Screen {
            // Large enough for a full 200x50 frame: one write per frame.
            out: Sgr16::new(BufWriter::with_capacity(1 << 17, out)),
            last: None,
        }
    }

    /// The next frame will be written in full (after a resize).
    pub fn invalidate(&mut self) {
        self.last = None;
    }

    /// Rings the terminal's bell (BEL), now: `[notify] bell` on a verdict that just became
    /// CRITICAL. A write error is ignored: a bell is never worth stopping the cockpit for.
    pub fn bell(&mut self) {
        let _ = self.out.write_all(b"\x07");
        let _ = self.out.flush();
    }

    /// Writes what changed since the last frame; returns whether it wrote.
    pub fn show(&mut self, frame: &Buffer) -> std::io::Result<bool> {
        if self.last.as_ref() == Some(frame) {
            return Ok(false);
        }
        crossterm::queue!(self.out, BeginSynchronizedUpdate)?;
        let mut backend = CrosstermBackend::new(&mut self.out);
        match &self.last {
            Some(last) if last.area == frame.area => backend.draw(last.diff(frame).into_iter())?,
            _ => {
                crossterm::queue!(backend, Clear(ClearType::All))?;
                let blank = Buffer::empty(frame.area);
                backend.draw(blank.diff(frame).into_iter())?;
            }
        }
        crossterm::queue!(self.out, EndSynchronizedUpdate)?;
        self.out.flush()?;
        self.last = Some(frame.clone());
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that keeps what it was sent.
    #[derive(Clone, Default)]
    struct Wire(Arc<Mutex<Vec<u8>>>);

    impl Write for Wire {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bell_reaches_the_terminal_at_once_and_alone() {
        let wire = Wire::default();
        let mut screen = Screen::new(wire.clone());
        screen.bell();
        assert_eq!(
            wire.0.lock().map(|w| w.clone()).unwrap_or_default(),
            b"\x07"
        );
    }
}
