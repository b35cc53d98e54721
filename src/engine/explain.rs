//! Proofs from the e-graph: the chain of rewrites that makes two terms equal, each
//! step naming its rule. Bookkeeping rules (associativity, moving scalars, double
//! transposes) are folded into the step they serve, so a derivation reads like the
//! tutorial's.

use egg::{FlatTerm, RecExpr, Symbol};

use super::analysis::MathGraph;
use crate::lang::Math;
use crate::rules::{base_name, RuleSet};

/// One line of a proof: the term after the rewrite, and the rules that led to it
/// (the identity last, folded bookkeeping before it).
#[derive(Debug, Clone)]
pub struct Step {
    pub expr: RecExpr<Math>,
    /// The identity this step applies; `None` for the starting term.
    pub rule: Option<String>,
    /// Whether the identity was used right to left.
    pub backward: bool,
    /// Bookkeeping rules folded into this step, in order.
    pub folded: Vec<String>,
}

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
