//! The whole conformance suite against MySQL / MariaDB (`SESSIONS_TEST_MYSQL_URL`).

mod common;

use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests, services};

async fn mysql(ctx: TestContext) -> Result<Fixture, Unavailable> {
    common::db_fixture(ctx, services::mysql_url(), "mysql").await
}

conformance_tests!(mysql);
