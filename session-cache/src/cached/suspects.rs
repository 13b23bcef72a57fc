//! The keys whose cached copy may be stale: a cache call that should have fixed the copy failed
//! after the store changed. Until an invalidation succeeds, their loads bypass the cache, so a
//! cache that blinks during a logout, a login or a save does not serve the old session once it
//! is back.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use session_core::SessionKey;

/// At most this many keys are remembered; past it the oldest worry is dropped (and logged).
/// An outage long enough to fill it is logged as an error: the copies dropped from the list
/// may be served until their TTL.
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
    keys: Mutex<Keys>,
}

/// The suspect keys, and the order they became suspect in (cleared keys leave stale entries in
/// the order, skipped when the oldest is dropped).
#[derive(Debug, Default)]
struct Keys {
    set: HashSet<SessionKey>,
    order: VecDeque<SessionKey>,
}

impl Suspects {
    /// Remembers that the cached copy under `key` may be stale.
    pub(crate) fn add(&self, key: &SessionKey) {
        let mut keys = self.lock();
        if !keys.set.insert(key.clone()) {
            return;
        }
        keys.order.push_back(key.clone());
        while keys.set.len() > MAX_SUSPECTS {
            let Some(oldest) = keys.order.pop_front() else {
                break;
            };
            if keys.set.remove(&oldest) {
                tracing::error!(
                    remembered = MAX_SUSPECTS,
                    "too many sessions whose cached copy may be stale; forgetting the oldest"
                );
            }
        }
        if keys.order.len() > 2 * MAX_SUSPECTS {
            let Keys { set, order } = &mut *keys;
            order.retain(|key| set.contains(key));
        }
        self.inner.count.store(keys.set.len(), Ordering::Release);
    }

    /// True when the cached copy under `key` may be stale.
    pub(crate) fn contains(&self, key: &SessionKey) -> bool {
        self.inner.count.load(Ordering::Acquire) > 0 && self.lock().set.contains(key)
    }

    /// The cached copy under `key` is known good again (it was dropped).
    pub(crate) fn clear(&self, key: &SessionKey) {
        if self.inner.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut keys = self.lock();
        keys.set.remove(key);
        self.inner.count.store(keys.set.len(), Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
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
