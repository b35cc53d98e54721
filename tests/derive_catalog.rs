//! Every reference case derived, checked against central finite differences at two
//! random points with distinct sizes, and its printed answer pinned by a snapshot.
//! The answers must also be textbook-simple: at most two operations more than the
//! textbook's form.

mod common;

use common::catalog::{catalog, read_cases, Case};
use egg::Symbol;
use matcalc::engine::derive::{derive, DeriveOptions};
use matcalc::numeric::check_derivative;
use matcalc::rules::RuleSet;
use matcalc::syntax::text::to_text_in;
use matcalc::{read_expr, Math};

/// Operations in an expression, counted like the catalog's checker: operators,
/// transposes and calls; names, numbers, `I` and `ones(n)` are free.
fn operations(text: &str, decls: &str) -> usize {
    let (typed, _) = read_expr(text, decls).unwrap_or_else(|e| panic!("{text}: {e}"));
    typed
        .expr
        .as_ref()
        .iter()
        .filter(|n| !matches!(n, Math::Num(_) | Math::Sym(_) | Math::Const(_)))
        .count()
}

struct Outcome {
    derivative: String,
    max_err: f64,
    simple: bool,
}

fn run(case: &Case, rules: &RuleSet) -> Outcome {
    let (f, env) =
        read_expr(&case.expr, &case.decls).unwrap_or_else(|e| panic!("{}: {e}", case.id));
    let wrt = Symbol::from(case.wrt.as_str());
    let d = derive(&f, &env, wrt, rules, &DeriveOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", case.id));
    assert_eq!(d.kind.to_string(), case.kind, "{}: kind", case.id);
    assert_eq!(
        d.saturation.ill_shaped + d.simplification.ill_shaped,
        0,
        "{}: shapes merged",
        case.id
    );
    let report = check_derivative(&f.expr, &d.numerator, &env, wrt, 2, 11)
        .unwrap_or_else(|e| panic!("{}: check failed to evaluate: {e}", case.id));
    assert_eq!(report.points, 2);
    let derivative = to_text_in(&d.derivative, &env);
    let simple =
        operations(&derivative, &case.decls) <= operations(&case.expected, &case.decls) + 2;
    Outcome {
        derivative,
        max_err: report.max_rel_err,
        simple,
    }
}

/// Derives every case, asserts all correct and textbook-simple, and snapshots the table.
fn derive_all(cases: Vec<Case>, snapshot: &str) {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let mut table = String::new();
    let mut wrong = Vec::new();
    let mut not_simple = Vec::new();
    for case in cases {
        let o = run(&case, &rules);
        if o.max_err.is_nan() || o.max_err > 1e-6 {
            wrong.push(format!(
                "{}: {} (relative error {:.1e})",
                case.id, o.derivative, o.max_err
            ));
        }
        if !o.simple {
            not_simple.push(format!(
                "{}: {} vs {}",
                case.id, o.derivative, case.expected
            ));
        }
        table.push_str(&format!(
            "{:<16} d/d{:<3} {}\n",
            case.id, case.wrt, o.derivative
        ));
    }
    assert!(wrong.is_empty(), "wrong derivatives:\n{}", wrong.join("\n"));
    assert!(
        not_simple.is_empty(),
        "not textbook-simple:\n{}",
        not_simple.join("\n")
    );
    insta::assert_snapshot!(snapshot, table);
}

#[test]
fn every_reference_case_derives_correctly_and_simply() {
    derive_all(catalog(), "catalog_derivatives");
}

#[test]
fn matrix_valued_cases_derive_by_vec_and_kronecker() {
    derive_all(
        read_cases(include_str!("cases/matrix_valued.jsonl")),
        "matrix_valued_derivatives",
    );
}

#[test]
fn a_wrong_answer_would_be_caught() {
    // The check above is only as good as its power to refuse: a transposed answer
    // for a non-square variable must fail it.
    let (f, env) = read_expr(
        "tr(A*X*B)",
        "A: matrix(m,n); X: matrix(n,p); B: matrix(p,m)",
    )
    .expect("reads");
    let (wrong, _) = matcalc::read_exprs(
        &["tr(A*X*B)", "A'*B'"],
        "A: matrix(m,n); X: matrix(n,p); B: matrix(p,m)",
    )
    .expect("reads");
    let r = check_derivative(&f.expr, &wrong[1].expr, &env, Symbol::from("X"), 2, 11);
    assert!(r
        .map(|r| r.max_rel_err.is_nan() || r.max_rel_err > 1e-6)
        .unwrap_or(true));
}
