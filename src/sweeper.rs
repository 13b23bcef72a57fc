//! Clearing expired sessions in the background, for apps that want it instead of a cron job.

use std::sync::Arc;
use std::time::Duration;

use session_core::Backend;
use tokio::task::JoinHandle;

/// The background task of [`spawn_clear_expired`]; dropping it stops the task.
#[derive(Debug)]
#[must_use = "dropping the handle stops the task"]
pub struct ClearExpiredTask {
    task: JoinHandle<()>,
}

impl Drop for ClearExpiredTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs `backend.clear_expired()` now and then every `period` (each wait shortened by up to
/// 10 % at random, so that several instances of an app do not sweep in step), logging what it
/// removed and any failure; a failure waits for the next turn. Needs a tokio runtime.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::{sync::Arc, time::Duration};
/// use session_kit::{spawn_clear_expired, MokaBackend};
///
/// let sweeper = spawn_clear_expired(Arc::new(MokaBackend::new()), Duration::from_secs(3600));
/// // … serve requests; dropping `sweeper` stops it.
/// # drop(sweeper);
/// # }
/// ```
pub fn spawn_clear_expired(backend: Arc<dyn Backend>, period: Duration) -> ClearExpiredTask {
    let task = tokio::spawn(async move {
        loop {
            match backend.clear_expired().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "cleared expired sessions"),
                Err(err) => tracing::warn!(error = %err, "clearing expired sessions failed"),
            }
            tokio::time::sleep(jittered(period)).await;
        }
    });
    ClearExpiredTask { task }
}

/// `period` less up to 10 %, at random (not shortened if the OS random source fails).
fn jittered(period: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let jitter = getrandom::fill(&mut byte).map_or(0, |()| byte[0]);
    period.mul_f64(1.0 - f64::from(jitter) / 2550.0)
}

#[cfg(all(test, feature = "moka"))]
mod tests;
