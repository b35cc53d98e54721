//! Per-e-class facts: shape, whether the class depends on the variables of
//! differentiation, whether it can be written without a differential, its value when it
//! is a known number, and zero-ness. Every merge is exact: it reports a change only when
//! a fact really changed, or saturation would never settle.
//!
//! No identity lives here. The one piece of arithmetic is folding number literals
//! (`2*3` is `6`), listed by `rules list` as `fold-numbers`; zeros are recognised as
//! leaves, and the rules say what they absorb.

use egg::{Analysis, DidMerge, EGraph, Id, Language, Symbol};

use crate::env::Env;
use crate::lang::{node_shape, Const, Math, Number, Op};
use crate::shape::Shape;

pub type MathGraph = EGraph<Math, MathAnalysis>;

/// The name under which number folding is listed and explained.
pub const FOLD: &str = "fold-numbers";

/// The analysis carries the names' shapes and the variables of differentiation.
#[derive(Debug, Clone, Default)]
pub struct MathAnalysis {
    pub env: Env,
    /// Empty in graphs that differentiate nothing (simplification, equivalence).
    pub wrt: Vec<Symbol>,
    /// Nodes whose shape could not be computed: always a bug, counted for the tests.
    pub ill_shaped: usize,
    /// Unions the analysis itself made (folding numbers) since the last rebuild.
    pub unions: usize,
}

impl MathAnalysis {
    pub fn new(env: Env, wrt: Vec<Symbol>) -> MathAnalysis {
        MathAnalysis {
            env,
            wrt,
            ill_shaped: 0,
            unions: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub shape: Shape,
    /// Some member is free of the variables: the class is a constant.
    pub constant: bool,
    /// Some member holds no differential (`d`, `lin`, `jacv`).
    pub d_free: bool,
    /// The class's value, when it is a known number.
    pub num: Option<Number>,
    /// The class holds a zero leaf (of its shape).
    pub zero: bool,
    /// The class holds a declared symmetric name (so `a' = a`).
    pub symmetric: bool,
    /// The class holds a declared simplex name (positive entries summing to 1).
    pub simplex: bool,
    /// The class holds a variable of differentiation itself.
    pub is_wrt: bool,
}

/// Folds arithmetic on number literals; only exact results (no new rounding).
fn fold(node: &Math, num: impl Fn(Id) -> Option<f64>) -> Option<Number> {
    let v = match node {
        Math::Num(n) => n.value(),
        Math::Binary(Op::Add, [a, b]) => num(*a)? + num(*b)?,
        Math::Binary(Op::Sub, [a, b]) => num(*a)? - num(*b)?,
        Math::Binary(Op::Mul, [a, b]) => num(*a)? * num(*b)?,
        Math::Unary(Op::Neg, [a]) => -num(*a)?,
        Math::Binary(Op::Pow, [a, b]) => {
            let (a, b) = (num(*a)?, num(*b)?);
            if b.fract() != 0.0 || b.abs() > 16.0 || (a == 0.0 && b < 0.0) {
                return None;
            }
            a.powi(b as i32)
        }
        Math::Binary(Op::HDiv, [a, b]) => {
            let (a, b) = (num(*a)?, num(*b)?);
            let q = a / b;
            // Only quotients that are exact in binary (1/2, 3/4), never 1/3.
            if b == 0.0 || q * b != a || (q * 1024.0).fract() != 0.0 {
                return None;
            }
            q
        }
        _ => return None,
    };
    Number::new(v)
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
                egraph.analysis.ill_shaped += 1;
                Shape::scalar()
            }
        };
        let data = |id: Id| &egraph[id].data;
        let children = enode.children();
        let is_wrt = matches!(enode, Math::Sym(s) if egraph.analysis.wrt.contains(s));
        let holds_d = matches!(enode.operator(), Some(Op::D | Op::Lin | Op::JacV));
        let constant = match enode {
            Math::Sym(s) => !egraph.analysis.wrt.contains(s),
            _ => children.iter().all(|c| data(*c).constant),
        };
        let d_free = !holds_d && children.iter().all(|c| data(*c).d_free);
        let num = fold(enode, |c| data(c).num.map(Number::value));
        let zero =
            num.is_some_and(|n| n.value() == 0.0) || matches!(enode, Math::Const(Const::Zero(..)));
        let env = &egraph.analysis.env;
        let symmetric = matches!(enode, Math::Sym(s) if env.is_symmetric(*s));
        let simplex = matches!(enode, Math::Sym(s) if env.is_simplex(*s));
        Data {
            shape,
            constant,
            d_free,
            num,
            zero,
            symmetric,
            simplex,
            is_wrt,
        }
    }

    fn merge(&mut self, a: &mut Data, b: Data) -> DidMerge {
        if a.shape != b.shape {
            self.ill_shaped += 1;
        }
        let before = a.clone();
        a.constant |= b.constant;
        a.d_free |= b.d_free;
        a.zero |= b.zero;
        a.symmetric |= b.symmetric;
        a.simplex |= b.simplex;
        a.is_wrt |= b.is_wrt;
        if a.num.is_none() {
            a.num = b.num;
        }
        let a_changed = *a != before;
        let b_changed = a.constant != b.constant
            || a.d_free != b.d_free
            || a.zero != b.zero
            || a.symmetric != b.symmetric
            || a.simplex != b.simplex
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
            let added = egraph.add(leaf);
            if egraph.find(added) != egraph.find(id) {
                egraph.union_trusted(id, added, FOLD);
                egraph.analysis.unions += 1;
            }
            let id = egraph.find(id);
            egraph[id].nodes.retain(|n| n.is_leaf());
        }
    }
}

/// Makes `g` searchable after nodes were added. Adding marks an e-graph dirty, but
/// only unions need a rebuild (which walks every class): the directed passes add a
/// node at a time and search after each, so they rebuild only when the analysis folded
/// something.
pub fn ready_for_search(g: &mut MathGraph) {
    if g.clean {
        return;
    }
    if g.analysis.unions > 0 {
        crate::clock::rebuild(g);
        g.analysis.unions = 0;
    } else {
        g.clean = true;
    }
}

/// The first identification theorem: if tr(A dX) = tr(B dX) (or A vec(dX) = B vec(dX))
/// for every dX, then A = B. Two canonical forms of one variable in one class therefore
/// have one coefficient; uniting them keeps sums of canonical forms from multiplying
/// out every pair of coefficients.
fn unify_coefficients(egraph: &mut MathGraph, id: Id) {
    let forms: Vec<(Op, Id, Id)> = egraph[id]
        .nodes
        .iter()
        .filter_map(|n| match n {
            Math::Binary(op @ (Op::Lin | Op::JacV), [c, t]) => Some((*op, *c, *t)),
            _ => None,
        })
        .filter(|(_, _, t)| {
            egraph[*t]
                .nodes
                .iter()
                .any(|n| matches!(n, Math::Unary(Op::D, [x]) if egraph[*x].data.is_wrt))
        })
        .collect();
    for (i, (kind, c, t)) in forms.iter().enumerate() {
        for (kind2, c2, t2) in &forms[i + 1..] {
            let same = kind == kind2 && egraph.find(*t) == egraph.find(*t2);
            if same
                && egraph.find(*c) != egraph.find(*c2)
                && egraph[*c].data.shape == egraph[*c2].data.shape
            {
                egraph.union_trusted(*c, *c2, "identification");
                egraph.analysis.unions += 1;
            }
        }
    }
}
