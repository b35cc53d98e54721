//! Central finite differences in numerator layout (SPEC §2), and the comparison of a
//! claimed derivative against them.

use egg::{RecExpr, Symbol};

use super::eval::eval;
use super::point::Point;
pub use crate::kind::derivative_shape;
use crate::lang::Math;
use crate::linalg::{checked_entries, EvalError, Mat};

/// The derivative of `expr` with respect to `wrt` at `point`, by central differences,
/// laid out as SPEC §2 says: a scalar by a matrix X (p×q) is q×p with C\[j,i\] =
/// ∂f/∂X\[i,j\]; a matrix by a scalar has the matrix's shape; everything else is the
/// Jacobian of vec(f) with respect to vec(x) (a row for a scalar by a vector).
pub fn finite_difference(
    expr: &RecExpr<Math>,
    point: &Point,
    wrt: Symbol,
) -> Result<Mat, EvalError> {
    let x = point.values.get(&wrt).ok_or(EvalError::UnknownName(wrt))?;
    let (p, q) = x.shape();
    let f0 = eval(expr, point)?;
    let (m, n) = f0.shape();
    checked_entries(m * n, p * q, "a finite-difference Jacobian")?;
    let mut jac = Mat::zeros(m * n, p * q);
    let mut moved = point.clone();
    for k in 0..p * q {
        let xk = x[k];
        let at = |t: f64| {
            if let Some(slot) = moved.values.get_mut(&wrt) {
                slot[k] = xk + t;
            }
            let out = eval(expr, &moved);
            if let Some(slot) = moved.values.get_mut(&wrt) {
                slot[k] = xk;
            }
            let out = out?;
            if out.shape() != (m, n) {
                return Err(EvalError::Shape(
                    "the value changed shape under a step".into(),
                ));
            }
            Ok(out)
        };
        let col = slope(at, 1e-4 * xk.abs().max(1.0))?;
        jac.column_mut(k).copy_from_slice(col.as_slice());
    }
    Ok(match (m * n == 1, q == 1, p * q == 1) {
        // Scalar by matrix: the row ∂f/∂vec(X) reshaped to p×q is the gradient; its
        // transpose is the numerator layout.
        (true, false, _) => Mat::from_column_slice(p, q, jac.as_slice()).transpose(),
        // Anything by a scalar keeps f's shape (m×1 for a vector, m×n for a matrix).
        (_, _, true) => Mat::from_column_slice(m, n, jac.as_slice()),
        _ => jac,
    })
}

/// The slope at 0 of `g` (a function of one step), by central differences at h, h/2
/// and h/4 extrapolated twice (Richardson): the h² terms cancel in each pair, and the
/// two extrapolations differ by about the error left. Together with the rounding error
/// (4ε·max|g|/h) that must stay below a tenth of the check's tolerance, or the
/// differences cannot tell a right derivative from a wrong one here: the step is cut
/// once (steep functions), then the point is refused (`EvalError::Rounding`), so that
/// the check draws another.
pub fn slope(mut g: impl FnMut(f64) -> Result<Mat, EvalError>, h0: f64) -> Result<Mat, EvalError> {
    let mut worst = (0.0, 0.0, 0.0);
    for h in [h0, h0 / 16.0] {
        let mut largest: f64 = 0.0;
        let central = |h: f64| -> Result<Mat, EvalError> {
            let (a, b) = (g(h)?, g(-h)?);
            largest = largest.max(a.amax()).max(b.amax());
            Ok((a - b) / (2.0 * h))
        };
        let (fine, truncation) = extrapolated(central, h)?;
        let rounding = 4.0 * f64::EPSILON * largest / (h / 4.0);
        let scale = fine.amax().max(1.0);
        if truncation + rounding <= 1e-6 * scale {
            return Ok(fine);
        }
        worst = (truncation / scale, rounding / scale, largest);
    }
    Err(EvalError::Rounding(format!(
        "|f| reaches {:.1e}; truncation {:.1e} and rounding {:.1e} of the slope",
        worst.2, worst.0, worst.1
    )))
}

/// An estimate whose error is O(h²) (a central difference), taken at h, h/2 and h/4
/// and extrapolated twice (Richardson): the finer extrapolation, and how far it is from
/// the coarser one (about the error left).
pub(super) fn extrapolated(
    mut at: impl FnMut(f64) -> Result<Mat, EvalError>,
    h: f64,
) -> Result<(Mat, f64), EvalError> {
    let d1 = at(h)?;
    let d2 = at(h / 2.0)?;
    let d4 = at(h / 4.0)?;
    let coarse = (&d2 * 4.0 - &d1) / 3.0;
    let fine = (&d4 * 4.0 - &d2) / 3.0;
    let truncation = (&fine - &coarse).amax();
    Ok((fine, truncation))
}

/// max |a-b| / max(1, max |b|): relative for large values, absolute near zero.
/// Infinite when the shapes differ or anything is not finite.
pub fn rel_err(a: &Mat, b: &Mat) -> f64 {
    if a.shape() != b.shape() {
        return f64::INFINITY;
    }
    if a.iter().chain(b.iter()).any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let diff = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    diff / b.amax().max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::random_point;
    use crate::read_expr;
    use crate::shape::{Dim, Shape};

    fn fd(expr: &str, decls: &str, wrt: &str) -> (Mat, Point) {
        let (t, env) = read_expr(expr, decls).expect("test input type-checks");
        let p = random_point(&env, &[], 3, false);
        let d = finite_difference(&t.expr, &p, Symbol::from(wrt)).expect("differentiable");
        (d, p)
    }

    fn val(p: &Point, name: &str) -> Mat {
        p.values[&Symbol::from(name)].clone()
    }

    #[test]
    fn scalar_by_matrix_is_transposed_gradient() {
        // d tr(A X) / dX = A in numerator layout (q×p when X is p×q).
        let (d, p) = fd("tr(A*X)", "A: matrix(q,p); X: matrix(p,q)", "X");
        let a = val(&p, "A");
        assert_eq!(d.shape(), a.shape());
        assert!(rel_err(&d, &a) < 1e-8);
    }

    #[test]
    fn layouts_by_kind() {
        let (d, p) = fd("x'*a", "x: vector(n); a: vector(n)", "x");
        assert!(rel_err(&d, &val(&p, "a").transpose()) < 1e-8);
        let (d, p) = fd("W*x", "W: matrix(m,n); x: vector(n)", "x");
        assert!(rel_err(&d, &val(&p, "W")) < 1e-8);
        let (d, p) = fd("s*A", "s: scalar; A: matrix(m,n)", "s");
        assert!(rel_err(&d, &val(&p, "A")) < 1e-8);
        let (d, p) = fd("s*x", "s: scalar; x: vector(n)", "s");
        assert!(rel_err(&d, &val(&p, "x")) < 1e-8);
        // vec(A X) = (I ⊗ A) vec(X): the Jacobian of a matrix by a matrix.
        let (d, p) = fd("A*X", "A: matrix(m,n); X: matrix(n,p)", "X");
        let a = val(&p, "A");
        let (m, n) = a.shape();
        let pp = p.dims["p"];
        assert_eq!(d.shape(), (m * pp, n * pp));
        assert!(rel_err(&d, &Mat::identity(pp, pp).kronecker(&a)) < 1e-8);
    }

    #[test]
    fn unknown_variable_is_an_error() {
        let (t, env) = read_expr("x'*x", "x: vector(n)").expect("type-checks");
        let p = random_point(&env, &[], 0, false);
        let r = finite_difference(&t.expr, &p, Symbol::from("y"));
        assert!(matches!(r, Err(EvalError::UnknownName(_))));
    }

    #[test]
    fn derivative_shapes_match_finite_differences() {
        let decls = "s: scalar; x: vector(n); A: matrix(m,p)";
        for f in ["x*(s + sum(A))", "s*A*sum(x)", "sum(A)*s*x'*x"] {
            let (t, env) = read_expr(f, decls).expect("type-checks");
            let p = random_point(&env, &[], 1, false);
            for wrt in ["s", "x", "A"] {
                let x = env.shape(Symbol::from(wrt)).expect("declared");
                let d = derivative_shape(t.shape, x);
                let fd = finite_difference(&t.expr, &p, Symbol::from(wrt)).expect("differentiable");
                let size = |d| crate::numeric::point::dim_size(d, &p).expect("sized");
                assert_eq!(fd.shape(), (size(d.rows), size(d.cols)), "{f} by {wrt}");
            }
        }
        let f = Shape::new(Dim::new("m"), Dim::new("n"));
        let x = Shape::new(Dim::new("p"), Dim::new("q"));
        assert_eq!(derivative_shape(f, x).rows.as_str(), "m*n");
        assert_eq!(derivative_shape(Shape::scalar(), x), x.transposed());
        assert_eq!(derivative_shape(f, Shape::scalar()), f);
    }

    #[test]
    fn relative_error() {
        let a = Mat::from_row_slice(1, 2, &[100.0, 1.0]);
        let b = Mat::from_row_slice(1, 2, &[101.0, 1.0]);
        assert!((rel_err(&a, &b) - 1.0 / 101.0).abs() < 1e-15);
        let small = Mat::from_row_slice(1, 1, &[1e-3]);
        assert!((rel_err(&small, &Mat::zeros(1, 1)) - 1e-3).abs() < 1e-15);
        assert_eq!(rel_err(&a, &a.transpose()), f64::INFINITY);
        assert_eq!(
            rel_err(&Mat::from_element(1, 1, f64::NAN), &small),
            f64::INFINITY
        );
    }
}
