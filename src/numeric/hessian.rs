//! Finite-difference Hessian blocks: H_uv[i][j] = ∂²f / ∂vec(u)_i ∂vec(v)_j by the
//! four-point central formula, compared with a claimed block (SPEC §2, vec coordinates).

use egg::{RecExpr, Symbol};

use super::check::{worst_over_points, CheckReport};
use super::eval::eval;
use super::fd::rel_err;
use super::point::Point;
use crate::env::Env;
use crate::lang::Math;
use crate::linalg::{EvalError, Mat};

/// The numeric block H_uv at `point` (|u| × |v|).
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
    // Truncation h² and rounding ε/h² balance near h = ε^(1/4), about 1e-4.
    let (hu, hv) = (1e-4 * scale(u), 1e-4 * scale(v));
    let at = |du: Option<(usize, f64)>, dv: Option<(usize, f64)>| -> Result<f64, EvalError> {
        let mut p = point.clone();
        if let Some((i, d)) = du {
            if let Some(x) = p.values.get_mut(&u) {
                x[i] += d;
            }
        }
        if let Some((j, d)) = dv {
            if let Some(x) = p.values.get_mut(&v) {
                x[j] += d;
            }
        }
        Ok(eval(f, &p)?[(0, 0)])
    };
    let mut h = Mat::zeros(nu, nv);
    for i in 0..nu {
        for j in 0..nv {
            let pp = at(Some((i, hu)), Some((j, hv)))?;
            let pm = at(Some((i, hu)), Some((j, -hv)))?;
            let mp = at(Some((i, -hu)), Some((j, hv)))?;
            let mm = at(Some((i, -hu)), Some((j, -hv)))?;
            h[(i, j)] = (pp - pm - mp + mm) / (4.0 * hu * hv);
        }
    }
    Ok(h)
}

/// Compares a claimed block (numerator layout, or its transpose when `transposed`) with
/// finite differences at `points` random points.
#[allow(clippy::too_many_arguments)]
pub fn check_hessian(
    f: &RecExpr<Math>,
    claimed: &RecExpr<Math>,
    env: &Env,
    u: Symbol,
    v: Symbol,
    transposed: bool,
    points: usize,
    seed: u64,
) -> Result<CheckReport, EvalError> {
    worst_over_points(f, claimed, env, points, seed, |point, c, _| {
        let numeric = finite_difference_hessian(f, point, u, v)?;
        let numeric = if transposed {
            numeric.transpose()
        } else {
            numeric
        };
        Ok(rel_err(c, &numeric))
    })
}
