//! Django's `set_expiry` and the `get_expiry_*` family on the session.

use time::{Duration, OffsetDateTime};

use super::Session;
use super::ops::Op;
use crate::{Expiry, ExpiryPolicy, Result};

impl Session {
    /// Django's `set_expiry`: [`Expiry::Default`] (`None`), [`Expiry::seconds`] (0 is browser
    /// close), [`Expiry::At`] a date. Marks the session modified.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`](crate::Error::ExpiryOutOfRange) when the expiry date would
    /// fall outside the years 1 to 9999 (nothing changes); store errors while loading.
    pub async fn set_expiry(&self, expiry: Expiry) -> Result<()> {
        self.shared.store.parts.policy.date(expiry, self.now())?;
        self.change(Op::SetExpiry(expiry)).await
    }

    /// Django's `set_expiry(timedelta)`: expires at `now + after`, whatever the activity.
    ///
    /// # Errors
    /// [`Error::ExpiryOutOfRange`](crate::Error::ExpiryOutOfRange) when `now + after` falls
    /// outside the years 1 to 9999; store errors while loading.
    pub async fn set_expiry_after(&self, after: Duration) -> Result<()> {
        self.set_expiry(Expiry::after(self.now(), after)?).await
    }

    /// The session's own expiry setting.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn expiry(&self) -> Result<Expiry> {
        Ok(self.loaded().await?.loaded().expiry)
    }

    /// Django's `get_expiry_age()`: seconds the cookie should live if saved now, shortened by
    /// `SESSION_ABSOLUTE_AGE` when set.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_expiry_age(&self) -> Result<i64> {
        self.if_saved_now(ExpiryPolicy::capped_age).await
    }

    /// Django's `get_expiry_date()`: when the session expires if saved now (the absolute cap
    /// applied).
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_expiry_date(&self) -> Result<OffsetDateTime> {
        self.if_saved_now(ExpiryPolicy::deadline).await
    }

    /// `rule` of the store's policy applied to the session's expiry, creation time (now for a
    /// session never stored) and now: what a save made now would give.
    async fn if_saved_now<T>(
        &self,
        rule: impl Fn(&ExpiryPolicy, Expiry, OffsetDateTime, OffsetDateTime) -> Result<T>,
    ) -> Result<T> {
        let now = self.now();
        let state = self.loaded().await?;
        let loaded = state.loaded();
        let created = loaded.created_at.unwrap_or(now);
        rule(&self.shared.store.parts.policy, loaded.expiry, created, now)
    }

    /// Django's `get_expire_at_browser_close()`.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn get_expire_at_browser_close(&self) -> Result<bool> {
        let expiry = self.loaded().await?.loaded().expiry;
        Ok(self.shared.store.parts.policy.at_browser_close(expiry))
    }
}
