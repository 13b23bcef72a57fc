//! What every engine is built with: the clock that decides liveness and the source of new keys.

use std::future::Future;

use time::OffsetDateTime;

use crate::{Error, KeyGenerator, Result, SessionKey, SharedClock, SystemClock};

/// A key generator that keeps returning taken keys gets this many tries by default, then
/// [`Error::NoFreeKey`] (a hang would be worse); see [`Context::with_max_create_attempts`].
pub const MAX_CREATE_ATTEMPTS: usize = 10_000;

/// The clock and the key generator an engine runs on, given to every builder as one value
/// (`context(…)`) so that a test or an application swaps them in one place.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> session_core::Result<()> {
/// use session_core::{Context, KeyGenerator, SystemClock};
///
/// let context = Context::default().with_clock(SystemClock::shared());
/// let mut taken = 0;
/// // Draws keys until `insert` stores one: here the first two are "taken".
/// let key = context
///     .create_with(|_key| {
///         taken += 1;
///         async move { Ok(taken > 2) }
///     })
///     .await?;
/// assert_eq!(key.as_str().len(), 32);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Context {
    clock: SharedClock,
    keys: KeyGenerator,
    max_create_attempts: usize,
    #[cfg(feature = "test-util")]
    faults: Option<crate::Faults>,
}

impl Default for Context {
    /// The system clock and keys from the OS CSPRNG.
    fn default() -> Self {
        Self::new(SystemClock::shared(), KeyGenerator::random())
    }
}

impl Context {
    /// A context of `clock` and `keys`.
    pub fn new(clock: SharedClock, keys: KeyGenerator) -> Self {
        Self {
            clock,
            keys,
            max_create_attempts: MAX_CREATE_ATTEMPTS,
            #[cfg(feature = "test-util")]
            faults: None,
        }
    }

    /// The same context giving up a create after `attempts` taken keys (at least 1; default
    /// [`MAX_CREATE_ATTEMPTS`]).
    #[must_use]
    pub fn with_max_create_attempts(mut self, attempts: usize) -> Self {
        self.max_create_attempts = attempts.max(1);
        self
    }

    /// How many taken keys a create tries before [`Error::NoFreeKey`].
    pub fn max_create_attempts(&self) -> usize {
        self.max_create_attempts
    }

    /// The same context failing store calls as `faults` plans (feature `test-util`).
    #[cfg(feature = "test-util")]
    #[must_use]
    pub fn with_faults(mut self, faults: crate::Faults) -> Self {
        self.faults = Some(faults);
        self
    }

    /// Engines call this before each round trip to their store (a query, a command, a file
    /// operation, a map access), so tests can make that call fail. Without the feature
    /// `test-util`, or without [`Context::with_faults`], it does nothing.
    ///
    /// # Errors
    /// [`Error::Backend`] naming `engine`, when a [`Faults`](crate::Faults) plan says this call
    /// fails.
    #[inline]
    pub fn store_call(&self, engine: &'static str) -> Result<()> {
        #[cfg(feature = "test-util")]
        if let Some(faults) = &self.faults {
            return faults.check(engine);
        }
        let _ = engine;
        Ok(())
    }

    /// The same context on `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The same context drawing keys from `keys`.
    #[must_use]
    pub fn with_keys(mut self, keys: KeyGenerator) -> Self {
        self.keys = keys;
        self
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current time by the clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The key generator.
    pub fn keys(&self) -> &KeyGenerator {
        &self.keys
    }

    /// Stores a new record under a fresh key: draws a key, calls `insert` with it, and draws
    /// again while `insert` answers false (the key is taken, live or not yet cleared). The key
    /// `insert` stored under.
    ///
    /// # Errors
    /// What `insert` or the key generator returns; [`Error::NoFreeKey`] after
    /// [`Context::max_create_attempts`] taken keys.
    pub async fn create_with<F, Fut>(&self, mut insert: F) -> Result<SessionKey>
    where
        F: FnMut(SessionKey) -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        for _ in 0..self.max_create_attempts {
            let key = self.keys.generate()?;
            if insert(key.clone()).await? {
                return Ok(key);
            }
        }
        Err(Error::NoFreeKey {
            attempts: self.max_create_attempts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Creates with `context` where every key is taken: the result and how many keys were tried.
    async fn all_taken(context: &Context) -> (Result<SessionKey>, usize) {
        let mut tries = 0;
        let result = context
            .create_with(|_| {
                tries += 1;
                async { Ok(false) }
            })
            .await;
        (result, tries)
    }

    #[tokio::test]
    async fn a_generator_of_taken_keys_is_a_typed_error_that_is_not_transient() {
        let (result, tries) = all_taken(&Context::default()).await;
        assert!(matches!(result, Err(Error::NoFreeKey { attempts }) if attempts == tries));
        assert_eq!(tries, MAX_CREATE_ATTEMPTS);
        assert!(result.is_err_and(|err| !err.is_transient()));
    }

    #[tokio::test]
    async fn the_attempt_limit_is_the_contexts() {
        let (result, tries) = all_taken(&Context::default().with_max_create_attempts(3)).await;
        assert!(matches!(result, Err(Error::NoFreeKey { attempts: 3 })));
        assert_eq!(tries, 3);
    }

    #[tokio::test]
    async fn insert_errors_stop_the_loop() {
        let context = Context::default();
        let mut tries = 0;
        let result = context
            .create_with(|_| {
                tries += 1;
                async { Err(Error::Gone) }
            })
            .await;
        assert!(matches!(result, Err(Error::Gone)));
        assert_eq!(tries, 1);
    }
}
