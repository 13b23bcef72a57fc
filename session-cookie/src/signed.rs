//! Django's `signed_cookies` engine: `signing.dumps(dict, compress=…, salt=…)`, in Django's
//! format.

use serde_json::Value;
use session_core::Result;
use session_core::signing::{Compression, Keyring, Signer};

use session_core::codec::django::DjangoDict;

use crate::backend::{CookieBackend, CookieCodec};

/// The salt Django's `signed_cookies` engine signs with.
pub const SIGNED_COOKIES_SALT: &str = "django.contrib.sessions.backends.signed_cookies";

/// Django's signed cookie engine: the session dict signed (not encrypted: the client can read
/// it) with `SECRET_KEY`, verified against it and then `SECRET_KEY_FALLBACKS`. Values Django
/// signs load here and values signed here load in Django.
///
/// ```
/// use session_core::settings::Secret;
/// use session_core::signing::Keyring;
/// use session_cookie::SignedCookieBackend;
///
/// let keys = Keyring::new(Secret::new("a-long-random-secret-key-of-fifty-characters-or-more"), Vec::new())?;
/// let backend = SignedCookieBackend::signed(&keys).with_cookie_age(3600);
/// # Ok::<(), session_core::Error>(())
/// ```
pub type SignedCookieBackend = CookieBackend<Signed>;

/// JSON of this many bytes or more is compressed by default; smaller sessions stay plain
/// (see [`Signed::with_compression`]).
pub const DEFAULT_COMPRESS_FROM_BYTES: usize =
    session_core::settings::defaults::COOKIE_COMPRESS_FROM;

/// The codec of [`SignedCookieBackend`].
#[derive(Debug, Clone)]
pub struct Signed {
    signer: Signer,
    compression: Compression,
}

impl Signed {
    /// Signing with Django's salt for this engine.
    pub fn new(keys: &Keyring) -> Self {
        Self::with_salt(keys, SIGNED_COOKIES_SALT)
    }

    /// Signing with another salt (a Django app that changed it).
    pub fn with_salt(keys: &Keyring, salt: &str) -> Self {
        Self {
            signer: Signer::new(keys, salt),
            compression: Compression::FromBytes(DEFAULT_COMPRESS_FROM_BYTES),
        }
    }

    /// When to try zlib on a save. Default: on JSON of [`DEFAULT_COMPRESS_FROM_BYTES`] or more,
    /// where the 4096-byte cookie limit starts to matter; a smaller session is signed plain,
    /// which is still Django's format (Django reads it) and seals about three times faster,
    /// deflate's fixed cost dwarfing the signature. [`Compression::Always`] (or `true`) is
    /// Django's `compress=True`: the same bytes as Django for every session.
    ///
    /// ```
    /// # use session_core::settings::Secret;
    /// # use session_core::signing::{Compression, Keyring};
    /// # use session_cookie::Signed;
    /// # let keys = Keyring::new(Secret::new("a-long-random-secret-key-of-fifty-characters-or-more"), Vec::new())?;
    /// let like_django = Signed::new(&keys).with_compression(Compression::Always);
    /// let never = Signed::new(&keys).with_compression(false);
    /// # Ok::<(), session_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_compression(mut self, compression: impl Into<Compression>) -> Self {
        self.compression = compression.into();
        self
    }
}

impl CookieBackend<Signed> {
    /// Django's signed cookies over `keys`.
    pub fn signed(keys: &Keyring) -> Self {
        Self::new(Signed::new(keys))
    }
}

impl CookieCodec for Signed {
    const NAME: &'static str = "signed_cookies";

    fn seal(&self, dict: &DjangoDict<'_>, timestamp: i64) -> Result<String> {
        self.signer.dumps(dict, self.compression, timestamp)
    }

    fn open(
        &self,
        token: &str,
        max_age: i64,
        now: i64,
    ) -> std::result::Result<(Value, i64), session_core::BoxError> {
        let loaded = self.signer.loads(token, Some(max_age), now)?;
        Ok((loaded.value, loaded.timestamp))
    }
}
