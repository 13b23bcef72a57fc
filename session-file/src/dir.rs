//! The session directory: file names, reads, and crash-safe replacement of a file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use session_core::codec::framed::MAX_HEADER_BYTES;

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
}

impl SessionDir {
    /// The file of session `key` (a key already checked to be `[a-z0-9]`).
    pub(crate) fn file_of(&self, key: &str) -> PathBuf {
        let mut name = String::with_capacity(self.cookie_name.len() + key.len());
        name.push_str(&self.cookie_name);
        name.push_str(key);
        self.path.join(name)
    }

    /// The whole file of `key`; `None` when there is none.
    pub(crate) fn read(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        absent_is_none(fs::read(self.file_of(key)))
    }

    /// The first bytes of the file of `key`, enough for its header; `None` when there is none.
    pub(crate) fn read_head(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        read_head(&self.file_of(key))
    }

    /// Replaces the file of `key` with `bytes`, crash-safely: a temporary file in the same
    /// directory is written, flushed to disk (unless `sync_writes` is off) and renamed over the
    /// old one, so readers and crashes see the old file or the new one, never a mix. Call it
    /// under the key's lock.
    pub(crate) fn replace(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let target = self.file_of(key);
        let (temp_path, mut temp) = self.create_temp(&target)?;
        let written = temp
            .write_all(bytes)
            .and_then(|()| {
                if self.sync_writes {
                    temp.sync_data()
                } else {
                    Ok(())
                }
            })
            .and_then(|()| {
                drop(temp);
                fs::rename(&temp_path, &target)
            });
        if written.is_err() {
            let _ = fs::remove_file(&temp_path);
        }
        written
    }

    /// Removes the file of `key`; true when there was one. Call it under the key's lock.
    pub(crate) fn remove(&self, key: &str) -> io::Result<bool> {
        match fs::remove_file(self.file_of(key)) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// A new temporary file next to `target`: `<target name>_out_<random>`, mode 0600.
    fn create_temp(&self, target: &Path) -> io::Result<(PathBuf, File)> {
        let mut name = target.as_os_str().to_owned();
        name.push(TEMP_MARKER);
        for _ in 0..8 {
            let mut path = name.clone();
            path.push(random_suffix()?);
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

/// The first bytes of the file at `path`, enough for its header; `None` when there is none.
pub(crate) fn read_head(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let Some(file) = absent_is_none(File::open(path))? else {
        return Ok(None);
    };
    let mut head = Vec::with_capacity(MAX_HEADER_BYTES);
    file.take(MAX_HEADER_BYTES as u64).read_to_end(&mut head)?;
    Ok(Some(head))
}

fn absent_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Ten characters of `[a-z0-9]` from the OS CSPRNG.
fn random_suffix() -> io::Result<String> {
    const ALPHABET: &[u8; 36] = session_core::KEY_ALPHABET;
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(io::Error::other)?;
    Ok(bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect())
}
