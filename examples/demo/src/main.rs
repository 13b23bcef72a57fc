//! `cargo run -p demo`: the demo site on 127.0.0.1:8000 (`PORT` overrides), on SQLite with no
//! setup, or on any engine through the settings' environment variables (`SESSION_ENGINE`,
//! `SESSION_DATABASE_URL`, `SESSION_CACHE_URL`, …, or a TOML file named by `SESSIONS_CONFIG`).
//! Logs go to stderr, filtered by `RUST_LOG` (default `info`).

use std::net::SocketAddr;
use std::process::ExitCode;

use session_kit::core::error_chain;
use session_kit::{Engine, Settings};
use tracing_subscriber::EnvFilter;

/// The port when `PORT` is not set.
const DEFAULT_PORT: u16 = 8000;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the site until Ctrl-C; the error is the sentence to print.
async fn serve() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|err| error_chain(&err))?;
    let port = match std::env::var("PORT") {
        Ok(port) => port.trim().parse::<u16>().map_err(|_| {
            format!("PORT={port:?} is not a port number: give one from 1 to 65535, or unset PORT for {DEFAULT_PORT}")
        })?,
        Err(_) => DEFAULT_PORT,
    };
    let layer = Engine::builder(&settings)
        .layer()
        .await
        .map_err(|err| error_chain(&err))?;
    let engine = settings.engine.as_str();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| format!("cannot listen on {address}: {err}; set PORT to a free port"))?;
    tracing::info!(
        "sessions demo on http://{address} (engine: {engine}; settings from the environment)"
    );
    axum::serve(listener, demo::app(layer, engine))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|err| format!("the server stopped: {err}"))
}
