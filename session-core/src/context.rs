//! What every engine is built with: the clock that decides liveness and the source of new keys.

use std::future::Future;

use time::OffsetDateTime;

use crate::{Error, KeyGenerator, Result, SessionKey, SharedClock, SystemClock};

/// A key generator that keeps returning taken keys gets this many tries, then
/// [`Error::NoFreeKey`] (a hang would be worse).
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
        Self { clock, keys }
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
    /// [`MAX_CREATE_ATTEMPTS`] taken keys.
    pub async fn create_with<F, Fut>(&self, mut insert: F) -> Result<SessionKey>
    where
        F: FnMut(SessionKey) -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        for _ in 0..MAX_CREATE_ATTEMPTS {
            let key = self.keys.generate()?;
            if insert(key.clone()).await? {
                return Ok(key);
            }
        }
        Err(Error::NoFreeKey {
            attempts: MAX_CREATE_ATTEMPTS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_generator_of_taken_keys_is_a_typed_error_that_is_not_transient() {
        let context = Context::default();
        let mut tries = 0;
        let result = context
            .create_with(|_| {
                tries += 1;
                async { Ok(false) }
            })
            .await;
        assert!(matches!(result, Err(Error::NoFreeKey { attempts }) if attempts == tries));
        assert!(result.is_err_and(|err| !err.is_transient()));
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
