//! Beside a real Django: Django 5.2's own `SessionStore` classes (driven by
//! `django/interop.py` in the virtualenv `scripts/test` makes) and ours on the same
//! PostgreSQL, MariaDB and SQLite tables, the same session directory and the same signed
//! cookies, in both directions.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::{Value, json};
use session_cache::{
    CACHED_DB_KEY_PREFIX, CachedBackend, DjangoCacheKeys, KeyLayout, PickleCodec, RedisBackend,
};
use session_conformance::Unavailable;
use session_conformance::services::{self, skip_or_fail};
use session_cookie::SignedCookieBackend;
use session_core::auth::{self, DjangoUser, MODEL_BACKEND};
use session_core::codec::django::DjangoCodec;
use session_core::settings::Secret;
use session_core::signing::Keyring;
use session_core::{Backend, Error, Expiry, SessionKey, SessionStore};
use session_db::DbBackend;
use session_file::FileBackend;
use tokio::sync::OnceCell;

const SECRET: &str = "interop-secret-key-interop-secret-key-interop-secret-0123";
const NEW_SECRET: &str = "rotated-secret-key-rotated-secret-key-rotated-secret-0123";
const PASSWORD: &str =
    "pbkdf2_sha256$1000000$fixedsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const ALICE: DjangoUser<'static> = DjangoUser {
    id: "1",
    password: PASSWORD,
};
/// The database both sides share on the servers (created when missing).
const DATABASE: &str = "sessions_django_interop";

/// One store Django and we share: a database, or a session directory.
#[derive(Clone)]
struct Shared {
    /// `sqlite`, `postgresql`, `mysql`, or `file`.
    vendor: &'static str,
    /// Django's `SESSION_ENGINE` for it: `db` or `file`.
    engine: &'static str,
    /// The session directory of the file engine.
    file_path: Option<std::path::PathBuf>,
    /// Django's Redis cache (`LOCATION`, `KEY_PREFIX`) of the cache engine.
    cache: Option<Value>,
    /// What Django's `DATABASES` needs.
    django: Value,
    /// Our URL for the same database.
    url: String,
}

fn python() -> Option<String> {
    let python = services::django_python();
    let ok = Command::new(&python)
        .args(["-c", "import django; assert django.VERSION[:2] == (5, 2)"])
        .status()
        .is_ok_and(|status| status.success());
    ok.then_some(python)
}

/// Runs one request through Django; its JSON answer.
fn django(request: &Value) -> Value {
    let python = python().expect("checked by the caller");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/django/interop.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "django failed on {request}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `action` through Django's `engine` on `shared` with `secret` (and `fallbacks`).
fn run(engine: &str, shared: &Shared, secret: &str, fallbacks: &[&str], action: Value) -> Value {
    let mut request = json!({
        "engine": engine,
        "secret_key": secret,
        "fallbacks": fallbacks,
        "database": shared.django,
        "file_path": shared.file_path,
        "cache": shared.cache,
    });
    if let (Some(request), Value::Object(action)) = (request.as_object_mut(), action) {
        request.extend(action);
    }
    django(&request)
}

/// Runs `action` through Django's db engine.
fn on(shared: &Shared, secret: &str, fallbacks: &[&str], action: Value) -> Value {
    run(shared.engine, shared, secret, fallbacks, action)
}

fn keys(secret: &str, fallbacks: &[&str]) -> Keyring {
    Keyring::new(
        Secret::new(secret),
        fallbacks.iter().map(|k| Secret::new(*k)).collect(),
    )
    .unwrap()
}

/// `user:password@host:port` of a server URL, for Django's settings.
fn django_settings(vendor: &str, url: &str) -> Value {
    let rest = url.split_once("://").unwrap().1;
    let (auth, location) = rest.rsplit_once('@').unwrap_or(("", rest));
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let host_port = location.split('/').next().unwrap();
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, ""));
    json!({"vendor": vendor, "name": DATABASE, "host": host, "port": port,
           "user": user, "password": password})
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{database}")
}

static SQLITE: OnceCell<Option<Shared>> = OnceCell::const_new();
static POSTGRES: OnceCell<Option<Shared>> = OnceCell::const_new();
static MYSQL: OnceCell<Option<Shared>> = OnceCell::const_new();
static FILES: OnceCell<Option<Shared>> = OnceCell::const_new();
static REDIS: OnceCell<Option<Shared>> = OnceCell::const_new();
static CACHED_DB: OnceCell<Option<Shared>> = OnceCell::const_new();

/// The shared stores that can be reached, each migrated once by Django (its tables and a
/// user) and then by us (the `version` column added to Django's table): the three databases
/// and a session directory.
async fn databases(case: &str) -> Vec<Shared> {
    if python().is_none() {
        skip_or_fail(
            case,
            &Unavailable::new("django", "no Python with Django 5.2 (run scripts/test)"),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    for (cell, vendor) in [
        (&SQLITE, "sqlite"),
        (&POSTGRES, "postgresql"),
        (&MYSQL, "mysql"),
        (&FILES, "file"),
        (&REDIS, "redis"),
        (&CACHED_DB, "cached_db"),
    ] {
        let shared = cell.get_or_init(|| prepare(vendor)).await;
        match shared {
            Some(shared) => out.push(shared.clone()),
            None => skip_or_fail(case, &Unavailable::new(vendor, "server unreachable")),
        }
    }
    out
}

async fn prepare(vendor: &'static str) -> Option<Shared> {
    let scratch = std::env::temp_dir().join(format!(
        "sessions-django-interop-{}-{vendor}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let sqlite = scratch.join("db.sqlite3");
    let shared = match vendor {
        "sqlite" => Shared {
            vendor,
            engine: "db",
            file_path: None,
            cache: None,
            django: json!({"vendor": "sqlite", "name": sqlite.display().to_string()}),
            url: format!("sqlite://{}", sqlite.display()),
        },
        "redis" | "cached_db" => {
            let url = services::redis_url();
            let probe = redis::Client::open(url.as_str()).ok()?;
            let mut conn = probe.get_multiplexed_async_connection().await.ok()?;
            redis::cmd("PING").query_async::<()>(&mut conn).await.ok()?;
            let cached_db = vendor == "cached_db";
            Shared {
                vendor,
                engine: if cached_db { "cached_db" } else { "cache" },
                file_path: None,
                cache: Some(json!({"location": url,
                                   "key_prefix": format!("interop{}", std::process::id())})),
                django: json!({"vendor": "sqlite", "name": sqlite.display().to_string()}),
                // cached_db's store: Django's table in SQLite.
                url: format!("sqlite://{}", sqlite.display()),
            }
        }
        "file" => {
            let sessions = scratch.join("sessions");
            std::fs::create_dir_all(&sessions).unwrap();
            Shared {
                vendor,
                engine: "file",
                file_path: Some(sessions),
                cache: None,
                // Django's auth tables (for login and get_user) live in SQLite.
                django: json!({"vendor": "sqlite", "name": sqlite.display().to_string()}),
                url: String::new(),
            }
        }
        "postgresql" => {
            let url = services::postgres_url();
            let admin = DbBackend::builder(url.clone()).build().await.ok()?;
            admin.execute_unprepared("SELECT 1").await.ok()?;
            let _ = admin
                .execute_unprepared(&format!("CREATE DATABASE {DATABASE}"))
                .await; // already there
            Shared {
                vendor,
                engine: "db",
                file_path: None,
                cache: None,
                django: django_settings("postgresql", &url),
                url: with_database(&url, DATABASE),
            }
        }
        _ => {
            let url = services::mysql_url();
            let admin = DbBackend::builder(url.clone()).build().await.ok()?;
            admin.execute_unprepared("SELECT 1").await.ok()?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE IF NOT EXISTS {DATABASE}"))
                .await
                .unwrap();
            Shared {
                vendor,
                engine: "db",
                file_path: None,
                cache: None,
                django: django_settings("mysql", &url),
                url: with_database(&url, DATABASE),
            }
        }
    };
    // Each test is a process of its own (nextest), and the PostgreSQL and MariaDB databases
    // are shared: two Django migrations racing on a fresh database fail ("duplicate key value
    // violates unique constraint pg_type_typname_nsp_index"). One process migrates at a time.
    let _migrating = matches!(vendor, "postgresql" | "mysql").then(migration_lock);
    let user = json!({"id": 1, "username": "alice", "password": PASSWORD});
    on(
        &shared,
        SECRET,
        &[],
        json!({"migrate": true, "action": "ensure_user", "user": user}),
    );
    if shared.engine == "db" || shared.engine == "cached_db" {
        db_backend(&shared, SECRET, &[])
            .await
            .migrate()
            .await
            .unwrap();
    }
    Some(shared)
}

/// An exclusive lock shared by every test process of this machine, held until dropped.
fn migration_lock() -> std::fs::File {
    let path = std::env::temp_dir().join("sessions-django-interop-migrate.lock");
    let file = std::fs::File::create(&path).unwrap();
    file.lock().unwrap();
    file
}

/// Our db engine in Django mode on `shared`.
async fn db_backend(shared: &Shared, secret: &str, fallbacks: &[&str]) -> DbBackend {
    DbBackend::builder(shared.url.clone())
        .codec(DjangoCodec::new(&keys(secret, fallbacks)))
        .build()
        .await
        .unwrap()
}

/// Our engine in Django mode on `shared`: the db, file or Redis cache engine.
async fn ours(shared: &Shared, secret: &str, fallbacks: &[&str]) -> Arc<dyn Backend> {
    if let Some(cache) = &shared.cache {
        let location = cache["location"].as_str().unwrap();
        let mut keys = DjangoCacheKeys {
            key_prefix: cache["key_prefix"].as_str().unwrap().to_owned(),
            ..DjangoCacheKeys::default()
        };
        let cached_db = shared.engine == "cached_db";
        if cached_db {
            keys.engine_prefix = CACHED_DB_KEY_PREFIX.to_owned();
        }
        let redis = RedisBackend::builder(location)
            .layout(KeyLayout::Django(keys))
            .codec(PickleCodec)
            .build()
            .unwrap();
        if cached_db {
            let store = db_backend(shared, secret, fallbacks).await;
            return Arc::new(CachedBackend::new(redis, store));
        }
        return Arc::new(redis);
    }
    match &shared.file_path {
        Some(path) => Arc::new(
            FileBackend::builder(path)
                .codec(DjangoCodec::new(&keys(secret, fallbacks)))
                .build()
                .unwrap(),
        ),
        None => Arc::new(db_backend(shared, secret, fallbacks).await),
    }
}

fn store_of(backend: impl Backend + 'static) -> SessionStore {
    SessionStore::new(Arc::new(backend))
}

async fn password_of(id: String) -> Option<String> {
    (id == "1").then(|| PASSWORD.to_owned())
}

fn items(answer: &Value) -> Vec<(String, Value)> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].clone()))
        .collect()
}

fn sample() -> Vec<(&'static str, Value)> {
    vec![
        ("name", json!("José 🎉")),
        ("cart", json!([["sku-1", 2], ["sku-2", 1]])),
        (
            "prefs",
            json!({"theme": "dark", "beta": true, "ratio": 0.5, "none": null}),
        ),
    ]
}

/// Django writes (and logs a user in); we read the same dict in the same order, the same
/// expiry, and the same user.
#[tokio::test]
async fn django_writes_and_we_read() {
    for shared in databases("django_writes_and_we_read").await {
        let v = shared.vendor;
        let pairs: Vec<Value> = sample().into_iter().map(|(k, v)| json!([k, v])).collect();
        let written = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "write", "items": pairs, "expiry": 3600}),
        );
        let key = written["key"].as_str().unwrap().to_owned();
        let store = store_of(ours(&shared, SECRET, &[]).await);
        let session = store.session(Some(&key));
        let ours_items: Vec<(String, Value)> = session.items().await.unwrap();
        let expected: Vec<(String, Value)> = sample()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(ours_items, expected, "{v}");
        assert_eq!(session.get_expiry_age().await.unwrap(), 3600, "{v}");

        let login = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "login", "key": key,
            "user": {"id": 1, "username": "alice", "password": PASSWORD}}),
        );
        let logged_in = store.session(login["key"].as_str());
        let who = auth::logged_in_user(&logged_in, &keys(SECRET, &[]), password_of)
            .await
            .unwrap();
        assert_eq!(who.as_deref(), Some("1"), "{v}: Django's login is ours");
        assert_eq!(
            logged_in.get::<Value>("cart").await.unwrap(),
            Some(sample()[1].1.clone()),
            "{v}: the anonymous data survived Django's login"
        );
    }
}

/// We write (non-ASCII, nested values, each kind of expiry, a login through our helper);
/// Django reads the same dict, the same expiry age, and finds the user.
#[tokio::test]
async fn we_write_and_django_reads() {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(7200);
    for shared in databases("we_write_and_django_reads").await {
        let v = shared.vendor;
        let store = store_of(ours(&shared, SECRET, &[]).await);
        for (expiry, age, browser_close) in [
            (Expiry::Seconds(600), Some(600), false),
            (Expiry::At(at), None, false),
            (Expiry::BrowserClose, Some(1_209_600), true),
        ] {
            let session = store.session(None);
            for (name, value) in sample() {
                session.insert_value(name, value).await.unwrap();
            }
            session.set_expiry(expiry).await.unwrap();
            auth::login(&session, &keys(SECRET, &[]), &ALICE, MODEL_BACKEND)
                .await
                .unwrap();
            session.save().await.unwrap();
            let key = session.key().unwrap();
            let read = on(
                &shared,
                SECRET,
                &[],
                json!({"action": "read", "key": key.as_str()}),
            );
            let mut expected: Vec<(String, Value)> = sample()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            expected.push(("_session_expiry".into(), expiry.to_json().unwrap()));
            for (name, value) in [
                ("_auth_user_id", json!("1")),
                ("_auth_user_backend", json!(MODEL_BACKEND)),
                (
                    "_auth_user_hash",
                    json!(auth::session_auth_hash(PASSWORD, &Secret::new(SECRET))),
                ),
            ] {
                expected.push((name.to_owned(), value));
            }
            let mut seen = items(&read);
            seen.sort_by(|a, b| a.0.cmp(&b.0));
            expected.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(seen, expected, "{v} {expiry:?}");
            assert_eq!(read["exists"], json!(true), "{v}");
            assert_eq!(
                read["user"],
                json!(1),
                "{v} {expiry:?}: get_user finds alice"
            );
            assert_eq!(
                read["browser_close"],
                json!(browser_close),
                "{v} {expiry:?}"
            );
            let django_age = read["expiry_age"].as_i64().unwrap();
            match age {
                Some(age) => assert_eq!(django_age, age, "{v} {expiry:?}"),
                // A minute of slack: Django reads after its interpreter starts, on a loaded machine.
                None => assert!((7140..=7200).contains(&django_age), "{v}: {django_age}"),
            }
        }
    }
}

/// Django flushes (logout): our next save of that session is `Gone` and nothing comes back.
#[tokio::test]
async fn a_django_logout_is_never_undone_by_our_save() {
    for shared in databases("a_django_logout_is_never_undone_by_our_save").await {
        let backend = ours(&shared, SECRET, &[]).await;
        let store = store_of(backend.clone());
        let session = store.session(None);
        session.insert("user", "alice").await.unwrap();
        session.save().await.unwrap();
        let key = session.key().unwrap();
        let request = store.session(Some(key.as_str()));
        assert_eq!(
            request.get::<String>("user").await.unwrap().as_deref(),
            Some("alice")
        );
        on(
            &shared,
            SECRET,
            &[],
            json!({"action": "flush", "key": key.as_str()}),
        );
        request.insert("cart", ["apple"]).await.unwrap();
        assert!(
            matches!(request.save().await, Err(Error::Gone)),
            "{}",
            shared.vendor
        );
        assert!(backend.load(&key).await.unwrap().is_none());
    }
}

/// Django writes between our load and our save: the save conflicts and merges, it does not
/// overwrite Django's change.
#[tokio::test]
async fn a_django_write_between_our_load_and_save_is_merged() {
    for shared in databases("a_django_write_between_our_load_and_save_is_merged").await {
        let store = store_of(ours(&shared, SECRET, &[]).await);
        let session = store.session(None);
        session.insert("a", 1).await.unwrap();
        session.save().await.unwrap();
        let key = session.key().unwrap();
        let request = store.session(Some(key.as_str()));
        assert_eq!(request.get::<i64>("a").await.unwrap(), Some(1));
        // Django signs with a timestamp in seconds: let its write differ from ours for sure.
        on(
            &shared,
            SECRET,
            &[],
            json!({"action": "update", "key": key.as_str(), "items": [["b", 2]]}),
        );
        request.insert("c", 3).await.unwrap();
        request.save().await.unwrap();
        let read = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "read", "key": key.as_str()}),
        );
        let names: Vec<String> = items(&read).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            ["a", "b", "c"],
            "{}: Django's b survived",
            shared.vendor
        );
    }
}

/// Rotation: what Django signed with the old key loads with it in our fallbacks; what we then
/// write with the new key Django reads with the new key alone.
#[tokio::test]
async fn rotation_both_ways() {
    for shared in databases("rotation_both_ways").await {
        let v = shared.vendor;
        if shared.cache.is_some() {
            continue; // Django's cache holds the dict pickled, not signed: no key to rotate
        }
        let written = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "write", "items": [["k", "old"]]}),
        );
        let key = written["key"].as_str().unwrap().to_owned();
        let rotated = store_of(ours(&shared, NEW_SECRET, &[SECRET]).await);
        let session = rotated.session(Some(&key));
        assert_eq!(
            session.get::<String>("k").await.unwrap().as_deref(),
            Some("old"),
            "{v}"
        );
        session.insert("k", "new").await.unwrap();
        session.save().await.unwrap();
        let read = on(
            &shared,
            NEW_SECRET,
            &[],
            json!({"action": "read", "key": key}),
        );
        assert_eq!(items(&read), [("k".to_owned(), json!("new"))], "{v}");
        let without = store_of(ours(&shared, SECRET, &[]).await);
        assert!(
            without
                .session(Some(&key))
                .get::<String>("k")
                .await
                .unwrap()
                .is_none(),
            "{v}: the old key alone no longer reads it"
        );
    }
}

/// What Django's `clearsessions` removes, ours removes too: Django's expired rows and ours.
#[tokio::test]
async fn clear_expired_removes_what_djangos_clearsessions_removes() {
    for shared in databases("clear_expired_removes_what_djangos_clearsessions_removes").await {
        let v = shared.vendor;
        let backend = ours(&shared, SECRET, &[]).await;
        let store = store_of(backend.clone());
        let theirs = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "write", "items": [["x", 1]], "expiry": -10}),
        );
        let theirs = SessionKey::from_cookie(theirs["key"].as_str().unwrap()).unwrap();
        let dead = store.session(None);
        dead.insert("x", 1).await.unwrap();
        dead.set_expiry(Expiry::Seconds(-10)).await.unwrap();
        dead.save().await.unwrap();
        let live = store.session(None);
        live.insert("x", 1).await.unwrap();
        live.save().await.unwrap();
        let removed = backend.clear_expired().await.unwrap();
        if !backend.capabilities().native_expiry {
            assert!(removed >= 2, "{v}: {removed}");
        }
        let live_key = live.key().unwrap();
        let read = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "read", "key": live_key.as_str()}),
        );
        assert_eq!(read["exists"], json!(true), "{v}");
        for gone in [&theirs, &dead.key().unwrap()] {
            let read = on(
                &shared,
                SECRET,
                &[],
                json!({"action": "read", "key": gone.as_str()}),
            );
            assert_eq!(read["exists"], json!(false), "{v}");
        }
    }
}

/// Signed cookies: Django's cookie engine and ours read each other's values, logins included.
#[tokio::test]
async fn signed_cookies_both_ways() {
    let Some(shared) = databases("signed_cookies_both_ways")
        .await
        .into_iter()
        .find(|shared| shared.vendor == "sqlite")
    else {
        return;
    };
    let cookie = |secret: &str, fallbacks: &[&str], action: Value| {
        run("signed_cookies", &shared, secret, fallbacks, action)
    };
    let pairs: Vec<Value> = sample().into_iter().map(|(k, v)| json!([k, v])).collect();
    let theirs = cookie(
        SECRET,
        &[],
        json!({"action": "write", "items": pairs, "expiry": 600}),
    );
    let store = store_of(SignedCookieBackend::signed(&keys(SECRET, &[])));
    let session = store.session(theirs["key"].as_str());
    let expected: Vec<(String, Value)> = sample()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(session.items().await.unwrap(), expected);
    assert_eq!(session.get_expiry_age().await.unwrap(), 600);

    // Django's login on the cookie engine: our helper sees the user.
    let user = json!({"id": 1, "username": "alice", "password": PASSWORD});
    let login = cookie(
        SECRET,
        &[],
        json!({"action": "login", "key": theirs["key"], "user": user}),
    );
    let logged_in = store.session(login["key"].as_str());
    let who = auth::logged_in_user(&logged_in, &keys(SECRET, &[]), password_of)
        .await
        .unwrap();
    assert_eq!(who.as_deref(), Some("1"));

    let ours = store.session(None);
    for (name, value) in sample() {
        ours.insert_value(name, value).await.unwrap();
    }
    auth::login(&ours, &keys(SECRET, &[]), &ALICE, MODEL_BACKEND)
        .await
        .unwrap();
    ours.save().await.unwrap();
    let token = ours.key().unwrap();
    let read = cookie(
        SECRET,
        &[],
        json!({"action": "read", "key": token.as_str()}),
    );
    assert_eq!(read["user"], json!(1));
    assert_eq!(items(&read)[..3], expected[..]);

    // Rotation: Django's old-key cookie loads with the key in our fallbacks; our re-signed
    // cookie loads in Django with the new key alone.
    let rotated = store_of(SignedCookieBackend::signed(&keys(NEW_SECRET, &[SECRET])));
    let session = rotated.session(theirs["key"].as_str());
    session.insert("n", 1).await.unwrap();
    session.save().await.unwrap();
    let resigned = session.key().unwrap();
    let read = cookie(
        NEW_SECRET,
        &[],
        json!({"action": "read", "key": resigned.as_str()}),
    );
    assert_eq!(items(&read).len(), 5, "{read}");
}

/// An integer `set_expiry` in Django's file engine never expires on the server (reference
/// §3.4): Django's `clearsessions` keeps such a file forever. Ours counts it from the file's
/// last write and removes it.
#[tokio::test]
async fn integer_expiry_files_django_forgets_are_cleared() {
    let Some(mut shared) = databases("integer_expiry_files_django_forgets_are_cleared")
        .await
        .into_iter()
        .find(|shared| shared.vendor == "file")
    else {
        return;
    };
    // A directory of its own: the other tests' sweeps must not remove this file first.
    let own = tempfile::tempdir().unwrap();
    shared.file_path = Some(own.path().to_path_buf());
    let written = on(
        &shared,
        SECRET,
        &[],
        json!({"action": "write", "items": [["x", 1]], "expiry": 60}),
    );
    let key = written["key"].as_str().unwrap().to_owned();
    let path = shared
        .file_path
        .clone()
        .unwrap()
        .join(format!("sessionid{key}"));
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    on(&shared, SECRET, &[], json!({"action": "clear"}));
    assert!(path.exists(), "Django's clearsessions keeps it (its bug)");
    let read = on(&shared, SECRET, &[], json!({"action": "read", "key": key}));
    assert_eq!(
        read["items"],
        json!([["x", 1], ["_session_expiry", 60]]),
        "and Django still loads it"
    );
    let backend = ours(&shared, SECRET, &[]).await;
    let key = SessionKey::from_cookie(&key).unwrap();
    assert!(
        backend.load(&key).await.unwrap().is_none(),
        "ours: expired an hour and 59 minutes ago"
    );
    assert!(backend.clear_expired().await.unwrap() >= 1);
    assert!(!path.exists());
}

/// We log out (delete): Django finds no session, whatever it reads (cached_db meets our
/// tombstone in its cache and falls back to its table), and logs nobody in.
#[tokio::test]
async fn our_logout_is_a_logout_for_django() {
    for shared in databases("our_logout_is_a_logout_for_django").await {
        let v = shared.vendor;
        let store = store_of(ours(&shared, SECRET, &[]).await);
        let session = store.session(None);
        session.insert("cart", ["apple"]).await.unwrap();
        auth::login(&session, &keys(SECRET, &[]), &ALICE, MODEL_BACKEND)
            .await
            .unwrap();
        session.save().await.unwrap();
        let key = session.key().unwrap();
        let before = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "read", "key": key.as_str()}),
        );
        assert_eq!(before["user"], json!(1), "{v}");
        auth::logout(&session).await.unwrap();
        let after = on(
            &shared,
            SECRET,
            &[],
            json!({"action": "read", "key": key.as_str()}),
        );
        assert_eq!(after["items"], json!([]), "{v}");
        assert_eq!(after["user"], Value::Null, "{v}");
    }
}
