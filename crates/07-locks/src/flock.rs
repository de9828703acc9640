//! A lock on a file (`flock(2)`, which std's `File::lock` calls on Linux and macOS):
//! simple and robust, at the price of a system call for every lock and every unlock.

use std::cell::Cell;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::marker::PhantomData;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

// ANCHOR: file_lock
/// An exclusive lock on a file, shared by every process that opened the same file.
///
/// The kernel ties the lock to the *open file*, not to a process or a thread, and
/// releases it when the last descriptor of that open file is closed, which happens when
/// its holder dies, however it dies. So each process opens the file itself, and one
/// `FileLock` must not be shared by threads: they would share its open file, and the
/// second `lock` would succeed at once. The type is therefore not `Sync`.
pub struct FileLock {
    file: File,
    _not_sync: PhantomData<Cell<()>>,
}

impl FileLock {
    /// Waits until no other open file holds the lock, then takes it.
    pub fn lock(&self) -> io::Result<FileLockGuard<'_>> {
        loop {
            match self.file.lock() {
                Ok(()) => return Ok(FileLockGuard { lock: self }),
                // A signal handler ran while we waited: wait again.
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        }
    }
}

/// Proof that the file lock is held; dropping it unlocks.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct FileLockGuard<'a> {
    lock: &'a FileLock,
}

impl Drop for FileLockGuard<'_> {
    fn drop(&mut self) {
        let unlocked = self.lock.file.unlock();
        debug_assert!(unlocked.is_ok(), "unlock failed: {unlocked:?}");
    }
}
// ANCHOR_END: file_lock

impl FileLock {
    /// Takes the lock if no other open file holds it right now; `Ok(None)` if one does.
    /// `flock` has no timed form: a lock that gives up after a while is built from this.
    pub fn try_lock(&self) -> io::Result<Option<FileLockGuard<'_>>> {
        match self.file.try_lock() {
            Ok(()) => Ok(Some(FileLockGuard { lock: self })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(error)) => Err(error),
        }
    }

    /// Creates the lock file (it must not exist yet), readable and writable by us only.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        Ok(Self::from(file))
    }

    /// Opens an existing lock file.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(Self::from(file))
    }
}

impl From<File> for FileLock {
    /// Wraps a file that is already open. Rust opens files with `O_CLOEXEC`, so a child
    /// started with `exec` does not inherit it (and the lock) by accident.
    fn from(file: File) -> Self {
        Self {
            file,
            _not_sync: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(tag: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("locks-test-{tag}-{}", std::process::id()))
    }

    #[test]
    fn two_open_files_exclude_each_other_and_closing_releases() {
        let path = temp_path("flock");
        let first = FileLock::create(&path).unwrap();
        let second = FileLock::open(&path).unwrap();
        // Both are open: the name is no longer needed.
        std::fs::remove_file(&path).unwrap();
        let guard = first.lock().unwrap();
        assert!(
            matches!(second.file.try_lock(), Err(TryLockError::WouldBlock)),
            "the second open file got a held lock"
        );
        // Closing the holder's file releases its lock, as a crash would.
        std::mem::forget(guard);
        drop(first);
        let _guard = second.lock().unwrap();
    }

    #[test]
    fn the_guard_unlocks_when_dropped() {
        let path = temp_path("guard");
        let first = FileLock::create(&path).unwrap();
        let second = FileLock::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        drop(first.lock().unwrap());
        assert!(
            second.file.try_lock().is_ok(),
            "still locked after the guard"
        );
    }

    #[test]
    fn try_lock_takes_a_free_lock_and_refuses_a_held_one() {
        let path = temp_path("try");
        let first = FileLock::create(&path).unwrap();
        let second = FileLock::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let guard = first.try_lock().unwrap().expect("the lock was free");
        assert!(second.try_lock().unwrap().is_none(), "two holders at once");
        drop(guard);
        assert!(
            second.try_lock().unwrap().is_some(),
            "still held after the guard"
        );
    }

    #[test]
    fn create_refuses_an_existing_file() {
        let path = temp_path("exists");
        let _lock = FileLock::create(&path).unwrap();
        assert!(FileLock::create(&path).is_err());
        std::fs::remove_file(&path).unwrap();
    }
}
