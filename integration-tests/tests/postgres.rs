//! The whole conformance suite against PostgreSQL (`SESSIONS_TEST_POSTGRES_URL`).

mod common;

use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests, services};

async fn postgres(ctx: TestContext) -> Result<Fixture, Unavailable> {
    common::db_fixture(ctx, services::postgres_url(), "postgres").await
}

conformance_tests!(postgres);
