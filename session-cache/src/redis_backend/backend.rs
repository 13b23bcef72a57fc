//! The [`Backend`] contract on Redis: one round trip per operation, whatever the codec.

use redis::{AsyncCommands, SetExpiry, SetOptions};
use session_core::codec::{Expected, framed};
use session_core::{Backend, Capabilities, Error, Record, Result, SessionKey, Stored, async_trait};
use time::OffsetDateTime;

use super::{RedisBackend, Retry, scripts, ttl, unexpected};

#[async_trait]
impl Backend for RedisBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        self.load_live(key).await
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        let now = self.now();
        let encoded = self.codec().encode(&record, 1, now)?;
        let ttl = u64::try_from(ttl::ttl_millis(record.expires_at, now)).unwrap_or(1);
        let bytes = &encoded.bytes;
        let key = self
            .inner
            .context
            .create_with(|key| async move {
                let redis_key = self.redis_key(&key)?;
                let set: Option<String> = self
                    .run(Retry::Once, |mut conn| {
                        let redis_key = redis_key.clone();
                        let options = SetOptions::default()
                            .conditional_set(redis::ExistenceCheck::NX)
                            .with_expiration(SetExpiry::PX(ttl));
                        async move { conn.set_options(redis_key, bytes, options).await }
                    })
                    .await?;
                Ok(set.is_some())
            })
            .await?;
        Ok(Stored {
            key,
            version: encoded.version,
        })
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let redis_key = self.redis_key(key)?;
        let now = self.now();
        let ttl = ttl::ttl_millis(record.expires_at, now);
        let expected = self.codec().expected(&record)?;
        let encoded = self.codec().encode(&record, expected.next()?, now)?;
        let bytes = &encoded.bytes;
        let answer: i64 = self
            .run(Retry::Never, |mut conn| {
                let call = match &expected {
                    Expected::Counter(current) => {
                        let mut call = scripts::SAVE.key(&redis_key);
                        call.arg(current)
                            .arg(framed::micros(now))
                            .arg(bytes)
                            .arg(ttl);
                        call
                    }
                    Expected::Bytes(stored) => {
                        let mut call = scripts::SAVE_IF_UNCHANGED.key(&redis_key);
                        call.arg(stored.as_ref()).arg(bytes).arg(ttl);
                        call
                    }
                };
                async move { call.invoke_async(&mut conn).await }
            })
            .await?;
        match answer {
            scripts::WRITTEN => Ok(Stored {
                key: key.clone(),
                version: encoded.version,
            }),
            scripts::CONFLICT => Err(Error::Conflict),
            scripts::GONE => Err(Error::Gone),
            other => Err(unexpected(other)),
        }
    }

    /// With a header, one script moves the stored expiry and the TTL (the bytes never leave
    /// the server); without one, the TTL is the deadline: a `PEXPIRE`.
    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let redis_key = self.redis_key(key)?;
        let now = self.now();
        let ttl = ttl::ttl_millis(expires_at, now);
        let touched = if self.codec().header_len().is_some() {
            let answer: i64 = self
                .run(Retry::Once, |mut conn| {
                    let mut call = scripts::TOUCH.key(&redis_key);
                    call.arg(framed::micros(now))
                        .arg(framed::micros(expires_at))
                        .arg(ttl);
                    async move { call.invoke_async(&mut conn).await }
                })
                .await?;
            match answer {
                scripts::WRITTEN => true,
                scripts::GONE => false,
                other => return Err(unexpected(other)),
            }
        } else {
            self.run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move { conn.pexpire(redis_key, ttl).await }
            })
            .await?
        };
        if touched {
            Ok(key.clone())
        } else {
            Err(Error::Gone)
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        match self.redis_key(key) {
            Ok(redis_key) => self.del(redis_key).await,
            Err(_) => Ok(false), // nothing can be stored under such a key
        }
    }

    /// With a header, reads only the header (`GETRANGE`); without one, the value and its TTL.
    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let Some(header_len) = self.codec().header_len() else {
            return Ok(self.load_live(key).await?.is_some());
        };
        let Ok(redis_key) = self.redis_key(key) else {
            return Ok(false);
        };
        let end = isize::try_from(header_len).unwrap_or(isize::MAX) - 1;
        let head: Vec<u8> = self
            .run(Retry::Once, |mut conn| {
                let redis_key = redis_key.clone();
                async move { conn.getrange(redis_key, 0, end).await }
            })
            .await?;
        let now = self.now();
        Ok(self
            .codec()
            .stamp(&head, session_core::codec::Beside::NOTHING)
            .is_ok_and(|stamp| now < stamp.expires_at))
    }

    /// Redis expires sessions by itself: nothing to clear.
    async fn clear_expired(&self) -> Result<u64> {
        Ok(0)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side()
            .with_native_expiry(true)
            .with_keeps_created_at(self.codec().keeps_created_at())
    }
}
