//! Picking an engine from settings: Django's `SESSION_ENGINE`.

use std::fmt;
use std::sync::Arc;

use session_core::codec::RecordCodec;
use session_core::settings::{CodecKind, EngineKind};
use session_core::{Backend, Context, Error, JsonCodec, Result, SessionStore, Settings};

use crate::SessionLayer;

/// Builds the backend `SESSION_ENGINE` names, from the other settings.
///
/// | `SESSION_ENGINE` | engine | settings it reads | cargo feature |
/// |---|---|---|---|
/// | `db` (default) | [`DbBackend`](session_db::DbBackend) | `SESSION_DATABASE_URL`, `SESSION_DB_TABLE`, `SESSION_DB_EXPIRY_SLACK` | `sqlite` (default), `postgres`, `mysql` (by URL scheme) |
/// | `cache` with `SESSION_CACHE_URL=memory://` | [`MokaBackend`](session_cache::MokaBackend) | — | `moka` (default) |
/// | `cache` with `SESSION_CACHE_URL=redis://…` (several, comma-separated: a Redis Cluster) | `RedisBackend` (feature `redis`) | `SESSION_CACHE_KEY_PREFIX` | `redis` |
/// | `cached_db` | [`CachedBackend`](session_cache::CachedBackend): the cache of `SESSION_CACHE_URL` in front of the db engine | both of the above | `moka` or `redis`, and a db feature |
/// | `file` | [`FileBackend`](session_file::FileBackend): `<cookie name><key>` files | `SESSION_FILE_PATH` (default: the system temporary directory), `SESSION_COOKIE_NAME`, `SESSION_COOKIE_AGE` (age of unreadable files) | `file` (default) |
/// | `signed_cookies` | [`SignedCookieBackend`](session_cookie::SignedCookieBackend): Django's signed cookie | `SECRET_KEY`, `SECRET_KEY_FALLBACKS`, `SESSION_COOKIE_AGE`, `SESSION_COOKIE_COMPRESS_FROM` | `cookie` (default) |
/// | `encrypted_cookies` (ours) | [`EncryptedCookieBackend`](session_cookie::EncryptedCookieBackend): XChaCha20-Poly1305, the cookie name bound in | the same, and `SESSION_COOKIE_NAME` | `cookie` (default) |
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> session_kit::Result<()> {
/// use session_kit::{Engine, SessionStore, Settings};
///
/// let settings = Settings::from_lookup(|name| match name {
///     "SESSION_ENGINE" => Some("django.contrib.sessions.backends.db".into()),
///     "SESSION_DATABASE_URL" => Some("sqlite::memory:".into()),
///     _ => None,
/// })?;
/// // The store and the middleware, from one set of settings (migrates the db table):
/// let layer = Engine::builder(&settings).layer().await?;
/// let store: &SessionStore = layer.store(); // for work outside requests
/// # let _ = store;
/// # Ok(()) }
/// ```
#[must_use]
pub struct Engine {
    settings: Settings,
    context: Context,
    migrate: bool,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("engine", &self.settings.engine)
            .field("migrate", &self.migrate)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// The backend the settings name, with the system clock and random keys; the db engine's
    /// table is created or upgraded first ([`DbBackend::migrate`](session_db::DbBackend::migrate)).
    /// Each of [`Settings::warnings`] (a weak `SECRET_KEY`, a setting the engine ignores) is
    /// logged with `tracing::warn!`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting at fault: an engine whose cargo feature is off, a
    /// URL that does not parse, a bad table name, `SESSION_CODEC=django` where Django could
    /// not share the store (the in-process cache), an empty `SECRET_KEY` where one signs. The
    /// db engine's migration failing is [`Error::Backend`].
    pub async fn from_settings(settings: &Settings) -> Result<Arc<dyn Backend>> {
        Self::builder(settings).build().await
    }

    /// A builder, to inject a clock or a key generator, or to skip the migration.
    pub fn builder(settings: &Settings) -> Self {
        Self {
            settings: settings.clone(),
            context: Context::default(),
            migrate: true,
        }
    }

    /// The clock and key generator of the engine, and of the sessions [`Engine::store`] and
    /// [`Engine::layer`] make. Default: [`Context::default`].
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Whether to create or upgrade the db engine's table at start-up. Default: true.
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// The sessions of the backend: a [`SessionStore`] on the engine's clock with the
    /// settings' expiry policy.
    ///
    /// # Errors
    /// As [`Engine::from_settings`].
    pub async fn store(self) -> Result<SessionStore> {
        let clock = std::sync::Arc::clone(self.context.clock());
        let policy = self.settings.expiry_policy();
        let backend = self.build().await?;
        Ok(SessionStore::new(backend)
            .with_clock(clock)
            .with_policy(policy))
    }

    /// The middleware over [`Engine::store`], its cookies shaped by the same settings: the one
    /// call an application needs. The store is [`SessionLayer::store`].
    ///
    /// # Errors
    /// As [`Engine::from_settings`].
    pub async fn layer(self) -> Result<SessionLayer> {
        let settings = self.settings.clone();
        SessionLayer::new(self.store().await?, &settings)
    }

    /// The backend.
    ///
    /// # Errors
    /// As [`Engine::from_settings`].
    pub async fn build(self) -> Result<Arc<dyn Backend>> {
        self.settings.validate()?;
        for warning in self.settings.warnings() {
            tracing::warn!("{warning}");
        }
        // cached_db too: Django would not see (nor invalidate) our cache entries, so a logout
        // on the Django side could be served from our cache until it expires.
        if self.settings.codec == CodecKind::Django
            && matches!(
                self.settings.engine,
                EngineKind::Cache | EngineKind::CachedDb
            )
        {
            return Err(Error::config(
                "SESSION_CODEC",
                format!(
                    "django needs Django's own cache for the {} engine: a redis:// SESSION_CACHE_URL",
                    self.settings.engine.as_str()
                ),
            ));
        }
        match self.settings.engine {
            EngineKind::Db => self.db().await,
            EngineKind::Cache => self.cache(),
            EngineKind::CachedDb => self.cached_db().await,
            EngineKind::File => self.file(),
            EngineKind::SignedCookies | EngineKind::EncryptedCookies => self.cookie(),
            other => Err(Error::config(
                "SESSION_ENGINE",
                format!("the {} engine is unknown to this version", other.as_str()),
            )),
        }
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    async fn db(self) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(self.db_backend().await?))
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    async fn db_backend(&self) -> Result<session_db::DbBackend> {
        let backend = session_db::DbBackend::builder(self.settings.database_url.clone())
            .create_database(self.migrate)
            .table(self.settings.db_table.clone())
            .expiry_slack(std::time::Duration::from_secs(
                self.settings.db_expiry_slack,
            ))
            .context(self.context.clone())
            .codec(self.codec()?)
            .build()
            .await?;
        if self.migrate {
            backend.migrate().await?;
        }
        Ok(backend)
    }

    #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
    async fn db(self) -> Result<Arc<dyn Backend>> {
        Err(Error::config(
            "SESSION_ENGINE",
            "the db engine needs the cargo feature sqlite, postgres or mysql",
        ))
    }

    /// The format of engines that store bytes (`SESSION_CODEC`).
    #[cfg_attr(
        not(any(
            feature = "sqlite",
            feature = "postgres",
            feature = "mysql",
            feature = "file"
        )),
        allow(dead_code)
    )]
    fn codec(&self) -> Result<Arc<dyn RecordCodec>> {
        Ok(match self.settings.codec {
            CodecKind::Django => Arc::new(
                session_core::codec::django::DjangoCodec::new(&self.settings.keyring()?)
                    .with_cookie_age(self.settings.cookie_age),
            ),
            _ => Arc::new(JsonCodec),
        })
    }

    fn cache(self) -> Result<Arc<dyn Backend>> {
        match cache_kind(&self.settings.cache_url)? {
            CacheKind::Memory => self.memory(),
            CacheKind::Redis => self.redis(CACHE_ENGINE_PREFIX).map(|redis| redis as _),
        }
    }

    /// `cached_db`: the cache `SESSION_CACHE_URL` names in front of the db engine.
    #[cfg(all(
        any(feature = "moka", feature = "redis"),
        any(feature = "sqlite", feature = "postgres", feature = "mysql")
    ))]
    async fn cached_db(self) -> Result<Arc<dyn Backend>> {
        use session_cache::{CachedBackend, SessionCache};
        let cache: Arc<dyn SessionCache> = match cache_kind(&self.settings.cache_url)? {
            #[cfg(feature = "moka")]
            CacheKind::Memory => Arc::new(
                session_cache::MokaBackend::builder()
                    .context(self.context.clone())
                    .build(),
            ),
            #[cfg(feature = "redis")]
            CacheKind::Redis => self.redis(session_cache::CACHED_DB_KEY_PREFIX)?,
            #[allow(unreachable_patterns)]
            _ => {
                return Err(Error::config(
                    "SESSION_CACHE_URL",
                    "this cache needs the cargo feature moka (memory://) or redis (redis://)",
                ));
            }
        };
        let store = self.db_backend().await?;
        Ok(Arc::new(CachedBackend::new(cache, store)))
    }

    #[cfg(not(all(
        any(feature = "moka", feature = "redis"),
        any(feature = "sqlite", feature = "postgres", feature = "mysql")
    )))]
    async fn cached_db(self) -> Result<Arc<dyn Backend>> {
        Err(Error::config(
            "SESSION_ENGINE",
            "cached_db needs the cargo feature moka or redis, and sqlite, postgres or mysql",
        ))
    }

    /// `file`: the directory of `SESSION_FILE_PATH`, Django's default being the temp dir.
    #[cfg(feature = "file")]
    fn file(self) -> Result<Arc<dyn Backend>> {
        let path = (self.settings.file_path.clone()).unwrap_or_else(std::env::temp_dir);
        let unreadable_age =
            std::time::Duration::from_secs(self.settings.cookie_age.unsigned_abs());
        let backend = session_file::FileBackend::builder(path)
            .cookie_name(self.settings.cookie_name.clone())
            .unreadable_age(unreadable_age)
            .context(self.context.clone())
            .codec(self.codec()?)
            .build()?;
        Ok(Arc::new(backend))
    }

    #[cfg(not(feature = "file"))]
    fn file(self) -> Result<Arc<dyn Backend>> {
        Err(Error::config(
            "SESSION_ENGINE",
            "the file engine needs the cargo feature file",
        ))
    }

    /// `signed_cookies` / `encrypted_cookies`: sealed with `SECRET_KEY`, opened with it or a
    /// fallback.
    #[cfg(feature = "cookie")]
    fn cookie(self) -> Result<Arc<dyn Backend>> {
        let keys = self.settings.keyring()?;
        let age = self.settings.cookie_age;
        Ok(match self.settings.engine {
            EngineKind::EncryptedCookies => Arc::new(
                session_cookie::EncryptedCookieBackend::encrypted(
                    &keys,
                    &self.settings.cookie_name,
                )
                .with_cookie_age(age)
                .with_absolute_age(self.settings.absolute_age)
                .with_context(self.context.clone()),
            ),
            _ => Arc::new(
                session_cookie::SignedCookieBackend::new(
                    session_cookie::Signed::new(&keys).with_compression(
                        session_core::signing::Compression::FromBytes(
                            self.settings.cookie_compress_from,
                        ),
                    ),
                )
                .with_cookie_age(age)
                .with_absolute_age(self.settings.absolute_age)
                .with_context(self.context),
            ),
        })
    }

    #[cfg(not(feature = "cookie"))]
    fn cookie(self) -> Result<Arc<dyn Backend>> {
        Err(Error::config(
            "SESSION_ENGINE",
            "the cookie engines need the cargo feature cookie",
        ))
    }

    /// The Redis engine on `SESSION_CACHE_URL`: our layout, or with `SESSION_CODEC=django`
    /// Django's (its cache keys under the session engine's `engine_prefix`, pickled dicts).
    #[cfg(feature = "redis")]
    fn redis(&self, engine_prefix: &str) -> Result<Arc<session_cache::RedisBackend>> {
        use session_cache::{DjangoCacheKeys, KeyLayout, PickleCodec};
        let builder = session_cache::RedisBackend::builder(&self.settings.cache_url)
            .context(self.context.clone());
        let builder = match self.settings.codec {
            CodecKind::Django => builder
                .layout(KeyLayout::Django(DjangoCacheKeys {
                    key_prefix: self.settings.django_cache_key_prefix.clone(),
                    version: self.settings.django_cache_version,
                    engine_prefix: engine_prefix.to_owned(),
                }))
                .codec(PickleCodec),
            _ => builder.layout(KeyLayout::braced(self.settings.cache_key_prefix.clone())),
        };
        Ok(Arc::new(builder.build()?))
    }

    #[cfg(not(feature = "redis"))]
    fn redis(&self, _engine_prefix: &str) -> Result<Arc<dyn Backend>> {
        Err(Error::config(
            "SESSION_CACHE_URL",
            "redis:// needs the cargo feature redis",
        ))
    }

    #[cfg(feature = "moka")]
    fn memory(self) -> Result<Arc<dyn Backend>> {
        let backend = session_cache::MokaBackend::builder()
            .context(self.context.clone())
            .build();
        Ok(self.indexed(backend, session_core::users::MemoryKeyIndex::new()))
    }

    /// `backend` with its logged-in sessions filed by user in `index` (the user's list of
    /// sessions), unless `SESSION_USER_INDEX=false`.
    #[cfg_attr(not(feature = "moka"), allow(dead_code))]
    fn indexed(
        &self,
        backend: impl Backend + 'static,
        index: impl session_core::users::KeyIndex + 'static,
    ) -> Arc<dyn Backend> {
        if self.settings.user_index {
            Arc::new(session_core::users::Indexed::new(backend, index))
        } else {
            Arc::new(backend)
        }
    }

    #[cfg(not(feature = "moka"))]
    fn memory(self) -> Result<Arc<dyn Backend>> {
        Err(Error::config(
            "SESSION_CACHE_URL",
            "memory:// needs the cargo feature moka",
        ))
    }
}

/// Django's cache key prefix of the `cache` session engine (used in Django's layout only).
#[cfg(feature = "redis")]
const CACHE_ENGINE_PREFIX: &str = session_cache::CACHE_KEY_PREFIX;
#[cfg(not(feature = "redis"))]
const CACHE_ENGINE_PREFIX: &str = "";

/// What `SESSION_CACHE_URL` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CacheKind {
    Memory,
    Redis,
}

fn cache_kind(url: &str) -> Result<CacheKind> {
    let url = url.trim();
    if url.starts_with("memory://") {
        return Ok(CacheKind::Memory);
    }
    let all_redis = url.split(',').map(str::trim).all(|node| {
        let scheme = node.split(':').next().unwrap_or_default();
        scheme == "redis" || scheme == "rediss"
    });
    if all_redis && !url.is_empty() {
        Ok(CacheKind::Redis)
    } else {
        Err(Error::config(
            "SESSION_CACHE_URL",
            "expected memory:// or redis://… (several redis:// URLs, comma-separated, for a Redis Cluster)",
        ))
    }
}
