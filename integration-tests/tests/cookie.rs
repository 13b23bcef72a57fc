//! The conformance suite against both cookie engines (the cases that need server state skip
//! by capability).
//!
//! Declared lacking, with reasons in `cookie_fixture`: `server_side`, `conditional_save` (no
//! lost-update guarantee), `counted_sweep`, `stores_bytes`, `keeps_created_at`, `fault_hook`.

use session_conformance::{Capability, Fixture, TestContext, Unavailable, conformance_tests};
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

/// What a cookie engine lacks, and why: the session is the cookie.
fn cookie_fixture(backend: impl session_core::Backend + 'static) -> Fixture {
    Fixture::new(backend)
        .lacks(
            Capability::ServerSide,
            "the session is the cookie; a copy the client kept stays valid until it expires",
        )
        .lacks(
            Capability::ConditionalSave,
            "a cookie has no stored version to compare: the last response's cookie wins",
        )
        .lacks(
            Capability::CountedSweep,
            "nothing is stored; a cookie dies with its signed timestamp",
        )
        .lacks(Capability::StoresBytes, "nothing is stored on the server")
        .lacks(
            Capability::KeepsCreatedAt,
            "Django's cookie holds only the dict (SESSION_ABSOLUTE_AGE is not set here)",
        )
        .lacks(Capability::FaultHook, "there is no store to fail")
        .lacks(
            Capability::UserIndex,
            "nothing on the server to list; log out everywhere is a per-user marker checked on load",
        )
}

async fn signed_cookies(ctx: TestContext) -> Result<Fixture, Unavailable> {
    Ok(cookie_fixture(
        SignedCookieBackend::signed(&keys())
            .with_context(session_core::Context::default().with_clock(ctx.clock.shared())),
    ))
}

async fn encrypted_cookies(ctx: TestContext) -> Result<Fixture, Unavailable> {
    Ok(cookie_fixture(
        EncryptedCookieBackend::encrypted(&keys(), "sessionid")
            .with_context(session_core::Context::default().with_clock(ctx.clock.shared())),
    ))
}

conformance_tests!(signed_cookies);

mod encrypted {
    use super::*;
    conformance_tests!(encrypted_cookies);
}
