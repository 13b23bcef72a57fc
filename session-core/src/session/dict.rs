//! The dict API: Django's `session[key]`, `get`, `pop`, `setdefault`, `update`, `clear`, plus
//! typed read-modify-write and the test cookie helpers.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ops::{ModifyFn, Op};
use super::state::Loaded;
use super::{EXPIRY_KEY, RESERVED_PREFIX, Session, TEST_COOKIE_NAME, TEST_COOKIE_VALUE};
use crate::{Data, Error, Expiry, Result};

impl Session {
    // ----- reading ---------------------------------------------------------------------

    /// The value under `key`, deserialized (Django's `get`).
    ///
    /// # Errors
    /// [`Error::Codec`] when the stored value is not a `T`; store errors while loading.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let state = self.loaded().await?;
        state
            .data()
            .get(key)
            .map(|value| T::deserialize(value).map_err(Error::codec))
            .transpose()
    }

    /// The raw JSON value under `key`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_value(&self, key: &str) -> Result<Option<Value>> {
        Ok(self.loaded().await?.data().get(key).cloned())
    }

    /// True when `key` is present (Django's `key in session`).
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn contains_key(&self, key: &str) -> Result<bool> {
        Ok(self.loaded().await?.data().contains_key(key))
    }

    /// The keys, in insertion order.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn keys(&self) -> Result<Vec<String>> {
        Ok(self.loaded().await?.data().keys().cloned().collect())
    }

    /// The values, in insertion order.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn values(&self) -> Result<Vec<Value>> {
        Ok(self.loaded().await?.data().values().cloned().collect())
    }

    /// The entries, in insertion order.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn items(&self) -> Result<Vec<(String, Value)>> {
        let state = self.loaded().await?;
        Ok(state
            .data()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    /// The number of entries.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn len(&self) -> Result<usize> {
        Ok(self.loaded().await?.data().len())
    }

    /// A copy of the whole dict (shared until either side changes it).
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn data(&self) -> Result<Arc<Data>> {
        Ok(Arc::clone(&self.loaded().await?.loaded().data))
    }

    // ----- writing ---------------------------------------------------------------------

    /// Stores `value` under `key` (Django's `session[key] = value`). Writing
    /// `_session_expiry` is the same as [`set_expiry`](Session::set_expiry).
    ///
    /// # Errors
    /// [`Error::Codec`] when `value` does not serialize; [`Error::ReservedKey`] for other
    /// `_session_*` keys; store errors while loading.
    pub async fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<()> {
        let value = serde_json::to_value(value).map_err(Error::codec)?;
        self.insert_value(key, value).await
    }

    /// Stores a raw JSON value under `key`.
    ///
    /// # Errors
    /// As [`insert`](Session::insert).
    pub async fn insert_value(&self, key: &str, value: Value) -> Result<()> {
        if key == EXPIRY_KEY {
            let expiry = Expiry::from_json(&value).ok_or_else(|| Error::ReservedKey {
                key: key.to_owned(),
            })?;
            return self.set_expiry(expiry).await;
        }
        check_not_reserved(key)?;
        self.change(Op::Set(key.to_owned(), value)).await
    }

    /// Removes `key` and returns its value (Django's `pop`, and `del` without the `KeyError`).
    /// Marks the session modified only if the key was present.
    ///
    /// # Errors
    /// [`Error::Codec`] when the removed value is not a `T` (it is removed all the same);
    /// store errors while loading.
    pub async fn remove<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.remove_value(key)
            .await?
            .map(|value| T::deserialize(&value).map_err(Error::codec))
            .transpose()
    }

    /// Removes `key` and returns its raw value.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn remove_value(&self, key: &str) -> Result<Option<Value>> {
        let mut state = self.loaded().await?;
        let value = state.data().get(key).cloned();
        if value.is_some() {
            state.apply(Op::Remove(key.to_owned()))?;
        }
        Ok(value)
    }

    /// Returns the value under `key`, storing `default` first if the key is missing (Django's
    /// `setdefault`; modified only when it stores).
    ///
    /// # Errors
    /// [`Error::Codec`] when a value does not (de)serialize; store errors while loading.
    pub async fn setdefault<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        default: T,
    ) -> Result<T> {
        check_not_reserved(key)?;
        let mut state = self.loaded().await?;
        if let Some(existing) = state.data().get(key) {
            return T::deserialize(existing).map_err(Error::codec);
        }
        let value = serde_json::to_value(&default).map_err(Error::codec)?;
        state.apply(Op::Set(key.to_owned(), value))?;
        Ok(default)
    }

    /// Stores every entry of `entries` (Django's `update`; modified even when empty).
    ///
    /// # Errors
    /// [`Error::ReservedKey`] for `_session_*` keys; store errors while loading.
    pub async fn update(&self, entries: impl IntoIterator<Item = (String, Value)>) -> Result<()> {
        let entries: Data = entries.into_iter().collect();
        if let Some(key) = entries.keys().find(|k| k.starts_with(RESERVED_PREFIX)) {
            return Err(Error::ReservedKey { key: key.clone() });
        }
        self.change(Op::Update(entries)).await
    }

    /// Read-modify-write of one value: `f` receives the current value (or `None`) and returns
    /// the new one. If another request saved the session meanwhile, `f` runs again on the fresh
    /// value before the save, so concurrent carts all keep their items.
    ///
    /// ```
    /// # async fn demo(session: session_core::Session) -> session_core::Result<()> {
    /// let cart: Vec<String> = session
    ///     .modify("cart", |cart: Option<Vec<String>>| {
    ///         let mut cart = cart.unwrap_or_default();
    ///         cart.push("apple".to_owned());
    ///         cart
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Codec`] when the current value is not a `T`; store errors while loading.
    pub async fn modify<T, F>(&self, key: &str, f: F) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: Fn(Option<T>) -> T + Send + Sync + 'static,
    {
        let modify: ModifyFn = Arc::new(move |current: Option<&Value>| {
            let current = current
                .map(|value| T::deserialize(value).map_err(Error::codec))
                .transpose()?;
            serde_json::to_value(f(current))
                .map(Some)
                .map_err(Error::codec)
        });
        let value = self.modify_with(key, modify).await?;
        value
            .map(|value| T::deserialize(&value).map_err(Error::codec))
            .transpose()?
            .ok_or_else(|| Error::codec("modify removed the value"))
    }

    /// Read-modify-write on raw JSON: `f` returns the new value, or `None` to remove the key.
    /// Returns the new value. Re-run on conflicts as [`modify`](Session::modify).
    ///
    /// # Errors
    /// Errors `f` returns; store errors while loading.
    pub async fn modify_value<F>(&self, key: &str, f: F) -> Result<Option<Value>>
    where
        F: Fn(Option<&Value>) -> Result<Option<Value>> + Send + Sync + 'static,
    {
        self.modify_with(key, Arc::new(f)).await
    }

    async fn modify_with(&self, key: &str, modify: ModifyFn) -> Result<Option<Value>> {
        check_not_reserved(key)?;
        let mut state = self.loaded().await?;
        state.apply(Op::Modify(key.to_owned(), modify))?;
        Ok(state.data().get(key).cloned())
    }

    /// Empties the dict without loading it (Django's `clear`): accessed and modified. The key
    /// stays, so the middleware saves the empty session. The save then reads the stored record
    /// once, for its version, before writing: no conflict round, and no blind write.
    pub fn clear(&self) {
        let mut state = self.state();
        state.accessed = true;
        state.modified = true;
        let keyed = state.key.is_some();
        let cache = state.cache.get_or_insert_with(|| {
            if keyed {
                Loaded::unread()
            } else {
                Loaded::empty()
            }
        });
        cache.data = Arc::default();
        state.ops.push(Op::Clear);
    }

    // ----- test cookie -----------------------------------------------------------------

    /// Django's `set_test_cookie`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn set_test_cookie(&self) -> Result<()> {
        self.insert(TEST_COOKIE_NAME, TEST_COOKIE_VALUE).await
    }

    /// Django's `test_cookie_worked`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn test_cookie_worked(&self) -> Result<bool> {
        let state = self.loaded().await?;
        Ok(state.data().get(TEST_COOKIE_NAME) == Some(&Value::from(TEST_COOKIE_VALUE)))
    }

    /// Django's `delete_test_cookie`; returns whether it was there.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn delete_test_cookie(&self) -> Result<bool> {
        Ok(self.remove_value(TEST_COOKIE_NAME).await?.is_some())
    }
}

fn check_not_reserved(key: &str) -> Result<()> {
    if key.starts_with(RESERVED_PREFIX) {
        return Err(Error::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}
