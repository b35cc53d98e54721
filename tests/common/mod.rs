//! Helpers shared by the integration tests (`mod common;`). Each test crate uses only
//! some of them, hence the allowance.
#![allow(dead_code)]

pub mod random_expr;

use matcalc::{
    check_derivative, derive_request, read_exprs, DerivationReport, Dim, Math, Request, RuleSet,
    Shape, Symbol, CHECK_POINTS, CHECK_SEED, CHECK_TOLERANCE,
};
use serde_json::Value;

/// A whole number from the environment (a sweep's size or first seed), or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn rules() -> &'static RuleSet {
    RuleSet::builtin().expect("the built-in rules load")
}

/// A reference case (tests/cases/*.jsonl, copied from the shared catalog and extended).
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub decls: String,
    pub expr: String,
    pub wrt: String,
    pub kind: String,
    pub expected: String,
    pub order: u8,
    /// For symmetric cases: the `entries` convention's expected form.
    pub expected_entries: Option<String>,
}

pub const CATALOG: &str = include_str!("../cases/catalog.jsonl");
pub const EXTENDED: &str = include_str!("../cases/extended.jsonl");
pub const MATRIX_VALUED: &str = include_str!("../cases/matrix_valued.jsonl");
pub const HESSIANS: &str = include_str!("../cases/hessians.jsonl");
pub const SYMMETRIC: &str = include_str!("../cases/symmetric.jsonl");

/// Every case of a JSON Lines text; a malformed line fails the test that reads it.
pub fn read_cases(text: &str) -> Vec<Case> {
    let field = |v: &Value, k: &str| -> String {
        v[k].as_str()
            .unwrap_or_else(|| panic!("case line without `{k}`: {v}"))
            .to_string()
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("case lines are JSON");
            Case {
                id: field(&v, "id"),
                decls: v["decls"].as_str().unwrap_or("").to_string(),
                expr: field(&v, "expr"),
                wrt: field(&v, "wrt"),
                kind: v["kind"].as_str().unwrap_or("").to_string(),
                expected: v["expected_text"].as_str().unwrap_or("").to_string(),
                order: v["order"].as_u64().unwrap_or(1) as u8,
                expected_entries: v["expected_entries_text"].as_str().map(str::to_string),
            }
        })
        .collect()
}

/// Operations in an expression, counted like the catalog's checker: operators,
/// transposes and calls; names, numbers and shaped constants are free.
pub fn operations(text: &str, decls: &str, shape: Option<Shape>) -> usize {
    let c = read_exprs(&[text], decls, &[shape]).unwrap_or_else(|e| panic!("{text}: {e}"));
    c.typed[0]
        .expr
        .as_ref()
        .iter()
        .filter(|n| !matches!(n, Math::Num(_) | Math::Sym(_) | Math::Const(_)))
        .count()
}

/// The report's shape as a `Shape`.
pub fn shape_of(r: &DerivationReport) -> Shape {
    Shape::new(Dim::new(&r.shape[0]), Dim::new(&r.shape[1]))
}

/// Derives `expr` by `wrt` with the check on, and asserts what every answer owes: the
/// check passes, no shapes were merged, and the printed text (both the self-contained
/// form and the one with `where` names) reads back under the printed declarations
/// with the reported shape and agrees with finite differences of f.
pub fn derive_checked(expr: &str, decls: &str, wrt: &str) -> DerivationReport {
    let mut req = Request::new(expr, decls, &[wrt]);
    req.check = true;
    let answer = derive_request(&req, rules()).unwrap_or_else(|e| panic!("{expr} by {wrt}: {e}"));
    let r = answer.reports.into_iter().next().expect("one report");
    assert_checked_and_reads_back(&r, expr, wrt);
    r
}

/// The assertions of `derive_checked` on a report.
pub fn assert_checked_and_reads_back(r: &DerivationReport, expr: &str, wrt: &str) {
    let check = r.check.as_ref().expect("checked");
    assert!(
        check.ok,
        "{expr} by {wrt}: {} disagrees ({:e})",
        r.derivative, check.max_rel_err
    );
    assert_eq!(r.stats.ill_shaped, 0, "{expr} by {wrt}: shapes merged");
    if r.bindings.is_empty() {
        // `text()` prints the shared form; with nothing named it is the same text.
        assert_eq!(r.derivative, r.derivative_shared, "{expr} by {wrt}");
    }
    for text in [r.derivative.clone(), r.text()] {
        assert_reads_back(r, &text, expr, wrt);
    }
}

/// `text` read back under the report's declarations has the report's shape and is the
/// derivative of `expr` by `wrt` (numerically).
pub fn assert_reads_back(r: &DerivationReport, text: &str, expr: &str, wrt: &str) {
    let shape = shape_of(r);
    let c = read_exprs(&[expr, text], &r.decls, &[None, Some(shape)])
        .unwrap_or_else(|e| panic!("{expr} by {wrt}: `{text}` does not read back: {e}"));
    assert_eq!(
        c.typed[1].shape, shape,
        "{expr} by {wrt}: `{text}` reads back with another shape"
    );
    if r.layout == "numerator"
        && r.order == 1
        && r.convention.as_deref().unwrap_or("none") == "none"
    {
        let check = check_derivative(
            &c.typed[0].expr,
            &c.typed[1].expr,
            &c.env,
            Symbol::from(wrt),
            CHECK_POINTS,
            CHECK_SEED,
        )
        .unwrap_or_else(|e| panic!("{expr} by {wrt}: `{text}` does not evaluate: {e}"));
        assert!(
            check.max_rel_err <= CHECK_TOLERANCE,
            "{expr} by {wrt}: the printed `{text}` disagrees with finite differences ({:e})",
            check.max_rel_err
        );
    }
}
