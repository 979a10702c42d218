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
use ratatui::layout::Rect;
use std::io::{BufWriter, Write};

/// Draws `app` into a `width`×`height` buffer.
pub fn render(app: &App, theme: &Theme, width: u16, height: u16) -> Buffer {
    std::mem::take(Canvas::default().draw(app, theme, width, height))
}

/// Where frames are drawn off-screen, kept from one frame to the next: a frame costs its
/// drawing, not fresh screen-sized buffers. Drawing through `Terminal::draw` into a new
/// `TestBackend` made four of them per frame (two for the terminal, the backend's, the
/// copy returned) and diffed two; at 200×50 each is ~0.4 MB, which the allocator took from the
/// kernel and gave back every frame: over half a frame's time went to page faults and `free`
/// (`perf record` of `benches/render.rs`, issue 18 §3).
#[derive(Default)]
pub struct Canvas {
    term: Option<Terminal<TestBackend>>,
}

impl Canvas {
    /// Draws `app` at `width`×`height`; the buffer is the canvas's until the next draw.
    pub fn draw(&mut self, app: &App, theme: &Theme, width: u16, height: u16) -> &mut Buffer {
        let area = Rect::new(0, 0, width, height);
        if self
            .term
            .as_ref()
            .is_some_and(|t| t.backend().buffer().area != area)
        {
            self.term = None;
        }
        let term = self.term.get_or_insert_with(|| {
            // A `TestBackend` never fails (its error type is `Infallible`).
            let Ok(t) = Terminal::new(TestBackend::new(width, height));
            t
        });
        // What `Terminal::draw` does to the buffer, without handing it to a backend: the
        // frame is drawn from blank, and the screen diffs it against what it last wrote.
        term.current_buffer_mut().reset();
        draw::draw(&mut term.get_frame(), app, theme);
        term.current_buffer_mut()
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
        // Copied into the last frame's cells (same size: no allocation).
        match &mut self.last {
            Some(last) if last.area == frame.area => last.content.clone_from(&frame.content),
            last => *last = Some(frame.clone()),
        }
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
