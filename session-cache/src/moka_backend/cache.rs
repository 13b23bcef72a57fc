//! The in-process engine as the cache of a [`CachedBackend`](crate::CachedBackend).

use std::sync::Arc;

use moka::ops::compute::Op;
use session_core::{Record, Result, SessionKey, async_trait};

use super::{MokaBackend, Slot};
use crate::cached::{SessionCache, is_tombstone, supersedes, tombstone};

#[async_trait]
impl SessionCache for MokaBackend {
    async fn get(&self, key: &SessionKey) -> Result<Option<Record>> {
        let now = self.now();
        self.store_call()?;
        let Some(slot) = self.slot(key) else {
            return Ok(None);
        };
        let state = slot.lock();
        Ok(state
            .record
            .as_ref()
            .filter(|record| record.is_live(now) && !is_tombstone(record))
            .cloned())
    }

    async fn put(&self, key: &SessionKey, record: &Record) -> Result<()> {
        let now = self.now();
        self.store_call()?;
        self.cache.entry(key.clone()).and_compute_with(|existing| {
            let replace = existing.is_none_or(|entry| {
                let state = entry.value().lock();
                state.record.as_ref().is_none_or(|cached| {
                    !cached.is_live(now) || (!is_tombstone(cached) && supersedes(record, cached))
                })
            });
            if replace {
                Op::Put(Slot::new(key.clone(), record.clone()))
            } else {
                Op::Nop
            }
        });
        Ok(())
    }

    async fn invalidate(&self, key: &SessionKey) -> Result<()> {
        self.store_call()?;
        self.cache
            .entry(key.clone())
            .and_compute_with(|_| Op::Remove);
        Ok(())
    }

    async fn forget(&self, key: &SessionKey) -> Result<()> {
        self.store_call()?;
        // Through the per-key compute, as `put`: the two never interleave.
        let slot: Arc<Slot> = Slot::new(key.clone(), tombstone(self.now()));
        self.cache
            .entry(key.clone())
            .and_compute_with(|_| Op::Put(slot));
        Ok(())
    }
}
