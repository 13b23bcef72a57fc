//! The whole conformance suite against PostgreSQL (`SESSIONS_TEST_POSTGRES_URL`).

mod common;

use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests, services};

async fn postgres(ctx: TestContext) -> Result<Fixture, Unavailable> {
    common::db_fixture(ctx, services::postgres_url(), "postgres").await
}

conformance_tests!(postgres);

/// The suite again with Django's own `session_data` (`SESSION_CODEC=django`).
mod django {
    use super::*;

    async fn postgres_django(ctx: TestContext) -> Result<Fixture, Unavailable> {
        common::db::django_db_fixture(ctx, services::postgres_url(), "postgres").await
    }

    conformance_tests!(postgres_django);
}
