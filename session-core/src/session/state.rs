//! What a session holds between its load and its save: the loaded record, the flags and the
//! operation log, and how a write or a conflict updates them.

use std::sync::Arc;

use time::OffsetDateTime;

use super::SessionStore;
use super::ops::Op;
use crate::{BackendHandle, Data, Expiry, Record, Result, SessionKey, Stored, Version};

/// A session's mutable half, behind the handle's mutex.
pub(super) struct State {
    pub(super) key: Option<SessionKey>,
    pub(super) cache: Option<Loaded>,
    pub(super) accessed: bool,
    pub(super) modified: bool,
    pub(super) ops: Vec<Op>,
}

/// The loaded session: the dict plus what a save needs.
#[derive(Clone)]
pub(super) struct Loaded {
    pub(super) data: Arc<Data>,
    pub(super) expiry: Expiry,
    /// `None` until stored: a new session is created at its first save.
    pub(super) created_at: Option<OffsetDateTime>,
    pub(super) version: Version,
    /// The backend's handle from the load, passed back on save.
    pub(super) handle: Option<BackendHandle>,
    /// Built by [`clear`](super::Session::clear) before any load: the dict is known (empty,
    /// plus later changes), but the stored version, expiry and creation time are not, so a
    /// write reads them first.
    pub(super) unread: bool,
}

impl Loaded {
    pub(super) fn empty() -> Self {
        Self {
            data: Arc::default(),
            expiry: Expiry::Default,
            created_at: None,
            version: Version::INITIAL,
            handle: None,
            unread: false,
        }
    }

    /// The empty dict of a keyed session that was never read from the store.
    pub(super) fn unread() -> Self {
        Self {
            unread: true,
            ..Self::empty()
        }
    }

    pub(super) fn from_record(record: Record) -> Self {
        Self {
            data: record.data,
            expiry: record.expiry,
            created_at: Some(record.created_at),
            version: record.version,
            handle: record.handle,
            unread: false,
        }
    }
}

impl State {
    /// The loaded session. Callers load first; a missing cache reads as empty.
    pub(super) fn loaded(&self) -> &Loaded {
        static EMPTY: std::sync::OnceLock<Loaded> = std::sync::OnceLock::new();
        self.cache
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(Loaded::empty))
    }

    pub(super) fn data(&self) -> &Data {
        &self.loaded().data
    }

    pub(super) fn apply(&mut self, op: Op) -> Result<()> {
        let cache = self.cache.get_or_insert_with(Loaded::empty);
        op.apply(Arc::make_mut(&mut cache.data), &mut cache.expiry)?;
        self.modified = true;
        self.ops.push(op);
        Ok(())
    }

    /// The record a save at `now` writes.
    pub(super) fn record(&self, now: OffsetDateTime, store: &SessionStore) -> Result<Record> {
        let loaded = self.loaded();
        let now = crate::record::truncate_to_micros(now);
        let created_at = loaded.created_at.unwrap_or(now);
        let mut record = Record {
            data: Arc::clone(&loaded.data),
            expiry: loaded.expiry,
            created_at,
            modified_at: now,
            expires_at: now,
            version: loaded.version.clone(),
            handle: loaded.handle.clone(),
        };
        record.renew(now, &store.parts.policy)?;
        Ok(record)
    }

    /// Records a successful write: the new key and version; the first `logged` operations are
    /// now in the store.
    pub(super) fn stored(&mut self, stored: Stored, created_at: OffsetDateTime, logged: usize) {
        let moved = self.key.as_ref() != Some(&stored.key);
        self.key = Some(stored.key);
        let cache = self.cache.get_or_insert_with(Loaded::empty);
        if moved {
            cache.handle = None; // the handle belonged to the old key
        }
        cache.version = stored.version;
        cache.created_at.get_or_insert(created_at);
        cache.unread = false;
        self.ops.drain(..logged.min(self.ops.len()));
    }

    /// Replaces the loaded session with `fresh` and re-applies this request's operations.
    pub(super) fn rebase(&mut self, fresh: Record) -> Result<()> {
        let mut loaded = Loaded::from_record(fresh);
        let data = Arc::make_mut(&mut loaded.data);
        for op in &self.ops {
            op.apply(data, &mut loaded.expiry)?;
        }
        self.cache = Some(loaded);
        Ok(())
    }
}
