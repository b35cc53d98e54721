//! Named side conditions a rule may carry (`:when (scalar ?s) (const ?c)`). They read
//! the analysis data of the matched classes; the identities themselves stay in files.

use egg::{Id, Subst, Var};

use crate::analysis::{Data, MathGraph};
use crate::lang::{Const as Leaf, Math};

/// Every condition a rule file may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondKind {
    Scalar,
    NotScalar,
    Vector,
    Row,
    Matrix,
    Square,
    Const,
    Depends,
    NoD,
    HasD,
    IsVar,
    Symmetric,
    Simplex,
    Zero,
    NonZero,
    NonZeroNum,
    NegativeNum,
    Number,
    Int,
    IntGe2,
    NegInt,
    Ones,
    Eye,
    SameShape,
    DiffShape,
}

/// How many variables a condition takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Exactly(usize),
    OneOrMore,
}

/// Name, arity and meaning of every condition, for the reader and `rules list`.
pub const CONDITIONS: &[(&str, CondKind, Arity, &str)] = &[
    ("scalar", CondKind::Scalar, Arity::Exactly(1), "is 1×1"),
    (
        "not-scalar",
        CondKind::NotScalar,
        Arity::Exactly(1),
        "is not 1×1",
    ),
    (
        "vector",
        CondKind::Vector,
        Arity::Exactly(1),
        "is a column n×1 with n ≠ 1",
    ),
    (
        "row",
        CondKind::Row,
        Arity::Exactly(1),
        "is a row 1×n with n ≠ 1",
    ),
    (
        "matrix",
        CondKind::Matrix,
        Arity::Exactly(1),
        "is neither a scalar nor a column vector",
    ),
    (
        "square",
        CondKind::Square,
        Arity::Exactly(1),
        "has as many rows as columns",
    ),
    (
        "const",
        CondKind::Const,
        Arity::Exactly(1),
        "does not depend on the variables of differentiation",
    ),
    (
        "depends",
        CondKind::Depends,
        Arity::Exactly(1),
        "depends on a variable of differentiation",
    ),
    (
        "no-d",
        CondKind::NoD,
        Arity::OneOrMore,
        "each can be written without a differential",
    ),
    (
        "has-d",
        CondKind::HasD,
        Arity::OneOrMore,
        "some one of them holds a differential",
    ),
    (
        "is-var",
        CondKind::IsVar,
        Arity::Exactly(1),
        "is a variable of differentiation",
    ),
    (
        "symmetric",
        CondKind::Symmetric,
        Arity::Exactly(1),
        "is a declared symmetric matrix",
    ),
    (
        "simplex",
        CondKind::Simplex,
        Arity::Exactly(1),
        "is a declared simplex vector (positive, summing to 1)",
    ),
    ("zero", CondKind::Zero, Arity::Exactly(1), "is zero"),
    (
        "nonzero",
        CondKind::NonZero,
        Arity::Exactly(1),
        "is not known to be zero",
    ),
    (
        "nonzero-num",
        CondKind::NonZeroNum,
        Arity::Exactly(1),
        "is a known non-zero number",
    ),
    (
        "negative-num",
        CondKind::NegativeNum,
        Arity::Exactly(1),
        "is a known negative number",
    ),
    (
        "number",
        CondKind::Number,
        Arity::Exactly(1),
        "is a known number",
    ),
    ("int", CondKind::Int, Arity::Exactly(1), "is a whole number"),
    (
        "int-ge2",
        CondKind::IntGe2,
        Arity::Exactly(1),
        "is a whole number ≥ 2",
    ),
    (
        "neg-int",
        CondKind::NegInt,
        Arity::Exactly(1),
        "is a whole number ≤ -1",
    ),
    (
        "ones",
        CondKind::Ones,
        Arity::Exactly(1),
        "is all ones (or the number 1)",
    ),
    (
        "eye",
        CondKind::Eye,
        Arity::Exactly(1),
        "is an identity matrix or the number 1",
    ),
    (
        "same-shape",
        CondKind::SameShape,
        Arity::Exactly(2),
        "the two have one shape",
    ),
    (
        "diff-shape",
        CondKind::DiffShape,
        Arity::Exactly(2),
        "the two have different shapes",
    ),
];

/// One condition over the classes bound to its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub kind: CondKind,
    pub vars: Vec<Var>,
}

impl Condition {
    pub fn lookup(name: &str) -> Option<(CondKind, Arity)> {
        CONDITIONS
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, k, a, _)| (*k, *a))
    }

    pub fn name(&self) -> &'static str {
        CONDITIONS
            .iter()
            .find(|(_, k, ..)| *k == self.kind)
            .map(|(n, ..)| *n)
            .unwrap_or("?")
    }

    pub fn check(&self, egraph: &MathGraph, subst: &Subst) -> bool {
        let mut ids: Vec<Id> = Vec::with_capacity(self.vars.len());
        for v in &self.vars {
            match subst.get(*v) {
                Some(id) => ids.push(*id),
                None => return false,
            }
        }
        let d = |i: usize| -> &Data { &egraph[ids[i]].data };
        let has_leaf = |pred: &dyn Fn(&Math) -> bool| egraph[ids[0]].nodes.iter().any(pred);
        let num = |i: usize| d(i).num.map(|n| n.value());
        use CondKind::*;
        match self.kind {
            Scalar => d(0).shape.is_scalar(),
            NotScalar => !d(0).shape.is_scalar(),
            Vector => d(0).shape.is_vector(),
            Row => d(0).shape.transposed().is_vector(),
            Matrix => !d(0).shape.cols.is_one(),
            Square => d(0).shape.is_square(),
            Const => d(0).constant,
            Depends => !d(0).constant,
            NoD => (0..ids.len()).all(|i| d(i).d_free),
            HasD => (0..ids.len()).any(|i| !d(i).d_free),
            IsVar => d(0).is_wrt,
            Symmetric => d(0).symmetric,
            Simplex => d(0).simplex,
            Zero => d(0).zero,
            NonZero => !d(0).zero,
            NonZeroNum => num(0).is_some_and(|v| v != 0.0),
            NegativeNum => num(0).is_some_and(|v| v < 0.0),
            Number => d(0).num.is_some(),
            Int => d(0).num.is_some_and(|n| n.is_integer()),
            IntGe2 => d(0).num.is_some_and(|n| n.is_integer() && n.value() >= 2.0),
            NegInt => d(0)
                .num
                .is_some_and(|n| n.is_integer() && n.value() <= -1.0),
            Ones => num(0) == Some(1.0) || has_leaf(&|n| matches!(n, Math::Const(Leaf::Ones(..)))),
            Eye => num(0) == Some(1.0) || has_leaf(&|n| matches!(n, Math::Const(Leaf::Eye(_)))),
            SameShape => d(0).shape == d(1).shape,
            DiffShape => d(0).shape != d(1).shape,
        }
    }
}
