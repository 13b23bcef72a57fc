//! Django's expiry behaviour on a stored session (reference §1.3, §10.1), and the idle +
//! absolute timeouts beyond Django.

use serde_json::json;
use session_core::{Expiry, ExpiryPolicy, expiry::DEFAULT_COOKIE_AGE};
use time::Duration;

use super::{Must, is_gone, require, saved_session};
use crate::{Fixture, TestContext};

/// Django `test_default_expiry`: the age is `SESSION_COOKIE_AGE`, also after `set_expiry(0)`.
pub async fn default_expiry_is_cookie_age(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    assert_eq!(
        session.get_expiry_age().await.must("age"),
        DEFAULT_COOKIE_AGE
    );
    session
        .set_expiry(Expiry::seconds(0))
        .await
        .must("set_expiry(0)");
    assert_eq!(
        session.get_expiry_age().await.must("age"),
        DEFAULT_COOKIE_AGE
    );
}

/// Django `test_custom_expiry_seconds`: date is now + 10 s, age 10, and both survive a save.
pub async fn custom_expiry_seconds(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session
        .set_expiry(Expiry::seconds(10))
        .await
        .must("set_expiry");
    let expected = ctx.now() + Duration::seconds(10);
    assert_eq!(session.get_expiry_date().await.must("date"), expected);
    assert_eq!(session.get_expiry_age().await.must("age"), 10);
    session.insert("a", 1).await.must("insert");
    session.save().await.must("save");
    let key = session.key().must("key");
    let reopened = ctx.store(&fixture).session(Some(key.as_str()));
    assert_eq!(reopened.get_expiry_age().await.must("age"), 10);
    assert_eq!(reopened.get_expiry_date().await.must("date"), expected);
}

/// Django `test_custom_expiry_timedelta`: a duration becomes a date.
pub async fn custom_expiry_timedelta(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session
        .set_expiry_after(Duration::seconds(10))
        .await
        .must("set_expiry");
    let expected = ctx.now() + Duration::seconds(10);
    assert_eq!(session.get_expiry_date().await.must("date"), expected);
    assert_eq!(session.get_expiry_age().await.must("age"), 10);
    ctx.clock.advance(Duration::seconds(4));
    assert_eq!(
        session.get_expiry_age().await.must("age"),
        6,
        "a date counts down"
    );
}

/// Django `test_custom_expiry_datetime`.
pub async fn custom_expiry_datetime(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    let at = ctx.now() + Duration::seconds(10);
    session.set_expiry(Expiry::At(at)).await.must("set_expiry");
    assert_eq!(session.get_expiry_date().await.must("date"), at);
    assert_eq!(session.get_expiry_age().await.must("age"), 10);
    session.insert("a", 1).await.must("insert");
    session.save().await.must("save");
    let key = session.key().must("key");
    let reopened = ctx.store(&fixture).session(Some(key.as_str()));
    assert_eq!(reopened.get_expiry_date().await.must("date"), at);
}

/// Django `test_custom_expiry_reset`: `None` restores the default.
pub async fn custom_expiry_reset(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session
        .set_expiry(Expiry::Default)
        .await
        .must("set_expiry(None)");
    session
        .set_expiry(Expiry::seconds(10))
        .await
        .must("set_expiry(10)");
    session
        .set_expiry(Expiry::Default)
        .await
        .must("set_expiry(None)");
    assert_eq!(
        session.get_expiry_age().await.must("age"),
        DEFAULT_COOKIE_AGE
    );
}

/// Django `test_get_expire_at_browser_close`: setting × {10, 0, None} gives F,T,F then F,T,T.
pub async fn expire_at_browser_close_matrix(ctx: TestContext, fixture: Fixture) {
    for (setting, expected) in [(false, [false, true, false]), (true, [false, true, true])] {
        let policy = ExpiryPolicy {
            expire_at_browser_close: setting,
            ..ExpiryPolicy::default()
        };
        let session = ctx.store_with(&fixture, policy).session(None);
        for (expiry, want) in [Expiry::seconds(10), Expiry::seconds(0), Expiry::Default]
            .into_iter()
            .zip(expected)
        {
            session.set_expiry(expiry).await.must("set_expiry");
            assert_eq!(
                session
                    .get_expire_at_browser_close()
                    .await
                    .must("at browser close"),
                want,
                "setting {setting}, expiry {expiry:?}"
            );
        }
    }
}

/// Django `test_actual_expiry`: a session saved with a past expiry is gone for the next request.
pub async fn actual_expiry(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let session = store.session(None);
    session.insert("foo", "bar").await.must("insert");
    session
        .set_expiry(Expiry::seconds(-10))
        .await
        .must("set_expiry");
    session.save().await.must("save");
    let key = session.key().must("key");
    let next = store.session(Some(key.as_str()));
    assert!(!next.contains_key("foo").await.must("contains"));
    assert_eq!(next.key(), None);
}

/// Integer expiry is idle time from the last save: each save pushes it back, and it really
/// expires (Django's file and cookie engines never expire it, #19201).
pub async fn idle_expiry_counts_from_last_save(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let (_, key) = saved_session(&store, json!({"n": 0}), Expiry::seconds(10)).await;
    for n in 1..=3 {
        ctx.clock.advance(Duration::seconds(8));
        let request = store.session(Some(key.as_str()));
        request.insert("n", n).await.must("activity");
        request.save().await.must("save");
    }
    ctx.clock.advance(Duration::seconds(9));
    assert!(!is_gone(&fixture, &key).await, "9 s idle of 10");
    ctx.clock.advance(Duration::seconds(1));
    assert!(is_gone(&fixture, &key).await, "10 s idle: expired");
}

/// `Session::touch` (`SESSION_SAVE_EVERY_REQUEST` on an unchanged session) renews the idle
/// expiry without a change to the data.
pub async fn touch_renews_idle_expiry(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let (_, key) = saved_session(&store, json!({"a": 1}), Expiry::seconds(10)).await;
    ctx.clock.advance(Duration::seconds(8));
    let request = store.session(Some(key.as_str()));
    request.touch().await.must("touch");
    assert!(!request.modified(), "a touch is not a change");
    ctx.clock.advance(Duration::seconds(8));
    assert!(!is_gone(&fixture, &key).await, "renewed by the touch");
    ctx.clock.advance(Duration::seconds(2));
    assert!(is_gone(&fixture, &key).await);
}

/// `SESSION_ABSOLUTE_AGE` ends a session however active it is.
pub async fn absolute_age_caps_an_active_session(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    require!(fixture, KeepsCreatedAt);
    let policy = ExpiryPolicy {
        absolute_age: Some(100),
        ..ExpiryPolicy::default()
    };
    let store = ctx.store_with(&fixture, policy);
    let session = store.session(None);
    session.insert("n", 0).await.must("insert");
    session.save().await.must("save");
    let key = session.key().must("key");
    for n in 1..=4 {
        ctx.clock.advance(Duration::seconds(24));
        let request = store.session(Some(key.as_str()));
        request.insert("n", n).await.must("activity");
        request.save().await.must("save");
        assert!(request.get_expiry_age().await.must("age") <= 100 - 24 * n);
    }
    ctx.clock.advance(Duration::seconds(3));
    assert!(!is_gone(&fixture, &key).await, "99 s after creation");
    ctx.clock.advance(Duration::seconds(1));
    assert!(
        is_gone(&fixture, &key).await,
        "100 s after creation: over, despite activity"
    );
}

/// Cycling the key (login) does not restart the absolute timeout.
pub async fn absolute_age_survives_cycle_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let policy = ExpiryPolicy {
        absolute_age: Some(100),
        ..ExpiryPolicy::default()
    };
    let store = ctx.store_with(&fixture, policy);
    let session = store.session(None);
    session.insert("a", 1).await.must("insert");
    session.save().await.must("save");
    ctx.clock.advance(Duration::seconds(60));
    session.cycle_key().await.must("cycle_key");
    let key = session.key().must("key");
    ctx.clock.advance(Duration::seconds(40));
    assert!(
        is_gone(&fixture, &key).await,
        "the cap counts from the first creation"
    );
}

/// `set_expiry(0)` makes a browser-session cookie but the server keeps the record for
/// `SESSION_COOKIE_AGE` after the last save (Django).
pub async fn browser_close_keeps_server_record_for_cookie_age(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let session = ctx.store(&fixture).session(None);
    session
        .set_expiry(Expiry::seconds(0))
        .await
        .must("set_expiry(0)");
    session.insert("a", 1).await.must("insert");
    session.save().await.must("save");
    let key = session.key().must("key");
    assert!(session.get_expire_at_browser_close().await.must("flag"));
    ctx.clock.advance(Duration::seconds(DEFAULT_COOKIE_AGE - 1));
    assert!(!is_gone(&fixture, &key).await);
    ctx.clock.advance(Duration::seconds(1));
    assert!(is_gone(&fixture, &key).await);
}
