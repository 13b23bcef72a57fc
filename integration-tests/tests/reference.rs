//! The whole conformance suite against the reference engine, the from-scratch example every
//! broken engine of `tests/broken.rs` starts from, with its sessions indexed by user in memory.
//! It lacks nothing.

use session_conformance::{Fixture, ReferenceBackend, TestContext, Unavailable, conformance_tests};
use session_core::users::{Indexed, MemoryKeyIndex};

async fn reference(ctx: TestContext) -> Result<Fixture, Unavailable> {
    let backend = ReferenceBackend::new(ctx.context());
    Ok(
        Fixture::new(Indexed::new(backend.clone(), MemoryKeyIndex::new()))
            .with_raw(backend.clone())
            .with_probe(backend),
    )
}

conformance_tests!(reference);
