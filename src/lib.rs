// The guide is the README; its quick start is an axum app, so it is compiled (and doctested)
// with the `axum` feature, as docs.rs and `scripts/test` build it.
#![cfg_attr(feature = "axum", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "axum"),
    doc = "Django's session framework for Rust. The guide (the README, with its quick start) is \
           part of these docs when they are built with the `axum` feature, as on docs.rs."
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod engine;
mod middleware;
mod status;
mod sweeper;

pub use engine::Engine;
pub use middleware::{MAX_COOKIE_BYTES, SessionLayer, SessionService};
#[cfg(feature = "test-util")]
pub use session_core::MockClock;
pub use session_core::{
    Backend, Capabilities, Clock, Context, Data, Error, Expiry, ExpiryPolicy, JsonCodec,
    KeyGenerator, Record, Result, Session, SessionKey, SessionStore, Settings, SharedClock, Stored,
    SystemClock, Version,
};
pub use status::status_for;
pub use sweeper::{ClearExpiredTask, spawn_clear_expired};

/// The model: keys, records, expiry rules, settings, the `Backend` contract, the `Session`
/// handle (the `session-core` crate).
pub use session_core as core;

/// The in-process engine (moka).
#[cfg(feature = "moka")]
pub use session_cache::{MokaBackend, MokaBackendBuilder};

/// The Redis engine, single node and Redis Cluster.
#[cfg(feature = "redis")]
pub use session_cache::{RedisBackend, RedisBackendBuilder};

/// Django's `cached_db`: any cache in front of any store.
#[cfg(any(feature = "moka", feature = "redis"))]
pub use session_cache::{CachedBackend, SessionCache};

/// The file engine: one file per session.
#[cfg(feature = "file")]
pub use session_file::{FileBackend, FileBackendBuilder};

/// The cookie engines: Django's signed cookies, and encrypted cookies.
#[cfg(feature = "cookie")]
pub use session_cookie::{EncryptedCookieBackend, SignedCookieBackend};

/// The db engine (Django's default): PostgreSQL, SQLite, MySQL/MariaDB over sqlx.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use session_db::{DbBackend, DbBackendBuilder, DbPool};
