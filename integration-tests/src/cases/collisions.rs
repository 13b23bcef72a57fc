//! Key collisions the generator forces: with expired records not yet cleared, many at once,
//! up to the attempt limit and past it.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;
use session_core::{Error, Expiry};
use time::Duration;
use tokio::sync::Barrier;

use super::{Must, data, is_gone, load, require, seed, seed_with, spawn_at};
use crate::{CREATE_ATTEMPTS, Fixture, TestContext};

/// An expired record the store has not cleared still takes its key: neither `create` nor
/// `cycle` overwrites it.
pub async fn expired_records_not_yet_cleared_still_collide(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    // A minute of life by the case's clock: a store with its own expiry (real time) keeps it.
    let expired = seed_with(&ctx, &fixture, json!({"old": true}), Expiry::Seconds(60)).await;
    let mine = seed_with(&ctx, &fixture, json!({"me": 1}), Expiry::Seconds(3600)).await;
    let record = load(&fixture, &mine.key).await;
    ctx.clock.advance(Duration::seconds(61));
    assert!(
        is_gone(&fixture, &expired.key).await,
        "expired by the clock"
    );

    ctx.keys.push(expired.key.clone());
    let created = seed(&ctx, &fixture, json!({"new": true})).await;
    assert_ne!(
        created.key, expired.key,
        "create overwrote an expired record that was not cleared yet"
    );
    ctx.keys.push(expired.key.clone());
    let cycled = fixture.backend.cycle(&mine.key, record).await.must("cycle");
    assert_ne!(
        cycled.key, expired.key,
        "cycle overwrote an expired record that was not cleared yet"
    );
    assert_eq!(load(&fixture, &cycled.key).await.data["me"], 1);
}

/// Sixteen creates at once, each first drawing the same key: exactly one gets it, the others
/// draw again, and every session keeps its own data.
pub async fn concurrent_creates_forced_onto_one_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    const WRITERS: usize = 16;
    for round in 0..4 {
        let shared = super::fresh_key();
        for _ in 0..WRITERS {
            ctx.keys.push(shared.clone());
        }
        let barrier = Arc::new(Barrier::new(WRITERS));
        let tasks: Vec<_> = (0..WRITERS)
            .map(|n| {
                let backend = Arc::clone(&fixture.backend);
                let record = ctx.record(data(json!({ "writer": n })), Expiry::Default);
                spawn_at(&barrier, async move { (n, backend.create(record).await) })
            })
            .collect();
        let mut keys = HashSet::new();
        let mut holders = Vec::new();
        for task in tasks {
            let (n, stored) = task.await.must("join");
            let stored = stored.must("a create forced onto a taken key draws again");
            if stored.key == shared {
                holders.push(n);
            }
            assert!(
                keys.insert(stored.key.clone()),
                "round {round}: one key was handed to two creates"
            );
            assert_eq!(
                load(&fixture, &stored.key).await.data["writer"],
                n,
                "round {round}: writer {n}'s session holds another's data"
            );
        }
        assert_eq!(
            holders.len(),
            1,
            "round {round}: the shared key went to {holders:?}"
        );
    }
}

/// `create` draws past collisions up to the context's limit, and past it gives up with
/// `NoFreeKey`, storing nothing.
pub async fn create_tries_the_attempt_limit_then_gives_up(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let taken = seed(&ctx, &fixture, json!({"n": "taken"})).await;
    let free = super::fresh_key();
    for _ in 1..CREATE_ATTEMPTS {
        ctx.keys.push(taken.key.clone());
    }
    ctx.keys.push(free.clone());
    let last_try = seed(&ctx, &fixture, json!({"n": "last"})).await;
    assert_eq!(
        last_try.key, free,
        "the last allowed draw was free and must be used"
    );

    let unused = super::fresh_key();
    for _ in 0..CREATE_ATTEMPTS {
        ctx.keys.push(taken.key.clone());
    }
    ctx.keys.push(unused.clone());
    let result = fixture
        .backend
        .create(ctx.record(data(json!({"n": "none"})), Expiry::Default))
        .await;
    assert!(
        matches!(result, Err(Error::NoFreeKey { attempts }) if attempts == CREATE_ATTEMPTS),
        "after {CREATE_ATTEMPTS} taken keys: {result:?}"
    );
    assert!(
        is_gone(&fixture, &unused).await,
        "create went past the attempt limit"
    );
    assert_eq!(load(&fixture, &taken.key).await.data["n"], "taken");
}
