//! The whole conformance suite against a 3-master Redis Cluster
//! (`SESSIONS_TEST_REDIS_CLUSTER_URLS`; `scripts/test` starts one on ports 7101–7103), one key
//! prefix per case.
//!
//! Declared lacking (in `common/redis.rs`): `counted_sweep`, Redis drops each key at its TTL;
//! a probe (`EXISTS`) checks that it really does.

mod common;

use session_conformance::services::redis_cluster_urls;
use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests};

async fn redis_cluster(ctx: TestContext) -> Result<Fixture, Unavailable> {
    let urls = redis_cluster_urls().join(",");
    common::redis::redis_fixture(ctx, urls, "redis-cluster").await
}

conformance_tests!(redis_cluster);
