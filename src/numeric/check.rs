//! Checking a claimed derivative against finite differences at random points.

use egg::{RecExpr, Symbol};

use super::cost::{evaluation_cost, OPS_PER_SECOND};
use super::eval::eval;
use super::fd::derivative_shape;
use super::fd::{finite_difference, rel_err};
use super::point::{const_dims, dim_size, try_random_point, try_random_point_reversed, Point};
use crate::env::Env;
use crate::lang::{shapes_of, Math};
use crate::linalg::{EvalError, Mat};
use crate::shape::Dim;

/// What `--check`, `batch` and ablation use: points tried, the seed of the first, and
/// the largest relative error that still counts as agreement (central differences are
/// good to about 1e-9 here; 1e-5 leaves room for ill-conditioned points).
pub const CHECK_POINTS: usize = 3;
pub const CHECK_SEED: u64 = 7;
pub const CHECK_TOLERANCE: f64 = 1e-5;
/// The longest a check may be expected to run.
pub const CHECK_BUDGET_SECONDS: f64 = 30.0;

/// How many points were tried and the largest relative error seen at any of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckReport {
    pub points: usize,
    pub max_rel_err: f64,
}

impl CheckReport {
    /// Agreement within `CHECK_TOLERANCE` (a NaN error never passes).
    pub fn passed(&self) -> bool {
        self.max_rel_err <= CHECK_TOLERANCE
    }
}

/// Compares `deriv` (numerator layout) with central finite differences of `f` with
/// respect to `wrt` at `points` random points (seeds `seed`, `seed + 1`, …). A point
/// where either side is undefined (log of a negative, a singular inverse) is retried
/// with positive entries. Shapes must match exactly, or the error is infinite.
pub fn check_derivative(
    f: &RecExpr<Math>,
    deriv: &RecExpr<Math>,
    env: &Env,
    wrt: Symbol,
    points: usize,
    seed: u64,
) -> Result<CheckReport, EvalError> {
    if !env.vars.contains_key(&wrt) {
        return Err(EvalError::UnknownName(wrt));
    }
    // Sizes that only constants mention (`ones(k)` with no k-sized variable) need sizes too.
    let extra = const_dims(&[f, deriv]);
    let aliases = free_dim_aliases(f, deriv, env, wrt);
    let mut max_rel_err: f64 = 0.0;
    // Refused, not started, when it would run for minutes (numeric sizes in the
    // thousands): a central difference evaluates f four times per entry of `wrt`.
    if let Ok(p) = try_random_point(env, &extra, seed, false) {
        let entries = p.values.get(&wrt).map_or(1, |m| m.len()) as f64;
        let cost =
            (4.0 * entries + 1.0) * evaluation_cost(f, env, &p) + evaluation_cost(deriv, env, &p);
        if cost * points as f64 > CHECK_BUDGET_SECONDS * OPS_PER_SECOND {
            return Err(EvalError::TooLarge(format!(
                "checking would take about {:.0} s at these sizes (more than {CHECK_BUDGET_SECONDS} s)",
                cost * points as f64 / OPS_PER_SECOND
            )));
        }
    }
    for i in 0..points {
        let s = seed.wrapping_add(i as u64);
        // Outside the domain (log of a negative, a singular matrix): positive entries,
        // then the sizes in the other order (X'X is singular when X is wide).
        let dims = (extra.as_slice(), aliases.as_slice());
        let mut result = compare(f, deriv, env, wrt, dims, s, Attempt::Plain);
        for attempt in [
            Attempt::Positive,
            Attempt::Reversed,
            Attempt::PositiveReversed,
        ] {
            match result {
                Err(ref e) if e.is_numeric() => {
                    result = compare(f, deriv, env, wrt, dims, s, attempt)
                }
                _ => break,
            }
        }
        let err = result?;
        max_rel_err = max_rel_err.max(err);
    }
    Ok(CheckReport {
        points,
        max_rel_err,
    })
}

/// The worst of `error` over `points` random points for `f` and `claimed` (redrawn with
/// positive entries where f cannot be evaluated), given each point, the claimed value
/// there and the point's seed: the loop the Hessian and symmetric checks share.
pub(super) fn worst_over_points(
    f: &RecExpr<Math>,
    claimed: &RecExpr<Math>,
    env: &Env,
    points: usize,
    seed: u64,
    mut error: impl FnMut(&Point, &Mat, u64) -> Result<f64, EvalError>,
) -> Result<CheckReport, EvalError> {
    let extra = const_dims(&[f, claimed]);
    let mut max_rel_err: f64 = 0.0;
    for i in 0..points {
        let s = seed.wrapping_add(i as u64);
        let mut point = try_random_point(env, &extra, s, false)?;
        if eval(f, &point).is_err() {
            point = try_random_point(env, &extra, s, true)?;
        }
        let c = eval(claimed, &point)?;
        let err = match error(&point, &c, s) {
            // A point where the differences cannot judge (rounding, a step leaving the
            // domain): once more with positive entries.
            Err(e) if e.is_numeric() => {
                let point = try_random_point(env, &extra, s, true)?;
                let c = eval(claimed, &point)?;
                error(&point, &c, s)?
            }
            other => other?,
        };
        max_rel_err = max_rel_err.max(err);
    }
    Ok(CheckReport {
        points,
        max_rel_err,
    })
}

/// How a point is drawn: entries of either sign or positive, sizes in either order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    Plain,
    Positive,
    Reversed,
    PositiveReversed,
}

fn compare(
    f: &RecExpr<Math>,
    deriv: &RecExpr<Math>,
    env: &Env,
    wrt: Symbol,
    (extra, aliases): (&[Dim], &[(String, Dim)]),
    seed: u64,
    attempt: Attempt,
) -> Result<f64, EvalError> {
    let positive = matches!(attempt, Attempt::Positive | Attempt::PositiveReversed);
    let mut point = match attempt {
        Attempt::Plain | Attempt::Positive => try_random_point(env, extra, seed, positive)?,
        _ => try_random_point_reversed(env, extra, seed, positive)?,
    };
    for (free, dim) in aliases {
        let size = dim_size(*dim, &point)?;
        point.dims.insert(free.clone(), size);
    }
    let numeric = finite_difference(f, &point, wrt)?;
    let claimed = eval(deriv, &point)?;
    Ok(rel_err(&claimed, &numeric))
}

/// Sizes the derivative leaves open: `I` alone (the derivative of tr(X)) reads back
/// as `I:k` with a fresh `k` that nothing else mentions. Such a size, spanning a whole
/// side of the derivative's shape, takes the size SPEC §2 requires of that side.
fn free_dim_aliases(
    f: &RecExpr<Math>,
    deriv: &RecExpr<Math>,
    env: &Env,
    wrt: Symbol,
) -> Vec<(String, Dim)> {
    let last = |e: &RecExpr<Math>| {
        shapes_of(e, |v| env.shape(v))
            .ok()
            .and_then(|s| s.last().copied())
    };
    let (Some(fs), Some(ds), Some(xs)) = (last(f), last(deriv), env.shape(wrt)) else {
        return Vec::new();
    };
    let want = derivative_shape(fs, xs);
    let bound: Vec<&str> = env
        .vars
        .values()
        .flat_map(|v| [v.shape.rows, v.shape.cols])
        .chain(const_dims(&[f]))
        .flat_map(|d| d.factors())
        .collect();
    let mut out: Vec<(String, Dim)> = Vec::new();
    for (have, want) in [(ds.rows, want.rows), (ds.cols, want.cols)] {
        let name = have.as_str();
        let free =
            have.factors().len() == 1 && name.parse::<usize>().is_err() && !bound.contains(&name);
        // One free size asked to be two different ones stays a mismatch.
        if free && !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), want));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_exprs;

    fn check(f: &str, d: &str, decls: &str, wrt: &str) -> Result<CheckReport, EvalError> {
        let c = read_exprs(&[f, d], decls, &[]).expect("test input type-checks");
        check_derivative(
            &c.typed[0].expr,
            &c.typed[1].expr,
            &c.env,
            Symbol::from(wrt),
            3,
            11,
        )
    }

    #[test]
    fn accepts_right_and_rejects_wrong() {
        let decls = "A: matrix(n,n); X: matrix(n,n); B: matrix(n,n)";
        let ok = check("tr(A*X*B)", "B*A", decls, "X").expect("evaluates");
        assert_eq!(ok.points, 3);
        assert!(ok.max_rel_err < 1e-7, "{ok:?}");
        let bad = check("tr(A*X*B)", "A*B", decls, "X").expect("evaluates");
        assert!(bad.max_rel_err > 1e-2, "{bad:?}");
    }

    #[test]
    fn retries_with_positive_entries() {
        // log of entries in [-1, 1] is undefined; the retry makes them positive.
        let r = check("sum(log(x))", "(ones(n) ./ x)'", "x: vector(n)", "x").expect("retried");
        assert!(r.max_rel_err < 1e-7, "{r:?}");
    }

    #[test]
    fn wrong_shape_is_infinite_and_unknown_wrt_is_an_error() {
        let decls = "A: matrix(m,n); X: matrix(n,m)";
        let r = check("tr(A*X)", "A'", decls, "X").expect("evaluates");
        assert_eq!(r.max_rel_err, f64::INFINITY);
        assert!(matches!(
            check("tr(A*X)", "A", decls, "Y"),
            Err(EvalError::UnknownName(_))
        ));
    }

    #[test]
    fn an_unsized_identity_takes_the_required_size() {
        let r = check("tr(X)", "I", "X: matrix(n,n)", "X").expect("sized");
        assert!(r.max_rel_err < 1e-7, "{r:?}");
        let r = check("tr(X)", "2*I", "X: matrix(n,n)", "X").expect("sized");
        assert!(r.max_rel_err > 0.5, "{r:?}");
        // Other declared sizes do not confuse it...
        let decls = "X: matrix(n,n); A: matrix(m,m)";
        let r = check("tr(X)", "I", decls, "X").expect("sized");
        assert!(r.max_rel_err < 1e-7, "{r:?}");
        // ...and a declared size is not free: m×m is the wrong shape for a derivative by X.
        let r = check("tr(X) + tr(A)", "ones(m)*ones(m)'", decls, "X").expect("sized");
        assert_eq!(r.max_rel_err, f64::INFINITY);
    }

    #[test]
    fn constant_only_dimensions_get_sizes() {
        let r = check("s*sum(ones(k))", "sum(ones(k))", "s: scalar", "s").expect("sized");
        assert!(r.max_rel_err < 1e-7, "{r:?}");
    }
}
