//! Finite-difference Hessian blocks: H_uv[i][j] = ∂²f / ∂vec(u)_i ∂vec(v)_j by the
//! four-point central formula, compared with a claimed block (SPEC §2, vec coordinates).
//!
//! A symmetric variable's side of a block is compared on the symmetric matrices: the
//! entrywise Hessian of f as written depends on how f is extended off them, its
//! restriction does not. Under `sym` that side is multiplied by the projector
//! P = (I + K)/2 onto vec of the symmetric matrices; under `entries` by
//! E = I + K - diag(vec(I)), which turns a change of one independent entry S_ij (i ≤ j)
//! into the change of S; under `none` it is left as it is.

use egg::{RecExpr, Symbol};

use super::check::{worst_over_points, CheckReport};
use super::eval::eval;
use super::fd::{extrapolated, rel_err};
use super::point::Point;
use crate::env::Env;
use crate::kind::Convention;
use crate::lang::Math;
use crate::linalg::kernels::commutation;
use crate::linalg::{EvalError, Mat};

/// The numeric block H_uv at `point` (|u| × |v|): the four-point central formula at
/// steps h, h/2 and h/4, extrapolated twice (`fd::extrapolated`, as `fd::slope` does for
/// first derivatives). The two extrapolations differ by about the error left; with the rounding
/// error (4ε·max|f| over the smallest step product) it must stay below a tenth of the
/// check's tolerance, or another step is tried (larger, then smaller) and then the point
/// is refused (`EvalError::Rounding`): the differences could not tell a right block from
/// a wrong one there.
pub fn finite_difference_hessian(
    f: &RecExpr<Math>,
    point: &Point,
    u: Symbol,
    v: Symbol,
) -> Result<Mat, EvalError> {
    let size = |s: Symbol| {
        point
            .values
            .get(&s)
            .map(|m| m.len())
            .ok_or(EvalError::UnknownName(s))
    };
    let (nu, nv) = (size(u)?, size(v)?);
    let scale = |s: Symbol| point.values[&s].amax().max(1.0);
    let (su, sv) = (scale(u), scale(v));
    let largest = std::cell::Cell::new(0.0_f64);
    let at = |du: (usize, f64), dv: (usize, f64)| -> Result<f64, EvalError> {
        let mut p = point.clone();
        if let Some(x) = p.values.get_mut(&u) {
            x[du.0] += du.1;
        }
        if let Some(x) = p.values.get_mut(&v) {
            x[dv.0] += dv.1;
        }
        let y = eval(f, &p)?[(0, 0)];
        largest.set(largest.get().max(y.abs()));
        Ok(y)
    };
    let mut worst = (0.0, 0.0, 0.0);
    // The middle step first; a larger one where rounding was the trouble (a large
    // constant part of f), a smaller one where truncation was (a steep f).
    for h in [1e-3, 1e-2, 1e-4] {
        let four_point = |h: f64| -> Result<Mat, EvalError> {
            let (hu, hv) = (h * su, h * sv);
            let mut m = Mat::zeros(nu, nv);
            for i in 0..nu {
                for j in 0..nv {
                    let pp = at((i, hu), (j, hv))?;
                    let pm = at((i, hu), (j, -hv))?;
                    let mp = at((i, -hu), (j, hv))?;
                    let mm = at((i, -hu), (j, -hv))?;
                    m[(i, j)] = (pp - pm - mp + mm) / (4.0 * hu * hv);
                }
            }
            Ok(m)
        };
        let (fine, truncation) = extrapolated(four_point, h)?;
        let smallest = (h / 4.0) * (h / 4.0) * su * sv;
        let rounding = 4.0 * f64::EPSILON * largest.get() / smallest;
        let block_scale = fine.amax().max(1.0);
        if truncation + rounding <= 1e-6 * block_scale {
            return Ok(fine);
        }
        worst = (
            truncation / block_scale,
            rounding / block_scale,
            largest.get(),
        );
    }
    Err(EvalError::Rounding(format!(
        "|f| reaches {:.1e}; truncation {:.1e} and rounding {:.1e} of the second differences",
        worst.2, worst.0, worst.1
    )))
}

/// The matrix that restricts a symmetric n×n variable's side of a block to the symmetric
/// matrices under `convention` (n²×n²; `None` for `Convention::None`).
fn symmetric_side(convention: Convention, n: usize) -> Result<Option<Mat>, EvalError> {
    if convention == Convention::None {
        return Ok(None);
    }
    let sum = Mat::identity(n * n, n * n) + commutation(n, n)?;
    Ok(Some(match convention {
        Convention::Entries => {
            let mut e = sum;
            for i in 0..n {
                e[(i + i * n, i + i * n)] -= 1.0;
            }
            e
        }
        _ => sum * 0.5,
    }))
}

/// Compares a claimed block (numerator layout, or its transpose when `transposed`) with
/// finite differences at `points` random points. `sides` gives, for u and for v, the
/// convention of a symmetric variable (None for any other).
#[allow(clippy::too_many_arguments)]
pub fn check_hessian(
    f: &RecExpr<Math>,
    claimed: &RecExpr<Math>,
    env: &Env,
    u: Symbol,
    v: Symbol,
    sides: (Option<Convention>, Option<Convention>),
    transposed: bool,
    points: usize,
    seed: u64,
) -> Result<CheckReport, EvalError> {
    worst_over_points(f, claimed, env, points, seed, |point, c, _| {
        let mut numeric = finite_difference_hessian(f, point, u, v)?;
        let order = |s: Symbol| point.values.get(&s).map_or(0, |m| m.nrows());
        if let Some(c) = sides.0 {
            if let Some(l) = symmetric_side(c, order(u))? {
                numeric = l * numeric;
            }
        }
        if let Some(c) = sides.1 {
            if let Some(r) = symmetric_side(c, order(v))? {
                numeric *= r;
            }
        }
        let numeric = if transposed {
            numeric.transpose()
        } else {
            numeric
        };
        Ok(rel_err(c, &numeric))
    })
}
