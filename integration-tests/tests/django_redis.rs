//! Django's layout in Redis (the Redis engine with `KeyLayout::Django` and `PickleCodec`, alone
//! and as the cache of a `CachedBackend` in front of SQLite in Django's format) on our own
//! writers: the contract cases the conformance suite cannot run on them (their
//! liveness is Redis's real-time TTL, which a mock clock cannot move).

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use session_cache::{
    CACHED_DB_KEY_PREFIX, CachedBackend, DjangoCacheKeys, KeyLayout, PickleCodec, RedisBackend,
};
use session_conformance::Unavailable;
use session_conformance::services::{self, skip_or_fail};
use session_core::codec::django::DjangoCodec;
use session_core::settings::Secret;
use session_core::signing::Keyring;
use session_core::{Backend, Data, Error, Expiry, ExpiryPolicy, Record, SessionKey};
use session_db::DbBackend;

/// Both layouts, each under a prefix of its own; `None` when Redis cannot be reached.
async fn engines(case: &str) -> Option<Vec<(&'static str, Arc<dyn Backend>)>> {
    let probe = SessionKey::from_cookie("probeprobe").unwrap();
    let prefix = format!("djtest{}{case}", std::process::id());
    let cache = django_redis(DjangoCacheKeys {
        key_prefix: prefix.clone(),
        ..DjangoCacheKeys::default()
    });
    if let Err(err) = cache.exists(&probe).await {
        skip_or_fail(case, &Unavailable::new("redis", err));
        return None;
    }
    let sqlite = std::env::temp_dir().join(format!("{prefix}.sqlite3"));
    let _ = std::fs::remove_file(&sqlite);
    let keys = Keyring::new(
        Secret::new("django-redis-test-secret-key-django-redis-test-0123456789"),
        Vec::new(),
    )
    .unwrap();
    let store = DbBackend::builder(format!("sqlite://{}", sqlite.display()))
        .codec(DjangoCodec::new(&keys))
        .build()
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let cached = CachedBackend::new(
        django_redis(DjangoCacheKeys {
            key_prefix: prefix,
            engine_prefix: CACHED_DB_KEY_PREFIX.to_owned(),
            ..DjangoCacheKeys::default()
        }),
        store,
    );
    Some(vec![
        ("cache", Arc::new(cache)),
        ("cached_db", Arc::new(cached)),
    ])
}

/// The Redis engine in Django's layout at `keys`.
fn django_redis(keys: DjangoCacheKeys) -> RedisBackend {
    RedisBackend::builder(services::redis_url())
        .layout(KeyLayout::Django(keys))
        .codec(PickleCodec)
        .build()
        .unwrap()
}

fn record(n: i64) -> Record {
    let mut data = Data::new();
    data.insert("n".into(), n.into());
    Record::new(
        data,
        Expiry::Default,
        time::OffsetDateTime::now_utc(),
        &ExpiryPolicy::default(),
    )
    .unwrap()
}

/// Two saves of one loaded version: exactly one wins, every round; a delete racing a save
/// never lets the session come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_saves_and_deletes() {
    let Some(engines) = engines("racing").await else {
        return;
    };
    for (name, backend) in engines {
        for round in 0..30 {
            let stored = backend.create(record(0)).await.unwrap();
            let a = backend.load(&stored.key).await.unwrap().unwrap();
            let b = backend.load(&stored.key).await.unwrap().unwrap();
            let (mut a, mut b) = (a, b.clone());
            Arc::make_mut(&mut a.data).insert("n".into(), 1.into());
            Arc::make_mut(&mut b.data).insert("n".into(), 2.into());
            let (first, second) = tokio::join!(
                tokio::spawn({
                    let (backend, key) = (Arc::clone(&backend), stored.key.clone());
                    async move { backend.save(&key, a).await }
                }),
                tokio::spawn({
                    let (backend, key) = (Arc::clone(&backend), stored.key.clone());
                    async move { backend.save(&key, b).await }
                })
            );
            let outcomes = [first.unwrap(), second.unwrap()];
            let wins = outcomes.iter().filter(|r| r.is_ok()).count();
            assert_eq!(wins, 1, "{name} round {round}: {outcomes:?}");
            assert!(
                outcomes.iter().any(|r| matches!(r, Err(Error::Conflict))),
                "{name} round {round}: {outcomes:?}"
            );

            let loaded = backend.load(&stored.key).await.unwrap().unwrap();
            let (deleted, saved) = tokio::join!(
                tokio::spawn({
                    let (backend, key) = (Arc::clone(&backend), stored.key.clone());
                    async move { backend.delete(&key).await }
                }),
                tokio::spawn({
                    let (backend, key) = (Arc::clone(&backend), stored.key.clone());
                    async move { backend.save(&key, loaded).await }
                })
            );
            deleted.unwrap().unwrap();
            let saved = saved.unwrap();
            assert!(
                matches!(saved, Ok(_) | Err(Error::Gone)),
                "{name}: {saved:?}"
            );
            assert!(
                backend.load(&stored.key).await.unwrap().is_none(),
                "{name} round {round}: resurrected"
            );
        }
    }
}

/// Values Django's cache could hold that are not plain session dicts (a tuple, a set, bytes, a
/// list, garbage) load as absent, never a panic; a record never stored saves as `Gone`.
#[tokio::test]
async fn foreign_values_load_as_absent() {
    let Some(engines) = engines("foreign").await else {
        return;
    };
    let client = redis::Client::open(services::redis_url().as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (_, cache) = &engines[0];
    let cache_keys = DjangoCacheKeys {
        key_prefix: format!("djtest{}foreign", std::process::id()),
        ..DjangoCacheKeys::default()
    };
    let typed = django_redis(cache_keys);
    for (n, value) in [
        &b"\x80\x03}q\x00X\x01\x00\x00\x00tq\x01K\x01K\x02\x86q\x02s."[..],
        b"\x80\x03}q\x00X\x01\x00\x00\x00bq\x01C\x01xq\x02s.",
        b"\x80\x03]q\x00K\x01a.",
        b"garbage",
        b"42",
    ]
    .iter()
    .enumerate()
    {
        let key = SessionKey::from_cookie(&format!("foreignvalue{n:04}")).unwrap();
        let _: () =
            redis::AsyncCommands::set_ex(&mut conn, typed.redis_key(&key).unwrap(), *value, 60)
                .await
                .unwrap();
        assert!(cache.load(&key).await.unwrap().is_none(), "{value:?}");
    }
    let never = SessionKey::from_cookie("neverstored0000").unwrap();
    assert!(matches!(
        cache.save(&never, record(1)).await,
        Err(Error::Gone)
    ));
}
