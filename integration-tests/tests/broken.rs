//! The suite tests itself: each broken engine (the reference engine with one contract
//! violation, `broken/engine.rs`) runs the whole suite, and must fail at least the cases the
//! table `docs/broken.md` names for it. The table covers every broken engine, and every line
//! of the contract is broken by at least one of them.

mod broken {
    pub(crate) mod engine;
    pub(crate) mod flaw;
    pub(crate) mod index;
}

use std::collections::{BTreeMap, BTreeSet};

use broken::engine::Flawed;
use broken::flaw::Flaw;
use broken::index::{FlawedIndex, IndexFlaw};
use session_conformance::suite::{Failure, failing_cases};
use session_conformance::{Capability, Fixture, ReferenceBackend, TestContext, Unavailable};
use session_core::users::{Indexed, MemoryKeyIndex};

/// The table of broken engines, as the crate docs show it.
const TABLE: &str = include_str!("../docs/broken.md");

/// The table of the contract's lines and their cases, as the crate docs show it.
const CONTRACT_TABLE: &str = include_str!("../docs/contract.md");

/// The contract's tags, where the trait is documented.
const CONTRACT: &str = include_str!("../../session-core/src/backend.rs");

/// The tags of the optional index's contract (broken by the broken key indexes).
const INDEX_CONTRACT: &str = include_str!("../../session-core/src/users.rs");

/// A row of the table: the contract line it breaks and the cases that must catch it.
struct Row {
    tag: String,
    killers: Vec<String>,
}

/// The rows of `docs/broken.md`, by broken engine.
fn table() -> BTreeMap<String, Row> {
    rows(TABLE, 2, 4)
}

/// The rows of a table whose first cell is a ticked name: the ticked words of cell `tag` and
/// of cell `cases`.
fn rows(table: &str, tag: usize, cases: usize) -> BTreeMap<String, Row> {
    table
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let ticked = |cell: &str| -> Vec<String> {
                cell.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect()
            };
            let bare = |cell: &str| ticked(cell).concat().trim_matches(['[', ']']).to_owned();
            let name = bare(cells[1]);
            let row = Row {
                tag: bare(cells[tag]),
                killers: ticked(cells[cases]),
            };
            (name, row)
        })
        .collect()
}

/// The tags of the contract in `backend.rs`: `` `[tag]` `` at the start of a doc bullet.
fn contract_tags(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("/// - `["))
        .filter_map(|rest| rest.split_once("]`"))
        .map(|(tag, _)| tag.to_owned())
        .collect()
}

/// The engine broken by `flaw`, with the reference's hooks, and the declaration its author
/// would add to make it pass if the flaw is in a claim.
async fn flawed(ctx: TestContext, flaw: Flaw) -> Result<Fixture, Unavailable> {
    let inner = ReferenceBackend::new(ctx.context());
    let fixture = Fixture::new(Flawed {
        inner: inner.clone(),
        flaw,
    })
    .with_raw(inner.clone())
    .with_probe(inner)
    .lacks(
        Capability::UserIndex,
        "each breaks the Backend contract; the index runs on the reference",
    );
    Ok(if flaw == Flaw::ClaimsNativeExpiry {
        fixture.lacks(
            Capability::CountedSweep,
            "claims its store expires records itself",
        )
    } else {
        fixture
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_engine_fails_no_case() {
    let failed = failing_cases(|ctx| async move {
        let backend = ReferenceBackend::new(ctx.context());
        Ok(
            Fixture::new(Indexed::new(backend.clone(), MemoryKeyIndex::new()))
                .with_raw(backend.clone())
                .with_probe(backend),
        )
    })
    .await;
    assert!(failed.is_empty(), "the reference engine failed {failed:?}");
}

/// What is wrong with how the run of the broken engine `name` ended, by its table row.
fn judge(
    table: &BTreeMap<String, Row>,
    name: &str,
    failures: &[(&'static str, Failure)],
    problems: &mut Vec<String>,
) {
    let names: Vec<&str> = failures.iter().map(|(case, _)| *case).collect();
    let Some(row) = table.get(name) else {
        problems.push(format!("{name} has no row in docs/broken.md"));
        return;
    };
    if row.killers.is_empty() {
        problems.push(format!("{name}: the table names no case"));
    }
    for killer in &row.killers {
        match failures.iter().find(|(case, _)| case == killer) {
            Some((_, Failure::Panicked(_))) => {}
            Some((_, other)) => {
                problems.push(format!(
                    "{name}: {killer} did not catch it, it failed by {other:?}"
                ));
            }
            None => problems.push(format!(
                "{name} passed {killer}, which the table says catches it (it failed {names:?})"
            )),
        }
    }
    for (case, failure) in failures {
        if !matches!(failure, Failure::Panicked(_)) {
            problems.push(format!("{name}: {case} failed by {failure:?}"));
        }
    }
}

/// The reference engine over a key index broken by `flaw`.
async fn flawed_index(ctx: TestContext, flaw: IndexFlaw) -> Result<Fixture, Unavailable> {
    let backend = ReferenceBackend::new(ctx.context());
    let index = FlawedIndex {
        inner: MemoryKeyIndex::new(),
        flaw,
    };
    Ok(Fixture::new(Indexed::new(backend.clone(), index))
        .with_raw(backend.clone())
        .with_probe(backend))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broken_engine_is_caught_by_the_cases_the_table_names() {
    let table = table();
    let mut runs = tokio::task::JoinSet::new();
    for &flaw in Flaw::ALL {
        runs.spawn(async move {
            (
                flaw.name(),
                failing_cases(move |ctx| flawed(ctx, flaw)).await,
            )
        });
    }
    for &flaw in IndexFlaw::ALL {
        runs.spawn(async move {
            (
                flaw.name(),
                failing_cases(move |ctx| flawed_index(ctx, flaw)).await,
            )
        });
    }
    let mut problems = Vec::new();
    let mut report = String::new();
    while let Some(run) = runs.join_next().await {
        let (name, failures) = run.expect("a run of the suite");
        let names: Vec<&str> = failures.iter().map(|(case, _)| *case).collect();
        report.push_str(&format!("| `{name}` | {} |\n", names.join(", ")));
        judge(&table, name, &failures, &mut problems);
    }
    eprintln!("{report}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every case of the suite, by its bare name.
fn case_names() -> BTreeSet<&'static str> {
    session_conformance::CASES
        .iter()
        .filter_map(|case| case.split_once("::").map(|(_, name)| name))
        .collect()
}

#[test]
fn every_line_of_the_contract_has_a_case() {
    let mut tags = contract_tags(CONTRACT);
    tags.extend(contract_tags(INDEX_CONTRACT));
    let table = rows(CONTRACT_TABLE, 1, 3);
    let lines: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(
        lines, tags,
        "docs/contract.md rows against the tags of backend.rs"
    );
    let cases = case_names();
    for (tag, row) in &table {
        assert!(!row.killers.is_empty(), "{tag} has no case");
        for case in &row.killers {
            assert!(cases.contains(case.as_str()), "{tag}: no case {case}");
        }
    }
}

#[test]
fn the_table_covers_every_broken_engine_and_every_contract_line() {
    let table = table();
    let names: BTreeSet<String> = Flaw::ALL
        .iter()
        .map(|f| f.name().to_owned())
        .chain(IndexFlaw::ALL.iter().map(|f| f.name().to_owned()))
        .collect();
    let rows: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(
        rows, names,
        "docs/broken.md rows against the broken engines"
    );
    let mut tags = contract_tags(CONTRACT);
    assert!(
        tags.len() >= 20,
        "only {} tags found in backend.rs",
        tags.len()
    );
    tags.extend(contract_tags(INDEX_CONTRACT));
    let broken: BTreeSet<String> = table.values().map(|row| row.tag.clone()).collect();
    let unbroken: Vec<&String> = tags.difference(&broken).collect();
    assert!(unbroken.is_empty(), "no broken engine breaks {unbroken:?}");
    let unknown: Vec<&String> = broken.difference(&tags).collect();
    assert!(
        unknown.is_empty(),
        "docs/broken.md names tags the contract lacks: {unknown:?}"
    );
    let cases = case_names();
    for (name, row) in &table {
        for killer in &row.killers {
            assert!(cases.contains(killer.as_str()), "{name}: no case {killer}");
        }
    }
}
