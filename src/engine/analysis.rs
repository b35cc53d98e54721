//! Per-e-class facts: shape, whether the class depends on the variable of
//! differentiation, whether it can be written without a differential, numeric value
//! (constant folding) and zero-ness. Every merge is exact: it reports a change only
//! when a fact really changed, or saturation would never settle.

use egg::{Analysis, DidMerge, EGraph, Id, Language, Symbol};

use crate::dim::Shape;
use crate::env::Env;
use crate::lang::{node_shape, Math, Number, ShapedConst};

pub type MathGraph = EGraph<Math, MathAnalysis>;

/// The analysis carries the names' shapes and the variable of differentiation.
#[derive(Debug, Clone, Default)]
pub struct MathAnalysis {
    pub env: Env,
    /// `None` in graphs that differentiate nothing (simplification, equivalence).
    pub wrt: Option<Symbol>,
    /// Nodes whose shape could not be computed: always a bug, counted for the tests.
    pub ill_shaped: usize,
}

impl MathAnalysis {
    pub fn new(env: Env, wrt: Option<Symbol>) -> MathAnalysis {
        MathAnalysis {
            env,
            wrt,
            ill_shaped: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub shape: Shape,
    /// Some member is free of the variable: the class is a constant.
    pub constant: bool,
    /// Some member holds no differential (`d`, `lin`, `jac`, `jacv`).
    pub d_free: bool,
    /// Some member is a collected form (`lin`, `jac`, `jacv`): the class is done.
    pub collected: bool,
    /// The class's value, when it is a known number.
    pub num: Option<Number>,
    /// The class is a zero (of its shape).
    pub zero: bool,
    /// The class holds a declared symmetric name (so `a' = a`).
    pub symmetric: bool,
    /// The class holds the variable of differentiation itself.
    pub is_wrt: bool,
}

fn fold(node: &Math, num: impl Fn(Id) -> Option<f64>) -> Option<Number> {
    use Math::*;
    let v = match node {
        Num(n) => n.value(),
        Add([a, b]) => num(*a)? + num(*b)?,
        Sub([a, b]) => num(*a)? - num(*b)?,
        Mul([a, b]) => num(*a)? * num(*b)?,
        Neg(a) => -num(*a)?,
        Trans(a) | Tr(a) => num(*a)?,
        Pow([a, b]) => {
            let (a, b) = (num(*a)?, num(*b)?);
            // Only exact integer powers: folding must not invent rounding.
            if b.fract() != 0.0 || b.abs() > 16.0 || (a == 0.0 && b < 0.0) {
                return None;
            }
            a.powi(b as i32)
        }
        _ => return None,
    };
    Number::new(v).filter(|n| n.value().is_finite())
}

impl Analysis<Math> for MathAnalysis {
    type Data = Data;

    fn make(egraph: &mut MathGraph, enode: &Math, _id: Id) -> Data {
        let shape = node_shape(
            enode,
            |c| egraph[c].data.shape,
            |s| egraph.analysis.env.shape(s),
        );
        let shape = match shape {
            Ok(s) => s,
            Err(_) => {
                // Appliers check shapes before adding; reaching here is a bug.
                debug_assert!(false, "ill-shaped node {enode:?}");
                egraph.analysis.ill_shaped += 1;
                Shape::scalar()
            }
        };
        let data = |id: Id| &egraph[id].data;
        let wrt = egraph.analysis.wrt;
        let children = enode.children();
        let is_wrt = matches!(enode, Math::Sym(s) if Some(*s) == wrt);
        let holds_d = matches!(
            enode,
            Math::D(_) | Math::Lin(_) | Math::Jac(_) | Math::JacVec(_)
        );
        let constant = match enode {
            Math::Sym(s) => Some(*s) != wrt,
            _ => children.iter().all(|c| data(*c).constant),
        };
        let d_free = !holds_d && children.iter().all(|c| data(*c).d_free);
        let collected = matches!(enode, Math::Lin(_) | Math::Jac(_) | Math::JacVec(_));
        let num = fold(enode, |c| data(c).num.map(Number::value));
        let zero = num.is_some_and(|n| n.value() == 0.0)
            || match enode {
                Math::Const(ShapedConst::Zero(..)) => true,
                Math::Mul([a, b]) | Math::HMul([a, b]) | Math::Kron([a, b]) => {
                    data(*a).zero || data(*b).zero
                }
                Math::HDiv([a, _]) => data(*a).zero,
                Math::Neg(a)
                | Math::Trans(a)
                | Math::Tr(a)
                | Math::D(a)
                | Math::Vec(a)
                | Math::Diag(a)
                | Math::DiagV(a)
                | Math::Sum(a) => data(*a).zero,
                Math::Add([a, b]) | Math::Sub([a, b]) => data(*a).zero && data(*b).zero,
                Math::Lin([c, _]) | Math::Jac([c, _]) | Math::JacVec([c, _]) => data(*c).zero,
                _ => false,
            };
        let symmetric = matches!(enode, Math::Sym(s) if egraph.analysis.env.is_symmetric(*s));
        Data {
            shape,
            constant,
            d_free,
            collected,
            num,
            zero,
            symmetric,
            is_wrt,
        }
    }

    fn merge(&mut self, a: &mut Data, b: Data) -> DidMerge {
        debug_assert_eq!(a.shape, b.shape, "classes of different shapes merged");
        if a.shape != b.shape {
            self.ill_shaped += 1;
        }
        let before = a.clone();
        a.constant |= b.constant;
        a.d_free |= b.d_free;
        a.collected |= b.collected;
        a.zero |= b.zero;
        a.symmetric |= b.symmetric;
        a.is_wrt |= b.is_wrt;
        if a.num.is_none() {
            a.num = b.num;
        }
        let a_changed = *a != before;
        let b_changed = a.constant != b.constant
            || a.d_free != b.d_free
            || a.collected != b.collected
            || a.zero != b.zero
            || a.symmetric != b.symmetric
            || a.is_wrt != b.is_wrt
            || a.num != b.num;
        DidMerge(a_changed, b_changed)
    }

    fn modify(egraph: &mut MathGraph, id: Id) {
        unify_coefficients(egraph, id);
        // A known number or a zero is pruned to its leaf: every other member would only
        // attract junk (DESIGN lesson 1; egg's own math example does the same).
        let data = egraph[id].data.clone();
        let leaf = if data.zero {
            Some(Math::zero(data.shape))
        } else {
            data.num.map(Math::Num)
        };
        if let Some(leaf) = leaf {
            let added = egraph.add(leaf.clone());
            if egraph.find(added) != egraph.find(id) {
                egraph.union_trusted(id, added, "constant-fold");
            }
            let id = egraph.find(id);
            egraph[id].nodes.retain(|n| n.is_leaf());
        }
    }
}

/// The first identification theorem: if tr(A dX) = tr(B dX) (or A dx = B dx, or
/// A vec(dX) = B vec(dX)) for every dX, then A = B. Two collected forms of one class
/// therefore have one coefficient; uniting them keeps sums of collected forms from
/// multiplying out every pair of coefficients.
fn unify_coefficients(egraph: &mut MathGraph, id: Id) {
    let forms: Vec<(u8, Id, Id)> = egraph[id]
        .nodes
        .iter()
        .filter_map(|n| match n {
            Math::Lin([c, x]) => Some((0, *c, *x)),
            Math::Jac([c, x]) => Some((1, *c, *x)),
            Math::JacVec([c, x]) => Some((2, *c, *x)),
            _ => None,
        })
        .collect();
    for (i, (kind, c, x)) in forms.iter().enumerate() {
        for (kind2, c2, x2) in &forms[i + 1..] {
            let same = kind == kind2 && egraph.find(*x) == egraph.find(*x2);
            if same
                && egraph.find(*c) != egraph.find(*c2)
                && egraph[*c].data.shape == egraph[*c2].data.shape
            {
                egraph.union_trusted(*c, *c2, "identification");
            }
        }
    }
}
