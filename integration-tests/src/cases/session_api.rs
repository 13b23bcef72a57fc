//! Django's `SessionTestsMixin`, dict behaviour: what each operation returns and how it sets
//! `accessed` and `modified` (reference §1.2, §10.1).

use serde_json::{Value, json};
use session_core::{Error, Session};

use super::{Must, key};
use crate::{Fixture, TestContext};

/// A session with `x = 1` that is stored, reopened fresh (not loaded, flags clear).
async fn reopened_with_x(ctx: &TestContext, fixture: &Fixture) -> Session {
    let store = ctx.store(fixture);
    let first = store.session(None);
    first.insert("x", 1).await.must("insert");
    first.save().await.must("save");
    let key = first.key().must("a saved session has a key");
    store.session(Some(key.as_str()))
}

/// Django `test_new_session`: a fresh session is neither accessed nor modified.
pub async fn new_session_is_untouched(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    assert!(!session.accessed());
    assert!(!session.modified());
}

/// Django `test_get_empty`: getting a missing key gives `None`.
pub async fn get_of_missing_key_is_none(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    assert_eq!(session.get::<String>("cat").await.must("get"), None);
    assert!(session.accessed() && !session.modified());
}

/// Django `test_store`: a write marks the session modified; pop returns the value.
pub async fn insert_marks_modified(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session.insert("cat", "cute").await.must("insert");
    assert!(session.modified());
    assert_eq!(
        session.remove::<String>("cat").await.must("pop").as_deref(),
        Some("cute")
    );
}

/// Django `test_pop`: popping a stored key returns it, marks both flags, and removes it.
pub async fn pop_returns_and_removes(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(session.remove::<i64>("x").await.must("pop"), Some(1));
    assert!(session.accessed() && session.modified());
    assert_eq!(session.get::<i64>("x").await.must("get"), None);
}

/// Django `test_pop_default` and `_named_argument`: popping a missing key gives the default
/// (`None` here) and marks only `accessed`.
pub async fn pop_of_missing_key_does_not_modify(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(session.remove_value("missing").await.must("pop"), None);
    assert!(session.accessed() && !session.modified());
}

/// Django `test_pop_no_default_keyerror_raised`: in Rust the miss is `Ok(None)` rather than a
/// `KeyError`, and the session is unchanged.
pub async fn pop_of_missing_key_leaves_data(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(session.remove::<i64>("y").await.must("pop"), None);
    assert_eq!(session.keys().await.must("keys"), ["x"]);
}

/// Django `test_setdefault`: stores once, then returns the existing value.
pub async fn setdefault_stores_once(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    assert_eq!(
        session
            .setdefault("foo", "bar".to_owned())
            .await
            .must("setdefault"),
        "bar"
    );
    assert_eq!(
        session
            .setdefault("foo", "baz".to_owned())
            .await
            .must("setdefault"),
        "bar"
    );
    assert!(session.accessed() && session.modified());

    let reopened = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(reopened.setdefault("x", 5).await.must("setdefault"), 1);
    assert!(!reopened.modified(), "an existing key is not a change");
}

/// Django `test_update`: update marks both flags, even with nothing in it.
pub async fn update_marks_modified(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    session
        .update([("update key".to_owned(), json!(1))])
        .await
        .must("update");
    assert!(session.accessed() && session.modified());
    assert_eq!(session.get::<i64>("update key").await.must("get"), Some(1));

    let reopened = reopened_with_x(&ctx, &fixture).await;
    reopened
        .update(std::iter::empty())
        .await
        .must("empty update");
    assert!(reopened.modified(), "Django marks even an empty update");
}

/// Django `test_has_key`: membership reads without modifying.
pub async fn contains_key_only_reads(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert!(session.contains_key("x").await.must("contains"));
    assert!(!session.contains_key("y").await.must("contains"));
    assert!(session.accessed() && !session.modified());
}

/// Django `test_values`: values, `[]` on an empty session (which counts as accessed).
pub async fn values_only_read(ctx: TestContext, fixture: Fixture) {
    let empty = ctx.store(&fixture).session(None);
    assert!(empty.values().await.must("values").is_empty());
    assert!(empty.accessed());
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(session.values().await.must("values"), [json!(1)]);
    assert!(session.accessed() && !session.modified());
}

/// Django `test_keys`.
pub async fn keys_only_read(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(session.keys().await.must("keys"), ["x"]);
    assert!(session.accessed() && !session.modified());
}

/// Django `test_items`.
pub async fn items_only_read(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(
        session.items().await.must("items"),
        [("x".to_owned(), json!(1))]
    );
    assert!(session.accessed() && !session.modified());
}

/// Django `test_clear`: clear empties the dict and marks both flags.
pub async fn clear_empties_and_marks(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    assert_eq!(session.items().await.must("items").len(), 1);
    session.clear();
    assert!(session.items().await.must("items").is_empty());
    assert!(session.accessed() && session.modified());
}

/// Django `test_test_cookie`: set, check, delete.
pub async fn test_cookie_helpers(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    assert!(!session.test_cookie_worked().await.must("worked?"));
    session.set_test_cookie().await.must("set");
    assert!(session.test_cookie_worked().await.must("worked?"));
    assert_eq!(
        session.get_value("testcookie").await.must("get"),
        Some(Value::from("worked"))
    );
    assert!(session.delete_test_cookie().await.must("delete"));
    assert!(!session.contains_key("testcookie").await.must("contains"));
}

/// Django `test_is_empty`: a fresh session is empty; a keyed one is not, without loading.
pub async fn is_empty_does_not_load(ctx: TestContext, fixture: Fixture) {
    let store = ctx.store(&fixture);
    assert!(store.session(None).is_empty());
    let keyed = reopened_with_x(&ctx, &fixture).await;
    assert!(!keyed.is_empty());
    assert!(!keyed.accessed(), "is_empty does not load");
    let with_data = store.session(None);
    with_data.insert("a", 1).await.must("insert");
    assert!(!with_data.is_empty());
}

/// Django `test_session_key_empty_string_invalid` and `_too_short_invalid`: an empty or
/// 7-character cookie is no key at all.
pub async fn short_cookie_is_no_key(ctx: TestContext, fixture: Fixture) {
    let store = ctx.store(&fixture);
    assert_eq!(store.session(Some("")).key(), None);
    assert_eq!(store.session(Some("1234567")).key(), None);
    assert!(store.session(Some("1234567")).is_empty());
}

/// Django `test_session_key_valid_string_saved`: an 8-character cookie is a key.
pub async fn eight_character_cookie_is_a_key(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(Some("12345678"));
    assert_eq!(session.key(), Some(key("12345678")));
}

/// Writing a reserved `_session_*` key is refused; `_session_expiry` means `set_expiry`.
pub async fn reserved_keys_are_guarded(ctx: TestContext, fixture: Fixture) {
    let session = ctx.store(&fixture).session(None);
    let refused = session.insert("_session_version", 9).await;
    assert!(
        matches!(refused, Err(Error::ReservedKey { .. })),
        "{refused:?}"
    );
    session
        .insert("_session_expiry", 10)
        .await
        .must("insert expiry");
    assert_eq!(session.get_expiry_age().await.must("age"), 10);
    assert!(session.keys().await.must("keys").is_empty());
}

/// `modify` runs the closure on the current value and stores the result.
pub async fn modify_reads_and_writes_one_value(ctx: TestContext, fixture: Fixture) {
    let session = reopened_with_x(&ctx, &fixture).await;
    let n: i64 = session
        .modify("x", |n: Option<i64>| n.unwrap_or(0) + 41)
        .await
        .must("modify");
    assert_eq!(n, 42);
    assert!(session.modified());
    session.save().await.must("save");
    let key = session.key().must("key");
    let again = ctx.store(&fixture).session(Some(key.as_str()));
    assert_eq!(again.get::<i64>("x").await.must("get"), Some(42));
}
