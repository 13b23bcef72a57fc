//! `Engine::from_settings`: the engine `SESSION_ENGINE` names, on the settings it reads, and
//! start-up errors that name the setting at fault.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;

use session_conformance::services;
use session_kit::{Engine, Error, SessionStore, Settings};

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_lookup(|name| map.get(name).cloned()).unwrap()
}

async fn round_trip(settings: &Settings) {
    let backend = Engine::from_settings(settings).await.unwrap();
    let store = SessionStore::new(backend).with_policy(settings.expiry_policy());
    let session = store.session(None);
    session.insert("engine", "works").await.unwrap();
    session.save().await.unwrap();
    let key = session.key().unwrap();
    let again = store.session(Some(key.as_str()));
    assert_eq!(
        again.get::<String>("engine").await.unwrap().as_deref(),
        Some("works")
    );
}

#[tokio::test]
async fn the_default_engine_is_db_on_sqlite_and_creates_its_table() {
    let path = std::env::temp_dir().join(format!("sessions-engine-{}.sqlite3", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let settings = settings(&[
        ("SESSION_DATABASE_URL", &url),
        ("SESSION_DB_TABLE", "app_sessions"),
    ]);
    assert_eq!(settings.engine, session_kit::core::settings::EngineKind::Db);
    round_trip(&settings).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn djangos_dotted_db_engine_on_postgres_and_mariadb() {
    for (service, url) in [
        ("postgres", services::postgres_url()),
        ("mysql", services::mysql_url()),
    ] {
        let table = format!("engine_test_{}_{}", service, std::process::id());
        let settings = settings(&[
            ("SESSION_ENGINE", "django.contrib.sessions.backends.db"),
            ("SESSION_DATABASE_URL", &url),
            ("SESSION_DB_TABLE", &table),
        ]);
        let backend = match Engine::builder(&settings).build().await {
            Ok(backend) => backend,
            Err(err @ Error::Backend { .. }) => {
                services::skip_or_fail(
                    "djangos_dotted_db_engine",
                    &session_conformance::Unavailable::new(service, err),
                );
                continue;
            }
            Err(other) => panic!("{service}: {other}"),
        };
        drop(backend);
        round_trip(&settings).await;
        let cleanup = session_kit::DbBackend::builder(url)
            .table(table.clone())
            .build()
            .await
            .unwrap();
        cleanup
            .execute_unprepared(&format!("DROP TABLE {table}"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_cache_engine_on_memory_is_moka() {
    let memory = settings(&[
        ("SESSION_ENGINE", "cache"),
        ("SESSION_CACHE_URL", "memory://"),
    ]);
    let backend = Engine::from_settings(&memory).await.unwrap();
    assert!(backend.capabilities().native_expiry);
    assert!(format!("{backend:?}").contains("MokaBackend"));
    assert!(backend.user_index().is_some(), "indexed by user by default");
    round_trip(&memory).await;
    let unindexed = settings(&[
        ("SESSION_ENGINE", "cache"),
        ("SESSION_CACHE_URL", "memory://"),
        ("SESSION_USER_INDEX", "false"),
    ]);
    let backend = Engine::from_settings(&unindexed).await.unwrap();
    assert!(
        backend.user_index().is_none(),
        "SESSION_USER_INDEX=false keeps no index"
    );
}

#[tokio::test]
async fn the_cookie_engines_need_a_secret_key_and_round_trip_with_one() {
    for engine in ["signed_cookies", "encrypted_cookies"] {
        match Engine::from_settings(&settings(&[("SESSION_ENGINE", engine)])).await {
            Err(Error::Config { setting, .. }) => assert_eq!(setting, "SECRET_KEY"),
            other => panic!("{engine}: {other:?}"),
        }
        let with_key = settings(&[
            ("SESSION_ENGINE", engine),
            (
                "SECRET_KEY",
                "engine-test-secret-key-engine-test-secret-key-0123456789",
            ),
            ("SECRET_KEY_FALLBACKS", "an-old-key"),
        ]);
        round_trip(&with_key).await;
    }
    let dotted = settings(&[
        (
            "SESSION_ENGINE",
            "django.contrib.sessions.backends.signed_cookies",
        ),
        (
            "SECRET_KEY",
            "engine-test-secret-key-engine-test-secret-key-0123456789",
        ),
    ]);
    let backend = Engine::from_settings(&dotted).await.unwrap();
    assert!(!backend.capabilities().server_side);
}

/// `SESSION_COOKIE_COMPRESS_FROM` reaches the signed cookie engine: by default a small
/// session is signed plain; `0` compresses it as Django does (the `.` prefix).
#[tokio::test]
async fn the_signed_cookie_engine_compresses_from_the_configured_size() {
    const SECRET: &str = "engine-test-secret-key-engine-test-secret-key-0123456789";
    for (compress_from, compressed) in [(None, false), (Some("0"), true), (Some("100"), true)] {
        let mut pairs = vec![("SESSION_ENGINE", "signed_cookies"), ("SECRET_KEY", SECRET)];
        pairs.extend(compress_from.map(|value| ("SESSION_COOKIE_COMPRESS_FROM", value)));
        let backend = Engine::from_settings(&settings(&pairs)).await.unwrap();
        let store = SessionStore::new(backend);
        let session = store.session(None);
        // 175 bytes of JSON, which zlib shrinks.
        session.insert("cart", vec!["sku-0000"; 15]).await.unwrap();
        session.save().await.unwrap();
        let token = session.key().unwrap();
        assert_eq!(
            token.as_str().starts_with('.'),
            compressed,
            "{compress_from:?}"
        );
    }
    match Settings::from_lookup(|name| {
        (name == "SESSION_COOKIE_COMPRESS_FROM").then(|| "-1".to_owned())
    }) {
        Err(Error::Config { setting, .. }) => assert_eq!(setting, "SESSION_COOKIE_COMPRESS_FROM"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_file_engine_writes_cookie_named_files_in_session_file_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let file_settings = settings(&[
        ("SESSION_ENGINE", "django.contrib.sessions.backends.file"),
        ("SESSION_FILE_PATH", path),
        ("SESSION_COOKIE_NAME", "appsid"),
    ]);
    round_trip(&file_settings).await;
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("appsid"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    let missing = dir.path().join("missing");
    let misconfigured = settings(&[
        ("SESSION_ENGINE", "file"),
        ("SESSION_FILE_PATH", missing.to_str().unwrap()),
    ]);
    match Engine::from_settings(&misconfigured).await {
        Err(Error::Config {
            setting, reason, ..
        }) => {
            assert_eq!(setting, "SESSION_FILE_PATH");
            assert!(reason.contains("missing"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_django_codec_needs_a_secret_key_and_is_refused_where_not_built() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let no_key = settings(&[
        ("SESSION_ENGINE", "file"),
        ("SESSION_FILE_PATH", path),
        ("SESSION_CODEC", "django"),
    ]);
    match Engine::from_settings(&no_key).await {
        Err(Error::Config { setting, .. }) => assert_eq!(setting, "SECRET_KEY"),
        other => panic!("{other:?}"),
    }
    let with_key = settings(&[
        ("SESSION_ENGINE", "file"),
        ("SESSION_FILE_PATH", path),
        ("SESSION_CODEC", "django"),
        (
            "SECRET_KEY",
            "engine-test-secret-key-engine-test-secret-key-0123456789",
        ),
    ]);
    round_trip(&with_key).await;
    let stored: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sessionid")
        })
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].matches(':').count(),
        2,
        "Django's session_data: {}",
        stored[0]
    );
    let cache = settings(&[
        ("SESSION_ENGINE", "cache"),
        ("SESSION_CODEC", "django"),
        (
            "SECRET_KEY",
            "engine-test-secret-key-engine-test-secret-key-0123456789",
        ),
    ]);
    match Engine::from_settings(&cache).await {
        Err(Error::Config { setting, .. }) => assert_eq!(setting, "SESSION_CODEC"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_cache_urls_are_named_at_start_up() {
    for url in ["memcached://127.0.0.1:11211", "", "redis://a,memory://"] {
        let settings = settings(&[("SESSION_ENGINE", "cache"), ("SESSION_CACHE_URL", url)]);
        match Engine::from_settings(&settings).await {
            Err(Error::Config { setting, .. }) => assert_eq!(setting, "SESSION_CACHE_URL"),
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_cache_engine_on_redis_and_on_a_redis_cluster() {
    let cluster = services::redis_cluster_urls().join(",");
    for (service, url) in [("redis", services::redis_url()), ("redis-cluster", cluster)] {
        let settings = settings(&[
            ("SESSION_ENGINE", "django.contrib.sessions.backends.cache"),
            ("SESSION_CACHE_URL", &url),
            ("SESSION_CACHE_KEY_PREFIX", "engine-test:"),
        ]);
        let backend = Engine::from_settings(&settings).await.unwrap();
        assert!(format!("{backend:?}").starts_with("RedisBackend"));
        assert!(backend.capabilities().native_expiry);
        let probe = session_kit::SessionKey::from_cookie("probeprobeprobe1").unwrap();
        if let Err(err) = backend.exists(&probe).await {
            services::skip_or_fail(
                "the_cache_engine_on_redis",
                &session_conformance::Unavailable::new(service, err),
            );
            continue;
        }
        round_trip(&settings).await;
    }
}

#[tokio::test]
async fn cached_db_puts_the_cache_in_front_of_the_database() {
    for cache_url in ["memory://".to_owned(), services::redis_url()] {
        let path = std::env::temp_dir().join(format!(
            "sessions-cached-db-{}-{}.sqlite3",
            std::process::id(),
            cache_url.len()
        ));
        let url = format!("sqlite://{}", path.display());
        let settings = settings(&[
            ("SESSION_ENGINE", "cached_db"),
            ("SESSION_CACHE_URL", &cache_url),
            ("SESSION_DATABASE_URL", &url),
        ]);
        let backend = Engine::from_settings(&settings).await.unwrap();
        assert!(
            format!("{backend:?}").starts_with("CachedBackend"),
            "{backend:?}"
        );
        assert!(
            !backend.capabilities().native_expiry,
            "the store's capabilities"
        );
        round_trip(&settings).await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

#[tokio::test]
async fn bad_database_urls_are_named_at_start_up() {
    let settings = settings(&[("SESSION_DATABASE_URL", "oracle://db.example")]);
    match Engine::from_settings(&settings).await {
        Err(Error::Config {
            setting, reason, ..
        }) => {
            assert_eq!(setting, "SESSION_DATABASE_URL");
            assert!(reason.contains("oracle"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let mut bad_table = Settings::default();
    bad_table.db_table = "users; --".into();
    match Engine::from_settings(&bad_table).await {
        Err(Error::Config { setting, .. }) => assert_eq!(setting, "SESSION_DB_TABLE"),
        other => panic!("{other:?}"),
    }
}

/// `SESSION_DB_EXPIRY_SLACK` reaches the db engine: by default a save 10 s later leaves the
/// stored deadline; with `0` it is written on every save.
#[tokio::test]
async fn the_db_engine_takes_its_expiry_slack_from_the_settings() {
    use session_core::{Clock, ExpiryPolicy, MockClock};
    for (slack, written) in [(None, false), (Some("0"), true)] {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("slack.sqlite3").display());
        let mut pairs = vec![("SESSION_DATABASE_URL", url.as_str())];
        pairs.extend(slack.map(|value| ("SESSION_DB_EXPIRY_SLACK", value)));
        let clock = MockClock::default();
        let backend = Engine::builder(&settings(&pairs))
            .context(session_kit::Context::default().with_clock(clock.shared()))
            .build()
            .await
            .unwrap();
        let record = session_core::Record::new(
            session_core::Data::new(),
            session_core::Expiry::Default,
            clock.now(),
            &ExpiryPolicy::default(),
        )
        .unwrap();
        let stored = backend.create(record).await.unwrap();
        clock.advance(time::Duration::seconds(10));
        let mut record = backend.load(&stored.key).await.unwrap().unwrap();
        let before = record.expires_at;
        record.renew(clock.now(), &ExpiryPolicy::default()).unwrap();
        let wanted = record.expires_at;
        backend.save(&stored.key, record).await.unwrap();
        let after = backend.load(&stored.key).await.unwrap().unwrap().expires_at;
        assert_eq!(after, if written { wanted } else { before }, "{slack:?}");
    }
}

/// `Engine::layer` is the one call an application makes: the layer's store runs on the
/// engine's clock with the settings' expiry policy, so nothing is passed twice.
#[tokio::test]
async fn one_call_gives_the_store_and_the_layer_on_one_clock_and_policy() {
    use session_core::{Clock, MockClock};
    let clock = MockClock::default();
    let settings = settings(&[
        ("SESSION_ENGINE", "cache"),
        ("SESSION_CACHE_URL", "memory://"),
        ("SESSION_COOKIE_AGE", "60"),
        ("SESSION_ABSOLUTE_AGE", "100"),
    ]);
    let layer = Engine::builder(&settings)
        .context(session_kit::Context::default().with_clock(clock.shared()))
        .layer()
        .await
        .unwrap();
    let store = layer.store();
    assert_eq!(store.policy(), &settings.expiry_policy());
    assert_eq!(store.clock().now(), clock.now());
    let session = store.session(None);
    session.insert("n", 1).await.unwrap();
    session.save().await.unwrap();
    let key = session.key().unwrap();
    // 59 s later by the mock clock the session lives; at 60 s it is gone, for the engine too.
    clock.advance(time::Duration::seconds(59));
    assert!(store.backend().exists(&key).await.unwrap());
    clock.advance(time::Duration::seconds(1));
    assert!(!store.backend().exists(&key).await.unwrap());
}
