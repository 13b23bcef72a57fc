//! `sessions`: Django's session management commands, on the engine the settings name
//! (environment variables with Django's names, or a TOML file named by `SESSIONS_CONFIG`).
//!
//! ```text
//! sessions clearsessions   remove expired sessions (run it daily, as Django advises)
//! sessions migrate         create the db engine's table, or upgrade one Django created
//! ```

#![allow(clippy::print_stdout)] // a command line tool reports on stdout

use std::process::ExitCode;

use sessions::{Engine, Error, Settings};

const USAGE: &str = "usage: sessions <clearsessions | migrate>\n\n\
  clearsessions  remove expired sessions from the engine SESSION_ENGINE names\n\
  migrate        create the db engine's table, or add our version column to Django's\n\n\
Settings come from Django-named environment variables (SESSION_ENGINE, SESSION_DATABASE_URL,\n\
SESSION_DB_TABLE, SESSION_CACHE_URL, ...) or a TOML file named by SESSIONS_CONFIG.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    let result = match command.as_deref() {
        Some("clearsessions") => clear_sessions().await,
        Some("migrate") => migrate().await,
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", chain(&err));
            ExitCode::FAILURE
        }
    }
}

async fn clear_sessions() -> Result<String, Error> {
    let settings = Settings::from_env()?;
    let backend = Engine::builder(&settings).migrate(false).build().await?;
    let removed = backend.clear_expired().await?;
    Ok(if backend.capabilities().native_expiry {
        format!(
            "removed {removed} expired sessions (the {} engine also expires sessions itself)",
            settings.engine.as_str()
        )
    } else {
        format!("removed {removed} expired sessions")
    })
}

async fn migrate() -> Result<String, Error> {
    let settings = Settings::from_env()?;
    Engine::builder(&settings).migrate(true).build().await?;
    Ok(match settings.engine {
        sessions::core::settings::EngineKind::Db => format!("table {} is ready", settings.db_table),
        other => format!("the {} engine needs no migration", other.as_str()),
    })
}

/// The error and its sources on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
