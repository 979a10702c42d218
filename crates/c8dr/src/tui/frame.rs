//! A frame: the app drawn into an off-screen buffer, and presenting only what changed.
//!
//! Drawing is a pure function of state, theme and size, so the live loop, the screenshots and
//! the snapshot tests all draw through `render`.

use super::app::App;
use super::draw;
use super::theme::Theme;
use color_eyre::eyre::Result;
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Buffer;

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

/// Writes `frame` when it differs from `last`; returns whether it wrote.
pub fn present<B: Backend>(
    term: &mut Terminal<B>,
    frame: &Buffer,
    last: &mut Option<Buffer>,
) -> Result<bool>
where
    B::Error: Send + Sync + 'static,
{
    if last.as_ref() == Some(frame) {
        return Ok(false);
    }
    term.draw(|f| {
        let area = f.area();
        let buf = f.buffer_mut();
        for y in 0..area.height.min(frame.area.height) {
            for x in 0..area.width.min(frame.area.width) {
                buf[(x, y)] = frame[(x, y)].clone();
            }
        }
    })
    .map_err(|e| color_eyre::eyre::eyre!("drawing: {e}"))?;
    *last = Some(frame.clone());
    Ok(true)
}
