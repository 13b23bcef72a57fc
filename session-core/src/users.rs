//! A user's sessions: whose a session is, how a listing shows it (never the key), and the index
//! of sessions by user that server-side engines keep, so that a user can list their sessions,
//! revoke one, or log out everywhere else.
//!
//! The owner of a session is the `_auth_user_id` in its data, as Django's `login` writes it
//! ([`auth::login`](crate::auth::login), or [`Session::set_user`](crate::Session::set_user) for
//! an app with its own login). [`Indexed`] keeps the index for any engine over a
//! [`KeyIndex`] (a set of keys per user); its listing costs one lookup per session of that
//! user, never a scan of the store.

mod indexed;
mod memory;
#[cfg(test)]
mod tests;

use std::fmt;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Data, Record, Result, SessionKey};
pub use indexed::Indexed;
pub use memory::MemoryKeyIndex;

/// The data key holding the user agent of the session's client, when client tracking is on.
pub const USER_AGENT_KEY: &str = "_client_user_agent";
/// The data key holding the IP address of the session's client, when client tracking is on.
pub const IP_KEY: &str = "_client_ip";

/// The user a session belongs to: the `_auth_user_id` in `data` (a string, as Django writes it).
pub fn owner_of(data: &Data) -> Option<&str> {
    data.get(crate::auth::SESSION_KEY)
        .and_then(serde_json::Value::as_str)
        .filter(|user| !user.is_empty())
}

/// A session's public id: 32 hex characters of SHA-256 over a fixed label and the key. It names
/// the session in listings and revocations; it is not the key and cannot be turned back into
/// it. A cycled session (a login) gets a new one.
///
/// ```
/// use session_core::users::PublicId;
///
/// # fn main() -> session_core::Result<()> {
/// let key = session_core::KeyGenerator::random().generate()?;
/// let id = PublicId::of(&key);
/// assert_eq!(id.as_str().len(), 32);
/// assert!(!id.as_str().contains(key.as_str()));
/// assert_eq!(PublicId::parse(id.as_str()), Some(id));
/// assert_eq!(PublicId::parse("not an id"), None);
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicId(String);

impl PublicId {
    /// The public id of the session under `key`.
    pub fn of(key: &SessionKey) -> Self {
        let digest = Sha256::new()
            .chain_update(b"session-kit public session id\0")
            .chain_update(key.as_str().as_bytes())
            .finalize();
        Self(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
    }

    /// An id as a client sent it back (a form field): 32 lowercase hex characters, else `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let valid =
            text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicId({})", self.0)
    }
}

/// One of a user's sessions, as a listing shows it: never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSession {
    /// Its public id (what [`UserIndex::revoke`] takes).
    pub id: PublicId,
    /// True for the session asking ([`Session::user_sessions`](crate::Session::user_sessions)).
    pub current: bool,
    /// When it was first stored.
    pub created: OffsetDateTime,
    /// When it was last saved.
    pub last_seen: OffsetDateTime,
    /// When it expires unless used again.
    pub expires: OffsetDateTime,
    /// The client's user agent, when client tracking is on.
    pub user_agent: Option<String>,
    /// The client's IP address, when client tracking is on.
    pub ip: Option<String>,
}

impl UserSession {
    /// The listing entry of the session under `key`.
    pub fn of(key: &SessionKey, record: &Record) -> Self {
        let text = |name: &str| {
            record
                .data
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        Self {
            id: PublicId::of(key),
            current: false,
            created: record.created_at,
            last_seen: record.modified_at,
            expires: record.expires_at,
            user_agent: text(USER_AGENT_KEY),
            ip: text(IP_KEY),
        }
    }
}

/// The sessions of each user, for engines that can list them (see
/// [`Backend::user_index`](crate::Backend::user_index)).
///
/// # Contract
/// - `[index-lists]` [`sessions_of`](UserIndex::sessions_of) gives every live session whose owner
///   is the user, and nothing else: no expired, deleted or cycled-away session, no other user's.
/// - `[index-revokes]` [`revoke`](UserIndex::revoke) deletes that user's session with that id
///   (another user's id is no match); [`revoke_all`](UserIndex::revoke_all) deletes all of them
///   but the one kept; a revoked session never loads again.
/// - `[index-follows]` A cycle (login) moves the entry to the new key, a delete (logout) and
///   `clear_expired` leave nothing listed.
#[async_trait]
pub trait UserIndex: Send + Sync {
    /// The live sessions of `user`, most recently seen first. Entries of sessions that are gone
    /// are pruned as they are met.
    async fn sessions_of(&self, user: &str) -> Result<Vec<UserSession>>;

    /// Deletes `user`'s session `id`; true when there was one.
    async fn revoke(&self, user: &str, id: &PublicId) -> Result<bool>;

    /// Deletes every session of `user` but `keep`; how many it deleted.
    async fn revoke_all(&self, user: &str, keep: Option<&SessionKey>) -> Result<u64>;
}

/// Where an engine files session keys by user: a set of keys per user (a Redis set, a table, a
/// map). It may hold keys of sessions that are gone; [`Indexed`] checks each and prunes.
#[async_trait]
pub trait KeyIndex: Send + Sync + fmt::Debug {
    /// Files `key` under `user` (idempotent).
    async fn add(&self, user: &str, key: &SessionKey) -> Result<()>;

    /// Unfiles `keys` from `user`.
    async fn remove(&self, user: &str, keys: &[SessionKey]) -> Result<()>;

    /// The keys filed under `user`.
    async fn keys(&self, user: &str) -> Result<Vec<SessionKey>>;
}

/// An index behind an `Arc` is an index (so `Arc<dyn KeyIndex>` picks one at run time).
#[async_trait]
impl<K: KeyIndex + ?Sized> KeyIndex for std::sync::Arc<K> {
    async fn add(&self, user: &str, key: &SessionKey) -> Result<()> {
        (**self).add(user, key).await
    }
    async fn remove(&self, user: &str, keys: &[SessionKey]) -> Result<()> {
        (**self).remove(user, keys).await
    }
    async fn keys(&self, user: &str) -> Result<Vec<SessionKey>> {
        (**self).keys(user).await
    }
}
