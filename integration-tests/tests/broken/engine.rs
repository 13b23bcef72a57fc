//! The reference engine with one flaw: each method delegates to it, unless the flaw is in that
//! method, where it is written again from the reference's parts with the one rule broken.

use session_conformance::{Entries, ReferenceBackend};
use session_core::codec::{Beside, RecordCodec};
use session_core::{
    Backend, Capabilities, Error, JsonCodec, Record, Result, SessionKey, Stored, async_trait,
};
use time::{Duration, OffsetDateTime};

use super::flaw::Flaw;

/// The reference engine, broken by `flaw`.
#[derive(Debug, Clone)]
pub(crate) struct Flawed {
    pub(crate) inner: ReferenceBackend,
    pub(crate) flaw: Flaw,
}

impl Flawed {
    fn now(&self) -> OffsetDateTime {
        self.inner.context().now()
    }

    /// Stores `record` under `key` as new, whatever is there.
    fn put(&self, key: &str, record: &Record, version: u64) -> Result<Stored> {
        let (bytes, version) = self.inner.encode(record, version)?;
        self.inner
            .transaction(|entries| Ok(entries.insert(key.to_owned(), bytes)))?;
        let key = SessionKey::from_cookie(key).ok_or(Error::InvalidKey { reason: "bad" })?;
        Ok(Stored { key, version })
    }

    /// Whether `create` must draw again for `text`, by the flaw's rule.
    fn taken(&self, entries: &Entries, text: &str) -> bool {
        match self.flaw {
            Flaw::CreateOverwritesTakenKey => false,
            Flaw::CreateOverwritesExpired => {
                ReferenceBackend::live(entries, text, self.now()).is_some()
            }
            _ => entries.contains_key(text),
        }
    }

    /// A flawed `create`: draws keys by its own loop; the check and the insert are one
    /// transaction, except for `CreateChecksThenInserts`.
    async fn create_flawed(&self, record: Record) -> Result<Stored> {
        let keys = self.inner.context().keys().clone();
        let limit = match self.flaw {
            Flaw::CreateGivesUpEarly => 3,
            Flaw::CreateNeverGivesUp => usize::MAX,
            _ => self.inner.context().max_create_attempts(),
        };
        for _ in 0..limit {
            let key = match keys.generate() {
                Ok(key) => key,
                Err(_) if self.flaw == Flaw::CreateHidesGeneratorFailure => continue,
                Err(err) => return Err(err),
            };
            let text = if self.flaw == Flaw::CreateTakesBadKeys {
                key.as_str()
            } else {
                key.django_syntax()?
            };
            let (bytes, version) = self.inner.encode(&record, 1)?;
            let mut stored = Stored {
                key: key.clone(),
                version,
            };
            let inserted = if self.flaw == Flaw::CreateChecksThenInserts {
                let taken = self
                    .inner
                    .transaction(|entries| Ok(self.taken(entries, text)))?;
                tokio::task::yield_now().await;
                !taken && self.put(text, &record, 1).is_ok()
            } else {
                self.inner.transaction(|entries| {
                    let taken = self.taken(entries, text);
                    if !taken {
                        entries.insert(text.to_owned(), bytes);
                    }
                    Ok(!taken)
                })?
            };
            if inserted {
                if self.flaw == Flaw::CreateReturnsRecordVersion {
                    stored.version = record.version.clone();
                }
                return Ok(stored);
            }
        }
        Err(Error::NoFreeKey { attempts: limit })
    }

    /// The check of a flawed `save`: what it finds wrong with the stored entry, by the flaw.
    fn refuse(&self, entries: &Entries, text: &str, expected: u64) -> Option<Error> {
        let stamp = match self.flaw {
            Flaw::SaveRevivesExpired => entries.get(text).and_then(|b| ReferenceBackend::stamp(b)),
            _ => ReferenceBackend::live(entries, text, self.now()),
        };
        match stamp {
            None if self.flaw == Flaw::SaveUpserts => None,
            None => Some(Error::Gone),
            Some(_) if self.flaw == Flaw::SaveIgnoresVersion => None,
            Some(stamp) if stamp.version.as_counter() != Some(expected) => Some(Error::Conflict),
            Some(_) => None,
        }
    }

    /// A flawed `save`: the check and the write are one transaction, except for
    /// `SaveChecksThenWrites`.
    async fn save_flawed(&self, key: &SessionKey, mut record: Record) -> Result<Stored> {
        let text = key.django_syntax()?;
        let now = self.now();
        let expected = ReferenceBackend::expected(&record)?;
        match self.flaw {
            Flaw::SaveExtendsDeadline => record.expires_at += Duration::minutes(1),
            Flaw::SaveResetsCreatedAt => record.created_at = now,
            _ => {}
        }
        let next = if self.flaw == Flaw::SaveKeepsVersion {
            expected
        } else {
            expected + 1
        };
        let (bytes, version) = self.inner.encode(&record, next)?;
        let stored = Stored {
            key: key.clone(),
            version,
        };
        if self.flaw == Flaw::SaveChecksThenWrites {
            let refused = self
                .inner
                .transaction(|entries| Ok(self.refuse(entries, text, expected)))?;
            if let Some(err) = refused {
                return Err(err);
            }
            tokio::task::yield_now().await;
            return self.put(text, &record, next);
        }
        self.inner.transaction(|entries| {
            if let Some(err) = self.refuse(entries, text, expected) {
                return Err(err);
            }
            entries.insert(text.to_owned(), bytes);
            Ok(stored)
        })
    }

    /// A flawed `touch`.
    fn touch_flawed(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let text = key.django_syntax()?;
        let now = self.now();
        self.inner.transaction(|entries| {
            let bytes = entries.get(text).cloned().ok_or(Error::Gone)?;
            if self.flaw != Flaw::TouchRevivesExpired {
                ReferenceBackend::live(entries, text, now).ok_or(Error::Gone)?;
            }
            let moved = match self.flaw {
                Flaw::TouchDoesNothing => bytes,
                Flaw::TouchChangesVersion => {
                    let mut record = JsonCodec.decode(&bytes, Beside::NOTHING)?;
                    record.expires_at = expires_at;
                    let next = ReferenceBackend::expected(&record)? + 1;
                    JsonCodec.encode(&record, next, now)?.bytes
                }
                _ => {
                    JsonCodec
                        .moved(&bytes, Beside::NOTHING, expires_at, now)?
                        .bytes
                }
            };
            entries.insert(text.to_owned(), moved);
            Ok(key.clone())
        })
    }

    /// A flawed `cycle`.
    async fn cycle_flawed(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        match self.flaw {
            Flaw::CycleDeletesFirst => {
                if !self.inner.delete(old).await? {
                    return Err(Error::Gone);
                }
                self.inner.create(record).await
            }
            Flaw::CycleLeavesOrphan => {
                let stored = self.inner.create(record).await?;
                if self.inner.delete(old).await? {
                    Ok(stored)
                } else {
                    Err(Error::Gone)
                }
            }
            Flaw::CycleKeepsOldKey => {
                if !self.inner.exists(old).await? {
                    return Err(Error::Gone);
                }
                self.inner.create(record).await
            }
            _ => {
                // CycleIgnoresALostRace: the default's steps, but a delete that found nothing
                // (a concurrent cycle won) is not taken as `Gone`.
                if !self.inner.exists(old).await? {
                    return Err(Error::Gone);
                }
                tokio::task::yield_now().await;
                let stored = self.inner.create(record).await?;
                self.inner.delete(old).await?;
                Ok(stored)
            }
        }
    }
}

#[async_trait]
impl Backend for Flawed {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        if self.flaw == Flaw::PanicsOnForeignKeys {
            assert!(key.is_django_syntax(), "a key this engine never issued");
        }
        let Ok(text) = key.django_syntax() else {
            return Ok(None);
        };
        let now = self.now();
        let bytes = match self
            .inner
            .transaction(|entries| Ok(entries.get(text).cloned()))
        {
            Err(_) if self.flaw == Flaw::StoreFailureReadsAsNoSession => return Ok(None),
            other => other?,
        };
        let Some(bytes) = bytes else {
            if self.flaw == Flaw::LoadCreatesMissing {
                let empty = Record::new(
                    session_core::Data::new(),
                    session_core::Expiry::Default,
                    now,
                    &session_core::ExpiryPolicy::default(),
                )?;
                self.put(text, &empty, 1)?;
            }
            return Ok(None);
        };
        let record = match JsonCodec.decode(&bytes, Beside::NOTHING) {
            Ok(record) => record,
            Err(err) if self.flaw == Flaw::LoadFailsOnCorruptData => return Err(err),
            Err(_) => return Ok(None),
        };
        let live = match self.flaw {
            Flaw::LoadIgnoresExpiry => true,
            Flaw::LiveAtTheDeadline => now <= record.expires_at,
            _ => record.is_live(now),
        };
        Ok(live.then_some(record))
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        use Flaw::*;
        match self.flaw {
            CreateOverwritesTakenKey
            | CreateOverwritesExpired
            | CreateChecksThenInserts
            | CreateGivesUpEarly
            | CreateNeverGivesUp
            | CreateTakesBadKeys
            | CreateHidesGeneratorFailure
            | CreateReturnsRecordVersion => self.create_flawed(record).await,
            _ => self.inner.create(record).await,
        }
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        use Flaw::*;
        match self.flaw {
            SaveIgnoresVersion | SaveChecksThenWrites | SaveUpserts | SaveRevivesExpired
            | SaveKeepsVersion | SaveExtendsDeadline | SaveResetsCreatedAt => {
                self.save_flawed(key, record).await
            }
            _ => self.inner.save(key, record).await,
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        use Flaw::*;
        match self.flaw {
            TouchDoesNothing | TouchRevivesExpired | TouchChangesVersion => {
                self.touch_flawed(key, expires_at)
            }
            _ => self.inner.touch(key, expires_at).await,
        }
    }

    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        use Flaw::*;
        match self.flaw {
            CycleDeletesFirst | CycleLeavesOrphan | CycleKeepsOldKey | CycleIgnoresALostRace => {
                self.cycle_flawed(old, record).await
            }
            _ => self.inner.cycle(old, record).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        let now = self.now();
        match (self.flaw, key.django_syntax()) {
            (Flaw::DeleteAlwaysTrue, _) => {
                self.inner.delete(key).await?;
                Ok(true)
            }
            (Flaw::DeleteDeniesExpired, Ok(text)) => self.inner.transaction(|entries| {
                let live = ReferenceBackend::live(entries, text, now).is_some();
                Ok(entries.remove(text).is_some() && live)
            }),
            _ => self.inner.delete(key).await,
        }
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        if self.flaw == Flaw::ExistsIgnoresExpiry {
            let Ok(text) = key.django_syntax() else {
                return Ok(false);
            };
            return self
                .inner
                .transaction(|entries| Ok(entries.contains_key(text)));
        }
        if self.flaw == Flaw::PanicsOnForeignKeys {
            assert!(key.is_django_syntax(), "a key this engine never issued");
        }
        self.inner.exists(key).await
    }

    async fn clear_expired(&self) -> Result<u64> {
        match self.flaw {
            Flaw::SweepRemovesLive => self.inner.transaction(|entries| {
                let removed = entries.len();
                entries.clear();
                Ok(u64::try_from(removed).unwrap_or(u64::MAX))
            }),
            Flaw::SweepMiscounts => self.inner.clear_expired().await.map(|_| 0),
            Flaw::ClaimsNativeExpiry => Ok(0),
            _ => self.inner.clear_expired().await,
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self.flaw {
            Flaw::ClaimsNativeExpiry => Capabilities::server_side().with_native_expiry(true),
            Flaw::HidesALackedCapability => {
                Capabilities::server_side().with_conditional_save(false)
            }
            _ => Capabilities::server_side(),
        }
    }
}
