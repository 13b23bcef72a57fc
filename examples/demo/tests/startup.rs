//! The demo's start-up failures read as one sentence each: the setting or the port named, the
//! value said once, and what to do.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::process::{Command, Output};

fn demo(vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_demo"));
    command
        .env_clear()
        .env("SESSION_DATABASE_URL", "sqlite::memory:")
        .env("RUST_LOG", "warn");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn failure(vars: &[(&str, &str)]) -> String {
    let out = demo(vars);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn an_unknown_engine_is_named_once() {
    let stderr = failure(&[("SESSION_ENGINE", "nope")]);
    assert!(
        stderr.starts_with("error: invalid setting SESSION_ENGINE: \"nope\" is not an engine"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("nope").count(), 1, "{stderr}");
    assert!(!stderr.contains("Config {"), "a debug dump: {stderr}");
}

#[test]
fn a_port_that_is_not_a_number_is_refused() {
    let stderr = failure(&[("PORT", "abc")]);
    assert!(
        stderr.contains("PORT=\"abc\" is not a port number"),
        "{stderr}"
    );
}

#[test]
fn a_taken_port_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let stderr = failure(&[("PORT", &port)]);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}"))
            && stderr.contains("set PORT"),
        "{stderr}"
    );
    assert!(!stderr.contains("Os {"), "a debug dump: {stderr}");
}

#[test]
fn a_database_that_is_down_names_the_store_and_the_cause() {
    let stderr = failure(&[(
        "SESSION_DATABASE_URL",
        "postgres://postgres@127.0.0.1:1/test",
    )]);
    assert!(
        stderr.starts_with(
            "error: the postgres session store failed (is it running and reachable?): "
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Backend {"), "a debug dump: {stderr}");
}

#[test]
fn an_ignored_setting_is_warned_about_at_start_up() {
    // A taken port stops the demo after the engine is built, so the warning has been logged.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let stderr = failure(&[
        ("SESSION_CACHE_URL", "redis://127.0.0.1:6379"),
        ("PORT", &port),
    ]);
    assert!(
        stderr.contains("SESSION_CACHE_URL is set but SESSION_ENGINE=db ignores it"),
        "{stderr}"
    );
}
