//! The `cycle` contract: the data moves to a new key, the old key dies, and a key that no
//! longer holds a record cannot be cycled (so racing logins leave one session).

use std::sync::Arc;

use serde_json::json;
use session_core::{Error, SessionKey};

use super::{Must, is_gone, load, require, seed};
use crate::{Fixture, TestContext};

/// `cycle` keeps the data under a new key and kills the old one.
pub async fn cycle_keeps_data_and_kills_old_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed(&ctx, &fixture, json!({"cart": ["apple"]})).await;
    let record = load(&fixture, &stored.key).await;
    let cycled = fixture
        .backend
        .cycle(&stored.key, record)
        .await
        .must("cycle");
    assert_ne!(cycled.key, stored.key);
    assert_eq!(
        load(&fixture, &cycled.key).await.data["cart"],
        json!(["apple"])
    );
    assert!(
        is_gone(&fixture, &stored.key).await,
        "the old key still loads"
    );
    assert!(!fixture.backend.exists(&stored.key).await.must("exists"));
}

/// `cycle` of a key that holds no record (logged out, or cycled already) is `Gone`, and leaves
/// no new record behind.
pub async fn cycle_of_a_dead_key_is_gone_and_leaves_nothing(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed(&ctx, &fixture, json!({"cart": ["apple"]})).await;
    let record = load(&fixture, &stored.key).await;
    fixture.backend.delete(&stored.key).await.must("delete");
    let fresh = super::fresh_key();
    ctx.keys.push(fresh.clone());
    let cycled = fixture.backend.cycle(&stored.key, record).await;
    assert!(
        matches!(cycled, Err(Error::Gone)),
        "cycle of a deleted key: {cycled:?}"
    );
    assert!(
        is_gone(&fixture, &fresh).await,
        "the cycle left a record behind"
    );
    assert!(is_gone(&fixture, &stored.key).await);
}

/// Twenty concurrent cycles of one key (twenty logins racing on one session): exactly one
/// succeeds, the others are `Gone`, and one session is left, not twenty.
pub async fn concurrent_cycles_of_one_key_leave_one_session(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed(&ctx, &fixture, json!({"user": "alice"})).await;
    let record = load(&fixture, &stored.key).await;
    let fresh: Vec<SessionKey> = (0..20).map(|_| super::fresh_key()).collect();
    for key in &fresh {
        ctx.keys.push(key.clone());
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let backend = Arc::clone(&fixture.backend);
            let (old, record) = (stored.key.clone(), record.clone());
            super::spawn_at(&barrier, async move { backend.cycle(&old, record).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.must("join") {
            Ok(cycled) => winners.push(cycled.key),
            Err(Error::Gone) => {}
            Err(err) => panic!("a concurrent cycle failed: {err}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent cycle wins");
    let mut live = Vec::new();
    for key in &fresh {
        if !is_gone(&fixture, key).await {
            live.push(key.clone());
        }
    }
    assert_eq!(live, winners, "only the winner's session is left");
    assert_eq!(load(&fixture, &winners[0]).await.data["user"], "alice");
    assert!(is_gone(&fixture, &stored.key).await);
}

/// `cycle` never lands on another live session's key.
pub async fn cycle_never_takes_a_live_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let other = seed(&ctx, &fixture, json!({"owner": "other"})).await;
    let mine = seed(&ctx, &fixture, json!({"owner": "me"})).await;
    ctx.keys.push(other.key.clone());
    let record = load(&fixture, &mine.key).await;
    let cycled = fixture.backend.cycle(&mine.key, record).await.must("cycle");
    assert_ne!(cycled.key, other.key);
    assert_eq!(load(&fixture, &other.key).await.data["owner"], "other");
    assert_eq!(load(&fixture, &cycled.key).await.data["owner"], "me");
}
