//! Keys outside the engine's syntax (Django's, for a store with none of its own): given by a
//! client, or drawn by a misconfigured generator, they are refused before storage is touched.

use serde_json::json;
use session_core::{Error, Expiry, SessionKey};
use time::Duration;

use super::{Must, data, is_gone, load, require, seed};
use crate::{Fixture, TestContext};

/// Keys outside the engine's syntax are refused or unknown, never a panic, a store error or a
/// write, and (on engines with the fault hook) refused before any store call: path tricks,
/// separators, dots, upper case, over-long keys.
pub async fn hostile_keys_are_refused_safely(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let long = "a".repeat(4000);
    let hostile = [
        "../../../../etc/passwd",
        "..%2f..%2fetc%2fpasswd",
        "a/b/c/d/e/f",
        "abc.def.ghi.jkl",
        "UPPERCASEKEY1234",
        "sessionid_out_tmp1234",
        long.as_str(),
    ];
    let keys: Vec<SessionKey> = hostile
        .iter()
        .map(|text| SessionKey::from_cookie(text).must("a cookie-safe hostile key"))
        .collect();
    let calls = ctx.faults.calls();
    for (text, key) in hostile.iter().zip(&keys) {
        match fixture.backend.load(key).await {
            Ok(None) | Err(Error::InvalidKey { .. }) => {}
            other => panic!("load({text:.20}…): {other:?}"),
        }
        match fixture.backend.exists(key).await {
            Ok(false) | Err(Error::InvalidKey { .. }) => {}
            other => panic!("exists({text:.20}…): {other:?}"),
        }
        let record = ctx.record(data(json!({"x": 1})), Expiry::Default);
        match fixture.backend.save(key, record).await {
            Err(Error::Gone | Error::InvalidKey { .. }) => {}
            other => panic!("save({text:.20}…): {other:?}"),
        }
        match fixture.backend.delete(key).await {
            Ok(_) | Err(Error::InvalidKey { .. }) => {}
            other => panic!("delete({text:.20}…): {other:?}"),
        }
        match fixture
            .backend
            .touch(key, ctx.now() + Duration::hours(1))
            .await
        {
            Err(Error::Gone | Error::InvalidKey { .. }) => {}
            other => panic!("touch({text:.20}…): {other:?}"),
        }
    }
    let after = ctx.faults.calls();
    assert_eq!(
        after,
        calls,
        "{} store calls were made for keys outside the syntax: refuse them first",
        after - calls
    );
    // A cycle of a hostile key is refused before anything is stored.
    let bystander = seed(&ctx, &fixture, json!({"by": "stander"})).await;
    let record = load(&fixture, &bystander.key).await;
    let fresh = super::fresh_key();
    ctx.keys.push(fresh.clone());
    for (text, key) in hostile.iter().zip(&keys) {
        match fixture.backend.cycle(key, record.clone()).await {
            Err(Error::Gone | Error::InvalidKey { .. }) => {}
            other => panic!("cycle({text:.20}…): {other:?}"),
        }
        assert!(
            is_gone(&fixture, &fresh).await,
            "cycle({text:.20}…) stored a record before refusing the key"
        );
    }
    // The engine still works afterwards.
    let stored = seed(&ctx, &fixture, json!({"ok": true})).await;
    assert_eq!(load(&fixture, &stored.key).await.data["ok"], true);
}

/// A drawn key outside the engine's syntax (Django's, for a store with none of its own) is
/// `InvalidKey`, and nothing is stored under it.
pub async fn create_refuses_a_drawn_key_outside_the_syntax(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    for text in [
        "UPPERCASEKEY1234567",
        &"k".repeat(41),
        "key-with-dashes-0123",
    ] {
        let bad = SessionKey::from_cookie(text).must("a cookie-safe key");
        ctx.keys.push(bad.clone());
        let result = fixture
            .backend
            .create(ctx.record(data(json!({"bad": true})), Expiry::Default))
            .await;
        assert!(
            matches!(result, Err(Error::InvalidKey { .. })),
            "create with the drawn key {text:.20}…: {result:?}"
        );
        assert!(
            is_gone(&fixture, &bad).await,
            "something was stored under {text:.20}…"
        );
    }
    let stored = seed(&ctx, &fixture, json!({"ok": true})).await;
    assert_eq!(load(&fixture, &stored.key).await.data["ok"], true);
}
