//! Time, injected so that every expiry rule is a pure function of `now`.

use std::fmt::Debug;
use std::sync::Arc;
use time::OffsetDateTime;

/// Where a backend and a session read the current time.
pub trait Clock: Send + Sync + Debug {
    /// The current time, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// A clock shared between a backend, its sessions and the middleware.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

impl SystemClock {
    /// The system clock as a [`SharedClock`].
    pub fn shared() -> SharedClock {
        Arc::new(Self)
    }
}

#[cfg(feature = "test-util")]
pub use mock::MockClock;

#[cfg(feature = "test-util")]
mod mock {
    use super::{Clock, SharedClock};
    use std::sync::{Arc, Mutex, PoisonError};
    use time::{Duration, OffsetDateTime};

    /// A clock that stands still until told to move; clones share the same time.
    ///
    /// ```
    /// use session_core::{Clock, MockClock};
    /// use time::Duration;
    ///
    /// let clock = MockClock::default();
    /// let start = clock.now();
    /// clock.advance(Duration::seconds(10));
    /// assert_eq!(clock.now() - start, Duration::seconds(10));
    /// ```
    #[derive(Debug, Clone)]
    pub struct MockClock {
        now: Arc<Mutex<OffsetDateTime>>,
    }

    impl Default for MockClock {
        /// Starts at 2023-11-14T22:13:20Z (unix 1700000000, the time of the reference vectors).
        fn default() -> Self {
            Self::at(time::macros::datetime!(2023-11-14 22:13:20 UTC))
        }
    }

    impl MockClock {
        /// A clock standing at `now`.
        pub fn at(now: OffsetDateTime) -> Self {
            Self {
                now: Arc::new(Mutex::new(now)),
            }
        }

        /// Moves the clock by `by` (negative moves it back).
        pub fn advance(&self, by: Duration) {
            *self.now.lock().unwrap_or_else(PoisonError::into_inner) += by;
        }

        /// Sets the clock to `now`.
        pub fn set(&self, now: OffsetDateTime) {
            *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
        }

        /// This clock as a [`SharedClock`] (sharing its time).
        pub fn shared(&self) -> SharedClock {
            Arc::new(self.clone())
        }
    }

    impl Clock for MockClock {
        fn now(&self) -> OffsetDateTime {
            *self.now.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }
}
