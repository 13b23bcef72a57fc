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

/// Settings that used to pass start-up and then fail every request (a panic in the expiry
/// arithmetic, a 500 for a header that cannot be sent, or an attribute sent as given).
#[test]
fn values_that_broke_every_request_fail_at_start_up() {
    let cases: &[(&str, &str)] = &[
        ("SESSION_COOKIE_AGE", "253402300799"),
        ("SESSION_COOKIE_AGE", "-1"),
        ("SESSION_ABSOLUTE_AGE", "9223372036854775807"),
        ("SESSION_ABSOLUTE_AGE", "0"),
        ("SESSION_COOKIE_PATH", "/a\nb"),
        ("SESSION_COOKIE_PATH", "/a\r\nSet-Cookie: x=y"),
        ("SESSION_COOKIE_PATH", "/a\u{1}"),
        ("SESSION_COOKIE_PATH", "/a\u{7f}"),
        ("SESSION_COOKIE_PATH", "/caf\u{e9}"),
        ("SESSION_COOKIE_PATH", "/a b"),
        ("SESSION_COOKIE_PATH", "relative"),
        ("SESSION_COOKIE_DOMAIN", "exam\nple.com"),
        ("SESSION_COOKIE_DOMAIN", "exa\u{1}mple.com"),
        ("SESSION_COOKIE_DOMAIN", "exa\u{7f}mple.com"),
        ("SESSION_COOKIE_DOMAIN", "b\u{fc}cher.example"),
        ("SESSION_COOKIE_DOMAIN", "a=b"),
        ("SESSION_COOKIE_DOMAIN", "a..b"),
        ("SESSION_COOKIE_DOMAIN", "."),
    ];
    for (setting, value) in cases {
        let err = from(&[(setting, value)]).unwrap_err();
        assert!(
            matches!(&err, Error::Config { setting: named, .. } if named == setting),
            "{setting}={value:?}: {err}"
        );
    }
    for (setting, value) in [
        ("SESSION_COOKIE_AGE", "31557600000"),
        ("SESSION_COOKIE_AGE", "0"),
        ("SESSION_ABSOLUTE_AGE", "31557600000"),
        ("SESSION_COOKIE_PATH", "/app/%C3%A9/"),
        ("SESSION_COOKIE_DOMAIN", ".example.com"),
        ("SESSION_COOKIE_DOMAIN", "xn--bcher-kva.example"),
        ("SESSION_COOKIE_DOMAIN", "127.0.0.1"),
    ] {
        assert!(from(&[(setting, value)]).is_ok(), "{setting}={value:?}");
    }
}

#[test]
fn a_config_error_names_the_setting_and_the_fix_once() {
    let err = from(&[("SESSION_COOKIE_AGE", "253402300799")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid setting SESSION_COOKIE_AGE: 253402300799 is out of range: give seconds from 0 \
         to 31557600000 (1,000 years)"
    );
}

#[test]
fn a_weak_secret_key_is_warned_about_when_an_engine_signs() {
    let weak = [
        "a",
        "short-but-varied-0123456789",
        "ababababababababababababababababababababababababababababab",
        "django-insecure-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
    ];
    for key in weak {
        let settings = from(&[("SESSION_ENGINE", "signed_cookies"), ("SECRET_KEY", key)]).unwrap();
        let warnings = settings.warnings();
        assert_eq!(warnings.len(), 1, "{key:?}: {warnings:?}");
        assert!(
            warnings[0].starts_with("SECRET_KEY is weak"),
            "{warnings:?}"
        );
        if key.len() > 1 {
            assert!(!warnings[0].contains(key), "the key itself is never shown");
        }
    }
    let strong = "v8#Lq2!xR9zT@4mWcN7pK0sJ&fH3yB6dG1eA5uQ$iO*lZ^rX-tV+nM=wE";
    let settings = from(&[("SESSION_ENGINE", "signed_cookies"), ("SECRET_KEY", strong)]).unwrap();
    assert_eq!(settings.warnings(), Vec::<String>::new());
    // The db engine with our codec never signs: nothing to warn about.
    let settings = from(&[("SECRET_KEY", "a")]).unwrap();
    assert_eq!(settings.warnings(), Vec::<String>::new());
    let settings = from(&[("SESSION_CODEC", "django"), ("SECRET_KEY", "a")]).unwrap();
    assert_eq!(settings.warnings().len(), 1);
}

#[test]
fn settings_the_engine_ignores_are_warned_about() {
    let settings = from(&[("SESSION_CACHE_URL", "redis://127.0.0.1:6379")]).unwrap();
    assert_eq!(
        settings.warnings(),
        [
            "SESSION_CACHE_URL is set but SESSION_ENGINE=db ignores it; set SESSION_ENGINE to the \
          engine you meant, or remove SESSION_CACHE_URL"
        ]
    );
    let settings = from(&[
        ("SESSION_ENGINE", "cached_db"),
        ("SESSION_CACHE_URL", "redis://127.0.0.1:6379"),
        ("SESSION_DATABASE_URL", "postgres://localhost/test"),
    ])
    .unwrap();
    assert_eq!(settings.warnings(), Vec::<String>::new());
    let settings = from(&[
        ("SESSION_ENGINE", "cache"),
        ("SESSION_FILE_PATH", "/tmp"),
        ("SESSION_DATABASE_URL", "postgres://localhost/test"),
    ])
    .unwrap();
    let warnings = settings.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("SESSION_DATABASE_URL is set but SESSION_ENGINE=cache"));
    assert!(warnings[1].starts_with("SESSION_FILE_PATH is set but SESSION_ENGINE=cache"));
}

/// A config error raised by a typed error keeps it as the source; `error_chain` says each part
/// once, in one sentence.
#[test]
fn config_errors_keep_the_error_behind_them() -> std::io::Result<()> {
    use crate::error_chain;
    use std::error::Error as _;

    let err = from(&[("SESSION_COOKIE_AGE", "two weeks")]).unwrap_err();
    assert!(
        err.source()
            .is_some_and(|s| s.is::<std::num::ParseIntError>()),
        "{err:?}"
    );
    assert_eq!(
        error_chain(&err),
        "invalid setting SESSION_COOKIE_AGE: \"two weeks\" is not a whole number here: invalid \
         digit found in string"
    );
    let err = from(&[("SESSION_ABSOLUTE_AGE", "-1x")]).unwrap_err();
    assert!(err.source().is_some(), "{err:?}");

    let err = from(&[(CONFIG_ENV, "/nonexistent/sessions.toml")]).unwrap_err();
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>());
    assert_eq!(
        io.map(std::io::Error::kind),
        Some(std::io::ErrorKind::NotFound)
    );
    let io = io.map(ToString::to_string).unwrap_or_default();
    assert_eq!(
        error_chain(&err),
        format!("invalid setting SESSIONS_CONFIG: cannot read /nonexistent/sessions.toml: {io}")
    );

    let err = Settings::from_toml("SESSION_COOKIE_AEG = 5").unwrap_err();
    assert!(
        err.source().is_some_and(|s| s.is::<toml::de::Error>()),
        "{err:?}"
    );
    let chain = error_chain(&err);
    assert_eq!(chain, err.to_string(), "the TOML error is said once");
    assert!(
        chain
            .starts_with("invalid setting SESSIONS_CONFIG: TOML parse error at line 1, column 1\n")
    );
    assert_eq!(
        chain.matches("unknown field `SESSION_COOKIE_AEG`").count(),
        1
    );
    assert!(!chain.ends_with('\n'), "{chain:?}");

    let dir = std::env::temp_dir().join(format!("sessions-bad-toml-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("sessions.toml");
    std::fs::write(&path, "SESSION_COOKIE_AGE = \"two weeks\"\n")?;
    let err = Settings::from_toml_file(&path).unwrap_err();
    std::fs::remove_dir_all(&dir)?;
    assert!(
        err.source().is_some_and(|s| s.is::<toml::de::Error>()),
        "{err:?}"
    );
    let chain = error_chain(&err);
    assert!(
        chain.starts_with(&format!(
            "invalid setting SESSIONS_CONFIG: {}: TOML parse error at line 1",
            path.display()
        )),
        "{chain}"
    );
    assert_eq!(chain.matches("TOML parse error").count(), 1, "{chain}");
    assert_eq!(chain.matches("invalid setting").count(), 1, "{chain}");
    Ok(())
}
