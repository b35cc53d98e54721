//! Are two expressions equal? Numbers first (a counterexample settles it at once),
//! then a proof: both sides in one e-graph with explanations, saturated with the
//! algebraic rules until they share a class.

use super::explain::{fold, proof_length, raw_proof};
use super::saturate::{saturate, Limits, RunStats, Stop};
use super::steps::Step;
use crate::analysis::{MathAnalysis, MathGraph};
use crate::env::Env;
use crate::error::Error;
use crate::numeric::{
    const_dims, eval, evaluation_cost, point_entries, rel_err, try_random_point,
    try_random_point_reversed, Mat, Point, OPS_PER_DRAWN_ENTRY, OPS_PER_SECOND,
};
use crate::rules::heads::OpSet;
use crate::rules::{Phase, RuleSet};
use crate::typecheck::Typed;

/// Settings of one equivalence check.
#[derive(Debug, Clone)]
pub struct EquivOptions {
    pub limits: Limits,
    /// Rules left out (`--without`), by name.
    pub without: Vec<String>,
    /// Whether a proof is wanted, or only the verdict (no explanations are kept).
    pub proof: bool,
}

impl Default for EquivOptions {
    fn default() -> EquivOptions {
        EquivOptions {
            limits: Limits::default(),
            without: Vec::new(),
            proof: true,
        }
    }
}

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

impl Counterexample {
    /// The values on one line each: `x = [[…]]`, then both sides.
    pub fn describe(&self) -> String {
        let compact = crate::rules::audit::compact;
        let mut out: Vec<String> = self
            .point
            .values
            .iter()
            .map(|(name, v)| format!("{name} = {}", compact(v)))
            .collect();
        out.push(format!("left = {}", compact(&self.left)));
        out.push(format!("right = {}", compact(&self.right)));
        out.join("; ")
    }
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
    /// Not equal: the two sides do not even have one shape.
    DifferentShapes {
        left: crate::shape::Shape,
        right: crate::shape::Shape,
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
    /// Why an `Equal` verdict has no proof (not asked for, or too long to print).
    pub note: Option<String>,
}

/// The longest proof written out, in steps: a proof can share subproofs that its
/// flat form repeats, and its flat length can grow exponentially.
pub const MAX_PROOF_STEPS: u64 = 2_000;

/// Compares `a` and `b` (type-checked together, so they share `env`).
pub fn equiv(
    a: &Typed,
    b: &Typed,
    env: &Env,
    rules: &RuleSet,
    opts: &EquivOptions,
) -> Result<Equivalence, Error> {
    if a.shape != b.shape {
        return Ok(Equivalence {
            verdict: Verdict::DifferentShapes {
                left: a.shape,
                right: b.shape,
            },
            stats: None,
            note: None,
        });
    }
    let started = std::time::Instant::now();
    let points = match numeric_comparison(a, b, env, opts.limits.time) {
        Ok(n) => n,
        Err(c) => {
            return Ok(Equivalence {
                verdict: Verdict::NotEqual { counterexample: c },
                stats: None,
                note: None,
            })
        }
    };
    let egraph = MathGraph::new(MathAnalysis::new(env.clone(), Vec::new()));
    let mut egraph = if opts.proof {
        egraph.with_explanations_enabled()
    } else {
        egraph
    };
    let (ia, ib) = (egraph.add_expr(&a.expr), egraph.add_expr(&b.expr));
    crate::clock::rebuild(&mut egraph);
    // Only the rules that can fire from the operators of the two sides.
    let rewrites = rules.rewrites_for(Phase::Prove, &opts.without, Some(OpSet::of_graph(&egraph)));
    let goal = move |g: &MathGraph| g.find(ia) == g.find(ib);
    let limits = Limits {
        time: opts.limits.time.saturating_sub(started.elapsed()),
        ..opts.limits
    };
    let (mut egraph, stats) = saturate(egraph, &rewrites, &limits, goal);
    let unknown = Verdict::Unknown {
        points,
        stop: stats.stop.clone(),
    };
    let (verdict, note) = if egraph.find(ia) != egraph.find(ib) {
        (unknown, None)
    } else if !opts.proof {
        (
            Verdict::Equal { proof: Vec::new() },
            Some("no proof was asked for".to_string()),
        )
    } else {
        match proof_length(&mut egraph, &a.expr, &b.expr) {
            Some(n) if n > MAX_PROOF_STEPS => (
                Verdict::Equal { proof: Vec::new() },
                Some(format!(
                    "proved, but the proof is too long to write out ({n} steps)"
                )),
            ),
            _ => match raw_proof(&mut egraph, &a.expr, &b.expr) {
                Some(steps) => (
                    Verdict::Equal {
                        proof: fold(steps, rules),
                    },
                    None,
                ),
                None => (unknown, None),
            },
        }
    };
    Ok(Equivalence {
        verdict,
        stats: Some(stats),
        note,
    })
}

/// Evaluates both sides at random points: the number of points where they agree, or
/// the first counterexample.
/// Past `time`, the points already agreed on are enough (one at least).
fn numeric_comparison(
    a: &Typed,
    b: &Typed,
    env: &Env,
    time: std::time::Duration,
) -> Result<usize, Box<Counterexample>> {
    let started = std::time::Instant::now();
    let extra = const_dims(&[&a.expr, &b.expr]);
    let mut agreed = 0;
    for seed in 0..POINTS as u64 * 4 {
        if agreed == POINTS || (agreed > 0 && started.elapsed() > time) {
            break;
        }
        // Entries of either sign or positive, sizes in either order (X'X is singular
        // when X is wide): a side undefined at one point is tried at another.
        let positive = seed % 2 == 1;
        let reversed = seed % 4 >= 2;
        // A point that would take longer to draw than what is left is not drawn.
        let Ok(entries) = point_entries(env, &extra, reversed) else {
            continue;
        };
        if entries as f64 * OPS_PER_DRAWN_ENTRY / OPS_PER_SECOND
            > time.saturating_sub(started.elapsed()).as_secs_f64()
        {
            break;
        }
        let drawn = if !reversed {
            try_random_point(env, &extra, 100 + seed, positive)
        } else {
            try_random_point_reversed(env, &extra, 100 + seed, positive)
        };
        let Ok(point) = drawn else {
            continue;
        };
        // A point that would take longer than what is left is not tried.
        let cost = evaluation_cost(&a.expr, env, &point) + evaluation_cost(&b.expr, env, &point);
        if cost / OPS_PER_SECOND > time.saturating_sub(started.elapsed()).as_secs_f64() {
            break;
        }
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
