//! `Session` as an axum extractor (feature `axum`): it lives here because of the orphan rule.

use axum_core::extract::FromRequestParts;
use http::StatusCode;
use http::request::Parts;

use crate::Session;

/// Takes the request's [`Session`] that `SessionLayer` put in its extensions.
///
/// Rejected with 500 and a message naming the missing layer when the route is not behind it.
impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "no session: the route is not behind session_kit::SessionLayer",
        ))
    }
}
