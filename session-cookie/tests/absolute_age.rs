//! `SESSION_ABSOLUTE_AGE` on the cookie engines: the cap counts from the session's creation
//! (carried in the signed dict), so a write never extends it, `Max-Age` shrinks with it, and an
//! older token is refused once the cap has passed.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use session_cookie::{EncryptedCookieBackend, SignedCookieBackend};
use session_core::settings::Secret;
use session_core::signing::Keyring;
use session_core::time::macros::datetime;
use session_core::{Backend, ExpiryPolicy, MockClock, SessionKey, SessionStore};
use time::Duration;

const SECRET: &str = "rust-interop-test-secret-key-0123456789";
const AGE: i64 = 10;

fn keys() -> Keyring {
    Keyring::new(Secret::new(SECRET), Vec::new()).unwrap()
}

fn store(backend: Arc<dyn Backend>, clock: &MockClock) -> SessionStore {
    SessionStore::new(backend)
        .with_clock(clock.shared())
        .with_policy(ExpiryPolicy {
            absolute_age: Some(AGE),
            ..ExpiryPolicy::default()
        })
}

/// Writes every 2.2 s, as the probe that found the sliding `Max-Age` did: the age the cookie
/// is sent with falls with the time since creation, and the session ends at the cap.
async fn cap_holds_across_writes(backend: Arc<dyn Backend>, clock: &MockClock) {
    assert!(backend.capabilities().keeps_created_at);
    let store = store(Arc::clone(&backend), clock);
    let session = store.session(None);
    session.insert("n", 0).await.unwrap();
    session.save().await.unwrap();
    let first = session.key().unwrap();
    let mut token = first.clone();
    let mut ages = Vec::new();
    for n in 1..=4 {
        clock.advance(Duration::milliseconds(2200));
        let session = store.session(Some(token.as_str()));
        assert_eq!(
            session.get::<i64>("n").await.unwrap(),
            Some(n - 1),
            "write {n}"
        );
        session.insert("n", n).await.unwrap();
        session.save().await.unwrap();
        ages.push(session.get_expiry_age().await.unwrap());
        token = session.key().unwrap();
    }
    // 2.2, 4.4, 6.6 and 8.8 s after creation: what is left of the 10 s, floored.
    assert_eq!(ages, [7, 5, 3, 1]);
    // The latest token and the first one both die at creation + 10 s.
    clock.advance(Duration::milliseconds(1199));
    assert!(backend.load(&token).await.unwrap().is_some());
    clock.advance(Duration::milliseconds(1));
    for key in [&token, &first] {
        assert!(backend.load(key).await.unwrap().is_none());
        let session = store.session(Some(key.as_str()));
        assert_eq!(session.get::<i64>("n").await.unwrap(), None);
    }
}

#[tokio::test]
async fn signed_cookies_enforce_the_absolute_age() {
    let clock = MockClock::at(datetime!(2023-11-14 22:13:20 UTC));
    let backend = SignedCookieBackend::signed(&keys())
        .with_absolute_age(Some(AGE))
        .with_context(session_core::Context::default().with_clock(clock.shared()));
    cap_holds_across_writes(Arc::new(backend), &clock).await;
}

#[tokio::test]
async fn encrypted_cookies_enforce_the_absolute_age() {
    let clock = MockClock::at(datetime!(2023-11-14 22:13:20 UTC));
    let backend = EncryptedCookieBackend::encrypted(&keys(), "sessionid")
        .with_absolute_age(Some(AGE))
        .with_context(session_core::Context::default().with_clock(clock.shared()));
    cap_holds_across_writes(Arc::new(backend), &clock).await;
}

/// Without the cap, the dict is Django's own: no creation time rides along.
#[tokio::test]
async fn without_the_cap_the_cookie_is_djangos_dict() {
    let clock = MockClock::at(datetime!(2023-11-14 22:13:20 UTC));
    let backend = SignedCookieBackend::signed(&keys())
        .with_context(session_core::Context::default().with_clock(clock.shared()));
    assert!(!backend.capabilities().keeps_created_at);
    let store = SessionStore::new(Arc::new(backend)).with_clock(clock.shared());
    let session = store.session(None);
    session.insert("foo", "bar").await.unwrap();
    session.save().await.unwrap();
    let token: SessionKey = session.key().unwrap();
    // Django's value for {"foo": "bar"} at this instant (Appendix A.3).
    assert_eq!(
        token.as_str(),
        "eyJmb28iOiJiYXIifQ:1r31eq:KCcIQ1QELm68scj-nUkXqIW7odK35L6HruexNeR76os"
    );
}
