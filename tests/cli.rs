//! The `sessions` command: `migrate` then `clearsessions` on a SQLite file, and clear errors.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::process::Command;
use std::sync::Arc;

use session_kit::{Backend, DbBackend, Expiry, ExpiryPolicy, Record};

fn sessions_command(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sessions"));
    command
        .env_clear()
        .env("SESSION_DATABASE_URL", database_url)
        .env("SESSION_DB_TABLE", "cli_sessions");
    command
}

/// `clearsessions` on `database_url`, which must fail with exit code 1; its stderr.
fn failed_clearsessions(database_url: &str) -> String {
    let out = sessions_command(database_url)
        .arg("clearsessions")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn migrate_then_clearsessions_removes_only_the_expired() {
    let path = std::env::temp_dir().join(format!("sessions-cli-{}.sqlite3", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let out = sessions_command(&url).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "table cli_sessions is ready"
    );

    let backend = Arc::new(
        DbBackend::builder(url.clone())
            .table("cli_sessions")
            .build()
            .await
            .unwrap(),
    );
    let now = time::OffsetDateTime::now_utc();
    let make = |expiry| {
        Record::new(
            session_kit::Data::new(),
            expiry,
            now,
            &ExpiryPolicy::default(),
        )
        .unwrap()
    };
    let live = backend.create(make(Expiry::Seconds(3600))).await.unwrap();
    backend.create(make(Expiry::Seconds(-3600))).await.unwrap();
    backend.create(make(Expiry::Seconds(-60))).await.unwrap();

    let out = sessions_command(&url)
        .arg("clearsessions")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "removed 2 expired sessions"
    );
    assert!(backend.exists(&live.key).await.unwrap());
    backend.pool().close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn bad_usage_and_bad_settings_are_clear() {
    let out = Command::new(env!("CARGO_BIN_EXE_sessions"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("usage: sessions")
    );
    let stderr = failed_clearsessions("oracle://nowhere");
    assert!(
        stderr.contains("SESSION_DATABASE_URL") && stderr.contains("oracle"),
        "{stderr}"
    );
}

/// `clearsessions` on a database nobody migrated says to run `migrate`, once, and leaves no
/// empty database file behind.
#[test]
fn clearsessions_before_migrate_says_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never-migrated.sqlite3");
    let url = format!("sqlite://{}", path.display());
    let stderr = failed_clearsessions(&url);
    assert!(stderr.contains("run `sessions migrate`"), "{stderr}");
    assert!(!path.exists(), "clearsessions created the database");

    // An existing (empty) database without the table: the advice, and the driver's cause once.
    std::fs::File::create(&path).unwrap();
    let stderr = failed_clearsessions(&url);
    assert!(
        stderr.contains("the sessions table does not exist"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("no such table").count(), 1, "{stderr}");
}
