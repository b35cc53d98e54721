//! Proofs from the e-graph: the chain of rewrites that makes two terms equal, each
//! step naming its rule. Bookkeeping rules (associativity, moving scalars, double
//! transposes) are folded into the step they serve, so a derivation reads like the
//! tutorial's.

use std::collections::HashMap;
use std::rc::Rc;

use egg::{FlatTerm, RecExpr, Symbol, TreeTerm};

use super::steps::Step;
use crate::analysis::MathGraph;
use crate::lang::Math;
use crate::rules::{base_name, RuleSet};

/// The first rewrite recorded anywhere in a flat term (a proof step rewrites once).
fn rewrite_of(term: &FlatTerm<Math>) -> Option<(Symbol, bool)> {
    if let Some(r) = term.forward_rule {
        return Some((r, false));
    }
    if let Some(r) = term.backward_rule {
        return Some((r, true));
    }
    term.children.iter().find_map(rewrite_of)
}

/// Every rewrite from `a` to `b`, which must be equal in `egraph` (built with
/// explanations enabled). Returns `None` if they are not equal.
pub fn raw_proof(
    egraph: &mut MathGraph,
    a: &RecExpr<Math>,
    b: &RecExpr<Math>,
) -> Option<Vec<Step>> {
    let (ia, ib) = (egraph.lookup_expr(a)?, egraph.lookup_expr(b)?);
    if egraph.find(ia) != egraph.find(ib) {
        return None;
    }
    let mut explanation = egraph.explain_equivalence(a, b);
    let flat = explanation.make_flat_explanation();
    Some(
        flat.iter()
            .map(|term| {
                let (rule, backward) = match rewrite_of(term) {
                    Some((r, back)) => (Some(r.to_string()), back),
                    None => (None, false),
                };
                Step {
                    expr: term.get_recexpr(),
                    rule,
                    backward,
                    folded: Vec::new(),
                }
            })
            .collect(),
    )
}

/// How many steps the flat proof that `a` equals `b` would have (saturating), counted
/// on the proof tree without writing it out; `None` if they are not equal.
pub fn proof_length(egraph: &mut MathGraph, a: &RecExpr<Math>, b: &RecExpr<Math>) -> Option<u64> {
    let (ia, ib) = (egraph.lookup_expr(a)?, egraph.lookup_expr(b)?);
    if egraph.find(ia) != egraph.find(ib) {
        return None;
    }
    let explanation = egraph.explain_equivalence(a, b);
    let mut memo: HashMap<*const TreeTerm<Math>, u64> = HashMap::new();
    Some(proof_steps(&explanation.explanation_trees, &mut memo))
}

/// Flat steps of a proof: its terms' steps, one shared where two meet.
fn proof_steps(
    proof: &[Rc<TreeTerm<Math>>],
    memo: &mut HashMap<*const TreeTerm<Math>, u64>,
) -> u64 {
    let total = proof
        .iter()
        .map(|t| term_steps(t, memo))
        .fold(0u64, u64::saturating_add);
    total
        .saturating_sub(proof.len().saturating_sub(1) as u64)
        .max(1)
}

/// Flat steps of one term: the first, then each child's proof after its first step.
fn term_steps(t: &Rc<TreeTerm<Math>>, memo: &mut HashMap<*const TreeTerm<Math>, u64>) -> u64 {
    let key = Rc::as_ptr(t);
    if let Some(n) = memo.get(&key) {
        return *n;
    }
    let n = t
        .child_proofs
        .iter()
        .map(|c| proof_steps(c, memo).saturating_sub(1))
        .fold(1u64, u64::saturating_add);
    memo.insert(key, n);
    n
}

/// Whether a rule only moves terms around (associativity, commuting scalars, …).
pub fn is_bookkeeping(rules: &RuleSet, name: &str) -> bool {
    match rules.get(name).or_else(|| rules.get(&base_name(name))) {
        Some(r) => r.bookkeeping,
        // Analysis merges (constant folding, united coefficients) are bookkeeping too.
        None => true,
    }
}

/// Folds every bookkeeping step into the next step that applies an identity; the last
/// step is always kept, so the chain still ends at the target.
pub fn fold(steps: Vec<Step>, rules: &RuleSet) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let last = steps.len().saturating_sub(1);
    for (i, mut step) in steps.into_iter().enumerate() {
        let Some(rule) = step.rule.clone() else {
            out.push(step);
            continue;
        };
        if is_bookkeeping(rules, &rule) && i != last {
            pending.push(base_name(&rule));
            continue;
        }
        step.folded = std::mem::take(&mut pending);
        if is_bookkeeping(rules, &rule) {
            // The final step is bookkeeping: name what it folds, not an identity.
            step.folded.push(base_name(&rule));
            step.rule = None;
        }
        out.push(step);
    }
    out
}
