//! `--steps`: the derivation as the tutorial writes it. First `d` is pushed inward, one
//! rule per line (the outermost differential first, every occurrence of a shared
//! subterm at once); then the terms are collected into the canonical form, one collect
//! rule per line, each line a sum of tr(C T) (or J vec(T)) terms with its coefficients
//! tidied by a small presentation search; last, the simplified derivative. Every line
//! is equal to `d f`, which the tests check numerically.

use std::collections::HashMap;

use egg::{Id, Language, RecExpr, Searcher, Symbol};

use super::derive::{canonical_expr, DeriveOptions};
use super::forward::{Directed, Forward, Seed};
use super::normal::{appearance, Appearance};
use super::saturate::{Deadline, Limits};
use super::simplify::{present, PresentRules};
use crate::analysis::{MathAnalysis, MathGraph};
use crate::env::Env;
use crate::error::Error;
use crate::kind::{Form, Kind};
use crate::lang::{Const, Math, Op};
use crate::rules::{Phase, RuleSet};
use crate::typecheck::Typed;

/// One line of a derivation or proof: the term after the rewrite, and the rules that
/// led to it (the identity last, folded bookkeeping before it).
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

impl Step {
    fn new(expr: RecExpr<Math>, rule: Option<String>) -> Step {
        Step {
            expr,
            rule,
            backward: false,
            folded: Vec::new(),
        }
    }
}

/// The steps from `d f` to the canonical form of the derivative by `x`, whose
/// simplified coefficient is `numerator`.
pub fn derivation_steps(
    f: &Typed,
    env: &Env,
    x: Symbol,
    rules: &RuleSet,
    opts: &DeriveOptions,
    numerator: &RecExpr<Math>,
    deadline: Deadline,
) -> Result<Vec<Step>, Error> {
    let x_shape = env.shape(x).unwrap_or_else(crate::shape::Shape::scalar);
    let kind = Kind::of(f.shape, x_shape);
    let mut g = MathGraph::new(MathAnalysis::new(env.clone(), vec![x]));
    let mut fwd = Forward::new(rules, &opts.without, vec![x], Seed::Differential)
        .with_deadline(deadline.instant());
    // A Jacobian is read from d vec(f): the steps differentiate vec(f), so that every
    // line is the same column.
    let mut fe = f.expr.clone();
    if kind.form() == Form::VecJacobian && !f.shape.is_vector() {
        let root = Id::from(fe.as_ref().len() - 1);
        fe.add(Math::unary(Op::Vec, root));
    }
    let df = fwd.run(&mut g, &fe)?;
    let root = g
        .lookup_expr(&fe)
        .ok_or_else(|| Error::plain("f is not in its graph"))?;
    let mut steps = forward_steps(&mut g, root, &fwd, rules, opts, deadline)?;
    // The collecting steps, read off the pass itself.
    if kind.form() != Form::ByScalar {
        steps.extend(collect_steps(
            &mut g,
            env,
            &appearance(&[&f.expr]),
            df,
            kind.form(),
            x,
            rules,
            opts,
            deadline,
        )?);
    }
    let last = canonical_expr(numerator, x, kind.form(), x_shape);
    steps.push(Step::new(last, Some("simplify".to_string())));
    Ok(steps)
}

/// The rule each class of f was differentiated by, with its expansion one level deep
/// (the differentials of the operands left as `d …`).
fn forward_steps(
    g: &mut MathGraph,
    root: Id,
    fwd: &Forward,
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Result<Vec<Step>, Error> {
    let directed = Directed::of(rules, Phase::Differential, &opts.without, None);
    let mut expansion: HashMap<Id, (Id, String)> = HashMap::new();
    for (c, name) in &fwd.applied {
        let Some(d) = directed.iter().find(|d| d.rule.name == *name) else {
            continue;
        };
        crate::analysis::ready_for_search(g);
        let Some(m) = d.inner.search_eclass(g, *c) else {
            continue;
        };
        for subst in m.substs {
            if !d.rule.conditions.iter().all(|k| k.check(g, &subst)) {
                continue;
            }
            let built = d.rule.rhs.add_with(
                g,
                &|v| subst.get(v).copied(),
                &mut |g: &mut MathGraph, child| Some(g.add(Math::unary(Op::D, child))),
            );
            if let Some(b) = built {
                expansion.insert(g.find(*c), (b, name.to_string()));
                break;
            }
        }
    }
    // Expand from the root: each line replaces the outermost differential not yet
    // expanded (all its occurrences) by its rule's right-hand side.
    let start = g.add(Math::unary(Op::D, root));
    let mut current = start;
    let mut steps = vec![Step::new(extract(g, current), None)];
    let mut done: std::collections::HashSet<Id> = std::collections::HashSet::new();
    for _ in 0..10_000 {
        in_time(deadline)?;
        let Some(target) = outermost_differential(g, current, &expansion, &done) else {
            break;
        };
        done.insert(target);
        let (replacement, name) = expansion[&target].clone();
        current = replace(g, current, target, replacement);
        steps.push(Step::new(extract(g, current), Some(name)));
    }
    Ok(steps)
}

/// The class `c` of f whose differential `(d c)` appears first (breadth first) under
/// `at` and has an expansion not yet used.
fn outermost_differential(
    g: &MathGraph,
    at: Id,
    expansion: &HashMap<Id, (Id, String)>,
    done: &std::collections::HashSet<Id>,
) -> Option<Id> {
    let mut queue = std::collections::VecDeque::from([at]);
    let mut seen = std::collections::HashSet::new();
    while let Some(c) = queue.pop_front() {
        let c = g.find(c);
        if !seen.insert(c) {
            continue;
        }
        let node = &g[c].nodes[0];
        if let Math::Unary(Op::D, [inner]) = node {
            let inner = g.find(*inner);
            if expansion.contains_key(&inner) && !done.contains(&inner) {
                return Some(inner);
            }
            continue;
        }
        queue.extend(node.children().iter().copied());
    }
    None
}

/// `at` with every `(d target)` replaced by `replacement` (classes have one node each
/// in this graph, so the walk is over a DAG).
fn replace(g: &mut MathGraph, at: Id, target: Id, replacement: Id) -> Id {
    let mut memo: HashMap<Id, Id> = HashMap::new();
    replace_in(g, at, target, replacement, &mut memo)
}

fn replace_in(
    g: &mut MathGraph,
    at: Id,
    target: Id,
    replacement: Id,
    memo: &mut HashMap<Id, Id>,
) -> Id {
    let at = g.find(at);
    if let Some(r) = memo.get(&at) {
        return *r;
    }
    let node = g[at].nodes[0].clone();
    let out = match &node {
        Math::Unary(Op::D, [inner]) if g.find(*inner) == g.find(target) => replacement,
        Math::Unary(Op::D, _) => at,
        n if n.is_leaf() => at,
        n => {
            let kids: Vec<Id> = n.children().to_vec();
            let new: Vec<Id> = kids
                .iter()
                .map(|k| replace_in(g, *k, target, replacement, memo))
                .collect();
            if new == kids {
                at
            } else {
                let mut it = new.into_iter();
                let m = n.clone().map_children(|_| it.next().unwrap_or(Id::from(0)));
                g.add(m)
            }
        }
    };
    memo.insert(at, out);
    out
}

/// The term of class `c`, taking each class's first node (this graph is not saturated).
fn extract(g: &MathGraph, c: Id) -> RecExpr<Math> {
    let node = g[g.find(c)].nodes[0].clone();
    node.build_recexpr(|id| g[g.find(id)].nodes[0].clone())
}

/// The collecting pass replayed line by line: each line is the sum of the terms still
/// to collect, every coefficient tidied.
#[allow(clippy::too_many_arguments)]
fn collect_steps(
    g: &mut MathGraph,
    env: &Env,
    order: &Appearance,
    df: Id,
    form: Form,
    x: Symbol,
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Result<Vec<Step>, Error> {
    let (cform, seed) = match form {
        Form::Trace => (super::collect::Form::Lin, g.add(Math::num(1.0))),
        _ => {
            let n = g[df].data.shape.size();
            let eye = if n.is_one() {
                Math::num(1.0)
            } else {
                Math::Const(Const::Eye(n))
            };
            (super::collect::Form::JacV, g.add(eye))
        }
    };
    let op = if cform == super::collect::Form::Lin {
        Op::Lin
    } else {
        Op::JacV
    };
    let trace = super::collect::collect_traced(
        g,
        rules,
        &opts.without,
        cform,
        df,
        seed,
        &[x],
        deadline.instant(),
    )?;
    let small = Limits {
        nodes: 400,
        iterations: 4,
        time: std::time::Duration::from_millis(50),
        match_limit: 100,
    };
    let mut steps = Vec::new();
    for (frontier, name) in trace {
        // The coefficients tidied, each term printed as tr(C T) or J vec(T).
        let coefs: Vec<RecExpr<Math>> = frontier.iter().map(|(c, _)| extract(g, *c)).collect();
        in_time(deadline)?;
        let tidy = present(
            &coefs,
            env,
            order,
            PresentRules::new(rules, &opts.without),
            &small,
            deadline,
        )
        .exprs;
        let mut e: RecExpr<Math> = RecExpr::default();
        let mut sum: Option<Id> = None;
        for ((_, t), c) in frontier.iter().zip(tidy) {
            let c_id = append(&mut e, &c);
            let t_id = append(&mut e, &extract(g, *t));
            let term = e.add(Math::binary(op, c_id, t_id));
            sum = Some(match sum {
                Some(s) => e.add(Math::binary(Op::Add, s, term)),
                None => term,
            });
        }
        if sum.is_some() {
            steps.push(Step::new(e, Some(name)));
        }
    }
    Ok(steps)
}

/// Appends the nodes of `part` to `e`; returns the id of its root.
fn append(e: &mut RecExpr<Math>, part: &RecExpr<Math>) -> Id {
    let base = e.as_ref().len();
    let mut last = Id::from(base);
    for n in part.as_ref() {
        last = e.add(n.clone().map_children(|c| Id::from(base + usize::from(c))));
    }
    last
}

/// Steps are a report on a derivation already found: past the request's deadline they
/// stop with a limit error rather than run on.
fn in_time(deadline: Deadline) -> Result<(), Error> {
    if deadline.passed() {
        Err(Error::Limit(
            "the time limit ended the derivation steps (ask without --steps, or with a longer --time-limit-ms)".to_string(),
        ))
    } else {
        Ok(())
    }
}
