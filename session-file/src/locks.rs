//! Striped advisory locks that serialize writers of one session, across threads and processes.
//!
//! A session's writes (create, save, touch, delete, the sweep's removal) run while holding the
//! lock of its stripe: one of [`STRIPES`] lock files in the session directory, picked by a hash
//! of the session key. The lock files are never renamed or deleted, so a lock outlives the
//! rename that replaces a data file's inode (a lock on the data file itself would not).
//!
//! Each stripe is an OS advisory lock (`flock` on Unix, `LockFileEx` on Windows) on the lock
//! file, for other processes and other backends on the same directory, taken under an
//! in-process mutex, because the OS lock is held per open file, not per thread. Every process
//! uses the same stripe count and the same hash, so they agree on which file guards a key.
//! Readers take no lock: a rename is atomic, so they see the old file or the new one.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

/// How many lock files guard a directory. Fixed: processes sharing a directory must agree.
pub(crate) const STRIPES: usize = 32;

/// The lock files' common prefix. The directory refuses a cookie name that this starts with,
/// so lock files are never taken for sessions.
pub(crate) const LOCK_FILE_PREFIX: &str = ".sessions-lock-";

/// The stripes of one directory. Lock files are opened at their first use and kept open.
pub(crate) struct Locks {
    dir: PathBuf,
    stripes: Box<[Stripe]>,
}

#[derive(Default)]
struct Stripe {
    threads: Mutex<()>,
    file: OnceLock<File>,
}

impl Locks {
    /// The locks of `dir`; opens the first lock file now, which proves the directory writable.
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        let locks = Self {
            dir: dir.to_path_buf(),
            stripes: (0..STRIPES).map(|_| Stripe::default()).collect(),
        };
        locks.file(0)?;
        Ok(locks)
    }

    /// Runs `write` holding the lock of the stripe `key` hashes to.
    pub(crate) fn with<T>(
        &self,
        key: &str,
        write: impl FnOnce() -> io::Result<T>,
    ) -> io::Result<T> {
        let index = stripe_of(key);
        let stripe = &self.stripes[index];
        let _threads = stripe
            .threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let file = self.file(index)?;
        file.lock()?;
        let result = write();
        let unlocked = file.unlock();
        let value = result?;
        unlocked?;
        Ok(value)
    }

    fn file(&self, index: usize) -> io::Result<&File> {
        let stripe = &self.stripes[index];
        if let Some(file) = stripe.file.get() {
            return Ok(file);
        }
        let path = self.dir.join(format!("{LOCK_FILE_PREFIX}{index:02}"));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        // Two threads may open it at once: one file is kept, the other closed.
        Ok(stripe.file.get_or_init(|| file))
    }
}

/// FNV-1a of the key, modulo the stripe count: fixed, so every process picks the same stripe.
fn stripe_of(key: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(hash % STRIPES as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_are_stable_and_spread() {
        assert_eq!(stripe_of("abcdefgh"), stripe_of("abcdefgh"));
        let used: std::collections::HashSet<_> = (0..1000)
            .map(|n| stripe_of(&format!("key{n:08}")))
            .collect();
        assert_eq!(used.len(), STRIPES);
    }

    #[test]
    fn two_lock_sets_on_one_directory_exclude_each_other() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let first = Locks::open(dir.path())?;
        let second = Locks::open(dir.path())?;
        first.with("abcdefgh", || {
            let file = second.file(stripe_of("abcdefgh"))?;
            assert!(matches!(
                file.try_lock(),
                Err(std::fs::TryLockError::WouldBlock)
            ));
            Ok(())
        })?;
        let file = second.file(stripe_of("abcdefgh"))?;
        assert!(file.try_lock().is_ok(), "released after the write");
        file.unlock()
    }
}
