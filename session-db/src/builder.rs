//! [`DbBackendBuilder`]: the pool (from a URL or the application's), the table, the codec.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use session_core::codec::RecordCodec;
use session_core::{Context, Error, JsonCodec, Result};

#[cfg(doc)]
use crate::DbError;
use crate::schema::{Statements, check_table};
use crate::{
    DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_EXPIRY_SLACK, DEFAULT_MAX_CONNECTIONS, DbBackend, DbPool,
    Inner,
};

/// Where a [`DbBackendBuilder`] gets its pool.
pub(crate) enum Source {
    Url(String),
    Pool(DbPool),
}

/// Builds a [`DbBackend`] from a URL or an existing pool.
#[must_use]
pub struct DbBackendBuilder {
    source: Source,
    table: String,
    context: Context,
    max_connections: u32,
    acquire_timeout: Duration,
    codec: Arc<dyn RecordCodec>,
    expiry_slack: Duration,
    create_database: bool,
}

impl fmt::Debug for DbBackendBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbBackendBuilder")
            .field("table", &self.table)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish_non_exhaustive()
    }
}

impl DbBackendBuilder {
    pub(crate) fn new(source: Source) -> Self {
        Self {
            source,
            table: session_core::settings::defaults::DB_TABLE.to_owned(),
            context: Context::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            codec: Arc::new(JsonCodec),
            expiry_slack: DEFAULT_EXPIRY_SLACK,
            create_database: true,
        }
    }

    /// The table (`SESSION_DB_TABLE`). Default: `django_session`.
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// The clock deciding expiry and the generator of new keys. Default:
    /// [`Context::default`].
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// How far the stored `expire_date` may trail a session's true deadline before a save
    /// rewrites it (default [`DEFAULT_EXPIRY_SLACK`], and never more than 1/1000 of the time
    /// the session has left). A save that only pushes the deadline later by less than this
    /// writes the data and not the indexed `expire_date`, which spares the index a write per
    /// request; the session may then expire up to that much before its cookie says, never
    /// after. `Duration::ZERO` writes the deadline on every save, as Django does.
    pub fn expiry_slack(mut self, slack: Duration) -> Self {
        self.expiry_slack = slack;
        self
    }

    /// Whether a SQLite URL naming a file that does not exist creates it. Default: true; the
    /// `sessions clearsessions` command says false, so a mistyped path is reported as
    /// [`DbError::MissingDatabase`] instead of leaving an empty database behind.
    pub fn create_database(mut self, create: bool) -> Self {
        self.create_database = create;
        self
    }

    /// Pool size, when built from a URL. Default: [`DEFAULT_MAX_CONNECTIONS`].
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// How long a request waits for a connection, when built from a URL. Default:
    /// [`DEFAULT_ACQUIRE_TIMEOUT`].
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// What goes in `session_data`. Default: [`JsonCodec`], our record (versioned by the
    /// `version` column). [`DjangoCodec`](session_core::codec::django::DjangoCodec)
    /// (`SESSION_CODEC=django`) stores Django's own signed `session_data`, so a Django app reads
    /// and writes the same rows; saves then check the stored text itself, so a write Django made
    /// since our load is a conflict, not overwritten.
    pub fn codec(mut self, codec: impl RecordCodec + 'static) -> Self {
        self.codec = Arc::new(codec);
        self
    }

    /// Connects (lazily: the first connection is opened by the first query) and builds.
    ///
    /// # Errors
    /// [`Error::Config`] naming `SESSION_DB_TABLE` for a table name that is not a plain
    /// identifier, or `SESSION_DATABASE_URL` for a URL that does not parse or names a
    /// database whose feature is off.
    pub async fn build(self) -> Result<DbBackend> {
        check_table(&self.table)?;
        let pool = match &self.source {
            Source::Pool(pool) => pool.clone(),
            Source::Url(url) => connect(url, &self)?,
        };
        let sql = Statements::new(pool.dialect(), &self.table);
        Ok(DbBackend {
            inner: Arc::new(Inner {
                pool,
                table: self.table,
                sql,
                context: self.context,
                codec: self.codec,
                expiry_slack: self.expiry_slack,
            }),
        })
    }
}

/// A lazily connecting pool for `url`.
fn connect(url: &str, builder: &DbBackendBuilder) -> Result<DbPool> {
    let (max_connections, acquire_timeout) = (builder.max_connections, builder.acquire_timeout);
    let bad_url = |reason: String| Error::config("SESSION_DATABASE_URL", reason);
    let unparsable = |err: sqlx::Error| {
        Error::config_source("SESSION_DATABASE_URL", "the URL does not parse", err)
    };
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => {
            let options: sqlx::postgres::PgConnectOptions = url.parse().map_err(unparsable)?;
            Ok(DbPool::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(acquire_timeout)
                    .connect_lazy_with(options),
            ))
        }
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => {
            let url = url.replacen("mariadb:", "mysql:", 1);
            let options: sqlx::mysql::MySqlConnectOptions = url.parse().map_err(unparsable)?;
            Ok(DbPool::MySql(
                sqlx::mysql::MySqlPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(acquire_timeout)
                    .connect_lazy_with(options),
            ))
        }
        #[cfg(feature = "sqlite")]
        "sqlite" => {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse().map_err(unparsable)?;
            let options = options
                .create_if_missing(builder.create_database)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(acquire_timeout);
            let pool = sqlx::sqlite::SqlitePoolOptions::new().acquire_timeout(acquire_timeout);
            // An in-memory database lives and dies with its one connection: keep exactly one.
            let pool = if url.contains(":memory:") || url.contains("mode=memory") {
                pool.max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
            } else {
                pool.max_connections(max_connections)
            };
            Ok(DbPool::Sqlite(pool.connect_lazy_with(options)))
        }
        // Reached only for a database whose feature is off.
        #[allow(unreachable_patterns)]
        "postgres" | "postgresql" | "mysql" | "mariadb" | "sqlite" => Err(bad_url(format!(
            "{scheme}:// needs the session-db feature {:?}",
            if scheme.starts_with("postgres") {
                "postgres"
            } else if scheme == "sqlite" {
                "sqlite"
            } else {
                "mysql"
            }
        ))),
        _ => Err(bad_url(format!(
            "unknown database scheme {scheme:?}; expected postgres://, mysql://, mariadb:// or sqlite://"
        ))),
    }
}
