//! Redis as the cache of a [`CachedBackend`](crate::CachedBackend): the same values as the
//! engine, version-guarded by a script, tombstones as a marker value.

use redis::AsyncCommands;
use session_core::codec::framed;
use session_core::{Record, Result, SessionKey, async_trait};

use super::{RedisBackend, Retry, scripts, ttl};
use crate::cached::{SessionCache, TOMBSTONE_TTL};

#[async_trait]
impl SessionCache for RedisBackend {
    async fn get(&self, key: &SessionKey) -> Result<Option<Record>> {
        // A tombstone has no header: `load` sees no record (and says nothing of corruption).
        let stored = self.get_value(key).await?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        if stored == scripts::TOMBSTONE_VALUE.as_bytes() {
            return Ok(None);
        }
        Ok(self.decode_live(&stored))
    }

    async fn put(&self, key: &SessionKey, record: &Record) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let version = record.version.as_counter().unwrap_or(0);
        let bytes = framed::encode(record, version)?;
        let ttl = ttl::ttl_millis(record.expires_at, self.now());
        let expires = framed::micros(record.expires_at);
        self.run(Retry::Once, |mut conn| {
            let mut call = scripts::PUT.key(&redis_key);
            call.arg(version).arg(expires).arg(&bytes).arg(ttl);
            async move { call.invoke_async::<i64>(&mut conn).await }
        })
        .await
        .map(drop)
    }

    async fn invalidate(&self, key: &SessionKey) -> Result<()> {
        crate::Backend::delete(self, key).await.map(drop)
    }

    async fn forget(&self, key: &SessionKey) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let ttl = u64::try_from(TOMBSTONE_TTL.as_millis()).unwrap_or(60_000);
        self.run(Retry::Once, |mut conn| {
            let redis_key = redis_key.clone();
            async move {
                conn.pset_ex::<_, _, ()>(redis_key, scripts::TOMBSTONE_VALUE, ttl)
                    .await
            }
        })
        .await
    }
}
