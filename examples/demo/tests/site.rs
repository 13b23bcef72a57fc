//! The demo site end to end through the middleware: cart, login, logout, expiry, JSON, and
//! twenty concurrent cart posts on one session that all land.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use session_kit::{MokaBackend, SessionLayer, SessionStore, Settings};
use tower::ServiceExt;

fn site() -> Router {
    let store = SessionStore::new(Arc::new(MokaBackend::new()));
    demo::app(
        SessionLayer::new(store, &Settings::default()).unwrap(),
        "cache",
    )
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> Response<Body> {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if method == "POST" {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    app.clone()
        .oneshot(request.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap()
}

fn cookie_of(response: &Response<Body>) -> Option<String> {
    let value = response
        .headers()
        .get(header::SET_COOKIE)?
        .to_str()
        .unwrap();
    Some(value.split(';').next().unwrap().to_owned())
}

async fn body(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn json(app: &Router, cookie: &str) -> serde_json::Value {
    let response = send(app, "GET", "/session.json", Some(cookie), "").await;
    assert_eq!(response.status(), StatusCode::OK);
    // Reading never saves; an unknown key's cookie is deleted (Django's rule).
    let set = cookie_of(&response);
    assert!(
        set.as_deref().is_none_or(|c| c == "sessionid=\"\""),
        "{set:?}"
    );
    serde_json::from_str(&body(response).await).unwrap()
}

#[tokio::test]
async fn a_visitor_shops_logs_in_and_out() {
    let app = site();
    let response = send(&app, "POST", "/cart", None, "item=apple").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_of(&response).expect("a session cookie");
    send(&app, "POST", "/cart", Some(&cookie), "item=pear+%26+plum").await;
    assert_eq!(
        json(&app, &cookie).await["session"]["cart"],
        serde_json::json!(["apple", "pear & plum"])
    );

    let page = body(send(&app, "GET", "/", Some(&cookie), "").await).await;
    assert!(
        page.contains("pear &amp; plum") && page.contains("Anonymous"),
        "{page}"
    );

    let response = send(&app, "POST", "/login", Some(&cookie), "username=alice").await;
    let logged_in = cookie_of(&response).expect("a new cookie at login");
    assert_ne!(logged_in, cookie, "login cycles the key");
    let state = json(&app, &logged_in).await;
    assert_eq!(state["session"]["user"], "alice");
    assert_eq!(
        state["session"]["cart"],
        serde_json::json!(["apple", "pear & plum"]),
        "the cart survives login"
    );
    assert!(
        json(&app, &cookie).await["session"]
            .as_object()
            .unwrap()
            .is_empty(),
        "the old key is dead"
    );

    send(&app, "POST", "/cart/remove", Some(&logged_in), "item=apple").await;
    send(&app, "POST", "/expiry", Some(&logged_in), "expiry=0").await;
    let state = json(&app, &logged_in).await;
    assert_eq!(state["session"]["cart"], serde_json::json!(["pear & plum"]));
    assert_eq!(state["expire_at_browser_close"], true);

    let response = send(&app, "POST", "/logout", Some(&logged_in), "").await;
    let deleted = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        deleted.starts_with("sessionid=\"\"; expires=Thu, 01 Jan 1970"),
        "{deleted}"
    );
    assert!(
        json(&app, &logged_in).await["session"]
            .as_object()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn twenty_concurrent_cart_posts_all_land() {
    let app = site();
    let first = send(&app, "POST", "/cart", None, "item=first").await;
    let cookie = cookie_of(&first).unwrap();
    let mut posts = Vec::new();
    for n in 0..20 {
        let (app, cookie) = (app.clone(), cookie.clone());
        posts.push(tokio::spawn(async move {
            send(
                &app,
                "POST",
                "/cart",
                Some(&cookie),
                &format!("item=item{n}"),
            )
            .await
            .status()
        }));
    }
    for post in posts {
        assert_eq!(post.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let cart = json(&app, &cookie).await["session"]["cart"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(cart, 21, "every concurrent item landed");
}

#[tokio::test]
async fn a_bad_expiry_is_a_clear_400() {
    let app = site();
    let response = send(&app, "POST", "/expiry", None, "expiry=soon").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
