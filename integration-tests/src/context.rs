//! What each case receives besides the engine: its own namespace, clock, keys and faults.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use session_core::{
    Data, Expiry, ExpiryPolicy, Faults, KeyGenerator, MockClock, Record, SessionStore,
};
use time::OffsetDateTime;

use crate::Fixture;

/// How many taken keys a create tries in the suite before [`Error::NoFreeKey`]: the cases
/// force that many collisions, so the limit of [`TestContext::context`] is small.
///
/// [`Error::NoFreeKey`]: session_core::Error::NoFreeKey
pub const CREATE_ATTEMPTS: usize = 16;

/// A case's own world: a namespace to isolate its data on a shared server (a table name, a key
/// prefix, a directory name), a clock that moves only when the case says, a key generator the
/// case can script to force collisions and failures, and a plan of store failures. Build the
/// backend with [`TestContext::context`], which carries all but the namespace.
#[derive(Debug, Clone)]
pub struct TestContext {
    /// Unique per case and run: `[a-z0-9_]`, at most 56 characters, starts with a letter.
    pub namespace: String,
    /// The clock the backend must use.
    pub clock: MockClock,
    /// The key generator the backend must use ([`KeyGenerator::scripted`]).
    pub keys: KeyGenerator,
    /// The store failures the failure-injection cases plan.
    pub faults: Faults,
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
            faults: Faults::new(),
        }
    }

    /// The clock, key generator and fault plan, as engine builders take them, giving up a
    /// create after [`CREATE_ATTEMPTS`] taken keys.
    pub fn context(&self) -> session_core::Context {
        session_core::Context::new(self.clock.shared(), self.keys.clone())
            .with_faults(self.faults.clone())
            .with_max_create_attempts(CREATE_ATTEMPTS)
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
