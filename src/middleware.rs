//! The tower middleware: Django's `SessionMiddleware`, then better.

mod cookie;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Request, Response, StatusCode, header::SET_COOKIE};
use session_core::{Error, Session, SessionStore, Settings};
use tower::{Layer, Service};

pub use cookie::MAX_COOKIE_BYTES;

/// Puts a lazy [`Session`] in every request's extensions and, on the response, does what
/// Django's `SessionMiddleware.process_response` does (reference §6):
///
/// - the cookie is deleted (Django's deletion cookie) only when the request sent one and the
///   session is now empty with no key; a session emptied but still keyed is saved;
/// - the session is saved when modified (or on every request with
///   `SESSION_SAVE_EVERY_REQUEST`), not empty, and the status is below 500; the cookie carries
///   every `SESSION_COOKIE_*` setting, and no `Max-Age`/`expires` for browser-close sessions;
/// - `Vary: Cookie` when the session was accessed and whenever a cookie is set or deleted.
///
/// Beyond Django: a conflicting save merges and retries ([`Session::save`]); a session deleted
/// meanwhile is never saved back and the response is 400 (configurable); an unchanged session
/// under `SESSION_SAVE_EVERY_REQUEST` is touched, not rewritten; a cookie over 4096 bytes is never
/// sent (500, logged); store failures are logged (without the key) and answered 503, never a
/// panic; an unknown cookie is never turned into a new empty session (Django #25489).
///
/// Handlers take the session from the request's extensions (`Extension<Session>` in axum).
#[derive(Clone)]
pub struct SessionLayer {
    config: Arc<Config>,
}

struct Config {
    store: SessionStore,
    settings: Settings,
    gone_status: StatusCode,
}

impl std::fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie_name", &self.config.settings.cookie_name)
            .field("gone_status", &self.config.gone_status)
            .finish_non_exhaustive()
    }
}

impl SessionLayer {
    /// Sessions in `store`, cookies shaped by `settings`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting when the settings are invalid (`__Host-` without
    /// `Secure`, `SameSite=None` without `Secure`, …): at start-up, never at a request.
    pub fn new(store: SessionStore, settings: &Settings) -> Result<Self, Error> {
        settings.validate()?;
        let store = store.with_policy(settings.expiry_policy());
        Ok(Self {
            config: Arc::new(Config {
                store,
                settings: settings.clone(),
                gone_status: StatusCode::BAD_REQUEST,
            }),
        })
    }

    /// The sessions this layer serves (for work outside requests: an admin task, a test).
    pub fn store(&self) -> &SessionStore {
        &self.config.store
    }

    /// The status answered when the session was deleted during the request (logged out
    /// elsewhere). Default: 400, as Django's `SessionInterrupted`.
    #[must_use]
    pub fn with_gone_status(mut self, status: StatusCode) -> Self {
        if let Some(config) = Arc::get_mut(&mut self.config) {
            config.gone_status = status;
        } else {
            self.config = Arc::new(Config {
                store: self.config.store.clone(),
                settings: self.config.settings.clone(),
                gone_status: status,
            });
        }
        self
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`SessionLayer`] wraps around an inner service.
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> std::fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService").finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let config = Arc::clone(&self.config);
        let cookie = cookie::find(request.headers(), &config.settings.cookie_name);
        let had_cookie = cookie.is_some();
        let session = config.store.session(cookie);
        request.extensions_mut().insert(session.clone());
        // Called now, on the service `poll_ready` readied: no clone of it per request.
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            finish(&config, &session, had_cookie, &mut response).await;
            Ok(response)
        })
    }
}

/// Django's `process_response`, with the improvements listed on [`SessionLayer`].
async fn finish<B: Default>(
    config: &Config,
    session: &Session,
    had_cookie: bool,
    response: &mut Response<B>,
) {
    let settings = &config.settings;
    let (accessed, modified, empty) = (session.accessed(), session.modified(), session.is_empty());
    let mut need_vary = accessed;
    let mut set_cookie = None;
    if had_cookie && empty {
        set_cookie = Some(cookie::delete(settings));
        need_vary = true;
    } else if (modified || settings.save_every_request)
        && !empty
        && response.status().as_u16() < 500
    {
        match persist(config, session, modified).await {
            Ok(Some(value)) => set_cookie = Some(value),
            // Loaded only now and found unknown: never persist an empty session for it.
            Ok(None) if had_cookie => set_cookie = Some(cookie::delete(settings)),
            Ok(None) => {}
            Err(status) => {
                *response = Response::new(B::default());
                *response.status_mut() = status;
            }
        }
        need_vary = true;
    }
    if let Some(value) = set_cookie {
        // From the `String` itself: no copy.
        match HeaderValue::try_from(value) {
            Ok(value) => {
                response.headers_mut().append(SET_COOKIE, value);
            }
            Err(_) => {
                tracing::error!("session cookie is not a valid header value; not sent");
                *response = Response::new(B::default());
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
    }
    if need_vary {
        cookie::patch_vary(response.headers_mut());
    }
}

/// Saves (or touches) the session and returns its `Set-Cookie`, `None` when it ends up with no
/// key, or the status to answer instead.
async fn persist(
    config: &Config,
    session: &Session,
    modified: bool,
) -> Result<Option<String>, StatusCode> {
    let written = if modified {
        session.save().await.map(Some)
    } else {
        session.touch().await
    };
    // What the write stored: the cookie needs nothing more from the session or the clock.
    let saved = match written {
        Ok(Some(saved)) => saved,
        Ok(None) => return Ok(None),
        Err(Error::Gone) => {
            tracing::info!("session deleted during the request (logged out elsewhere); not saved");
            return Err(config.gone_status);
        }
        Err(err) => {
            tracing::error!(error = %session_core::error_chain(&err), "session could not be saved");
            return Err(crate::status_for(&err));
        }
    };
    let value = cookie::set(
        &config.settings,
        saved.key.as_str(),
        saved.max_age,
        saved.at,
    );
    if value.len() > MAX_COOKIE_BYTES {
        tracing::error!(
            size = value.len(),
            limit = MAX_COOKIE_BYTES,
            "session cookie too large; not sent"
        );
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Ok(Some(value))
}
