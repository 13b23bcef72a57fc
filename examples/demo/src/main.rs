//! `cargo run -p demo`: the demo site on 127.0.0.1:8000 (`PORT` overrides), on SQLite with no
//! setup, or on any engine through the settings' environment variables (`SESSION_ENGINE`,
//! `SESSION_DATABASE_URL`, `SESSION_CACHE_URL`, …, or a TOML file named by `SESSIONS_CONFIG`).

use std::net::SocketAddr;

use sessions::{Engine, SessionLayer, SessionStore, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_env()?;
    let backend = Engine::from_settings(&settings).await?;
    let engine = settings.engine.as_str();
    let store = SessionStore::new(backend);
    let layer = SessionLayer::new(store, &settings)?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address).await?;
    eprintln!(
        "sessions demo on http://{address} (engine: {engine}; settings from the environment)"
    );
    axum::serve(listener, demo::app(layer, engine))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
