//! Django's `SessionTestsMixin`, lifecycle: save, delete, flush, cycle, keys that are not
//! adopted, and no resurrection (reference §1.4, §10.1).

use serde_json::json;
use session_core::{Error, Session, SessionStore};

use super::{Must, is_gone, require};
use crate::{Fixture, TestContext};

async fn saved(store: &SessionStore, value: serde_json::Value) -> Session {
    super::saved_session(store, value, session_core::Expiry::Default)
        .await
        .0
}

/// Django `test_save`: after a save the key exists in the store.
pub async fn save_stores_the_session(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let session = saved(&ctx.store(&fixture), json!({"a": 1})).await;
    let key = session.key().must("a saved session has a key");
    assert!(fixture.backend.exists(&key).await.must("exists"));
}

/// Django `test_delete`: deleting the key removes it.
pub async fn delete_removes_the_session(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let session = saved(&ctx.store(&fixture), json!({"a": 1})).await;
    let key = session.key().must("key");
    fixture.backend.delete(&key).await.must("delete");
    assert!(!fixture.backend.exists(&key).await.must("exists"));
}

/// Django `test_flush`: flush deletes the record now, drops the key, marks both flags.
pub async fn flush_deletes_and_forgets_the_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let session = saved(&store, json!({"foo": "bar"})).await;
    let old = session.key().must("key");
    session.flush().await.must("flush");
    assert!(!fixture.backend.exists(&old).await.must("exists"));
    assert_eq!(session.key(), None);
    assert!(session.accessed() && session.modified());
    assert!(session.is_empty(), "the middleware will delete the cookie");
    assert_eq!(session.get::<String>("foo").await.must("get"), None);
    // Replaying the old cookie gives an anonymous session.
    let replay = store.session(Some(old.as_str()));
    assert_eq!(replay.get::<String>("foo").await.must("get"), None);
    assert_eq!(replay.key(), None);
}

/// Django `test_cycle`: a new key, the same items, the old key gone.
pub async fn cycle_key_keeps_items(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let session = saved(&ctx.store(&fixture), json!({"a": "c", "b": "d"})).await;
    let before = session.items().await.must("items");
    let old = session.key().must("key");
    session.cycle_key().await.must("cycle_key");
    let new = session.key().must("key after cycle");
    assert_ne!(new, old);
    assert!(!fixture.backend.exists(&old).await.must("old exists"));
    assert_eq!(session.items().await.must("items"), before);
    assert!(session.modified());
    let reopened = ctx.store(&fixture).session(Some(new.as_str()));
    assert_eq!(reopened.items().await.must("items"), before);
}

/// Django `test_cycle_with_no_session_cache` (#28066): cycling a session that was never read
/// keeps its data.
pub async fn cycle_key_of_unread_session_keeps_data(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let first = saved(&store, json!({"a": "c"})).await;
    let key = first.key().must("key");
    let unread = store.session(Some(key.as_str()));
    unread.cycle_key().await.must("cycle_key");
    assert_eq!(
        unread.get::<String>("a").await.must("get").as_deref(),
        Some("c")
    );
    let new = unread.key().must("key");
    assert_ne!(new, key);
    assert!(is_gone(&fixture, &key).await);
}

/// Cycling a brand-new session stores it at once (login before anything was saved).
pub async fn cycle_key_of_new_session_stores_it(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session.insert("cart", ["apple"]).await.must("insert");
    session.cycle_key().await.must("cycle_key");
    let key = session.key().must("a key after cycling");
    let reopened = ctx.store(&fixture).session(Some(key.as_str()));
    assert_eq!(
        reopened.get_value("cart").await.must("get"),
        Some(json!(["apple"]))
    );
}

/// Django `test_save_doesnt_clear_data`.
pub async fn save_keeps_the_data_readable(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session.insert("a", "b").await.must("insert");
    session.save().await.must("save");
    assert_eq!(
        session.get::<String>("a").await.must("get").as_deref(),
        Some("b")
    );
}

/// Django `test_invalid_key`: a session opened with a key nobody issued saves under a new key
/// and sees none of the data.
pub async fn unknown_key_saves_under_a_new_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let forged = super::fresh_key();
    let session = store.session(Some(forged.as_str()));
    assert_eq!(session.get::<String>("cat").await.must("get"), None);
    session.insert("cat", "cute").await.must("insert");
    session.save().await.must("save");
    let issued = session.key().must("a key");
    assert_ne!(issued, forged, "a client-chosen key is never adopted");
    assert!(!fixture.backend.exists(&forged).await.must("exists"));
    assert!(fixture.backend.exists(&issued).await.must("exists"));
}

/// Django `test_session_load_does_not_create_record`: loading an unknown key drops the key and
/// stores nothing.
pub async fn load_of_unknown_key_creates_nothing(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let forged = super::fresh_key();
    let session = ctx.store(&fixture).session(Some(forged.as_str()));
    assert!(session.items().await.must("items").is_empty());
    assert_eq!(session.key(), None);
    assert!(!fixture.backend.exists(&forged).await.must("exists"));
}

/// Django `test_session_save_does_not_resurrect_session_logged_out_in_other_context`.
pub async fn save_after_logout_elsewhere_is_gone(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let s1 = saved(&store, json!({"test_data": "value1"})).await;
    let key = s1.key().must("key");
    let s2 = store.session(Some(key.as_str()));
    s2.flush().await.must("logout elsewhere");
    s1.insert("test_data", "value2").await.must("insert");
    let result = s1.save().await;
    assert!(matches!(result, Err(Error::Gone)), "got {result:?}");
    assert!(is_gone(&fixture, &key).await, "the session was resurrected");
}

/// Django `test_empty_session_saved`: a keyed session emptied by removing its keys is still
/// saved (and stays keyed).
pub async fn emptied_session_is_still_saved(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    let first = saved(&store, json!({"foo": "bar"})).await;
    let key = first.key().must("key");
    let second = store.session(Some(key.as_str()));
    second.remove_value("foo").await.must("del");
    assert!(!second.is_empty(), "keyed: not empty");
    second.save().await.must("save");
    let record = super::load(&fixture, &key).await;
    assert!(
        record.data.is_empty(),
        "the stored session is empty, not stale"
    );
}
