//! The collecting pass: from `d f` (linear in the differentials) to the canonical forms
//! tr(C dX) and J vec(dX), the adjoint way. Starting from `(lin 1 d f)` (or
//! `(jacv I d f)`), each node of `d f` passes its coefficient to the operand holding the
//! differential, by the first collect rule that fits; a node reached from several
//! parents sums what they send (reverse mode), so every node is visited once, after all
//! its parents. What reaches `(d X)` is the derivative by X.

use std::collections::HashMap;

use egg::{Id, Language, Searcher, Subst, Symbol};
use indexmap::IndexMap;

use super::forward::Directed;
use crate::analysis::MathGraph;
use crate::error::Error;
use crate::lang::{Math, Op};
use crate::rules::heads::OpSet;
use crate::rules::template::{TNode, Template};
use crate::rules::{Phase, Rule, RuleSet};

/// Which canonical form is collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// tr(C T), for a scalar f.
    Lin,
    /// J vec(T), for a vector or matrix f.
    JacV,
}

impl Form {
    fn op(self) -> Op {
        match self {
            Form::Lin => Op::Lin,
            Form::JacV => Op::JacV,
        }
    }
}

/// One term of a collect rule's right-hand side: the coefficient's template node, the
/// operand it goes to, and its sign.
struct Term {
    coefficient: usize,
    operand: egg::Var,
    negated: bool,
}

/// The terms of a right-hand side that is a signed sum of `(lin C ?t)`/`(jacv J ?t)`.
fn terms(t: &Template, at: usize, negated: bool, form: Op, out: &mut Vec<Term>) -> bool {
    match &t.nodes[at] {
        TNode::Node(Math::Binary(Op::Add, [a, b])) => {
            terms(t, usize::from(*a), negated, form, out)
                && terms(t, usize::from(*b), negated, form, out)
        }
        TNode::Node(Math::Binary(Op::Sub, [a, b])) => {
            terms(t, usize::from(*a), negated, form, out)
                && terms(t, usize::from(*b), !negated, form, out)
        }
        TNode::Node(Math::Unary(Op::Neg, [a])) => terms(t, usize::from(*a), !negated, form, out),
        TNode::Node(Math::Binary(op, [c, x])) if *op == form => match &t.nodes[usize::from(*x)] {
            TNode::Var(v) => {
                out.push(Term {
                    coefficient: usize::from(*c),
                    operand: *v,
                    negated,
                });
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// A collect rule ready for the pass.
struct CollectRule<'r> {
    directed: Directed<'r>,
    /// The variable the left-hand side binds to the coefficient.
    coefficient: egg::Var,
    terms: Vec<Term>,
}

/// The rules of one form, checked to be signed sums of canonical terms.
fn rules_of<'r>(
    rules: &'r RuleSet,
    without: &[String],
    form: Form,
    present: OpSet,
) -> Result<Vec<CollectRule<'r>>, Error> {
    let mut out = Vec::new();
    for directed in Directed::of(rules, Phase::Collect, without, Some(present)) {
        let rule: &Rule = directed.rule;
        let Some(egg::ENodeOrVar::ENode(Math::Binary(op, [c, _]))) = rule.lhs.ast.as_ref().last()
        else {
            continue;
        };
        if *op != form.op() {
            continue;
        }
        let Some(egg::ENodeOrVar::Var(coefficient)) =
            rule.lhs.ast.as_ref().get(usize::from(*c)).cloned()
        else {
            return Err(Error::plain(format!(
                "collect rule `{}`: the coefficient must be a variable",
                rule.name
            )));
        };
        let mut ts = Vec::new();
        let root = rule.rhs.nodes.len() - 1;
        if !terms(&rule.rhs, root, false, form.op(), &mut ts) {
            return Err(Error::plain(format!(
                "collect rule `{}`: the right-hand side must be a signed sum of ({} C ?t) terms",
                rule.name,
                form.op().name()
            )));
        }
        out.push(CollectRule {
            directed,
            coefficient,
            terms: ts,
        });
    }
    Ok(out)
}

/// What the pass found: the coefficient reaching each variable, and the rules used.
pub struct Collected {
    pub coefficients: IndexMap<Symbol, Id>,
    pub applied: Vec<(Id, String)>,
}

/// Collects `root` (a term of `d f`) with the starting coefficient `seed`.
#[allow(clippy::too_many_arguments)] // the pass's inputs; a struct would only rename them
pub fn collect(
    g: &mut MathGraph,
    rules: &RuleSet,
    without: &[String],
    form: Form,
    root: Id,
    seed: Id,
    wrt: &[Symbol],
    deadline: Option<std::time::Instant>,
) -> Result<Collected, Error> {
    run(g, rules, without, form, root, seed, wrt, None, deadline)
}

/// The terms still to collect after each rule: `(coefficient, term)` pairs.
pub type Frontier = Vec<(Id, Id)>;

/// Like `collect`, returning the frontier after each rule application (for steps).
#[allow(clippy::too_many_arguments)] // collect's inputs
pub fn collect_traced(
    g: &mut MathGraph,
    rules: &RuleSet,
    without: &[String],
    form: Form,
    root: Id,
    seed: Id,
    wrt: &[Symbol],
    deadline: std::time::Instant,
) -> Result<Vec<(Frontier, String)>, Error> {
    let mut trace = Vec::new();
    run(
        g,
        rules,
        without,
        form,
        root,
        seed,
        wrt,
        Some(&mut trace),
        Some(deadline),
    )?;
    Ok(trace)
}

#[allow(clippy::too_many_arguments)]
fn run(
    g: &mut MathGraph,
    rules: &RuleSet,
    without: &[String],
    form: Form,
    root: Id,
    seed: Id,
    wrt: &[Symbol],
    mut trace: Option<&mut Vec<(Frontier, String)>>,
    deadline: Option<std::time::Instant>,
) -> Result<Collected, Error> {
    // The rules that can match in f and d f (the operators of the graph so far).
    let mut present = OpSet::of_graph(g);
    present.insert(form.op());
    let crules = rules_of(rules, without, form, present)?;
    let order = parents_first(g, root);
    let mut acc: HashMap<Id, Id> = HashMap::new();
    acc.insert(g.find(root), seed);
    let mut out = Collected {
        coefficients: IndexMap::new(),
        applied: Vec::new(),
    };
    let mut finished: Vec<(Id, Id)> = Vec::new();
    for (i, t) in order.iter().enumerate() {
        let t = *t;
        if deadline.is_some_and(|d| std::time::Instant::now() > d) {
            return Err(Error::Limit(
                "the time limit ended the collection (the expression is very large)".to_string(),
            ));
        }
        let Some(coef) = acc.remove(&t) else { continue };
        if let Some(x) = differential_of_variable(g, t, wrt) {
            out.coefficients.insert(x, coef);
            finished.push((coef, t));
            continue;
        }
        let (name, sent) = apply_first(g, &crules, form, coef, t)?;
        out.applied.push((t, name.clone()));
        for (child, c) in sent {
            let child = g.find(child);
            let sum = match acc.get(&child) {
                Some(prev) => g.add(Math::binary(Op::Add, *prev, c)),
                None => c,
            };
            acc.insert(child, sum);
        }
        if let Some(trace) = trace.as_deref_mut() {
            // Terms in the order the pass will reach them, then those finished.
            let mut frontier: Frontier = order[i + 1..]
                .iter()
                .filter_map(|c| acc.get(c).map(|coef| (*coef, *c)))
                .collect();
            frontier.extend(finished.iter().copied());
            trace.push((frontier, name));
        }
    }
    Ok(out)
}

/// The variable `X` if class `t` is `(d X)` for a variable of differentiation.
fn differential_of_variable(g: &MathGraph, t: Id, wrt: &[Symbol]) -> Option<Symbol> {
    g[t].nodes.iter().find_map(|n| match n {
        Math::Unary(Op::D, [x]) => g[*x].nodes.iter().find_map(|m| match m {
            Math::Sym(s) if wrt.contains(s) => Some(*s),
            _ => None,
        }),
        _ => None,
    })
}

/// The classes under `root` that hold a differential, each after all its parents.
fn parents_first(g: &MathGraph, root: Id) -> Vec<Id> {
    let mut post: Vec<Id> = Vec::new();
    let mut seen: std::collections::HashSet<Id> = std::collections::HashSet::new();
    let mut stack: Vec<(Id, bool)> = vec![(g.find(root), false)];
    while let Some((c, expanded)) = stack.pop() {
        if expanded {
            post.push(c);
            continue;
        }
        if !seen.insert(c) || g[c].data.d_free {
            continue;
        }
        stack.push((c, true));
        // The differential of a variable is a leaf of the linear structure.
        if g[c].nodes.iter().any(|n| n.is_op(Op::D)) {
            continue;
        }
        if let Some(node) = g[c].nodes.iter().find(|n| !n.is_leaf()) {
            for k in node.children() {
                let k = g.find(*k);
                if !g[k].data.d_free && !seen.contains(&k) {
                    stack.push((k, false));
                }
            }
        }
    }
    post.reverse();
    post
}

/// The first collect rule fitting `coef` and class `t`: its name and the coefficients
/// it sends to operands of `t`.
fn apply_first(
    g: &mut MathGraph,
    rules: &[CollectRule],
    form: Form,
    coef: Id,
    t: Id,
) -> Result<(String, Vec<(Id, Id)>), Error> {
    for r in rules {
        crate::analysis::ready_for_search(g);
        let Some(matches) = r.directed.inner.search_eclass(g, t) else {
            continue;
        };
        for mut subst in matches.substs {
            subst.insert(r.coefficient, coef);
            if !r
                .directed
                .rule
                .conditions
                .iter()
                .all(|c| c.check(g, &subst))
            {
                continue;
            }
            if let Some(sent) = send(g, r, form, &subst) {
                return Ok((r.directed.rule.name.clone(), sent));
            }
        }
    }
    let what = g[t]
        .nodes
        .iter()
        .find_map(|n| n.operator())
        .map(|o| o.name().to_string())
        .unwrap_or_default();
    Err(Error::plain(format!(
        "no collect rule applies to `{what}` ({}) in the {} form: the rule set is incomplete",
        g[t].data.shape,
        form.op().name()
    )))
}

/// The coefficients one rule sends, shape-checked against the canonical form; `None`
/// if any is ill-shaped.
fn send(g: &mut MathGraph, r: &CollectRule, form: Form, subst: &Subst) -> Option<Vec<(Id, Id)>> {
    let mut out = Vec::new();
    for term in &r.terms {
        let operand = *subst.get(term.operand)?;
        let coef = add_subtree(g, &r.directed.rule.rhs, term.coefficient, subst)?;
        let coef = if term.negated {
            g.add(Math::unary(Op::Neg, coef))
        } else {
            coef
        };
        let canonical = Math::binary(form.op(), coef, operand);
        let env = &g.analysis.env;
        crate::lang::node_shape(&canonical, |c| g[c].data.shape, |n| env.shape(n)).ok()?;
        out.push((operand, coef));
    }
    Some(out)
}

/// The template's subtree at `root`, added to the graph.
fn add_subtree(g: &mut MathGraph, t: &Template, root: usize, subst: &Subst) -> Option<Id> {
    let sub = Template {
        nodes: subtree(t, root)?,
    };
    sub.add_with(g, &|v| subst.get(v).copied(), &mut |_, _| None)
}

/// The nodes of the subtree at `root`, renumbered children first.
fn subtree(t: &Template, root: usize) -> Option<Vec<TNode>> {
    let mut keep = vec![false; root + 1];
    keep[root] = true;
    for i in (0..=root).rev() {
        if keep[i] {
            if let TNode::Node(m) = &t.nodes[i] {
                for c in m.children() {
                    keep[usize::from(*c)] = true;
                }
            }
        }
    }
    let mut map: Vec<Option<usize>> = vec![None; root + 1];
    let mut out = Vec::new();
    for i in 0..=root {
        if !keep[i] {
            continue;
        }
        let n = match &t.nodes[i] {
            TNode::Node(m) => {
                let m = m
                    .clone()
                    .map_children(|c| Id::from(map[usize::from(c)].unwrap_or(0)));
                TNode::Node(m)
            }
            other => other.clone(),
        };
        map[i] = Some(out.len());
        out.push(n);
    }
    Some(out)
}
