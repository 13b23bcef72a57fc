//! The pool of one of the three databases, and each operation as one statement on it.
//!
//! Every operation is written once, in [`with_pool!`], and compiled for each enabled database
//! with that database's pool and time type (PostgreSQL `timestamptz`, MySQL `datetime(6)` in
//! UTC, SQLite text in Django's format).

use session_core::{Context, Error, Result};
use sqlx::Row as _;
use time::OffsetDateTime;

use crate::schema::{CLEAR_BATCH, Dialect, Statements};
use session_core::codec::Expected;

/// A connection pool on one of the supported databases.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DbPool {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
}

impl DbPool {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Self::MySql(_) => Dialect::MySql,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => pool.close().await,
            #[cfg(feature = "mysql")]
            Self::MySql(pool) => pool.close().await,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => pool.close().await,
        }
    }
}

/// The version a save must find, as the statement binds it.
enum Bound<'a> {
    Counter(i64),
    Text(&'a str),
}

/// A stored row: what `load` needs.
pub(crate) struct Row {
    pub(crate) data: String,
    pub(crate) version: i64,
    pub(crate) expires_at: OffsetDateTime,
}

/// Runs `$body` with `$pool` bound to the concrete pool, `$to_db` converting an
/// `OffsetDateTime` into the database's time type, `$from_db` reading one back from a row,
/// `$fail` mapping a driver error into `Error::Backend` named after the database, and `$call`
/// counting one more statement with `$ctx` ([`Context::store_call`]).
///
/// The store call of the first statement is made here, before `$body`, so every operation
/// counts at least one; a body running more statements (a transaction) calls `$call()?`
/// before each further one.
macro_rules! with_pool {
    ($store:expr, $ctx:expr, |$pool:ident, $to_db:ident, $from_db:ident, $fail:ident| $body:expr) => {
        with_pool!($store, $ctx, |$pool, $to_db, $from_db, $fail, call| $body)
    };
    ($store:expr, $ctx:expr, |$pool:ident, $to_db:ident, $from_db:ident, $fail:ident, $call:ident| $body:expr) => {
        match $store {
            #[cfg(feature = "postgres")]
            DbPool::Postgres($pool) => {
                let $to_db = |at: OffsetDateTime| at;
                let $from_db =
                    |row: &sqlx::postgres::PgRow, i: usize| row.try_get::<OffsetDateTime, _>(i);
                let $fail = |err| crate::failure::failed("postgres", err);
                let $call = || $ctx.store_call("postgres");
                $call()?;
                $body
            }
            #[cfg(feature = "mysql")]
            DbPool::MySql($pool) => {
                let $to_db = |at: OffsetDateTime| {
                    let at = at.to_offset(time::UtcOffset::UTC);
                    time::PrimitiveDateTime::new(at.date(), at.time())
                };
                let $from_db = |row: &sqlx::mysql::MySqlRow, i: usize| {
                    row.try_get::<time::PrimitiveDateTime, _>(i)
                        .map(time::PrimitiveDateTime::assume_utc)
                };
                let $fail = |err| crate::failure::failed("mysql", err);
                let $call = || $ctx.store_call("mysql");
                $call()?;
                $body
            }
            #[cfg(feature = "sqlite")]
            DbPool::Sqlite($pool) => {
                let $to_db = |at: OffsetDateTime| session_core::datetime::format_naive(at, ' ');
                let $from_db = |row: &sqlx::sqlite::SqliteRow, i: usize| {
                    let text: String = row.try_get(i)?;
                    session_core::datetime::parse_iso(&text).ok_or_else(|| {
                        sqlx::Error::Decode(format!("expire_date {text:?} is not a date").into())
                    })
                };
                let $fail = |err| crate::failure::failed("sqlite", err);
                let $call = || $ctx.store_call("sqlite");
                $call()?;
                $body
            }
        }
    };
}

impl DbPool {
    /// The live row under `key`.
    pub(crate) async fn select(
        &self,
        ctx: &Context,
        sql: &Statements,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Row>> {
        with_pool!(self, ctx, |pool, to_db, from_db, fail| {
            let row = sqlx::query(&sql.select)
                .bind(key)
                .bind(to_db(now))
                .fetch_optional(pool)
                .await
                .map_err(fail)?;
            row.map(|row| {
                Ok(Row {
                    data: row.try_get(0)?,
                    version: row.try_get(1)?,
                    expires_at: from_db(&row, 2)?,
                })
            })
            .transpose()
            .map_err(fail)
        })
    }

    /// Inserts unless the key is taken (live or not); false when it was.
    pub(crate) async fn insert(
        &self,
        ctx: &Context,
        sql: &Statements,
        key: &str,
        data: &str,
        expires_at: OffsetDateTime,
        version: i64,
    ) -> Result<bool> {
        with_pool!(self, ctx, |pool, to_db, _from_db, fail| {
            let result = sqlx::query(&sql.insert)
                .bind(key)
                .bind(data)
                .bind(to_db(expires_at))
                .bind(version)
                .execute(pool)
                .await;
            inserted(result.map(|done| done.rows_affected())).map_err(fail)
        })
    }

    /// The conditional save: rows changed (0 or 1). The row must hold `expected` (a version
    /// counter, or in Django mode the stored text itself); `expires_at` `None` leaves the
    /// stored deadline as it is.
    #[expect(
        clippy::too_many_arguments,
        reason = "the row's fields, and the context counting store calls"
    )]
    pub(crate) async fn update(
        &self,
        ctx: &Context,
        sql: &Statements,
        key: &str,
        data: &str,
        expires_at: Option<OffsetDateTime>,
        expected: &Expected<'_>,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let statement = match (expected, expires_at.is_some()) {
            (Expected::Counter(_), true) => &sql.update,
            (Expected::Counter(_), false) => &sql.update_keeping_expiry,
            (Expected::Bytes(_), true) => &sql.update_if_data,
            (Expected::Bytes(_), false) => &sql.update_if_data_keeping_expiry,
        };
        // A version no row can hold (past i64, not text) is another writer's: a conflict.
        let expected = match expected {
            Expected::Counter(version) => {
                Bound::Counter(i64::try_from(*version).map_err(|_| Error::Conflict)?)
            }
            Expected::Bytes(bytes) => {
                Bound::Text(std::str::from_utf8(bytes).map_err(|_| Error::Conflict)?)
            }
        };
        with_pool!(self, ctx, |pool, to_db, _from_db, fail| {
            let mut query = sqlx::query(statement).bind(data);
            if let Some(expires_at) = expires_at {
                query = query.bind(to_db(expires_at));
            }
            let query = query.bind(key);
            let query = match expected {
                Bound::Counter(version) => query.bind(version),
                Bound::Text(text) => query.bind(text),
            };
            query
                .bind(to_db(now))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(fail)
        })
    }

    /// Moves the expiry of a live row: rows matched (0 or 1).
    pub(crate) async fn touch(
        &self,
        ctx: &Context,
        sql: &Statements,
        key: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64> {
        with_pool!(self, ctx, |pool, to_db, _from_db, fail| {
            sqlx::query(&sql.touch)
                .bind(to_db(expires_at))
                .bind(key)
                .bind(to_db(now))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(fail)
        })
    }

    /// The version of the live row under `key`.
    pub(crate) async fn probe(
        &self,
        ctx: &Context,
        sql: &Statements,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<i64>> {
        with_pool!(self, ctx, |pool, to_db, _from_db, fail| {
            sqlx::query_scalar::<_, i64>(&sql.probe)
                .bind(key)
                .bind(to_db(now))
                .fetch_optional(pool)
                .await
                .map_err(fail)
        })
    }

    /// Deletes the row of `key`; true when there was one.
    pub(crate) async fn delete(&self, ctx: &Context, sql: &Statements, key: &str) -> Result<bool> {
        with_pool!(self, ctx, |pool, _to_db, _from_db, fail| {
            sqlx::query(&sql.delete)
                .bind(key)
                .execute(pool)
                .await
                .map(|done| done.rows_affected() > 0)
                .map_err(fail)
        })
    }

    /// Deletes expired rows in batches of [`CLEAR_BATCH`] until none is left; the count.
    pub(crate) async fn clear_expired(
        &self,
        ctx: &Context,
        sql: &Statements,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let mut total = 0;
        loop {
            let deleted = self.clear_batch(ctx, sql, now).await?;
            total += deleted;
            if deleted < CLEAR_BATCH.unsigned_abs() {
                return Ok(total);
            }
        }
    }

    /// Deletes up to [`CLEAR_BATCH`] expired rows.
    async fn clear_batch(
        &self,
        ctx: &Context,
        sql: &Statements,
        now: OffsetDateTime,
    ) -> Result<u64> {
        with_pool!(self, ctx, |pool, to_db, _from_db, fail| {
            sqlx::query(&sql.clear_batch)
                .bind(to_db(now))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(fail)
        })
    }

    /// In one transaction: inserts under `new_key`, then deletes `old`. `Ok(false)` (nothing
    /// done) when `new_key` is taken; [`Error::Gone`](session_core::Error::Gone) (nothing done)
    /// when `old` holds no row: a concurrent cycle or a logout got there first.
    #[expect(
        clippy::too_many_arguments,
        reason = "the row's fields, and the context counting store calls"
    )]
    pub(crate) async fn cycle(
        &self,
        ctx: &Context,
        sql: &Statements,
        old: &str,
        new_key: &str,
        data: &str,
        expires_at: OffsetDateTime,
        version: i64,
    ) -> Result<bool> {
        with_pool!(self, ctx, |pool, to_db, _from_db, fail, call| {
            let mut tx = pool.begin().await.map_err(fail)?;
            call()?;
            let result = sqlx::query(&sql.insert)
                .bind(new_key)
                .bind(data)
                .bind(to_db(expires_at))
                .bind(version)
                .execute(&mut *tx)
                .await;
            if !inserted(result.map(|done| done.rows_affected())).map_err(fail)? {
                call()?;
                tx.rollback().await.map_err(fail)?;
                return Ok(false);
            }
            call()?;
            let deleted = sqlx::query(&sql.delete)
                .bind(old)
                .execute(&mut *tx)
                .await
                .map_err(fail)?
                .rows_affected();
            if deleted == 0 {
                call()?;
                tx.rollback().await.map_err(fail)?;
                return Err(session_core::Error::Gone);
            }
            call()?;
            tx.commit().await.map_err(fail)?;
            Ok(true)
        })
    }

    /// Creates the table and its index, and adds `version` to a table Django created.
    pub(crate) async fn migrate(&self, ctx: &Context, sql: &Statements) -> Result<()> {
        with_pool!(self, ctx, |pool, _to_db, _from_db, fail, call| {
            sqlx::query(&sql.create_table)
                .execute(pool)
                .await
                .map_err(fail)?;
            if !sql.create_index.is_empty() {
                call()?;
                sqlx::query(&sql.create_index)
                    .execute(pool)
                    .await
                    .map_err(fail)?;
            }
            call()?;
            let has_version = sqlx::query(&sql.has_version)
                .fetch_optional(pool)
                .await
                .map_err(fail)?
                .is_some();
            if !has_version {
                call()?;
                sqlx::query(&sql.add_version)
                    .execute(pool)
                    .await
                    .map_err(fail)?;
            }
            Ok(())
        })
    }

    /// Runs one statement with no parameters (tests, administration).
    pub(crate) async fn execute(&self, ctx: &Context, statement: &str) -> Result<u64> {
        with_pool!(self, ctx, |pool, _to_db, _from_db, fail| {
            sqlx::raw_sql(statement)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(fail)
        })
    }
}

/// An insert's outcome: one row is inserted; none (ON CONFLICT DO NOTHING) or a duplicate-key
/// error (MySQL) is a taken key; any other error is an error.
fn inserted(
    result: std::result::Result<u64, sqlx::Error>,
) -> std::result::Result<bool, sqlx::Error> {
    match result {
        Ok(rows) => Ok(rows == 1),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(false),
        Err(err) => Err(err),
    }
}
