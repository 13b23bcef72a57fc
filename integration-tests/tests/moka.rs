//! The whole conformance suite against the in-process engine.
//!
//! Declared lacking: `counted_sweep` (moka drops expired entries itself; the probe checks it)
//! and `stores_bytes` (moka holds records, not bytes).

use std::sync::Arc;

use session_cache::MokaBackend;
use session_conformance::{
    Capability, Fixture, Probe, TestContext, Unavailable, conformance_tests,
};
use session_core::users::{Indexed, MemoryKeyIndex};
use session_core::{Backend, Result, SessionKey, async_trait};

/// The engine's fixture, serving `backend` (the engine itself, or it behind `Arc<dyn Backend>`).
fn fixture(engine: MokaBackend, backend: Arc<dyn Backend>) -> Fixture {
    Fixture::new(Indexed::new(backend, MemoryKeyIndex::new()))
        .lacks(
            Capability::CountedSweep,
            "moka drops entries past their deadline by itself",
        )
        .lacks(Capability::StoresBytes, "moka holds records, not bytes")
        .with_probe(MokaProbe(engine))
}

async fn moka(ctx: TestContext) -> std::result::Result<Fixture, Unavailable> {
    let backend = MokaBackend::builder().context(ctx.context()).build();
    Ok(fixture(backend.clone(), Arc::new(backend)))
}

/// Sees whether moka still holds an entry.
struct MokaProbe(MokaBackend);

#[async_trait]
impl Probe for MokaProbe {
    async fn holds(&self, key: &SessionKey) -> Result<bool> {
        Ok(self.0.holds(key))
    }
}

conformance_tests!(moka);

/// The suite also runs through `Arc<dyn Backend>`, as `Engine::from_settings` hands it out.
mod erased {
    use super::*;

    async fn erased(ctx: TestContext) -> std::result::Result<Fixture, Unavailable> {
        let backend = MokaBackend::builder().context(ctx.context()).build();
        let erased: Arc<dyn Backend> = Arc::new(Arc::new(backend.clone()));
        Ok(fixture(backend, erased))
    }

    conformance_tests!(erased);
}
