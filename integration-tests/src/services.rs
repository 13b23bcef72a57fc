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

use crate::Unavailable;

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

/// Reports a case whose service is unreachable: `SKIP(service)` on stderr, or a failure when
/// services are required.
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
    eprintln!(
        "SKIP(service) {case}: {} is unavailable ({})",
        unavailable.service, unavailable.reason
    );
}

/// Reports a case that does not apply to this engine: `SKIP(capability)` on stderr.
pub fn skip_capability(case: &str, capability: &str) {
    eprintln!("SKIP(capability) {case}: the engine lacks {capability}");
}
