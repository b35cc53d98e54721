//! The pipeline: `d f` by the forward pass, the canonical forms by the collecting pass
//! (both directed, linear in the size of f, and sharing their work between all the
//! variables asked for), then the simplest equal forms by the presentation search.
//! The coefficient of each canonical form is the derivative, in numerator layout.

use std::time::Instant;

use egg::{AstSize, CostFunction, Id, RecExpr, Symbol};

use super::collect::{collect, Form as Collected};
use super::extract::Cheapest;
use super::forward::{Forward, Seed};
use super::normal::appearance;
use super::saturate::{Deadline, Limits, RunStats, Stop};
use super::simplify::{present, PresentRules};
use super::steps::{derivation_steps, Step};
use crate::analysis::{MathAnalysis, MathGraph};
use crate::env::Env;
use crate::error::Error;
use crate::kind::{derivative_shape, Form, Kind};
use crate::lang::{Const, Math, Op};
use crate::rules::RuleSet;
use crate::shape::Shape;
use crate::typecheck::Typed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Numerator,
    Denominator,
}

pub use crate::kind::Convention;

/// Settings of one derivation.
#[derive(Debug, Clone)]
pub struct DeriveOptions {
    pub layout: Layout,
    /// Bounds on the presentation search (the directed passes need none: they are
    /// linear in the size of f).
    pub limits: Limits,
    /// Rules left out (`--without`), by name.
    pub without: Vec<String>,
    /// Record the derivation step by step.
    pub steps: bool,
    pub symmetric: Convention,
    /// The whole derivation's time budget; the directed passes stop with
    /// `Error::Limit` past it (they are linear, so only a huge input reaches it).
    pub time_limit: std::time::Duration,
}

impl Default for DeriveOptions {
    fn default() -> DeriveOptions {
        DeriveOptions {
            layout: Layout::Numerator,
            limits: Limits::simplify(),
            without: Vec::new(),
            steps: false,
            symmetric: Convention::Sym,
            time_limit: std::time::Duration::from_secs(5),
        }
    }
}

/// What the passes did, for reports.
#[derive(Debug, Clone)]
pub struct DeriveStats {
    /// Nodes of the derivation graph (f, d f and the coefficients).
    pub nodes: usize,
    /// Rule applications of the forward and collecting passes.
    pub forward_steps: usize,
    pub collect_steps: usize,
    /// Milliseconds of the passes.
    pub derive_ms: f64,
    pub simplify: RunStats,
    /// Every rule used, with its count.
    pub applied: indexmap::IndexMap<String, usize>,
    /// Ill-shaped nodes or merges the analysis saw: always 0 unless there is a bug.
    pub ill_shaped: usize,
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
    /// The shape of `derivative`.
    pub shape: Shape,
    /// The canonical differential (`tr(C dX)`, `D dx` or `J vec(dX)`) with C as printed.
    pub differential: RecExpr<Math>,
    pub stats: DeriveStats,
    /// From `d f` to the canonical form (with `steps`).
    pub steps: Option<Vec<Step>>,
    /// The convention for a symmetric variable, if the variable is one.
    pub convention: Option<Convention>,
}

/// Derives `f` (already type-checked) with respect to each of `wrt`, every phase
/// within `opts.time_limit`.
pub fn derive(
    f: &Typed,
    env: &Env,
    wrt: &[Symbol],
    rules: &RuleSet,
    opts: &DeriveOptions,
) -> Result<Vec<Derivation>, Error> {
    derive_by(f, env, wrt, rules, opts, Deadline::after(opts.time_limit))
}

/// `derive`, every phase ending by `deadline` (a Hessian's derivations share one).
pub fn derive_by(
    f: &Typed,
    env: &Env,
    wrt: &[Symbol],
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Result<Vec<Derivation>, Error> {
    for x in wrt {
        if env.shape(*x).is_none() || !occurs(f, *x) {
            return Err(Error::plain(format!(
                "`{x}` does not occur in the expression: its derivative would be zero"
            )));
        }
    }
    let start = Instant::now();
    // The variables whose coefficients one pair of passes finds together: all of them
    // for a scalar f; for a vector or matrix f, the non-scalar ones together and each
    // scalar one alone (read as D dx).
    let mut groups: Vec<(Vec<Symbol>, Form)> = Vec::new();
    let f_scalar = f.shape.is_scalar();
    let (scalars, others): (Vec<Symbol>, Vec<Symbol>) = wrt
        .iter()
        .partition(|x| env.shape(**x).is_some_and(|s| s.is_scalar()));
    if f_scalar {
        groups.push((wrt.to_vec(), Form::Trace));
    } else {
        if !others.is_empty() {
            groups.push((others, Form::VecJacobian));
        }
        for x in scalars {
            groups.push((vec![x], Form::ByScalar));
        }
    }
    let presentation = PresentRules::new(rules, &opts.without);
    let order = appearance(&[&f.expr]);
    // As by hand, f is tidied before it is differentiated: the differential of
    // sigmoid(x) is shorter than that of exp(x) ./ (1 + exp(x)).
    // Not with a symmetric variable: `S' = S` would reach f before the convention is
    // chosen, and the unconstrained derivative of S' is not that of S.
    let tidied = if wrt.iter().any(|x| env.is_symmetric(*x)) {
        f.clone()
    } else {
        tidy_input(f, env, &order, presentation.tidy_only(), opts, deadline)
    };
    let mut found: Vec<(Symbol, RecExpr<Math>, PassStats)> = Vec::new();
    for (vars, form) in &groups {
        found.extend(derive_group(
            &tidied, env, vars, *form, rules, opts, deadline,
        )?);
    }
    let derive_ms = start.elapsed().as_secs_f64() * 1000.0;

    // One presentation search for every coefficient, in numerator layout.
    let coefficients: Vec<RecExpr<Math>> = found.iter().map(|(_, c, _)| c.clone()).collect();
    let presented = present(
        &coefficients,
        env,
        &order,
        presentation,
        &opts.limits,
        deadline,
    );
    let mut simplify_stats = presented.stats.clone();
    // Then the conventions of symmetric variables and the layout, each a second small
    // search over forms that are already simple.
    let mut numerators: Vec<RecExpr<Math>> = Vec::new();
    for ((x, _, _), c) in found.iter().zip(&presented.exprs) {
        let n = if env.is_symmetric(*x) && f_scalar && opts.symmetric != Convention::None {
            let symmetric = proved_symmetric(c, env, rules, opts, deadline);
            with_convention(c, opts.symmetric, symmetric)
        } else {
            c.clone()
        };
        numerators.push(n);
    }
    let changed: Vec<usize> = (0..numerators.len())
        .filter(|i| numerators[*i] != presented.exprs[*i])
        .collect();
    let present_again = |inputs: &[RecExpr<Math>]| {
        present(inputs, env, &order, presentation, &opts.limits, deadline)
    };
    if !changed.is_empty() {
        let inputs: Vec<RecExpr<Math>> = changed.iter().map(|i| numerators[*i].clone()).collect();
        let p = present_again(&inputs);
        for (k, i) in changed.iter().enumerate() {
            numerators[*i] = p.exprs[k].clone();
        }
        simplify_stats = simplify_stats.then(p.stats);
    }
    let derivatives: Vec<RecExpr<Math>> = if opts.layout == Layout::Denominator {
        let inputs: Vec<RecExpr<Math>> = numerators.iter().map(transposed).collect();
        let p = present_again(&inputs);
        simplify_stats = simplify_stats.then(p.stats);
        p.exprs
    } else {
        numerators.clone()
    };
    let mut out = Vec::new();
    for (i, (x, _, pass)) in found.into_iter().enumerate() {
        let numerator = numerators[i].clone();
        let derivative = derivatives[i].clone();
        let x_shape = env.shape(x).unwrap_or_else(Shape::scalar);
        let kind = Kind::of(f.shape, x_shape);
        let shape = crate::lang::shapes_of(&derivative, |v| env.shape(v))
            .ok()
            .and_then(|s| s.last().copied())
            .unwrap_or_else(|| {
                let n = derivative_shape(f.shape, x_shape);
                if opts.layout == Layout::Denominator {
                    n.transposed()
                } else {
                    n
                }
            });
        let differential = canonical_expr(&numerator, x, kind.form(), x_shape);
        let steps = if opts.steps {
            Some(derivation_steps(
                f, env, x, rules, opts, &numerator, deadline,
            )?)
        } else {
            None
        };
        out.push(Derivation {
            wrt: x,
            kind,
            numerator,
            derivative,
            shape,
            differential,
            stats: DeriveStats {
                nodes: pass.nodes,
                forward_steps: pass.forward_steps,
                collect_steps: pass.collect_steps,
                derive_ms,
                simplify: simplify_stats.clone(),
                ill_shaped: pass.ill_shaped + simplify_stats.ill_shaped,
                applied: pass.applied,
            },
            steps,
            convention: (env.is_symmetric(x) && f.shape.is_scalar()).then_some(opts.symmetric),
        });
    }
    Ok(out)
}

fn occurs(f: &Typed, x: Symbol) -> bool {
    f.expr
        .as_ref()
        .iter()
        .any(|n| matches!(n, Math::Sym(s) if *s == x))
}

/// What one pair of passes did.
#[derive(Debug, Clone, Default)]
struct PassStats {
    nodes: usize,
    forward_steps: usize,
    collect_steps: usize,
    applied: indexmap::IndexMap<String, usize>,
    ill_shaped: usize,
}

/// `f` after the tidy rules (which only shrink terms), or `f` itself if that is no
/// smaller; a quarter of the presentation's time.
fn tidy_input(
    f: &Typed,
    env: &Env,
    order: &super::normal::Appearance,
    tidy: PresentRules,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Typed {
    let limits = Limits {
        time: opts.limits.time / 4,
        ..opts.limits
    };
    let p = present(
        std::slice::from_ref(&f.expr),
        env,
        order,
        tidy,
        &limits,
        deadline,
    );
    match p.exprs.into_iter().next() {
        Some(e) if AstSize.cost_rec(&e) < AstSize.cost_rec(&f.expr) => Typed {
            expr: e,
            shape: f.shape,
        },
        _ => f.clone(),
    }
}

/// The coefficients for `vars`, unsimplified, from one forward and one collecting pass
/// (or a forward pass seeded with 1, for a scalar variable of a non-scalar f).
fn derive_group(
    f: &Typed,
    env: &Env,
    vars: &[Symbol],
    form: Form,
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Result<Vec<(Symbol, RecExpr<Math>, PassStats)>, Error> {
    let mut g = MathGraph::new(MathAnalysis::new(env.clone(), vars.to_vec()));
    let seed = if form == Form::ByScalar {
        Seed::One
    } else {
        Seed::Differential
    };
    let mut fwd =
        Forward::new(rules, &opts.without, vars.to_vec(), seed).with_deadline(deadline.instant());
    let df = fwd.run(&mut g, &f.expr)?;
    let mut stats = PassStats {
        forward_steps: fwd.applied.len(),
        ..PassStats::default()
    };
    for (_, name) in &fwd.applied {
        *stats.applied.entry(name.to_string()).or_default() += 1;
    }
    let mut coefficients: Vec<(Symbol, Option<Id>)> = Vec::new();
    match form {
        Form::ByScalar => coefficients.push((vars[0], Some(df))),
        Form::Trace | Form::VecJacobian => {
            let (cform, seed) = if form == Form::Trace {
                (Collected::Lin, g.add(Math::num(1.0)))
            } else {
                let n = f.shape.size();
                let eye = if n.is_one() {
                    Math::num(1.0)
                } else {
                    Math::Const(Const::Eye(n))
                };
                (Collected::JacV, g.add(eye))
            };
            let c = collect(
                &mut g,
                rules,
                &opts.without,
                cform,
                df,
                seed,
                vars,
                Some(deadline.instant()),
            )?;
            stats.collect_steps = c.applied.len();
            for (_, name) in &c.applied {
                *stats.applied.entry(name.clone()).or_default() += 1;
            }
            for x in vars {
                coefficients.push((*x, c.coefficients.get(x).copied()));
            }
        }
    }
    crate::clock::rebuild(&mut g);
    stats.nodes = g.total_number_of_nodes();
    stats.ill_shaped = g.analysis.ill_shaped;
    let extractor = Cheapest::new(&g, AstSize);
    let mut out = Vec::new();
    for (x, c) in coefficients {
        let x_shape = env.shape(x).unwrap_or_else(Shape::scalar);
        let expr = match c {
            Some(id) => {
                let term = extractor.term(id);
                if term.as_ref().is_empty() {
                    return Err(Error::Failed(format!(
                        "the coefficient of `{x}` has no finite term (a bug in matcalc)"
                    )));
                }
                term
            }
            // No differential of x reached the root: the derivative is zero.
            None => RecExpr::from(vec![Math::zero(derivative_shape(f.shape, x_shape))]),
        };
        out.push((x, expr, stats.clone()));
    }
    Ok(out)
}

/// `C'` as an expression.
fn transposed(c: &RecExpr<Math>) -> RecExpr<Math> {
    let mut nodes = c.as_ref().to_vec();
    nodes.push(Math::unary(Op::Trans, egg::Id::from(nodes.len() - 1)));
    RecExpr::from(nodes)
}

/// Whether C = C' is proved (by the equivalence search, with a small budget): then
/// the symmetric conventions need no symmetrising.
fn proved_symmetric(
    c: &RecExpr<Math>,
    env: &Env,
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> bool {
    let Ok(shapes) = crate::lang::shapes_of(c, |v| env.shape(v)) else {
        return false;
    };
    let Some(shape) = shapes.last().copied() else {
        return false;
    };
    let a = Typed {
        expr: c.clone(),
        shape,
    };
    let b = Typed {
        expr: transposed(c),
        shape: shape.transposed(),
    };
    let eq = super::equiv::EquivOptions {
        limits: Limits {
            nodes: 5_000,
            iterations: 12,
            time: deadline.cap(opts.limits.time.min(std::time::Duration::from_millis(300))),
            match_limit: 500,
        },
        without: opts.without.clone(),
        // Only the verdict: explanations cost time and memory, and their proofs can
        // be exponentially long (logdet(S^4 + I)).
        proof: false,
    };
    matches!(
        super::equiv::equiv(&a, &b, env, rules, &eq).map(|e| e.verdict),
        Ok(super::equiv::Verdict::Equal { .. })
    )
}

/// The gradient of a symmetric variable under a convention: (C + C')/2, or
/// C + C' - diag(diag(C)) (when C is known symmetric: C, and 2C - diag(diag(C))).
fn with_convention(c: &RecExpr<Math>, conv: Convention, symmetric: bool) -> RecExpr<Math> {
    let mut e = c.clone();
    let root = Id::from(e.as_ref().len() - 1);
    match (conv, symmetric) {
        (Convention::None, _) | (Convention::Sym, true) => e,
        (Convention::Entries, true) => {
            let two = e.add(Math::num(2.0));
            let s = e.add(Math::binary(Op::Mul, two, root));
            let dg = e.add(Math::unary(Op::DiagV, root));
            let dd = e.add(Math::unary(Op::Diag, dg));
            e.add(Math::binary(Op::Sub, s, dd));
            e
        }
        (Convention::Sym, false) => {
            let t = e.add(Math::unary(Op::Trans, root));
            let s = e.add(Math::binary(Op::Add, root, t));
            let half = e.add(Math::num(0.5));
            e.add(Math::binary(Op::Mul, half, s));
            e
        }
        (Convention::Entries, false) => {
            let t = e.add(Math::unary(Op::Trans, root));
            let s = e.add(Math::binary(Op::Add, root, t));
            let dg = e.add(Math::unary(Op::DiagV, root));
            let dd = e.add(Math::unary(Op::Diag, dg));
            e.add(Math::binary(Op::Sub, s, dd));
            e
        }
    }
}

/// `(lin C (d X))`, `(* D (d x))` or `(jacv J (d X))` around a coefficient.
pub fn canonical_expr(c: &RecExpr<Math>, wrt: Symbol, form: Form, _x: Shape) -> RecExpr<Math> {
    let mut nodes = c.as_ref().to_vec();
    let c_id = Id::from(nodes.len() - 1);
    nodes.push(Math::Sym(wrt));
    let x_id = Id::from(nodes.len() - 1);
    nodes.push(Math::unary(Op::D, x_id));
    let dx = Id::from(nodes.len() - 1);
    nodes.push(match form {
        Form::Trace => Math::binary(Op::Lin, c_id, dx),
        Form::ByScalar => Math::binary(Op::Mul, c_id, dx),
        Form::VecJacobian => Math::binary(Op::JacV, c_id, dx),
    });
    RecExpr::from(nodes)
}

/// A stop of the presentation search that a report should mention: a limit means the
/// form printed may not be the simplest (it is still correct).
pub fn simplification_note(stop: &Stop) -> Option<String> {
    stop.is_limit()
        .then(|| format!("the search for a simpler form stopped at its {stop}; the derivative is correct but may not be the simplest"))
}
