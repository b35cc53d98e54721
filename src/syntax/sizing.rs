//! Which shaped constants a printer may write without their size. A bare `I` or `ones`
//! reads back with the size its context gives it; the context decides, not the printer's
//! wish. So the printed expression is inferred again, here, with every such constant's
//! size unknown (the same shape rules, the same unification the type checker uses):
//! constants whose size the rest still fixes may go bare, the others are written sized.

use std::collections::HashMap;

use egg::{Id, Language, RecExpr, Symbol};

use super::share::Unfolded;
use crate::env::Env;
use crate::lang::{Const, Math, Op};
use crate::shape::infer::{Size, Solver};
use crate::shape::{Sh, Shape};

/// A constant the printer can write in a short, context-sized form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Short {
    /// `I` or `ones`: sized by unification with its neighbours.
    Bare,
    /// `1`, `0` or `s` as an operand of a sum with a matrix: broadcast over the other.
    Broadcast,
}

/// Whether the node at `id` is an operand of a sum whose other operand is not 1×1,
/// and is a broadcast form the reader turns back into itself: ones, a zero, or a
/// scalar times ones (in that order, as the reader builds it). When both operands are
/// such forms neither is broadcast: `1 + 1` would read back as a scalar.
pub fn broadcast_operand(expr: &RecExpr<Math>, shapes: &[Shape], parent: Id, id: Id) -> bool {
    let Math::Binary(Op::Add | Op::Sub, [a, b]) = &expr[parent] else {
        return false;
    };
    let other = if *a == id { *b } else { *a };
    !shapes[usize::from(other)].is_scalar()
        && !shapes[usize::from(id)].is_scalar()
        && broadcast_form(expr, shapes, id)
        && !broadcast_form(expr, shapes, other)
}

/// ones, a zero, or a scalar times ones.
/// One tree's short forms per node, and its nodes' shapes.
type TreeSizes = (Vec<Option<Short>>, Vec<Sh<Size>>);

fn broadcast_form(expr: &RecExpr<Math>, shapes: &[Shape], id: Id) -> bool {
    match &expr[id] {
        Math::Const(Const::Ones(..) | Const::Zero(..)) => true,
        Math::Binary(Op::Mul, [s, o]) => {
            shapes[usize::from(*s)].is_scalar() && matches!(expr[*o], Math::Const(Const::Ones(..)))
        }
        _ => false,
    }
}

/// For each tree of `u` (bindings first, then the body) and each of its nodes: the
/// short form it may be printed in, if any. `shapes` are the nodes' shapes; `root` is
/// the shape the reader will know the body to have (a derivative is read against its
/// shape), or `None`.
pub fn short_constants(
    u: &Unfolded,
    shapes: &[Vec<Shape>],
    env: &Env,
    root: Option<Shape>,
) -> Vec<Vec<Option<Short>>> {
    let mut solver: Solver<()> = Solver::new(());
    let mut defined: HashMap<Symbol, Sh<Size>> = HashMap::new();
    let mut consistent = true;
    // Per tree: each node's short form, and its shape.
    let mut per_tree: Vec<TreeSizes> = Vec::new();
    let trees: Vec<(Option<Symbol>, &RecExpr<Math>)> = u
        .bindings
        .iter()
        .map(|(n, e)| (Some(*n), e))
        .chain(std::iter::once((None, &u.body)))
        .collect();
    for (t, (name, expr)) in trees.iter().enumerate() {
        let (cands, sh) = infer_tree(
            expr,
            &shapes[t],
            env,
            &defined,
            &mut solver,
            &mut consistent,
        );
        if let (Some(name), Some(last)) = (name, sh.last()) {
            defined.insert(*name, last.clone());
        }
        per_tree.push((cands, sh));
    }
    if let (Some(r), Some(last)) = (root, per_tree.last().and_then(|t| t.1.last().cloned())) {
        consistent &= solver.unify(&last.rows, &Size::known(r.rows));
        consistent &= solver.unify(&last.cols, &Size::known(r.cols));
    }
    let _ = solver.settle();
    per_tree
        .iter()
        .enumerate()
        .map(|(t, (cands, sh))| {
            (0..cands.len())
                .map(|i| {
                    let c = cands[i].filter(|_| consistent)?;
                    let want = shapes[t][i];
                    let fixed = solver.walk(&sh[i].rows).to_dim() == Some(want.rows)
                        && solver.walk(&sh[i].cols).to_dim() == Some(want.cols);
                    fixed.then_some(c)
                })
                .collect()
        })
        .collect()
}

/// One tree's candidates and inferred shapes, in the shared solver.
fn infer_tree(
    expr: &RecExpr<Math>,
    shapes: &[Shape],
    env: &Env,
    defined: &HashMap<Symbol, Sh<Size>>,
    solver: &mut Solver<()>,
    consistent: &mut bool,
) -> (Vec<Option<Short>>, Vec<Sh<Size>>) {
    let nodes = expr.as_ref();
    let n = nodes.len();
    let mut broadcast = vec![false; n];
    for (i, node) in nodes.iter().enumerate() {
        for c in node.children() {
            if broadcast_operand(expr, shapes, Id::from(i), *c) {
                broadcast[usize::from(*c)] = true;
            }
        }
    }
    let known = |s: Shape| Sh::new(Size::known(s.rows), Size::known(s.cols));
    let mut candidate: Vec<Option<Short>> = vec![None; n];
    let mut sh: Vec<Sh<Size>> = Vec::with_capacity(n);
    for (i, node) in nodes.iter().enumerate() {
        let s = if broadcast[i] {
            candidate[i] = Some(Short::Broadcast);
            Sh::new(solver.fresh(), solver.fresh())
        } else {
            match node {
                Math::Const(Const::Eye(_)) => {
                    candidate[i] = Some(Short::Bare);
                    let t = solver.fresh();
                    Sh::new(t.clone(), t)
                }
                Math::Const(Const::Ones(_, c)) if c.is_one() => {
                    candidate[i] = Some(Short::Bare);
                    Sh::new(solver.fresh(), Size::one())
                }
                Math::Sym(v) => match (defined.get(v), env.shape(*v)) {
                    (Some(s), _) => s.clone(),
                    (None, Some(s)) => known(s),
                    (None, None) => known(shapes[i]),
                },
                Math::Unary(op, _) | Math::Binary(op, _) => {
                    let args: Vec<Sh<Size>> = node
                        .children()
                        .iter()
                        .map(|c| sh[usize::from(*c)].clone())
                        .collect();
                    match op.info().shape.apply(solver, &args) {
                        Ok(s) => s,
                        Err(_) => {
                            *consistent = false;
                            known(shapes[i])
                        }
                    }
                }
                _ => known(shapes[i]),
            }
        };
        sh.push(s);
    }
    (candidate, sh)
}
