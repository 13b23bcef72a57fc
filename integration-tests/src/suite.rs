//! The suite as values: every case as a function, and a runner that reports which cases an
//! engine fails instead of panicking (what the self-test of broken engines uses).

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

/// How long one case may run in [`failing_cases`] before it counts as failed (a hang).
pub const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs every case on a fresh engine from `factory`, each in a task of its own, and returns the
/// names of the cases that failed: by panic, by taking longer than [`CASE_TIMEOUT`], or by a
/// factory that could not build the engine.
pub async fn failing_cases<F, Fut>(factory: F) -> Vec<&'static str>
where
    F: Fn(TestContext) -> Fut,
    Fut: Future<Output = Result<Fixture, Unavailable>>,
{
    let mut failed = Vec::new();
    for (name, case) in cases() {
        let ctx = TestContext::new(name);
        let Ok(fixture) = factory(ctx.clone()).await else {
            failed.push(name);
            continue;
        };
        let task = tokio::spawn(case(ctx, fixture.clone()));
        match tokio::time::timeout(CASE_TIMEOUT, task).await {
            Ok(Ok(())) => fixture.cleanup().await,
            Ok(Err(_)) | Err(_) => failed.push(name),
        }
    }
    failed
}
