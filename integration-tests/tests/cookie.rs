//! The conformance suite against both cookie engines (the cases that need server state skip
//! by capability).

use session_conformance::{Fixture, TestContext, Unavailable, conformance_tests};
use session_cookie::{EncryptedCookieBackend, SignedCookieBackend};
use session_core::settings::Secret;
use session_core::signing::Keyring;

fn keys() -> Keyring {
    Keyring::new(
        Secret::new("conformance-secret-key-conformance-secret-key-0123456789"),
        Vec::new(),
    )
    .unwrap_or_else(|err| unreachable!("a non-empty key: {err}"))
}

async fn signed_cookies(ctx: TestContext) -> Result<Fixture, Unavailable> {
    Ok(Fixture::new(
        SignedCookieBackend::signed(&keys())
            .with_context(session_core::Context::default().with_clock(ctx.clock.shared())),
    ))
}

async fn encrypted_cookies(ctx: TestContext) -> Result<Fixture, Unavailable> {
    Ok(Fixture::new(
        EncryptedCookieBackend::encrypted(&keys(), "sessionid")
            .with_context(session_core::Context::default().with_clock(ctx.clock.shared())),
    ))
}

conformance_tests!(signed_cookies);

mod encrypted {
    use super::*;
    conformance_tests!(encrypted_cookies);
}
