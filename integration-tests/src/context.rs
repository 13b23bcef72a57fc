//! What each case receives: its context and the engine under test.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use session_core::{
    Backend, Capabilities, Data, Expiry, ExpiryPolicy, KeyGenerator, MockClock, Record, Result,
    SessionKey, SessionStore, async_trait,
};
use time::OffsetDateTime;

/// A case's own world: a namespace to isolate its data on a shared server (a table name, a key
/// prefix, a directory name), a clock that moves only when the case says, and a key generator
/// the case can script to force collisions. Build the backend with all three.
#[derive(Debug, Clone)]
pub struct TestContext {
    /// Unique per case and run: `[a-z0-9_]`, at most 56 characters, starts with a letter.
    pub namespace: String,
    /// The clock the backend must use.
    pub clock: MockClock,
    /// The key generator the backend must use ([`KeyGenerator::scripted`]).
    pub keys: KeyGenerator,
}

impl TestContext {
    /// A context for the case `case`, with a namespace no other case or test process shares
    /// (the case name, the process id and a per-process counter).
    pub fn new(case: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut namespace: String = case
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(30)
            .collect();
        namespace.insert_str(0, "t_");
        namespace.push_str(&format!(
            "_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        Self {
            namespace,
            clock: MockClock::default(),
            keys: KeyGenerator::scripted(),
        }
    }

    /// The clock and key generator, as engine builders take them.
    pub fn context(&self) -> session_core::Context {
        session_core::Context::new(self.clock.shared(), self.keys.clone())
    }

    /// The mock clock's time.
    pub fn now(&self) -> OffsetDateTime {
        use session_core::Clock;
        self.clock.now()
    }

    /// Sessions on `fixture`'s backend, with this clock and Django's default settings.
    pub fn store(&self, fixture: &Fixture) -> SessionStore {
        self.store_with(fixture, ExpiryPolicy::default())
    }

    /// Sessions on `fixture`'s backend, with this clock and `policy`.
    pub fn store_with(&self, fixture: &Fixture, policy: ExpiryPolicy) -> SessionStore {
        SessionStore::new(Arc::clone(&fixture.backend))
            .with_clock(self.clock.shared())
            .with_policy(policy)
    }

    /// A record with `data` and `expiry`, first saved now.
    ///
    /// # Panics
    /// When `expiry` dates outside the years 1 to 9999 (a case's own mistake).
    #[allow(clippy::panic)]
    pub fn record(&self, data: Data, expiry: Expiry) -> Record {
        Record::new(data, expiry, self.now(), &ExpiryPolicy::default())
            .unwrap_or_else(|err| panic!("a case's record: {err}"))
    }
}

/// Work a fixture does after its case passed (dropping the case's table, say).
type Cleanup = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The engine under test, as a factory returns it.
#[derive(Clone)]
pub struct Fixture {
    /// The backend.
    pub backend: Arc<dyn Backend>,
    /// Direct access to the store's bytes, for the corrupt-data cases (engines that store bytes).
    pub raw: Option<Arc<dyn RawAccess>>,
    cleanup: Arc<Mutex<Vec<Cleanup>>>,
}

impl Fixture {
    /// A fixture for `backend`.
    pub fn new(backend: impl Backend + 'static) -> Self {
        Self {
            backend: Arc::new(backend),
            raw: None,
            cleanup: Arc::default(),
        }
    }

    /// Runs `cleanup` once the case has passed, after any cleanup added before it (a failed
    /// case leaves its data to look at).
    #[must_use]
    pub fn with_cleanup<F, Fut>(self, cleanup: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let boxed: Cleanup = Box::new(move || Box::pin(cleanup()));
        self.cleanup
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(boxed);
        self
    }

    /// Runs the cleanups, in the order they were added (once).
    pub async fn cleanup(&self) {
        let cleanups =
            std::mem::take(&mut *self.cleanup.lock().unwrap_or_else(PoisonError::into_inner));
        for cleanup in cleanups {
            cleanup().await;
        }
    }

    /// Gives the corrupt-data cases a way to write bytes behind the backend's back.
    #[must_use]
    pub fn with_raw(mut self, raw: impl RawAccess + 'static) -> Self {
        self.raw = Some(Arc::new(raw));
        self
    }

    /// The backend's capabilities.
    pub fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("backend", &self.backend)
            .field("raw", &self.raw.is_some())
            .finish()
    }
}

/// Writes bytes straight into the store, bypassing the backend (to plant corrupt data).
#[async_trait]
pub trait RawAccess: Send + Sync {
    /// Stores `bytes` as the session `key`, live until `expires_at`, exactly as given.
    async fn write_raw(
        &self,
        key: &SessionKey,
        bytes: &[u8],
        expires_at: OffsetDateTime,
    ) -> Result<()>;
}

/// The factory could not reach the engine's service.
#[derive(Debug)]
pub struct Unavailable {
    /// The service, e.g. `postgres`.
    pub service: String,
    /// Why it could not be reached.
    pub reason: String,
}

impl Unavailable {
    /// `service` could not be reached because of `reason`.
    pub fn new(service: impl Into<String>, reason: impl fmt::Display) -> Self {
        Self {
            service: service.into(),
            reason: reason.to_string(),
        }
    }
}

/// Runs one case: builds its context, asks `factory` for the engine, runs `case`. An
/// unavailable service skips the case with `SKIP(service)`, or fails it when
/// `SESSIONS_REQUIRE_SERVICES=1`.
///
/// # Panics
/// When the case fails, or a required service is unavailable.
pub async fn run<F, Fut, C, CaseFut>(case_name: &str, factory: F, case: C)
where
    F: FnOnce(TestContext) -> Fut,
    Fut: Future<Output = std::result::Result<Fixture, Unavailable>>,
    C: FnOnce(TestContext, Fixture) -> CaseFut,
    CaseFut: Future<Output = ()>,
{
    let ctx = TestContext::new(case_name);
    match factory(ctx.clone()).await {
        Ok(fixture) => {
            case(ctx, fixture.clone()).await;
            fixture.cleanup().await;
        }
        Err(unavailable) => crate::services::skip_or_fail(case_name, &unavailable),
    }
}
