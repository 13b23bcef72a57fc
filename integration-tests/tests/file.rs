//! The whole conformance suite against the file engine, one temporary directory per case.

use session_conformance::{Fixture, RawAccess, TestContext, Unavailable, conformance_tests};
use session_core::{Result, SessionKey, async_trait};
use session_file::FileBackend;
use time::OffsetDateTime;

async fn file(ctx: TestContext) -> std::result::Result<Fixture, Unavailable> {
    let dir = tempfile::Builder::new()
        .prefix("sessions-conformance-file-")
        .tempdir()
        .map_err(|err| Unavailable::new("file", err))?;
    let backend = FileBackend::builder(dir.path())
        .clock(ctx.clock.shared())
        .key_generator(ctx.keys)
        .build()
        .map_err(|err| Unavailable::new("file", err))?;
    Ok(Fixture::new(backend.clone())
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
