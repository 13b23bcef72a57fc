//! # session-db
//!
//! Django's default `db` session engine for [`session-kit`](https://docs.rs/session-kit), over sqlx
//! 0.8, in Django's own `django_session` table:
//!
//! | feature | database | URL |
//! |---|---|---|
//! | `sqlite` | SQLite, a file (created if missing; WAL, busy timeout) or memory | `sqlite://sessions.sqlite3`, `sqlite::memory:` |
//! | `postgres` | PostgreSQL | `postgres://user@host:5432/db` |
//! | `mysql` | MySQL, MariaDB | `mysql://root@127.0.0.1:3306/db` (`mariadb://` too) |
//!
//! The table is Django's (`session_key varchar(40)` primary key, `session_data` text,
//! `expire_date` with Django's index) plus a `version` column with a default, so Django's own
//! inserts still work. [`DbBackend::migrate`] creates it, or adds `version` to a table Django
//! made; it is idempotent and never runs per request.
//!
//! Every operation is one statement: `load` one `SELECT` filtered on expiry; `create` an
//! insert-if-absent retried on a taken key; `save` an `UPDATE … WHERE session_key AND version`
//! (a second query runs only when no row changed, to tell `Gone` from `Conflict`), which leaves
//! the indexed `expire_date` alone when the new deadline is later by less than the
//! [expiry slack](DbBackendBuilder::expiry_slack); `touch` an update of `expire_date` alone; `clear_expired` deletes in batches of 1,000; `cycle` one
//! transaction. Statements are prepared once per connection and cached by sqlx.
//!
//! ```no_run
//! # async fn demo() -> session_core::Result<()> {
//! use std::sync::Arc;
//! use session_core::SessionStore;
//! use session_db::DbBackend;
//!
//! let backend = DbBackend::builder("sqlite://sessions.sqlite3").build().await?;
//! backend.migrate().await?;
//! let store = SessionStore::new(Arc::new(backend));
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
compile_error!("session-db needs a database: enable the feature sqlite, postgres or mysql");

mod builder;
mod failure;
mod schema;
mod slack;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use session_core::codec::{Beside, RecordCodec, load_live};
use session_core::{
    Backend, Capabilities, Context, Error, Record, Result, SessionKey, Stored, async_trait,
};
use time::OffsetDateTime;

pub use builder::DbBackendBuilder;
use builder::Source;
pub use failure::DbError;
use schema::Statements;
pub use slack::DEFAULT_EXPIRY_SLACK;
pub use store::DbPool;

/// The name Django's migration gives the `expire_date` index of `table` (with Django's
/// shortening past the database's identifier limit); `migrate()` uses it, so running over a
/// table Django created finds Django's index.
pub fn expire_date_index_name(table: &str, max_identifier_length: usize) -> String {
    schema::django_index_name(table, "expire_date", max_identifier_length)
}

/// Default pool size.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// Default time to wait for a connection before a request fails with `Error::Backend`.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sessions in a SQL database, in Django's `django_session` table.
#[derive(Clone)]
pub struct DbBackend {
    inner: Arc<Inner>,
}

struct Inner {
    pub(crate) pool: DbPool,
    pub(crate) table: String,
    pub(crate) sql: Statements,
    pub(crate) context: Context,
    pub(crate) codec: Arc<dyn RecordCodec>,
    pub(crate) expiry_slack: Duration,
}

impl fmt::Debug for DbBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: only the database kind and table are shown.
        f.debug_struct("DbBackend")
            .field("database", &self.inner.pool.dialect().name())
            .field("table", &self.inner.table)
            .field("codec", &self.inner.codec.name())
            .finish_non_exhaustive()
    }
}

impl DbBackend {
    /// A builder for the database at `url`.
    pub fn builder(url: impl Into<String>) -> DbBackendBuilder {
        DbBackendBuilder::new(Source::Url(url.into()))
    }

    /// A builder on a pool the application already has.
    pub fn builder_with_pool(pool: DbPool) -> DbBackendBuilder {
        DbBackendBuilder::new(Source::Pool(pool))
    }

    /// Creates the table and its `expire_date` index if missing, and adds the `version`
    /// column to a table Django created. Idempotent; run it at start-up or from a deploy
    /// script, never per request.
    ///
    /// # Errors
    /// [`Error::Backend`] when the database refuses.
    pub async fn migrate(&self) -> Result<()> {
        self.inner
            .pool
            .migrate(&self.inner.context, &self.inner.sql)
            .await
    }

    /// The pool.
    pub fn pool(&self) -> &DbPool {
        &self.inner.pool
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.inner.table
    }

    /// Runs one SQL statement without parameters and returns the rows it affected: for
    /// administration and tests (e.g. dropping a test table). Never pass it user input.
    ///
    /// # Errors
    /// [`Error::Backend`] when the database refuses.
    pub async fn execute_unprepared(&self, statement: &str) -> Result<u64> {
        self.inner
            .pool
            .execute(&self.inner.context, statement)
            .await
    }

    /// Writes a row exactly as given, `session_data` unencoded and unchecked, live until
    /// `expires_at`: for importing sessions and for tests that need corrupt data.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] outside Django's key syntax; [`Error::Backend`] when the key is
    /// taken or the database refuses.
    pub async fn insert_raw(
        &self,
        key: &SessionKey,
        session_data: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let key = key.django_syntax()?;
        let inserted = self
            .inner
            .pool
            .insert(
                &self.inner.context,
                &self.inner.sql,
                key,
                session_data,
                expires_at,
                0,
            )
            .await?;
        if inserted {
            Ok(())
        } else {
            Err(Error::backend(self.name(), "the key is taken"))
        }
    }

    fn name(&self) -> &'static str {
        self.inner.pool.dialect().name()
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.context.now()
    }

    /// Stores `record` under a fresh key, in one transaction with the delete of `replacing`
    /// when given (`cycle`).
    async fn insert_fresh(&self, record: &Record, replacing: Option<&str>) -> Result<Stored> {
        let (data, version) = self.encode(record, 1, self.now())?;
        let (pool, ctx, sql, data) = (
            &self.inner.pool,
            &self.inner.context,
            &self.inner.sql,
            &data,
        );
        let expires_at = record.expires_at;
        let key = self
            .inner
            .context
            .create_with(|key| async move {
                let key = key.django_syntax()?;
                match replacing {
                    Some(old) => pool.cycle(ctx, sql, old, key, data, expires_at, 1).await,
                    None => pool.insert(ctx, sql, key, data, expires_at, 1).await,
                }
            })
            .await?;
        Ok(Stored { key, version })
    }

    /// `record` encoded as `session_data` at version `next`.
    fn encode(
        &self,
        record: &Record,
        next: u64,
        now: OffsetDateTime,
    ) -> Result<(String, session_core::Version)> {
        let encoded = self.inner.codec.encode(record, next, now)?;
        let text = String::from_utf8(encoded.bytes).map_err(Error::codec)?;
        Ok((text, encoded.version))
    }
}

#[async_trait]
impl Backend for DbBackend {
    async fn load(&self, key: &SessionKey) -> Result<Option<Record>> {
        let Ok(key_text) = key.django_syntax() else {
            return Ok(None); // a key we could never have issued: unknown
        };
        let Some(row) = self
            .inner
            .pool
            .select(&self.inner.context, &self.inner.sql, key_text, self.now())
            .await?
        else {
            return Ok(None);
        };
        let beside = Beside::row(row.version.unsigned_abs(), row.expires_at);
        let record = load_live(
            &*self.inner.codec,
            row.data.as_bytes(),
            beside,
            self.now(),
            self.name(),
        );
        Ok(record.map(|mut record| {
            record.handle = Some(slack::handle(key, row.expires_at));
            record
        }))
    }

    async fn create(&self, record: Record) -> Result<Stored> {
        self.insert_fresh(&record, None).await
    }

    async fn save(&self, key: &SessionKey, record: Record) -> Result<Stored> {
        let key_text = key.django_syntax()?;
        let now = self.now();
        let sql = &self.inner.sql;
        let (pool, ctx) = (&self.inner.pool, &self.inner.context);
        let expected = self.inner.codec.expected(&record)?;
        let expires_at = (!slack::keeps_deadline(key, &record, now, self.inner.expiry_slack))
            .then_some(record.expires_at);
        let (data, version) = self.encode(&record, expected.next()?, now)?;
        let changed = pool
            .update(ctx, sql, key_text, &data, expires_at, &expected, now)
            .await?;
        if changed == 1 {
            return Ok(Stored {
                key: key.clone(),
                version,
            });
        }
        // Nothing changed: gone (logged out, expired) or saved by someone else meanwhile.
        match pool.probe(ctx, sql, key_text, now).await? {
            None => Err(Error::Gone),
            Some(_) => Err(Error::Conflict),
        }
    }

    async fn touch(&self, key: &SessionKey, expires_at: OffsetDateTime) -> Result<SessionKey> {
        let key_text = key.django_syntax()?;
        let matched = self
            .inner
            .pool
            .touch(
                &self.inner.context,
                &self.inner.sql,
                key_text,
                expires_at,
                self.now(),
            )
            .await?;
        if matched == 1 {
            Ok(key.clone())
        } else {
            Err(Error::Gone)
        }
    }

    async fn cycle(&self, old: &SessionKey, record: Record) -> Result<Stored> {
        self.insert_fresh(&record, Some(old.django_syntax()?)).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool> {
        match key.django_syntax() {
            Ok(key) => {
                self.inner
                    .pool
                    .delete(&self.inner.context, &self.inner.sql, key)
                    .await
            }
            Err(_) => Ok(false), // nothing can be stored under it
        }
    }

    async fn exists(&self, key: &SessionKey) -> Result<bool> {
        let Ok(key) = key.django_syntax() else {
            return Ok(false);
        };
        Ok(self
            .inner
            .pool
            .probe(&self.inner.context, &self.inner.sql, key, self.now())
            .await?
            .is_some())
    }

    async fn clear_expired(&self) -> Result<u64> {
        self.inner
            .pool
            .clear_expired(&self.inner.context, &self.inner.sql, self.now())
            .await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::server_side().with_keeps_created_at(self.inner.codec.keeps_created_at())
    }
}
