//! `equiv`: known alternative forms of reference answers are proved equal; unequal
//! pairs come with a counterexample that this test evaluates again itself.

use matcalc::engine::derive::DeriveOptions;
use matcalc::engine::equiv::{equiv, Verdict};
use matcalc::numeric::{eval, rel_err};
use matcalc::read_exprs;
use matcalc::rules::RuleSet;

/// (left, right, declarations)
const EQUAL: &[(&str, &str, &str)] = &[
    (
        "x'*(A + A')",
        "x'*A + (A*x)'",
        "A: matrix(n,n); x: vector(n)",
    ),
    ("2*x'", "x' + x'", "x: vector(n)"),
    ("(A*B)'", "B'*A'", "A: matrix(m,n); B: matrix(n,p)"),
    (
        "(x - b)'*(A + A')",
        "x'*(A + A') - b'*(A + A')",
        "A: matrix(n,n); x: vector(n); b: vector(n)",
    ),
    (
        "2*x*(W*x + b)'",
        "2*x*(x'*W' + b')",
        "W: matrix(m,n); x: vector(n); b: vector(m)",
    ),
    (
        "2*(W*x + b)'*W",
        "(W*x + b)'*W + (W*x + b)'*W",
        "W: matrix(m,n); x: vector(n); b: vector(m)",
    ),
    ("det(X)*inv(X)", "inv(X)*det(X)", "X: matrix(n,n)"),
    (
        "B'*X'*A'",
        "(A*X*B)'",
        "A: matrix(n,n); X: matrix(n,p); B: matrix(p,p)",
    ),
    (
        "(b*c' + c*b')*X'",
        "b*c'*X' + c*b'*X'",
        "X: matrix(m,n); b: vector(n); c: vector(n)",
    ),
    (
        "-inv(X)*b*a'*inv(X)",
        "-(inv(X)*b*a'*inv(X))",
        "a: vector(n); X: matrix(n,n); b: vector(n)",
    ),
    ("(a .* y)'", "(y .* a)'", "a: vector(n); y: vector(n)"),
    ("diag(y)*x", "x .* y", "x: vector(n); y: vector(n)"),
    ("3*X*X", "X*X + 2*X*X", "X: matrix(n,n)"),
    (
        "inv(A*B)",
        "inv(B)*inv(A)",
        "A: matrix(n,n); B: matrix(n,n)",
    ),
    ("2*x'*S", "x'*(S + S')", "S: symmetric(n); x: vector(n)"),
    (
        "kron(A, B)'",
        "kron(A', B')",
        "A: matrix(m,n); B: matrix(p,q)",
    ),
    ("(A + B)'", "A' + B'", "A: matrix(m,n); B: matrix(m,n)"),
    ("tr(A*B)", "tr(B*A)", "A: matrix(m,n); B: matrix(n,m)"),
    ("x'*x*a", "a*(x'*x)", "x: vector(n); a: vector(m)"),
    ("norm2(x)^-1*x'", "x'*norm2(x)^-1", "x: vector(n)"),
    (
        "exp(W*x)'*W",
        "(W'*exp(W*x))'",
        "W: matrix(m,n); x: vector(n)",
    ),
    ("x'*B*x", "tr(x'*B*x)", "B: matrix(n,n); x: vector(n)"),
    (
        "-inv(X)*A*inv(X)",
        "inv(X)*(-A)*inv(X)",
        "X: matrix(n,n); A: matrix(n,n)",
    ),
    (
        "2*sigmoid(W1*x)*(W2*sigmoid(W1*x) - y)'",
        "2*sigmoid(W1*x)*(sigmoid(W1*x)'*W2' - y')",
        "W1: matrix(h,n); W2: matrix(m,h); x: vector(n); y: vector(m)",
    ),
];

/// (left, right, declarations): each differs somewhere.
const UNEQUAL: &[(&str, &str, &str)] = &[
    ("B*A", "A*B", "A: matrix(n,n); B: matrix(n,n)"),
    ("x'*A", "x'*A'", "A: matrix(n,n); x: vector(n)"),
    ("2*x'", "x'", "x: vector(n)"),
    ("inv(X)", "inv(X)'", "X: matrix(n,n)"),
    ("det(X)*inv(X)", "det(X)*inv(X)'", "X: matrix(n,n)"),
    ("kron(A, B)", "kron(B, A)", "A: matrix(n,n); B: matrix(n,n)"),
    ("A .* B", "A*B", "A: matrix(n,n); B: matrix(n,n)"),
    ("(A*B)'", "A'*B'", "A: matrix(n,n); B: matrix(n,n)"),
    ("exp(x)", "ones(n) + x", "x: vector(n)"),
    ("sigmoid(x)", "tanh(x)", "x: vector(n)"),
    ("x'*A*x", "x'*x", "A: matrix(n,n); x: vector(n)"),
    ("A*x", "A*(x + x)", "A: matrix(m,n); x: vector(n)"),
];

#[test]
fn known_alternative_forms_are_proved_equal() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let opts = DeriveOptions::default();
    let mut failures = Vec::new();
    for (left, right, decls) in EQUAL {
        let (t, env) = read_exprs(&[left, right], decls).unwrap_or_else(|e| panic!("{left}: {e}"));
        let result = equiv(&t[0], &t[1], &env, &rules, &opts).expect("same shapes");
        match result.verdict {
            Verdict::Equal { proof } => {
                assert!(proof.len() >= 2, "{left} = {right}: an empty proof");
                assert!(proof[1..]
                    .iter()
                    .all(|s| s.rule.is_some() || !s.folded.is_empty()));
            }
            other => failures.push(format!("{left} = {right}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "not proved:\n{}", failures.join("\n"));
}

#[test]
fn unequal_pairs_get_counterexamples_that_hold() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let opts = DeriveOptions::default();
    for (left, right, decls) in UNEQUAL {
        let (t, env) = read_exprs(&[left, right], decls).unwrap_or_else(|e| panic!("{left}: {e}"));
        let result = equiv(&t[0], &t[1], &env, &rules, &opts).expect("same shapes");
        let Verdict::NotEqual { counterexample: c } = result.verdict else {
            panic!("{left} vs {right}: {:?}", result.verdict);
        };
        // Evaluate both sides again at the counterexample's point, independently.
        let (a, b) = (eval(&t[0].expr, &c.point), eval(&t[1].expr, &c.point));
        let (a, b) = (a.expect("left evaluates"), b.expect("right evaluates"));
        assert!(
            rel_err(&a, &b) > 1e-6,
            "{left} vs {right}: the counterexample does not differ"
        );
        assert!(rel_err(&a, &c.left) < 1e-12 && rel_err(&b, &c.right) < 1e-12);
    }
}

#[test]
fn sides_of_different_shapes_are_bad_input() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let (t, env) = read_exprs(&["A", "A'"], "A: matrix(n,m)").expect("reads");
    let err =
        equiv(&t[0], &t[1], &env, &rules, &DeriveOptions::default()).expect_err("shapes differ");
    assert_eq!(err.exit_code(), 2);
    assert!(err.render().contains("n×m and m×n"), "{}", err.render());
}
