//! Live services for the suites: where they are, and what to do when they are not there.
//!
//! | variable | default |
//! |---|---|
//! | `SESSIONS_TEST_POSTGRES_URL` | `postgres://postgres@127.0.0.1:5432/test` |
//! | `SESSIONS_TEST_MYSQL_URL` | `mysql://root@127.0.0.1:3306/test` |
//! | `SESSIONS_TEST_REDIS_URL` | `redis://127.0.0.1:6379` |
//! | `SESSIONS_TEST_REDIS_CLUSTER_URLS` | `redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103` (the cluster `scripts/test` starts) |
//! | `SESSIONS_DJANGO_PYTHON` | `target/django-venv/bin/python` (the virtualenv `scripts/test` makes, with Django 5.2) |
//! | `SESSIONS_REQUIRE_SERVICES` | unset: an unreachable service skips; `1`: it fails |
//! | `SESSIONS_SKIP_LOG` | unset; a file that each `SKIP(service)` line is appended to, by the conformance cases and the other service tests alike (`scripts/test` counts and prints them) |
//! | `SESSIONS_CONFORMANCE_SUMMARY` | unset; a file each engine's conformance summary is appended to (`scripts/test` prints it) |

use std::collections::HashMap;
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::Unavailable;

/// The variable naming the file `SKIP(service)` lines are appended to.
pub const SKIP_LOG_ENV: &str = "SESSIONS_SKIP_LOG";

/// How long [`reachable`] waits for a service's port.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The variable that turns `SKIP(service)` into a failure.
pub const REQUIRE_SERVICES_ENV: &str = "SESSIONS_REQUIRE_SERVICES";

/// True when unreachable services must fail the run (CI).
pub fn services_required() -> bool {
    std::env::var(REQUIRE_SERVICES_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The PostgreSQL URL for tests.
pub fn postgres_url() -> String {
    env_or(
        "SESSIONS_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    )
}

/// The MySQL / MariaDB URL for tests.
pub fn mysql_url() -> String {
    env_or(
        "SESSIONS_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
    )
}

/// The Redis URL for tests.
pub fn redis_url() -> String {
    env_or("SESSIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

/// The Redis Cluster node URLs for tests (by default the cluster `scripts/test` starts).
pub fn redis_cluster_urls() -> Vec<String> {
    env_or(
        "SESSIONS_TEST_REDIS_CLUSTER_URLS",
        "redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103",
    )
    .split(',')
    .map(str::trim)
    .filter(|url| !url.is_empty())
    .map(str::to_owned)
    .collect()
}

/// The Python that has Django (for the interop tests).
pub fn django_python() -> String {
    env_or(
        "SESSIONS_DJANGO_PYTHON",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/django-venv/bin/python"
        ),
    )
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Whether every server of `urls` (comma-separated `scheme://[user@]host:port/…`; `sqlite:`
/// URLs need no server) accepts a TCP connection within a second. The answer is kept for the process, so a service that is
/// down costs one second per test binary, not a driver's timeout per case.
///
/// # Errors
/// [`Unavailable`] naming `service` and the address that did not answer.
pub fn reachable(service: &str, urls: &str) -> Result<(), Unavailable> {
    static SEEN: Mutex<Option<HashMap<String, Result<(), String>>>> = Mutex::new(None);
    for url in urls.split(',').map(str::trim).filter(|url| !url.is_empty()) {
        if url.starts_with("sqlite:") {
            continue; // a file or memory: nothing to connect to
        }
        let address = address_of(url);
        let answer = {
            let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
            seen.get_or_insert_with(HashMap::new)
                .entry(address.clone())
                .or_insert_with(|| connect(&address))
                .clone()
        };
        answer.map_err(|reason| Unavailable::new(service, reason))?;
    }
    Ok(())
}

/// `host:port` of a service URL (the scheme's default port when none is given).
fn address_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host
        .rsplit(':')
        .next()
        .is_some_and(|port| port.parse::<u16>().is_ok())
        && host.contains(':')
    {
        return host.to_owned();
    }
    let port = match scheme {
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        _ => 6379,
    };
    format!("{host}:{port}")
}

fn connect(address: &str) -> Result<(), String> {
    let addresses = address
        .to_socket_addrs()
        .map_err(|err| format!("{address}: {err}"))?;
    let mut last = format!("{address}: no address");
    for socket in addresses {
        match TcpStream::connect_timeout(&socket, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(err) => last = format!("{address}: {err}"),
        }
    }
    Err(last)
}

/// Reports a case whose service is unreachable: `SKIP(service)` on stderr (and in the file
/// named by `SESSIONS_SKIP_LOG`), or a failure when services are required.
///
/// # Panics
/// When `SESSIONS_REQUIRE_SERVICES=1`.
pub fn skip_or_fail(case: &str, unavailable: &Unavailable) {
    #[allow(clippy::panic)] // a required service that is down must fail the test
    if services_required() {
        panic!(
            "{case}: {} is unavailable ({}) and {REQUIRE_SERVICES_ENV}=1",
            unavailable.service, unavailable.reason
        );
    }
    let line = format!(
        "SKIP(service) {case}: {} is unavailable ({})",
        unavailable.service, unavailable.reason
    );
    eprintln!("{line}");
    if let Some(path) = std::env::var_os(SKIP_LOG_ENV) {
        let logged = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{line}"));
        if let Err(err) = logged {
            eprintln!(
                "cannot append to {SKIP_LOG_ENV}={}: {err}",
                path.to_string_lossy()
            );
        }
    }
}

/// Reports a case that does not apply to this engine: `SKIP(capability)` on stderr.
pub fn skip_capability(case: &str, capability: &str) {
    eprintln!("SKIP(capability) {case}: the engine lacks {capability}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_service_urls() {
        assert_eq!(
            address_of("postgres://postgres@127.0.0.1:5432/test"),
            "127.0.0.1:5432"
        );
        assert_eq!(address_of("mysql://root@localhost/test"), "localhost:3306");
        assert_eq!(address_of("redis://127.0.0.1:7101"), "127.0.0.1:7101");
        assert_eq!(address_of("redis://127.0.0.1"), "127.0.0.1:6379");
    }

    #[test]
    fn a_closed_port_is_unavailable_at_once() -> std::io::Result<()> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let url = format!("postgres://postgres@127.0.0.1:{port}/test");
        let err = reachable("postgres", &url).unwrap_err();
        assert_eq!(err.service, "postgres");
        assert!(
            err.reason.contains(&format!("127.0.0.1:{port}")),
            "{}",
            err.reason
        );
        Ok(())
    }
}
