//! Shape inference, as data: expressions that must read, with the shape they must have
//! and what the reader must infer for their names (SPEC §1: declarations, product
//! sizes, broadcasting, `where`, the functions of matrixcalculus.org). The refusals are
//! in tests/bad_inputs.rs.

use matcalc::{eval, random_point, read_expr, read_exprs, rel_err, Checked, Env, Math, RecExpr};

/// (expression, declarations, its shape, declarations the reader must infer).
/// The last column lists some names as `name: kind(sizes)`, as `Env::decls_text`
/// prints them; every one listed must be inferred exactly so.
const SHAPES: &[(&str, &str, &str, &str)] = &[
    // Declared names, products, transposes.
    ("x'*A*x", "A: matrix(n,n); x: vector(n)", "1×1", ""),
    (
        "A*x + b",
        "",
        "m×1",
        "A: matrix(m,n); x: vector(n); b: vector(m)",
    ),
    ("A*B", "", "n×p", "A: matrix(n,m); B: matrix(m,p)"),
    ("(A*B)'", "A: matrix(m,n)", "p×m", "B: matrix(n,p)"),
    ("X'", "", "m×n", "X: matrix(n,m)"),
    ("x*x'", "", "n×n", "x: vector(n)"),
    ("x'", "", "1×n", "x: vector(n)"),
    ("x'*y", "x: vector(n)", "1×1", "y: vector(n)"),
    ("X*s", "X: matrix(m,n)", "m×1", "s: vector(n)"),
    ("x'*x*y", "", "m×1", "x: vector(n); y: vector(m)"),
    (
        "a'*b*c",
        "",
        "m×1",
        "a: vector(n); b: vector(n); c: vector(m)",
    ),
    (
        "u*v'*w",
        "",
        "n×1",
        "u: vector(n); v: vector(m); w: vector(m)",
    ),
    ("norm2(x)*y", "", "m×1", "x: vector(n); y: vector(m)"),
    (
        "S*x",
        "S: symmetric(n)",
        "n×1",
        "S: symmetric(n); x: vector(n)",
    ),
    ("p'*log(p)", "p: simplex(n)", "1×1", "p: simplex(n)"),
    (
        "y'*log(softmax(W*x))",
        "y: simplex(k)",
        "1×1",
        "W: matrix(k,n); x: vector(n)",
    ),
    ("x - -0", "x: vector(n)", "n×1", ""),
    ("x' '", "x: vector(n)", "n×1", ""),
    ("_x + x_1", "", "n×1", "_x: vector(n); x_1: vector(n)"),
    ("x\u{a0}+ x", "x: vector(n)", "n×1", ""),
    // Whole-number sizes.
    ("A*x", "A: matrix(2,3)", "2×1", "x: vector(3)"),
    ("ones(3)'*x", "", "1×1", "x: vector(3)"),
    ("kron(x, y)", "x: vector(2); y: vector(3)", "6×1", ""),
    ("kron(I(2), X)", "X: matrix(n,n)", "2*n×2*n", ""),
    // Product sizes.
    (
        "x'*kron(A, B)*y",
        "x: vector(m*p); y: vector(n*q); A: matrix(m,n); B: matrix(p,q)",
        "1×1",
        "",
    ),
    (
        "x'*kron(A, B)*y",
        "x: vector(m*p); y: vector(n*q); A: matrix(m,n)",
        "1×1",
        "B: matrix(p,q)",
    ),
    (
        "x'*kron(A, B)*y",
        "A: matrix(m,n); B: matrix(p,q)",
        "1×1",
        "x: vector(m*p); y: vector(n*q)",
    ),
    (
        "kron(A, B)",
        "A: matrix(m,n); B: matrix(p,q)",
        "m*p×n*q",
        "",
    ),
    (
        "kron(A, B)*x",
        "A: matrix(m,n); B: matrix(p,q)",
        "m*p×1",
        "x: vector(n*q)",
    ),
    (
        "kron(x, y) + z",
        "",
        "m*n×1",
        "x: vector(n); y: vector(m); z: vector(m*n)",
    ),
    ("vec(X) + x", "", "m*n×1", "X: matrix(n,m); x: vector(m*n)"),
    ("vec(A)'*x", "A: matrix(m,n)", "1×1", "x: vector(m*n)"),
    ("vec(A) + vec(A')", "", "m*n×1", "A: matrix(n,m)"),
    ("K(m,n)*vec(X)", "X: matrix(m,n)", "m*n×1", ""),
    ("kron(I, I)", "", "m*n×m*n", ""),
    // unvec(v, p): the p-row matrix whose columns are v's consecutive pieces.
    ("unvec(x, m)", "x: vector(m*n)", "m×n", ""),
    ("unvec(x, n)", "x: vector(m*n)", "n×m", ""),
    ("unvec(x, 3)", "x: vector(6)", "3×2", ""),
    ("unvec(x, 2)", "x: vector(2*n)", "2×n", ""),
    ("unvec(vec(A), m)", "A: matrix(m,n)", "m×n", ""),
    ("vec(unvec(x, m))", "x: vector(m*n)", "m*n×1", ""),
    ("unvec(x, m)'*y", "x: vector(m*n)", "n×1", "y: vector(m)"),
    // Broadcasting: a scalar added to (or subtracted from) a vector or matrix.
    ("1 + x", "x: vector(n)", "n×1", ""),
    ("1 + x", "", "n×1", "x: vector(n)"),
    ("s + X", "s: scalar", "n×m", "X: matrix(n,m)"),
    ("X - s", "s: scalar; X: matrix(m,n)", "m×n", ""),
    ("s - x", "s: scalar", "n×1", "x: vector(n)"),
    ("2 - X", "", "n×m", "X: matrix(n,m)"),
    ("x'*x + x", "", "n×1", "x: vector(n)"),
    ("x'*x + s", "", "m×1", "x: vector(n); s: vector(m)"),
    ("det(X) + s", "X: matrix(n,n)", "m×1", "s: vector(m)"),
    ("tr(X) + X", "", "n×n", "X: matrix(n,n)"),
    ("s .* X", "s: scalar", "n×m", "X: matrix(n,m)"),
    ("X ./ s", "s: scalar", "n×m", "X: matrix(n,m)"),
    ("X / s", "s: scalar", "n×m", "X: matrix(n,m)"),
    (
        "x'*y .* z",
        "",
        "m×1",
        "x: vector(n); y: vector(n); z: vector(m)",
    ),
    (
        "sum(log(1 + exp(-y .* (X*w))))",
        "",
        "1×1",
        "y: vector(n); X: matrix(n,m); w: vector(m)",
    ),
    // Shaped constants, sizes inferred or given.
    ("I*x", "", "n×1", "x: vector(n)"),
    ("eye*x", "", "n×1", "x: vector(n)"),
    ("eye + X", "X: matrix(n,n)", "n×n", ""),
    ("eye(n)*x", "", "n×1", "x: vector(n)"),
    ("I(3)", "", "3×3", ""),
    ("ones + x", "x: vector(n)", "n×1", ""),
    ("ones'*X", "X: matrix(m,n)", "1×n", ""),
    ("ones(n, m)", "", "n×m", ""),
    ("zeros(n) + x", "x: vector(n)", "n×1", ""),
    ("zeros(m, n) + A", "A: matrix(m,n)", "m×n", ""),
    ("vector(s) + x", "s: scalar", "n×1", "x: vector(n)"),
    ("vector(2) + x", "x: vector(n)", "n×1", ""),
    ("matrix(2) + X", "X: matrix(m,n)", "m×n", ""),
    ("matrix(s) .* X", "s: scalar; X: matrix(m,n)", "m×n", ""),
    ("ones(1)", "", "1×1", ""),
    ("I(1)", "", "1×1", ""),
    // Powers.
    ("x^2", "x: scalar", "1×1", ""),
    ("a^b", "a: scalar; b: scalar", "1×1", ""),
    ("X^-1", "", "n×n", "X: matrix(n,n)"),
    ("X^3", "", "n×n", "X: matrix(n,n)"),
    ("det(X)^2", "", "1×1", "X: matrix(n,n)"),
    ("x .^ y", "", "n×1", "x: vector(n); y: vector(n)"),
    ("x .^ 0.5", "", "n×1", "x: vector(n)"),
    ("2 .^ x", "", "n×1", "x: vector(n)"),
    ("X .^ s", "s: scalar", "n×m", "X: matrix(n,m)"),
    ("s .^ X", "s: scalar", "n×m", "X: matrix(n,m)"),
    // Functions.
    ("softmax(x)", "", "n×1", "x: vector(n)"),
    ("softmax(s)", "s: scalar", "1×1", ""),
    ("logsumexp(x)", "", "1×1", "x: vector(n)"),
    ("logsumexp(X)", "X: matrix(m,n)", "1×1", ""),
    ("softplus(X)", "", "n×m", "X: matrix(n,m)"),
    ("relu(x) .* step(x)", "", "n×1", "x: vector(n)"),
    ("abs(x) .* sign(x)", "", "n×1", "x: vector(n)"),
    (
        "tan(x) + arcsin(x) + arccos(x) + arctan(x)",
        "",
        "n×1",
        "x: vector(n)",
    ),
    ("norm1(X)", "", "1×1", "X: matrix(n,m)"),
    ("norm2(X)", "", "1×1", "X: matrix(n,m)"),
    ("norm2(s)", "s: scalar", "1×1", ""),
    ("sum(X)", "", "1×1", "X: matrix(n,m)"),
    ("diag(x)", "", "n×n", "x: vector(n)"),
    ("diag(X)", "", "n×1", "X: matrix(n,n)"),
    ("diag(x) + X", "", "n×n", "x: vector(n); X: matrix(n,n)"),
    ("sign(x)'*x", "", "1×1", "x: vector(n)"),
    ("x'*softmax(x)", "", "1×1", "x: vector(n)"),
    // `where` definitions: shapes flow through them, each may use the ones before.
    (
        "h'*h where h = A*x",
        "",
        "1×1",
        "A: matrix(n,m); x: vector(m)",
    ),
    (
        "h2 where h1 = sigmoid(W1*x); h2 = sigmoid(W2*h1)",
        "x: vector(n)",
        "p×1",
        "W1: matrix(m,n); W2: matrix(p,m)",
    ),
    ("h + h where h = exp(x'*x)", "", "1×1", "x: vector(n)"),
    ("h where h = x;", "x: vector(n)", "n×1", ""),
    ("y where y = x", "x: vector(n)", "n×1", ""),
    (
        "g'*g where h = A*x; g = h + b",
        "A: matrix(m,n)",
        "1×1",
        "x: vector(n); b: vector(m)",
    ),
];

/// The documentation examples of matrixcalculus.org: each reads with no declarations.
const MATRIXCALCULUS_ORG: &[(&str, &str)] = &[
    ("0.5*x'*A*x", "1×1"),
    ("A*exp(x)", "n×1"),
    ("(y.*v)'*x", "1×1"),
    ("norm2(A*x-y)^2", "1×1"),
    ("tr(A*X'*B*X*C)", "1×1"),
    ("log(det(inv(X)))", "1×1"),
    ("norm1(A*x-y)", "1×1"),
    ("sum(log(exp(-y.*(X*w)) + vector(1)))", "1×1"),
    ("sum(log(1 + exp(-y.*(X*w))))", "1×1"),
    ("x.^2", "n×1"),
    ("sum(x.^2)", "1×1"),
    ("x'*A*x + b'*x", "1×1"),
    ("exp(x)'*A*exp(x)", "1×1"),
    ("tr(X'*A*X)", "1×1"),
    ("det(X'*A*X)", "1×1"),
    ("log(det(X))", "1×1"),
    ("tr(inv(X))", "1×1"),
    ("norm2(X)^2", "1×1"),
    ("A*X*B", "n×q"),
    ("sin(A*x)", "n×1"),
    ("tanh(x)'*tanh(x)", "1×1"),
    ("sum(abs(x))", "1×1"),
    ("relu(W*x + b)", "m×1"),
    ("x'*eye*x", "1×1"),
];

fn read(expr: &str, decls: &str) -> Checked {
    read_exprs(&[expr], decls, &[None])
        .unwrap_or_else(|e| panic!("`{expr}` under `{decls}` does not read:\n{}", e.render()))
}

/// The names `want` lists (`a: kind(sizes); …`) have exactly those declarations in `env`.
fn inferred(env: &Env, want: &str) -> Result<(), String> {
    let have = env.decls_text();
    let have: Vec<&str> = have.split("; ").collect();
    for w in want.split(';').map(str::trim).filter(|w| !w.is_empty()) {
        if !have.contains(&w) {
            return Err(format!(
                "`{w}` not inferred (the names are `{}`)",
                have.join("; ")
            ));
        }
    }
    Ok(())
}

#[test]
fn shapes_are_inferred() {
    let mut failures = Vec::new();
    for &(expr, decls, shape, names) in SHAPES {
        let c = match read_exprs(&[expr], decls, &[None]) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!(
                    "`{expr}` under `{decls}` does not read:\n{}",
                    e.render()
                ));
                continue;
            }
        };
        let got = c.typed[0].shape.to_string();
        if got != shape {
            failures.push(format!(
                "`{expr}` under `{decls}`: shape {got}, wanted {shape}"
            ));
        }
        if let Err(e) = inferred(&c.env, names) {
            failures.push(format!("`{expr}` under `{decls}`: {e}"));
        }
        // What the reader inferred, declared, reads the same.
        let again = read(expr, &c.env.decls_text());
        if again.typed[0].shape != c.typed[0].shape || !same_names(&again.env, &c.env) {
            failures.push(format!(
                "`{expr}`: reads differently under its printed declarations `{}`",
                c.env.decls_text()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows fail:\n\n{}",
        failures.len(),
        SHAPES.len(),
        failures.join("\n\n")
    );
    assert!(SHAPES.len() >= 100);
}

/// The same names with the same kinds and shapes, in the same order.
fn same_names(a: &Env, b: &Env) -> bool {
    let list = |e: &Env| {
        e.vars
            .iter()
            .map(|(n, v)| (*n, v.kind, v.shape))
            .collect::<Vec<_>>()
    };
    list(a) == list(b)
}

#[test]
fn matrixcalculus_org_examples_read_without_declarations() {
    let mut failures = Vec::new();
    for &(expr, shape) in MATRIXCALCULUS_ORG {
        match read_exprs(&[expr], "", &[None]) {
            Ok(c) => {
                let got = c.typed[0].shape.to_string();
                if got != shape {
                    failures.push(format!("`{expr}`: shape {got}, wanted {shape}"));
                }
                if !c.warnings.is_empty() {
                    failures.push(format!("`{expr}`: warnings {:?}", c.warnings));
                }
                for info in c.env.vars.values() {
                    if info.declared {
                        failures.push(format!("`{expr}`: a name counts as declared"));
                    }
                }
            }
            Err(e) => failures.push(format!("`{expr}` does not read:\n{}", e.render())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_power_of_names_needs_them_declared_scalars() {
    // Undeclared, `a` and `b` are vectors, and a vector has no power: refused, with
    // the declaration that reads it as meant.
    let e = read_expr("a^b", "").expect_err("a^b of undeclared names is refused");
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.render().contains("a: scalar; b: scalar"),
        "{}",
        e.render()
    );
    let c = read("a^b", "a: scalar; b: scalar");
    assert!(c.typed[0].shape.is_scalar());
    // One declared is not enough: `b` would have to be a scalar.
    assert!(read_expr("a^b", "a: scalar").is_err());
}

/// The values of two expressions read together, at a few random points.
fn agree(a: &str, b: &str, decls: &str) {
    let c = read_exprs(&[a, b], decls, &[None, None])
        .unwrap_or_else(|e| panic!("`{a}` and `{b}` do not read together:\n{}", e.render()));
    assert_eq!(
        c.typed[0].shape, c.typed[1].shape,
        "`{a}` and `{b}`: shapes"
    );
    for seed in 0..4 {
        let p = random_point(&c.env, &[], seed, false);
        let va = eval(&c.typed[0].expr, &p).unwrap_or_else(|e| panic!("`{a}`: {e:?}"));
        let vb = eval(&c.typed[1].expr, &p).unwrap_or_else(|e| panic!("`{b}`: {e:?}"));
        let err = rel_err(&va, &vb);
        assert!(
            err < 1e-12,
            "`{a}` and `{b}` differ by {err:e} at seed {seed}"
        );
    }
}

#[test]
fn broadcasting_is_the_explicit_fill() {
    // The tutorial's logistic loss: `1 + v` reads with `y` and `X*w` of one length,
    // and equals the `vector(1)` spelling.
    agree(
        "sum(log(1 + exp(-y .* (X*w))))",
        "sum(log(exp(-y.*(X*w)) + vector(1)))",
        "",
    );
    let c = read("sum(log(1 + exp(-y .* (X*w))))", "");
    inferred(&c.env, "y: vector(n); X: matrix(n,m); w: vector(m)").unwrap();

    agree("1 + x", "vector(1) + x", "");
    agree("1 + x", "ones + x", "");
    agree("s + X", "matrix(s) + X", "s: scalar");
    agree("X - s", "X - s*ones(m, n)", "s: scalar; X: matrix(m,n)");
    agree("s - x", "s*ones - x", "s: scalar");
    agree("x'*x + x", "(x'*x)*ones + x", "");
    agree("s .* X", "s*X", "s: scalar");
    agree("X / s", "X ./ matrix(s)", "s: scalar");
    agree("zeros(m, n) + A", "A", "A: matrix(m,n)");
    agree("eye*x", "x", "");
}

#[test]
fn unvec_undoes_vec() {
    agree("vec(unvec(x, m))", "x", "x: vector(m*n)");
    agree("unvec(vec(A), m)", "A", "A: matrix(m,n)");
    agree("unvec(x, m)'", "unvec(K(m, n)*x, n)", "x: vector(m*n)");
    agree("unvec(x, 3)*ones(2)", "unvec(x, 3)*ones", "x: vector(6)");
}

/// Nodes of each kind: the `where` form is a DAG, each definition one node.
fn count(expr: &RecExpr<Math>, what: &str) -> usize {
    expr.as_ref()
        .iter()
        .filter(|n| n.to_string() == what)
        .count()
}

#[test]
fn where_definitions_are_shared_and_not_names() {
    let shared = read("h'*h where h = A*x", "");
    let inline = read("(A*x)'*(A*x)", "");
    assert_eq!(shared.typed[0].shape, inline.typed[0].shape);
    assert!(same_names(&shared.env, &inline.env), "`h` is no variable");
    assert!(!shared.env.vars.keys().any(|n| n.as_str() == "h"));
    assert!(
        shared.typed[0].expr.as_ref().len() < inline.typed[0].expr.as_ref().len(),
        "the definition is one node: {} vs {}",
        shared.typed[0].expr,
        inline.typed[0].expr
    );
    assert_eq!(count(&shared.typed[0].expr, "A"), 1);
    agree("h'*h where h = A*x", "(A*x)'*(A*x)", "");

    // A chain, each definition using the one before; sizes flow through them.
    let chain = "h2'*h2 where h1 = sigmoid(W1*x); h2 = sigmoid(W2*h1)";
    let c = read(chain, "x: vector(n)");
    inferred(&c.env, "x: vector(n); W1: matrix(m,n); W2: matrix(p,m)").unwrap();
    assert!(!c.env.vars.keys().any(|n| n.as_str().starts_with('h')));
    agree(
        chain,
        "sigmoid(W2*sigmoid(W1*x))'*sigmoid(W2*sigmoid(W1*x))",
        "x: vector(n)",
    );
    // A definition's shape is known where it is used.
    agree("h .* h where h = x - 1", "(x - 1).^2", "");
    agree("g where h = A*x; g = h'*h + 1", "(A*x)'*(A*x) + 1", "");
}

#[test]
fn declared_but_unused_names_are_warnings() {
    let c = read("x", "x: vector(n); y: scalar");
    assert_eq!(c.warnings, ["`y` is declared but not used"]);
    let c = read("x", "x: vector(n); A: matrix(n,n); s: scalar");
    assert_eq!(
        c.warnings,
        [
            "`A` is declared but not used",
            "`s` is declared but not used"
        ]
    );
    // Used ones, undeclared ones and names used in a definition are no warning.
    assert!(read("x'*A*x", "A: matrix(n,n); x: vector(n)")
        .warnings
        .is_empty());
    assert!(read("x'*A*x", "").warnings.is_empty());
    assert!(read("h'*h where h = A*x", "A: matrix(m,n)")
        .warnings
        .is_empty());
    // A name that only the second expression uses is used.
    let c = read_exprs(
        &["x'*x", "2*y'"],
        "x: vector(n); y: vector(n)",
        &[None, None],
    )
    .unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let c = read_exprs(
        &["x'*x", "2*x'"],
        "x: vector(n); y: vector(n)",
        &[None, None],
    )
    .unwrap();
    assert_eq!(c.warnings, ["`y` is declared but not used"]);
    // A warning is not an error: the expression is typed.
    let c = read("s*x", "s: scalar; t: scalar");
    assert_eq!(c.typed[0].shape.to_string(), "n×1");
    assert_eq!(c.warnings, ["`t` is declared but not used"]);
}

#[test]
fn expressions_read_together_share_their_names() {
    // `equiv` reads two: the second's sizes come from the first.
    let c = read_exprs(&["A*x", "x'*x"], "", &[None, None]).unwrap();
    assert_eq!(c.typed[1].shape.to_string(), "1×1");
    inferred(&c.env, "A: matrix(n,m); x: vector(m)").unwrap();
    assert_eq!(c.env.vars.len(), 2);
    let c = read_exprs(&["x'*A*x", "x'*(A + A')"], "", &[None, None]).unwrap();
    assert_eq!(c.typed[1].shape.to_string(), "1×n");
    inferred(&c.env, "x: vector(n); A: matrix(n,n)").unwrap();
    // A derivative read against its shape: a bare `I` gets its size.
    let want = read("x", "x: vector(n)").typed[0].shape;
    let square = matcalc::Shape::new(want.rows, want.rows);
    let c = read_exprs(&["x", "I"], "x: vector(n)", &[None, Some(square)]).unwrap();
    assert_eq!(c.typed[1].shape, square);
}

/// The shape `src` reads with, or the rendered error (moved from the type checker's
/// unit tests, which read through `input` and made the two modules import each other).
fn typed_shape(src: &str, decls: &str) -> Result<String, String> {
    read_exprs(&[src], decls, &[])
        .map(|c| c.typed[0].shape.to_string())
        .map_err(|e| e.render())
}

#[test]
fn shapes_follow_the_table() {
    let ok = [
        ("x'*A*x", "", "1×1"),
        ("A*x", "", "n×1"),
        ("kron(A, B)", "A: matrix(m,n); B: matrix(p,q)", "m*p×n*q"),
        ("vec(X)", "X: matrix(m,n)", "m*n×1"),
        (
            "x'*kron(A, B)*y",
            "A: matrix(m,n); B: matrix(p,q); x: vector(m*p); y: vector(n*q)",
            "1×1",
        ),
        ("1 + x", "", "n×1"),
        ("s + X", "s: scalar", "n×m"),
        ("sum(log(exp(-y .* (X*w)) + 1))", "", "1×1"),
        ("sum(log(exp(-y .* (X*w)) + vector(1)))", "", "1×1"),
        ("x .^ 2", "", "n×1"),
        ("softmax(W*x)", "", "n×1"),
        ("h'*h where h = sigmoid(W*x)", "", "1×1"),
        ("unvec(v, n)", "v: vector(m*n)", "n×m"),
        ("I(n) + A", "", "n×n"),
        ("kron(x', I(n)) + A", "x: vector(p)", "n×n*p"),
        ("e*a", "e: scalar", "n×1"),
        ("a^b", "a: scalar; b: scalar", "1×1"),
    ];
    for (src, decls, want) in ok {
        assert_eq!(typed_shape(src, decls).as_deref(), Ok(want), "{src}");
    }
}

#[test]
fn no_silent_change_of_kind() {
    for (src, needle) in [
        ("s*x", "s: scalar"),
        ("a^b", "b: scalar"),
        ("tr(x)", "x: scalar"),
        ("x*y", "x'*y"),
        ("vec(A)+A", "A"),
        ("kron(x,y)+x", "y"),
        ("A*vec(A)", "A"),
        ("kron(x,I)+I", "x"),
        ("kron(x', I(n)) + I(n)", "x"),
    ] {
        let err = typed_shape(src, "").expect_err(src);
        assert!(err.contains(needle), "{src}: {err}");
    }
}
