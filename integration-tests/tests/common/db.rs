//! Factories for the db engine on each database.

#![allow(clippy::panic)] // a migration that fails fails the test

use std::time::Duration;

use session_conformance::{Fixture, RawAccess, TestContext, Unavailable};
use session_core::{Result, SessionKey, async_trait};
use session_db::DbBackend;
use time::OffsetDateTime;

/// A `DbBackend` on `url`, in a table named after the case, dropped when the case passes.
/// An unreachable server is `Unavailable`; any other failure is the engine's and fails.
pub(crate) async fn db_fixture(
    ctx: TestContext,
    url: String,
    service: &'static str,
) -> std::result::Result<Fixture, Unavailable> {
    let backend = DbBackend::builder(url)
        .table(ctx.namespace.clone())
        .clock(ctx.clock.shared())
        .key_generator(ctx.keys)
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(10))
        .build()
        .await
        .map_err(|err| Unavailable::new(service, err))?;
    backend
        .execute_unprepared("SELECT 1")
        .await
        .map_err(|err| Unavailable::new(service, session_core::error_chain(&err)))?;
    if let Err(err) = backend.migrate().await {
        panic!("migrate on {service}: {}", session_core::error_chain(&err));
    }
    let cleanup = backend.clone();
    Ok(Fixture::new(backend.clone())
        .with_raw(RawDb(backend))
        .with_cleanup(move || async move {
            let drop_table = format!("DROP TABLE {}", cleanup.table());
            let _ = cleanup.execute_unprepared(&drop_table).await;
            cleanup.pool().close().await;
        }))
}

/// Plants rows behind the engine's back. `session_data` is text: bytes that are not UTF-8 are
/// replaced and NULs dropped (no database text type holds them), which keeps them corrupt.
struct RawDb(DbBackend);

#[async_trait]
impl RawAccess for RawDb {
    async fn write_raw(
        &self,
        key: &SessionKey,
        bytes: &[u8],
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let text = String::from_utf8_lossy(bytes).replace('\0', "");
        self.0.insert_raw(key, &text, expires_at).await
    }
}
