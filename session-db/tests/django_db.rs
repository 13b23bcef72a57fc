//! Django's engine-specific db tests that apply (reference §10.2), Django's table shape, and the
//! failures the engine must type: bad configuration, a database that is down.

#![cfg(all(feature = "postgres", feature = "mysql", feature = "sqlite"))]
// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use session_conformance::services::{self, skip_or_fail};
use session_conformance::{TestContext, Unavailable};
use session_core::{Backend, Data, Error, Expiry, ExpiryPolicy, MockClock, Record, SessionStore};
use session_db::DbBackend;

/// The three databases, each with a table of its own for `case`; `None` for one that cannot
/// be reached (skipped, or a failure under `SESSIONS_REQUIRE_SERVICES=1`).
async fn databases(case: &str, clock: &MockClock) -> Vec<(&'static str, DbBackend)> {
    let ctx = TestContext::new(case);
    let sqlite_dir = std::env::temp_dir().join("sessions-db-tests");
    std::fs::create_dir_all(&sqlite_dir).unwrap();
    let sqlite = format!(
        "sqlite://{}/{}.sqlite3",
        sqlite_dir.display(),
        ctx.namespace
    );
    let mut out = Vec::new();
    for (name, url) in [
        ("postgres", services::postgres_url()),
        ("mysql", services::mysql_url()),
        ("sqlite", sqlite),
    ] {
        let backend = DbBackend::builder(url)
            .table(ctx.namespace.clone())
            .context(session_core::Context::default().with_clock(clock.shared()))
            .acquire_timeout(Duration::from_secs(10))
            .build()
            .await
            .unwrap();
        if let Err(err) = backend.execute_unprepared("SELECT 1").await {
            skip_or_fail(case, &Unavailable::new(name, err));
            continue;
        }
        out.push((name, backend));
    }
    out
}

async fn drop_table(backend: &DbBackend) {
    backend
        .execute_unprepared(&format!("DROP TABLE IF EXISTS {}", backend.table()))
        .await
        .unwrap();
}

fn record(clock: &MockClock, expiry: Expiry) -> Record {
    let mut data = Data::new();
    data.insert("x".into(), 1.into());
    Record::new(
        data,
        expiry,
        session_core::Clock::now(clock),
        &ExpiryPolicy::default(),
    )
    .unwrap()
}

/// Django `test_clearsessions_command`: a session expiring in an hour and one that expired an
/// hour ago; after clearing, one row remains, the live one.
#[tokio::test]
async fn clear_expired_keeps_the_live_row_and_removes_the_expired_one() {
    let clock = MockClock::default();
    for (name, backend) in databases("clearsessions", &clock).await {
        backend.migrate().await.unwrap();
        let live = backend
            .create(record(&clock, Expiry::Seconds(3600)))
            .await
            .unwrap();
        let dead = backend
            .create(record(&clock, Expiry::Seconds(-3600)))
            .await
            .unwrap();
        assert_eq!(backend.clear_expired().await.unwrap(), 1, "{name}");
        assert!(backend.exists(&live.key).await.unwrap(), "{name}");
        let rows = backend
            .execute_unprepared(&format!(
                "DELETE FROM {} WHERE session_key = '{}'",
                backend.table(),
                dead.key.as_str()
            ))
            .await
            .unwrap();
        assert_eq!(rows, 0, "{name}: the expired row was really deleted");
        drop_table(&backend).await;
    }
}

/// `clear_expired` works through more rows than one batch holds.
#[tokio::test]
async fn clear_expired_deletes_in_batches() {
    let clock = MockClock::default();
    for (name, backend) in databases("clear_batches", &clock).await {
        backend.migrate().await.unwrap();
        for _ in 0..2_500 {
            backend
                .create(record(&clock, Expiry::Seconds(10)))
                .await
                .unwrap();
        }
        let live = backend
            .create(record(&clock, Expiry::Seconds(3600)))
            .await
            .unwrap();
        clock.advance(time::Duration::seconds(10));
        assert_eq!(backend.clear_expired().await.unwrap(), 2_500, "{name}");
        assert!(backend.exists(&live.key).await.unwrap(), "{name}");
        clock.advance(time::Duration::seconds(-10));
        drop_table(&backend).await;
    }
}

/// `migrate()` over the table Django's migration creates (its exact DDL, its index, a row
/// Django inserted without our `version` column): adds the column, keeps the row and Django's
/// index, and can run again.
#[tokio::test]
async fn migrate_upgrades_a_table_django_created() {
    let clock = MockClock::default();
    for (name, backend) in databases("migrate_django", &clock).await {
        let t = backend.table().to_owned();
        let index = session_db::expire_date_index_name(&t, if name == "mysql" { 64 } else { 63 });
        let ddl = match name {
            "postgres" => vec![
                format!(
                    "CREATE TABLE {t} (session_key varchar(40) NOT NULL PRIMARY KEY, session_data text NOT NULL, expire_date timestamp with time zone NOT NULL)"
                ),
                format!("CREATE INDEX {index} ON {t} (expire_date)"),
            ],
            "mysql" => vec![
                format!(
                    "CREATE TABLE {t} (session_key varchar(40) NOT NULL PRIMARY KEY, session_data longtext NOT NULL, expire_date datetime(6) NOT NULL)"
                ),
                format!("CREATE INDEX {index} ON {t} (expire_date)"),
            ],
            _ => vec![
                format!(
                    "CREATE TABLE {t} (\"session_key\" varchar(40) NOT NULL PRIMARY KEY, \"session_data\" text NOT NULL, \"expire_date\" datetime NOT NULL)"
                ),
                format!("CREATE INDEX {index} ON {t} (\"expire_date\")"),
            ],
        };
        for statement in ddl {
            backend.execute_unprepared(&statement).await.unwrap();
        }
        // A row as Django's INSERT writes it: no version column.
        let expire = match name {
            "postgres" => "'2030-01-02 03:04:05+00'",
            _ => "'2030-01-02 03:04:05'",
        };
        let data = r#"{"cart":["apple"],"_session_created_at":"2023-11-14T22:13:20+00:00","_session_modified_at":"2023-11-14T22:13:20+00:00","_session_expires_at":"2030-01-02T03:04:05+00:00"}"#;
        backend
            .execute_unprepared(&format!(
                "INSERT INTO {t} (session_key, session_data, expire_date) VALUES ('djangokey1234567', '{data}', {expire})"
            ))
            .await
            .unwrap();
        backend.migrate().await.unwrap();
        backend.migrate().await.unwrap(); // idempotent

        let store =
            SessionStore::new(std::sync::Arc::new(backend.clone())).with_clock(clock.shared());
        let session = store.session(Some("djangokey1234567"));
        let cart: Option<Vec<String>> = session.get("cart").await.unwrap();
        assert_eq!(
            cart,
            Some(vec!["apple".to_owned()]),
            "{name}: Django's row loads"
        );
        session.insert("n", 1).await.unwrap();
        session.save().await.unwrap(); // version 0 → 1
        assert_eq!(
            session.key().unwrap().as_str(),
            "djangokey1234567",
            "{name}"
        );
        assert_eq!(
            expire_date_indexes(name, &t).await,
            1,
            "{name}: Django's index, not a second one"
        );
        drop_table(&backend).await;
    }
}

/// How many indexes cover `expire_date` of `table`.
async fn expire_date_indexes(database: &str, table: &str) -> i64 {
    match database {
        "postgres" => {
            let pool = sqlx::PgPool::connect(&services::postgres_url())
                .await
                .unwrap();
            let n = sqlx::query_scalar("SELECT count(*) FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%(expire_date)%'")
                .bind(table)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
        "mysql" => {
            let pool = sqlx::MySqlPool::connect(&services::mysql_url())
                .await
                .unwrap();
            let n = sqlx::query_scalar("SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'expire_date'")
                .bind(table)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
        _ => {
            let dir = std::env::temp_dir().join("sessions-db-tests");
            let url = format!("sqlite://{}/{table}.sqlite3", dir.display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let n = sqlx::query_scalar("SELECT count(*) FROM pragma_index_list(?) AS l JOIN pragma_index_info(l.name) AS i WHERE i.name = 'expire_date'")
                .bind(table)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
    }
}

/// On SQLite, `expire_date` is text in Django's format, so Django's queries and ours agree.
#[tokio::test]
async fn sqlite_stores_dates_in_djangos_text_format() {
    let path =
        std::env::temp_dir().join(format!("sessions-db-format-{}.sqlite3", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let clock = MockClock::default(); // 2023-11-14T22:13:20Z
    let backend = DbBackend::builder(url.clone())
        .context(session_core::Context::default().with_clock(clock.shared()))
        .build()
        .await
        .unwrap();
    backend.migrate().await.unwrap();
    backend
        .create(record(&clock, Expiry::Seconds(10)))
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let stored: String = sqlx::query_scalar("SELECT expire_date FROM django_session")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, "2023-11-14 22:13:30");
    pool.close().await;
    backend.pool().close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A bad table name or URL fails at construction with a message naming it.
#[tokio::test]
async fn bad_configuration_is_named_at_construction() {
    let err = DbBackend::builder("sqlite::memory:")
        .table("sessions; DROP TABLE users")
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "SESSION_DB_TABLE"),
        "{err}"
    );
    let err = DbBackend::builder("oracle://db").build().await.unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "SESSION_DATABASE_URL"),
        "{err}"
    );
    assert!(err.to_string().contains("oracle"), "{err}");
    let err = DbBackend::builder("postgres://user@[::1:5432/db")
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "SESSION_DATABASE_URL"),
        "{err}"
    );
}

/// A database that is down is `Error::Backend` with the driver's error as source, within the
/// acquire timeout; never a panic or a hang.
#[tokio::test]
async fn database_down_is_a_typed_backend_error() {
    for url in [
        "postgres://postgres@127.0.0.1:1/test",
        "mysql://root@127.0.0.1:1/test",
    ] {
        let backend = DbBackend::builder(url)
            .acquire_timeout(Duration::from_millis(500))
            .build()
            .await
            .unwrap();
        let key = session_core::SessionKey::from_cookie("abcdefgh12345678").unwrap();
        match backend.load(&key).await {
            Err(err @ Error::Backend { .. }) => {
                assert!(
                    std::error::Error::source(&err).is_some(),
                    "{url}: the source is kept"
                );
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

/// Keys outside Django's syntax never reach the database.
#[tokio::test]
async fn invalid_keys_never_reach_the_database() {
    let backend = DbBackend::builder("postgres://postgres@127.0.0.1:1/test")
        .acquire_timeout(Duration::from_millis(200))
        .build()
        .await
        .unwrap();
    // The database is unreachable: any query would fail with Error::Backend.
    let key = session_core::SessionKey::from_cookie("../../etc/passwd").unwrap();
    assert!(backend.load(&key).await.unwrap().is_none());
    assert!(!backend.exists(&key).await.unwrap());
    backend.delete(&key).await.unwrap();
    let record = record(&MockClock::default(), Expiry::Default);
    assert!(matches!(
        backend.save(&key, record).await,
        Err(Error::InvalidKey { .. })
    ));
}

/// `sqlite::memory:` keeps its sessions for the life of the backend.
#[tokio::test]
async fn sqlite_in_memory_keeps_its_sessions() {
    let clock = MockClock::default();
    let backend = DbBackend::builder("sqlite::memory:")
        .context(session_core::Context::default().with_clock(clock.shared()))
        .build()
        .await
        .unwrap();
    backend.migrate().await.unwrap();
    let mut keys = Vec::new();
    for _ in 0..20 {
        keys.push(
            backend
                .create(record(&clock, Expiry::Default))
                .await
                .unwrap()
                .key,
        );
    }
    for key in &keys {
        assert!(backend.exists(key).await.unwrap());
    }
}

/// Corrupt `session_data` loads as `None` and says so in a warning (without the key); the
/// next request starts a fresh session instead of failing.
#[tokio::test]
#[tracing_test::traced_test]
async fn corrupt_session_data_is_a_warning_and_no_session() {
    let clock = MockClock::default();
    let backend = DbBackend::builder("sqlite::memory:")
        .context(session_core::Context::default().with_clock(clock.shared()))
        .build()
        .await
        .unwrap();
    backend.migrate().await.unwrap();
    let key = session_core::SessionKey::from_cookie("corruptkey123456").unwrap();
    let expires = session_core::Clock::now(&clock) + time::Duration::hours(1);
    backend
        .insert_raw(&key, "eyJmb28iOiJiYXIifQ:1r31eq:not-our-format", expires)
        .await
        .unwrap();
    assert!(backend.load(&key).await.unwrap().is_none());
    assert!(logs_contain("stored session does not decode"));
    assert!(
        !logs_contain("corruptkey123456"),
        "the key never reaches the logs"
    );
    let store = SessionStore::new(std::sync::Arc::new(backend)).with_clock(clock.shared());
    let session = store.session(Some(key.as_str()));
    assert!(session.keys().await.unwrap().is_empty());
    assert_eq!(session.key(), None, "a fresh session, not the corrupt one");
}

/// A save that pushes the deadline later by less than the slack writes the data but leaves
/// `expire_date` (and its index) alone; a bigger move, a shorter expiry, or a zero slack writes
/// it. The stored deadline never passes the session's own.
#[tokio::test]
async fn saves_leave_expire_date_alone_within_the_slack() {
    let clock = MockClock::default();
    let policy = ExpiryPolicy::default();
    for (name, backend) in databases("expiry_slack", &clock).await {
        backend.migrate().await.unwrap();
        let stored = backend
            .create(record(&clock, Expiry::Default))
            .await
            .unwrap();
        let created = backend.load(&stored.key).await.unwrap().unwrap().expires_at;
        // (advance, new expiry, the stored deadline expected after the save)
        let save = |advance: i64, expiry: Expiry| {
            let (backend, key, clock, policy) = (&backend, &stored.key, &clock, &policy);
            async move {
                clock.advance(time::Duration::seconds(advance));
                let mut record = backend.load(key).await.unwrap().unwrap();
                std::sync::Arc::make_mut(&mut record.data).insert("n".into(), advance.into());
                record.expiry = expiry;
                record
                    .renew(session_core::Clock::now(clock), policy)
                    .unwrap();
                let deadline = record.expires_at;
                backend.save(key, record).await.unwrap();
                let after = backend.load(key).await.unwrap().unwrap();
                assert_eq!(after.data["n"], advance, "{name}: the data is saved");
                (deadline, after.expires_at)
            }
        };
        let (wanted, kept) = save(10, Expiry::Default).await;
        assert_eq!(kept, created, "{name}: 10 s later, the deadline stays");
        assert!(kept < wanted && wanted - kept < time::Duration::seconds(60));
        let (wanted, written) = save(61, Expiry::Default).await;
        assert_eq!(written, wanted, "{name}: 71 s later, it is written");
        let (wanted, shortened) = save(1, Expiry::Seconds(600)).await;
        assert_eq!(
            shortened, wanted,
            "{name}: a shorter expiry is always written"
        );
        drop_table(&backend).await;
    }
    // With no slack every save writes the deadline, as Django does.
    for (name, backend) in databases("expiry_slack_zero", &clock).await {
        let backend = DbBackend::builder_with_pool(backend.pool().clone())
            .table(backend.table())
            .context(session_core::Context::default().with_clock(clock.shared()))
            .expiry_slack(Duration::ZERO)
            .build()
            .await
            .unwrap();
        backend.migrate().await.unwrap();
        let stored = backend
            .create(record(&clock, Expiry::Default))
            .await
            .unwrap();
        clock.advance(time::Duration::seconds(1));
        let mut record = backend.load(&stored.key).await.unwrap().unwrap();
        record
            .renew(session_core::Clock::now(&clock), &policy)
            .unwrap();
        let wanted = record.expires_at;
        backend.save(&stored.key, record).await.unwrap();
        let after = backend.load(&stored.key).await.unwrap().unwrap();
        assert_eq!(after.expires_at, wanted, "{name}");
        drop_table(&backend).await;
    }
}
