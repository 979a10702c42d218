//! One run at a time on this machine: an exclusive lock on `<runs dir>/.lock`, held by the
//! journal of the run in progress and released when it ends (or its process dies: the
//! kernel drops the lock with the process, so a crash never leaves a stale lock behind).
//! The holder writes who it is into the file, so the refusal can name it.

use std::fs::{File, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// The lock of the state directory's runs; dropped, it is released.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock of `dir` for run `run`, or says who holds it.
    pub fn acquire(dir: &Path, run: &str) -> io::Result<RunLock> {
        crate::private_fs::create_dir_all(dir)?;
        let path = dir.join(".lock");
        let mut file = crate::private_fs::open_read_write(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = crate::text::clean(holder.trim());
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another c8dr run is in progress ({}; lock {}): one run at a time — wait for it to end, then resume or start again",
                        if holder.is_empty() {
                            "starting".to_string()
                        } else {
                            holder
                        },
                        path.display()
                    ),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(
            file,
            "run {run} by {} (pid {}) since {}",
            super::session::user(),
            std::process::id(),
            jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ")
        )?;
        file.sync_data()?;
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let first = RunLock::acquire(&runs, "failover-r1-a").unwrap();
        let e = RunLock::acquire(&runs, "failover-r1-b").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        let text = e.to_string();
        assert!(
            text.contains("failover-r1-a") && text.contains("one run at a time"),
            "{text}"
        );
        drop(first);
        RunLock::acquire(&runs, "failover-r1-b").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&runs), 0o700);
            assert_eq!(mode(&runs.join(".lock")), 0o600);
        }
    }
}
