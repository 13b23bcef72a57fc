//! The engine under test, as a factory returns it: the backend, what it lacks and why, and the
//! hooks that let the suite look behind it.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use session_core::{Backend, Capabilities, Result, SessionKey, async_trait};
use time::OffsetDateTime;

use crate::Capability;

/// Work a fixture does after its case passed (dropping the case's table, say).
type Cleanup = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The engine under test, as a factory returns it.
///
/// ```
/// use session_conformance::{Capability, Fixture, ReferenceBackend, TestContext};
///
/// let ctx = TestContext::new("doc");
/// let backend = ReferenceBackend::new(ctx.context());
/// let fixture = Fixture::new(backend.clone())
///     .with_raw(backend.clone())
///     .with_probe(backend);
/// assert!(fixture.lacked().is_empty()); // the reference engine lacks nothing
/// ```
#[derive(Clone)]
pub struct Fixture {
    /// The backend.
    pub backend: Arc<dyn Backend>,
    /// Writes bytes behind the backend's back (engines that store bytes).
    pub raw: Option<Arc<dyn RawAccess>>,
    /// Looks at what the store physically holds (engines that rely on native expiry).
    pub probe: Option<Arc<dyn Probe>>,
    lacks: BTreeMap<Capability, String>,
    skipped: Arc<Mutex<Vec<Capability>>>,
    relaxed: Arc<Mutex<Vec<Capability>>>,
    cleanup: Arc<Mutex<Vec<Cleanup>>>,
}

impl Fixture {
    /// A fixture for `backend`, which lacks nothing until [`Fixture::lacks`] says otherwise.
    pub fn new(backend: impl Backend + 'static) -> Self {
        Self {
            backend: Arc::new(backend),
            raw: None,
            probe: None,
            lacks: BTreeMap::new(),
            skipped: Arc::default(),
            relaxed: Arc::default(),
            cleanup: Arc::default(),
        }
    }

    /// Declares that the engine lacks `capability`, and `why`: the cases that need it skip,
    /// and the summary lists them under this reason. A capability the backend's
    /// [`capabilities`](Backend::capabilities) lack must be declared, and only those.
    #[must_use]
    pub fn lacks(mut self, capability: Capability, why: impl Into<String>) -> Self {
        self.lacks.insert(capability, why.into());
        self
    }

    /// What the factory declared lacking, with its reasons.
    pub fn lacked(&self) -> &BTreeMap<Capability, String> {
        &self.lacks
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

    /// Gives the native-expiry case a way to see whether the store still holds a record.
    #[must_use]
    pub fn with_probe(mut self, probe: impl Probe + 'static) -> Self {
        self.probe = Some(Arc::new(probe));
        self
    }

    /// The backend's capabilities.
    pub fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }

    /// Where the backend's capabilities and the factory's declarations disagree, one sentence
    /// each; empty when they agree.
    pub fn undeclared(&self) -> Vec<String> {
        Capability::ALL
            .into_iter()
            .filter_map(|capability| {
                let claimed = capability.claimed_by(&*self.backend)?;
                let declared = self.lacks.contains_key(&capability);
                match (claimed, declared) {
                    (false, false) => Some(format!(
                        "the backend lacks {capability} but its factory does not say so: add \
                         `.lacks(Capability::{capability:?}, \"why\")`"
                    )),
                    (true, true) => Some(format!(
                        "the factory declares {capability} lacking but the backend claims it"
                    )),
                    _ => None,
                }
            })
            .collect()
    }

    /// True when the engine has `capability`, false when it lacks it and the factory said so.
    ///
    /// # Panics
    /// When the engine lacks `capability` but the factory did not declare it, or the two
    /// disagree the other way.
    #[allow(clippy::panic)] // a conformance case fails by panicking
    pub fn has(&self, capability: Capability) -> bool {
        let declared = self.lacks.contains_key(&capability);
        let claimed = capability.claimed_by(&*self.backend).unwrap_or(!declared);
        if claimed == declared {
            panic!("{}", self.undeclared().join("; "));
        }
        claimed
    }

    /// True when the engine has `capability`. Otherwise the case skips: it is recorded for the
    /// summary and `SKIP(capability)` is printed.
    ///
    /// # Panics
    /// As [`Fixture::has`]: a skip nobody declared is a failure.
    pub fn require(&self, capability: Capability) -> bool {
        let has = self.has(capability);
        if !has {
            self.skipped
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(capability);
        }
        has
    }

    /// True when the engine lacks `capability` (declared), so the case checks less: recorded
    /// for the summary as a relaxed case, not a skip.
    ///
    /// # Panics
    /// As [`Fixture::has`].
    pub fn relaxes(&self, capability: Capability) -> bool {
        let lacks = !self.has(capability);
        if lacks {
            self.relaxed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(capability);
        }
        lacks
    }

    /// The capabilities this fixture's case skipped for, and those it checked less for.
    pub(crate) fn skips_and_relaxations(&self) -> (Vec<Capability>, Vec<Capability>) {
        let get = |list: &Mutex<Vec<Capability>>| {
            list.lock().unwrap_or_else(PoisonError::into_inner).clone()
        };
        (get(&self.skipped), get(&self.relaxed))
    }
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("backend", &self.backend)
            .field("raw", &self.raw.is_some())
            .field("probe", &self.probe.is_some())
            .field("lacks", &self.lacks)
            .finish_non_exhaustive()
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

/// Looks at the store itself, bypassing the backend's liveness rules.
#[async_trait]
pub trait Probe: Send + Sync {
    /// True while the store physically holds an entry under `key`, expired or not (a Redis
    /// `EXISTS`, a cache lookup that ignores the engine's clock).
    async fn holds(&self, key: &SessionKey) -> Result<bool>;
}
