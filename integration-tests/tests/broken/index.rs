//! Key indexes with one flaw each, over the in-memory one: what a third-party `KeyIndex` could
//! get wrong.

use session_core::users::{KeyIndex, MemoryKeyIndex};
use session_core::{Result, SessionKey, async_trait};

/// One flaw of a key index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // the names are the table's, which mixes them with engine flaws
pub(crate) enum IndexFlaw {
    /// `add` files nothing.
    IndexDropsAdds,
    /// `remove` unfiles every key of the user, not just the ones given.
    IndexRemovesTooMuch,
    /// `keys` gives only the first key filed.
    IndexListsOneKey,
}

impl IndexFlaw {
    /// Every index flaw.
    pub(crate) const ALL: &[IndexFlaw] = &[
        IndexFlaw::IndexDropsAdds,
        IndexFlaw::IndexRemovesTooMuch,
        IndexFlaw::IndexListsOneKey,
    ];

    /// The name in the table of the crate docs.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            IndexFlaw::IndexDropsAdds => "IndexDropsAdds",
            IndexFlaw::IndexRemovesTooMuch => "IndexRemovesTooMuch",
            IndexFlaw::IndexListsOneKey => "IndexListsOneKey",
        }
    }
}

/// The in-memory index, broken by `flaw`.
#[derive(Debug, Clone)]
pub(crate) struct FlawedIndex {
    pub(crate) inner: MemoryKeyIndex,
    pub(crate) flaw: IndexFlaw,
}

#[async_trait]
impl KeyIndex for FlawedIndex {
    async fn add(&self, user: &str, key: &SessionKey) -> Result<()> {
        if self.flaw == IndexFlaw::IndexDropsAdds {
            return Ok(());
        }
        self.inner.add(user, key).await
    }

    async fn remove(&self, user: &str, keys: &[SessionKey]) -> Result<()> {
        if self.flaw == IndexFlaw::IndexRemovesTooMuch {
            let all = self.inner.keys(user).await?;
            return self.inner.remove(user, &all).await;
        }
        self.inner.remove(user, keys).await
    }

    async fn keys(&self, user: &str) -> Result<Vec<SessionKey>> {
        let mut keys = self.inner.keys(user).await?;
        if self.flaw == IndexFlaw::IndexListsOneKey {
            keys.sort();
            keys.truncate(1);
        }
        Ok(keys)
    }
}
