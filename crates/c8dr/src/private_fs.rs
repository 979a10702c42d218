//! Private files: the state directory, run journals, the audit trail and the logs tell what
//! was done to a production cluster, by whom and with which answers, so they are 0600 in 0700
//! directories whatever the umask, and ones left looser by an older c8dr are tightened.
//! Off unix these are the plain std calls.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Mode of c8dr's directories.
pub const DIR_MODE: u32 = 0o700;
/// Mode of c8dr's files.
pub const FILE_MODE: u32 = 0o600;

/// Creates `path` and its missing parents with mode 0700, and tightens `path` itself to 0700
/// when it exists looser (a directory that is not ours cannot be changed: it is left alone).
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(path)?;
        if let Some(perm) = tightened(&std::fs::metadata(path)?, DIR_MODE) {
            // Refused for someone else's directory: not c8dr's to change.
            let _ = std::fs::set_permissions(path, perm);
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(path)
    }
}

/// Opens `path` for appending, creating it 0600; an existing file of ours that is looser is
/// tightened to 0600 (through the open handle, so it is the file we write to).
pub fn open_append(path: &Path) -> io::Result<File> {
    open_private(OpenOptions::new().create(true).append(true), path)
}

/// Opens `path` for reading and writing without truncating it, creating it 0600 (a lock
/// file), tightened like [`open_append`].
pub fn open_read_write(path: &Path) -> io::Result<File> {
    open_private(
        OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false),
        path,
    )
}

fn open_private(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    if let Some(perm) = tightened(&file.metadata()?, FILE_MODE) {
        // Refused for someone else's file: not c8dr's to change.
        let _ = file.set_permissions(perm);
    }
    Ok(file)
}

/// Creates `path` for appending, 0600; fails when it exists (a journal is never overwritten).
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create_new(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options.open(path)
}

/// The mode of `path` (its target, for a symlink) when group or others have any access to it
/// (`mode & 0o077`, as ssh judges a private key); `None` when it is private. Off unix, always `None`: there is no mode to judge.
pub fn loose_mode(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = std::fs::metadata(path)?.mode() & 0o7777;
        Ok((mode & 0o077 != 0).then_some(mode))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(|_| None)
    }
}

/// The permissions to set when `meta` allows more than `target`: only the bits of `target`
/// that it already has (an owner-read-only file stays read-only).
#[cfg(unix)]
fn tightened(meta: &std::fs::Metadata, target: u32) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = meta.mode() & 0o7777;
    (mode & !target != 0).then(|| std::fs::Permissions::from_mode(mode & target))
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn new_directories_and_files_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state").join("c8dr");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&root.path().join("state")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let log = dir.join("c8dr.log");
        open_append(&log).unwrap().write_all(b"one\n").unwrap();
        assert_eq!(mode(&log), 0o600);
        let journal = dir.join("run.jsonl");
        create_new(&journal).unwrap();
        assert_eq!(mode(&journal), 0o600);
        let again = create_new(&journal).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn loose_ones_of_ours_are_tightened_and_keep_their_content() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("c8dr");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        let audit = dir.join("audit.jsonl");
        std::fs::write(&audit, "old\n").unwrap();
        std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&audit).unwrap().write_all(b"new\n").unwrap();
        assert_eq!(mode(&audit), 0o600);
        assert_eq!(std::fs::read_to_string(&audit).unwrap(), "old\nnew\n");
    }
}
