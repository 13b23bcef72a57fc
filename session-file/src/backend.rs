//! [`FileBackend`]: the engine, its builder, and the [`Backend`] contract on blocking threads.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use session_core::codec::RecordCodec;
use session_core::{
    Backend, Capabilities, Context, Error, JsonCodec, Record, Result, SessionKey, Stored,
    async_trait,
};
use time::OffsetDateTime;

use crate::dir::{SessionDir, cookie_name_fits};
use crate::locks::Locks;
use crate::ops::{NAME, Refused, failed};
use crate::sweep::SweepRules;

/// Default cookie name, the prefix of every session file (`SESSION_COOKIE_NAME`).
pub const DEFAULT_COOKIE_NAME: &str = session_core::settings::defaults::COOKIE_NAME;
/// Default age after which `clear_expired` removes a temporary file: a writer that has not
/// renamed it by then has crashed.
pub const DEFAULT_TEMP_GRACE: Duration = Duration::from_secs(600);
/// Default age after which `clear_expired` removes a session file it cannot read (Django's
/// format, corrupt bytes): Django's default `SESSION_COOKIE_AGE`, two weeks.
pub const DEFAULT_UNREADABLE_AGE: Duration =
    Duration::from_secs(session_core::settings::defaults::COOKIE_AGE.unsigned_abs());

/// Sessions as files in one directory: Django's `file` engine, made safe.
///
/// - One file per session, `<cookie name><key>`, mode 0600, as Django names it. Keys outside
///   `[a-z0-9]{8,40}` are [`Error::InvalidKey`] before any path is built.
/// - Crash-safe writes: a temporary file in the same directory, `fsync`, then a rename over
///   the old file. Readers never see a partial file; a crash leaves the old session or the new
///   one.
/// - Conditional saves, across threads, backends and processes on one directory: the check of
///   the stored version and liveness and the rename run under an advisory lock on one of 32
///   lock files (`.sessions-lock-NN`) picked by the key, so of two saves of one version exactly
///   one wins, and a deleted session is never written back. The write and its `fsync` happen
///   before the lock is taken, so a slow disk does not hold other writers up.
///   Advisory locks need a local file system (NFS and other network file systems may ignore
///   them).
/// - Every expiry is honoured, integer `set_expiry` included (Django's is not, #19201):
///   each file starts with a header holding its deadline, which `load` checks and which
///   `clear_expired` reads instead of decoding the file.
/// - All file I/O runs on tokio's blocking threads, never on the executor's.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> session_core::Result<()> {
/// use std::sync::Arc;
/// use session_core::SessionStore;
/// use session_file::FileBackend;
///
/// let dir = std::env::temp_dir().join(format!("sessions-doc-{}", std::process::id()));
/// let backend = FileBackend::builder(&dir).create_dir(true).build()?;
/// let store = SessionStore::new(Arc::new(backend));
/// let session = store.session(None);
/// session.insert("cart", vec!["apple"]).await?;
/// session.save().await?;
/// let key = session.key().ok_or(session_core::Error::Gone)?; // saved: it has a key
/// assert!(dir.join(format!("sessionid{}", key.as_str())).exists());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FileBackend {
    dir: Arc<SessionDir>,
    temp_grace: Duration,
    unreadable_age: Duration,
}

impl fmt::Debug for FileBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBackend")
            .field("path", &self.dir.path)
            .field("cookie_name", &self.dir.cookie_name)
            .field("sync_writes", &self.dir.sync_writes)
            .field("codec", &self.dir.codec.name())
            .finish_non_exhaustive()
    }
}

/// Builds a [`FileBackend`].
#[must_use]
pub struct FileBackendBuilder {
    path: PathBuf,
    cookie_name: String,
    create_dir: bool,
    sync_writes: bool,
    temp_grace: Duration,
    unreadable_age: Duration,
    context: Context,
    codec: Arc<dyn RecordCodec>,
}

impl fmt::Debug for FileBackendBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBackendBuilder")
            .field("path", &self.path)
            .field("cookie_name", &self.cookie_name)
            .field("codec", &self.codec.name())
            .finish_non_exhaustive()
    }
}

impl FileBackendBuilder {
    /// What each file holds. Default: [`JsonCodec`], the framed record, whose header `load`,
    /// saves and the sweep read. [`DjangoCodec`](session_core::codec::django::DjangoCodec)
    /// (`SESSION_CODEC=django`) keeps Django's own layout: each file holds only Django's
    /// `session_data`, and its modification time carries the deadline as Django reads it (give
    /// the codec Django's `SESSION_COOKIE_AGE`). Saves then check the file's whole text, so a
    /// write Django made since our load is a conflict. Django writes without our locks: a
    /// Django write landing between our check and our rename (microseconds) can still be lost.
    pub fn codec(mut self, codec: impl RecordCodec + 'static) -> Self {
        self.codec = Arc::new(codec);
        self
    }

    /// The cookie name, which prefixes every file name (`SESSION_COOKIE_NAME`, default
    /// `sessionid`).
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// Create the directory (mode 0700, parents too) when it does not exist. Default: false, so
    /// a mistyped path fails at start-up as Django's does.
    pub fn create_dir(mut self, create: bool) -> Self {
        self.create_dir = create;
        self
    }

    /// Flush each write to disk before the rename (default: true). Off, a power cut may lose
    /// the last writes (a process crash still cannot); only for throwaway sessions.
    pub fn sync_writes(mut self, sync: bool) -> Self {
        self.sync_writes = sync;
        self
    }

    /// Age from which `clear_expired` removes temporary files (default 10 minutes). Another
    /// process may be writing one right now, so keep it well above a write's duration.
    pub fn temp_grace(mut self, age: Duration) -> Self {
        self.temp_grace = age;
        self
    }

    /// Age from its last write at which `clear_expired` removes a session file it cannot read
    /// (default two weeks; set it to `SESSION_COOKIE_AGE`).
    pub fn unreadable_age(mut self, age: Duration) -> Self {
        self.unreadable_age = age;
        self
    }

    /// The clock that decides liveness and the source of new keys (default:
    /// [`Context::default`]).
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// The backend, after checking that the directory exists and can be written.
    ///
    /// # Errors
    /// [`Error::Config`] naming `SESSION_FILE_PATH` and the path when it is not a directory (and
    /// `create_dir` is off) or cannot be written, or naming `SESSION_COOKIE_NAME` when the
    /// cookie name cannot prefix a file name.
    pub fn build(self) -> Result<FileBackend> {
        if !cookie_name_fits(&self.cookie_name) {
            return Err(Error::config(
                "SESSION_COOKIE_NAME",
                format!(
                    "{:?} cannot prefix session file names (empty, a path, or clashing with the lock files)",
                    self.cookie_name
                ),
            ));
        }
        let path = self.path;
        let misconfigured = |reason: &str| {
            Error::config("SESSION_FILE_PATH", format!("{}: {reason}", path.display()))
        };
        let failed = |reason: &str, err: std::io::Error| {
            Error::config_source(
                "SESSION_FILE_PATH",
                format!("{}: {reason}", path.display()),
                err,
            )
        };
        if self.create_dir && !path.exists() {
            create_private_dir(&path).map_err(|err| failed("cannot create it", err))?;
        }
        if !path.is_dir() {
            return Err(misconfigured("not an existing directory"));
        }
        let locks = Locks::open(&path).map_err(|err| failed("cannot write in it", err))?;
        Ok(FileBackend {
            dir: Arc::new(SessionDir {
                path,
                cookie_name: self.cookie_name,
                locks,
                sync_writes: self.sync_writes,
                codec: self.codec,
                context: self.context,
            }),
            temp_grace: self.temp_grace,
            unreadable_age: self.unreadable_age,
        })
    }
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

impl FileBackend {
    /// A builder for sessions in the directory `path` (`SESSION_FILE_PATH`; Django's default is
    /// the system temporary directory, [`std::env::temp_dir`]).
    pub fn builder(path: impl Into<PathBuf>) -> FileBackendBuilder {
        FileBackendBuilder {
            path: path.into(),
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            create_dir: false,
            sync_writes: true,
            temp_grace: DEFAULT_TEMP_GRACE,
            unreadable_age: DEFAULT_UNREADABLE_AGE,
            context: Context::default(),
            codec: Arc::new(JsonCodec),
        }
    }

    /// The session directory.
    pub fn path(&self) -> &Path {
        &self.dir.path
    }

    /// The file that holds session `key`.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside `[a-z0-9]{8,40}`.
    pub fn file_of(&self, key: &SessionKey) -> Result<PathBuf> {
        Ok(self.dir.file_of(key.django_syntax()?))
    }

    /// Writes `bytes` as the file of session `key`, exactly as given (crash-safely, under the
    /// session's lock): for importing sessions and for tests that need corrupt data.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside `[a-z0-9]{8,40}`; [`Error::Backend`] when the write fails.
    pub async fn write_raw(&self, key: &SessionKey, bytes: &[u8]) -> Result<()> {
        let key = key.django_syntax()?.to_owned();
        let bytes = bytes.to_vec();
        self.blocking(move |dir| dir.write_raw(&key, &bytes)).await
    }

    fn now(&self) -> OffsetDateTime {
        self.dir.context.now()
    }

    /// Runs `op` on a blocking thread.
    async fn blocking<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&SessionDir) -> Result<T> + Send + 'static,
    {
        let dir = Arc::clone(&self.dir);
        tokio::task::spawn_blocking(move || op(&dir))
            .await
            .map_err(|err| Error::backend(NAME, err))?
    }
}

#[async_trait]
impl Backend for FileBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        let Ok(key) = key.django_syntax() else {
            return Ok(None); // no file can have such a name
        };
        let key = key.to_owned();
        let now = self.now();
        self.blocking(move |dir| dir.load(&key, now)).await
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let encoded = Arc::new(self.dir.codec.encode(&record, 1, self.now())?);
        let key = self
            .dir
            .context
            .create_with(|key| {
                let encoded = Arc::clone(&encoded);
                async move {
                    let name = key.django_syntax()?.to_owned();
                    self.blocking(move |dir| dir.create(&name, &encoded)).await
                }
            })
            .await?;
        Ok(Stored {
            key,
            version: encoded.version.clone(),
        })
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let name = key.django_syntax()?.to_owned();
        let now = self.now();
        let next = self.dir.codec.expected(&record)?.next()?;
        let encoded = self.dir.codec.encode(&record, next, now)?;
        let version = encoded.version.clone();
        let expected = record.version;
        let outcome = self
            .blocking(move |dir| dir.save(&name, &expected, now, &encoded))
            .await?;
        match outcome {
            Ok(()) => Ok(Stored {
                key: key.clone(),
                version,
            }),
            Err(Refused::Conflict) => Err(Error::Conflict),
            Err(Refused::Gone) => Err(Error::Gone),
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let name = key.django_syntax()?.to_owned();
        let now = self.now();
        if self
            .blocking(move |dir| dir.touch(&name, now, expires_at))
            .await?
        {
            Ok(key.clone())
        } else {
            Err(Error::Gone)
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        let Ok(key) = key.django_syntax() else {
            return Ok(false); // nothing can be stored under such a key
        };
        let key = key.to_owned();
        self.blocking(move |dir| dir.delete(&key)).await
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let Ok(key) = key.django_syntax() else {
            return Ok(false);
        };
        let key = key.to_owned();
        let now = self.now();
        self.blocking(move |dir| dir.exists(&key, now)).await
    }

    /// Removes expired session files (counted) and temporary files older than the grace period
    /// (logged), reading only each file's header.
    async fn clear_expired(&self) -> Result<u64> {
        let rules = SweepRules {
            now: self.now(),
            temp_grace: self.temp_grace,
            unreadable_age: self.unreadable_age,
        };
        let swept = self
            .blocking(move |dir| {
                // One store call for the whole pass.
                dir.store_call()?;
                dir.sweep(rules).map_err(failed)
            })
            .await?;
        if swept.temp_files > 0 {
            tracing::info!(
                backend = NAME,
                temp_files = swept.temp_files,
                "removed temporary files left by interrupted writes"
            );
        }
        Ok(swept.sessions)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side().with_keeps_created_at(self.dir.codec.keeps_created_at())
    }
}
