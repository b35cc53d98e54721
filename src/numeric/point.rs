//! Points: values of the variables, sizes of the dimensions, tangent directions, and
//! random points shaped so that every operator is defined and well conditioned there.

use egg::{RecExpr, Symbol};
use indexmap::IndexMap;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::env::Env;
use crate::lang::{Const, Math};
use crate::linalg::{checked_entries, EvalError, Mat, MAX_ENTRIES};
use crate::shape::{Dim, Shape};

/// Values of every variable, sizes of every dimension symbol, and optional tangent
/// directions (a variable without a tangent is a constant for `d`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Point {
    pub values: IndexMap<Symbol, Mat>,
    pub dims: IndexMap<String, usize>,
    pub tangents: IndexMap<Symbol, Mat>,
}

impl Point {
    /// The point moved by `h` times the tangents; variables without one stay put.
    pub fn shifted(&self, h: f64) -> Point {
        let mut out = self.clone();
        for (name, t) in &self.tangents {
            if let Some(v) = out.values.get_mut(name) {
                if v.shape() == t.shape() {
                    *v += t * h;
                }
            }
        }
        out
    }
}

/// The size of a dimension: integers are themselves, symbols are looked up, products
/// multiply.
pub fn dim_size(d: Dim, point: &Point) -> Result<usize, EvalError> {
    let mut n: usize = 1;
    for f in d.factors() {
        let k = match f.parse::<usize>() {
            Ok(k) => k,
            Err(_) => *point
                .dims
                .get(f)
                .ok_or_else(|| EvalError::UnknownDim(f.to_string()))?,
        };
        n = n
            .checked_mul(k)
            .filter(|n| *n <= MAX_ENTRIES)
            .ok_or_else(|| EvalError::TooLarge(format!("the dimension {d}")))?;
    }
    Ok(n)
}

/// Rows and columns of a shape, refusing matrices with more than `MAX_ENTRIES` entries.
pub fn shape_size(s: Shape, point: &Point) -> Result<(usize, usize), EvalError> {
    let (r, c) = (dim_size(s.rows, point)?, dim_size(s.cols, point)?);
    checked_entries(r, c, &s.to_string())?;
    Ok((r, c))
}

/// A random point for `env` (see `try_random_point`). A variable too large to allocate
/// gets no value, so evaluating it reports an unknown name instead of aborting.
pub fn random_point(env: &Env, extra_dims: &[Dim], seed: u64, positive: bool) -> Point {
    build(env, extra_dims, seed, positive, false).0
}

/// A random point: distinct sizes 3, 4, 5, … for the size symbols in order of first
/// appearance (skipping sizes that integer dimensions already use, so no two sizes
/// coincide by accident); square matrices n·I plus noise, symmetric ones positive
/// definite; entries in [-1, 1], or [0.5, 1.5] when `positive` (for log and sqrt).
/// Every variable gets a random tangent of its shape (symmetric for symmetric ones).
pub fn try_random_point(
    env: &Env,
    extra_dims: &[Dim],
    seed: u64,
    positive: bool,
) -> Result<Point, EvalError> {
    let (point, err) = build(env, extra_dims, seed, positive, false);
    err.map_or(Ok(point), Err)
}

/// Like `try_random_point`, with the sizes handed out in the opposite order (the last
/// symbol gets 3): a function defined only when some size exceeds another (logdet of
/// X'X needs X tall) is defined for one of the two orders.
pub fn try_random_point_reversed(
    env: &Env,
    extra_dims: &[Dim],
    seed: u64,
    positive: bool,
) -> Result<Point, EvalError> {
    let (point, err) = build(env, extra_dims, seed, positive, true);
    err.map_or(Ok(point), Err)
}

/// How many entries a random point of `env` draws (values and tangents): what it
/// costs, known before any is drawn. A variable too large to allocate is an error.
pub fn point_entries(env: &Env, extra_dims: &[Dim], reversed: bool) -> Result<usize, EvalError> {
    let point = sized(env, extra_dims, reversed);
    let mut total: usize = 0;
    for info in env.vars.values() {
        let (r, c) = shape_size(info.shape, &point)?;
        total = total.saturating_add(2 * r * c);
    }
    Ok(total)
}

fn build(
    env: &Env,
    extra_dims: &[Dim],
    seed: u64,
    positive: bool,
    reversed: bool,
) -> (Point, Option<EvalError>) {
    let mut point = sized(env, extra_dims, reversed);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut first_err = None;
    for (name, info) in &env.vars {
        let (r, c) = match shape_size(info.shape, &point) {
            Ok(rc) => rc,
            Err(e) => {
                first_err.get_or_insert(e);
                continue;
            }
        };
        let square = info.shape.is_square() && !info.shape.is_scalar();
        let symmetric = env.is_symmetric(*name) && square;
        let value = if env.is_simplex(*name) {
            // Positive entries that sum to 1.
            let v = uniform(&mut rng, r, c, 0.5, 1.5);
            let total = v.sum();
            v / total
        } else if symmetric {
            let b = entries(&mut rng, r, r, positive);
            &b * b.transpose() + Mat::identity(r, r) * r as f64
        } else if square {
            let lo = if positive { 0.5 } else { -0.5 };
            Mat::identity(r, r) * r as f64 + uniform(&mut rng, r, r, lo, lo + 1.0)
        } else {
            entries(&mut rng, r, c, positive)
        };
        let t = uniform(&mut rng, r, c, -1.0, 1.0);
        let tangent = if symmetric {
            (&t + t.transpose()) * 0.5
        } else {
            t
        };
        point.values.insert(*name, value);
        point.tangents.insert(*name, tangent);
    }
    (point, first_err)
}

/// A point with sizes and no values: distinct sizes 3, 4, 5, … for the size symbols
/// in order of first appearance (or the opposite order), skipping the integer sizes.
fn sized(env: &Env, extra_dims: &[Dim], reversed: bool) -> Point {
    let all: Vec<Dim> = env
        .vars
        .values()
        .flat_map(|v| [v.shape.rows, v.shape.cols])
        .chain(extra_dims.iter().copied())
        .collect();
    let taken: Vec<usize> = all
        .iter()
        .flat_map(|d| d.factors())
        .filter_map(|f| f.parse().ok())
        .collect();
    let mut point = Point::default();
    let mut next = 3;
    for f in all.iter().flat_map(|d| d.factors()) {
        if f.parse::<usize>().is_err() && !point.dims.contains_key(f) {
            while taken.contains(&next) {
                next += 1;
            }
            point.dims.insert(f.to_string(), next);
            next += 1;
        }
    }
    if reversed {
        let sizes: Vec<usize> = point.dims.values().rev().copied().collect();
        for (v, size) in point.dims.values_mut().zip(sizes) {
            *v = size;
        }
    }
    point
}

fn entries(rng: &mut StdRng, r: usize, c: usize, positive: bool) -> Mat {
    if positive {
        uniform(rng, r, c, 0.5, 1.5)
    } else {
        uniform(rng, r, c, -1.0, 1.0)
    }
}

fn uniform(rng: &mut StdRng, r: usize, c: usize, lo: f64, hi: f64) -> Mat {
    Mat::from_fn(r, c, |_, _| rng.random_range(lo..=hi))
}

/// The dimensions that shaped constants of `exprs` mention: `ones(k)` with no k-sized
/// variable still needs a size for k at every point.
pub fn const_dims(exprs: &[&RecExpr<Math>]) -> Vec<Dim> {
    let mut out = Vec::new();
    for node in exprs.iter().flat_map(|e| e.as_ref()) {
        if let Math::Const(c) = node {
            match *c {
                Const::Eye(n) => out.push(n),
                Const::Ones(a, b) | Const::Zero(a, b) | Const::Commutation(a, b) => {
                    out.extend([a, b]);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_expr;

    fn env(expr: &str, decls: &str) -> Env {
        read_expr(expr, decls).expect("test input type-checks").1
    }

    #[test]
    fn distinct_sizes_in_order() {
        let e = env("A*B*x", "A: matrix(m,n); B: matrix(n,p); x: vector(p)");
        let p = random_point(&e, &[Dim::new("q")], 1, false);
        let sizes: Vec<(&str, usize)> = p.dims.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(sizes, [("m", 3), ("n", 4), ("p", 5), ("q", 6)]);
        assert_eq!(p.values[&Symbol::from("A")].shape(), (3, 4));
        assert_eq!(p.tangents[&Symbol::from("x")].shape(), (5, 1));
        assert_eq!(dim_size(Dim::new("m*n"), &p), Ok(12));
        assert_eq!(dim_size(Dim::new("2*p"), &p), Ok(10));
        assert_eq!(dim_size(Dim::one(), &p), Ok(1));
        assert!(dim_size(Dim::new("z"), &p).is_err());
    }

    #[test]
    fn integer_sizes_are_kept_and_avoided() {
        let e = env("A*x", "A: matrix(3,n); x: vector(n)");
        let p = random_point(&e, &[], 1, false);
        assert_eq!(p.dims["n"], 4);
        assert_eq!(p.values[&Symbol::from("A")].shape(), (3, 4));
    }

    #[test]
    fn symmetric_is_spd_and_square_is_well_conditioned() {
        let e = env(
            "x'*S*x + tr(X)",
            "S: symmetric(n); X: matrix(m,m); x: vector(n)",
        );
        for seed in 0..5 {
            let p = random_point(&e, &[], seed, false);
            let s = &p.values[&Symbol::from("S")];
            assert_eq!(s, &s.transpose());
            assert!(s.clone().cholesky().is_some(), "S is positive definite");
            let t = &p.tangents[&Symbol::from("S")];
            assert_eq!(t, &t.transpose());
            let x = &p.values[&Symbol::from("X")];
            assert!(x.determinant() > 0.0);
            assert!(x.clone().try_inverse().is_some());
        }
    }

    #[test]
    fn positive_entries_and_scalars() {
        let e = env("s*A", "s: scalar; A: matrix(m,n)");
        let p = random_point(&e, &[], 7, true);
        assert_eq!(p.values[&Symbol::from("s")].shape(), (1, 1));
        assert!(p
            .values
            .values()
            .all(|m| m.iter().all(|v| (0.5..=1.5).contains(v))));
        let q = random_point(&e, &[], 7, false);
        assert!(q.values.values().any(|m| m.iter().any(|v| *v < 0.0)));
        assert_eq!(q, random_point(&e, &[], 7, false), "seeded");
        assert_ne!(q, random_point(&e, &[], 8, false));
    }

    #[test]
    fn huge_sizes_are_errors() {
        let e = env("A", "A: matrix(100000,100000)");
        assert!(matches!(
            try_random_point(&e, &[], 0, false),
            Err(EvalError::TooLarge(_))
        ));
        assert!(random_point(&e, &[], 0, false).values.is_empty());
    }

    #[test]
    fn shifted_moves_only_variables_with_tangents() {
        let mut p = Point::default();
        p.values
            .insert(Symbol::from("a"), Mat::from_element(1, 1, 1.0));
        p.values
            .insert(Symbol::from("b"), Mat::from_element(1, 1, 1.0));
        p.tangents
            .insert(Symbol::from("a"), Mat::from_element(1, 1, 2.0));
        let q = p.shifted(0.5);
        assert_eq!(q.values[&Symbol::from("a")][(0, 0)], 2.0);
        assert_eq!(q.values[&Symbol::from("b")][(0, 0)], 1.0);
    }
}
