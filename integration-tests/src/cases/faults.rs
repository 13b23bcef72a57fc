//! Failures injected at chosen points: the key generator (every engine) and the store (engines
//! that call `Context::store_call`). A failure is a typed error, never a panic, and a failed
//! `cycle` or `save` never logs the user out or loses the session.

use std::error::Error as _;

use serde_json::json;
use session_core::{Error, Expiry, Record, Result};
use time::Duration;

use super::{is_gone, load, require, seed};
use crate::{Fixture, TestContext};

/// How many store calls into an operation the failure cases try failing at, at most.
const FAILURE_POINTS: u64 = 12;

/// Asserts `result` is a store failure: `Error::Backend` with a source.
#[track_caller]
fn assert_store_failure<T: std::fmt::Debug>(result: &Result<T>, doing: &str) {
    match result {
        Err(err @ Error::Backend { .. }) => assert!(
            err.source().is_some(),
            "{doing}: Error::Backend without the driver's error as source"
        ),
        other => panic!("{doing} on a failing store: expected Error::Backend, got {other:?}"),
    }
}

/// A key generator that fails makes `create` fail with its error, and `cycle` too, leaving the
/// user logged in under the old key.
pub async fn failed_key_generator_fails_create_and_cycle_cleanly(
    ctx: TestContext,
    fixture: Fixture,
) {
    require!(fixture, ServerSide);
    ctx.keys.push_failure();
    let created = fixture
        .backend
        .create(ctx.record(super::data(json!({"a": 1})), Expiry::Default))
        .await;
    assert!(
        matches!(created, Err(Error::Randomness { .. })),
        "create with a failing generator: {created:?}"
    );
    let stored = seed(&ctx, &fixture, json!({"user": "alice"})).await;
    let record = load(&fixture, &stored.key).await;
    ctx.keys.push_failure();
    let cycled = fixture.backend.cycle(&stored.key, record).await;
    assert!(
        matches!(cycled, Err(Error::Randomness { .. })),
        "cycle with a failing generator: {cycled:?}"
    );
    assert_eq!(
        load(&fixture, &stored.key).await.data["user"],
        "alice",
        "a cycle that failed logged the user out"
    );
}

/// Every operation on a store that fails is `Error::Backend` with a source, and nothing was
/// lost once the store is back.
pub async fn failed_store_calls_are_backend_errors(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    require!(fixture, FaultHook);
    let stored = seed(&ctx, &fixture, json!({"user": "alice"})).await;
    let record = load(&fixture, &stored.key).await;
    let key = &stored.key;
    let backend = &fixture.backend;
    let calls_before = ctx.faults.calls();
    assert!(
        calls_before > 0,
        "the engine never calls Context::store_call: build it with TestContext::context(), or \
         declare Capability::FaultHook lacking"
    );
    ctx.faults.fail_after(0);
    assert_store_failure(&backend.load(key).await, "load");
    assert_store_failure(&backend.exists(key).await, "exists");
    assert_store_failure(&backend.save(key, record.clone()).await, "save");
    let later = ctx.now() + Duration::hours(1);
    assert_store_failure(&backend.touch(key, later).await, "touch");
    assert_store_failure(&backend.cycle(key, record.clone()).await, "cycle");
    assert_store_failure(&backend.create(record).await, "create");
    assert_store_failure(&backend.delete(key).await, "delete");
    if !fixture.relaxes(crate::Capability::CountedSweep) {
        // An engine relying on native expiry may sweep without a store call.
        assert_store_failure(&backend.clear_expired().await, "clear_expired");
    }
    ctx.faults.heal();
    assert_eq!(
        load(&fixture, key).await.data["user"],
        "alice",
        "lost after the store came back"
    );
}

/// A `cycle` whose store fails at any point, for good (an outage) or for one call (a blip),
/// leaves the user logged in under the old key, with the data; the first point it gets past
/// every call, it succeeds.
pub async fn failed_cycle_keeps_the_old_key(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    require!(fixture, FaultHook);
    for outage in [true, false] {
        let kind = if outage { "an outage" } else { "a blip" };
        let mut succeeded = false;
        for point in 0..FAILURE_POINTS {
            let stored = seed(&ctx, &fixture, json!({"user": "alice", "point": point})).await;
            let record = load(&fixture, &stored.key).await;
            let calls = ctx.faults.calls();
            if outage {
                ctx.faults.fail_after(point);
            } else {
                ctx.faults.fail_call(point);
            }
            let cycled = fixture.backend.cycle(&stored.key, record).await;
            ctx.faults.heal();
            assert!(
                ctx.faults.calls() > calls,
                "cycle made no store call Context::store_call saw: the engine does not ask"
            );
            let doing = format!("cycle hit by {kind} at store call {point}");
            if let Ok(cycled) = cycled {
                assert!(
                    is_gone(&fixture, &stored.key).await,
                    "{doing}: the old key survived"
                );
                assert_eq!(load(&fixture, &cycled.key).await.data["point"], point);
                succeeded = true;
                break;
            }
            assert_store_failure(&cycled, &doing);
            let kept: Record = load(&fixture, &stored.key).await;
            assert_eq!(kept.data["user"], "alice", "{doing} logged the user out");
        }
        assert!(
            succeeded,
            "cycle never succeeded within {FAILURE_POINTS} store calls"
        );
    }
}

/// A `save` whose store fails at any point leaves the session as it was or as saved, never
/// gone or torn.
pub async fn failed_save_never_loses_the_session(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    require!(fixture, FaultHook);
    let stored = seed(&ctx, &fixture, json!({"step": 0})).await;
    for point in 0..FAILURE_POINTS {
        let mut record = load(&fixture, &stored.key).await;
        let before = record.data["step"].clone();
        std::sync::Arc::make_mut(&mut record.data).insert("step".into(), json!(point + 1));
        let calls = ctx.faults.calls();
        ctx.faults.fail_after(point);
        let saved = fixture.backend.save(&stored.key, record).await;
        ctx.faults.heal();
        assert!(
            ctx.faults.calls() > calls,
            "save made no store call Context::store_call saw: the engine does not ask"
        );
        let after = load(&fixture, &stored.key).await.data["step"].clone();
        match saved {
            Ok(_) => {
                assert_eq!(after, json!(point + 1));
                return;
            }
            Err(_) => {
                assert_store_failure(&saved, &format!("save failing at store call {point}"));
                assert!(
                    after == before || after == json!(point + 1),
                    "a save failing at store call {point} left {after}"
                );
            }
        }
    }
    panic!("save never succeeded within {FAILURE_POINTS} store calls");
}
