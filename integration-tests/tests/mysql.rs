//! The whole conformance suite against MySQL / MariaDB (`SESSIONS_TEST_MYSQL_URL`).
//!
//! Declared lacking: nothing with our codec; with Django's (`mod django`), `keeps_created_at`.

mod common;

use session_conformance::{
    Capability, Fixture, TestContext, Unavailable, conformance_tests, services,
};

async fn mysql(ctx: TestContext) -> Result<Fixture, Unavailable> {
    common::db_fixture(ctx, services::mysql_url(), "mysql").await
}

conformance_tests!(mysql);

/// The suite again with Django's own `session_data` (`SESSION_CODEC=django`).
mod django {
    use super::*;

    async fn mysql_django(ctx: TestContext) -> Result<Fixture, Unavailable> {
        Ok(
            common::db::django_db_fixture(ctx, services::mysql_url(), "mysql")
                .await?
                .lacks(
                    Capability::KeepsCreatedAt,
                    "Django's session_data holds only the dict, not when the session began",
                ),
        )
    }

    conformance_tests!(mysql_django);
}
