//! The whole conformance suite against a single Redis node (`SESSIONS_TEST_REDIS_URL`), one
//! key prefix per case.
//!
//! Declared lacking (in `common/redis.rs`): `counted_sweep`, Redis drops each key at its TTL;
//! a probe (`EXISTS`) checks that it really does.

mod common;

use session_conformance::services::redis_url;
use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests};

async fn redis(ctx: TestContext) -> Result<Fixture, Unavailable> {
    common::redis::redis_fixture(ctx, redis_url(), "redis").await
}

conformance_tests!(redis);
