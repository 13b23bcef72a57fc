//! Any engine with an index of its sessions by user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{KeyIndex, PublicId, UserIndex, UserSession, owner_of};
use crate::{Backend, Capabilities, Record, Result, SessionKey, Stored};

/// How many keys [`Indexed`] remembers having filed, to spare saves an index write.
const REMEMBERED: usize = 100_000;

/// `backend` with its sessions filed by user in `index`.
///
/// - `create`, `save` and `cycle` of a session that has an owner file its key, once per key in
///   this process (later saves skip the write); when filing fails, the session just written is
///   deleted and the error returned, so no session exists that "log out everywhere" would miss.
/// - `delete` unfiles the key (it reads the owner first: one more lookup, at logout only).
/// - Listing loads each filed key, keeps the live ones the user owns, and prunes the rest; so
///   expired, cycled-away and foreign entries never show, and `clear_expired` needs no index
///   work.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> session_core::Result<()> {
/// use std::sync::Arc;
/// use session_core::users::{Indexed, MemoryKeyIndex};
/// use session_core::{Backend, SessionStore};
/// # use session_core::{Capabilities, Record, Result, SessionKey, Stored, async_trait};
/// # use time::OffsetDateTime;
/// # #[derive(Debug, Default)]
/// # struct Map(std::sync::Mutex<std::collections::HashMap<SessionKey, Record>>);
/// # #[async_trait]
/// # impl Backend for Map {
/// #     async fn load(&self, key: &SessionKey) -> Result<Option<Record>> { Ok(self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(key).cloned()) }
/// #     async fn create(&self, record: Record) -> Result<Stored> {
/// #         let key = session_core::KeyGenerator::random().generate()?;
/// #         self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.clone(), record);
/// #         Ok(Stored { key, version: session_core::Version::counter(1) })
/// #     }
/// #     async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
/// #         self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.clone(), record);
/// #         Ok(Stored { key: key.clone(), version: session_core::Version::counter(2) })
/// #     }
/// #     async fn touch(&self, key: &SessionKey, _: OffsetDateTime) -> Result<SessionKey> { Ok(key.clone()) }
/// #     async fn delete(&self, key: &SessionKey) -> Result<bool> { Ok(self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key).is_some()) }
/// #     async fn exists(&self, key: &SessionKey) -> Result<bool> { Ok(self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains_key(key)) }
/// #     async fn clear_expired(&self) -> Result<u64> { Ok(0) }
/// #     fn capabilities(&self) -> Capabilities { Capabilities::server_side() }
/// # }
/// let backend = Indexed::new(Map::default(), MemoryKeyIndex::new());
/// let sessions = SessionStore::new(Arc::new(backend));
/// let session = sessions.session(None);
/// session.set_user("42").await?;
/// session.save().await?;
/// let listed = sessions.user_sessions("42").await?;
/// assert_eq!(listed.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Indexed<B, I> {
    backend: B,
    index: I,
    /// The owner each key was last filed under by this process.
    filed: Mutex<HashMap<SessionKey, Arc<str>>>,
}

impl<B: Backend, I: KeyIndex> Indexed<B, I> {
    /// `backend`, filing its sessions by user in `index`.
    pub fn new(backend: B, index: I) -> Self {
        Self {
            backend,
            index,
            filed: Mutex::default(),
        }
    }

    /// The engine under the index.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The index.
    pub fn index(&self) -> &I {
        &self.index
    }

    fn filed(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Arc<str>>> {
        self.filed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Files `stored.key` under `owner` unless this process already did; if filing fails,
    /// deletes the session just written and returns the error.
    async fn file(&self, owner: Option<Arc<str>>, stored: Stored) -> Result<Stored> {
        let Some(owner) = owner else {
            return Ok(stored);
        };
        let known = self
            .filed()
            .get(&stored.key)
            .is_some_and(|filed| **filed == *owner);
        if known {
            return Ok(stored);
        }
        if let Err(err) = self.index.add(&owner, &stored.key).await {
            // A session the index does not know could not be revoked: undo it.
            let _ = self.backend.delete(&stored.key).await;
            return Err(err);
        }
        let mut filed = self.filed();
        if filed.len() >= REMEMBERED {
            filed.clear(); // forgetting only costs a repeated, idempotent index write
        }
        filed.insert(stored.key.clone(), owner);
        Ok(stored)
    }

    /// The live sessions of `user` among the filed keys, and the filed keys that are not.
    async fn sort(&self, user: &str) -> Result<(Vec<(SessionKey, Record)>, Vec<SessionKey>)> {
        let mut live = Vec::new();
        let mut gone = Vec::new();
        for key in self.index.keys(user).await? {
            match self.backend.load(&key).await? {
                Some(record) if owner_of(&record.data) == Some(user) => live.push((key, record)),
                _ => gone.push(key),
            }
        }
        Ok((live, gone))
    }

    /// Unfiles `keys` of `user`, here and in the index.
    async fn unfile(&self, user: &str, keys: &[SessionKey]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        {
            let mut filed = self.filed();
            for key in keys {
                filed.remove(key);
            }
        }
        self.index.remove(user, keys).await
    }
}

#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<B: Backend, I: KeyIndex> Backend for Indexed<B, I> {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        self.backend.load(key).await
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let owner = owner_of(&record.data).map(Arc::from);
        let stored = self.backend.create(record).await?;
        self.file(owner, stored).await
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let owner = owner_of(&record.data).map(Arc::from);
        let stored = self.backend.save(key, record).await?;
        self.file(owner, stored).await
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        self.backend.touch(key, expires_at).await
    }

    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        let owner: Option<Arc<str>> = owner_of(&record.data).map(Arc::from);
        let stored = self.backend.cycle(old, record).await?;
        if let Some(owner) = &owner {
            let _ = self.unfile(owner, std::slice::from_ref(old)).await; // else pruned later
        }
        self.file(owner, stored).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        let owner = match self.backend.load(key).await {
            Ok(record) => record.and_then(|record| owner_of(&record.data).map(str::to_owned)),
            Err(_) => None, // the delete says what the store can do
        };
        let deleted = self.backend.delete(key).await?;
        if let Some(owner) = owner {
            let _ = self.unfile(&owner, std::slice::from_ref(key)).await; // else pruned later
        }
        Ok(deleted)
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        self.backend.exists(key).await
    }

    async fn clear_expired(&self) -> Result<u64> {
        self.backend.clear_expired().await
    }

    fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }

    fn user_index(&self) -> Option<&dyn UserIndex> {
        Some(self)
    }
}

#[async_trait]
impl<B: Backend, I: KeyIndex> UserIndex for Indexed<B, I> {
    async fn sessions_of(&self, user: &str) -> Result<Vec<UserSession>> {
        let (live, gone) = self.sort(user).await?;
        self.unfile(user, &gone).await?;
        let mut listed: Vec<UserSession> = live
            .iter()
            .map(|(key, record)| UserSession::of(key, record))
            .collect();
        listed.sort_by_key(|session| std::cmp::Reverse(session.last_seen));
        Ok(listed)
    }

    async fn revoke(&self, user: &str, id: &PublicId) -> Result<bool> {
        let (live, mut gone) = self.sort(user).await?;
        let mut revoked = false;
        if let Some((key, _)) = live.iter().find(|(key, _)| PublicId::of(key) == *id) {
            revoked = self.backend.delete(key).await?;
            gone.push(key.clone());
        }
        self.unfile(user, &gone).await?;
        Ok(revoked)
    }

    async fn revoke_all(&self, user: &str, keep: Option<&SessionKey>) -> Result<u64> {
        let (live, mut gone) = self.sort(user).await?;
        let mut revoked = 0;
        for (key, _) in live {
            if Some(&key) == keep {
                continue;
            }
            if self.backend.delete(&key).await? {
                revoked += 1;
            }
            gone.push(key);
        }
        self.unfile(user, &gone).await?;
        Ok(revoked)
    }
}
