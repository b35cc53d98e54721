//! Every catalog case reads, its text round-trips, and its text, LaTeX and NumPy
//! forms are pinned by one snapshot per case (tests/snapshots/syntax_catalog__<id>.snap).

use matcalc::syntax::{latex::to_latex, numpy::to_numpy, text::to_text};
use matcalc::{read_exprs, Env, Typed};

mod common;
use common::catalog::catalog as cases;

/// The three printed forms of one expression, as snapshot lines.
fn forms(label: &str, src: &str, typed: &Typed, env: &Env) -> String {
    let numpy = to_numpy(&typed.expr, env).unwrap_or_else(|e| format!("error: {e}"));
    format!(
        "{label}: {src}\n  text:  {}\n  latex: {}\n  numpy: {numpy}\n",
        to_text(&typed.expr),
        to_latex(&typed.expr),
    )
}

#[test]
fn catalog_has_every_case() {
    assert_eq!(cases().len(), 41);
}

#[test]
fn catalog_reads_round_trips_and_prints() {
    for case in cases() {
        let srcs = [case.expr.as_str(), case.expected.as_str()];
        let (typed, env) = read_exprs(&srcs, &case.decls)
            .unwrap_or_else(|e| panic!("{}: does not read:\n{}", case.id, e.render()));

        // Print both, read the prints back together (they share their names).
        let printed: Vec<String> = typed.iter().map(|t| to_text(&t.expr)).collect();
        let reprinted: Vec<&str> = printed.iter().map(String::as_str).collect();
        let (again, _) = read_exprs(&reprinted, &case.decls)
            .unwrap_or_else(|e| panic!("{}: print does not read:\n{}", case.id, e.render()));
        for ((t, a), p) in typed.iter().zip(&again).zip(&printed) {
            assert_eq!(a.expr, t.expr, "{}: printed as {p}", case.id);
        }

        let snapshot = format!(
            "decls: {}\n{}{}",
            case.decls,
            forms("expr", &case.expr, &typed[0], &env),
            forms("expected", &case.expected, &typed[1], &env),
        );
        insta::assert_snapshot!(case.id.clone(), snapshot);
    }
}
