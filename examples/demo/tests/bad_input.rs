//! What a visitor can post never takes a request down: the expiries that used to overflow the
//! date arithmetic (and answered 503 "store unavailable" on PostgreSQL) are a 400 on every
//! engine, and the visitor's session goes on working.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use session_conformance::Unavailable;
use session_conformance::services::{mysql_url, postgres_url, redis_url, skip_or_fail};
use session_kit::{Engine, SessionLayer, SessionStore, Settings};
use tower::ServiceExt;

/// Each value drops the connection (or answers 503) before the fix.
const OVERFLOWING: [&str; 5] = [
    "253402300799",
    "9223372036854775807",
    "-400000000000",
    "-9223372036854775808",
    "-253402300800",
];

const SECRET: &str = "demo-bad-input-test-secret-0123456789-abcdefghijklmnop";

/// The demo on the engine these settings name, or why its service is unreachable.
async fn site(pairs: &[(&str, String)]) -> Result<Router, Unavailable> {
    let settings = Settings::from_lookup(|name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })
    .unwrap();
    let backend = Engine::from_settings(&settings)
        .await
        .map_err(|err| Unavailable::new(settings.engine.as_str(), err))?;
    let store = SessionStore::new(backend).with_policy(settings.expiry_policy());
    let layer = SessionLayer::new(store, &settings).unwrap();
    Ok(demo::app(layer, settings.engine.as_str()))
}

async fn post(
    app: &Router,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> (StatusCode, Option<String>) {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let cookie = response.headers().get(header::SET_COOKIE).map(|value| {
        value
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    });
    (response.status(), cookie)
}

async fn cart_len(app: &Router, cookie: &str) -> usize {
    let request = Request::builder()
        .uri("/session.json")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    json["session"]["cart"].as_array().map_or(0, Vec::len)
}

async fn overflowing_expiries_are_400(case: &str, pairs: &[(&str, String)]) {
    let app = match site(pairs).await {
        Ok(app) => app,
        Err(unavailable) => return skip_or_fail(case, &unavailable),
    };
    // A new visitor, and one with a stored session.
    let (status, cookie) = post(&app, "/cart", None, "item=apple").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{case}");
    let cookie = cookie.unwrap();
    for value in OVERFLOWING {
        let form = format!("expiry={value}");
        for visitor in [None, Some(cookie.as_str())] {
            let (status, set) = post(&app, "/expiry", visitor, &form).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: expiry={value}");
            assert_eq!(set, None, "{case}: nothing was saved for expiry={value}");
        }
    }
    // The session is untouched and still writable.
    assert_eq!(cart_len(&app, &cookie).await, 1, "{case}");
    let (status, _) = post(&app, "/expiry", Some(&cookie), "expiry=3600").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{case}");
}

fn db(url: String, table: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SESSION_DATABASE_URL", url),
        ("SESSION_DB_TABLE", table.to_owned()),
    ]
}

#[tokio::test]
async fn on_sqlite() {
    overflowing_expiries_are_400("sqlite", &db("sqlite::memory:".into(), "demo_bad_input")).await;
}

#[tokio::test]
async fn on_postgres() {
    overflowing_expiries_are_400("postgres", &db(postgres_url(), "demo_bad_input")).await;
}

#[tokio::test]
async fn on_mysql() {
    overflowing_expiries_are_400("mysql", &db(mysql_url(), "demo_bad_input")).await;
}

#[tokio::test]
async fn on_moka() {
    overflowing_expiries_are_400("moka", &[("SESSION_ENGINE", "cache".into())]).await;
}

#[tokio::test]
async fn on_redis() {
    let pairs = [
        ("SESSION_ENGINE", "cache".into()),
        ("SESSION_CACHE_URL", redis_url()),
        ("SESSION_CACHE_KEY_PREFIX", "demo-bad-input:".into()),
    ];
    overflowing_expiries_are_400("redis", &pairs).await;
}

#[tokio::test]
async fn on_file() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = [
        ("SESSION_ENGINE", "file".into()),
        ("SESSION_FILE_PATH", dir.path().display().to_string()),
    ];
    overflowing_expiries_are_400("file", &pairs).await;
}

#[tokio::test]
async fn on_signed_cookies() {
    let pairs = [
        ("SESSION_ENGINE", "signed_cookies".into()),
        ("SECRET_KEY", SECRET.into()),
    ];
    overflowing_expiries_are_400("signed_cookies", &pairs).await;
}

#[tokio::test]
async fn on_encrypted_cookies() {
    let pairs = [
        ("SESSION_ENGINE", "encrypted_cookies".into()),
        ("SECRET_KEY", SECRET.into()),
    ];
    overflowing_expiries_are_400("encrypted_cookies", &pairs).await;
}
