//! The HTTP status that answers a session error, for the middleware and for handlers.

use http::StatusCode;
use session_core::Error;

/// The status a request fails with when a session operation returned `err`:
///
/// | error | status | why |
/// |---|---|---|
/// | [`Error::Gone`] | 400 | Django's `SessionInterrupted`: the session was logged out meanwhile |
/// | [`Error::ExpiryOutOfRange`], [`Error::InvalidKey`] | 400 | the client sent it |
/// | [`Error::Backend`], [`Error::Conflict`] (transient) | 503 | the store is down or busy: retry later |
/// | anything else | 500 | the server's own mistake (a session too large for its cookie, a key generator that keeps repeating itself ([`Error::NoFreeKey`]), …) |
///
/// ```
/// use http::StatusCode;
/// use session_kit::{Error, status_for};
///
/// assert_eq!(status_for(&Error::ExpiryOutOfRange), StatusCode::BAD_REQUEST);
/// assert_eq!(status_for(&Error::Conflict), StatusCode::SERVICE_UNAVAILABLE);
/// // Not the store being down: retrying draws from the same generator.
/// assert_eq!(status_for(&Error::NoFreeKey { attempts: 10_000 }), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
pub fn status_for(err: &Error) -> StatusCode {
    match err {
        Error::Gone | Error::ExpiryOutOfRange | Error::InvalidKey { .. } => StatusCode::BAD_REQUEST,
        err if err.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
