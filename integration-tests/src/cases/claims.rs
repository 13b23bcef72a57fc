//! What an author would otherwise guess, decided and checked: the capabilities the factory
//! declares, native expiry that really frees records, the version `create` stores and `touch`
//! keeps, and a saved deadline that is never later than the record's.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use session_core::Expiry;
use time::Duration;

use super::{Must, load, require, seed, seed_with};
use crate::{Capability, Fixture, TestContext};

/// How long a store with native expiry may take to drop a record past its deadline.
const NATIVE_EXPIRY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The backend's capabilities and the factory's declarations agree, and each claim comes with
/// the hook that lets the suite check it; an engine declared without the fault hook really
/// never asks for it.
#[allow(clippy::panic)]
pub async fn capabilities_are_declared(ctx: TestContext, fixture: Fixture) {
    let disagreements = fixture.undeclared();
    assert!(disagreements.is_empty(), "{}", disagreements.join("; "));
    if !fixture.has(Capability::FaultHook) {
        let stored = seed(&ctx, &fixture, json!({"a": 1})).await;
        load(&fixture, &stored.key).await;
        assert_eq!(
            ctx.faults.calls(),
            0,
            "the factory declares fault_hook lacking, but the engine calls Context::store_call: \
             drop the declaration so the failure cases run"
        );
    }
    if fixture.has(Capability::StoresBytes) && fixture.raw.is_none() {
        panic!(
            "the engine stores bytes but its fixture gives no RawAccess (Fixture::with_raw): \
             the corrupt-data cases cannot plant bytes"
        );
    }
    let server_side = fixture.has(Capability::ServerSide);
    if server_side && !fixture.has(Capability::CountedSweep) && fixture.probe.is_none() {
        panic!(
            "the engine relies on native expiry but its fixture gives no Probe \
             (Fixture::with_probe): the suite cannot see expired records go"
        );
    }
}

/// Expired records really leave the store: through `clear_expired` on engines that sweep,
/// and on their own (within ten seconds) on engines that rely on native expiry, whether the
/// record was created, saved, touched or cycled last (each must carry its deadline along).
pub async fn expired_records_are_freed(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let Some(probe) = fixture.probe.clone() else {
        // Engines that sweep are checked by the counts of `clear_expired_removes_only_expired`.
        assert!(
            fixture.has(Capability::CountedSweep),
            "native expiry without a probe"
        );
        return;
    };
    let short = Expiry::Seconds(1);
    let created = seed_with(&ctx, &fixture, json!({"via": "create"}), short)
        .await
        .key;
    let saved = {
        let key = seed_with(&ctx, &fixture, json!({"via": "save"}), short)
            .await
            .key;
        let record = load(&fixture, &key).await;
        fixture.backend.save(&key, record).await.must("save").key
    };
    let touched = {
        let key = seed_with(&ctx, &fixture, json!({"via": "touch"}), short)
            .await
            .key;
        let later = ctx.now() + Duration::seconds(1);
        fixture.backend.touch(&key, later).await.must("touch")
    };
    let cycled = {
        let key = seed_with(&ctx, &fixture, json!({"via": "cycle"}), short)
            .await
            .key;
        let record = load(&fixture, &key).await;
        fixture.backend.cycle(&key, record).await.must("cycle").key
    };
    let keys = [created, saved, touched, cycled];
    for key in &keys {
        assert!(
            probe.holds(key).await.must("probe"),
            "the probe does not see a record just written"
        );
    }
    ctx.clock.advance(Duration::seconds(2));
    if fixture.has(Capability::CountedSweep) {
        fixture.backend.clear_expired().await.must("clear_expired");
        for key in &keys {
            assert!(
                !probe.holds(key).await.must("probe"),
                "clear_expired left an expired record in the store"
            );
        }
        return;
    }
    let started = Instant::now();
    for (key, via) in keys.iter().zip(["create", "save", "touch", "cycle"]) {
        while probe.holds(key).await.must("probe") {
            assert!(
                started.elapsed() < NATIVE_EXPIRY_WAIT,
                "the engine claims native expiry, but its store still holds a record last \
                 written by {via} {NATIVE_EXPIRY_WAIT:?} after its deadline"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// A touch is no change of data: a record loaded before it still saves without a conflict.
pub async fn touch_keeps_the_version(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ConditionalSave);
    let stored = seed(&ctx, &fixture, json!({"n": 0})).await;
    let mut record = load(&fixture, &stored.key).await;
    let key = fixture
        .backend
        .touch(&stored.key, ctx.now() + Duration::hours(2))
        .await
        .must("touch");
    assert_eq!(
        load(&fixture, &key).await.version,
        record.version,
        "touch changed the version"
    );
    Arc::make_mut(&mut record.data).insert("n".into(), json!(1));
    fixture
        .backend
        .save(&key, record)
        .await
        .must("a save of the version loaded before the touch");
    assert_eq!(load(&fixture, &key).await.data["n"], 1);
}

/// `create` ignores the record's own version: it returns the version it stored, which `load`
/// then returns, even for a record that was loaded at another version.
pub async fn create_returns_the_version_it_stored(ctx: TestContext, fixture: Fixture) {
    let first = seed(&ctx, &fixture, json!({"n": 0})).await;
    let mut record = load(&fixture, &first.key).await;
    Arc::make_mut(&mut record.data).insert("n".into(), json!(1));
    let saved = fixture.backend.save(&first.key, record).await.must("save");
    let resaved = load(&fixture, &saved.key).await;
    let copy = fixture
        .backend
        .create(resaved)
        .await
        .must("create of a loaded record");
    let loaded = load(&fixture, &copy.key).await;
    assert_eq!(
        loaded.version, copy.version,
        "create returned another version than it stored"
    );
    fixture
        .backend
        .save(&copy.key, loaded)
        .await
        .must("a save of the version create returned");
}

/// A save never stores a deadline later than the record's, earlier or later than before.
pub async fn save_never_extends_the_deadline(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let stored = seed_with(&ctx, &fixture, json!({"a": 1}), Expiry::Seconds(3600)).await;
    for seconds in [600, 7200, 30] {
        let mut record = load(&fixture, &stored.key).await;
        record.expires_at = ctx.now() + Duration::seconds(seconds);
        let wanted = record.expires_at;
        let saved = fixture.backend.save(&stored.key, record).await.must("save");
        let loaded = load(&fixture, &saved.key).await;
        assert!(
            loaded.expires_at <= wanted,
            "saved with a deadline {}s later than the record's",
            (loaded.expires_at - wanted).whole_seconds()
        );
    }
}
