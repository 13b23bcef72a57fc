//! The whole conformance suite against SQLite, one temporary database file per case.
//!
//! Declared lacking: nothing with our codec; with Django's (`mod django`), `keeps_created_at`.

mod common;

use session_conformance::{Capability, Fixture, TestContext, Unavailable, conformance_tests};

async fn sqlite(ctx: TestContext) -> Result<Fixture, Unavailable> {
    sqlite_with(ctx, common::db::Codec::Json).await
}

async fn sqlite_with(ctx: TestContext, codec: common::db::Codec) -> Result<Fixture, Unavailable> {
    let dir = std::env::temp_dir().join("sessions-conformance-sqlite");
    std::fs::create_dir_all(&dir).map_err(|err| Unavailable::new("sqlite", err))?;
    let path = dir.join(format!("{}.sqlite3", ctx.namespace));
    let url = format!("sqlite://{}", path.display());
    let fixture = match codec {
        common::db::Codec::Json => common::db_fixture(ctx, url, "sqlite").await?,
        common::db::Codec::Django => common::db::django_db_fixture(ctx, url, "sqlite").await?,
    };
    Ok(fixture.with_cleanup(move || async move {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }))
}

conformance_tests!(sqlite);

/// The suite again with Django's own `session_data` (`SESSION_CODEC=django`).
mod django {
    use super::*;

    async fn sqlite_django(ctx: TestContext) -> Result<Fixture, Unavailable> {
        Ok(sqlite_with(ctx, common::db::Codec::Django).await?.lacks(
            Capability::KeepsCreatedAt,
            "Django's session_data holds only the dict, not when the session began",
        ))
    }

    conformance_tests!(sqlite_django);
}
