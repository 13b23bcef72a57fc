//! A key generator that only returns taken keys: the engine gives up with the typed, not
//! transient `Error::NoFreeKey` (not a store failure answered 503), and overwrites nothing.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used)]

use session_cache::MokaBackend;
use session_core::{
    Backend, Context, Data, Error, Expiry, ExpiryPolicy, KeyGenerator, MAX_CREATE_ATTEMPTS, Record,
    SystemClock,
};
use time::OffsetDateTime;

fn record(user: &str) -> Record {
    let mut data = Data::new();
    data.insert("user".into(), user.into());
    Record::new(
        data,
        Expiry::Default,
        OffsetDateTime::now_utc(),
        &ExpiryPolicy::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_generator_of_taken_keys_ends_in_no_free_key() {
    let keys = KeyGenerator::scripted();
    let backend = MokaBackend::builder()
        .context(Context::new(SystemClock::shared(), keys.clone()))
        .build();
    let taken = backend.create(record("alice")).await.unwrap().key;
    for _ in 0..MAX_CREATE_ATTEMPTS {
        keys.push(taken.clone());
    }
    let refused = backend.create(record("mallory")).await;
    assert!(
        matches!(refused, Err(Error::NoFreeKey { attempts }) if attempts == MAX_CREATE_ATTEMPTS),
        "{refused:?}"
    );
    assert!(refused.is_err_and(|err| !err.is_transient()));
    let kept = backend.load(&taken).await.unwrap().unwrap();
    assert_eq!(
        kept.data["user"], "alice",
        "the taken key was not overwritten"
    );
}
