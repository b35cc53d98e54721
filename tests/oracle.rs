//! The numeric oracle against the reference catalog: every catalog derivative must
//! agree with finite differences, and wrong derivatives must be caught.

use egg::{RecExpr, Symbol};

use matcalc::lang::Math;
use matcalc::numeric::{check_derivative, eval, finite_difference, random_point, rel_err, Mat};
use matcalc::{read_exprs, Env};

mod common;
use common::catalog::catalog as cases;

fn read(f: &str, d: &str, decls: &str) -> (RecExpr<Math>, RecExpr<Math>, Env) {
    let (mut t, env) =
        read_exprs(&[f, d], decls).unwrap_or_else(|e| panic!("{f} / {d} does not read: {e:?}"));
    let d = t.remove(1);
    let f = t.remove(0);
    (f.expr, d.expr, env)
}

#[test]
fn catalog_derivatives_match_finite_differences() {
    let cases = cases();
    assert_eq!(cases.len(), 41, "the catalog has 41 cases");
    let mut failures = Vec::new();
    let mut worst = (0.0, String::new());
    for (i, c) in cases.iter().enumerate() {
        let (mut t, env) = read_exprs(&[&c.expr, &c.expected], &c.decls)
            .unwrap_or_else(|e| panic!("{}: does not read: {e:?}", c.id));
        let expected = t.remove(1);
        let f = t.remove(0);
        let wrt = Symbol::from(c.wrt.as_str());
        let x_shape = env.shape(wrt).expect("wrt is a variable");
        assert_eq!(
            matcalc::kind::Kind::of(f.shape, x_shape).to_string(),
            c.kind,
            "{}: kind",
            c.id
        );
        match check_derivative(&f.expr, &expected.expr, &env, wrt, 2, 100 + i as u64) {
            Ok(r) if r.points == 2 && r.max_rel_err < 1e-6 => {
                if r.max_rel_err >= worst.0 {
                    worst = (r.max_rel_err, c.id.clone());
                }
            }
            other => failures.push(format!("{}: {other:?}", c.id)),
        }
    }
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
    eprintln!("largest relative error: {:.1e} ({})", worst.0, worst.1);
}

#[test]
fn wrong_derivatives_are_rejected() {
    let square = "A: matrix(n,n); X: matrix(n,n); B: matrix(n,n)";
    let (f, d, env) = read("tr(A*X*B)", "A*B", square);
    let r = check_derivative(&f, &d, &env, Symbol::from("X"), 2, 1).expect("evaluates");
    assert!(r.max_rel_err > 1e-2, "A*B accepted for tr(A*X*B): {r:?}");

    // The denominator layout (the gradient) is the transpose: wrong shape when X is not square.
    let rect = "A: matrix(m,n); X: matrix(n,p); B: matrix(p,m)";
    let (f, d, env) = read("tr(A*X*B)", "(B*A)'", rect);
    let r = check_derivative(&f, &d, &env, Symbol::from("X"), 2, 1).expect("evaluates");
    assert_eq!(r.max_rel_err, f64::INFINITY);

    // A near miss: dropping the transposed term of x'*A*x with a non-symmetric A.
    let (f, d, env) = read("x'*A*x", "2*x'*A", "A: matrix(n,n); x: vector(n)");
    let r = check_derivative(&f, &d, &env, Symbol::from("x"), 2, 1).expect("evaluates");
    assert!(r.max_rel_err > 1e-2, "2*x'*A accepted for x'*A*x: {r:?}");
}

#[test]
fn differential_of_a_product() {
    let (f, rhs, env) = read("X*X", "X*X", "X: matrix(n,n)");
    let p = random_point(&env, &[], 5, false);
    let x = Symbol::from("X");
    // (d f) evaluated with X moving along its tangent dX.
    let mut nodes = f.as_ref().to_vec();
    nodes.push(Math::D(egg::Id::from(nodes.len() - 1)));
    let df = eval(&RecExpr::from(nodes), &p).expect("evaluates");
    let (xv, dx) = (&p.values[&x], &p.tangents[&x]);
    let expected: Mat = dx * xv + xv * dx;
    assert!(rel_err(&df, &expected) < 1e-8, "{df} vs {expected}");
    // Without a tangent X is a constant and d(X*X) vanishes.
    let mut q = p.clone();
    q.tangents.clear();
    let mut nodes = rhs.as_ref().to_vec();
    nodes.push(Math::D(egg::Id::from(nodes.len() - 1)));
    let zero = eval(&RecExpr::from(nodes), &q).expect("evaluates");
    assert_eq!(zero, Mat::zeros(xv.nrows(), xv.ncols()));
}

#[test]
fn finite_differences_agree_with_the_jacobian_of_vec() {
    // d vec(A X B) = (B' ⊗ A) d vec(X): matrix by matrix.
    let decls = "A: matrix(m,n); X: matrix(n,p); B: matrix(p,q)";
    let (f, _, env) = read("A*X*B", "A", decls);
    let p = random_point(&env, &[], 9, false);
    let v = |n: &str| p.values[&Symbol::from(n)].clone();
    let fd = finite_difference(&f, &p, Symbol::from("X")).expect("differentiable");
    let expected = v("B").transpose().kronecker(&v("A"));
    assert!(rel_err(&fd, &expected) < 1e-8);
}

#[test]
fn random_points_have_distinct_sizes_and_spd_symmetric_matrices() {
    let decls = "A: matrix(m,n); S: symmetric(p); x: vector(n)";
    let (_, _, env) = read("A*x", "ones(p)'*S*ones(p)", decls);
    let p = random_point(&env, &[], 4, false);
    assert_eq!(p.dims["m"], 3);
    assert_eq!(p.dims["n"], 4);
    assert_eq!(p.dims["p"], 5);
    let s = &p.values[&Symbol::from("S")];
    assert_eq!(s.shape(), (5, 5));
    assert_eq!(s, &s.transpose());
    let eig = s.clone().symmetric_eigen();
    assert!(eig.eigenvalues.iter().all(|l| *l > 1.0), "S is SPD");
}
