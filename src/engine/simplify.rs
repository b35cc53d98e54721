//! The second, small e-graph: equal forms of the extracted coefficient, and the one
//! that reads best (DESIGN lesson 7).

use egg::{Extractor, Id, Language, RecExpr, Rewrite};

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
    let mut orders: Vec<(Id, Id)> = Vec::new();
    let ids: Vec<Id> = exprs
        .iter()
        .map(|e| add_noting_orders(&mut egraph, e, &mut orders))
        .collect();
    let root = ids[0];
    for id in &ids[1..] {
        egraph.union_trusted(root, *id, "same-coefficient");
    }
    let transposed = want_transpose.then(|| egraph.add(Math::Trans(root)));
    egraph.rebuild();
    let (egraph, stats) = saturate(egraph, rules, limits, settled(root));
    let mut cost = PresentationCost::new(&egraph);
    cost.preferred = orders
        .iter()
        .map(|(a, b)| (egraph.find(*a), egraph.find(*b)))
        .collect();
    let extractor = Extractor::new(&egraph, cost);
    Simplified {
        expr: extractor.find_best(egraph.find(root)).1,
        transposed: transposed.map(|t| extractor.find_best(egraph.find(t)).1),
        stats,
    }
}

/// Adds `expr` node by node, noting the operand order of its sums and Hadamard
/// products, so that extraction can keep the order the input had.
fn add_noting_orders(
    egraph: &mut MathGraph,
    expr: &RecExpr<Math>,
    orders: &mut Vec<(Id, Id)>,
) -> Id {
    let mut ids: Vec<Id> = Vec::with_capacity(expr.as_ref().len());
    for node in expr.as_ref() {
        let node = node.clone().map_children(|c| ids[usize::from(c)]);
        if let Math::Add([a, b]) | Math::HMul([a, b]) = node {
            orders.push((a, b));
        }
        ids.push(egraph.add(node));
    }
    ids.last()
        .copied()
        .unwrap_or_else(|| egraph.add(Math::zero(crate::dim::Shape::scalar())))
}

/// Iterations without a better presentation after which the search stops: the graph
/// keeps growing, but the form that would be printed has settled. A small graph is
/// cheap to saturate and may still find a better form late, so it always runs on.
const PATIENCE: usize = 3;
const SMALL_GRAPH: usize = 500;

/// A goal for the simplification: the best presentation of `root` has not improved for
/// `PATIENCE` iterations, in a graph past `SMALL_GRAPH` nodes.
fn settled(root: Id) -> impl Fn(&MathGraph) -> bool + 'static {
    let best = std::cell::Cell::new(f64::INFINITY);
    let stale = std::cell::Cell::new(0usize);
    move |g: &MathGraph| {
        let cost = Extractor::new(g, PresentationCost::new(g))
            .find_best_cost(g.find(root))
            .value;
        if cost < best.get() - 1e-9 {
            best.set(cost);
            stale.set(0);
        } else {
            stale.set(stale.get() + 1);
        }
        stale.get() >= PATIENCE && g.total_number_of_nodes() > SMALL_GRAPH
    }
}
