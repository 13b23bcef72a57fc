//! The middleware against Django's `SessionMiddlewareTests` and the scenario matrix of
//! reference §6, on the in-process engine with a mock clock at 2023-11-14T22:13:20Z.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use http::{Request, Response, StatusCode, header};
use session_kit::core::settings::SameSite;
use session_kit::{
    Backend, DbBackend, Expiry, MockClock, MokaBackend, Session, SessionLayer, SessionStore,
    Settings,
};
use tower::{ServiceExt, service_fn};

/// The engines the middleware tests run on.
#[derive(Clone, Copy)]
enum Kind {
    Moka,
    Sqlite,
    /// Django's signed cookies: no server state, so only the cookie cases run on it.
    SignedCookie,
}

struct Harness {
    backend: Arc<dyn Backend>,
    db: Option<DbBackend>,
    moka: Option<Arc<MokaBackend>>,
    store: SessionStore,
    settings: Settings,
    clock: MockClock,
}

impl Harness {
    async fn new(kind: Kind) -> Self {
        Self::with(kind, Settings::default()).await
    }

    async fn with(kind: Kind, settings: Settings) -> Self {
        let clock = MockClock::default();
        let (backend, db, moka): (Arc<dyn Backend>, _, _) = match kind {
            Kind::Moka => {
                let moka = Arc::new(
                    MokaBackend::builder()
                        .context(session_kit::Context::default().with_clock(clock.shared()))
                        .build(),
                );
                (moka.clone(), None, Some(moka))
            }
            Kind::Sqlite => {
                let db = DbBackend::builder("sqlite::memory:")
                    .context(session_kit::Context::default().with_clock(clock.shared()))
                    .build()
                    .await
                    .unwrap();
                db.migrate().await.unwrap();
                (Arc::new(db.clone()), Some(db), None)
            }
            Kind::SignedCookie => {
                let keys = session_kit::core::signing::Keyring::new(
                    session_kit::core::settings::Secret::new(COOKIE_SECRET),
                    Vec::new(),
                )
                .unwrap();
                let backend = session_kit::SignedCookieBackend::signed(&keys)
                    .with_context(session_kit::Context::default().with_clock(clock.shared()));
                (Arc::new(backend), None, None)
            }
        };
        let store = SessionStore::new(backend.clone()).with_clock(clock.shared());
        Self {
            backend,
            db,
            moka,
            store,
            settings,
            clock,
        }
    }

    /// How many sessions the store holds.
    async fn persisted(&self) -> i64 {
        if let Some(moka) = &self.moka {
            return i64::try_from(moka.entry_count()).unwrap();
        }
        match self.db.as_ref().unwrap().pool() {
            session_kit::DbPool::Sqlite(pool) => {
                let pool: &sqlx::SqlitePool = pool;
                sqlx::query_scalar("SELECT count(*) FROM django_session")
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
            _ => unreachable!("the harness only builds SQLite"),
        }
    }

    /// One request through the layer; `handler` gets the request's session.
    async fn request<F, Fut>(&self, cookie: Option<&str>, handler: F) -> Response<String>
    where
        F: Fn(Session) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = StatusCode> + Send,
    {
        let layer = SessionLayer::new(self.store.clone(), &self.settings).unwrap();
        let service = tower::ServiceBuilder::new()
            .layer(layer)
            .service(service_fn(move |req: Request<String>| {
                let handler = handler.clone();
                async move {
                    let session = req.extensions().get::<Session>().cloned().unwrap();
                    let status = handler(session).await;
                    let mut response = Response::new(String::new());
                    *response.status_mut() = status;
                    Ok::<_, Infallible>(response)
                }
            }));
        let mut request = Request::new(String::new());
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        service.oneshot(request).await.unwrap()
    }

    /// A stored session holding `a = 1`; its key.
    async fn stored(&self) -> String {
        let session = self.store.session(None);
        session.insert("a", 1).await.unwrap();
        session.save().await.unwrap();
        session.key().unwrap().as_str().to_owned()
    }
}

fn set_cookie(response: &Response<String>) -> Option<String> {
    response
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn vary(response: &Response<String>) -> Option<String> {
    response
        .headers()
        .get(header::VARY)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn key_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sessionid=")
        .to_owned()
}

const COOKIE_SECRET: &str = "middleware-test-secret-key-middleware-test-secret-key-012";

const DELETE: &str =
    "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax";

async fn a_new_session_gets_djangos_cookie_and_vary(kind: Kind) {
    let h = Harness::new(kind).await;
    let response = h
        .request(None, |s: Session| async move {
            s.insert("cart", ["apple"]).await.unwrap();
            StatusCode::OK
        })
        .await;
    let cookie = set_cookie(&response).unwrap();
    let key = key_of(&cookie);
    assert_eq!(key.len(), 32);
    assert_eq!(
        cookie,
        format!(
            "sessionid={key}; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"
        )
    );
    assert_eq!(vary(&response).as_deref(), Some("Cookie"));
    let stored = h.store.session(Some(&key));
    assert_eq!(
        stored.get::<Vec<String>>("cart").await.unwrap(),
        Some(vec!["apple".to_owned()])
    );
}

async fn scenario_matrix_without_writes(kind: Kind) {
    let h = Harness::new(kind).await;
    let key = h.stored().await;
    let cookie = format!("sessionid={key}");
    let unknown = "sessionid=abcdefghijklmnopqrstuvwxyz012345";
    // 1. no cookie, view does nothing: nothing.
    let r = h.request(None, |_| async { StatusCode::OK }).await;
    assert_eq!((set_cookie(&r), vary(&r)), (None, None));
    // 2. valid cookie, view does nothing: nothing.
    let r = h.request(Some(&cookie), |_| async { StatusCode::OK }).await;
    assert_eq!((set_cookie(&r), vary(&r)), (None, None));
    // 3. valid cookie, view reads: Vary only.
    let r = h
        .request(Some(&cookie), |s: Session| async move {
            assert_eq!(s.get::<i64>("a").await.unwrap(), Some(1));
            StatusCode::OK
        })
        .await;
    assert_eq!(
        (set_cookie(&r), vary(&r).as_deref()),
        (None, Some("Cookie"))
    );
    // 4. unknown key, view reads: cookie deleted + Vary.
    let r = h
        .request(Some(unknown), |s: Session| async move {
            assert_eq!(s.get::<i64>("a").await.unwrap(), None);
            StatusCode::OK
        })
        .await;
    assert_eq!(
        (set_cookie(&r).as_deref(), vary(&r).as_deref()),
        (Some(DELETE), Some("Cookie"))
    );
    // 5. unknown key, view does nothing: nothing.
    let r = h.request(Some(unknown), |_| async { StatusCode::OK }).await;
    assert_eq!((set_cookie(&r), vary(&r)), (None, None));
    // A cookie too short to be a key is deleted even when the view does nothing (Django).
    let r = h
        .request(Some("sessionid=short"), |_| async { StatusCode::OK })
        .await;
    assert_eq!(set_cookie(&r).as_deref(), Some(DELETE));
}

/// Django `test_session_delete_on_end` and scenario 6.
async fn flush_deletes_the_cookie_only_when_one_was_sent(kind: Kind) {
    let h = Harness::new(kind).await;
    let key = h.stored().await;
    let flush = |s: Session| async move {
        s.flush().await.unwrap();
        StatusCode::OK
    };
    let r = h.request(Some(&format!("sessionid={key}")), flush).await;
    assert_eq!(set_cookie(&r).as_deref(), Some(DELETE));
    assert_eq!(vary(&r).as_deref(), Some("Cookie"));
    assert!(
        h.store.session(Some(&key)).keys().await.unwrap().is_empty(),
        "logged out"
    );
    let r = h.request(None, flush).await;
    assert_eq!(
        (set_cookie(&r), vary(&r).as_deref()),
        (None, Some("Cookie"))
    );
}

/// Django `test_session_delete_on_end_with_custom_domain_and_path`.
async fn the_deletion_cookie_carries_domain_and_path(kind: Kind) {
    let mut settings = Settings::default();
    settings.cookie_domain = Some(".example.local".into());
    settings.cookie_path = "/example/".into();
    let h = Harness::with(kind, settings).await;
    let key = h.stored().await;
    let r = h
        .request(Some(&format!("sessionid={key}")), |s: Session| async move {
            s.flush().await.unwrap();
            StatusCode::OK
        })
        .await;
    assert_eq!(
        set_cookie(&r).as_deref(),
        Some(
            "sessionid=\"\"; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/example/; SameSite=Lax"
        )
    );
}

/// Django `test_session_save_on_500` and `_5xx`: nothing written, no cookie, Vary still.
async fn server_errors_save_nothing(kind: Kind) {
    for status in [
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
    ] {
        let h = Harness::new(kind).await;
        let r = h
            .request(None, move |s: Session| async move {
                s.insert("hello", "world").await.unwrap();
                status
            })
            .await;
        assert_eq!(set_cookie(&r), None);
        assert_eq!(vary(&r).as_deref(), Some("Cookie"));
        assert_eq!(h.persisted().await, 0, "nothing persisted on {status}");
    }
}

/// Django `test_save_every_request_with_non_empty_session_renews_session_cookie` (scenario 8),
/// done as a touch: the stored expiry moves, the data is not rewritten.
async fn save_every_request_renews_an_untouched_session(kind: Kind) {
    let mut settings = Settings::default();
    settings.save_every_request = true;
    let h = Harness::with(kind, settings).await;
    let key = h.stored().await;
    let r = h
        .request(Some(&format!("sessionid={key}")), |_| async {
            StatusCode::OK
        })
        .await;
    let cookie = set_cookie(&r).unwrap();
    assert!(
        cookie.starts_with(&format!("sessionid={key}; expires=")),
        "{cookie}"
    );
    assert!(cookie.contains("Max-Age=1209600"));
    assert_eq!(vary(&r).as_deref(), Some("Cookie"));
}

/// Scenario 9 fixed (Django #25489): an unknown cookie under SESSION_SAVE_EVERY_REQUEST does
/// not create an empty session; the stale cookie is deleted.
async fn save_every_request_never_creates_empty_sessions(kind: Kind) {
    let mut settings = Settings::default();
    settings.save_every_request = true;
    let h = Harness::with(kind, settings).await;
    let r = h
        .request(
            Some("sessionid=abcdefghijklmnopqrstuvwxyz012345"),
            |_| async { StatusCode::OK },
        )
        .await;
    assert_eq!(set_cookie(&r).as_deref(), Some(DELETE));
    assert_eq!(h.persisted().await, 0);
}

/// Django `test_session_update_error_redirect`: deleted during the request, the write is not
/// saved back and the answer is 400.
async fn a_session_logged_out_meanwhile_is_400_and_stays_deleted(kind: Kind) {
    let h = Harness::new(kind).await;
    let key = h.stored().await;
    let store = h.store.clone();
    let other_key = key.clone();
    let r = h
        .request(Some(&format!("sessionid={key}")), move |s: Session| {
            let (store, key) = (store.clone(), other_key.clone());
            async move {
                s.insert("written", true).await.unwrap();
                store.session(Some(&key)).flush().await.unwrap(); // logout in another request
                StatusCode::OK
            }
        })
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(set_cookie(&r), None);
    let k = session_kit::SessionKey::from_cookie(&key).unwrap();
    assert!(h.backend.load(&k).await.unwrap().is_none(), "resurrected");
}

/// Django `test_empty_session_saved`: a keyed session emptied by `del` is saved, cookie re-sent.
async fn an_emptied_keyed_session_is_saved(kind: Kind) {
    let h = Harness::new(kind).await;
    let key = h.stored().await;
    let r = h
        .request(Some(&format!("sessionid={key}")), |s: Session| async move {
            s.remove_value("a").await.unwrap();
            StatusCode::OK
        })
        .await;
    assert!(
        set_cookie(&r)
            .unwrap()
            .starts_with(&format!("sessionid={key};"))
    );
    let k = session_kit::SessionKey::from_cookie(&key).unwrap();
    assert!(h.backend.load(&k).await.unwrap().unwrap().data.is_empty());
}

/// set_expiry(0): a browser-session cookie, no Max-Age, no expires.
async fn browser_close_sessions_get_no_max_age(kind: Kind) {
    let h = Harness::new(kind).await;
    let r = h
        .request(None, |s: Session| async move {
            s.set_expiry(Expiry::seconds(0)).await.unwrap();
            s.insert("a", 1).await.unwrap();
            StatusCode::OK
        })
        .await;
    let cookie = set_cookie(&r).unwrap();
    assert_eq!(
        cookie,
        format!(
            "sessionid={}; HttpOnly; Path=/; SameSite=Lax",
            key_of(&cookie)
        )
    );
}

/// Django `test_secure_session_cookie`, `test_httponly_session_cookie`,
/// `test_samesite_session_cookie`, `test_no_httponly_session_cookie`.
async fn cookie_attributes_follow_the_settings(kind: Kind) {
    let mut settings = Settings::default();
    settings.cookie_secure = true;
    settings.cookie_httponly = false;
    settings.cookie_samesite = SameSite::Strict;
    let h = Harness::with(kind, settings).await;
    let r = h
        .request(None, |s: Session| async move {
            s.insert("a", 1).await.unwrap();
            StatusCode::OK
        })
        .await;
    let cookie = set_cookie(&r).unwrap();
    assert!(
        cookie.ends_with("; Max-Age=1209600; Path=/; SameSite=Strict; Secure"),
        "{cookie}"
    );
    assert!(!cookie.contains("HttpOnly"));
    assert_eq!(vary(&r).as_deref(), Some("Cookie"));
}

/// Two requests on one session at once, each changing its own key: both changes survive (the
/// second save conflicts, reloads and re-applies its own change).
async fn concurrent_requests_on_different_keys_both_survive(kind: Kind) {
    let h = Harness::new(kind).await;
    let key = h.stored().await;
    let cookie = format!("sessionid={key}");
    let both_loaded = Arc::new(tokio::sync::Barrier::new(2));
    let change = |name: &'static str| {
        let both_loaded = Arc::clone(&both_loaded);
        move |s: Session| {
            let both_loaded = Arc::clone(&both_loaded);
            async move {
                assert_eq!(s.get::<i64>("a").await.unwrap(), Some(1));
                both_loaded.wait().await; // both requests hold the same version now
                s.insert(name, true).await.unwrap();
                StatusCode::OK
            }
        }
    };
    let (first, second) = tokio::join!(
        h.request(Some(&cookie), change("x")),
        h.request(Some(&cookie), change("y"))
    );
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let stored = h.store.session(Some(&key));
    assert_eq!(stored.get::<bool>("x").await.unwrap(), Some(true));
    assert_eq!(stored.get::<bool>("y").await.unwrap(), Some(true));
    assert_eq!(stored.get::<i64>("a").await.unwrap(), Some(1));
}

/// A tampered, unknown or garbage cookie: the request gets a fresh session under a new key, the
/// key the client sent is never stored, and nothing panics.
async fn tampered_or_unknown_cookies_get_a_fresh_session(kind: Kind) {
    let h = Harness::new(kind).await;
    let key = h.stored().await;
    let mut tampered = key.clone().into_bytes();
    tampered[5] = if tampered[5] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).unwrap();
    let sent = [
        format!("sessionid={tampered}"),
        "sessionid=abcdefghijklmnopqrstuvwxyz012345".to_owned(),
        "sessionid=../../../../etc/passwd%00".to_owned(),
        format!("sessionid={}", "z".repeat(5000)),
        "sessionid=\"\u{1F36A}\u{1F36A}\u{1F36A}\u{1F36A}\u{1F36A}\"".to_owned(),
    ];
    for cookie in &sent {
        let r = h
            .request(Some(cookie), |s: Session| async move {
                assert_eq!(
                    s.get::<i64>("a").await.unwrap(),
                    None,
                    "not the real session"
                );
                s.insert("fresh", true).await.unwrap();
                StatusCode::OK
            })
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{cookie}");
        let new_key = key_of(&set_cookie(&r).unwrap());
        assert_eq!(new_key.len(), 32);
        assert!(!cookie.contains(&new_key), "the client's key was adopted");
        if let Some(sent_key) =
            session_kit::SessionKey::from_cookie(cookie.trim_start_matches("sessionid="))
        {
            assert!(h.backend.load(&sent_key).await.unwrap_or(None).is_none());
        }
    }
    // The real session is untouched; one fresh session per request.
    let real = session_kit::SessionKey::from_cookie(&key).unwrap();
    assert_eq!(h.backend.load(&real).await.unwrap().unwrap().data.len(), 1);
    assert_eq!(h.persisted().await, 1 + i64::try_from(sent.len()).unwrap());
}

/// A `Set-Cookie` that would pass 4096 bytes is never sent: 500, logged, no cookie.
async fn a_cookie_over_4096_bytes_is_never_sent(kind: Kind) {
    let mut settings = Settings::default();
    settings.cookie_path = format!("/{}", "p".repeat(4096));
    let h = Harness::with(kind, settings).await;
    let r = h
        .request(None, |s: Session| async move {
            s.insert("a", 1).await.unwrap();
            StatusCode::OK
        })
        .await;
    assert_refused_without_cookie(&r);
}

/// A response that could not carry its session: 500, and no cookie at all.
fn assert_refused_without_cookie(response: &Response<String>) {
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(set_cookie(response), None);
}

/// On the signed cookie engine the session travels in the cookie: each change re-signs it, and
/// the next request reads what the last one wrote.
#[tokio::test]
async fn cookie_sessions_travel_in_the_cookie() {
    let h = Harness::new(Kind::SignedCookie).await;
    let first = h
        .request(None, |s: Session| async move {
            s.insert("cart", ["apple"]).await.unwrap();
            StatusCode::OK
        })
        .await;
    let token = key_of(&set_cookie(&first).unwrap());
    assert_eq!(
        token.matches(':').count(),
        2,
        "Django's signed format: {token}"
    );
    let second = h
        .request(
            Some(&format!("sessionid={token}")),
            |s: Session| async move {
                s.modify("cart", |cart: Option<Vec<String>>| {
                    let mut cart = cart.unwrap_or_default();
                    cart.push("pear".into());
                    cart
                })
                .await
                .unwrap();
                StatusCode::OK
            },
        )
        .await;
    let next = key_of(&set_cookie(&second).unwrap());
    assert_ne!(next, token);
    let seen = h.store.session(Some(&next));
    assert_eq!(
        seen.get::<Vec<String>>("cart").await.unwrap(),
        Some(vec!["apple".to_owned(), "pear".to_owned()])
    );
    let logout = h
        .request(
            Some(&format!("sessionid={next}")),
            |s: Session| async move {
                s.flush().await.unwrap();
                StatusCode::OK
            },
        )
        .await;
    assert_eq!(set_cookie(&logout).as_deref(), Some(DELETE));
}

/// A session too large for its cookie is a 500 with no `Set-Cookie`, never a cookie the
/// browser would drop.
#[tokio::test]
async fn a_cookie_session_too_large_is_500_without_a_cookie() {
    let h = Harness::new(Kind::SignedCookie).await;
    let r = h
        .request(None, |s: Session| async move {
            let noise = session_conformance::incompressible_text(6000);
            s.insert("blob", noise).await.unwrap();
            StatusCode::OK
        })
        .await;
    assert_refused_without_cookie(&r);
}

/// `SESSION_SAVE_EVERY_REQUEST` on an untouched cookie session re-signs it with a fresh
/// timestamp (there is nothing on the server to touch).
#[tokio::test]
async fn save_every_request_re_signs_an_untouched_cookie_session() {
    let mut settings = Settings::default();
    settings.save_every_request = true;
    let h = Harness::with(Kind::SignedCookie, settings).await;
    let token = h.stored().await;
    h.clock.advance(time::Duration::seconds(10));
    let r = h
        .request(
            Some(&format!("sessionid={token}")),
            |_s: Session| async move { StatusCode::OK },
        )
        .await;
    let resent = key_of(&set_cookie(&r).unwrap());
    assert_ne!(resent, token, "signed again, 10 s later");
    let seen = h.store.session(Some(&resent));
    assert_eq!(seen.get::<i64>("a").await.unwrap(), Some(1));
}

/// Invalid settings fail when the layer is built, naming the setting.
#[tokio::test]
async fn invalid_cookie_settings_fail_at_start_up() {
    let mut settings = Settings::default();
    settings.cookie_name = "__Host-sid".into();
    let store = SessionStore::new(Arc::new(MokaBackend::new()));
    match SessionLayer::new(store, &settings) {
        Err(session_kit::Error::Config { setting, .. }) => {
            assert_eq!(setting, "SESSION_COOKIE_SECURE");
        }
        other => panic!("{other:?}"),
    }
}

/// A store that is down: logged and answered 503, no cookie, no panic.
#[tokio::test]
async fn a_store_that_is_down_is_503() {
    let backend = session_kit::DbBackend::builder("postgres://postgres@127.0.0.1:1/test")
        .acquire_timeout(std::time::Duration::from_millis(200))
        .build()
        .await
        .unwrap();
    let h = Harness {
        backend: Arc::new(MokaBackend::new()),
        db: None,
        moka: None,
        store: SessionStore::new(Arc::new(backend)),
        settings: Settings::default(),
        clock: MockClock::default(),
    };
    let r = h
        .request(None, |s: Session| async move {
            s.insert("a", 1).await.unwrap(); // no cookie: nothing to load yet
            StatusCode::OK
        })
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(set_cookie(&r), None);
}

/// Each case above, once per engine.
macro_rules! on_engines {
    ($($case:ident),* $(,)?) => {
        mod on_moka {
            $(#[tokio::test] async fn $case() { super::$case(super::Kind::Moka).await; })*
        }
        mod on_sqlite {
            $(#[tokio::test] async fn $case() { super::$case(super::Kind::Sqlite).await; })*
        }
    };
}

on_engines!(
    a_new_session_gets_djangos_cookie_and_vary,
    scenario_matrix_without_writes,
    flush_deletes_the_cookie_only_when_one_was_sent,
    the_deletion_cookie_carries_domain_and_path,
    server_errors_save_nothing,
    save_every_request_renews_an_untouched_session,
    save_every_request_never_creates_empty_sessions,
    a_session_logged_out_meanwhile_is_400_and_stays_deleted,
    an_emptied_keyed_session_is_saved,
    browser_close_sessions_get_no_max_age,
    cookie_attributes_follow_the_settings,
    concurrent_requests_on_different_keys_both_survive,
    tampered_or_unknown_cookies_get_a_fresh_session,
    a_cookie_over_4096_bytes_is_never_sent,
);
