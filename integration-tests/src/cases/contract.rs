//! The `Backend` contract (DESIGN §3), operation by operation.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;
use session_core::{Error, Expiry};
use time::Duration;

use super::{Must, data, is_gone, load, require, seed, seed_with};
use crate::{Fixture, TestContext};

/// Loading a key nobody created finds nothing and creates nothing.
pub async fn load_unknown_key_is_none(ctx: TestContext, fixture: Fixture) {
    let unknown = super::fresh_key();
    assert!(fixture.backend.load(&unknown).await.must("load").is_none());
    assert!(!fixture.backend.exists(&unknown).await.must("exists"));
    if fixture.relaxes(crate::Capability::ServerSide) {
        return; // a cookie engine draws no keys: its key is the sealed session
    }
    // Nothing was stored under it: a create that draws exactly that key succeeds with it.
    ctx.keys.push(unknown.clone());
    let stored = fixture
        .backend
        .create(ctx.record(data(json!({"a": 1})), Expiry::Default))
        .await
        .must("create");
    assert_eq!(stored.key, unknown, "the key was free, so create used it");
}

/// What `create` stores is what `load` returns, metadata included.
pub async fn create_then_load_round_trips(ctx: TestContext, fixture: Fixture) {
    let record = ctx.record(
        data(json!({"user": "alice", "n": 1})),
        Expiry::Seconds(3600),
    );
    let stored = fixture.backend.create(record.clone()).await.must("create");
    assert!(stored.key.as_str().len() >= 8);
    let loaded = load(&fixture, &stored.key).await;
    assert_eq!(loaded.data, record.data);
    assert_eq!(loaded.expiry, record.expiry);
    assert_eq!(loaded.created_at, record.created_at);
    assert_eq!(loaded.modified_at, record.modified_at);
    assert_eq!(loaded.expires_at, record.expires_at);
    assert_eq!(
        loaded.version, stored.version,
        "load returns the stored version"
    );
    assert_eq!(
        fixture.backend.exists(&stored.key).await.must("exists"),
        !fixture.relaxes(crate::Capability::ServerSide),
        "exists is true for a stored session (and always false without server state)"
    );
}

/// `create` never overwrites: a generator that repeats a taken key gets another one.
pub async fn create_never_overwrites(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let first = seed(&ctx, &fixture, json!({"owner": "first"})).await;
    ctx.keys.push(first.key.clone());
    let second = seed(&ctx, &fixture, json!({"owner": "second"})).await;
    assert_ne!(second.key, first.key, "a taken key must not be reused");
    assert_eq!(load(&fixture, &first.key).await.data["owner"], "first");
    assert_eq!(load(&fixture, &second.key).await.data["owner"], "second");
}

/// `create` keeps drawing keys until one is free.
pub async fn create_retries_until_a_key_is_free(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let a = seed(&ctx, &fixture, json!({"n": "a"})).await;
    let b = seed(&ctx, &fixture, json!({"n": "b"})).await;
    let free = super::fresh_key();
    for taken in [&a.key, &b.key, &a.key] {
        ctx.keys.push(taken.clone());
    }
    ctx.keys.push(free.clone());
    let c = seed(&ctx, &fixture, json!({"n": "c"})).await;
    assert_eq!(c.key, free);
    assert_eq!(load(&fixture, &a.key).await.data["n"], "a");
    assert_eq!(load(&fixture, &b.key).await.data["n"], "b");
}

/// 100 parallel creates give 100 distinct keys, each holding its own data.
pub async fn parallel_creates_get_distinct_keys(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let mut tasks = Vec::new();
    for n in 0..100 {
        let backend = Arc::clone(&fixture.backend);
        let record = ctx.record(data(json!({ "n": n })), Expiry::Default);
        tasks.push(tokio::spawn(
            async move { (n, backend.create(record).await) },
        ));
    }
    let mut keys = HashSet::new();
    for task in tasks {
        let (n, stored) = task.await.must("join");
        let stored = stored.must("parallel create");
        assert_eq!(load(&fixture, &stored.key).await.data["n"], n);
        assert!(keys.insert(stored.key), "a key was handed out twice");
    }
    assert_eq!(keys.len(), 100);
}

/// A save replaces the data and changes the version; load sees both.
pub async fn save_replaces_and_changes_version(ctx: TestContext, fixture: Fixture) {
    let stored = seed(&ctx, &fixture, json!({"step": 1})).await;
    let mut record = load(&fixture, &stored.key).await;
    let loaded_version = record.version.clone();
    std::sync::Arc::make_mut(&mut record.data).insert("step".into(), json!(2));
    let saved = fixture.backend.save(&stored.key, record).await.must("save");
    let key = saved.key.clone();
    assert_ne!(saved.version, loaded_version, "a save changes the version");
    let reloaded = load(&fixture, &key).await;
    assert_eq!(reloaded.data["step"], 2);
    assert_eq!(reloaded.version, saved.version);
}

/// A save of a version the store no longer holds is a conflict and writes nothing.
pub async fn save_of_stale_version_is_conflict(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ConditionalSave);
    let stored = seed(&ctx, &fixture, json!({"v": 0})).await;
    let original = load(&fixture, &stored.key).await;
    let mut first = original.clone();
    std::sync::Arc::make_mut(&mut first.data).insert("v".into(), json!(1));
    fixture
        .backend
        .save(&stored.key, first)
        .await
        .must("first save");
    let mut stale = original;
    std::sync::Arc::make_mut(&mut stale.data).insert("v".into(), json!(2));
    let result = fixture.backend.save(&stored.key, stale).await;
    assert!(matches!(result, Err(Error::Conflict)), "got {result:?}");
    assert_eq!(
        load(&fixture, &stored.key).await.data["v"],
        1,
        "the stale save wrote nothing"
    );
}

/// Saving under a key that never existed is `Gone` and creates nothing.
pub async fn save_of_missing_key_is_gone(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let missing = super::fresh_key();
    let result = fixture
        .backend
        .save(&missing, ctx.record(data(json!({"a": 1})), Expiry::Default))
        .await;
    assert!(matches!(result, Err(Error::Gone)), "got {result:?}");
    assert!(is_gone(&fixture, &missing).await, "a save must not create");
}

/// Saving a deleted session is `Gone`: logout wins, nothing is resurrected.
pub async fn save_after_delete_is_gone(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed(&ctx, &fixture, json!({"user": "alice"})).await;
    let record = load(&fixture, &stored.key).await;
    fixture.backend.delete(&stored.key).await.must("delete");
    let result = fixture.backend.save(&stored.key, record).await;
    assert!(matches!(result, Err(Error::Gone)), "got {result:?}");
    assert!(
        is_gone(&fixture, &stored.key).await,
        "the deleted session came back"
    );
}

/// Saving an expired session is `Gone` and does not revive it.
pub async fn save_after_expiry_is_gone(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(10)).await;
    let record = load(&fixture, &stored.key).await;
    ctx.clock.advance(Duration::seconds(10));
    let result = fixture.backend.save(&stored.key, record).await;
    assert!(matches!(result, Err(Error::Gone)), "got {result:?}");
    assert!(is_gone(&fixture, &stored.key).await);
}

/// `touch` moves the expiry that `load` sees and leaves the data alone.
pub async fn touch_moves_expiry(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed_with(&ctx, &fixture, json!({"keep": "me"}), Expiry::Seconds(10)).await;
    let new_deadline = ctx.now() + Duration::seconds(100);
    fixture
        .backend
        .touch(&stored.key, new_deadline)
        .await
        .must("touch");
    let loaded = load(&fixture, &stored.key).await;
    assert_eq!(loaded.expires_at, new_deadline);
    assert_eq!(loaded.data["keep"], "me");
    assert_eq!(
        loaded.expiry,
        Expiry::Seconds(10),
        "touch does not change the setting"
    );
}

/// After a touch the session outlives its old deadline.
pub async fn touch_extends_life(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(10)).await;
    fixture
        .backend
        .touch(&stored.key, ctx.now() + Duration::seconds(60))
        .await
        .must("touch");
    ctx.clock.advance(Duration::seconds(30));
    assert!(
        !is_gone(&fixture, &stored.key).await,
        "alive past the old deadline"
    );
    ctx.clock.advance(Duration::seconds(30));
    assert!(
        is_gone(&fixture, &stored.key).await,
        "dead at the new deadline"
    );
}

/// A touch to an earlier deadline shortens the session.
pub async fn touch_can_shorten(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed(&ctx, &fixture, json!({"a": 1})).await;
    fixture
        .backend
        .touch(&stored.key, ctx.now() + Duration::seconds(5))
        .await
        .must("touch");
    ctx.clock.advance(Duration::seconds(5));
    assert!(is_gone(&fixture, &stored.key).await);
}

/// Touching a missing or expired session is `Gone` and creates nothing.
pub async fn touch_of_missing_or_expired_is_gone(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let missing = super::fresh_key();
    let result = fixture
        .backend
        .touch(&missing, ctx.now() + Duration::hours(1))
        .await;
    assert!(
        matches!(result, Err(Error::Gone)),
        "missing: got {result:?}"
    );
    assert!(is_gone(&fixture, &missing).await);

    let stored = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(1)).await;
    ctx.clock.advance(Duration::seconds(1));
    let result = fixture
        .backend
        .touch(&stored.key, ctx.now() + Duration::hours(1))
        .await;
    assert!(
        matches!(result, Err(Error::Gone)),
        "expired: got {result:?}"
    );
    assert!(
        is_gone(&fixture, &stored.key).await,
        "touch revived an expired session"
    );
}

/// `delete` says whether there was a record (live, or expired and not yet cleared), is
/// idempotent and removes only its own key.
pub async fn delete_is_idempotent_and_targeted(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let a = seed(&ctx, &fixture, json!({"n": "a"})).await;
    let b = seed(&ctx, &fixture, json!({"n": "b"})).await;
    let expiring = seed_with(&ctx, &fixture, json!({"n": "e"}), Expiry::Seconds(60)).await;
    assert!(
        fixture.backend.delete(&a.key).await.must("delete"),
        "a record was there"
    );
    assert!(
        !fixture.backend.delete(&a.key).await.must("delete again"),
        "the second delete found a record"
    );
    let never = super::fresh_key();
    assert!(
        !fixture
            .backend
            .delete(&never)
            .await
            .must("delete of an unknown key"),
        "a delete of a key nobody used found a record"
    );
    assert!(is_gone(&fixture, &a.key).await);
    assert_eq!(load(&fixture, &b.key).await.data["n"], "b");
    ctx.clock.advance(Duration::seconds(61));
    assert!(
        fixture
            .backend
            .delete(&expiring.key)
            .await
            .must("delete of an expired record"),
        "a delete of an expired record not yet cleared found nothing"
    );
    assert!(is_gone(&fixture, &expiring.key).await);
}

/// `exists` is true exactly while the record is live.
pub async fn exists_tracks_liveness(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let short = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(5)).await;
    let deleted = seed(&ctx, &fixture, json!({"a": 2})).await;
    assert!(fixture.backend.exists(&short.key).await.must("exists"));
    fixture.backend.delete(&deleted.key).await.must("delete");
    assert!(
        !fixture
            .backend
            .exists(&deleted.key)
            .await
            .must("exists after delete")
    );
    ctx.clock.advance(Duration::seconds(5));
    assert!(
        !fixture
            .backend
            .exists(&short.key)
            .await
            .must("exists after expiry")
    );
}

/// A record is live until just before `expires_at` and dead from it on (Django:
/// `expire_date > now`).
pub async fn expiry_boundary_is_exact(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(10)).await;
    ctx.clock
        .advance(Duration::seconds(10) - Duration::microseconds(1));
    assert!(
        !is_gone(&fixture, &stored.key).await,
        "live 1 µs before the deadline"
    );
    ctx.clock.advance(Duration::microseconds(1));
    assert!(is_gone(&fixture, &stored.key).await, "dead at the deadline");
}

/// An expired record is unreachable by every operation, even before any clean-up.
pub async fn expired_record_is_unreachable(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed_with(
        &ctx,
        &fixture,
        json!({"a": 1}),
        Expiry::At(ctx.now() + Duration::seconds(1)),
    )
    .await;
    let record = load(&fixture, &stored.key).await;
    ctx.clock.advance(Duration::seconds(2));
    assert!(is_gone(&fixture, &stored.key).await);
    assert!(!fixture.backend.exists(&stored.key).await.must("exists"));
    assert!(matches!(
        fixture.backend.save(&stored.key, record).await,
        Err(Error::Gone)
    ));
}

/// `clear_expired` removes the expired records and keeps the live ones.
pub async fn clear_expired_removes_only_expired(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let expiring = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(10)).await;
    let live = seed_with(&ctx, &fixture, json!({"b": 2}), Expiry::Seconds(3600)).await;
    let deadline_now = seed_with(&ctx, &fixture, json!({"c": 3}), Expiry::Seconds(60)).await;
    ctx.clock.advance(Duration::seconds(60));
    let removed = fixture.backend.clear_expired().await.must("clear_expired");
    if fixture.relaxes(crate::Capability::CountedSweep) {
        assert!(removed <= 2, "removed {removed}");
    } else {
        assert_eq!(removed, 2, "the two records at or past their deadline");
    }
    assert!(is_gone(&fixture, &expiring.key).await);
    assert!(is_gone(&fixture, &deadline_now.key).await);
    assert_eq!(load(&fixture, &live.key).await.data["b"], 2);
    let again = fixture
        .backend
        .clear_expired()
        .await
        .must("clear_expired again");
    assert_eq!(again, 0, "a second sweep finds nothing");
}

/// `clear_expired` on a store with nothing expired removes nothing.
pub async fn clear_expired_keeps_live_records(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed(&ctx, &fixture, json!({"a": 1})).await;
    assert_eq!(
        fixture.backend.clear_expired().await.must("clear_expired"),
        0
    );
    assert!(!is_gone(&fixture, &stored.key).await);
}

/// A save keeps `created_at` and moves `modified_at` and `expires_at`.
pub async fn save_keeps_created_at(ctx: TestContext, fixture: Fixture) {
    require!(fixture, KeepsCreatedAt);
    let stored = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(600)).await;
    let mut record = load(&fixture, &stored.key).await;
    let created = record.created_at;
    ctx.clock.advance(Duration::seconds(30));
    record
        .renew(ctx.now(), &session_core::ExpiryPolicy::default())
        .must("renew");
    let saved = fixture.backend.save(&stored.key, record).await.must("save");
    let reloaded = load(&fixture, &saved.key).await;
    assert_eq!(reloaded.created_at, created);
    assert_eq!(reloaded.modified_at, ctx.now());
    assert_eq!(reloaded.expires_at, ctx.now() + Duration::seconds(600));
}

/// Every kind of expiry survives the store.
pub async fn every_expiry_kind_round_trips(ctx: TestContext, fixture: Fixture) {
    let at = ctx.now() + Duration::seconds(7200) + Duration::microseconds(123_456);
    for expiry in [
        Expiry::Default,
        Expiry::BrowserClose,
        Expiry::Seconds(3600),
        Expiry::At(at),
    ] {
        let stored = seed_with(
            &ctx,
            &fixture,
            json!({"kind": format!("{expiry:?}")}),
            expiry,
        )
        .await;
        let loaded = load(&fixture, &stored.key).await;
        assert_eq!(loaded.expiry, expiry);
    }
}
