use super::*;
use std::collections::HashMap;

fn from(pairs: &[(&str, &str)]) -> Result<Settings> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults_are_djangos() {
    let s = from(&[]).unwrap();
    assert_eq!(s, Settings::default());
    assert_eq!(s.engine, EngineKind::Db);
    assert_eq!(s.cookie_name, "sessionid");
    assert_eq!(s.cookie_age, 1_209_600);
    assert_eq!(s.cookie_domain, None);
    assert_eq!(s.cookie_path, "/");
    assert!(!s.cookie_secure);
    assert!(s.cookie_httponly);
    assert_eq!(s.cookie_samesite, SameSite::Lax);
    assert!(!s.cookie_partitioned);
    assert!(!s.save_every_request);
    assert!(!s.expire_at_browser_close);
    assert_eq!(s.absolute_age, None);
    assert_eq!(s.file_path, None);
    assert_eq!(s.database_url, "sqlite://sessions.sqlite3");
    assert_eq!(s.db_table, "django_session");
    assert_eq!(s.cache_url, "memory://");
    assert_eq!(s.cache_key_prefix, "session:");
    assert!(s.secret_key.is_empty());
    assert!(s.secret_key_fallbacks.is_empty());
    assert_eq!(s.codec, CodecKind::Json);
}

#[test]
fn every_setting_reads_from_the_environment() {
    let s = from(&[
        (
            "SESSION_ENGINE",
            "django.contrib.sessions.backends.cached_db",
        ),
        ("SESSION_COOKIE_NAME", "__Host-sid"),
        ("SESSION_COOKIE_AGE", "60"),
        ("SESSION_COOKIE_PATH", "/"),
        ("SESSION_COOKIE_SECURE", "True"),
        ("SESSION_COOKIE_HTTPONLY", "False"),
        ("SESSION_COOKIE_SAMESITE", "None"),
        ("SESSION_COOKIE_PARTITIONED", "true"),
        ("SESSION_SAVE_EVERY_REQUEST", "1"),
        ("SESSION_EXPIRE_AT_BROWSER_CLOSE", "yes"),
        ("SESSION_ABSOLUTE_AGE", "3600"),
        ("SESSION_FILE_PATH", "/var/sessions"),
        ("SESSION_DATABASE_URL", "postgres://localhost/test"),
        ("SESSION_DB_TABLE", "my_sessions"),
        ("SESSION_CACHE_URL", "redis://a:1,redis://b:2"),
        ("SESSION_CACHE_KEY_PREFIX", "app:"),
        ("SECRET_KEY", "s3cret"),
        ("SECRET_KEY_FALLBACKS", "old1, old2,"),
        ("SESSION_CODEC", "Django"),
    ])
    .unwrap();
    assert_eq!(s.engine, EngineKind::CachedDb);
    assert_eq!(s.cookie_name, "__Host-sid");
    assert_eq!(s.cookie_age, 60);
    assert!(s.cookie_secure && !s.cookie_httponly && s.cookie_partitioned);
    assert_eq!(s.cookie_samesite, SameSite::None);
    assert!(s.save_every_request && s.expire_at_browser_close);
    assert_eq!(s.absolute_age, Some(3600));
    assert_eq!(s.file_path, Some(PathBuf::from("/var/sessions")));
    assert_eq!(s.database_url, "postgres://localhost/test");
    assert_eq!(s.db_table, "my_sessions");
    assert_eq!(s.cache_url, "redis://a:1,redis://b:2");
    assert_eq!(s.cache_key_prefix, "app:");
    assert_eq!(s.secret_key.expose(), "s3cret");
    let fallbacks: Vec<_> = s.secret_key_fallbacks.iter().map(Secret::expose).collect();
    assert_eq!(fallbacks, ["old1", "old2"]);
    assert_eq!(s.codec, CodecKind::Django);
    assert_eq!(
        s.expiry_policy(),
        ExpiryPolicy {
            cookie_age: 60,
            expire_at_browser_close: true,
            absolute_age: Some(3600)
        }
    );
}

#[test]
fn toml_file_then_environment_overrides() {
    let dir = std::env::temp_dir().join(format!("sessions-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sessions.toml");
    std::fs::write(
        &path,
        "SESSION_ENGINE = \"file\"\nSESSION_COOKIE_AGE = 100\nSESSION_COOKIE_SAMESITE = false\nSESSION_COOKIE_DOMAIN = \".example.com\"\n",
    )
    .unwrap();
    let path_text = path.to_string_lossy().into_owned();
    let s = from(&[(CONFIG_ENV, &path_text), ("SESSION_COOKIE_AGE", "200")]).unwrap();
    assert_eq!(s.engine, EngineKind::File);
    assert_eq!(s.cookie_age, 200, "the environment wins over the file");
    assert_eq!(s.cookie_samesite, SameSite::Omit);
    assert_eq!(s.cookie_domain.as_deref(), Some(".example.com"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_files_and_unknown_names_are_named() {
    let err = Settings::from_toml("SESSION_COOKIE_AEG = 5").unwrap_err();
    assert!(err.to_string().contains("SESSION_COOKIE_AEG"), "{err}");
    let err = from(&[(CONFIG_ENV, "/nonexistent/sessions.toml")]).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/sessions.toml"),
        "{err}"
    );
    let err = Settings::default().set("SESSION_TYPO", "1").unwrap_err();
    assert!(err.to_string().contains("SESSION_TYPO"), "{err}");
}

#[test]
fn invalid_values_name_their_setting() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("SESSION_ENGINE", "mongo")], "SESSION_ENGINE"),
        (&[("SESSION_COOKIE_AGE", "two weeks")], "SESSION_COOKIE_AGE"),
        (&[("SESSION_COOKIE_AGE", "-1")], "SESSION_COOKIE_AGE"),
        (
            &[("SESSION_COOKIE_SECURE", "maybe")],
            "SESSION_COOKIE_SECURE",
        ),
        (
            &[("SESSION_COOKIE_SAMESITE", "sometimes")],
            "SESSION_COOKIE_SAMESITE",
        ),
        (
            &[("SESSION_COOKIE_SAMESITE", "None")],
            "SESSION_COOKIE_SAMESITE",
        ),
        (
            &[("SESSION_COOKIE_NAME", "bad name")],
            "SESSION_COOKIE_NAME",
        ),
        (
            &[("SESSION_COOKIE_NAME", "__Host-sid")],
            "SESSION_COOKIE_SECURE",
        ),
        (
            &[
                ("SESSION_COOKIE_NAME", "__Host-sid"),
                ("SESSION_COOKIE_SECURE", "true"),
                ("SESSION_COOKIE_DOMAIN", "example.com"),
            ],
            "SESSION_COOKIE_DOMAIN",
        ),
        (
            &[
                ("SESSION_COOKIE_NAME", "__Host-sid"),
                ("SESSION_COOKIE_SECURE", "true"),
                ("SESSION_COOKIE_PATH", "/app"),
            ],
            "SESSION_COOKIE_PATH",
        ),
        (
            &[("SESSION_COOKIE_NAME", "__Secure-sid")],
            "SESSION_COOKIE_SECURE",
        ),
        (
            &[("SESSION_COOKIE_PARTITIONED", "true")],
            "SESSION_COOKIE_PARTITIONED",
        ),
        (&[("SESSION_COOKIE_PATH", "app")], "SESSION_COOKIE_PATH"),
        (&[("SESSION_ABSOLUTE_AGE", "0")], "SESSION_ABSOLUTE_AGE"),
        (
            &[("SESSION_DB_TABLE", "sessions; drop table x")],
            "SESSION_DB_TABLE",
        ),
        (&[("SESSION_CODEC", "pickle")], "SESSION_CODEC"),
    ];
    for (pairs, setting) in cases {
        let err = from(pairs).unwrap_err();
        match &err {
            Error::Config { setting: named, .. } => assert_eq!(named, setting, "{pairs:?}: {err}"),
            other => panic!("{pairs:?}: {other}"),
        }
    }
}

#[test]
fn secrets_are_redacted() {
    let s = from(&[
        ("SECRET_KEY", "hunter2-hunter2"),
        ("SECRET_KEY_FALLBACKS", "old-secret"),
    ])
    .unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("old-secret"),
        "{debug}"
    );
}

#[test]
fn identifiers() {
    assert!(is_sql_identifier("django_session"));
    assert!(is_sql_identifier("_t1"));
    for bad in ["", "1abc", "a-b", "a b", "a\"b", &"a".repeat(64)] {
        assert!(!is_sql_identifier(bad), "{bad:?}");
    }
}
