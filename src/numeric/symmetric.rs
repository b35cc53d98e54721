//! Checking a derivative by a symmetric matrix S under its convention (SPEC §2): the
//! point moves only along symmetric directions.
//! - `sym`: the claimed C is symmetric and tr(C dS) is the directional derivative of f
//!   along every symmetric dS.
//! - `entries`: C[i][j] is the derivative by the independent entry S_ij (S_ij and S_ji
//!   moved together).

use egg::{RecExpr, Symbol};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::check::{worst_over_points, CheckReport};
use super::eval::eval;
use super::fd::{rel_err, slope};
use super::point::Point;
use crate::env::Env;
use crate::kind::Convention;
use crate::lang::Math;
use crate::linalg::{EvalError, Mat};

/// Compares `claimed` (numerator layout, n×n) with central differences of `f` along
/// symmetric perturbations of `wrt`, at `points` random points.
pub fn check_symmetric(
    f: &RecExpr<Math>,
    claimed: &RecExpr<Math>,
    env: &Env,
    wrt: Symbol,
    convention: Convention,
    points: usize,
    seed: u64,
) -> Result<CheckReport, EvalError> {
    worst_over_points(
        f,
        claimed,
        env,
        points,
        seed,
        |point, c, s| match convention {
            Convention::Sym => sym_error(f, c, point, wrt, s),
            Convention::Entries => entries_error(f, c, point, wrt),
            Convention::None => Err(EvalError::Malformed("no convention to check".into())),
        },
    )
}

/// The slope of f at the point along `dir` (see `fd::slope`).
fn along(f: &RecExpr<Math>, point: &Point, wrt: Symbol, dir: &Mat) -> Result<f64, EvalError> {
    let x = point.values.get(&wrt).ok_or(EvalError::UnknownName(wrt))?;
    let h = 1e-4 * x.amax().max(1.0);
    let mut p = point.clone();
    let d = slope(
        |t| {
            if let Some(v) = p.values.get_mut(&wrt) {
                *v = x + dir * t;
            }
            eval(f, &p)
        },
        h,
    )?;
    Ok(d[(0, 0)])
}

fn sym_error(
    f: &RecExpr<Math>,
    c: &Mat,
    point: &Point,
    wrt: Symbol,
    seed: u64,
) -> Result<f64, EvalError> {
    let n = c.nrows();
    // The convention promises a symmetric C.
    let mut err = rel_err(c, &c.transpose());
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    for _ in 0..3 {
        let t = Mat::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
        let dir = (&t + t.transpose()) * 0.5;
        let fd = along(f, point, wrt, &dir)?;
        let claimed = (c * &dir).trace();
        err = err.max((claimed - fd).abs() / fd.abs().max(1.0));
    }
    Ok(err)
}

fn entries_error(f: &RecExpr<Math>, c: &Mat, point: &Point, wrt: Symbol) -> Result<f64, EvalError> {
    let n = c.nrows();
    let mut numeric = Mat::zeros(n, n);
    for i in 0..n {
        for j in i..n {
            let mut dir = Mat::zeros(n, n);
            dir[(i, j)] = 1.0;
            dir[(j, i)] = 1.0;
            let d = along(f, point, wrt, &dir)?;
            numeric[(i, j)] = d;
            numeric[(j, i)] = d;
        }
    }
    Ok(rel_err(c, &numeric))
}
