//! Flag and merge behaviour of the handle on a minimal in-test map; the conformance suite
//! runs the same API against every real engine.

use super::persist::backoff;
use super::*;
use crate::{Backend, Capabilities, Error, Expiry, Record, Result, Stored, Version};
use async_trait::async_trait;
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct MapBackend {
    records: Mutex<HashMap<SessionKey, Record>>,
}

impl MapBackend {
    fn map(&self) -> MutexGuard<'_, HashMap<SessionKey, Record>> {
        self.records.lock().unwrap()
    }
}

#[async_trait]
impl Backend for MapBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        Ok(self.map().get(key).cloned())
    }
    async fn create(&self, mut record: Record) -> Result<Stored> {
        let key = crate::KeyGenerator::random().generate()?;
        record.version = Version::counter(1);
        self.map().insert(key.clone(), record);
        Ok(Stored {
            key,
            version: Version::counter(1),
        })
    }
    async fn save(&self, key: &SessionKey, mut record: Record) -> Result<Stored> {
        let mut map = self.map();
        let current = map.get(key).ok_or(Error::Gone)?;
        if current.version != record.version {
            return Err(Error::Conflict);
        }
        record.version = record.version.next();
        let version = record.version.clone();
        map.insert(key.clone(), record);
        Ok(Stored {
            key: key.clone(),
            version,
        })
    }
    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let mut map = self.map();
        let record = map.get_mut(key).ok_or(Error::Gone)?;
        record.expires_at = expires_at;
        Ok(key.clone())
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        Ok(self.map().remove(key).is_some())
    }
    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        Ok(self.map().contains_key(key))
    }
    async fn clear_expired(&self) -> Result<u64> {
        Ok(0)
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side().with_stores_bytes(false)
    }
}

pub(crate) fn store() -> SessionStore {
    SessionStore::new(Arc::new(MapBackend::default()))
}

#[tokio::test]
async fn fresh_session_is_untouched_and_empty() {
    let session = store().session(None);
    assert!(!session.accessed() && !session.modified());
    assert!(session.is_empty());
    assert!(format!("{session:?}").contains("accessed: false"));
}

#[tokio::test]
async fn reads_access_writes_modify() {
    let session = store().session(None);
    assert_eq!(session.get::<i64>("x").await.unwrap(), None);
    assert!(session.accessed() && !session.modified());
    session.insert("x", 1).await.unwrap();
    assert!(session.modified());
    assert_eq!(session.items().await.unwrap(), [("x".to_owned(), json!(1))]);
}

#[tokio::test]
async fn clear_neither_loads_nor_forgets_the_key() {
    let store = store();
    let first = store.session(None);
    first.insert("a", 1).await.unwrap();
    first.save().await.unwrap();
    let key = first.key().unwrap();

    let second = store.session(Some(key.as_str()));
    second.clear();
    assert!(second.accessed() && second.modified());
    assert!(!second.is_empty(), "still keyed");
    // The save reads the stored version first (see tests/calls.rs): the record is emptied.
    second.save().await.unwrap();
    let third = store.session(Some(key.as_str()));
    assert_eq!(third.len().await.unwrap(), 0);
    assert_eq!(third.key(), Some(key));
}

#[tokio::test]
async fn reserved_keys_are_refused_but_expiry_is_routed() {
    let session = store().session(None);
    assert!(matches!(
        session.insert("_session_version", 1).await,
        Err(Error::ReservedKey { .. })
    ));
    session.insert(EXPIRY_KEY, 10).await.unwrap();
    assert_eq!(session.expiry().await.unwrap(), Expiry::Seconds(10));
    assert!(session.keys().await.unwrap().is_empty());
    let update = session.update([("_session_x".to_owned(), json!(1))]).await;
    assert!(matches!(update, Err(Error::ReservedKey { .. })));
}

#[tokio::test]
async fn typed_values_and_codec_errors() {
    let session = store().session(None);
    session.insert("n", "not a number").await.unwrap();
    assert!(matches!(
        session.get::<u32>("n").await,
        Err(Error::Codec { .. })
    ));
    assert_eq!(
        session.get::<String>("n").await.unwrap().as_deref(),
        Some("not a number")
    );
}

#[tokio::test]
async fn conflicting_saves_merge_operations() {
    let store = store();
    let seed = store.session(None);
    seed.insert("cart", vec!["apple"]).await.unwrap();
    seed.save().await.unwrap();
    let key = seed.key().unwrap();

    let a = store.session(Some(key.as_str()));
    let b = store.session(Some(key.as_str()));
    let add = |item: &'static str| {
        move |cart: Option<Vec<String>>| {
            let mut cart = cart.unwrap_or_default();
            cart.push(item.to_owned());
            cart
        }
    };
    a.modify("cart", add("pear")).await.unwrap();
    b.modify("cart", add("plum")).await.unwrap();
    b.insert("coupon", "SAVE10").await.unwrap();
    a.save().await.unwrap();
    b.save().await.unwrap(); // conflicts, reloads, re-runs its closure, saves

    let after = store.session(Some(key.as_str()));
    let cart: Vec<String> = after.get("cart").await.unwrap().unwrap();
    assert_eq!(cart, ["apple", "pear", "plum"]);
    assert_eq!(
        after.get::<String>("coupon").await.unwrap().as_deref(),
        Some("SAVE10")
    );
    assert_eq!(
        b.get::<Vec<String>>("cart").await.unwrap().unwrap(),
        cart,
        "b sees the merge"
    );
}

#[tokio::test]
async fn save_after_flush_elsewhere_is_gone() {
    let store = store();
    let a = store.session(None);
    a.insert("a", 1).await.unwrap();
    a.save().await.unwrap();
    let key = a.key().unwrap();
    store.session(Some(key.as_str())).flush().await.unwrap();
    a.insert("b", 2).await.unwrap();
    assert!(matches!(a.save().await, Err(Error::Gone)));
    assert!(store.backend().load(&key).await.unwrap().is_none());
}

#[tokio::test]
async fn backoff_is_bounded() {
    assert_eq!(backoff(0), std::time::Duration::ZERO);
    for attempt in 1..40 {
        assert!(backoff(attempt) <= std::time::Duration::from_millis(64));
    }
}

#[cfg(feature = "test-util")]
mod calls;
