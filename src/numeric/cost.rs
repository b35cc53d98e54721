//! What evaluating an expression at a point costs, in multiply-adds, before doing it:
//! a check or a comparison that would run for minutes (a 2000×2000 inverse at every
//! point of a finite difference) is refused instead of started.

use egg::RecExpr;

use super::point::{dim_size, Point};
use crate::env::Env;
use crate::lang::{shapes_of, Math, Op};

/// Multiply-adds a second, roughly, for the dense kernels here: turns a time limit
/// into a budget.
pub const OPS_PER_SECOND: f64 = 1e9;

/// Drawing one random entry (a ChaCha draw, its page) costs about this many of the
/// multiply-adds above: a point of millions of entries takes tens of milliseconds.
pub const OPS_PER_DRAWN_ENTRY: f64 = 20.0;

/// The multiply-adds one evaluation of `expr` at `point` takes (an estimate: products
/// and cubic factorisations counted exactly, everything else by its entries).
/// Infinite when the sizes cannot be worked out.
pub fn evaluation_cost(expr: &RecExpr<Math>, env: &Env, point: &Point) -> f64 {
    let Ok(shapes) = shapes_of(expr, |v| env.shape(v)) else {
        return f64::INFINITY;
    };
    let size = |i: usize| -> Option<(f64, f64)> {
        let s = shapes[i];
        Some((
            dim_size(s.rows, point).ok()? as f64,
            dim_size(s.cols, point).ok()? as f64,
        ))
    };
    let mut total = 0.0;
    for (i, node) in expr.as_ref().iter().enumerate() {
        let Some((r, c)) = size(i) else {
            return f64::INFINITY;
        };
        total += match node {
            Math::Binary(Op::Mul, [a, _]) => {
                size(usize::from(*a)).map_or(f64::INFINITY, |(_, k)| r * k * c)
            }
            Math::Unary(Op::Inv | Op::Det | Op::LogDet | Op::Adj, [a]) => {
                size(usize::from(*a)).map_or(f64::INFINITY, |(n, _)| n * n * n)
            }
            _ => r * c,
        };
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::random_point;
    use crate::read_expr;

    #[test]
    fn products_and_inverses_are_counted() {
        let (t, env) =
            read_expr("inv(A)*B", "A: matrix(100,100); B: matrix(100,20)").expect("reads");
        let p = random_point(&env, &[], 1, false);
        let cost = evaluation_cost(&t.expr, &env, &p);
        // 100³ for the inverse, 100·100·20 for the product, and the leaves.
        assert!((1.2e6..1.3e6).contains(&cost), "{cost}");
    }
}
