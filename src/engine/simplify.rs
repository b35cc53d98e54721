//! The second, small e-graph: equal forms of the extracted coefficient, and the one
//! that reads best (DESIGN lesson 7).

use egg::{Extractor, RecExpr, Rewrite};

use super::analysis::{MathAnalysis, MathGraph};
use super::cost::PresentationCost;
use super::saturate::{saturate, Limits, RunStats};
use crate::env::Env;
use crate::lang::Math;

/// The simplified forms of a coefficient and, on request, of its transpose.
pub struct Simplified {
    pub expr: RecExpr<Math>,
    pub transposed: Option<RecExpr<Math>>,
    pub stats: RunStats,
}

/// The best-reading form of `exprs`, which must all be equal (they are united first).
pub fn simplify(
    exprs: &[RecExpr<Math>],
    env: &Env,
    rules: &[Rewrite<Math, MathAnalysis>],
    limits: &Limits,
    want_transpose: bool,
) -> Simplified {
    let mut egraph = MathGraph::new(MathAnalysis::new(env.clone(), None));
    let ids: Vec<egg::Id> = exprs.iter().map(|e| egraph.add_expr(e)).collect();
    let root = ids[0];
    for id in &ids[1..] {
        egraph.union_trusted(root, *id, "same-coefficient");
    }
    let transposed = want_transpose.then(|| egraph.add(Math::Trans(root)));
    egraph.rebuild();
    let (egraph, stats) = saturate(egraph, rules, limits, |_| false);
    let extractor = Extractor::new(&egraph, PresentationCost { egraph: &egraph });
    Simplified {
        expr: extractor.find_best(egraph.find(root)).1,
        transposed: transposed.map(|t| extractor.find_best(egraph.find(t)).1),
        stats,
    }
}
