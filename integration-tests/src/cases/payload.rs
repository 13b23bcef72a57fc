//! What the store must carry unchanged: size, Unicode, order, every JSON type; and what it must
//! survive: corrupt bytes.

use serde_json::{Value, json};
use session_core::Expiry;

use super::{Must, is_gone, load, require, seed};
use crate::{Fixture, TestContext};

/// A 64 KiB value round-trips.
pub async fn large_payload_round_trips(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let big: String = (0..64 * 1024u32)
        .map(|i| char::from_u32(u32::from('a') + i % 26).unwrap_or('a'))
        .collect();
    let stored = seed(&ctx, &fixture, json!({"blob": big, "after": 1})).await;
    let loaded = load(&fixture, &stored.key).await;
    assert_eq!(loaded.data["blob"].as_str().map(str::len), Some(64 * 1024));
    assert_eq!(loaded.data["blob"], Value::String(big));
    assert_eq!(loaded.data["after"], 1);
}

/// Non-ASCII keys and values (accents, Cyrillic, CJK, emoji, escapes) round-trip, in order.
pub async fn unicode_round_trips_in_order(ctx: TestContext, fixture: Fixture) {
    let value = json!({
        "zèbre": "José 🎉",
        "ключ": "значение",
        "名前": ["東京", {"深い": "値"}],
        "emoji🔑": "👩‍👩‍👧",
        "quote\"back\\slash": "tab\tnew\nline\u{0}nul",
        "a": "ascii",
    });
    let stored = seed(&ctx, &fixture, value.clone()).await;
    let loaded = load(&fixture, &stored.key).await;
    assert_eq!(Value::Object((*loaded.data).clone()), value);
    let keys: Vec<&str> = loaded.data.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "zèbre",
            "ключ",
            "名前",
            "emoji🔑",
            "quote\"back\\slash",
            "a"
        ],
        "insertion order kept"
    );
}

/// 200 keys inserted in a scrambled order come back in that order (Django's dicts keep it, and
/// signed bytes depend on it).
pub async fn many_keys_keep_insertion_order(ctx: TestContext, fixture: Fixture) {
    let order: Vec<String> = (0..200)
        .map(|i| format!("k{:03}", (i * 73) % 200))
        .collect();
    let mut map = session_core::Data::new();
    for (i, name) in order.iter().enumerate() {
        map.insert(name.clone(), json!(i));
    }
    let stored = fixture
        .backend
        .create(ctx.record(map, Expiry::Default))
        .await
        .must("create");
    let loaded = load(&fixture, &stored.key).await;
    let keys: Vec<&String> = loaded.data.keys().collect();
    assert_eq!(keys, order.iter().collect::<Vec<_>>());
}

/// Every JSON type round-trips exactly.
pub async fn every_json_type_round_trips(ctx: TestContext, fixture: Fixture) {
    let value = json!({
        "null": null,
        "true": true,
        "false": false,
        "int": 42,
        "negative": -7,
        "big": u64::MAX,
        "small": i64::MIN,
        "float": 3.25,
        "tiny": 1.0e-300,
        "string": "",
        "array": [1, "two", [3], {"four": 4}],
        "object": {"nested": {"deeper": [null]}},
    });
    let stored = seed(&ctx, &fixture, value.clone()).await;
    let loaded = load(&fixture, &stored.key).await;
    assert_eq!(Value::Object((*loaded.data).clone()), value);
}

/// Corrupt stored bytes load as `None` (logged as a warning), never a panic or an error.
pub async fn corrupt_data_loads_as_none(ctx: TestContext, fixture: Fixture) {
    require!(fixture, StoresBytes);
    let raw = fixture.raw.clone().must(
        "the engine stores bytes, so its fixture must give raw access (Fixture::with_raw) or \
         declare Capability::StoresBytes lacking",
    );
    let expires_at = ctx.now() + time::Duration::hours(1);
    let cases: [&[u8]; 6] = [
        b"",
        b"not json at all",
        b"{\"truncated\":",
        b"\xff\xfe\x00garbage",
        b"[1,2,3]",
        b"bad:encoded:value",
    ];
    for bytes in cases {
        let key = super::fresh_key();
        raw.write_raw(&key, bytes, expires_at)
            .await
            .must("plant corrupt bytes");
        let loaded = fixture.backend.load(&key).await;
        assert!(matches!(loaded, Ok(None)), "{bytes:?} loaded as {loaded:?}");
        assert!(is_gone(&fixture, &key).await);
    }
    let stored = seed(&ctx, &fixture, json!({"still": "works"})).await;
    assert_eq!(load(&fixture, &stored.key).await.data["still"], "works");
}
