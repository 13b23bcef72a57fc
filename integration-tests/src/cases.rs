//! The cases, one `pub async fn` each, grouped by what they check. Each takes the case's
//! [`TestContext`] and the [`Fixture`] under test, and panics with a message on failure.

// A conformance case fails by panicking, with a message saying why; every case may panic.
#![allow(clippy::panic, clippy::missing_panics_doc)]

pub mod claims;
pub mod collisions;
pub mod concurrency;
pub mod contract;
pub mod cycle;
pub mod expiry;
pub mod faults;
pub mod keys;
pub mod lifecycle;
pub mod payload;
pub mod session_api;
pub mod users;

use std::fmt::Debug;

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;
use session_core::{Data, Expiry, Record, Session, SessionKey, SessionStore, Stored};
use tokio::sync::Barrier;
use tokio::task::JoinHandle;

use crate::{Fixture, TestContext};

/// Unwrapping with context: the failure message says what the case was doing.
pub(crate) trait Must<T> {
    fn must(self, doing: &str) -> T;
}

impl<T, E: Debug> Must<T> for Result<T, E> {
    #[track_caller]
    fn must(self, doing: &str) -> T {
        match self {
            Ok(value) => value,
            Err(err) => panic!("{doing}: {err:?}"),
        }
    }
}

impl<T> Must<T> for Option<T> {
    #[track_caller]
    fn must(self, doing: &str) -> T {
        match self {
            Some(value) => value,
            None => panic!("{doing}: got nothing"),
        }
    }
}

/// Skips the case (with `SKIP(capability)`) unless the engine has `$capability` (a
/// [`Capability`](crate::Capability) variant); fails it when the skip was not declared.
macro_rules! require {
    ($fixture:expr, $capability:ident) => {
        if !$fixture.require($crate::Capability::$capability) {
            return;
        }
    };
}
pub(crate) use require;

/// A JSON object literal as session data.
pub(crate) fn data(value: Value) -> Data {
    match value {
        Value::Object(map) => map,
        other => panic!("session data must be an object, not {other}"),
    }
}

/// A fresh random key, queued nowhere.
pub(crate) fn fresh_key() -> SessionKey {
    session_core::KeyGenerator::random()
        .generate()
        .must("a key")
}

/// A key in Django's syntax from a literal.
pub(crate) fn key(text: &str) -> SessionKey {
    SessionKey::from_cookie(text).must("a literal test key")
}

/// Creates a record with `value` and the default expiry.
pub(crate) async fn seed(ctx: &TestContext, fixture: &Fixture, value: Value) -> Stored {
    seed_with(ctx, fixture, value, Expiry::Default).await
}

/// Creates a record with `value` and `expiry`.
pub(crate) async fn seed_with(
    ctx: &TestContext,
    fixture: &Fixture,
    value: Value,
    expiry: Expiry,
) -> Stored {
    fixture
        .backend
        .create(ctx.record(data(value), expiry))
        .await
        .must("create a seed record")
}

/// Loads the live record under `key`, failing if there is none.
pub(crate) async fn load(fixture: &Fixture, key: &SessionKey) -> Record {
    fixture
        .backend
        .load(key)
        .await
        .must("load")
        .must("a live record")
}

/// True when nothing live is under `key`.
pub(crate) async fn is_gone(fixture: &Fixture, key: &SessionKey) -> bool {
    fixture.backend.load(key).await.must("load").is_none()
}

/// A new session holding `value` with `expiry`, saved; returns it and its key.
pub(crate) async fn saved_session(
    store: &SessionStore,
    value: Value,
    expiry: Expiry,
) -> (Session, SessionKey) {
    let session = store.session(None);
    session.set_expiry(expiry).await.must("set_expiry");
    for (k, v) in data(value) {
        session.insert_value(&k, v).await.must("insert");
    }
    session.save().await.must("save");
    let key = session.key().must("a saved session has a key");
    (session, key)
}

/// Spawns `work` to start only when every party of `barrier` is ready (to race it).
pub(crate) fn spawn_at<T: Send + 'static>(
    barrier: &Arc<Barrier>,
    work: impl Future<Output = T> + Send + 'static,
) -> JoinHandle<T> {
    let barrier = Arc::clone(barrier);
    tokio::spawn(async move {
        barrier.wait().await;
        work.await
    })
}
