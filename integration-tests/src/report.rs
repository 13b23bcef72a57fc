//! The run of one engine's cases and the summary it ends with: cases run, passed, failed,
//! skipped by capability (with the factory's reasons) and by service.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::sync::{Mutex, PoisonError};

use crate::{Capability, Fixture, TestContext, Unavailable};

/// The variable naming a file each engine's summary is appended to (`scripts/test` prints it).
pub const SUMMARY_LOG_ENV: &str = "SESSIONS_CONFORMANCE_SUMMARY";

/// The cases of one engine in one test process. [`conformance_tests!`](crate::conformance_tests)
/// makes one per engine and runs each case through it; when the last case is done the summary
/// is written straight to the terminal's stderr, which the test harness does not capture, so it
/// shows without `--nocapture`. (A filtered run that leaves cases out prints none.)
#[derive(Debug)]
pub struct Tally {
    engine: &'static str,
    cases: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    finished: usize,
    passed: usize,
    failed: Vec<&'static str>,
    by_capability: BTreeMap<Capability, Vec<&'static str>>,
    relaxed: BTreeMap<Capability, Vec<&'static str>>,
    by_service: Vec<(&'static str, String)>,
    lacks: BTreeMap<Capability, String>,
}

/// How one case ended.
enum Outcome {
    Passed {
        skipped: Vec<Capability>,
        relaxed: Vec<Capability>,
    },
    Failed,
    NoService(String),
}

impl Tally {
    /// A tally for `cases` cases of `engine`.
    pub const fn new(engine: &'static str, cases: usize) -> Self {
        Self {
            engine,
            cases,
            state: Mutex::new(State {
                finished: 0,
                passed: 0,
                failed: Vec::new(),
                by_capability: BTreeMap::new(),
                relaxed: BTreeMap::new(),
                by_service: Vec::new(),
                lacks: BTreeMap::new(),
            }),
        }
    }

    /// Runs one case: builds its context, asks `factory` for the engine, checks that the
    /// factory declared what the engine lacks, runs `case`, and counts how it ended. An
    /// unavailable service skips the case with `SKIP(service)`, or fails it when
    /// `SESSIONS_REQUIRE_SERVICES=1`.
    ///
    /// # Panics
    /// When the case fails, or a required service is unavailable.
    pub async fn run<F, Fut, C, CaseFut>(&self, case_name: &'static str, factory: F, case: C)
    where
        F: FnOnce(TestContext) -> Fut,
        Fut: Future<Output = Result<Fixture, Unavailable>>,
        C: FnOnce(TestContext, Fixture) -> CaseFut,
        CaseFut: Future<Output = ()>,
    {
        let mut running = Running {
            tally: self,
            case: case_name,
            outcome: None,
        };
        let ctx = TestContext::new(case_name);
        match factory(ctx.clone()).await {
            Ok(fixture) => {
                self.lock().lacks.extend(fixture.lacked().clone());
                case(ctx, fixture.clone()).await;
                let (skipped, relaxed) = fixture.skips_and_relaxations();
                for capability in &skipped {
                    crate::services::skip_capability(case_name, capability.name());
                }
                fixture.cleanup().await;
                running.outcome = Some(Outcome::Passed { skipped, relaxed });
            }
            Err(unavailable) => {
                crate::services::skip_or_fail(case_name, &unavailable);
                running.outcome = Some(Outcome::NoService(unavailable.service));
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn finish(&self, case: &'static str, outcome: Outcome) {
        let summary = {
            let mut state = self.lock();
            state.finished += 1;
            match outcome {
                Outcome::Passed { skipped, relaxed } => {
                    for capability in relaxed {
                        state.relaxed.entry(capability).or_default().push(case);
                    }
                    if skipped.is_empty() {
                        state.passed += 1;
                    }
                    for capability in skipped {
                        state
                            .by_capability
                            .entry(capability)
                            .or_default()
                            .push(case);
                    }
                }
                Outcome::Failed => state.failed.push(case),
                Outcome::NoService(service) => state.by_service.push((case, service)),
            }
            (state.finished == self.cases).then(|| self.summary(&state))
        };
        if let Some(summary) = summary {
            report(&summary);
        }
    }

    fn summary(&self, state: &State) -> String {
        let skipped_capability: usize = state.by_capability.values().map(Vec::len).sum();
        let mut text = format!(
            "\nconformance summary for {}: {} cases, {} run, {} passed, {} failed, {} skipped \
             by capability, {} skipped by service\n",
            self.engine,
            self.cases,
            state.passed + state.failed.len(),
            state.passed,
            state.failed.len(),
            skipped_capability,
            state.by_service.len(),
        );
        if !state.failed.is_empty() {
            let _ = writeln!(text, "  FAILED: {}", state.failed.join(", "));
        }
        for (capability, why) in &state.lacks {
            let listed = |cases: Option<&Vec<&str>>, what: &str| {
                cases.map(|cases| format!("; {what} {}", cases.join(", ")))
            };
            let mut cases: String = [
                listed(state.by_capability.get(capability), "skipped"),
                listed(state.relaxed.get(capability), "checked less in"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if cases.is_empty() {
                cases.push_str("; no case skipped");
            }
            let loud = if *capability == Capability::ConditionalSave {
                "  !!!!"
            } else {
                " "
            };
            let _ = writeln!(
                text,
                "{loud} lacks {capability} ({why}): {}{cases}",
                capability.consequence()
            );
        }
        if state.lacks.is_empty() {
            text.push_str("  lacks nothing: every case ran\n");
        }
        for (case, service) in &state.by_service {
            let _ = writeln!(text, "  SKIP(service) {case}: {service} is unavailable");
        }
        text
    }
}

/// Counts a case when it ends, also by panic (a failed case).
struct Running<'a> {
    tally: &'a Tally,
    case: &'static str,
    outcome: Option<Outcome>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or(Outcome::Failed);
        self.tally.finish(self.case, outcome);
    }
}

/// Writes `summary` to stderr past the harness's capture, and to `SESSIONS_CONFORMANCE_SUMMARY`.
fn report(summary: &str) {
    let _ = std::io::stderr().lock().write_all(summary.as_bytes());
    if let Some(path) = std::env::var_os(SUMMARY_LOG_ENV) {
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(summary.as_bytes()));
    }
}
