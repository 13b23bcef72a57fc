//! # session-conformance
//!
//! The conformance suite of [`sessions`](https://docs.rs/sessions): one test per behaviour of
//! the [`Backend`] contract and of Django's `SessionTestsMixin`, runnable against any engine,
//! third-party ones included.
//!
//! Add it as a dev-dependency and hand [`conformance_tests!`] a factory: an async closure that
//! receives a [`TestContext`] (a namespace of its own, a [`MockClock`] and a scripted
//! [`KeyGenerator`]) and returns the backend built with them. Each case becomes one
//! `#[tokio::test]`:
//!
//! ```
//! use std::sync::Arc;
//! use session_cache::MokaBackend;
//! use session_conformance::{conformance_tests, Fixture, TestContext, Unavailable};
//!
//! async fn moka(ctx: TestContext) -> Result<Fixture, Unavailable> {
//!     let backend = MokaBackend::builder()
//!         .clock(ctx.clock.shared())
//!         .key_generator(ctx.keys.clone())
//!         .build();
//!     Ok(Fixture::new(backend))
//! }
//!
//! mod moka_conformance {
//!     session_conformance::conformance_tests!(|ctx| super::moka(ctx));
//! }
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

pub mod cases;
mod context;
mod macros;
pub mod services;

pub use context::{Fixture, RawAccess, TestContext, Unavailable, run};
pub use session_core::MockClock;

#[doc(hidden)]
pub mod __private {
    pub use tokio;
}
