//! What a request's session needs from the application: the backend, the clock, the expiry
//! settings and how long to keep retrying a conflicting save.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::{Backend, ExpiryPolicy, Session, SessionKey, SharedClock, SystemClock};

/// Default time a conflicting save keeps re-applying its changes before giving up.
pub const DEFAULT_CONFLICT_DEADLINE: Duration = Duration::from_secs(2);

/// The shared half of every [`Session`]: cheap to clone, built once at start-up.
///
/// ```
/// # async fn demo(backend: std::sync::Arc<dyn session_core::Backend>) -> session_core::Result<()> {
/// use session_core::SessionStore;
///
/// let store = SessionStore::new(backend);
/// let session = store.session(Some("cookie-value-from-the-request"));
/// session.insert("cart", vec!["apple"]).await?;
/// session.save().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionStore {
    // One reference count for every session to share: cloning a store per request touches
    // one contended counter, not one per part.
    pub(crate) parts: Arc<Parts>,
}

/// What a [`SessionStore`] holds.
#[derive(Clone)]
pub(crate) struct Parts {
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) clock: SharedClock,
    pub(crate) policy: ExpiryPolicy,
    pub(crate) conflict_deadline: Duration,
}

impl SessionStore {
    /// Sessions on `backend`, with the system clock and Django's default expiry settings.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Self {
            parts: Arc::new(Parts {
                backend,
                clock: SystemClock::shared(),
                policy: ExpiryPolicy::default(),
                conflict_deadline: DEFAULT_CONFLICT_DEADLINE,
            }),
        }
    }

    /// Uses `clock` for every expiry computation (give the backend the same clock).
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        Arc::make_mut(&mut self.parts).clock = clock;
        self
    }

    /// Uses `policy` (`SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE`,
    /// `SESSION_ABSOLUTE_AGE`). Default: [`ExpiryPolicy::default`].
    #[must_use]
    pub fn with_policy(mut self, policy: ExpiryPolicy) -> Self {
        Arc::make_mut(&mut self.parts).policy = policy;
        self
    }

    /// How long [`Session::save`] keeps merging and retrying after conflicts. Default: 2 s.
    /// Measured on the store's clock, so a clock that stands still never reaches it.
    #[must_use]
    pub fn with_conflict_deadline(mut self, deadline: Duration) -> Self {
        Arc::make_mut(&mut self.parts).conflict_deadline = deadline;
        self
    }

    /// A lazy session for a request carrying `cookie` (the session cookie's value, if any).
    /// Values Django would not take as a key (under 8 characters, …) start an anonymous session.
    pub fn session(&self, cookie: Option<&str>) -> Session {
        Session::new(self.clone(), cookie.and_then(SessionKey::from_cookie))
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.parts.backend
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.parts.clock
    }

    /// The expiry settings.
    pub fn policy(&self) -> &ExpiryPolicy {
        &self.parts.policy
    }
}

impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStore")
            .field("backend", &self.parts.backend)
            .field("clock", &self.parts.clock)
            .field("policy", &self.parts.policy)
            .field("conflict_deadline", &self.parts.conflict_deadline)
            .finish()
    }
}
