//! # session-cache
//!
//! Cache engines for [`sessions`](https://docs.rs/sessions) (Django's `cache` engine):
//!
//! | engine | feature | status |
//! |---|---|---|
//! | [`MokaBackend`]: in-process, bounded, per-entry expiry | `moka` (default) | ready |
//! | `RedisBackend`: Redis single node and Redis Cluster (redis + deadpool-redis) | `redis` | step 4 |
//! | `CachedBackend<Cache, Store>`: Django's `cached_db`, any cache in front of any store | — | step 4 |
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

#[cfg(feature = "moka")]
mod moka_backend;

#[cfg(feature = "redis")]
mod redis_backend;

#[cfg(feature = "redis")]
pub use deadpool_redis;
#[cfg(feature = "redis")]
pub use redis_backend::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEY_PREFIX, DEFAULT_MAX_CONNECTIONS,
    RedisBackend, RedisBackendBuilder,
};

#[cfg(feature = "moka")]
pub use moka_backend::{DEFAULT_MAX_CAPACITY, MokaBackend, MokaBackendBuilder};
