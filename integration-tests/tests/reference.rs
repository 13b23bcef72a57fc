//! The whole conformance suite against the reference engine, the from-scratch example every
//! broken engine of `tests/broken.rs` starts from. It lacks nothing.

use session_conformance::{Fixture, ReferenceBackend, TestContext, Unavailable, conformance_tests};

async fn reference(ctx: TestContext) -> Result<Fixture, Unavailable> {
    let backend = ReferenceBackend::new(ctx.context());
    Ok(Fixture::new(backend.clone())
        .with_raw(backend.clone())
        .with_probe(backend))
}

conformance_tests!(reference);
