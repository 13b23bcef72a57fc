//! The session directory: file names, reads, and crash-safe replacement of a file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use session_core::codec::RecordCodec;
use session_core::{Context, Result};
use time::OffsetDateTime;

use crate::locks::{LOCK_FILE_PREFIX, Locks};

/// What a temporary file's name holds after its session's file name (Django's `mkstemp`
/// prefix), so Django's leftovers and ours are recognized alike.
pub(crate) const TEMP_MARKER: &str = "_out_";

/// One directory of session files named `<cookie name><key>`.
pub(crate) struct SessionDir {
    pub(crate) path: PathBuf,
    pub(crate) cookie_name: String,
    pub(crate) locks: Locks,
    pub(crate) sync_writes: bool,
    /// What the files hold.
    pub(crate) codec: Arc<dyn RecordCodec>,
    /// The engine's clock and keys, and the store calls it counts.
    pub(crate) context: Context,
}

impl SessionDir {
    /// Counts one step of file operations ([`Context::store_call`]); made before each step.
    pub(crate) fn store_call(&self) -> Result<()> {
        self.context.store_call(crate::ops::NAME)
    }

    /// The file of session `key` (a key already checked to be `[a-z0-9]`).
    pub(crate) fn file_of(&self, key: &str) -> PathBuf {
        let mut name = String::with_capacity(self.cookie_name.len() + key.len());
        name.push_str(&self.cookie_name);
        name.push_str(key);
        self.path.join(name)
    }

    /// Writes `bytes` as the next content of the file of `key`, crash-safely: into a temporary
    /// file in the same directory, flushed to disk unless `sync_writes` is off, its
    /// modification time set to `modified` when given (Django's file engine reads a session's
    /// deadline from it). Nothing is visible until [`Staged::commit`] renames it over the old
    /// file, so readers and crashes see the old file or the new one, never a mix. Needs no
    /// lock: the slow part (the write and its flush) stays out of the critical section.
    pub(crate) fn stage(
        &self,
        key: &str,
        bytes: &[u8],
        modified: Option<SystemTime>,
    ) -> io::Result<Staged> {
        let target = self.file_of(key);
        let (temp, mut file) = self.create_temp(&target)?;
        let staged = Staged { temp, target };
        file.write_all(bytes)?;
        if let Some(modified) = modified {
            file.set_modified(modified)?;
        }
        if self.sync_writes {
            file.sync_data()?;
        }
        Ok(staged)
    }

    /// Removes the file of `key`; true when there was one. Call it under the key's lock.
    pub(crate) fn remove(&self, key: &str) -> io::Result<bool> {
        match fs::remove_file(self.file_of(key)) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// A new temporary file next to `target`: `<target name>_out_<unique>`, mode 0600.
    fn create_temp(&self, target: &Path) -> io::Result<(PathBuf, File)> {
        let mut name = target.as_os_str().to_owned();
        name.push(TEMP_MARKER);
        for _ in 0..8 {
            let mut path = name.clone();
            path.push(unique_suffix());
            let path = PathBuf::from(path);
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(file) => return Ok((path, file)),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name",
        ))
    }
}

/// A written temporary file waiting to replace its session's file; removed if dropped
/// uncommitted (a refused save, a failed write).
pub(crate) struct Staged {
    temp: PathBuf,
    target: PathBuf,
}

impl Staged {
    /// Renames the temporary file over the session's file (atomic). Call it under the key's
    /// lock, after checking what the file holds.
    pub(crate) fn commit(self) -> io::Result<()> {
        let renamed = fs::rename(&self.temp, &self.target);
        if renamed.is_ok() {
            std::mem::forget(self);
        }
        renamed
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.temp);
    }
}

/// True when session files named after `cookie_name` can never be taken for lock files, and the
/// name is a plain file name prefix.
pub(crate) fn cookie_name_fits(cookie_name: &str) -> bool {
    !cookie_name.is_empty()
        && !LOCK_FILE_PREFIX.starts_with(cookie_name)
        && !cookie_name.starts_with(LOCK_FILE_PREFIX)
        && cookie_name != "."
        && cookie_name != ".."
        && !cookie_name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '\0') || c.is_control())
}

/// No session file is larger than this: a bigger one (planted, or a runaway write) reads as
/// empty, which no format accepts, instead of filling memory.
pub(crate) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const READ_CAPACITY: usize = 8 * 1024;

/// The file at `path`, or nothing when there is none; empty when over [`MAX_FILE_BYTES`].
pub(crate) fn read_bounded(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let Some(file) = absent_is_none(File::open(path))? else {
        return Ok(None);
    };
    // Room for any ordinary session up front: one read and the end-of-file read, no `statx`
    // (and no run of small probing reads).
    let mut bytes = Vec::with_capacity(READ_CAPACITY);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bytes.clear();
    }
    Ok(Some(bytes))
}

/// The first `len` bytes of the file at `path` (its header); `None` when there is none.
pub(crate) fn read_head(path: &Path, len: usize) -> io::Result<Option<Vec<u8>>> {
    let Some(file) = absent_is_none(File::open(path))? else {
        return Ok(None);
    };
    let mut head = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut head)?;
    Ok(Some(head))
}

/// When the file at `path` was last written; `None` when there is none.
pub(crate) fn modified_of(path: &Path) -> io::Result<Option<OffsetDateTime>> {
    let modified = absent_is_none(std::fs::metadata(path).and_then(|meta| meta.modified()))?;
    Ok(modified.map(OffsetDateTime::from))
}

fn absent_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// A name part no other write uses: this process's id and a per-process counter (a crashed
/// process's leftover under a reused id only costs one more try).
fn unique_suffix() -> String {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let write = WRITES.fetch_add(1, Ordering::Relaxed);
    format!("{:x}x{write:x}", std::process::id())
}
