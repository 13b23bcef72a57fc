//! Logging in and out as `django.contrib.auth` does (reference §8), so a user who logs in on
//! the Django side is logged in on ours and the other way round.
//!
//! The session holds `_auth_user_id` (the primary key, always a string), `_auth_user_backend`
//! (the dotted path of the authentication backend) and `_auth_user_hash`, an HMAC of the user's
//! stored password hash: changing the password logs out every other session.
//!
//! ```
//! # async fn demo(session: session_core::Session, keys: session_core::signing::Keyring) -> session_core::Result<()> {
//! use session_core::auth::{self, DjangoUser, MODEL_BACKEND};
//!
//! // The user row as the app's database holds it (`auth_user.id`, `auth_user.password`).
//! let alice = DjangoUser { id: "1", password: "pbkdf2_sha256$1000000$fixedsalt$AAAA…=" };
//! auth::login(&session, &keys, &alice, MODEL_BACKEND).await?;
//! session.save().await?; // the middleware does this
//!
//! // A later request: who is logged in (Django's `get_user`).
//! let who = auth::logged_in_user(&session, &keys, |id| async move {
//!     (id == "1").then(|| alice.password.to_owned())
//! })
//! .await?;
//! assert_eq!(who.as_deref(), Some("1"));
//! # Ok(()) }
//! ```

use std::future::Future;

use crate::settings::Secret;
use crate::signing::{Keyring, salted_hmac_sha256};
use crate::{Result, Session};

/// Where the user's primary key is kept (Django's `SESSION_KEY`).
pub const SESSION_KEY: &str = "_auth_user_id";
/// Where the authentication backend's dotted path is kept (`BACKEND_SESSION_KEY`).
pub const BACKEND_SESSION_KEY: &str = "_auth_user_backend";
/// Where the session auth hash is kept (`HASH_SESSION_KEY`).
pub const HASH_SESSION_KEY: &str = "_auth_user_hash";
/// Django's default authentication backend.
pub const MODEL_BACKEND: &str = "django.contrib.auth.backends.ModelBackend";
const HASH_SALT: &str = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// A user as Django's auth tables hold it: enough to log in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DjangoUser<'a> {
    /// The primary key as a string (`"1"`, a UUID, …).
    pub id: &'a str,
    /// The stored password hash (`auth_user.password`), never the password itself.
    pub password: &'a str,
}

impl std::fmt::Debug for DjangoUser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoUser")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// `user.get_session_auth_hash()` under `secret`: 64 hex characters.
pub fn session_auth_hash(password: &str, secret: &Secret) -> String {
    salted_hmac_sha256(HASH_SALT, password.as_bytes(), secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Django's `login(request, user, backend)`: an anonymous session gets a new key (its data,
/// a cart say, is kept); a session of another user, or of this user before a password change,
/// is flushed first; then the three auth keys are written. Save the session afterwards (the
/// middleware does).
///
/// # Errors
/// Store errors while loading, flushing or cycling the key.
pub async fn login(
    session: &Session,
    keys: &Keyring,
    user: &DjangoUser<'_>,
    backend: &str,
) -> Result<()> {
    let hash = session_auth_hash(user.password, keys.current());
    match session.get::<String>(SESSION_KEY).await? {
        Some(id) => {
            let stored: Option<String> = session.get(HASH_SESSION_KEY).await?;
            let same_hash = stored.is_some_and(|stored| constant_time_eq(&stored, &hash));
            if id != user.id || !same_hash {
                session.flush().await?;
            }
        }
        None => session.cycle_key().await?,
    }
    session.insert(SESSION_KEY, user.id).await?;
    session.insert(BACKEND_SESSION_KEY, backend).await?;
    session.insert(HASH_SESSION_KEY, hash).await
}

/// Django's `logout(request)`: the session is flushed (deleted, a new key at the next save).
///
/// # Errors
/// Store errors.
pub async fn logout(session: &Session) -> Result<()> {
    session.flush().await
}

/// Django's `get_user(request)`: the id of the logged-in user, or `None`. `password_of` looks
/// up a user's stored password hash (`None`: no such user). A hash made with a fallback key
/// is accepted and renewed with the current key after a new session key (seamless rotation);
/// a hash that matches no key (the password changed) flushes the session, as Django does.
///
/// # Errors
/// Store errors.
pub async fn logged_in_user<F, Fut>(
    session: &Session,
    keys: &Keyring,
    password_of: F,
) -> Result<Option<String>>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let Some(id) = session.get::<String>(SESSION_KEY).await? else {
        return Ok(None);
    };
    if session.get::<String>(BACKEND_SESSION_KEY).await?.is_none() {
        return Ok(None);
    }
    let Some(password) = password_of(id.clone()).await else {
        return Ok(None);
    };
    let stored: String = session.get(HASH_SESSION_KEY).await?.unwrap_or_default();
    if stored.is_empty() {
        session.flush().await?;
        return Ok(None);
    }
    let mut secrets = keys.keys();
    let current = secrets
        .next()
        .is_some_and(|secret| constant_time_eq(&stored, &session_auth_hash(&password, secret)));
    if current {
        return Ok(Some(id));
    }
    if secrets.any(|secret| constant_time_eq(&stored, &session_auth_hash(&password, secret))) {
        session.cycle_key().await?;
        session
            .insert(
                HASH_SESSION_KEY,
                session_auth_hash(&password, keys.current()),
            )
            .await?;
        return Ok(Some(id));
    }
    session.flush().await?;
    Ok(None)
}

/// Equal strings, compared in time that depends only on their lengths.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests;
