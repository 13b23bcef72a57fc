//! # session-core
//!
//! The model behind [`session-kit`](https://docs.rs/session-kit): Django's session framework, in
//! Rust. No HTTP stack and no storage live here, only what every engine and the middleware
//! share:
//!
//! | item | Django |
//! |---|---|
//! | [`SessionKey`], [`KeyGenerator`] | session keys: 32 chars of `[a-z0-9]` from the OS CSPRNG; under 8 chars is no key |
//! | [`Record`], [`Version`] | a stored session, with a version token for conditional saves |
//! | [`Expiry`], [`ExpiryPolicy`] | `set_expiry` and the `get_expiry_*` family, plus an absolute cap |
//! | [`Clock`], [`SystemClock`], `MockClock` (feature `test-util`) | injected time |
//! | [`Settings`] | every `SESSION_*` setting with Django's default |
//! | [`Backend`] | `SessionStore`'s storage methods, as a contract every engine passes |
//! | [`Session`], [`SessionStore`], [`Saved`] | `request.session`: the dict API, `flush`, `cycle_key`, lazy load |
//! | [`JsonCodec`] | the serialized form engines that store bytes share |
//! | [`Error`] | `CreateError`, `UpdateError` and friends, as one typed enum |
//!
//! ## A session's life
//!
//! ```
//! # async fn demo(backend: std::sync::Arc<dyn session_core::Backend>) -> session_core::Result<()> {
//! use session_core::{Expiry, SessionStore};
//!
//! let store = SessionStore::new(backend);
//! // A request without a cookie: an anonymous session, nothing loaded or stored yet.
//! let session = store.session(None);
//! session.insert("cart", vec!["apple"]).await?;
//! session.set_expiry(Expiry::seconds(3600)).await?;
//! // The middleware does this: creates the record, assigns the key, and says what the
//! // response's cookie carries.
//! let saved = session.save().await?;
//! assert_eq!(saved.max_age, Some(3600));
//!
//! // The next request carries the cookie.
//! let next = store.session(Some(saved.key.as_str()));
//! let cart: Option<Vec<String>> = next.get("cart").await?;
//! assert_eq!(cart, Some(vec!["apple".to_owned()]));
//! next.cycle_key().await?; // login: same data, new key, old key dead
//! next.flush().await?; // logout: record deleted, key dropped
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! | feature | enables |
//! |---|---|
//! | `test-util` | `MockClock`, `KeyGenerator::scripted` and `Faults`, for tests and the conformance suite |
//! | `axum` | `Session` as an axum extractor (`FromRequestParts`) |
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod backend;
mod clock;
pub mod codec;
mod context;
pub mod datetime;
pub mod defaults;
mod error;
pub mod expiry;
#[cfg(feature = "axum")]
mod extract;
#[cfg(feature = "test-util")]
mod faults;
mod key;
pub mod record;
mod secret;
pub mod session;
pub mod settings;
pub mod signing;
pub mod users;

pub use backend::{Backend, Capabilities};
#[cfg(feature = "test-util")]
pub use clock::MockClock;
pub use clock::{Clock, SharedClock, SystemClock};
pub use codec::JsonCodec;
pub use context::{Context, MAX_CREATE_ATTEMPTS};
pub use error::{BoxError, Error, Result, error_chain};
pub use expiry::{Expiry, ExpiryPolicy};
#[cfg(feature = "test-util")]
pub use faults::{Faults, InjectedFault};
pub use key::{KEY_ALPHABET, KEY_LENGTH, KeyGenerator, MAX_KEY_LENGTH, MIN_KEY_LENGTH, SessionKey};
pub use record::{BackendHandle, Data, Record, Stored, Version};
pub use session::{Saved, Session, SessionStore};
pub use settings::Settings;

/// Re-exported so engines and tests agree on versions.
pub use async_trait::async_trait;
pub use serde_json;
pub use time;
