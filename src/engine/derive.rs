//! The pipeline for one variable: `d f` into an e-graph, saturate with the derive
//! rules until a canonical node (`lin`, `jac`) sits in the root class, extract its
//! coefficient, simplify it in a second graph. The coefficient is the derivative in
//! numerator layout.

use egg::{Extractor, Id, RecExpr, Symbol};

use super::analysis::{MathAnalysis, MathGraph};
use super::cost::PresentationCost;
use super::explain::{fold, raw_proof, Step};
use super::saturate::{saturate, Limits, RunStats};
use super::simplify::simplify;
use crate::dim::{dim_mul, Shape};
use crate::env::Env;
use crate::error::Error;
use crate::kind::{Form, Kind};
use crate::lang::Math;
use crate::rules::{Phase, RuleSet};
use crate::typecheck::Typed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Numerator,
    Denominator,
}

/// Settings of one derivation.
#[derive(Debug, Clone)]
pub struct DeriveOptions {
    pub layout: Layout,
    pub limits: Limits,
    pub simplify_limits: Limits,
    /// Rules left out (`--without`), by name.
    pub without: Vec<String>,
    /// Record the derivation step by step (egg's explanations; slower).
    pub steps: bool,
}

impl Default for DeriveOptions {
    fn default() -> DeriveOptions {
        DeriveOptions {
            layout: Layout::Numerator,
            limits: Limits::default(),
            simplify_limits: Limits::simplify(),
            without: Vec::new(),
            steps: false,
        }
    }
}

/// A derivative and how it was found.
#[derive(Debug, Clone)]
pub struct Derivation {
    pub wrt: Symbol,
    pub kind: Kind,
    /// In numerator layout, simplified.
    pub numerator: RecExpr<Math>,
    /// In the layout asked for.
    pub derivative: RecExpr<Math>,
    pub shape: Shape,
    /// The canonical differential, `(lin C X)` or `(jac J x)`, with C as printed.
    pub differential: RecExpr<Math>,
    pub saturation: RunStats,
    pub simplification: RunStats,
    /// From `d f` to the canonical form, bookkeeping folded (with `steps`).
    pub steps: Option<Vec<Step>>,
}

/// Whether `node` is a canonical form of the differential for `form`.
fn canonical_child(egraph: &MathGraph, node: &Math, form: Form, x_scalar: bool) -> Option<Id> {
    let is_var = |x: &Id| egraph[*x].data.is_wrt;
    match (node, form) {
        (Math::Lin([c, x]), Form::Trace) if is_var(x) => Some(*c),
        (Math::Jac([c, x]), Form::Jacobian) if is_var(x) => Some(*c),
        // A scalar by a scalar reads the same either way.
        (Math::Jac([c, x]), Form::Trace) if x_scalar && is_var(x) => Some(*c),
        (Math::JacVec([c, x]), Form::VecJacobian) if is_var(x) => Some(*c),
        // vec(dx) = dx for a vector x.
        (Math::Jac([c, x]), Form::VecJacobian)
            if is_var(x) && egraph[*x].data.shape.is_vector() =>
        {
            Some(*c)
        }
        _ => None,
    }
}

fn coefficient_classes(egraph: &MathGraph, root: Id, form: Form, x_scalar: bool) -> Vec<Id> {
    let mut out: Vec<Id> = egraph[root]
        .nodes
        .iter()
        .filter_map(|n| canonical_child(egraph, n, form, x_scalar))
        .map(|c| egraph.find(c))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Derives `f` (already type-checked) with respect to `wrt`.
pub fn derive(
    f: &Typed,
    env: &Env,
    wrt: Symbol,
    rules: &RuleSet,
    opts: &DeriveOptions,
) -> Result<Derivation, Error> {
    let x_shape = env
        .shape(wrt)
        .ok_or_else(|| Error::plain(format!("`{wrt}` is not a name of the expression")))?;
    if !f
        .expr
        .as_ref()
        .iter()
        .any(|n| matches!(n, Math::Sym(s) if *s == wrt))
    {
        return Err(Error::plain(format!(
            "`{wrt}` does not occur in the expression: its derivative would be zero"
        )));
    }
    let kind = Kind::of(f.shape, x_shape);
    let form = kind.form();
    let x_scalar = x_shape.is_scalar();

    let mut egraph = MathGraph::new(MathAnalysis::new(env.clone(), Some(wrt)));
    if opts.steps {
        egraph = egraph.with_explanations_enabled();
    }
    let f_id = egraph.add_expr(&f.expr);
    // A matrix-valued function is read through d vec(F) = J vec(dX).
    let f_id = if form == Form::VecJacobian {
        egraph.add(Math::Vec(f_id))
    } else {
        f_id
    };
    let root = egraph.add(Math::D(f_id));
    egraph.rebuild();
    let goal = move |g: &MathGraph| {
        let r = g.find(root);
        g[r].data.zero || !coefficient_classes(g, r, form, x_scalar).is_empty()
    };
    // Expand first (d pushed in, sums out), then collect: re-bracketing products that
    // still hold sums multiplies the graph.
    let expand_rules = rules.rewrites(Phase::Expand, &opts.without);
    let (egraph, expansion) = saturate(egraph, &expand_rules, &opts.limits, goal);
    let derive_rules = rules.rewrites(Phase::Derive, &opts.without);
    let (mut egraph, saturation) = if expansion.stop.is_limit() || goal(&egraph) {
        (egraph, expansion)
    } else {
        let (g, s) = saturate(egraph, &derive_rules, &opts.limits, goal);
        (g, expansion.then(s))
    };
    let root = egraph.find(root);

    let c_shape = match form {
        Form::Trace => x_shape.transposed(),
        Form::Jacobian if x_scalar => f.shape,
        Form::Jacobian => Shape::new(f.shape.rows, x_shape.rows),
        Form::VecJacobian => Shape::new(
            dim_mul(f.shape.rows, f.shape.cols),
            dim_mul(x_shape.rows, x_shape.cols),
        ),
    };
    let zero = egraph[root].data.zero;
    let candidates: Vec<RecExpr<Math>> = if zero {
        vec![RecExpr::from(vec![Math::zero(c_shape)])]
    } else {
        let classes = coefficient_classes(&egraph, root, form, x_scalar);
        let extractor = Extractor::new(&egraph, PresentationCost::new(&egraph));
        let mut found: Vec<(f64, RecExpr<Math>)> = classes
            .iter()
            .map(|c| {
                let (cost, e) = extractor.find_best(*c);
                (cost.value, e)
            })
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
        found.into_iter().map(|(_, e)| e).collect()
    };
    if candidates.is_empty() {
        let why = if saturation.stop.is_limit() {
            format!("the search stopped at its {}", saturation.stop)
        } else {
            format!("the search ended ({}) without it", saturation.stop)
        };
        return Err(Error::Failed(format!(
            "could not bring d f to the form {} for `{wrt}`: {why}",
            match form {
                Form::Trace => "tr(C dX)",
                Form::Jacobian => "J dx",
                Form::VecJacobian => "J d vec(X)",
            }
        )));
    }

    let steps = if opts.steps && !zero {
        let start = differential_of(f, form);
        let end = canonical_expr(&candidates[0], wrt, form);
        raw_proof(&mut egraph, &start, &end).map(|s| fold(s, rules))
    } else {
        None
    };
    let simplify_rules = rules.rewrites(Phase::Simplify, &opts.without);
    let want_t = opts.layout == Layout::Denominator;
    let simplified = simplify(
        &candidates,
        env,
        &simplify_rules,
        &opts.simplify_limits,
        want_t,
    );
    let numerator = simplified.expr;
    let derivative = simplified.transposed.unwrap_or_else(|| numerator.clone());
    let shape = crate::shapes::shapes_of(&derivative, env)
        .ok()
        .and_then(|s| s.last().copied())
        .unwrap_or(c_shape);
    let differential = canonical_expr(&numerator, wrt, form);
    Ok(Derivation {
        wrt,
        kind,
        numerator,
        derivative,
        shape,
        differential,
        saturation,
        simplification: simplified.stats,
        steps,
    })
}

/// `(d f)`, or `(d (vec f))` when the Jacobian is read through vec.
fn differential_of(f: &Typed, form: Form) -> RecExpr<Math> {
    let mut nodes = f.expr.as_ref().to_vec();
    if form == Form::VecJacobian {
        nodes.push(Math::Vec(Id::from(nodes.len() - 1)));
    }
    nodes.push(Math::D(Id::from(nodes.len() - 1)));
    RecExpr::from(nodes)
}

/// `(lin C X)` / `(jac J x)` / `(jacv J X)` around a coefficient.
fn canonical_expr(c: &RecExpr<Math>, wrt: Symbol, form: Form) -> RecExpr<Math> {
    let mut nodes = c.as_ref().to_vec();
    let c_id = Id::from(nodes.len() - 1);
    nodes.push(Math::Sym(wrt));
    let x_id = Id::from(nodes.len() - 1);
    nodes.push(match form {
        Form::Trace => Math::Lin([c_id, x_id]),
        Form::Jacobian => Math::Jac([c_id, x_id]),
        Form::VecJacobian => Math::JacVec([c_id, x_id]),
    });
    RecExpr::from(nodes)
}
