//! The keys whose cached copy may be stale: a cache call that should have fixed the copy failed
//! after the store changed. Until an invalidation succeeds, their loads bypass the cache, so a
//! cache that blinks during a logout, a login or a save does not serve the old session once it
//! is back.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use session_core::SessionKey;

/// At most this many keys are remembered; past it the oldest worry is dropped (and logged).
const MAX_SUSPECTS: usize = 65_536;

/// The suspect keys, shared by the clones of one `CachedBackend`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Suspects {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// How many keys are suspect: loads check it before taking the lock.
    count: AtomicUsize,
    keys: Mutex<HashSet<SessionKey>>,
}

impl Suspects {
    /// Remembers that the cached copy under `key` may be stale.
    pub(crate) fn add(&self, key: &SessionKey) {
        let mut keys = self.lock();
        if keys.len() >= MAX_SUSPECTS {
            tracing::error!(
                remembered = keys.len(),
                "too many sessions whose cached copy may be stale; forgetting them"
            );
            keys.clear();
        }
        keys.insert(key.clone());
        self.inner.count.store(keys.len(), Ordering::Release);
    }

    /// True when the cached copy under `key` may be stale.
    pub(crate) fn contains(&self, key: &SessionKey) -> bool {
        self.inner.count.load(Ordering::Acquire) > 0 && self.lock().contains(key)
    }

    /// The cached copy under `key` is known good again (it was dropped).
    pub(crate) fn clear(&self, key: &SessionKey) {
        if self.inner.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut keys = self.lock();
        keys.remove(key);
        self.inner.count.store(keys.len(), Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<SessionKey>> {
        self.inner
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_suspect_until_cleared() {
        let suspects = Suspects::default();
        let key = SessionKey::from_cookie("abcdefgh12345678").unwrap_or_else(|| unreachable!());
        assert!(!suspects.contains(&key));
        let clone = suspects.clone();
        clone.add(&key);
        assert!(suspects.contains(&key), "clones share the keys");
        suspects.clear(&key);
        assert!(!suspects.contains(&key));
    }
}
