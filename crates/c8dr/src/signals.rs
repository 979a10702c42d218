//! The signals that end a session: SIGINT, SIGTERM and SIGHUP (a closed ssh connection).
//!
//! Their default is to kill the process on the spot, which leaves the operator's terminal in
//! raw mode on the alternate screen and the demo's temporary directory, with its password
//! file, on disk. Listening replaces that default; [`until_stopped`] then drops the work, and
//! with it the terminal guard (`tui::TerminalGuard`) and the lab with its directory, so the
//! same code that cleans up after a normal quit cleans up after a signal.

use color_eyre::eyre::{Result, WrapErr};
use std::future::Future;

/// A signal that ends a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    Hangup,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }

    /// The shell's convention for a process ended by a signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        128 + match self {
            Signal::Hangup => 1,
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }
}

/// The error of work that a signal stopped (the binary exits with [`Signal::exit_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped(pub Signal);

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by {}", self.0.name())
    }
}

impl std::error::Error for Stopped {}

/// Listens for the three signals from its creation on: create it before anything that must
/// be cleaned up exists.
pub struct Listener {
    #[cfg(unix)]
    streams: [(Signal, tokio::signal::unix::Signal); 3],
}

impl Listener {
    pub fn new() -> Result<Listener> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, s: Signal| {
                signal(kind)
                    .map(|stream| (s, stream))
                    .wrap_err_with(|| format!("listening for {}", s.name()))
            };
            Ok(Listener {
                streams: [
                    listen(SignalKind::interrupt(), Signal::Interrupt)?,
                    listen(SignalKind::terminate(), Signal::Terminate)?,
                    listen(SignalKind::hangup(), Signal::Hangup)?,
                ],
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Listener {})
        }
    }

    /// The next signal.
    pub async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        {
            let [(a, sa), (b, sb), (c, sc)] = &mut self.streams;
            tokio::select! {
                _ = sa.recv() => *a,
                _ = sb.recv() => *b,
                _ = sc.recv() => *c,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Interrupt
        }
    }
}

/// Runs `work` until it ends or a signal arrives. On a signal `work` is dropped, so its
/// guards run (the terminal is restored, temporary directories are removed), and the result
/// is the [`Stopped`] error.
pub async fn until_stopped<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    let mut listener = Listener::new()?;
    tokio::select! {
        r = work => r,
        s = listener.recv() => Err(Stopped(s).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_exits_as_shells_expect() {
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Hangup.exit_code(), 129);
        assert_eq!(
            Stopped(Signal::Hangup).to_string(),
            "stopped by SIGHUP".to_string()
        );
    }
}
