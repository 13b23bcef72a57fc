//! Factories for the db engine on each database.

#![allow(clippy::panic)] // a migration that fails fails the test

use std::time::Duration;

use session_conformance::{Capability, Fixture, RawAccess, TestContext, Unavailable};
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
    let backend = db_backend(ctx, url, service, Codec::Json).await?;
    Ok(fixture_of(backend))
}

/// As [`db_fixture`], storing Django's own `session_data` (`SESSION_CODEC=django`).
pub(crate) async fn django_db_fixture(
    ctx: TestContext,
    url: String,
    service: &'static str,
) -> std::result::Result<Fixture, Unavailable> {
    let backend = db_backend(ctx, url, service, Codec::Django).await?;
    Ok(fixture_of(backend))
}

/// What `session_data` holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Json,
    Django,
}

/// The secret of Django-mode test tables.
pub(crate) const DJANGO_SECRET: &str = "conformance-django-secret-key-conformance-django-0123";

fn fixture_of(backend: DbBackend) -> Fixture {
    Fixture::new(backend.clone())
        .lacks(Capability::UserIndex, "its KeyIndex is not written yet")
        .with_raw(RawDb(backend.clone()))
        .with_cleanup(move || drop_table(backend))
}

/// The case's table dropped, the pool closed.
pub(crate) async fn drop_table(backend: DbBackend) {
    let drop_table = format!("DROP TABLE {}", backend.table());
    let _ = backend.execute_unprepared(&drop_table).await;
    backend.pool().close().await;
}

/// A migrated `DbBackend` on `url` in a table named after the case.
pub(crate) async fn db_backend(
    ctx: TestContext,
    url: String,
    service: &'static str,
    codec: Codec,
) -> std::result::Result<DbBackend, Unavailable> {
    session_conformance::services::reachable(service, &url)?;
    let mut builder = DbBackend::builder(url);
    if codec == Codec::Django {
        let keys = session_core::signing::Keyring::new(
            session_core::settings::Secret::new(DJANGO_SECRET),
            Vec::new(),
        )
        .map_err(|err| Unavailable::new(service, err))?;
        builder = builder.codec(session_core::codec::django::DjangoCodec::new(&keys));
    }
    let backend = builder
        .table(ctx.namespace.clone())
        .context(ctx.context())
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
    Ok(backend)
}

/// Plants rows behind the engine's back. `session_data` is text: bytes that are not UTF-8 are
/// replaced and NULs dropped (no database text type holds them), which keeps them corrupt.
pub(crate) struct RawDb(pub(crate) DbBackend);

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
