//! The presentation graph: equal forms of the coefficients found, and the ones that
//! read best (DESIGN lesson 7). The coefficients are already correct; this search only
//! looks for simpler equal forms, within its budget, which grows with their size.

use egg::{Id, Language, RecExpr, Rewrite};

use super::extract::Cheapest;

use crate::rules::heads::OpSet;
use crate::rules::{Phase, RuleSet};

use super::cost::PresentationCost;
use super::normal::{normalise, Appearance};
use super::saturate::{saturate, Deadline, Limits, RunStats};
use crate::analysis::{MathAnalysis, MathGraph};
use crate::env::Env;
use crate::lang::Math;

/// The rules a presentation search may use: the simplification rules of a set, less
/// those left out (only the tidy ones with `tidy_only`). Each stage is given those
/// that can fire from the operators its graph holds (see `rules::heads`), so a small
/// coefficient never builds or searches the rules of operators it does not have.
#[derive(Clone, Copy)]
pub struct PresentRules<'a> {
    pub set: &'a RuleSet,
    pub without: &'a [String],
    pub tidy_only: bool,
}

impl<'a> PresentRules<'a> {
    pub fn new(set: &'a RuleSet, without: &'a [String]) -> PresentRules<'a> {
        PresentRules {
            set,
            without,
            tidy_only: false,
        }
    }

    pub fn tidy_only(self) -> PresentRules<'a> {
        PresentRules {
            tidy_only: true,
            ..self
        }
    }

    fn tidy(&self, g: &MathGraph) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.set
            .tidy_rewrites_for(Phase::Simplify, self.without, Some(OpSet::of_graph(g)))
    }

    fn full(&self, g: &MathGraph) -> Vec<Rewrite<Math, MathAnalysis>> {
        if self.tidy_only {
            return Vec::new();
        }
        self.set
            .rewrites_for(Phase::Simplify, self.without, Some(OpSet::of_graph(g)))
    }
}

/// The best-reading form of each expression, in order.
pub struct Presented {
    pub exprs: Vec<RecExpr<Math>>,
    pub stats: RunStats,
}

/// Nodes of presentation graph allowed per node of the coefficients, past the floor
/// of `Limits::simplify`: the search is bounded by the size of what it presents.
const NODES_PER_INPUT_NODE: usize = 40;
/// Iterations the tidy stage may take (a sum of k equal terms folds in k).
const TIDY_ITERATIONS: usize = 128;

/// Simplifies every expression of `exprs` in one graph (shared subterms are
/// simplified once), each with its own root; sums list their terms in `order`.
/// `limits.time` is this search's share; no stage runs past `deadline`, the end of
/// the whole request (past it, the normal forms are extracted as they are).
pub fn present(
    exprs: &[RecExpr<Math>],
    env: &Env,
    order: &Appearance,
    rules: PresentRules,
    limits: &Limits,
    deadline: Deadline,
) -> Presented {
    let mut egraph = MathGraph::new(MathAnalysis::new(env.clone(), Vec::new()));
    let mut orders: Vec<(Id, Id)> = Vec::new();
    // Alike terms of long sums and products added first (the graph would drown in
    // their orderings before finding them alike).
    let inputs: Vec<RecExpr<Math>> = exprs.iter().map(|e| normalise(e, env, order)).collect();
    let roots: Vec<Id> = inputs
        .iter()
        .map(|e| add_noting_orders(&mut egraph, e, &mut orders))
        .collect();
    crate::clock::rebuild(&mut egraph);
    let input = egraph.total_number_of_nodes();
    let limits = Limits {
        nodes: limits
            .nodes
            .max(input * NODES_PER_INPUT_NODE)
            .min(limits.nodes * 20),
        ..*limits
    };
    // The tidy rules first, alone: they only shrink terms, so they settle fast and the
    // tidy forms are there before the full search multiplies the graph.
    let started = std::time::Instant::now();
    let tidy_limits = Limits {
        time: deadline.cap(limits.time / 2),
        // They shrink terms, so many iterations are cheap; long sums need one each.
        iterations: limits.iterations.max(TIDY_ITERATIONS),
        ..limits
    };
    let tidy = rules.tidy(&egraph);
    let (egraph, first) = saturate(egraph, &tidy, &tidy_limits, |_| false);
    let rest = Limits {
        time: deadline.cap(limits.time.saturating_sub(started.elapsed())),
        ..limits
    };
    let full = rules.full(&egraph);
    let (egraph, second) = saturate(egraph, &full, &rest, settled(roots.clone()));
    // And once more at the end: the forms the full search found last get tidied too
    // (its node limit may have stopped it just before).
    let last = Limits {
        // egg counts the hash-cons table, which holds more than the classes' nodes.
        nodes: egraph.total_size() + egraph.total_size() / 2 + 100,
        time: deadline.cap(
            limits
                .time
                .saturating_sub(started.elapsed())
                .max(limits.time / 10),
        ),
        ..tidy_limits
    };
    let tidy = rules.tidy(&egraph);
    let (egraph, third) = saturate(egraph, &tidy, &last, |_| false);
    // The main search's stop is the one that says whether the form may not be simplest.
    let main_stop = second.stop.clone();
    let mut stats = first.then(second).then(third);
    stats.stop = main_stop;
    let (mut egraph, exprs) = extract_normalised(egraph, &roots, &orders, env, order);
    // The normal form may hold terms the graph never saw (sum(-y) is -sum(y)): they
    // join their classes, the tidy rules get one more pass at them, and the best form
    // is taken again.
    let grown: Vec<bool> = roots
        .iter()
        .zip(&exprs)
        .map(|(r, e)| {
            let id = egraph.add_expr(e);
            egraph.union(*r, id)
        })
        .collect();
    if !grown.iter().any(|g| *g) {
        return Presented { exprs, stats };
    }
    crate::clock::rebuild(&mut egraph);
    let again = Limits {
        nodes: egraph.total_size() + egraph.total_size() / 4 + 100,
        time: deadline.cap(
            limits
                .time
                .saturating_sub(started.elapsed())
                .max(limits.time / 10),
        ),
        iterations: 8,
        ..limits
    };
    let tidy = rules.tidy(&egraph);
    let (egraph, fourth) = saturate(egraph, &tidy, &again, |_| false);
    stats = RunStats {
        stop: stats.stop.clone(),
        ..stats.then(fourth)
    };
    let (_, exprs) = extract_normalised(egraph, &roots, &orders, env, order);
    Presented { exprs, stats }
}

/// The cheapest form of each root, keeping the input's operand orders where costs
/// tie, in normal form.
fn extract_normalised(
    egraph: MathGraph,
    roots: &[Id],
    orders: &[(Id, Id)],
    env: &Env,
    order: &Appearance,
) -> (MathGraph, Vec<RecExpr<Math>>) {
    let mut cost = PresentationCost::new(&egraph);
    cost.preferred = orders
        .iter()
        .map(|(a, b)| (egraph.find(*a), egraph.find(*b)))
        .collect();
    let extractor = Cheapest::new(&egraph, cost);
    let exprs = roots
        .iter()
        .map(|r| normalise(&extractor.term(*r), env, order))
        .collect();
    drop(extractor);
    (egraph, exprs)
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
        if let Math::Binary(crate::lang::Op::Add | crate::lang::Op::HMul, [a, b]) = node {
            orders.push((a, b));
        }
        ids.push(egraph.add(node));
    }
    ids.last()
        .copied()
        .unwrap_or_else(|| egraph.add(Math::zero(crate::shape::Shape::scalar())))
}

/// Iterations without a better presentation after which the search stops: the graph
/// keeps growing, but the forms that would be printed have settled. A small graph is
/// cheap to saturate and may still find a better form late, so it waits longer.
const PATIENCE: usize = 3;
const SMALL_GRAPH_PATIENCE: usize = 6;
const SMALL_GRAPH: usize = 500;

/// A goal for the simplification: the best presentation of the roots has not improved
/// for `PATIENCE` iterations (`SMALL_GRAPH_PATIENCE` in a graph of at most
/// `SMALL_GRAPH` nodes).
fn settled(roots: Vec<Id>) -> impl Fn(&MathGraph) -> bool + 'static {
    let best = std::cell::Cell::new(f64::INFINITY);
    let stale = std::cell::Cell::new(0usize);
    move |g: &MathGraph| {
        let extractor = Cheapest::new(g, PresentationCost::new(g));
        let cost: f64 = roots
            .iter()
            .map(|r| extractor.cost(*r).map_or(f64::INFINITY, |c| c.value))
            .sum();
        if cost < best.get() - 1e-9 {
            best.set(cost);
            stale.set(0);
        } else {
            stale.set(stale.get() + 1);
        }
        let patience = if g.total_number_of_nodes() <= SMALL_GRAPH {
            SMALL_GRAPH_PATIENCE
        } else {
            PATIENCE
        };
        stale.get() >= patience
    }
}
