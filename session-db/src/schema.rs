//! Django's `django_session` table: its name, its index, and the statements we run on it.

use md5::{Digest, Md5};
use session_core::{Error, Result, settings::is_sql_identifier};

/// The SQL dialect of a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    not(all(feature = "postgres", feature = "mysql", feature = "sqlite")),
    allow(dead_code) // only the enabled databases' dialects are constructed
)]
pub(crate) enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

impl Dialect {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
            Self::Sqlite => "sqlite",
        }
    }

    /// Longest identifier the database accepts.
    fn max_identifier(self) -> usize {
        match self {
            Self::Postgres => 63,
            Self::MySql => 64,
            Self::Sqlite => 128,
        }
    }
}

/// A validated table name (`SESSION_DB_TABLE`).
pub(crate) fn check_table(table: &str) -> Result<()> {
    if is_sql_identifier(table) {
        Ok(())
    } else {
        Err(Error::config(
            "SESSION_DB_TABLE",
            format!("{table:?} is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63)"),
        ))
    }
}

/// The name Django gives the `expire_date` index (`sqlmigrate sessions 0001`), so that
/// `migrate()` over a table Django created finds its index instead of adding a second one.
pub(crate) fn django_index_name(table: &str, column: &str, max_length: usize) -> String {
    let mut md5 = Md5::new();
    md5.update(table.as_bytes());
    md5.update(column.as_bytes());
    let digest = md5.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut suffix = hex[..8].to_owned();
    let name = format!("{table}_{column}_{suffix}");
    if name.len() <= max_length {
        return name;
    }
    // Django's shortening (BaseDatabaseSchemaEditor._create_index_name).
    suffix.truncate((max_length / 3).min(suffix.len()));
    let other = (max_length - suffix.len()) / 2 - 1;
    format!(
        "{}_{}_{suffix}",
        &table[..other.min(table.len())],
        &column[..other.min(column.len())]
    )
}

/// Every statement, with the table name spliced in once, at construction.
#[derive(Debug, Clone)]
pub(crate) struct Statements {
    pub(crate) select: String,
    pub(crate) insert: String,
    pub(crate) update: String,
    /// `update` leaving `expire_date` as it is (see `slack`).
    pub(crate) update_keeping_expiry: String,
    /// The conditional save of Django mode: the version is the stored `session_data` itself.
    pub(crate) update_if_data: String,
    /// `update_if_data` leaving `expire_date` as it is.
    pub(crate) update_if_data_keeping_expiry: String,
    pub(crate) touch: String,
    pub(crate) probe: String,
    pub(crate) delete: String,
    pub(crate) clear_batch: String,
    pub(crate) create_table: String,
    pub(crate) create_index: String,
    pub(crate) has_version: String,
    pub(crate) add_version: String,
}

/// Rows `clear_expired` deletes per statement, so no statement locks a big table for long.
pub(crate) const CLEAR_BATCH: i64 = 1_000;

impl Statements {
    pub(crate) fn new(dialect: Dialect, table: &str) -> Self {
        let index = django_index_name(table, "expire_date", dialect.max_identifier());
        let p = |n: usize| match dialect {
            Dialect::Postgres => format!("${n}"),
            Dialect::MySql | Dialect::Sqlite => "?".to_owned(),
        };
        let (p1, p2, p3, p4, p5) = (p(1), p(2), p(3), p(4), p(5));
        let insert = match dialect {
            // sqlx sets CLIENT_FOUND_ROWS on MySQL, so `ON DUPLICATE KEY UPDATE k = k` reports
            // one row for a duplicate too; a plain INSERT whose duplicate-key error (and only
            // that error) means "key taken" tells them apart.
            Dialect::MySql => format!(
                "INSERT INTO {table} (session_key, session_data, expire_date, version) \
                 VALUES (?, ?, ?, ?)"
            ),
            Dialect::Postgres | Dialect::Sqlite => format!(
                "INSERT INTO {table} (session_key, session_data, expire_date, version) \
                 VALUES ({p1}, {p2}, {p3}, {p4}) ON CONFLICT (session_key) DO NOTHING"
            ),
        };
        let clear_batch = match dialect {
            // MariaDB refuses LIMIT inside an IN subquery; MySQL deletes with LIMIT directly.
            Dialect::MySql => {
                format!("DELETE FROM {table} WHERE expire_date <= ? LIMIT {CLEAR_BATCH}")
            }
            Dialect::Postgres | Dialect::Sqlite => format!(
                "DELETE FROM {table} WHERE session_key IN \
                 (SELECT session_key FROM {table} WHERE expire_date <= {p1} LIMIT {CLEAR_BATCH})"
            ),
        };
        let (key_type, data_type, time_type, version_type) = match dialect {
            Dialect::Postgres => ("varchar(40)", "text", "timestamp with time zone", "bigint"),
            Dialect::MySql => ("varchar(40)", "longtext", "datetime(6)", "bigint"),
            Dialect::Sqlite => ("varchar(40)", "text", "datetime", "integer"),
        };
        let has_version = match dialect {
            Dialect::Postgres => format!(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = '{table}' AND column_name = 'version'"
            ),
            Dialect::MySql => format!(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() \
                 AND table_name = '{table}' AND column_name = 'version'"
            ),
            Dialect::Sqlite => {
                format!("SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'version'")
            }
        };
        let create_index = match dialect {
            // MySQL has no CREATE INDEX IF NOT EXISTS; the index is part of CREATE TABLE there.
            Dialect::MySql => String::new(),
            Dialect::Postgres | Dialect::Sqlite => {
                format!("CREATE INDEX IF NOT EXISTS {index} ON {table} (expire_date)")
            }
        };
        // MySQL compares text by collation (case-insensitive by default): compare bytes.
        let exact_data = match dialect {
            Dialect::MySql => "BINARY session_data",
            Dialect::Postgres | Dialect::Sqlite => "session_data",
        };
        let index_clause = match dialect {
            Dialect::MySql => format!(", INDEX {index} (expire_date)"),
            Dialect::Postgres | Dialect::Sqlite => String::new(),
        };
        Self {
            select: format!(
                "SELECT session_data, version, expire_date FROM {table} \
                 WHERE session_key = {p1} AND expire_date > {p2}"
            ),
            insert,
            update: format!(
                "UPDATE {table} SET session_data = {p1}, expire_date = {p2}, version = version + 1 \
                 WHERE session_key = {p3} AND version = {p4} AND expire_date > {p5}"
            ),
            update_keeping_expiry: format!(
                "UPDATE {table} SET session_data = {p1}, version = version + 1 \
                 WHERE session_key = {p2} AND version = {p3} AND expire_date > {p4}"
            ),
            update_if_data: format!(
                "UPDATE {table} SET session_data = {p1}, expire_date = {p2}, version = version + 1 \
                 WHERE session_key = {p3} AND {exact_data} = {p4} AND expire_date > {p5}"
            ),
            update_if_data_keeping_expiry: format!(
                "UPDATE {table} SET session_data = {p1}, version = version + 1 \
                 WHERE session_key = {p2} AND {exact_data} = {p3} AND expire_date > {p4}"
            ),
            touch: format!(
                "UPDATE {table} SET expire_date = {p1} WHERE session_key = {p2} AND expire_date > {p3}"
            ),
            probe: format!(
                "SELECT version FROM {table} WHERE session_key = {p1} AND expire_date > {p2}"
            ),
            delete: format!("DELETE FROM {table} WHERE session_key = {p1}"),
            clear_batch,
            create_table: format!(
                "CREATE TABLE IF NOT EXISTS {table} (session_key {key_type} NOT NULL PRIMARY KEY, \
                 session_data {data_type} NOT NULL, expire_date {time_type} NOT NULL, \
                 version {version_type} NOT NULL DEFAULT 0{index_clause})"
            ),
            create_index,
            has_version,
            add_version: format!(
                "ALTER TABLE {table} ADD COLUMN version {version_type} NOT NULL DEFAULT 0"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_djangos() {
        assert_eq!(
            django_index_name("django_session", "expire_date", 63),
            "django_session_expire_date_a5c62663"
        );
        let long = "t".repeat(60);
        let name = django_index_name(&long, "expire_date", 63);
        assert!(name.len() <= 63, "{name}");
    }

    #[test]
    fn table_names_are_checked() {
        assert!(check_table("django_session").is_ok());
        let err = check_table("x; DROP TABLE y").unwrap_err();
        assert!(err.to_string().contains("SESSION_DB_TABLE"), "{err}");
    }

    #[test]
    fn placeholders_follow_the_dialect() {
        let pg = Statements::new(Dialect::Postgres, "s");
        assert!(pg.update.contains("$5"));
        let my = Statements::new(Dialect::MySql, "s");
        assert!(!my.update.contains('$') && my.insert.starts_with("INSERT INTO s "));
        assert!(my.create_table.contains("INDEX s_expire_date_"));
        let lite = Statements::new(Dialect::Sqlite, "s");
        assert!(lite.insert.ends_with("DO NOTHING"));
    }
}
