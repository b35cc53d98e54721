//! Cost functions. Extraction reads the simplest coefficient; the presentation cost
//! mirrors what a reader counts in the printed form: operators, parentheses the
//! printer must add, and a few habits of the textbook (scalars first, transposes on
//! leaves). A differential anywhere is all but forbidden.

use std::collections::HashSet;

use egg::{CostFunction, Id, Language};

use crate::analysis::MathGraph;
use crate::lang::prec::Prec;
use crate::lang::{Const, Math, Op, Text};

/// The value to minimise, then the printed node's binding (for the parent's parentheses).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Cost {
    pub value: f64,
    pub binding: Prec,
    /// The printed node is a `diag(v)` (for the Hadamard habit below).
    pub diagonal: bool,
    /// The printed node is an identity `I` (or a multiple of one).
    pub eye: bool,
}

const OPERATOR: f64 = 1.0;
const LEAF: f64 = 0.1;
const PARENS: f64 = 0.3;
const SCALAR_LAST: f64 = 0.5;
const COMPOUND_TRANSPOSE: f64 = 0.1;
const DIFFERENTIAL: f64 = 1.0e6;
const SWAPPED: f64 = 0.01;
/// `M*diag(v)` where `(M' .* v)'`-style Hadamard forms exist: textbooks write the
/// gradient of a scalar with Hadamard products and keep `diag` for Jacobians.
const DIAGONAL_PRODUCT: f64 = 0.9;
/// `I .* A` reads as "the diagonal of A", and `diag(diag(A))` says so (and other
/// tools, which cannot size a bare `I` inside `.*`, can evaluate it).
const EYE_HADAMARD: f64 = 1.5;

/// The presentation cost; it reads shapes from the graph (to see scalars).
pub struct PresentationCost<'a> {
    pub egraph: &'a MathGraph,
    /// Operand orders the input used (`(left, right)` classes of its sums and
    /// Hadamard products): among equal forms, the reader's own order wins.
    pub preferred: HashSet<(Id, Id)>,
}

impl<'a> PresentationCost<'a> {
    pub fn new(egraph: &'a MathGraph) -> PresentationCost<'a> {
        PresentationCost {
            egraph,
            preferred: HashSet::new(),
        }
    }

    /// A small charge for writing `b + a` where the input wrote `a + b`, and for
    /// writing a transpose before what it transposes (`A' + A` rather than `A + A'`).
    fn swapped(&self, a: Id, b: Id) -> f64 {
        let (a, b) = (self.egraph.find(a), self.egraph.find(b));
        let transpose_first = self.egraph[a]
            .nodes
            .iter()
            .any(|n| matches!(n, Math::Unary(Op::Trans, [t]) if self.egraph.find(*t) == b));
        charge(
            (self.preferred.contains(&(b, a)) && !self.preferred.contains(&(a, b)))
                || transpose_first,
            SWAPPED,
        )
    }
}

/// `amount` when `on`, else nothing: one habit of presentation, priced.
fn charge(on: bool, amount: f64) -> f64 {
    if on {
        amount
    } else {
        0.0
    }
}

fn binding_of(node: &Math) -> Prec {
    match node {
        Math::Num(n) if n.value() < 0.0 => Prec::Unary,
        Math::Unary(op, _) | Math::Binary(op, _) => match op.info().text {
            Text::Infix(_, p) => p,
            Text::Prefix(_) => Prec::Unary,
            Text::Power(_) => Prec::Pow,
            Text::Postfix(_) => Prec::Postfix,
            _ => Prec::Atom,
        },
        _ => Prec::Atom,
    }
}

impl CostFunction<Math> for PresentationCost<'_> {
    type Cost = Cost;

    fn cost<C>(&mut self, enode: &Math, mut costs: C) -> Cost
    where
        C: FnMut(Id) -> Cost,
    {
        let binding = binding_of(enode);
        let child = |costs: &mut C, id: Id, need: Prec| {
            let c = costs(id);
            c.value + if c.binding < need { PARENS } else { 0.0 }
        };
        let data = |id: &Id| &self.egraph[*id].data;
        let value = match enode {
            Math::Num(_) => LEAF / 2.0,
            Math::Sym(_) => LEAF,
            // A row of ones prints as `ones(n)'`, a matrix of them as a product.
            Math::Const(Const::Ones(r, c)) if !r.is_one() && !c.is_one() => LEAF + 2.0 * OPERATOR,
            Math::Const(Const::Ones(r, _)) if r.is_one() => LEAF + OPERATOR,
            Math::Const(_) => LEAF,
            Math::Unary(Op::D, _) | Math::Binary(Op::Lin | Op::JacV, _) => {
                DIFFERENTIAL + enode.fold(0.0, |acc, id| acc + costs(id).value)
            }
            Math::Binary(Op::Add | Op::Sub, [a, b]) => {
                // Constants go last in a sum: `2*s + 3`, not `3 + 2*s`; and a negative
                // one is subtracted: `s - 4`, not `s + -4`.
                let constant_first = charge(data(a).num.is_some(), SCALAR_LAST)
                    + charge(
                        enode.is_op(Op::Add) && data(b).num.is_some_and(|n| n.value() < 0.0),
                        SCALAR_LAST,
                    );
                // Left-associative: the right operand binds one level tighter.
                OPERATOR
                    + constant_first
                    + self.swapped(*a, *b)
                    + child(&mut costs, *a, Prec::Add)
                    + child(&mut costs, *b, Prec::Mul)
            }
            Math::Binary(Op::Mul, [a, b]) => {
                let (da, db) = (data(a), data(b));
                let scalar_last =
                    charge(db.shape.is_scalar() && !da.shape.is_scalar(), SCALAR_LAST);
                let number_last = charge(db.num.is_some() && da.num.is_none(), SCALAR_LAST);
                // `a*-b` reads badly: the sign belongs in front of the product.
                let negated_right = charge(costs(*b).binding == Prec::Unary, PARENS);
                let diagonal = charge(costs(*a).diagonal || costs(*b).diagonal, DIAGONAL_PRODUCT);
                OPERATOR
                    + scalar_last
                    + number_last
                    + negated_right
                    + diagonal
                    + child(&mut costs, *a, Prec::Mul)
                    + child(&mut costs, *b, Prec::Unary)
            }
            Math::Binary(Op::HMul | Op::HDiv, [a, b]) => {
                let eye = charge(costs(*a).eye || costs(*b).eye, EYE_HADAMARD);
                OPERATOR
                    + eye
                    + self.swapped(*a, *b)
                    + child(&mut costs, *a, Prec::Mul)
                    + child(&mut costs, *b, Prec::Unary)
            }
            Math::Unary(Op::Neg, [a]) => OPERATOR + child(&mut costs, *a, Prec::Unary),
            Math::Binary(Op::Pow | Op::HPow, [a, b]) => {
                OPERATOR + child(&mut costs, *a, Prec::Postfix) + child(&mut costs, *b, Prec::Unary)
            }
            Math::Unary(Op::Trans, [a]) => {
                let c = costs(*a);
                // The order of the terms matters for ties between equal forms.
                OPERATOR
                    + charge(c.binding < Prec::Atom, COMPOUND_TRANSPOSE)
                    + c.value
                    + charge(c.binding < Prec::Postfix, PARENS)
            }
            // Calls: their arguments are parenthesised anyway.
            _ => OPERATOR + enode.fold(0.0, |acc, id| acc + costs(id).value),
        };
        Cost {
            value,
            binding,
            diagonal: enode.is_op(Op::Diag),
            eye: match enode {
                Math::Const(Const::Eye(_)) => true,
                // A multiple of the identity is still "I" to the reader.
                Math::Binary(Op::Mul, [a, b]) => {
                    let scalar = |id: &Id| self.egraph[*id].data.shape.is_scalar();
                    (costs(*a).eye && scalar(b)) || (costs(*b).eye && scalar(a))
                }
                _ => false,
            },
        }
    }
}
