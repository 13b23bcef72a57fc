//! Redis as the cache of a [`CachedBackend`](crate::CachedBackend): the same values as the
//! engine, tombstones as a marker value. With a header (ours) a script refuses writes older
//! than what is cached; without one (Django's pickles) only tombstones are guarded, and cached
//! records carry a fingerprint instead of the store's version.

use redis::AsyncCommands;
use session_core::codec::framed;
use session_core::{Record, Result, SessionKey, Version, async_trait};

use super::{RedisBackend, Retry, scripts, ttl};
use crate::cached::{SessionCache, TOMBSTONE_TTL};

#[async_trait]
impl SessionCache for RedisBackend {
    async fn get(&self, key: &SessionKey) -> Result<Option<Record>> {
        self.load_live(key).await
    }

    async fn put(&self, key: &SessionKey, record: &Record) -> Result<()> {
        let redis_key = self.redis_key(key)?;
        let now = self.now();
        let ttl = ttl::ttl_millis(record.expires_at, now);
        let version = record.version.as_counter().unwrap_or(0);
        let encoded = self.codec().encode(record, version, now)?;
        let bytes = &encoded.bytes;
        let ordered = self.codec().header_len().is_some();
        let expires = framed::micros(record.expires_at);
        self.run(Retry::Once, |mut conn| {
            let call = if ordered {
                let mut call = scripts::PUT.key(&redis_key);
                call.arg(version).arg(expires).arg(bytes).arg(ttl);
                call
            } else {
                let mut call = scripts::PUT_UNLESS_BURIED.key(&redis_key);
                call.arg(bytes).arg(ttl);
                call
            };
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

    /// Without a header the cache cannot hold the store's version: the record's own encoding
    /// in this codec stands for it.
    fn fingerprint(&self, record: &Record) -> Result<Option<Version>> {
        if self.codec().header_len().is_some() {
            return Ok(None);
        }
        Ok(Some(self.codec().encode(record, 0, self.now())?.version))
    }
}
