//! Property: random linear and bilinear matrix-valued functions of a matrix X, and
//! elementwise functions of them, derive (through vec/Kronecker) to a Jacobian that
//! agrees with central finite differences.

use egg::Symbol;
use matcalc::engine::derive::{derive, DeriveOptions};
use matcalc::numeric::check_derivative;
use matcalc::read_expr;
use matcalc::rules::RuleSet;
use matcalc::syntax::text::to_text;
use proptest::prelude::*;

/// X is n×p; every term is m×q.
const DECLS: &str =
    "X: matrix(n,p); A: matrix(m,n); B: matrix(p,q); G: matrix(m,p); H: matrix(n,q); \
                     M: matrix(p,p); C: matrix(m,q); s: scalar";

/// Terms of shape m×q, linear or bilinear in X.
const TERMS: &[&str] = &[
    "A*X*B",
    "G*X'*H",
    "A*X*M*X'*H",
    "A*X*X'*H",
    "C .* (A*X*B)",
    "s*A*X*B",
    "A*(X + X)*B",
    "(A*X*B)'' - C",
];

const WRAPS: &[&str] = &[
    "{}",
    "-({})",
    "2*({})",
    "exp({})",
    "tanh({})",
    "sigmoid({})",
    "({}) .* ({})",
];

fn function() -> impl Strategy<Value = String> {
    let term = (0..TERMS.len(), 0..WRAPS.len()).prop_map(|(t, w)| WRAPS[w].replace("{}", TERMS[t]));
    proptest::collection::vec(term, 1..=3).prop_map(|ts| ts.join(" + "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn matrix_valued_jacobians_agree_with_finite_differences(f in function()) {
        let rules = RuleSet::builtin().expect("the built-in rules load");
        let (typed, env) = read_expr(&f, DECLS).expect("the generator builds well-shaped text");
        let x = Symbol::from("X");
        let d = derive(&typed, &env, x, &rules, &DeriveOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{f}: {e}")))?;
        let r = check_derivative(&typed.expr, &d.numerator, &env, x, 2, 17)
            .map_err(|e| TestCaseError::fail(format!("{f}: check failed: {e}")))?;
        prop_assert!(r.max_rel_err <= 1e-5, "{f}: d/dX = {} is off by {:.1e}", to_text(&d.numerator), r.max_rel_err);
    }
}
