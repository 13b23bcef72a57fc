//! A user's sessions from the handle (the user's own view) and from the store (admin).

use crate::users::{PublicId, UserIndex, UserSession};
use crate::{Error, Result, Session, SessionStore, auth};

impl SessionStore {
    /// The engine's index of sessions by user.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the engine keeps none (the cookie engines: see
    /// [`users`](crate::users)).
    pub fn user_index(&self) -> Result<&dyn UserIndex> {
        self.parts.backend.user_index().ok_or(Error::Unsupported {
            operation: "listing a user's sessions",
            backend: "this",
        })
    }

    /// The live sessions of `user`, most recently seen first.
    ///
    /// # Errors
    /// [`Error::Unsupported`] without an index; store errors.
    pub async fn user_sessions(&self, user: &str) -> Result<Vec<UserSession>> {
        self.user_index()?.sessions_of(user).await
    }

    /// Deletes `user`'s session `id`; true when there was one.
    ///
    /// # Errors
    /// [`Error::Unsupported`] without an index; store errors.
    pub async fn revoke(&self, user: &str, id: &PublicId) -> Result<bool> {
        self.user_index()?.revoke(user, id).await
    }

    /// Deletes every session of `user`; how many.
    ///
    /// # Errors
    /// [`Error::Unsupported`] without an index; store errors.
    pub async fn revoke_all(&self, user: &str) -> Result<u64> {
        self.user_index()?.revoke_all(user, None).await
    }
}

impl Session {
    /// Marks the session as `user`'s (the `_auth_user_id` Django's `login` writes), for an app
    /// with a login of its own; [`auth::login`] does it already. Cycle the key first at login
    /// ([`Session::cycle_key`]), as `auth::login` does.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn set_user(&self, user: &str) -> Result<()> {
        self.insert(auth::SESSION_KEY, user).await
    }

    /// The user this session belongs to, if any.
    ///
    /// # Errors
    /// Store errors while loading.
    pub async fn user(&self) -> Result<Option<String>> {
        match self.get_value(auth::SESSION_KEY).await? {
            Some(serde_json::Value::String(user)) if !user.is_empty() => Ok(Some(user)),
            _ => Ok(None),
        }
    }

    /// The live sessions of this session's user, this one marked
    /// [`current`](UserSession::current); empty for an anonymous session.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the engine keeps no index; store errors.
    pub async fn user_sessions(&self) -> Result<Vec<UserSession>> {
        let Some(user) = self.user().await? else {
            return Ok(Vec::new());
        };
        let current = self.key().map(|key| PublicId::of(&key));
        let mut sessions = self.store().user_sessions(&user).await?;
        for session in &mut sessions {
            session.current = Some(&session.id) == current.as_ref();
        }
        Ok(sessions)
    }

    /// Deletes the user's session `id` (another device); true when there was one. Revoking
    /// this session itself is [`Session::flush`]; an anonymous session revokes nothing.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the engine keeps no index; store errors.
    pub async fn revoke(&self, id: &PublicId) -> Result<bool> {
        let Some(user) = self.user().await? else {
            return Ok(false);
        };
        if self.key().is_some_and(|key| PublicId::of(&key) == *id) {
            self.flush().await?;
            return Ok(true);
        }
        self.store().revoke(&user, id).await
    }

    /// "Log out other sessions": deletes every session of this session's user but this one;
    /// how many.
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the engine keeps no index; store errors.
    pub async fn revoke_others(&self) -> Result<u64> {
        let Some(user) = self.user().await? else {
            return Ok(0);
        };
        let keep = self.key();
        self.store()
            .user_index()?
            .revoke_all(&user, keep.as_ref())
            .await
    }
}
