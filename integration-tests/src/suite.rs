//! The suite as values: every case as a function, and a runner that reports which cases an
//! engine fails, and how, instead of panicking (what the self-test of broken engines uses).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::{Fixture, TestContext, Unavailable};

/// A case's future.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One case of the suite: it panics, with a message saying why, when the engine fails it.
pub type Case = fn(TestContext, Fixture) -> CaseFuture;

/// Every case, by name, in the order [`CASES`](crate::CASES) lists them.
pub fn cases() -> Vec<(&'static str, Case)> {
    crate::__with_cases!(crate::__case_fns;)
}

/// How long one case may run in [`failing_cases`] before it counts as hung.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// How a case failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The case panicked with this message: the engine broke what the case checks.
    Panicked(String),
    /// The case ran past [`CASE_TIMEOUT`] (and was aborted): a hang, or a machine too busy.
    TimedOut,
    /// The factory could not build the engine.
    Unavailable(String),
}

/// Runs every case on a fresh engine from `factory`, each in a task of its own, and returns the
/// cases that failed and how.
pub async fn failing_cases<F, Fut>(factory: F) -> Vec<(&'static str, Failure)>
where
    F: Fn(TestContext) -> Fut,
    Fut: Future<Output = Result<Fixture, Unavailable>>,
{
    let mut failed = Vec::new();
    for (name, case) in cases() {
        let ctx = TestContext::new(name);
        let fixture = match factory(ctx.clone()).await {
            Ok(fixture) => fixture,
            Err(unavailable) => {
                failed.push((name, Failure::Unavailable(unavailable.reason)));
                continue;
            }
        };
        let mut task = tokio::spawn(case(ctx, fixture.clone()));
        match tokio::time::timeout(CASE_TIMEOUT, &mut task).await {
            Ok(Ok(())) => fixture.cleanup().await,
            Ok(Err(err)) => failed.push((name, Failure::Panicked(panic_message(err)))),
            Err(_) => {
                task.abort();
                failed.push((name, Failure::TimedOut));
            }
        }
    }
    failed
}

/// What a case's panic said.
fn panic_message(err: tokio::task::JoinError) -> String {
    match err.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".to_owned()),
        Err(err) => err.to_string(),
    }
}
