//! Evaluation of each operator on small hand-computed matrices.

use egg::{RecExpr, Symbol};

use super::eval::directional;
use super::{eval, EvalError, Mat, Point};
use crate::lang::Math;

fn m(r: usize, c: usize, rows: &[f64]) -> Mat {
    Mat::from_row_slice(r, c, rows)
}

/// A 2×2 A, a 2×3 B, a 2-vector x, a scalar s, with dims n = 2, p = 3.
fn point() -> Point {
    let mut p = Point::default();
    for (name, v) in [
        ("A", m(2, 2, &[4., 7., 2., 6.])),
        ("B", m(2, 3, &[1., 2., 3., 4., 5., 6.])),
        ("x", m(2, 1, &[1., -2.])),
        ("s", m(1, 1, &[0.5])),
    ] {
        p.values.insert(Symbol::from(name), v);
    }
    p.dims.insert("n".into(), 2);
    p.dims.insert("p".into(), 3);
    p
}

fn ev(src: &str) -> Result<Mat, EvalError> {
    let e: RecExpr<Math> = src.parse().expect("test s-expression parses");
    eval(&e, &point())
}

fn assert_close(src: &str, expected: Mat) {
    let got = ev(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(got.shape(), expected.shape(), "{src}");
    assert!(
        (&got - &expected).amax() < 1e-9,
        "{src}: {got} vs {expected}"
    );
}

fn s(v: f64) -> Mat {
    Mat::from_element(1, 1, v)
}

#[test]
fn arithmetic() {
    assert_close("(+ A A)", m(2, 2, &[8., 14., 4., 12.]));
    assert_close("(- A A)", Mat::zeros(2, 2));
    assert_close("(neg x)", m(2, 1, &[-1., 2.]));
    assert_close("(* A x)", m(2, 1, &[-10., -10.]));
    assert_close("(* s B)", m(2, 3, &[0.5, 1., 1.5, 2., 2.5, 3.]));
    assert_close("(* x s)", m(2, 1, &[0.5, -1.]));
    assert_close("(.* x x)", m(2, 1, &[1., 4.]));
    assert_close("(./ x 2)", m(2, 1, &[0.5, -1.]));
    assert_close("(^ s 2)", s(0.25));
    assert_close("(^ A 2)", m(2, 2, &[30., 70., 20., 50.]));
    assert_close("(^ A -1)", m(2, 2, &[0.6, -0.7, -0.2, 0.4]));
    assert_close("(T B)", m(3, 2, &[1., 4., 2., 5., 3., 6.]));
}

#[test]
fn matrix_functions() {
    assert_close("(tr A)", s(10.));
    assert_close("(det A)", s(10.));
    assert_close("(logdet A)", s(10f64.ln()));
    assert_close("(inv A)", m(2, 2, &[0.6, -0.7, -0.2, 0.4]));
    assert_close("(adj A)", m(2, 2, &[6., -7., -2., 4.]));
    assert_close(
        "(kron x A)",
        m(4, 2, &[4., 7., 2., 6., -8., -14., -4., -12.]),
    );
    assert_close("(diag x)", m(2, 2, &[1., 0., 0., -2.]));
    assert_close("(diagv A)", m(2, 1, &[4., 6.]));
    assert_close("(vec B)", m(6, 1, &[1., 4., 2., 5., 3., 6.]));
    assert_close("(sum B)", s(21.));
    assert_close("(norm2 x)", s(5f64.sqrt()));
    assert_close("(norm2 A)", s(105f64.sqrt()));
}

#[test]
fn elementwise() {
    let x = [1f64, -2.];
    let col = |f: fn(f64) -> f64| m(2, 1, &[f(x[0]), f(x[1])]);
    assert_close("(exp x)", col(f64::exp));
    assert_close("(sin x)", col(f64::sin));
    assert_close("(cos x)", col(f64::cos));
    assert_close("(tanh x)", col(f64::tanh));
    assert_close(
        "(sigmoid x)",
        m(2, 1, &[0.7310585786300049, 0.11920292202211755]),
    );
    assert_close(
        "(log A)",
        m(2, 2, &[4f64.ln(), 7f64.ln(), 2f64.ln(), 6f64.ln()]),
    );
    assert_close(
        "(sqrt A)",
        m(2, 2, &[2., 7f64.sqrt(), 2f64.sqrt(), 6f64.sqrt()]),
    );
    assert!(matches!(ev("(log x)"), Err(EvalError::NonFinite(_))));
    assert!(matches!(ev("(sqrt x)"), Err(EvalError::NonFinite(_))));
    assert!(matches!(ev("(./ x 0)"), Err(EvalError::NonFinite(_))));
}

#[test]
fn constants() {
    assert_close("I:n", Mat::identity(2, 2));
    assert_close("ones:p", m(3, 1, &[1., 1., 1.]));
    assert_close("zero:n:p", Mat::zeros(2, 3));
    assert_close("ones:2*n", Mat::from_element(4, 1, 1.));
    assert_close("(* K:n:p (vec B))", m(6, 1, &[1., 2., 3., 4., 5., 6.]));
    assert_close("2.5", s(2.5));
}

#[test]
fn errors_not_panics() {
    assert!(matches!(ev("(+ A B)"), Err(EvalError::Shape(_))));
    assert!(matches!(ev("(* B A)"), Err(EvalError::Shape(_))));
    assert!(matches!(ev("(tr B)"), Err(EvalError::Shape(_))));
    assert!(matches!(ev("(inv (- A A))"), Err(EvalError::Singular(_))));
    assert!(matches!(
        ev("(logdet (neg I:p))"),
        Err(EvalError::Domain(_))
    ));
    assert!(matches!(ev("(* Y x)"), Err(EvalError::UnknownName(_))));
    assert!(matches!(ev("ones:q"), Err(EvalError::UnknownDim(_))));
    assert!(matches!(ev("I:100000"), Err(EvalError::TooLarge(_))));
    assert!(matches!(
        ev("(^ s (exp 1000))"),
        Err(EvalError::NonFinite(_))
    ));
    let empty: RecExpr<Math> = RecExpr::default();
    assert!(matches!(
        eval(&empty, &point()),
        Err(EvalError::Malformed(_))
    ));
    let bad = RecExpr::from(vec![Math::unary(crate::lang::Op::Neg, egg::Id::from(0))]);
    assert!(matches!(eval(&bad, &point()), Err(EvalError::Malformed(_))));
}

fn with_tangent(name: &str, t: Mat) -> Point {
    let mut p = point();
    p.tangents.insert(Symbol::from(name), t);
    p
}

fn ev_at(src: &str, p: &Point) -> Mat {
    let e: RecExpr<Math> = src.parse().expect("test s-expression parses");
    eval(&e, p).unwrap_or_else(|err| panic!("{src}: {err}"))
}

#[test]
fn differentials_follow_tangents() {
    let t = m(2, 2, &[1., 0., -1., 2.]);
    let p = with_tangent("A", t.clone());
    let a = &p.values[&Symbol::from("A")];
    let d = ev_at("(d (* A A))", &p);
    assert!((d - (&t * a + a * &t)).amax() < 1e-7);
    // x has no tangent: it is a constant.
    let d = ev_at("(d (* A x))", &p);
    assert!((d - &t * m(2, 1, &[1., -2.])).amax() < 1e-7);
    assert_eq!(ev_at("(d x)", &p), Mat::zeros(2, 1));
    // d of a differential of a variable is zero: its tangent does not move.
    assert!(ev_at("(d (d A))", &p).amax() < 1e-7);
    let e: RecExpr<Math> = "(* A A)".parse().expect("parses");
    let root = egg::Id::from(e.as_ref().len() - 1);
    let d = directional(&e, root, &p).expect("differentiable");
    assert!((d - (&t * a + a * &t)).amax() < 1e-7);
}

#[test]
fn canonical_forms() {
    let t = m(2, 2, &[1., 0., -1., 2.]);
    let p = with_tangent("A", t.clone());
    let c = m(2, 2, &[1., 2., 3., 4.]);
    let mut q = p.clone();
    q.values.insert(Symbol::from("C"), c.clone());
    // (lin C (d A)) = tr(C dA), the tangent standing for dA.
    let lin = ev_at("(lin C (d A))", &q);
    assert!((lin[(0, 0)] - (&c * &t).trace()).abs() < 1e-7);
    // (jacv J (d A)) = J vec(dA); with J = vec(C)' it is the sum of C ∘ dA.
    let j: RecExpr<Math> = "(jacv (T (vec C)) (d A))".parse().expect("parses");
    let v = eval(&j, &q).expect("evaluates");
    assert!((v[(0, 0)] - c.component_mul(&t).sum()).abs() < 1e-7);
    // A coefficient of the wrong shape is an error, not a number.
    let bad: RecExpr<Math> = "(lin (vec C) (d A))".parse().expect("parses");
    assert!(matches!(eval(&bad, &q), Err(EvalError::Shape(_))));
}
