//! Are two expressions equal? Numbers first (a counterexample settles it at once),
//! then a proof: both sides in one e-graph with explanations, saturated with the
//! algebraic rules until they share a class.

use egg::RecExpr;

use super::analysis::{MathAnalysis, MathGraph};
use super::derive::DeriveOptions;
use super::explain::{fold, raw_proof, Step};
use super::saturate::{saturate, RunStats, Stop};
use crate::env::Env;
use crate::error::Error;
use crate::lang::Math;
use crate::numeric::{eval, rel_err, try_random_point, try_random_point_reversed, Mat, Point};
use crate::rules::{Phase, RuleSet};
use crate::typecheck::Typed;

/// Random points tried before believing two sides equal, and the tolerance.
pub const POINTS: usize = 5;
const TOLERANCE: f64 = 1e-9;

/// Values at which two sides differ.
#[derive(Debug, Clone)]
pub struct Counterexample {
    pub point: Point,
    pub left: Mat,
    pub right: Mat,
    pub rel_err: f64,
}

#[derive(Debug, Clone)]
pub enum Verdict {
    /// Proved: the chain of steps from the first side to the second.
    Equal {
        proof: Vec<Step>,
    },
    NotEqual {
        counterexample: Box<Counterexample>,
    },
    /// No proof within the limits, but equal at `points` random points.
    Unknown {
        points: usize,
        stop: Stop,
    },
}

#[derive(Debug, Clone)]
pub struct Equivalence {
    pub verdict: Verdict,
    pub stats: Option<RunStats>,
}

/// Compares `a` and `b` (type-checked together, so they share `env`).
pub fn equiv(
    a: &Typed,
    b: &Typed,
    env: &Env,
    rules: &RuleSet,
    opts: &DeriveOptions,
) -> Result<Equivalence, Error> {
    if a.shape != b.shape {
        return Err(Error::plain(format!(
            "the two sides have different shapes: {} and {}",
            a.shape, b.shape
        )));
    }
    let points = match numeric_comparison(a, b, env) {
        Ok(n) => n,
        Err(c) => {
            return Ok(Equivalence {
                verdict: Verdict::NotEqual { counterexample: c },
                stats: None,
            })
        }
    };
    let mut egraph =
        MathGraph::new(MathAnalysis::new(env.clone(), None)).with_explanations_enabled();
    let (ia, ib) = (egraph.add_expr(&a.expr), egraph.add_expr(&b.expr));
    egraph.rebuild();
    let rewrites = rules.rewrites(Phase::Prove, &opts.without);
    let goal = move |g: &MathGraph| g.find(ia) == g.find(ib);
    let (mut egraph, stats) = saturate(egraph, &rewrites, &opts.limits, goal);
    let verdict = match raw_proof(&mut egraph, &a.expr, &b.expr) {
        Some(steps) => Verdict::Equal {
            proof: fold(steps, rules),
        },
        None => Verdict::Unknown {
            points,
            stop: stats.stop.clone(),
        },
    };
    Ok(Equivalence {
        verdict,
        stats: Some(stats),
    })
}

/// Evaluates both sides at random points: the number of points where they agree, or
/// the first counterexample.
fn numeric_comparison(a: &Typed, b: &Typed, env: &Env) -> Result<usize, Box<Counterexample>> {
    let extra = dims_of(&[&a.expr, &b.expr]);
    let mut agreed = 0;
    for seed in 0..POINTS as u64 * 4 {
        if agreed == POINTS {
            break;
        }
        // Entries of either sign or positive, sizes in either order (X'X is singular
        // when X is wide): a side undefined at one point is tried at another.
        let positive = seed % 2 == 1;
        let drawn = if seed % 4 < 2 {
            try_random_point(env, &extra, 100 + seed, positive)
        } else {
            try_random_point_reversed(env, &extra, 100 + seed, positive)
        };
        let Ok(point) = drawn else {
            continue;
        };
        let (Ok(left), Ok(right)) = (eval(&a.expr, &point), eval(&b.expr, &point)) else {
            continue;
        };
        let err = rel_err(&left, &right);
        if err.is_nan() || err > TOLERANCE {
            return Err(Box::new(Counterexample {
                point,
                left,
                right,
                rel_err: err,
            }));
        }
        agreed += 1;
    }
    Ok(agreed)
}

/// Size symbols used by constants (`ones(k)`, `I`) that no variable names.
fn dims_of(exprs: &[&RecExpr<Math>]) -> Vec<crate::dim::Dim> {
    let mut out = Vec::new();
    for e in exprs {
        for n in e.as_ref() {
            if let Math::Const(c) = n {
                let s = c.shape();
                out.push(s.rows);
                out.push(s.cols);
            }
        }
    }
    out
}
