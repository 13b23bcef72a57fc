//! # session-conformance
//!
//! The conformance suite of [`session-kit`](https://docs.rs/session-kit): every line of the
//! [`Backend`] contract and every behaviour of Django's `SessionTestsMixin`, as cases runnable
//! against any engine, third-party ones included. It tests itself: 35 engines and 3 key indexes,
//! each broken in one way, run the whole suite, and each is caught (see [the table](#the-broken-engines)).
//!
//! # Write your own engine
//!
//! Start from [`ReferenceBackend`]: a complete engine in ~150 lines over a map of bytes behind
//! a mutex, where each method is one atomic [`transaction`](ReferenceBackend::transaction) (your
//! statement or script). Swap the map for your store, keep the rules.
//!
//! **1. The factory.** Add this crate as a dev-dependency and hand [`conformance_tests!`] an
//! async function that builds your engine from the case's [`TestContext`]: a namespace of its
//! own (a table, a key prefix, a directory), and, through [`TestContext::context`], a
//! [`MockClock`], a scripted [`KeyGenerator`] (to force collisions and failures) and a
//! [`Faults`] plan (to make your store fail). Each case becomes one `#[tokio::test]`:
//!
//! ```
//! use session_conformance::{Fixture, ReferenceBackend, TestContext, Unavailable};
//!
//! /// In your `tests/conformance.rs`, with your engine in place of the reference one.
//! async fn my_engine(ctx: TestContext) -> Result<Fixture, Unavailable> {
//!     // A service that cannot be reached: `return Err(Unavailable::new("my-store", err))`.
//!     let backend = ReferenceBackend::new(ctx.context());
//!     Ok(Fixture::new(backend.clone())
//!         .with_raw(backend.clone()) // it stores bytes: let the suite plant corrupt ones
//!         .with_probe(backend)) //     let the suite see what the store really holds
//! }
//!
//! session_conformance::conformance_tests!(my_engine);
//! # fn main() {}
//! ```
//!
//! **2. The capabilities.** [`Backend::capabilities`] says what your engine can do; the
//! factory says, with [`Fixture::lacks`], each [`Capability`] it lacks **and why**. The two
//! must agree: a capability the backend lacks but the factory does not declare fails every case
//! that needs it, and so does a declaration the backend contradicts. What is claimed is
//! checked: conditional saves by racing writers, native expiry by watching the store through the
//! [`Probe`] until the expired record is gone. A cookie-style engine declares, say:
//!
//! ```
//! # use session_conformance::{Capability, Fixture, ReferenceBackend, TestContext};
//! # let backend = ReferenceBackend::new(TestContext::new("doc").context());
//! let fixture = Fixture::new(backend)
//!     .lacks(Capability::ConditionalSave, "a cookie has no stored version to compare")
//!     .lacks(Capability::FaultHook, "there is no store to fail");
//! assert_eq!(fixture.lacked().len(), 2);
//! ```
//!
//! **3. The hooks.** [`RawAccess`] writes bytes behind the engine's back (engines that store
//! bytes must give it: the corrupt-data cases plant garbage and expect `None`). [`Probe`] says
//! whether the store physically holds a key (engines relying on native expiry must give it).
//! For the failure cases, call [`Context::store_call`](session_core::Context::store_call) before
//! each round trip to your store; the suite then fails the *n*-th call and checks that a failed
//! `cycle` leaves the user logged in under the old key and that every failure is
//! `Error::Backend` with a source. An engine that never asks is caught; declare
//! [`Capability::FaultHook`] lacking instead.
//!
//! **4. Reading a run.** Each engine's run ends with a summary written past the test harness's
//! capture (no `--nocapture` needed), also appended to the file named by
//! `SESSIONS_CONFORMANCE_SUMMARY` when set:
//!
//! ```text
//! conformance summary for moka (moka): 93 cases, 92 run, 92 passed, 0 failed, 1 skipped by capability, 0 skipped by service
//!   lacks counted_sweep (moka drops entries past their deadline by itself): relies on the store's own expiry: …; checked less in clear_expired_removes_only_expired, failed_store_calls_are_backend_errors
//!   lacks stores_bytes (moka holds records, not bytes): no stored bytes: the corrupt-data cases do not apply; skipped corrupt_data_loads_as_none
//! ```
//!
//! What each skip means: **skipped by capability**, the case needs a [`Capability`] the factory
//! declared lacking (listed with the reason; `conditional_save` is flagged `!!!!`: without it
//! the engine cannot promise that concurrent requests lose no updates). **Skipped by service**,
//! the factory returned [`Unavailable`] (a service that did not answer a one-second TCP
//! probe): the case prints `SKIP(service)` and passes, unless `SESSIONS_REQUIRE_SERVICES=1` (as
//! CI sets), where it fails. **Checked less in**, the case ran but relaxed one check for the
//! declared lack. A skip nobody declared is a failure. A filtered run (`cargo test some_case`),
//! or a runner with one process per test (cargo-nextest), prints no summary: run the whole
//! suite with `cargo test` to get one.
//!
//! The list of cases grows with the contract: this API is not semver-stable.
//!
//! # The contract, line by line
//!
//! Each line of the [`Backend`] contract carries a tag in its docs; this table says which cases
//! check it (a test fails if a tag has no row, or a row names no case or an unknown one):
//!
#![doc = include_str!("../docs/contract.md")]
//!
//! # The broken engines
//!
//! `tests/broken.rs` runs the whole suite on each of these (the reference engine with one rule
//! broken, `tests/broken/engine.rs`) and fails unless each fails at least the cases named here;
//! every line of the contract is broken by at least one of them:
//!
#![doc = include_str!("../docs/broken.md")]
//!
//! [`Backend`]: session_core::Backend
//! [`Backend::capabilities`]: session_core::Backend::capabilities
//! [`KeyGenerator`]: session_core::KeyGenerator
//! [`Faults`]: session_core::Faults
#![cfg_attr(docsrs, feature(doc_cfg))]

mod capability;
pub mod cases;
mod context;
mod fixture;
mod macros;
mod reference;
mod report;
pub mod services;
pub mod suite;
mod text;

pub use capability::Capability;
pub use context::{CREATE_ATTEMPTS, TestContext, Unavailable};
pub use fixture::{Fixture, Probe, RawAccess};
pub use reference::{Entries, ReferenceBackend};
pub use report::{SUMMARY_LOG_ENV, Tally};
pub use session_core::MockClock;
pub use text::incompressible_text;

/// Every case of the suite, as `module::case`, in the order they run.
pub const CASES: &[&str] = __with_cases!(__case_names;);

#[doc(hidden)]
pub mod __private {
    pub use tokio;
}
