//! Files under SESSIONS_PATH hold WhatsApp logins, message logs and key hashes: what we create
//! there is readable by the daemon's user only (directories 0700, files 0600).

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` and its missing parents as 0700; an existing `dir` we own is tightened to
/// 0700 too (the parents that existed are left as they are).
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Appends to `file`, creating it 0600 (and tightening an existing one).
pub fn append(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut handle = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)?;
    handle.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    handle.write_all(bytes)
}

/// Replaces `file` with `bytes` atomically (a 0600 temp file renamed over it).
pub fn write(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(file, bytes, false)
}

/// Like [`write`], and the new file's mtime is later than the one it replaces, so readers that
/// compare (inode, mtime, len) always see the change: two writes within one clock tick could
/// otherwise leave a reused inode, the same coarse mtime and the same length. Callers must
/// serialise their writes (the temp file's name is fixed).
pub fn write_newer(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(file, bytes, true)
}

fn replace(file: &Path, bytes: &[u8], newer: bool) -> std::io::Result<()> {
    let tmp = file.with_extension("tmp");
    {
        let mut handle = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        handle.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        handle.write_all(bytes)?;
        if newer {
            let old = match std::fs::metadata(file) {
                Ok(meta) => Some(meta.modified()?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            if let Some(old) = old {
                // Growing steps: the file system may keep only µs, ms or whole seconds.
                let mut step = std::time::Duration::from_nanos(1);
                while handle.metadata()?.modified()? <= old
                    && step <= std::time::Duration::from_secs(2)
                {
                    handle.set_modified(old + step)?;
                    step *= 1000;
                }
            }
        }
        handle.sync_all()?;
    }
    std::fs::rename(&tmp, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn only_the_owner_can_read() {
        let root = std::env::temp_dir().join(format!("wagw-private-{}", std::process::id()));
        let dir = root.join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing dir is tightened");

        let log = dir.join("log.txt");
        std::fs::write(&log, b"old\n").unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        append(&log, b"new\n").unwrap();
        assert_eq!(mode(&log), 0o600);
        assert_eq!(std::fs::read(&log).unwrap(), b"old\nnew\n");

        let keys = dir.join("keys.json");
        write(&keys, b"{}").unwrap();
        assert_eq!(mode(&keys), 0o600);
        assert_eq!(std::fs::read(&keys).unwrap(), b"{}");

        // A file system clock can stand still between two writes; the mtime still moves on.
        let ahead = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&keys)
            .unwrap()
            .set_modified(ahead)
            .unwrap();
        write_newer(&keys, b"[]").unwrap();
        let meta = std::fs::metadata(&keys).unwrap();
        assert!(
            meta.modified().unwrap() > ahead,
            "newer than the file it replaced"
        );
        assert_eq!(mode(&keys), 0o600);
        assert_eq!(std::fs::read(&keys).unwrap(), b"[]");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
