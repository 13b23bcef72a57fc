//! The whole conformance suite against `CachedBackend` (Django's `cached_db`): moka in front
//! of SQLite, and Redis in front of PostgreSQL. Corrupt rows are planted in the store.
//!
//! Declared lacking: nothing (the store sweeps and counts; both engines take the fault plan).

mod common;

use session_cache::{CachedBackend, MokaBackend};
use session_conformance::services::{postgres_url, redis_url};
use session_conformance::{Capability, Fixture, TestContext, Unavailable, conformance_tests};

async fn moka_over_sqlite(ctx: TestContext) -> Result<Fixture, Unavailable> {
    let dir = std::env::temp_dir().join("sessions-conformance-cached");
    std::fs::create_dir_all(&dir).map_err(|err| Unavailable::new("sqlite", err))?;
    let path = dir.join(format!("{}.sqlite3", ctx.namespace));
    let url = format!("sqlite://{}", path.display());
    let cache = MokaBackend::builder().context(ctx.context()).build();
    let store = common::db::db_backend(ctx, url, "sqlite", common::db::Codec::Json).await?;
    Ok(Fixture::new(CachedBackend::new(cache, store.clone()))
        .lacks(Capability::UserIndex, "its KeyIndex is not written yet")
        .with_raw(common::db::RawDb(store.clone()))
        .with_cleanup(move || async move {
            common::db::drop_table(store).await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }))
}

async fn redis_over_postgres(ctx: TestContext) -> Result<Fixture, Unavailable> {
    let prefix = format!("{}:", ctx.namespace);
    let cache = common::redis::redis_backend(ctx.clone(), &redis_url(), &prefix, "redis").await?;
    let store =
        common::db::db_backend(ctx, postgres_url(), "postgres", common::db::Codec::Json).await?;
    Ok(Fixture::new(CachedBackend::new(cache, store.clone()))
        .lacks(Capability::UserIndex, "its KeyIndex is not written yet")
        .with_raw(common::db::RawDb(store.clone()))
        .with_cleanup(move || async move {
            common::db::drop_table(store).await;
            common::redis::delete_everywhere(redis_url(), prefix).await;
        }))
}

mod moka_sqlite {
    use super::*;
    conformance_tests!(moka_over_sqlite);
}

mod redis_postgres {
    use super::*;
    conformance_tests!(redis_over_postgres);
}

/// A cache that is down is logged and not fatal (as Django): every operation still reaches
/// the store, and the session round-trips.
#[tokio::test]
async fn a_cache_that_is_down_is_not_fatal() {
    use std::sync::Arc;
    use std::time::Duration;

    let dead = session_cache::RedisBackend::builder("redis://127.0.0.1:1")
        .connect_timeout(Duration::from_millis(200))
        .command_timeout(Duration::from_millis(200))
        .build()
        .expect("a valid URL");
    let store = session_db::DbBackend::builder("sqlite::memory:")
        .build()
        .await
        .expect("in-memory SQLite");
    store.migrate().await.expect("migrate");
    let sessions = session_core::SessionStore::new(Arc::new(CachedBackend::new(dead, store)));
    let session = sessions.session(None);
    session.insert("cart", ["apple"]).await.expect("insert");
    session.save().await.expect("saved in the store");
    let key = session.key().expect("a key").as_str().to_owned();
    let again = sessions.session(Some(&key));
    assert_eq!(
        again
            .get::<Vec<String>>("cart")
            .await
            .expect("read from the store"),
        Some(vec!["apple".to_owned()])
    );
    again.insert("user", "alice").await.expect("insert");
    again.save().await.expect("saved again");
    again.flush().await.expect("deleted from the store");
    assert_eq!(sessions.session(Some(&key)).len().await.expect("read"), 0);
}
