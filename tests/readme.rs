//! The README's quick start is `examples/axum.rs`, word for word: the doctest compiles the one,
//! `cargo run --example axum` runs the other, and this keeps them the same.

#[test]
fn the_quick_start_is_examples_axum() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/axum.rs");
    assert!(
        readme.contains(&format!("```rust,no_run\n{example}```")),
        "README.md's quick start differs from examples/axum.rs"
    );
}

/// A reader copies what they see: no hidden `# ` lines in any of the README's code.
#[test]
fn the_readme_hides_no_lines() {
    let readme = include_str!("../README.md");
    let mut in_rust = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_rust = !in_rust && line.starts_with("```rust");
            continue;
        }
        assert!(
            !(in_rust && (line.starts_with("# ") || line == "#")),
            "a hidden line in the README: {line:?}"
        );
    }
}
