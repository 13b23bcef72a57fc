//! What a save costs and returns, on a mock clock, with every backend call counted.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use super::MapBackend;
use crate::{
    Backend, Capabilities, Clock, Error, Expiry, ExpiryPolicy, MockClock, Record, Result, Saved,
    SessionKey, SessionStore, Stored,
};

/// Forwards to a [`MapBackend`] and logs each call by method name.
#[derive(Debug, Default)]
struct Counting {
    inner: MapBackend,
    calls: Mutex<Vec<&'static str>>,
    /// When set, every `save` answers [`Error::Conflict`] and moves this clock by the step.
    conflicting: Mutex<Option<(MockClock, Duration)>>,
}

impl Counting {
    fn log(&self, call: &'static str) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(call);
    }

    /// From now on, every `save` conflicts and moves `clock` by `step`.
    fn conflict_from_now(&self, clock: &MockClock, step: Duration) {
        *self
            .conflicting
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((clock.clone(), step));
    }

    /// The calls so far, and forgets them.
    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl Backend for Counting {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        self.log("load");
        self.inner.load(key).await
    }
    async fn create(&self, record: Record) -> Result<Stored> {
        self.log("create");
        self.inner.create(record).await
    }
    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        self.log("save");
        let conflicting = self
            .conflicting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some((clock, step)) = conflicting {
            clock.advance(step);
            return Err(Error::Conflict);
        }
        self.inner.save(key, record).await
    }
    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        self.log("touch");
        self.inner.touch(key, expires_at).await
    }
    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        self.log("cycle");
        self.inner.cycle(old, record).await
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        self.log("delete");
        self.inner.delete(key).await
    }
    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        self.log("exists");
        self.inner.exists(key).await
    }
    async fn clear_expired(&self) -> Result<u64> {
        self.log("clear_expired");
        self.inner.clear_expired().await
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn user_index(&self) -> Option<&dyn crate::users::UserIndex> {
        self.inner.user_index()
    }
}

fn counted(backend: Counting, clock: &MockClock) -> (Arc<Counting>, SessionStore) {
    let backend = Arc::new(backend);
    let store =
        SessionStore::new(Arc::clone(&backend) as Arc<dyn Backend>).with_clock(clock.shared());
    (backend, store)
}

/// A stored session holding `{"a": 1}`; its key.
async fn seeded(store: &SessionStore) -> Result<SessionKey> {
    let seed = store.session(None);
    seed.insert("a", 1).await?;
    Ok(seed.save().await?.key)
}

#[tokio::test]
async fn save_and_touch_say_what_the_cookie_carries() -> Result<()> {
    let clock = MockClock::default();
    let (backend, store) = counted(Counting::default(), &clock);
    let store = store.with_policy(ExpiryPolicy {
        absolute_age: Some(100),
        ..ExpiryPolicy::default()
    });
    let session = store.session(None);
    session.insert("a", 1).await?;
    let saved = session.save().await?;
    assert_eq!(Some(&saved.key), session.key().as_ref());
    assert_eq!(saved.at, clock.now());
    assert_eq!(
        saved.max_age,
        Some(100),
        "the absolute cap, not the cookie age"
    );
    assert!(!format!("{saved:?}").contains(saved.key.as_str()));
    assert_eq!(
        backend.take(),
        ["create"],
        "the cookie costs no further call"
    );

    clock.advance(Duration::seconds(30));
    let touched = store.session(Some(saved.key.as_str())).touch().await?;
    let touched = touched.ok_or(Error::Gone)?;
    assert_eq!((touched.at, touched.max_age), (clock.now(), Some(70)));
    assert_eq!(touched.max_age, Some(session.get_expiry_age().await?));
    assert_eq!(backend.take(), ["load", "touch"]);

    session.set_expiry(Expiry::BrowserClose).await?;
    assert_eq!(
        session.save().await?.max_age,
        None,
        "browser close: no Max-Age"
    );
    assert_eq!(
        store.session(None).touch().await?,
        None,
        "no key, nothing to touch"
    );
    Ok(())
}

#[tokio::test]
async fn saved_is_what_the_session_reports_after_the_write() -> Result<()> {
    let clock = MockClock::default();
    let (_, store) = counted(Counting::default(), &clock);
    let session = store.session(Some(seeded(&store).await?.as_str()));
    session.set_expiry(Expiry::seconds(600)).await?;
    let Saved {
        key, max_age, at, ..
    } = session.save().await?;
    assert_eq!(Some(key), session.key());
    assert_eq!(max_age, Some(session.get_expiry_age().await?));
    assert_eq!(
        at + Duration::seconds(600),
        session.get_expiry_date().await?
    );
    Ok(())
}

#[tokio::test]
async fn clear_before_any_load_costs_one_load_and_one_save() -> Result<()> {
    let clock = MockClock::default();
    let (backend, store) = counted(Counting::default(), &clock);
    let key = seeded(&store).await?;
    backend.take();

    let session = store.session(Some(key.as_str()));
    session.clear();
    assert!(backend.take().is_empty(), "clear does not load");
    let saved = session.save().await?;
    assert_eq!(backend.take(), ["load", "save"], "no conflict round");
    assert_eq!(saved.key, key);
    let stored = backend.inner.load(&key).await?.ok_or(Error::Gone)?;
    assert!(stored.data.is_empty(), "the empty dict is stored");
    assert_eq!(stored.version, crate::Version::counter(2));
    session.save().await?;
    assert_eq!(backend.take(), ["save"], "read once, not before every save");
    Ok(())
}

#[tokio::test]
async fn clear_keeps_the_stored_expiry_and_later_changes() -> Result<()> {
    let clock = MockClock::default();
    let (backend, store) = counted(Counting::default(), &clock);
    let seed = store.session(None);
    seed.set_expiry(Expiry::seconds(600)).await?;
    seed.insert("a", 1).await?;
    let key = seed.save().await?.key;
    backend.take();

    let session = store.session(Some(key.as_str()));
    session.clear();
    session.insert("b", 2).await?;
    let saved = session.save().await?;
    assert_eq!(backend.take(), ["load", "save"]);
    assert_eq!(
        saved.max_age,
        Some(600),
        "the stored expiry, as a loaded clear keeps it"
    );
    let stored = backend.inner.load(&key).await?.ok_or(Error::Gone)?;
    assert_eq!(stored.data.keys().collect::<Vec<_>>(), ["b"]);
    assert_eq!(stored.expiry, Expiry::Seconds(600));
    Ok(())
}

#[tokio::test]
async fn clear_of_a_session_logged_out_meanwhile_is_gone() -> Result<()> {
    let clock = MockClock::default();
    let (backend, store) = counted(Counting::default(), &clock);
    let key = seeded(&store).await?;
    let session = store.session(Some(key.as_str()));
    session.clear();
    store.session(Some(key.as_str())).flush().await?;
    backend.take();

    assert!(matches!(session.save().await, Err(Error::Gone)));
    assert_eq!(backend.take(), ["load"], "nothing written, nothing created");
    assert!(backend.inner.load(&key).await?.is_none());
    Ok(())
}

#[tokio::test]
async fn a_save_that_keeps_conflicting_stops_at_the_deadline_on_the_store_clock() -> Result<()> {
    let clock = MockClock::default();
    let (backend, store) = counted(Counting::default(), &clock);
    let store = store.with_conflict_deadline(std::time::Duration::from_secs(3));
    let key = seeded(&store).await?;
    backend.conflict_from_now(&clock, Duration::seconds(1));
    backend.take();

    let session = store.session(Some(key.as_str()));
    session.insert("b", 2).await?;
    let result = session.save().await;
    assert!(matches!(result, Err(Error::Conflict)), "got {result:?}");
    // The first conflict leaves the clock at t+1 s: deadline t+4 s. The retries conflict at
    // t+2 s and t+3 s; the one at t+4 s is not before the deadline, so the save gives up.
    assert_eq!(
        backend.take(),
        [
            "load", "save", "load", "save", "load", "save", "load", "save"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn an_unrepresentable_deadline_saturates_instead_of_panicking() -> Result<()> {
    let clock = MockClock::default();
    let (_, store) = counted(Counting::default(), &clock);
    let store = store.with_conflict_deadline(std::time::Duration::MAX);
    assert_eq!(store.session(None).give_up_at(), crate::expiry::LATEST);
    Ok(())
}
