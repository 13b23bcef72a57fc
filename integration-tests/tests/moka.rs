//! The whole conformance suite against the in-process engine.

use session_cache::MokaBackend;
use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests};

async fn moka(ctx: TestContext) -> Result<Fixture, Unavailable> {
    let backend = MokaBackend::builder().context(ctx.context()).build();
    Ok(Fixture::new(backend))
}

conformance_tests!(moka);

/// The suite also runs through `Arc<dyn Backend>`, as `Engine::from_settings` hands it out.
mod erased {
    use std::sync::Arc;

    use session_core::Backend;

    use super::*;

    async fn erased(ctx: TestContext) -> Result<Fixture, Unavailable> {
        let inner: Arc<dyn Backend> = moka(ctx).await?.backend;
        Ok(Fixture::new(inner))
    }

    conformance_tests!(erased);
}
