//! Factories for the Redis engine, single node and cluster.

use session_cache::RedisBackend;
use session_conformance::{Capability, Fixture, Probe, RawAccess, TestContext, Unavailable};
use session_core::{Backend, Result, SessionKey, async_trait};
use time::OffsetDateTime;

/// A `RedisBackend` on `urls` (one node, or a cluster's nodes separated by commas) under a key
/// prefix of the case's own; its keys are deleted from every node when the case passes.
pub(crate) async fn redis_fixture(
    ctx: TestContext,
    urls: String,
    service: &'static str,
) -> std::result::Result<Fixture, Unavailable> {
    let prefix = format!("{}:", ctx.namespace);
    let backend = redis_backend(ctx, &urls, &prefix, service).await?;
    Ok(Fixture::new(backend.clone())
        .lacks(Capability::UserIndex, "its KeyIndex is not written yet")
        .lacks(
            Capability::CountedSweep,
            "Redis drops each key at its TTL; clear_expired has nothing to do",
        )
        .with_raw(RawRedis(backend.clone()))
        .with_probe(RawRedis(backend))
        .with_cleanup(move || delete_everywhere(urls, prefix)))
}

/// Deletes the keys under `prefix` from every node of `urls`.
pub(crate) async fn delete_everywhere(urls: String, prefix: String) {
    for url in urls.split(',') {
        let _ = delete_prefixed(url.trim(), &prefix).await;
    }
}

/// A `RedisBackend` on `urls` under `prefix`, checked to answer.
pub(crate) async fn redis_backend(
    ctx: TestContext,
    urls: &str,
    prefix: &str,
    service: &'static str,
) -> std::result::Result<RedisBackend, Unavailable> {
    if urls.is_empty() {
        return Err(Unavailable::new(service, "no URL configured"));
    }
    session_conformance::services::reachable(service, urls)?;
    let backend = RedisBackend::builder(urls)
        .layout(session_cache::KeyLayout::braced(prefix))
        .context(ctx.context())
        .build()
        .map_err(|err| Unavailable::new(service, err))?;
    let probe = SessionKey::from_cookie("probeprobeprobe1")
        .ok_or_else(|| Unavailable::new(service, "bad probe key"))?;
    backend
        .exists(&probe)
        .await
        .map_err(|err| Unavailable::new(service, session_core::error_chain(&err)))?;
    Ok(backend)
}

/// Deletes the keys under `prefix` held by the node at `url` (SCAN is fine in a test, never
/// on a request path).
async fn delete_prefixed(url: &str, prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut keys = Vec::new();
    {
        let mut iter: redis::AsyncIter<'_, String> =
            redis::AsyncCommands::scan_match(&mut conn, format!("{prefix}*")).await?;
        while let Some(key) = iter.next_item().await {
            keys.push(key?);
        }
    }
    // One DEL per key: on a cluster node, keys of different slots cannot share a command.
    for key in keys {
        redis::AsyncCommands::del::<_, ()>(&mut conn, key).await?;
    }
    Ok(())
}

/// Plants values behind the engine's back, and sees whether Redis still holds one.
struct RawRedis(RedisBackend);

#[async_trait]
impl Probe for RawRedis {
    async fn holds(&self, key: &SessionKey) -> Result<bool> {
        self.0.holds(key).await
    }
}

#[async_trait]
impl RawAccess for RawRedis {
    async fn write_raw(
        &self,
        key: &SessionKey,
        bytes: &[u8],
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        self.0.write_raw(key, bytes, expires_at).await
    }
}
