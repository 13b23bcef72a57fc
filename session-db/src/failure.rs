//! The db engine's failures, with what to do where the driver's error alone would not say.

use session_core::Error;

/// Why a statement failed, when the cause is the set-up rather than the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The sessions table is not there: the database is new, or `SESSION_DB_TABLE` names
    /// another table.
    #[error(
        "the sessions table does not exist: run `sessions migrate` (or `DbBackend::migrate`) \
         first, or check SESSION_DB_TABLE"
    )]
    MissingTable {
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The SQLite file is not there, and the engine was told not to create it.
    #[error(
        "the SQLite database file does not exist: run `sessions migrate` first, or check \
         SESSION_DATABASE_URL"
    )]
    MissingDatabase {
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

/// `err` from the `backend` engine as a session error, explained when it is a set-up mistake.
pub(crate) fn failed(backend: &'static str, err: sqlx::Error) -> Error {
    let sqlx::Error::Database(db) = &err else {
        return Error::backend(backend, err);
    };
    let code = db.code();
    // PostgreSQL's undefined_table, MySQL's and MariaDB's ER_NO_SUCH_TABLE (SQLSTATE 42S02),
    // SQLite's generic error with its own message.
    if matches!(code.as_deref(), Some("42P01" | "42S02"))
        || (backend == "sqlite" && db.message().starts_with("no such table"))
    {
        return Error::backend(backend, DbError::MissingTable { source: err });
    }
    // SQLITE_CANTOPEN.
    if backend == "sqlite" && code.as_deref() == Some("14") {
        return Error::backend(backend, DbError::MissingDatabase { source: err });
    }
    Error::backend(backend, err)
}
