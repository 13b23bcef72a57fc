//! # session-cache
//!
//! Cache engines for [`session-kit`](https://docs.rs/session-kit) (Django's `cache` engine):
//!
//! | engine | feature | status |
//! |---|---|---|
//! | [`MokaBackend`]: in-process, bounded, per-entry expiry | `moka` (default) | ready |
//! | [`RedisBackend`]: Redis single node and Redis Cluster (redis + deadpool, one round trip per operation) | `redis` | ready |
//! | [`CachedBackend`]: Django's `cached_db`, any [`SessionCache`] (moka, Redis) in front of any store | — | ready |
//!
//! With `SESSION_CODEC=django`, the Redis engine takes Django's key layout and pickled dicts
//! (`KeyLayout::Django`, `PickleCodec`), alone (Django's `cache` engine) or as the cache of a
//! [`CachedBackend`] in front of the db engine in Django's format (Django's `cached_db`).
//!
//! ```
//! # #[cfg(feature = "moka")]
//! # async fn demo() -> session_core::Result<()> {
//! use std::sync::Arc;
//! use session_cache::MokaBackend;
//! use session_core::SessionStore;
//!
//! let store = SessionStore::new(Arc::new(MokaBackend::builder().max_capacity(10_000).build()));
//! let session = store.session(None);
//! session.insert("user", "alice").await?;
//! session.save().await?;
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cached;
#[cfg(feature = "moka")]
mod moka_backend;

#[cfg(feature = "redis")]
mod redis_backend;

#[cfg(feature = "redis")]
pub use deadpool_redis;
#[cfg(feature = "redis")]
pub use redis_backend::{
    CACHE_KEY_PREFIX, CACHED_DB_KEY_PREFIX, DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_CONNECTIONS, DEFAULT_KEY_PREFIX, DjangoCacheKeys, KeyLayout, PickleCodec, RedisBackend,
    RedisBackendBuilder,
};

pub use cached::{CachedBackend, SessionCache, TOMBSTONE_TTL};
pub use session_core::Backend;

#[cfg(feature = "moka")]
pub use moka_backend::{DEFAULT_MAX_CAPACITY, MokaBackend, MokaBackendBuilder};
