//! `sessions`: Django's session management commands, on the engine the settings name
//! (environment variables with Django's names, or a TOML file named by `SESSIONS_CONFIG`).
//!
//! Exit codes a script can rely on: 0 done, 1 the command failed (message on stderr), 2 bad
//! usage.

#![allow(clippy::print_stdout)] // a command line tool reports on stdout

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use session_kit::core::settings::EngineKind;
use session_kit::{Engine, Error, Settings};

/// Django's session management commands. Settings come from Django-named environment variables
/// (SESSION_ENGINE, SESSION_DATABASE_URL, SESSION_DB_TABLE, SESSION_CACHE_URL, ...) or a TOML
/// file named by SESSIONS_CONFIG.
#[derive(Debug, Parser)]
#[command(name = "sessions", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Remove expired sessions (Django's clearsessions; run it daily).
    Clearsessions,
    /// Create the db engine's table, or add our version column to one Django created.
    Migrate,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // clap exits with 2 on bad usage and 0 for --help / --version.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clearsessions => clear_sessions().await,
        Command::Migrate => migrate().await,
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", session_kit::core::error_chain(&err));
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
        EngineKind::Db => format!("table {} is ready", settings.db_table),
        other => format!("the {} engine needs no migration", other.as_str()),
    })
}
