//! Django's file-engine tests that apply (reference §10.2), and the weaknesses of Django's
//! engine this one fixes (reference §11): integer expiries that never expire, a sweep that
//! decodes every file, bad keys, a missing directory.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use session_core::codec::framed;
use session_core::{
    Backend, Data, Error, Expiry, ExpiryPolicy, MockClock, Record, SessionKey, SessionStore,
};
use session_file::FileBackend;
use time::Duration;

fn backend(dir: &Path, clock: &MockClock) -> FileBackend {
    FileBackend::builder(dir)
        .context(session_core::Context::default().with_clock(clock.shared()))
        .build()
        .unwrap()
}

fn record(clock: &MockClock, expiry: Expiry, policy: &ExpiryPolicy) -> Record {
    let mut data = Data::new();
    data.insert("x".into(), 1.into());
    Record::new(data, expiry, session_core::Clock::now(clock), policy).unwrap()
}

/// Every name in `dir`, lock files left out.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.starts_with(".sessions-lock-"))
        .collect()
}

/// Django `test_configuration_check`: a `SESSION_FILE_PATH` that does not exist fails at
/// construction, naming the setting and the path; so do a file and an unwritable directory.
#[test]
fn a_missing_or_unusable_directory_fails_at_construction() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let plain_file = dir.path().join("plain");
    std::fs::write(&plain_file, b"").unwrap();
    // Nothing can be created in /proc, whoever runs the test (root included).
    for path in [missing.as_path(), plain_file.as_path(), Path::new("/proc")] {
        let err = FileBackend::builder(path).build().unwrap_err();
        let Error::Config {
            setting, reason, ..
        } = &err
        else {
            panic!("{path:?}: {err:?}");
        };
        assert_eq!(setting, "SESSION_FILE_PATH");
        assert!(reason.contains(&path.display().to_string()), "{reason}");
    }
    assert!(!missing.exists(), "nothing is created without create_dir");
}

#[cfg(unix)]
#[test]
fn create_dir_makes_a_private_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b");
    FileBackend::builder(&path)
        .create_dir(true)
        .build()
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn cookie_names_that_cannot_prefix_a_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["", "a/b", "..", "x\\y", ".sessions-lock-", ".sess"] {
        let err = FileBackend::builder(dir.path())
            .cookie_name(name)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config { setting, .. } if setting == "SESSION_COOKIE_NAME"),
            "{name:?}: {err:?}"
        );
    }
}

/// Django `test_invalid_key_backslash` / `test_invalid_key_forwardslash`, and the rest of what
/// could escape the directory: each is `InvalidKey` (or absent) and touches nothing.
#[tokio::test]
async fn bad_keys_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = backend(dir.path(), &clock);
    let policy = ExpiryPolicy::default();
    let before = listing(dir.path());
    for bad in [
        "a\\b\\c\\d\\e",
        "a/b/c/d/e/f",
        "../../../etc/passwd",
        "abcdefgh\0ijk",
        "ABCDEFGHIJ",
        "abcdefgh.ijk",
        &"a".repeat(41),
    ] {
        let key = SessionKey::from_cookie(bad);
        let Some(key) = key else { continue }; // not even a cookie value
        let saved = backend
            .save(&key, record(&clock, Expiry::Default, &policy))
            .await;
        assert!(
            matches!(saved, Err(Error::InvalidKey { .. })),
            "{bad:?}: {saved:?}"
        );
        let touched = backend.touch(&key, session_core::Clock::now(&clock)).await;
        assert!(matches!(touched, Err(Error::InvalidKey { .. })), "{bad:?}");
        assert!(backend.load(&key).await.unwrap().is_none());
        assert!(!backend.exists(&key).await.unwrap());
        backend.delete(&key).await.unwrap();
        assert!(matches!(
            backend.file_of(&key),
            Err(Error::InvalidKey { .. })
        ));
    }
    assert_eq!(listing(dir.path()), before);
}

#[cfg(unix)]
#[tokio::test]
async fn files_are_named_as_django_names_them_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let backend = FileBackend::builder(dir.path())
        .cookie_name("myapp_sid")
        .build()
        .unwrap();
    let store = SessionStore::new(Arc::new(backend.clone()));
    let session = store.session(None);
    session.insert("cart", vec!["apple"]).await.unwrap();
    session.save().await.unwrap();
    let key = session.key().unwrap();
    let file = dir.path().join(format!("myapp_sid{}", key.as_str()));
    assert_eq!(backend.file_of(&key).unwrap(), file);
    assert_eq!(
        listing(dir.path()),
        BTreeSet::from([format!("myapp_sid{}", key.as_str())])
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"1:"), "framed at version 1");
}

/// Django `test_clearsessions_command` (with `SESSION_COOKIE_AGE=0`): sessions expiring in an
/// hour, an hour ago, and with the default expiry; only the first survives, and the count says
/// two were removed.
#[tokio::test]
async fn clear_expired_keeps_only_the_live_session() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = backend(dir.path(), &clock);
    let policy = ExpiryPolicy {
        cookie_age: 0,
        ..ExpiryPolicy::default()
    };
    let live = backend
        .create(record(&clock, Expiry::Seconds(3600), &policy))
        .await
        .unwrap();
    for expiry in [Expiry::Seconds(-3600), Expiry::Default] {
        backend
            .create(record(&clock, expiry, &policy))
            .await
            .unwrap();
    }
    assert_eq!(listing(dir.path()).len(), 3);
    assert_eq!(backend.clear_expired().await.unwrap(), 2);
    assert_eq!(
        listing(dir.path()),
        BTreeSet::from([format!("sessionid{}", live.key.as_str())])
    );
    assert_eq!(backend.clear_expired().await.unwrap(), 0, "idempotent");
}

/// Django's file engine never expires `set_expiry(60)` on the server (§3.4); this one does,
/// for `load` and for `clear_expired`.
#[tokio::test]
async fn an_integer_expiry_really_expires() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = backend(dir.path(), &clock);
    let store = SessionStore::new(Arc::new(backend.clone())).with_clock(clock.shared());
    let session = store.session(None);
    session.insert("user", "alice").await.unwrap();
    session.set_expiry(Expiry::Seconds(60)).await.unwrap();
    session.save().await.unwrap();
    let key = session.key().unwrap();

    clock.advance(Duration::seconds(59));
    assert!(backend.load(&key).await.unwrap().is_some());
    assert_eq!(backend.clear_expired().await.unwrap(), 0);
    clock.advance(Duration::seconds(1));
    assert!(backend.load(&key).await.unwrap().is_none());
    assert!(!backend.exists(&key).await.unwrap());
    assert_eq!(backend.clear_expired().await.unwrap(), 1);
    assert!(!backend.file_of(&key).unwrap().exists());
}

/// The sweep judges a file by its header alone: an expired file whose record is garbage is
/// removed, and a live one with a garbage record is kept (a full decode would treat both the
/// same way).
#[tokio::test]
async fn clear_expired_reads_only_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = backend(dir.path(), &clock);
    let now = framed::micros(session_core::Clock::now(&clock));
    let dead = SessionKey::from_cookie("deadsession000001").unwrap();
    let live = SessionKey::from_cookie("livesession000001").unwrap();
    backend
        .write_raw(&dead, &framed::frame(1, now - 1, b"\xff not json"))
        .await
        .unwrap();
    backend
        .write_raw(&live, &framed::frame(1, now + 1_000_000, b"\xff not json"))
        .await
        .unwrap();
    assert_eq!(backend.clear_expired().await.unwrap(), 1);
    assert!(!backend.file_of(&dead).unwrap().exists());
    assert!(backend.file_of(&live).unwrap().exists());
    assert!(
        backend.load(&live).await.unwrap().is_none(),
        "a corrupt record never loads"
    );
}

/// Files without our header (Django's own format, Django's empty placeholder, garbage) expire
/// by Django's rule: last write plus the cookie age. Other names in the directory are left
/// alone, as Django leaves them.
#[tokio::test]
async fn unreadable_files_expire_by_their_age_and_foreign_names_stay() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = FileBackend::builder(dir.path())
        .context(session_core::Context::default().with_clock(clock.shared()))
        .unreadable_age(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    let now = session_core::Clock::now(&clock);
    let age = |name: &str, ago: Duration| {
        let file = std::fs::File::options()
            .write(true)
            .open(dir.path().join(name))
            .unwrap();
        file.set_modified((now - ago).into()).unwrap();
    };
    for name in [
        "sessionidoldplaceholder1",
        "sessionidfreshdjango0001",
        "sessionidx",
        "notes.txt",
    ] {
        std::fs::write(dir.path().join(name), b"").unwrap();
        age(name, Duration::hours(2));
    }
    std::fs::write(
        dir.path().join("sessionidfreshdjango0001"),
        b"eyJ4IjoxfQ:1r31eq:sig",
    )
    .unwrap();
    age("sessionidfreshdjango0001", Duration::minutes(10));
    assert_eq!(backend.clear_expired().await.unwrap(), 1);
    assert_eq!(
        listing(dir.path()),
        BTreeSet::from([
            "notes.txt".to_owned(),
            "sessionidfreshdjango0001".to_owned(),
            "sessionidx".to_owned()
        ])
    );
}

/// A planted file far larger than any session loads as absent (read up to a bound, never
/// whole into memory) and is swept by its age like any unreadable file.
#[tokio::test]
async fn an_oversized_file_is_absent_not_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let clock = MockClock::default();
    let backend = backend(dir.path(), &clock);
    let key = SessionKey::from_cookie("hugesession00001").unwrap();
    let now = framed::micros(session_core::Clock::now(&clock));
    let mut bytes = framed::frame(1, now + 1_000_000_000, b"{");
    bytes.resize(17 * 1024 * 1024, b' ');
    std::fs::write(backend.file_of(&key).unwrap(), &bytes).unwrap();
    assert!(backend.load(&key).await.unwrap().is_none());
}
