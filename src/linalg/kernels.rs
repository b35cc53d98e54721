//! The operators on dense matrices, each checking its operands' sizes first, since
//! nalgebra panics on a mismatch and the oracle must not.

use super::{checked_entries, EvalError, Mat};

/// Inverses whose 1-norm condition number exceeds this are refused as ill-conditioned:
/// finite differences through them would be noise.
const MAX_CONDITION: f64 = 1e12;

fn shape_err(op: &str, a: &Mat, b: &Mat) -> EvalError {
    EvalError::Shape(format!(
        "{op} of {}×{} and {}×{}",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols()
    ))
}

fn is_scalar(a: &Mat) -> bool {
    a.shape() == (1, 1)
}

/// `a + b` or `a - b` (`sign` = -1) of equal shapes.
pub fn add(a: &Mat, b: &Mat, sign: f64) -> Result<Mat, EvalError> {
    if a.shape() != b.shape() {
        return Err(shape_err(
            if sign < 0.0 { "difference" } else { "sum" },
            a,
            b,
        ));
    }
    Ok(a + b * sign)
}

/// `*`: scaling when a side is 1×1, the matrix product otherwise.
pub fn mul(a: &Mat, b: &Mat) -> Result<Mat, EvalError> {
    if is_scalar(a) {
        Ok(b * a[(0, 0)])
    } else if is_scalar(b) {
        Ok(a * b[(0, 0)])
    } else if a.ncols() == b.nrows() {
        checked_entries(a.nrows(), b.ncols(), "a product")?;
        Ok(a * b)
    } else {
        Err(shape_err("product", a, b))
    }
}

/// An elementwise binary operation (`.*`, `./`), broadcasting a 1×1 side.
pub fn hadamard(a: &Mat, b: &Mat, op: &str, f: fn(f64, f64) -> f64) -> Result<Mat, EvalError> {
    if a.shape() == b.shape() {
        Ok(a.zip_map(b, f))
    } else if is_scalar(b) {
        let s = b[(0, 0)];
        Ok(a.map(|x| f(x, s)))
    } else if is_scalar(a) {
        let s = a[(0, 0)];
        Ok(b.map(|y| f(s, y)))
    } else {
        Err(shape_err(op, a, b))
    }
}

/// The size of a square matrix, or an error naming `op`.
pub fn square(op: &str, a: &Mat) -> Result<usize, EvalError> {
    if a.is_square() {
        Ok(a.nrows())
    } else {
        Err(EvalError::Shape(format!(
            "{op} of a non-square {}×{}",
            a.nrows(),
            a.ncols()
        )))
    }
}

pub fn trace(a: &Mat) -> Result<f64, EvalError> {
    square("tr", a)?;
    Ok(a.trace())
}

pub fn det(a: &Mat) -> Result<f64, EvalError> {
    square("det", a)?;
    Ok(a.clone().lu().determinant())
}

/// ln det, summed from the LU factors so that it does not overflow where det would.
pub fn logdet(a: &Mat) -> Result<f64, EvalError> {
    square("logdet", a)?;
    let lu = a.clone().lu();
    let mut sign: f64 = lu.p().determinant();
    let mut sum = 0.0;
    for u in lu.u().diagonal().iter() {
        sign *= u.signum();
        sum += u.abs().ln();
    }
    if sign > 0.0 && sum.is_finite() {
        Ok(sum)
    } else {
        Err(EvalError::Domain("logdet of a matrix with det ≤ 0".into()))
    }
}

fn norm1(a: &Mat) -> f64 {
    a.column_iter()
        .map(|c| c.iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

pub fn inv(a: &Mat) -> Result<Mat, EvalError> {
    let n = square("inv", a)?;
    let singular = || EvalError::Singular(format!("inverse of a singular {n}×{n} matrix"));
    let inv = a.clone().lu().try_inverse().ok_or_else(singular)?;
    let cond = norm1(a) * norm1(&inv);
    if cond.is_finite() && cond <= MAX_CONDITION {
        Ok(inv)
    } else {
        Err(singular())
    }
}

/// The adjugate, det(A)·inv(A); defined here only where A is invertible.
pub fn adj(a: &Mat) -> Result<Mat, EvalError> {
    Ok(inv(a)? * det(a)?)
}

/// `a ^ k`: powf for a 1×1 base, repeated products for a square matrix and an integer
/// exponent (a negative one inverts first).
pub fn pow(a: &Mat, k: &Mat) -> Result<Mat, EvalError> {
    if !is_scalar(k) {
        return Err(shape_err("power", a, k));
    }
    let k = k[(0, 0)];
    if is_scalar(a) {
        return Ok(a.map(|x| x.powf(k)));
    }
    let n = square("power", a)?;
    if k.fract() != 0.0 || k.abs() > 1e15 {
        return Err(EvalError::Domain(format!("matrix power with exponent {k}")));
    }
    let mut base = if k < 0.0 { inv(a)? } else { a.clone() };
    let mut e = k.abs() as u64;
    let mut out = Mat::identity(n, n);
    while e > 0 {
        if e & 1 == 1 {
            out = &out * &base;
        }
        e >>= 1;
        if e > 0 {
            base = &base * &base;
        }
    }
    Ok(out)
}

pub fn kron(a: &Mat, b: &Mat) -> Result<Mat, EvalError> {
    let too_large = || EvalError::TooLarge("a Kronecker product".into());
    let r = a.nrows().checked_mul(b.nrows()).ok_or_else(too_large)?;
    let c = a.ncols().checked_mul(b.ncols()).ok_or_else(too_large)?;
    checked_entries(r, c, "a Kronecker product")?;
    Ok(a.kronecker(b))
}

/// The commutation matrix K (mn×mn) with K·vec(X) = vec(X') for X m×n.
pub fn commutation(m: usize, n: usize) -> Result<Mat, EvalError> {
    let mn = m
        .checked_mul(n)
        .ok_or_else(|| EvalError::TooLarge("a commutation matrix".into()))?;
    checked_entries(mn, mn, "a commutation matrix")?;
    let mut k = Mat::zeros(mn, mn);
    for i in 0..m {
        for j in 0..n {
            // vec(X)[i + j*m] = X[i,j] = X'[j,i] = vec(X')[j + i*n].
            k[(j + i * n, i + j * m)] = 1.0;
        }
    }
    Ok(k)
}

/// The columns stacked into one (nalgebra stores column-major already).
pub fn vec(a: &Mat) -> Mat {
    Mat::from_column_slice(a.len(), 1, a.as_slice())
}

/// A column vector to the diagonal matrix with it on the diagonal.
pub fn diag(a: &Mat) -> Result<Mat, EvalError> {
    if a.ncols() != 1 {
        return Err(EvalError::Shape(format!(
            "diag of a non-vector {}×{}",
            a.nrows(),
            a.ncols()
        )));
    }
    let n = a.nrows();
    checked_entries(n, n, "diag")?;
    Ok(Mat::from_fn(
        n,
        n,
        |i, j| if i == j { a[(i, 0)] } else { 0.0 },
    ))
}

/// A square matrix's diagonal as a column.
pub fn diagv(a: &Mat) -> Result<Mat, EvalError> {
    let n = square("diag", a)?;
    Ok(Mat::from_fn(n, 1, |i, _| a[(i, i)]))
}

/// Elementwise power `a .^ b`: a 1×1 side broadcasts.
pub fn hpow(a: &Mat, b: &Mat) -> Result<Mat, EvalError> {
    hadamard(a, b, ".^", f64::powf)
}

/// `unvec(v, p)`: a column of length p·q read back, column by column, as p×q.
pub fn unvec(v: &Mat, rows: usize) -> Result<Mat, EvalError> {
    if v.ncols() != 1 || rows == 0 || !v.nrows().is_multiple_of(rows) {
        return Err(EvalError::Shape(format!(
            "unvec of {}×{} into {rows} rows",
            v.nrows(),
            v.ncols()
        )));
    }
    Ok(Mat::from_column_slice(rows, v.nrows() / rows, v.as_slice()))
}

/// The softmax of a column, shifted by its maximum so that exp never overflows.
pub fn softmax(a: &Mat) -> Result<Mat, EvalError> {
    if a.ncols() != 1 {
        return Err(EvalError::Shape(format!(
            "softmax of a non-column {}×{}",
            a.nrows(),
            a.ncols()
        )));
    }
    let m = a.max();
    let e = a.map(|x| (x - m).exp());
    let s = e.sum();
    Ok(e / s)
}

/// log Σ exp(a_ij), computed stably.
pub fn logsumexp(a: &Mat) -> f64 {
    let m = a.max();
    m + a.map(|x| (x - m).exp()).sum().ln()
}

/// The entrywise 1-norm Σ |a_ij|.
pub fn norm1_entries(a: &Mat) -> f64 {
    a.iter().map(|v| v.abs()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::scalar::sigmoid;

    fn m(r: usize, c: usize, rows: &[f64]) -> Mat {
        Mat::from_row_slice(r, c, rows)
    }

    fn close(a: &Mat, b: &Mat) -> bool {
        a.shape() == b.shape() && (a - b).amax() < 1e-12
    }

    #[test]
    fn products_and_scaling() {
        let a = m(2, 2, &[1., 2., 3., 4.]);
        let b = m(2, 1, &[1., -1.]);
        assert_eq!(mul(&a, &b), Ok(m(2, 1, &[-1., -1.])));
        assert_eq!(mul(&m(1, 1, &[2.]), &a), Ok(m(2, 2, &[2., 4., 6., 8.])));
        assert_eq!(mul(&b, &m(1, 1, &[3.])), Ok(m(2, 1, &[3., -3.])));
        assert!(matches!(mul(&b, &a), Err(EvalError::Shape(_))));
        assert!(add(&a, &b, 1.0).is_err());
        assert_eq!(add(&a, &a, -1.0), Ok(Mat::zeros(2, 2)));
    }

    #[test]
    fn hadamard_broadcasts_scalars() {
        let a = m(1, 3, &[1., 2., 4.]);
        let mul = |x: f64, y: f64| x * y;
        let div = |x: f64, y: f64| x / y;
        assert_eq!(hadamard(&a, &a, ".*", mul), Ok(m(1, 3, &[1., 4., 16.])));
        assert_eq!(
            hadamard(&a, &m(1, 1, &[2.]), "./", div),
            Ok(m(1, 3, &[0.5, 1., 2.]))
        );
        assert_eq!(
            hadamard(&m(1, 1, &[4.]), &a, "./", div),
            Ok(m(1, 3, &[4., 2., 1.]))
        );
        assert!(hadamard(&a, &a.transpose(), ".*", mul).is_err());
    }

    #[test]
    fn determinant_inverse_adjugate() {
        let a = m(2, 2, &[4., 7., 2., 6.]);
        assert!((det(&a).unwrap() - 10.0).abs() < 1e-12);
        assert!((logdet(&a).unwrap() - 10f64.ln()).abs() < 1e-12);
        let inv_a = m(2, 2, &[0.6, -0.7, -0.2, 0.4]);
        assert!(close(&inv(&a).unwrap(), &inv_a));
        assert!(close(&adj(&a).unwrap(), &m(2, 2, &[6., -7., -2., 4.])));
        // det of a 3×3 with a negative determinant, and logdet refusing it.
        let b = m(3, 3, &[0., 1., 0., 1., 0., 0., 0., 0., 2.]);
        assert!((det(&b).unwrap() + 2.0).abs() < 1e-12);
        assert!(matches!(logdet(&b), Err(EvalError::Domain(_))));
        let singular = m(2, 2, &[1., 2., 2., 4.]);
        assert!(matches!(inv(&singular), Err(EvalError::Singular(_))));
        let nearly = m(2, 2, &[1., 2., 1., 2. + 1e-14]);
        assert!(matches!(inv(&nearly), Err(EvalError::Singular(_))));
        assert!(det(&m(1, 2, &[1., 2.])).is_err());
    }

    #[test]
    fn powers() {
        let a = m(2, 2, &[1., 1., 0., 1.]);
        assert!(close(
            &pow(&a, &m(1, 1, &[3.])).unwrap(),
            &m(2, 2, &[1., 3., 0., 1.])
        ));
        assert!(close(
            &pow(&a, &m(1, 1, &[-2.])).unwrap(),
            &m(2, 2, &[1., -2., 0., 1.])
        ));
        assert!(close(
            &pow(&a, &m(1, 1, &[0.])).unwrap(),
            &Mat::identity(2, 2)
        ));
        assert!(close(
            &pow(&m(1, 1, &[4.]), &m(1, 1, &[0.5])).unwrap(),
            &m(1, 1, &[2.])
        ));
        assert!(matches!(
            pow(&a, &m(1, 1, &[0.5])),
            Err(EvalError::Domain(_))
        ));
        assert!(pow(&m(2, 1, &[1., 2.]), &m(1, 1, &[2.])).is_err());
    }

    #[test]
    fn kronecker_product() {
        let a = m(1, 2, &[1., 2.]);
        let b = m(2, 1, &[1., 10.]);
        assert_eq!(kron(&a, &b), Ok(m(2, 2, &[1., 2., 10., 20.])));
        let i = Mat::identity(2, 2);
        let c = m(2, 2, &[1., 2., 3., 4.]);
        let expected = m(
            4,
            4,
            &[
                1., 2., 0., 0., 3., 4., 0., 0., 0., 0., 1., 2., 0., 0., 3., 4.,
            ],
        );
        assert_eq!(kron(&i, &c), Ok(expected));
    }

    #[test]
    fn vec_diag_and_commutation() {
        let x = m(2, 3, &[1., 2., 3., 4., 5., 6.]);
        assert_eq!(vec(&x), m(6, 1, &[1., 4., 2., 5., 3., 6.]));
        assert_eq!(diag(&m(2, 1, &[3., 5.])), Ok(m(2, 2, &[3., 0., 0., 5.])));
        assert!(diag(&x).is_err());
        assert_eq!(diagv(&m(2, 2, &[1., 2., 3., 4.])), Ok(m(2, 1, &[1., 4.])));
        assert!(diagv(&x).is_err());
        let k = commutation(2, 3).unwrap();
        assert_eq!(k.shape(), (6, 6));
        assert_eq!(&k * vec(&x), vec(&x.transpose()));
        // K(m,n)' = K(n,m), and K(1,n) is the identity.
        assert_eq!(k.transpose(), commutation(3, 2).unwrap());
        assert_eq!(commutation(1, 4).unwrap(), Mat::identity(4, 4));
        let k22 = m(
            4,
            4,
            &[
                1., 0., 0., 0., 0., 0., 1., 0., 0., 1., 0., 0., 0., 0., 0., 1.,
            ],
        );
        assert_eq!(commutation(2, 2), Ok(k22));
    }

    #[test]
    fn sigmoid_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) - 1.0 / (1.0 + (-2f64).exp())).abs() < 1e-15);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
    }
}
