//! Store calls that fail on purpose (feature `test-util`): how the conformance suite checks what
//! an engine does when its store fails in the middle of an operation.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// A plan of store failures, shared by its clones. Give it to an engine through
/// [`Context::with_faults`](crate::Context::with_faults); engines call
/// [`Context::store_call`](crate::Context::store_call) before each round trip to their store,
/// and a planned failure surfaces as [`Error::Backend`] with an [`InjectedFault`] as source.
///
/// ```
/// use session_core::{Context, Error, Faults};
///
/// let faults = Faults::new();
/// let context = Context::default().with_faults(faults.clone());
/// faults.fail_after(1);
/// assert!(context.store_call("memory").is_ok());
/// assert!(matches!(context.store_call("memory"), Err(Error::Backend { backend: "memory", .. })));
/// faults.heal();
/// assert!(context.store_call("memory").is_ok());
/// faults.fail_call(0); // one call fails, the next succeeds
/// assert!(context.store_call("memory").is_err());
/// assert!(context.store_call("memory").is_ok());
/// assert_eq!(faults.calls(), 5);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Faults {
    state: Arc<FaultState>,
}

#[derive(Debug)]
struct FaultState {
    /// Store calls seen, failed ones included.
    calls: AtomicU64,
    /// The first call (by `calls`) that fails; `u64::MAX` for none.
    fail_from: AtomicU64,
    /// The first call after `fail_from` that succeeds again; `u64::MAX` for none.
    fail_until: AtomicU64,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            calls: AtomicU64::new(0),
            fail_from: AtomicU64::new(u64::MAX),
            fail_until: AtomicU64::new(u64::MAX),
        }
    }
}

impl Faults {
    /// A plan that fails nothing until told to.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next `ok` store calls succeed; every later one fails, until [`Faults::heal`]: an
    /// outage.
    pub fn fail_after(&self, ok: u64) {
        self.plan(ok, u64::MAX);
    }

    /// The next `ok` store calls succeed, the one after fails, and the rest succeed: a blip.
    pub fn fail_call(&self, ok: u64) {
        self.plan(ok, 1);
    }

    fn plan(&self, ok: u64, failing: u64) {
        let from = self.state.calls.load(Ordering::SeqCst).saturating_add(ok);
        self.state.fail_from.store(u64::MAX, Ordering::SeqCst);
        self.state
            .fail_until
            .store(from.saturating_add(failing), Ordering::SeqCst);
        self.state.fail_from.store(from, Ordering::SeqCst);
    }

    /// Store calls succeed again.
    pub fn heal(&self) {
        self.state.fail_from.store(u64::MAX, Ordering::SeqCst);
    }

    /// The store calls counted so far, failed ones included (zero means the engine never asks).
    pub fn calls(&self) -> u64 {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// Counts one store call of `engine`.
    ///
    /// # Errors
    /// [`Error::Backend`] with an [`InjectedFault`] as source, when the plan says this call fails.
    pub fn check(&self, engine: &'static str) -> Result<()> {
        let call = self.state.calls.fetch_add(1, Ordering::SeqCst);
        let failing = self.state.fail_from.load(Ordering::SeqCst)
            ..self.state.fail_until.load(Ordering::SeqCst);
        if failing.contains(&call) {
            Err(Error::backend(engine, InjectedFault { call }))
        } else {
            Ok(())
        }
    }
}

/// The source of a store failure a [`Faults`] plan made.
#[derive(Debug, thiserror::Error)]
#[error("store call {call} failed on purpose (an injected fault)")]
#[non_exhaustive]
pub struct InjectedFault {
    /// Which store call it was, counting from 0.
    pub call: u64,
}
