//! Tampered cookies, on both engines: a flipped byte, a truncation, payload and signature
//! swapped, a value moved to another cookie name, an expired timestamp, a retired key. Each
//! loads as nothing (a fresh empty session), with a warning, never a panic; arbitrary strings
//! too (proptest).

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use proptest::prelude::*;
use session_cookie::{CookieBackend, CookieCodec, EncryptedCookieBackend, SignedCookieBackend};
use session_core::settings::Secret;
use session_core::signing::Keyring;
use session_core::time::macros::datetime;
use session_core::{Backend, MockClock, SessionKey, SessionStore};
use time::Duration;

const SECRET: &str = "tamper-test-secret-key-tamper-test-secret-key-0123456789";
const OTHER: &str = "another-secret-key-another-secret-key-another-secret-key";

fn keys(secret: &str) -> Keyring {
    Keyring::new(Secret::new(secret), Vec::new()).unwrap()
}

fn clock() -> MockClock {
    MockClock::at(datetime!(2023-11-14 22:13:20 UTC))
}

fn signed(secret: &str, clock: &MockClock) -> SignedCookieBackend {
    SignedCookieBackend::signed(&keys(secret))
        .with_context(session_core::Context::default().with_clock(clock.shared()))
}

fn encrypted(secret: &str, name: &str, clock: &MockClock) -> EncryptedCookieBackend {
    EncryptedCookieBackend::encrypted(&keys(secret), name)
        .with_context(session_core::Context::default().with_clock(clock.shared()))
}

/// A genuine cookie of `backend` holding a logged-in user with a cart.
async fn genuine<C: CookieCodec>(backend: &CookieBackend<C>, clock: &MockClock) -> String {
    let store = SessionStore::new(Arc::new(backend.clone())).with_clock(clock.shared());
    let session = store.session(None);
    session.insert("_auth_user_id", "42").await.unwrap();
    session
        .insert("cart", ["apple", "pear", "plum"])
        .await
        .unwrap();
    session.save().await.unwrap();
    session.key().unwrap().as_str().to_owned()
}

/// `None` for `token`: refused (or not even a cookie value).
async fn refused<C: CookieCodec>(backend: &CookieBackend<C>, token: &str) -> bool {
    match SessionKey::from_cookie(token) {
        None => true,
        Some(key) => backend.load(&key).await.unwrap().is_none(),
    }
}

/// Every single-byte change and every truncation of a genuine token is refused.
async fn flips_and_truncations<C: CookieCodec>(backend: CookieBackend<C>, clock: &MockClock) {
    let token = genuine(&backend, clock).await;
    assert!(!refused(&backend, &token).await, "the genuine cookie loads");
    for at in 0..token.len() {
        let mut bytes = token.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(bytes).unwrap();
        assert!(refused(&backend, &flipped).await, "byte {at} flipped");
    }
    for len in 0..token.len() {
        assert!(refused(&backend, &token[..len]).await, "cut to {len}");
    }
    assert!(
        refused(&backend, &format!("{token}A")).await,
        "one byte added"
    );
}

#[tokio::test]
#[tracing_test::traced_test]
async fn signed_flips_and_truncations_are_refused_with_a_warning() {
    let clock = clock();
    flips_and_truncations(signed(SECRET, &clock), &clock).await;
    assert!(logs_contain("session cookie refused"));
}

#[tokio::test]
async fn encrypted_flips_and_truncations_are_refused() {
    let clock = clock();
    flips_and_truncations(encrypted(SECRET, "sessionid", &clock), &clock).await;
}

#[tokio::test]
async fn swapped_parts_are_refused() {
    let clock = clock();
    let backend = signed(SECRET, &clock);
    let token = genuine(&backend, &clock).await;
    let parts: Vec<&str> = token.split(':').collect();
    assert_eq!(parts.len(), 3);
    for reordered in [
        [parts[2], parts[1], parts[0]],
        [parts[0], parts[2], parts[1]],
        [parts[1], parts[0], parts[2]],
    ] {
        assert!(refused(&backend, &reordered.join(":")).await);
    }
}

#[tokio::test]
async fn expired_and_retired_cookies_are_refused() {
    let clock = clock();
    let signed_token = genuine(&signed(SECRET, &clock), &clock).await;
    let sealed_token = genuine(&encrypted(SECRET, "sessionid", &clock), &clock).await;
    // A key no longer in the keyring.
    assert!(refused(&signed(OTHER, &clock), &signed_token).await);
    assert!(refused(&encrypted(OTHER, "sessionid", &clock), &sealed_token).await);
    // Past SESSION_COOKIE_AGE.
    clock.advance(Duration::seconds(1_209_601));
    assert!(refused(&signed(SECRET, &clock), &signed_token).await);
    assert!(refused(&encrypted(SECRET, "sessionid", &clock), &sealed_token).await);
}

/// An encrypted cookie binds its cookie name: moved to another cookie it does not open. (A
/// signed cookie is Django's format, which does not bind the name: Django accepts it too.)
#[tokio::test]
async fn an_encrypted_cookie_moved_to_another_name_is_refused() {
    let clock = clock();
    let token = genuine(&encrypted(SECRET, "sessionid", &clock), &clock).await;
    assert!(refused(&encrypted(SECRET, "othersid", &clock), &token).await);
    assert!(!refused(&encrypted(SECRET, "sessionid", &clock), &token).await);
}

/// A token whose format byte is unknown fails closed, even if the rest is genuine.
#[tokio::test]
async fn an_unknown_format_version_fails_closed() {
    use session_core::signing::{b64_decode, b64_encode};
    let clock = clock();
    let backend = encrypted(SECRET, "sessionid", &clock);
    let token = genuine(&backend, &clock).await;
    let mut bytes = b64_decode(&token).unwrap();
    bytes[0] = 2;
    assert!(refused(&backend, &b64_encode(&bytes)).await);
}

/// True when neither engine loads anything from `cookie` (a panic fails the property).
fn neither_engine_loads(cookie: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let clock = clock();
    runtime.block_on(async {
        refused(&signed(SECRET, &clock), cookie).await
            && refused(&encrypted(SECRET, "sessionid", &clock), cookie).await
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any string at all: no panic, nothing loads.
    #[test]
    fn arbitrary_cookies_never_panic(cookie in any::<String>()) {
        prop_assert!(neither_engine_loads(&cookie));
    }

    /// Strings shaped like signed values (payload, timestamp, signature; compressed or not)
    /// reach every decoding step: still no panic, nothing loads.
    #[test]
    fn cookie_shaped_strings_never_panic(
        cookie in r"\.?[A-Za-z0-9_-]{0,120}:[0-9A-Za-z]{0,8}:[A-Za-z0-9_-]{0,60}"
    ) {
        prop_assert!(neither_engine_loads(&cookie));
    }
}
