//! A [`KeyIndex`] in process memory, for in-process engines.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::KeyIndex;
use crate::{Result, SessionKey};

/// Session keys by user in a map behind a mutex; clones share it. For engines whose sessions
/// live in this process too (moka): it is lost with them.
#[derive(Debug, Clone, Default)]
pub struct MemoryKeyIndex {
    users: Arc<Mutex<HashMap<String, HashSet<SessionKey>>>>,
}

impl MemoryKeyIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashSet<SessionKey>>> {
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl KeyIndex for MemoryKeyIndex {
    async fn add(&self, user: &str, key: &SessionKey) -> Result<()> {
        self.users()
            .entry(user.to_owned())
            .or_default()
            .insert(key.clone());
        Ok(())
    }

    async fn remove(&self, user: &str, keys: &[SessionKey]) -> Result<()> {
        let mut users = self.users();
        if let Some(filed) = users.get_mut(user) {
            for key in keys {
                filed.remove(key);
            }
            if filed.is_empty() {
                users.remove(user);
            }
        }
        Ok(())
    }

    async fn keys(&self, user: &str) -> Result<Vec<SessionKey>> {
        Ok(self
            .users()
            .get(user)
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default())
    }
}
