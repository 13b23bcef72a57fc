//! The operation log: every change a request makes, so a conflicting save can re-apply them to
//! the fresh record instead of overwriting another request's changes.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::{Data, Expiry, Result};

/// A read-modify-write of one value; runs again on the fresh value after a conflict.
pub(crate) type ModifyFn = Arc<dyn Fn(Option<&Value>) -> Result<Option<Value>> + Send + Sync>;

/// One change to the session dict.
#[derive(Clone)]
pub(crate) enum Op {
    Set(String, Value),
    Remove(String),
    Clear,
    Update(Data),
    SetExpiry(Expiry),
    Modify(String, ModifyFn),
}

impl Op {
    /// Applies this change to `data` and `expiry`.
    pub(crate) fn apply(&self, data: &mut Data, expiry: &mut Expiry) -> Result<()> {
        match self {
            Self::Set(key, value) => set(data, key, value.clone()),
            Self::Remove(key) => {
                data.shift_remove(key);
            }
            Self::Clear => data.clear(),
            Self::Update(entries) => {
                for (key, value) in entries {
                    set(data, key, value.clone());
                }
            }
            Self::SetExpiry(new) => *expiry = *new,
            Self::Modify(key, modify) => match modify(data.get(key))? {
                Some(value) => set(data, key, value),
                None => {
                    data.shift_remove(key);
                }
            },
        }
        Ok(())
    }
}

/// `data[key] = value`, keeping the key's place; the key is copied only when it is new.
fn set(data: &mut Data, key: &str, value: Value) {
    match data.get_mut(key) {
        Some(slot) => *slot = value,
        None => {
            data.insert(key.to_owned(), value);
        }
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values may be secrets.
        match self {
            Self::Set(key, _) => write!(f, "Set({key:?})"),
            Self::Remove(key) => write!(f, "Remove({key:?})"),
            Self::Clear => f.write_str("Clear"),
            Self::Update(entries) => write!(f, "Update({:?})", entries.keys().collect::<Vec<_>>()),
            Self::SetExpiry(expiry) => write!(f, "SetExpiry({expiry:?})"),
            Self::Modify(key, _) => write!(f, "Modify({key:?})"),
        }
    }
}
