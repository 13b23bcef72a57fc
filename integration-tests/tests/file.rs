//! The whole conformance suite against the file engine, one temporary directory per case.
//!
//! Declared lacking: nothing with our codec; with Django's (`mod django`), `keeps_created_at`.

use session_conformance::{
    Capability, Fixture, RawAccess, TestContext, Unavailable, conformance_tests,
};
use session_core::codec::django::DjangoCodec;
use session_core::settings::Secret;
use session_core::signing::Keyring;
use session_core::{Result, SessionKey, async_trait};
use session_file::FileBackend;
use time::OffsetDateTime;

async fn file(ctx: TestContext) -> std::result::Result<Fixture, Unavailable> {
    file_with(ctx, false).await
}

async fn file_with(ctx: TestContext, django: bool) -> std::result::Result<Fixture, Unavailable> {
    let dir = tempfile::Builder::new()
        .prefix("sessions-conformance-file-")
        .tempdir()
        .map_err(|err| Unavailable::new("file", err))?;
    let mut builder = FileBackend::builder(dir.path()).context(ctx.context());
    if django {
        let keys = Keyring::new(Secret::new(DJANGO_SECRET), Vec::new())
            .map_err(|err| Unavailable::new("file", err))?;
        builder = builder.codec(DjangoCodec::new(&keys));
    }
    let backend = builder
        .build()
        .map_err(|err| Unavailable::new("file", err))?;
    Ok(Fixture::new(backend.clone())
        .lacks(Capability::UserIndex, "its KeyIndex is not written yet")
        .with_raw(RawFile(backend))
        .with_cleanup(move || async move { drop(dir) }))
}

/// Plants files behind the engine's back (their bytes as given: no header, so corrupt).
struct RawFile(FileBackend);

#[async_trait]
impl RawAccess for RawFile {
    async fn write_raw(&self, key: &SessionKey, bytes: &[u8], _: OffsetDateTime) -> Result<()> {
        self.0.write_raw(key, bytes).await
    }
}

conformance_tests!(file);

const DJANGO_SECRET: &str = "conformance-django-secret-key-conformance-django-0123";

/// The suite again on Django's own layout (`SESSION_CODEC=django`).
mod django {
    use super::*;

    async fn file_django(ctx: TestContext) -> std::result::Result<Fixture, Unavailable> {
        Ok(file_with(ctx, true).await?.lacks(
            Capability::KeepsCreatedAt,
            "Django's session_data holds only the dict, not when the session began",
        ))
    }

    conformance_tests!(file_django);
}
