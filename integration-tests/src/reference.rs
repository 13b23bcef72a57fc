//! A complete engine written from scratch, about 200 lines: a map of encoded records behind a
//! mutex, standing in for a real store. Each method is one [`ReferenceBackend::transaction`]
//! (one round trip, atomic), so every rule of the contract is visible in one place. It passes
//! the whole suite, and the suite's self-test breaks copies of it one rule at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use session_core::codec::{Beside, Expected, RecordCodec, Stamp, load_live};
use session_core::{
    Backend, Capabilities, Context, Error, JsonCodec, Record, Result, SessionKey, Stored, Version,
    async_trait,
};
use time::OffsetDateTime;

use crate::{Probe, RawAccess};

/// The engine's name in [`Error::Backend`].
const ENGINE: &str = "reference";

/// The store: key → the bytes [`JsonCodec`] made of a record (its header carries the version
/// and the deadline, so nothing is kept beside them).
pub type Entries = HashMap<String, Vec<u8>>;

/// The reference engine. Clones share the store.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> session_core::Result<()> {
/// use session_conformance::ReferenceBackend;
/// use session_core::{Context, SessionStore};
///
/// let sessions = SessionStore::new(std::sync::Arc::new(ReferenceBackend::new(Context::default())));
/// let session = sessions.session(None);
/// session.insert("cart", ["apple"]).await?;
/// let saved = session.save().await?;
/// let again = sessions.session(Some(saved.key.as_str()));
/// assert_eq!(again.get::<Vec<String>>("cart").await?, Some(vec!["apple".to_owned()]));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReferenceBackend {
    ctx: Context,
    entries: Arc<Mutex<Entries>>,
}

impl ReferenceBackend {
    /// An empty store on `ctx`'s clock, keys and faults.
    pub fn new(ctx: Context) -> Self {
        Self {
            ctx,
            entries: Arc::default(),
        }
    }

    /// The clock, keys and faults the engine runs on.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// One round trip to the store: `step` runs on the whole map at once (a real engine's
    /// statement or script). Asks the context first, so an injected fault fails it.
    ///
    /// # Errors
    /// [`Error::Backend`] when the store fails; what `step` returns.
    pub fn transaction<T>(&self, step: impl FnOnce(&mut Entries) -> Result<T>) -> Result<T> {
        self.ctx.store_call(ENGINE)?;
        step(&mut self.entries.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The version and deadline in stored bytes, or `None` when they do not decode.
    pub fn stamp(bytes: &[u8]) -> Option<Stamp> {
        JsonCodec.stamp(bytes, Beside::NOTHING).ok()
    }

    /// The stamp of the live entry under `key` at `now`.
    pub fn live(entries: &Entries, key: &str, now: OffsetDateTime) -> Option<Stamp> {
        entries
            .get(key)
            .and_then(|bytes| Self::stamp(bytes))
            .filter(|stamp| now < stamp.expires_at)
    }

    /// The counter a save of `record` must find stored.
    ///
    /// # Errors
    /// [`Error::Conflict`] when the record's version is not a counter.
    pub fn expected(record: &Record) -> Result<u64> {
        match JsonCodec.expected(record)? {
            Expected::Counter(version) => Ok(version),
            Expected::Bytes(_) => Err(Error::Conflict),
        }
    }

    /// `record` encoded at version `version`: the bytes, and the version they hold.
    ///
    /// # Errors
    /// [`Error::Codec`] when it cannot be encoded.
    pub fn encode(&self, record: &Record, version: u64) -> Result<(Vec<u8>, Version)> {
        let encoded = JsonCodec.encode(record, version, self.ctx.now())?;
        Ok((encoded.bytes, encoded.version))
    }

    /// Draws keys until one is free and stores `record` under it, in the transaction that
    /// found it free and after `before` ran there: what `create` and `cycle` share.
    async fn insert_fresh(
        &self,
        record: &Record,
        mut before: impl FnMut(&mut Entries) -> Result<()>,
    ) -> Result<Stored> {
        let (bytes, version) = self.encode(record, 1)?;
        let key = self
            .ctx
            .create_with(|key| {
                let result = key.django_syntax().and_then(|text| {
                    self.transaction(|entries| {
                        if entries.contains_key(text) {
                            return Ok(false); // taken, live or not yet cleared: draw again
                        }
                        before(entries)?;
                        entries.insert(text.to_owned(), bytes.clone());
                        Ok(true)
                    })
                });
                async move { result }
            })
            .await?;
        Ok(Stored { key, version })
    }
}

#[async_trait]
impl Backend for ReferenceBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        let Ok(key) = key.django_syntax() else {
            return Ok(None); // nothing can be stored under it
        };
        let bytes = self.transaction(|entries| Ok(entries.get(key).cloned()))?;
        Ok(bytes.and_then(|bytes| {
            load_live(&JsonCodec, &bytes, Beside::NOTHING, self.ctx.now(), ENGINE)
        }))
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        self.insert_fresh(&record, |_| Ok(())).await
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let text = key.django_syntax()?;
        let expected = Self::expected(&record)?;
        let (bytes, version) =
            self.encode(&record, expected.checked_add(1).ok_or(Error::Conflict)?)?;
        self.transaction(|entries| {
            let stamp = Self::live(entries, text, self.ctx.now()).ok_or(Error::Gone)?;
            if stamp.version.as_counter() != Some(expected) {
                return Err(Error::Conflict);
            }
            entries.insert(text.to_owned(), bytes);
            Ok(())
        })?;
        Ok(Stored {
            key: key.clone(),
            version,
        })
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let text = key.django_syntax()?;
        let now = self.ctx.now();
        self.transaction(|entries| {
            Self::live(entries, text, now).ok_or(Error::Gone)?;
            let bytes = entries.get_mut(text).ok_or(Error::Gone)?;
            *bytes = JsonCodec
                .moved(bytes, Beside::NOTHING, expires_at, now)?
                .bytes;
            Ok(key.clone())
        })
    }

    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        let old = old.django_syntax()?;
        let now = self.ctx.now();
        // One transaction: the old key is checked live and removed as the new one is stored.
        self.insert_fresh(&record, |entries| {
            Self::live(entries, old, now).ok_or(Error::Gone)?;
            entries.remove(old);
            Ok(())
        })
        .await
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        let Ok(key) = key.django_syntax() else {
            return Ok(false);
        };
        self.transaction(|entries| Ok(entries.remove(key).is_some()))
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let Ok(key) = key.django_syntax() else {
            return Ok(false);
        };
        let now = self.ctx.now();
        self.transaction(|entries| Ok(Self::live(entries, key, now).is_some()))
    }

    async fn clear_expired(&self) -> Result<u64> {
        let now = self.ctx.now();
        self.transaction(|entries| {
            let before = entries.len();
            // Undecodable entries go too: they can never load (and keep no deadline of theirs).
            entries.retain(|_, bytes| Self::stamp(bytes).is_some_and(|s| now < s.expires_at));
            Ok(u64::try_from(before - entries.len()).unwrap_or(u64::MAX))
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side()
    }
}

/// The bytes are kept as given, with no deadline beside them: a corrupt entry lives until the
/// next `clear_expired`.
#[async_trait]
impl RawAccess for ReferenceBackend {
    async fn write_raw(&self, key: &SessionKey, bytes: &[u8], _: OffsetDateTime) -> Result<()> {
        let key = key.django_syntax()?;
        self.transaction(|entries| Ok(entries.insert(key.to_owned(), bytes.to_vec())))
            .map(drop)
    }
}

#[async_trait]
impl Probe for ReferenceBackend {
    async fn holds(&self, key: &SessionKey) -> Result<bool> {
        let key = key.as_str().to_owned();
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&key))
    }
}
