//! # session-conformance
//!
//! The conformance suite of [`session-kit`](https://docs.rs/session-kit): one test per behaviour of
//! the [`Backend`] contract and of Django's `SessionTestsMixin`, runnable against any engine,
//! third-party ones included.
//!
//! Add it as a dev-dependency and hand [`conformance_tests!`] a factory: an async closure that
//! receives a [`TestContext`] (a namespace of its own, a [`MockClock`] and a scripted
//! [`KeyGenerator`]) and returns the backend built with them. Each case becomes one
//! `#[tokio::test]`. Here a third-party engine (a wrapper that would add its own behaviour
//! around an in-process map) runs the whole suite:
//!
//! ```
//! use session_cache::MokaBackend;
//! use session_conformance::{Fixture, TestContext, Unavailable};
//! use session_core::{async_trait, Backend, Capabilities, Record, Result, SessionKey, Stored};
//! use time::OffsetDateTime;
//!
//! /// The engine under test: yours would talk to its own store.
//! #[derive(Debug)]
//! struct MyBackend {
//!     inner: MokaBackend,
//! }
//!
//! #[async_trait]
//! impl Backend for MyBackend {
//!     async fn load(&self, key: &SessionKey) -> Result<Option<Record>> { self.inner.load(key).await }
//!     async fn create(&self, record: Record) -> Result<Stored> { self.inner.create(record).await }
//!     async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
//!         self.inner.save(key, record).await
//!     }
//!     async fn touch(&self, key: &SessionKey, at: OffsetDateTime) -> Result<SessionKey> {
//!         self.inner.touch(key, at).await
//!     }
//!     async fn delete(&self, key: &SessionKey) -> Result<bool> { self.inner.delete(key).await }
//!     async fn exists(&self, key: &SessionKey) -> Result<bool> { self.inner.exists(key).await }
//!     async fn clear_expired(&self) -> Result<u64> { self.inner.clear_expired().await }
//!     fn capabilities(&self) -> Capabilities { self.inner.capabilities() }
//! }
//!
//! /// Builds the engine with the case's clock and key generator. A service that cannot be
//! /// reached would return `Err(Unavailable::new("my-store", err))`.
//! async fn my_backend(ctx: TestContext) -> std::result::Result<Fixture, Unavailable> {
//!     let inner = MokaBackend::builder()
//!         .context(ctx.context())
//!         .build();
//!     Ok(Fixture::new(MyBackend { inner }))
//! }
//!
//! // In your `tests/conformance.rs`:
//! session_conformance::conformance_tests!(my_backend);
//! # fn main() {}
//! ```
//!
//! A factory whose service cannot be reached returns [`Unavailable`]: the case prints
//! `SKIP(service)` and passes, unless `SESSIONS_REQUIRE_SERVICES=1` (as CI sets), where it
//! fails. A case that does not apply to an engine (by its [`Capabilities`]) prints
//! `SKIP(capability)` and passes.
//!
//! The list of cases grows with the contract: this API is not semver-stable.
//!
//! [`Backend`]: session_core::Backend
//! [`Capabilities`]: session_core::Capabilities
//! [`KeyGenerator`]: session_core::KeyGenerator
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cases;
mod context;
mod macros;
pub mod services;
mod text;

pub use context::{Fixture, RawAccess, TestContext, Unavailable, run};
pub use session_core::MockClock;
pub use text::incompressible_text;

#[doc(hidden)]
pub mod __private {
    pub use tokio;
}
