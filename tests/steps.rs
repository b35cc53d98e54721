//! `derive --steps`: the tutorial's worked examples, step by step. Every step is
//! checked: consecutive lines are numerically equal (differentials evaluated as
//! directional derivatives along a random direction of the variable), and the text
//! is pinned by a snapshot.

use matcalc::{
    derive, eval, node_text, random_point, read_expr, rel_err, steps_report, DeriveOptions,
    RuleSet, Symbol,
};

const EXAMPLES: &[(&str, &str, &str, &str)] = &[
    ("xtx", "x'*x", "x", "x: vector(n)"),
    (
        "tr_AXB",
        "tr(A*X*B)",
        "X",
        "A: matrix(m,n); X: matrix(n,p); B: matrix(p,m)",
    ),
    ("logdet_X", "logdet(X)", "X", "X: matrix(n,n)"),
    (
        "norm2sq_Wxb_W",
        "norm2(W*x + b)^2",
        "W",
        "W: matrix(m,n); x: vector(n); b: vector(m)",
    ),
    (
        "nn2_W1",
        "norm2(W2*sigmoid(W1*x) - y)^2",
        "W1",
        "W1: matrix(h,n); W2: matrix(m,h); x: vector(n); y: vector(m)",
    ),
    (
        "nn2_W2",
        "norm2(W2*sigmoid(W1*x) - y)^2",
        "W2",
        "W1: matrix(h,n); W2: matrix(m,h); x: vector(n); y: vector(m)",
    ),
    (
        "AXB_vec",
        "A*X*B",
        "X",
        "A: matrix(m,n); X: matrix(n,p); B: matrix(p,q)",
    ),
];

#[test]
fn worked_examples_step_by_step() {
    let rules: &RuleSet = RuleSet::builtin().expect("the built-in rules load");
    let opts = DeriveOptions {
        steps: true,
        ..DeriveOptions::default()
    };
    for (id, expr, wrt, decls) in EXAMPLES {
        let (f, env) = read_expr(expr, decls).expect("reads");
        let x = Symbol::from(*wrt);
        let d = derive(&f, &env, &[x], rules, &opts)
            .unwrap_or_else(|e| panic!("{id}: {e}"))
            .remove(0);
        let steps = d.steps.unwrap_or_else(|| panic!("{id}: no steps"));
        assert!(steps.len() >= 2, "{id}: {} steps", steps.len());
        // Only the variable moves: every other name is a constant of the derivation.
        let mut point = random_point(&env, &[], 3, false);
        point.tangents.retain(|name, _| *name == x);
        let first = eval(&steps[0].expr, &point).unwrap_or_else(|e| panic!("{id}: {e}"));
        for s in &steps {
            let v = eval(&s.expr, &point)
                .unwrap_or_else(|e| panic!("{id}: {}: {e}", node_text(&s.expr, &env)));
            assert!(
                rel_err(&v, &first) < 1e-6,
                "{id}: step {} differs from d f",
                node_text(&s.expr, &env)
            );
        }
        let mut text = String::new();
        for s in steps_report(&steps, &env, rules) {
            text.push_str(&format!("{:<64} [{}]\n", s.expr, s.justification));
        }
        text.push_str(&format!("hence {}\n", node_text(&d.derivative, &env)));
        insta::assert_snapshot!(format!("steps_{id}"), text);
    }
}
