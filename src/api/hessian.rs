//! Second order (SPEC §2): the Hessian by the second identification theorem. With dX
//! held fixed, d²f = d tr(C dX) = tr(dC dX) = vec(dC')' vec(dX), and vec(dC') = B vec(dX)
//! is the first-order machinery applied to the gradient G = C' (a vector or matrix
//! function): d²f = vec(dX)' B' vec(dX), so H = (B + B')/2. B, the Jacobian of the
//! gradient, is already symmetric (the Hessian of a twice-differentiable f), so it is
//! H itself. Mixed blocks H_uv = ∂ vec(∇_u f) / ∂ vec(v) come the same way.
//!
//! A symmetric variable S: the derivation may use S' = S, so the Jacobian it finds is
//! right only in symmetric directions. Under `sym` (the default) the block is given on
//! the symmetric matrices, P H P with P = (I + K)/2, which depends on f there only; under
//! `entries` by the independent entries, E' H E with E = I + K - diag(vec(I)) (the
//! second-order form of `G + G' - diag(diag(G))`); under `none` S is differentiated as
//! an unconstrained matrix, without S' = S.

use std::time::Instant;

use egg::{Id, RecExpr, Symbol};

use super::Request;
use crate::engine::derive::{
    derive_by, Convention, Derivation, DeriveOptions, DeriveStats, Layout,
};
use crate::engine::normal::appearance;
use crate::engine::saturate::{Deadline, RunStats};
use crate::engine::simplify::{present, PresentRules};
use crate::env::Env;
use crate::error::Error;
use crate::kind::Kind;
use crate::lang::Const;
use crate::lang::{shapes_of, Math, Op};
use crate::numeric::{check_hessian, CHECK_POINTS, CHECK_SEED};
use crate::report::DerivationReport;
use crate::rules::RuleSet;
use crate::shape::{Dim, Shape};
use crate::syntax::Names;
use crate::typecheck::Typed;

/// Every block H_uv with u before or equal to v in the order given.
pub fn hessian_reports(
    req: &Request,
    rules: &RuleSet,
    f: &Typed,
    env: &Env,
    wrt: &[Symbol],
) -> Result<Vec<DerivationReport>, Error> {
    if !f.shape.is_scalar() {
        return Err(Error::plain(format!(
            "--order 2 needs a scalar function; this one is {}, and its second derivative would be a third-order tensor",
            f.shape
        )));
    }
    let conv = req.options.symmetric;
    // Under `none` a symmetric variable is differentiated as an unconstrained matrix:
    // S' = S holds on the symmetric matrices, not in the directions off them that the
    // entrywise Hessian has.
    let unconstrained;
    let denv = if conv == Convention::None && wrt.iter().any(|v| env.is_symmetric(*v)) {
        unconstrained = env.unconstrained(wrt);
        &unconstrained
    } else {
        env
    };
    let first = DeriveOptions {
        layout: Layout::Numerator,
        steps: false,
        symmetric: Convention::None,
        ..req.options.clone()
    };
    // One deadline for the whole Hessian: every derivation and search shares it.
    let deadline = Deadline::after(req.options.time_limit);
    let gradients = derive_by(f, denv, wrt, rules, &first, deadline)?;
    let second = DeriveOptions {
        layout: req.options.layout,
        ..first.clone()
    };
    let mut out = Vec::new();
    // The blocks are shown together: a shared subterm has one name in all of them.
    let cx = Blocks {
        req,
        rules,
        f,
        env,
        names: Names::default(),
    };
    for (i, u) in wrt.iter().enumerate() {
        // vec of the gradient G_u = C_u' (in vec coordinates: a column of |u| entries),
        // brought to its simplest form first: its differential is what the block is.
        let g = vec_gradient(&gradients[i].numerator, denv)?;
        let g = simplest(&g, denv, rules, &first, deadline)?;
        for v in &wrt[i..] {
            let block_started = Instant::now();
            if !g
                .expr
                .as_ref()
                .iter()
                .any(|n| matches!(n, Math::Sym(s) if s == v))
            {
                out.push(zero_block(&cx, (*u, *v), &g, block_started)?);
                continue;
            }
            let mut h = derive_by(&g, denv, &[*v], rules, &second, deadline)?;
            let mut d = h.remove(0);
            // For a scalar u by a matrix v the first-order form is C (q×p); in vec
            // coordinates the block is the row vec(C')'.
            let v_shape = env.shape(*v).unwrap_or_else(Shape::scalar);
            if g.shape.is_scalar() && !v_shape.is_scalar() && !v_shape.is_vector() {
                d.derivative = vec_row(&d.derivative, req.options.layout);
                d.shape = shapes_of(&d.derivative, |s| env.shape(s))
                    .ok()
                    .and_then(|s| s.last().copied())
                    .unwrap_or(d.shape);
                // The numerator layout's row, whichever layout is printed.
                d.numerator = vec_row(&d.numerator, Layout::Numerator);
            }
            let sides = (side(env, *u, conv), side(env, *v, conv));
            if sides != (None, None) {
                d.numerator = on_symmetric(&d.numerator, sides, env, rules, &first, deadline)?;
                d.derivative = match req.options.layout {
                    Layout::Numerator => d.numerator.clone(),
                    Layout::Denominator => {
                        let mut t = d.numerator.clone();
                        let root = Id::from(t.as_ref().len() - 1);
                        t.add(Math::unary(Op::Trans, root));
                        let shape = d.shape;
                        simplest(&Typed { expr: t, shape }, env, rules, &first, deadline)?.expr
                    }
                };
            }
            d.differential = second_differential(&d.numerator, *u, *v);
            out.push(block_report(&cx, &d, *u, block_started)?);
        }
    }
    Ok(out)
}

/// A symmetric n×n variable's side of a block and the convention that restricts it.
type Side = Option<(Dim, Convention)>;

/// The order n of a symmetric variable whose side of a block a convention restricts.
fn side(env: &Env, x: Symbol, conv: Convention) -> Side {
    let shape = env.shape(x)?;
    (env.is_symmetric(x) && conv != Convention::None).then_some((shape.rows, conv))
}

/// The matrix that restricts a symmetric n×n variable's side (vec coordinates): the
/// projector (I + K)/2 under `sym`, I + K - diag(vec(I)) under `entries`.
fn side_matrix(e: &mut RecExpr<Math>, n: Dim, conv: Convention) -> Id {
    let k = e.add(Math::Const(Const::Commutation(n, n)));
    let nn = Const::Commutation(n, n).shape().rows;
    let eye = e.add(Math::Const(Const::Eye(nn)));
    let sum = e.add(Math::binary(Op::Add, eye, k));
    match conv {
        Convention::Entries => {
            let small = e.add(Math::Const(Const::Eye(n)));
            let v = e.add(Math::unary(Op::Vec, small));
            let d = e.add(Math::unary(Op::Diag, v));
            e.add(Math::binary(Op::Sub, sum, d))
        }
        _ => {
            let half = e.add(Math::num(0.5));
            e.add(Math::binary(Op::Mul, half, sum))
        }
    }
}

/// The block `h` (numerator layout) restricted on each symmetric side, simplest form.
fn on_symmetric(
    h: &RecExpr<Math>,
    sides: (Side, Side),
    env: &Env,
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Result<RecExpr<Math>, Error> {
    let mut e = h.clone();
    let mut root = Id::from(e.as_ref().len() - 1);
    if let Some((n, conv)) = sides.0 {
        let l = side_matrix(&mut e, n, conv);
        root = e.add(Math::binary(Op::Mul, l, root));
    }
    if let Some((n, conv)) = sides.1 {
        let r = side_matrix(&mut e, n, conv);
        e.add(Math::binary(Op::Mul, root, r));
    }
    let shape = shapes_of(&e, |s| env.shape(s))
        .map_err(|_| Error::plain("the restricted Hessian block has no shape"))?
        .last()
        .copied()
        .unwrap_or_else(Shape::scalar);
    Ok(simplest(&Typed { expr: e, shape }, env, rules, opts, deadline)?.expr)
}

/// `g` in its simplest form, by the presentation search.
fn simplest(
    g: &Typed,
    env: &Env,
    rules: &RuleSet,
    opts: &DeriveOptions,
    deadline: Deadline,
) -> Result<Typed, Error> {
    let p = present(
        std::slice::from_ref(&g.expr),
        env,
        &appearance(&[&g.expr]),
        PresentRules::new(rules, &opts.without),
        &opts.limits,
        deadline,
    );
    Ok(Typed {
        expr: p.exprs.into_iter().next().unwrap_or_else(|| g.expr.clone()),
        shape: g.shape,
    })
}

/// What every block's report needs: the request, the rules, f and its names, and the
/// names of the subterms the blocks share.
struct Blocks<'a> {
    req: &'a Request,
    rules: &'a RuleSet,
    f: &'a Typed,
    env: &'a Env,
    names: Names,
}

/// The block of a variable the gradient does not depend on: zero, |u|×|v|.
fn zero_block(
    cx: &Blocks,
    (u, v): (Symbol, Symbol),
    g: &Typed,
    started: Instant,
) -> Result<DerivationReport, Error> {
    let (req, env) = (cx.req, cx.env);
    let size = |s: Symbol| env.shape(s).unwrap_or_else(Shape::scalar).size();
    let mut shape = Shape::new(g.shape.size(), size(v));
    if req.options.layout == Layout::Denominator {
        shape = shape.transposed();
    }
    let zero = RecExpr::from(vec![Math::zero(shape)]);
    let d = Derivation {
        wrt: v,
        kind: Kind::of(g.shape, env.shape(v).unwrap_or_else(Shape::scalar)),
        numerator: zero.clone(),
        derivative: zero.clone(),
        shape,
        differential: second_differential(&zero, u, v),
        stats: DeriveStats {
            nodes: 0,
            forward_steps: 0,
            collect_steps: 0,
            derive_ms: 0.0,
            simplify: RunStats::empty(),
            applied: Default::default(),
            ill_shaped: 0,
        },
        steps: None,
        convention: None,
    };
    block_report(cx, &d, u, started)
}

/// The report of the block H_uv held in `d` (v is `d.wrt`), checked when asked for.
fn block_report(
    cx: &Blocks,
    d: &Derivation,
    u: Symbol,
    started: Instant,
) -> Result<DerivationReport, Error> {
    let (req, rules, f, env, names) = (cx.req, cx.rules, cx.f, cx.env, &cx.names);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut r = DerivationReport::new(
        &req.expr,
        d,
        env,
        &env.decls_text(),
        rules,
        req.options.layout,
        ms,
        req.render,
        names,
    );
    r.order = 2;
    r.wrt = vec![u.to_string(), d.wrt.to_string()];
    // The convention is named for every block with a symmetric variable on a side.
    let symmetric = env.is_symmetric(u) || env.is_symmetric(d.wrt);
    r.convention = symmetric.then(|| req.options.symmetric.name().to_string());
    r.kind = format!(
        "hessian-{}",
        d.kind.to_string().split("-by-").last().unwrap_or("?")
    );
    if req.check {
        let sides = |x: Symbol| side(env, x, req.options.symmetric).map(|(_, c)| c);
        let report = check_hessian(
            &f.expr,
            &d.derivative,
            env,
            u,
            d.wrt,
            (sides(u), sides(d.wrt)),
            req.options.layout == Layout::Denominator,
            CHECK_POINTS,
            CHECK_SEED,
        )
        .map_err(|e| Error::Failed(format!("the check could not evaluate: {e}")))?;
        r.check = Some(report.into());
    }
    Ok(r)
}

/// `vec(C')` as a typed expression (the gradient of u in vec coordinates).
fn vec_gradient(c: &RecExpr<Math>, env: &Env) -> Result<Typed, Error> {
    let mut e = c.clone();
    let root = Id::from(e.as_ref().len() - 1);
    let t = e.add(Math::unary(Op::Trans, root));
    let shape = shapes_of(&e, |s| env.shape(s))
        .map_err(|_| Error::plain("the gradient has no shape"))?
        .last()
        .copied()
        .unwrap_or_else(Shape::scalar);
    if !shape.is_scalar() && !shape.is_vector() {
        e.add(Math::unary(Op::Vec, t));
    }
    let shape = shapes_of(&e, |s| env.shape(s))
        .map_err(|_| Error::plain("the gradient has no shape"))?
        .last()
        .copied()
        .unwrap_or_else(Shape::scalar);
    Ok(Typed { expr: e, shape })
}

/// `vec(C')'` (or its transpose, in denominator layout).
fn vec_row(c: &RecExpr<Math>, layout: Layout) -> RecExpr<Math> {
    let mut e = c.clone();
    let root = Id::from(e.as_ref().len() - 1);
    match layout {
        Layout::Numerator => {
            let t = e.add(Math::unary(Op::Trans, root));
            let v = e.add(Math::unary(Op::Vec, t));
            e.add(Math::unary(Op::Trans, v));
        }
        // The layout asked for transposed the first-order form already.
        Layout::Denominator => {
            e.add(Math::unary(Op::Vec, root));
        }
    }
    e
}

/// `vec(du)' H vec(dv)` with H as printed, for the report's `differential`.
fn second_differential(h: &RecExpr<Math>, u: Symbol, v: Symbol) -> RecExpr<Math> {
    let mut e = h.clone();
    let hid = Id::from(e.as_ref().len() - 1);
    let du = e.add(Math::Sym(u));
    let du = e.add(Math::unary(Op::D, du));
    let vu = e.add(Math::unary(Op::Vec, du));
    let tu = e.add(Math::unary(Op::Trans, vu));
    let left = e.add(Math::binary(Op::Mul, tu, hid));
    let dv = e.add(Math::Sym(v));
    let dv = e.add(Math::unary(Op::D, dv));
    let vv = e.add(Math::unary(Op::Vec, dv));
    e.add(Math::binary(Op::Mul, left, vv));
    e
}
