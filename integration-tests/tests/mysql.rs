//! The whole conformance suite against MySQL / MariaDB (`SESSIONS_TEST_MYSQL_URL`).

mod common;

use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests, services};

async fn mysql(ctx: TestContext) -> Result<Fixture, Unavailable> {
    common::db_fixture(ctx, services::mysql_url(), "mysql").await
}

conformance_tests!(mysql);

/// The suite again with Django's own `session_data` (`SESSION_CODEC=django`).
mod django {
    use super::*;

    async fn mysql_django(ctx: TestContext) -> Result<Fixture, Unavailable> {
        common::db::django_db_fixture(ctx, services::mysql_url(), "mysql").await
    }

    conformance_tests!(mysql_django);
}
