//! A visit counter in the session: the smallest axum app with sessions.

use std::sync::Arc;

use axum::{Router, http::StatusCode, routing::get};
use session_kit::{MokaBackend, Session, SessionLayer, SessionStore, Settings, status_for};

/// Counts the visitor's visits in their session.
async fn visits(session: Session) -> Result<String, StatusCode> {
    let seen: u64 = session
        .get("visits")
        .await
        .map_err(|err| status_for(&err))?
        .unwrap_or(0);
    session
        .insert("visits", seen + 1)
        .await
        .map_err(|err| status_for(&err))?;
    Ok(format!("You have been here {} times.", seen + 1))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Django's defaults; `Settings::from_env()` reads SESSION_* variables instead.
    let settings = Settings::default();
    let store = SessionStore::new(Arc::new(MokaBackend::new()));
    let app = Router::new()
        .route("/", get(visits))
        .layer(SessionLayer::new(store, &settings)?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    eprintln!("listening on http://127.0.0.1:3000");
    axum::serve(listener, app).await?;
    Ok(())
}
