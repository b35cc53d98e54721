//! `equiv`: known alternative forms of reference answers and the Matrix Cookbook's
//! identities are proved equal, every step of every proof numerically equal to the
//! first; unequal pairs come with a counterexample that this test evaluates again
//! itself; sides of different shapes are simply not equal; the identities catalog
//! (examples/identities.jsonl) gets its verdicts.

use matcalc::{
    equiv, eval, random_point, read_catalog, read_exprs, rel_err, run_case, EquivOptions, RuleSet,
    RunOptions, Verdict,
};

/// (left, right, declarations)
const EQUAL: &[(&str, &str, &str)] = &[
    // The identities issue 13 names.
    ("x'*y", "y'*x", "x: vector(n); y: vector(n)"),
    ("norm2(x)^2", "x'*x", "x: vector(n)"),
    (
        "det(A*B)",
        "det(A)*det(B)",
        "A: matrix(n,n); B: matrix(n,n)",
    ),
    ("det(A')", "det(A)", "A: matrix(n,n)"),
    (
        "tr(kron(A, B))",
        "tr(A)*tr(B)",
        "A: matrix(n,n); B: matrix(m,m)",
    ),
    (
        "logdet(A*B)",
        "logdet(A) + logdet(B)",
        "A: symmetric(n); B: symmetric(n)",
    ),
    (
        "vec(A*X*B)",
        "kron(B', A)*vec(X)",
        "A: matrix(m,n); X: matrix(n,p); B: matrix(p,q)",
    ),
    ("exp(log(x))", "x", "x: vector(n)"),
    (
        "x'*(a .* y)",
        "(x .* a)'*y",
        "x: vector(n); a: vector(n); y: vector(n)",
    ),
    ("1 ./ (1 + exp(-x))", "sigmoid(x)", "x: vector(n)"),
    ("exp(x) ./ (1 + exp(x))", "sigmoid(x)", "x: vector(n)"),
    (
        "inv(I + A*B)*A",
        "A*inv(I + B*A)",
        "A: matrix(n,m); B: matrix(m,n)",
    ),
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

fn rules() -> &'static RuleSet {
    RuleSet::builtin().expect("the built-in rules load")
}

#[test]
fn known_alternative_forms_are_proved_equal_step_by_step() {
    let mut failures = Vec::new();
    for (left, right, decls) in EQUAL {
        let c = read_exprs(&[left, right], decls, &[]).unwrap_or_else(|e| panic!("{left}: {e}"));
        let result = equiv(
            &c.typed[0],
            &c.typed[1],
            &c.env,
            rules(),
            &EquivOptions::default(),
        )
        .expect("compares");
        match result.verdict {
            Verdict::Equal { proof } => {
                assert!(proof.len() >= 2, "{left} = {right}: an empty proof");
                assert!(proof[1..]
                    .iter()
                    .all(|s| s.rule.is_some() || !s.folded.is_empty()));
                // Every line of the proof has the value of the first, at random points.
                for seed in [3, 4] {
                    let point = random_point(&c.env, &[], seed, true);
                    let Ok(first) = eval(&proof[0].expr, &point) else {
                        continue;
                    };
                    for s in &proof {
                        let v = eval(&s.expr, &point).expect("a proof step evaluates");
                        assert!(
                            rel_err(&v, &first) < 1e-8,
                            "{left} = {right}: a step differs ({:?})",
                            s.rule
                        );
                    }
                }
            }
            other => failures.push(format!("{left} = {right}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "not proved:\n{}", failures.join("\n"));
}

#[test]
fn unequal_pairs_get_counterexamples_that_hold() {
    for (left, right, decls) in UNEQUAL {
        let c = read_exprs(&[left, right], decls, &[]).unwrap_or_else(|e| panic!("{left}: {e}"));
        let result = equiv(
            &c.typed[0],
            &c.typed[1],
            &c.env,
            rules(),
            &EquivOptions::default(),
        )
        .expect("compares");
        let Verdict::NotEqual { counterexample: ce } = result.verdict else {
            panic!("{left} vs {right}: {:?}", result.verdict);
        };
        // Evaluate both sides again at the counterexample's point, independently.
        let (a, b) = (
            eval(&c.typed[0].expr, &ce.point),
            eval(&c.typed[1].expr, &ce.point),
        );
        let (a, b) = (a.expect("left evaluates"), b.expect("right evaluates"));
        assert!(
            rel_err(&a, &b) > 1e-6,
            "{left} vs {right}: the counterexample does not differ"
        );
        assert!(rel_err(&a, &ce.left) < 1e-12 && rel_err(&b, &ce.right) < 1e-12);
    }
}

#[test]
fn sides_of_different_shapes_are_not_equal() {
    let c = read_exprs(&["A", "A'"], "A: matrix(n,m)", &[]).expect("reads");
    let result = equiv(
        &c.typed[0],
        &c.typed[1],
        &c.env,
        rules(),
        &EquivOptions::default(),
    )
    .expect("compares");
    let Verdict::DifferentShapes { left, right } = result.verdict else {
        panic!("{:?}", result.verdict);
    };
    assert_eq!(
        (left.to_string(), right.to_string()),
        ("n×m".into(), "m×n".into())
    );
}

/// The identities catalog: at least 95% of the true identities proved, every wrong
/// version refuted, no wrong verdict.
#[test]
fn the_identities_catalog() {
    let text = include_str!("../examples/identities.jsonl");
    let cases = read_catalog(text);
    let (mut true_ones, mut proved, mut wrong_ones, mut refuted) = (0, 0, 0, 0);
    for c in cases {
        let c = c.unwrap_or_else(|b| panic!("line {}: {}", b.line, b.message));
        let expect = c
            .identity
            .as_ref()
            .expect("an identity line")
            .expect
            .clone();
        let row = run_case(&c, rules(), &RunOptions::default());
        assert_ne!(
            row.verdict_right,
            Some(false),
            "{}: wrong verdict {:?}",
            c.id,
            row.verdict
        );
        if expect == "equal" {
            true_ones += 1;
            proved += usize::from(row.verdict_right == Some(true));
        } else {
            wrong_ones += 1;
            refuted += usize::from(row.verdict_right == Some(true));
        }
    }
    assert!(
        true_ones >= 90 && wrong_ones >= 45,
        "{true_ones} true, {wrong_ones} wrong"
    );
    assert!(
        proved * 100 >= true_ones * 95,
        "proved {proved}/{true_ones}"
    );
    assert_eq!(refuted, wrong_ones, "refuted {refuted}/{wrong_ones}");
}
