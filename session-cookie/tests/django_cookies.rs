//! Django's cookie-engine tests that apply (reference §10.2), Appendix A.3's cookie values, key
//! rotation, and what Django does not do: refusing a cookie past its own expiry, bounding the
//! token's size.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use serde_json::json;
use session_cookie::{
    DEFAULT_COMPRESS_FROM_BYTES, MAX_TOKEN_BYTES, SIGNED_COOKIES_SALT, Signed, SignedCookieBackend,
};
use session_core::settings::Secret;
use session_core::signing::{Compression, Keyring, Signer};
use session_core::time::macros::datetime;
use session_core::{Backend, Error, Expiry, MockClock, SessionKey, SessionStore};
use time::Duration;

const SECRET: &str = "rust-interop-test-secret-key-0123456789";
const NEW_SECRET: &str = "brand-new-secret-key-xxxxxxxxxxxxxxxxxxxxxx";
/// Django's cookie for `{"foo": "bar"}` at 1700000000 (Appendix A.3).
const FOO_BAR: &str = "eyJmb28iOiJiYXIifQ:1r31eq:KCcIQ1QELm68scj-nUkXqIW7odK35L6HruexNeR76os";

fn keys(current: &str, fallbacks: &[&str]) -> Keyring {
    Keyring::new(
        Secret::new(current),
        fallbacks.iter().map(|k| Secret::new(*k)).collect(),
    )
    .unwrap()
}

/// The mock clock at Appendix A's instant, 2023-11-14T22:13:20Z.
fn clock() -> MockClock {
    MockClock::at(datetime!(2023-11-14 22:13:20 UTC))
}

fn backend(keys: &Keyring, clock: &MockClock) -> SignedCookieBackend {
    SignedCookieBackend::signed(keys)
        .with_context(session_core::Context::default().with_clock(clock.shared()))
}

fn key(token: &str) -> SessionKey {
    SessionKey::from_cookie(token).unwrap()
}

#[tokio::test]
async fn djangos_cookie_loads_and_ours_is_djangos_byte_for_byte() {
    let clock = clock();
    let backend = backend(&keys(SECRET, &[]), &clock);
    let record = backend.load(&key(FOO_BAR)).await.unwrap().unwrap();
    assert_eq!(record.data["foo"], "bar");
    assert_eq!(record.expiry, Expiry::Default);
    let store = SessionStore::new(Arc::new(backend)).with_clock(clock.shared());
    for (dict, expected) in [
        (
            json!({}),
            "e30:1r31eq:LhxpojnWM2MURmlVYOC8gAOihV-qMp9xjIeaY1Da_qI",
        ),
        (json!({"foo": "bar"}), FOO_BAR),
        (
            json!({"hello": "world"}),
            "eyJoZWxsbyI6IndvcmxkIn0:1r31eq:z0vSlsDAcs84lLYfxfQVWUfdWliuiwAwJg_1Df92u5E",
        ),
    ] {
        let session = store.session(None);
        for (name, value) in dict.as_object().unwrap() {
            session.insert_value(name, value.clone()).await.unwrap();
        }
        session.set_modified();
        session.save().await.unwrap();
        assert_eq!(session.key().unwrap().as_str(), expected);
    }
}

/// Reference A.3: at T + SESSION_COOKIE_AGE the cookie still loads; one second later it does
/// not.
#[tokio::test]
async fn the_cookie_age_boundary_is_djangos() {
    let clock = clock();
    let backend = backend(&keys(SECRET, &[]), &clock);
    clock.advance(Duration::seconds(1_209_600));
    assert!(backend.load(&key(FOO_BAR)).await.unwrap().is_some());
    clock.advance(Duration::seconds(1));
    assert!(backend.load(&key(FOO_BAR)).await.unwrap().is_none());
}

/// Beyond Django (#19201): `set_expiry(60)` is enforced on the server, counted from the
/// signing, and so is a date.
#[tokio::test]
async fn a_cookie_past_its_own_expiry_is_refused() {
    let clock = clock();
    let backend = backend(&keys(SECRET, &[]), &clock);
    let store = SessionStore::new(Arc::new(backend.clone())).with_clock(clock.shared());
    let session = store.session(None);
    session.insert("user", "alice").await.unwrap();
    session.set_expiry(Expiry::Seconds(60)).await.unwrap();
    session.save().await.unwrap();
    let seconds = session.key().unwrap();

    let dated = store.session(None);
    dated.insert("user", "bob").await.unwrap();
    dated
        .set_expiry(Expiry::At(datetime!(2023-11-14 22:14:00 UTC)))
        .await
        .unwrap();
    dated.save().await.unwrap();
    let dated = dated.key().unwrap();

    clock.advance(Duration::seconds(39));
    assert!(backend.load(&seconds).await.unwrap().is_some());
    assert!(backend.load(&dated).await.unwrap().is_some());
    clock.advance(Duration::seconds(1));
    assert!(
        backend.load(&dated).await.unwrap().is_none(),
        "the date passed"
    );
    clock.advance(Duration::seconds(20));
    assert!(
        backend.load(&seconds).await.unwrap().is_none(),
        "60 s passed"
    );
}

/// A cookie Django signed with a key now in the fallbacks loads; the next save signs with the
/// current key (Appendix A.2's rotation, on the cookie salt); without the fallback it is gone.
#[tokio::test]
async fn rotation_accepts_fallbacks_and_re_signs_with_the_current_key() {
    let clock = clock();
    let rotated = backend(&keys(NEW_SECRET, &[SECRET]), &clock);
    let store = SessionStore::new(Arc::new(rotated)).with_clock(clock.shared());
    let session = store.session(Some(FOO_BAR));
    assert_eq!(
        session.get::<String>("foo").await.unwrap().as_deref(),
        Some("bar")
    );
    session.insert("n", 1).await.unwrap();
    session.save().await.unwrap();
    let resigned = session.key().unwrap();
    let current_only = Signer::new(&keys(NEW_SECRET, &[]), SIGNED_COOKIES_SALT);
    let loaded = current_only
        .loads(resigned.as_str(), None, 1_700_000_000)
        .unwrap();
    assert_eq!(loaded.value, json!({"foo": "bar", "n": 1}));

    let retired = backend(&keys(NEW_SECRET, &[]), &clock);
    assert!(retired.load(&key(FOO_BAR)).await.unwrap().is_none());
}

/// Django's `test_unpickling_exception` analogue: a validly signed value that is not a dict, or
/// holds an invalid expiry, loads as nothing.
#[tokio::test]
async fn signed_values_that_are_not_sessions_load_as_nothing() {
    let clock = clock();
    let keys = keys(SECRET, &[]);
    let backend = backend(&keys, &clock);
    let signer = Signer::new(&keys, SIGNED_COOKIES_SALT);
    for value in [
        json!([1, 2, 3]),
        json!("text"),
        json!({"_session_expiry": "not a date"}),
    ] {
        let token = signer.dumps(&value, true, 1_700_000_000).unwrap();
        assert!(
            backend.load(&key(&token)).await.unwrap().is_none(),
            "{value}"
        );
    }
}

/// The cookie that `compression` gives a session whose cart holds `cart_items` items (checking
/// that it loads back).
async fn sealed(compression: Compression, cart_items: usize) -> String {
    let clock = clock();
    let keys = keys(SECRET, &[]);
    let backend = SignedCookieBackend::new(Signed::new(&keys).with_compression(compression))
        .with_context(session_core::Context::default().with_clock(clock.shared()));
    let store = SessionStore::new(Arc::new(backend)).with_clock(clock.shared());
    let session = store.session(None);
    let cart: Vec<String> = (0..cart_items).map(|n| format!("sku-{n:04}")).collect();
    session.insert("cart", cart.clone()).await.unwrap();
    session.save().await.unwrap();
    let token = session.key().unwrap().as_str().to_owned();
    let again = store.session(Some(&token));
    assert_eq!(again.get::<Vec<String>>("cart").await.unwrap(), Some(cart));
    token
}

/// By default only sessions of 1 KiB of JSON or more are compressed; `Always` is Django's
/// `compress=True`, byte for byte; `Never` never compresses. Every form loads.
#[tokio::test]
async fn compression_follows_the_policy_and_always_is_djangos() {
    // 30 items: 340 bytes of JSON; 120 items: 1330 bytes.
    let (small, large) = (30, 120);
    let default = Compression::FromBytes(DEFAULT_COMPRESS_FROM_BYTES);
    assert!(!sealed(default, small).await.starts_with('.'));
    assert!(sealed(default, large).await.starts_with('.'));
    assert!(!sealed(Compression::Never, large).await.starts_with('.'));
    let always = sealed(Compression::Always, small).await;
    assert!(always.starts_with('.'));
    // Django's `signing.dumps(dict, compress=True, salt=…)` at the same instant: the same token.
    let cart: Vec<String> = (0..small).map(|n| format!("sku-{n:04}")).collect();
    let signer = Signer::new(&keys(SECRET, &[]), SIGNED_COOKIES_SALT);
    assert_eq!(
        signer
            .dumps(&json!({ "cart": cart }), true, 1_700_000_000)
            .unwrap(),
        always
    );
}

#[tokio::test]
async fn a_session_too_large_for_a_cookie_is_too_large() {
    let clock = clock();
    let store =
        SessionStore::new(Arc::new(backend(&keys(SECRET, &[]), &clock))).with_clock(clock.shared());
    let session = store.session(None);
    // Random-looking text: compression cannot bring it under the limit.
    let noise = session_conformance::incompressible_text(6000);
    session.insert("blob", noise).await.unwrap();
    match session.save().await {
        Err(Error::TooLarge { size, limit }) => {
            assert_eq!(limit, MAX_TOKEN_BYTES);
            assert!(size > limit);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_server_state_and_the_capabilities_say_so() {
    let clock = clock();
    let backend = backend(&keys(SECRET, &[]), &clock);
    let caps = backend.capabilities();
    assert!(!caps.server_side && !caps.conditional_save);
    assert!(!backend.exists(&key(FOO_BAR)).await.unwrap());
    backend.delete(&key(FOO_BAR)).await.unwrap();
    assert_eq!(backend.clear_expired().await.unwrap(), 0);
    assert!(
        backend.load(&key(FOO_BAR)).await.unwrap().is_some(),
        "delete cannot revoke a cookie the client kept"
    );
    assert!(!format!("{backend:?}").contains(SECRET));
}
