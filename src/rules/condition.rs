//! Named side conditions a rule may carry (`:when (scalar ?s) (const ?c)`). They read
//! the analysis data of the matched classes; the identities themselves stay in files.

use egg::{Id, Subst, Var};

use crate::engine::analysis::{Data, MathGraph};
use crate::lang::{Math, ShapedConst};

/// One condition: a predicate over the classes bound to its variables (and, for
/// `uncollected` and `not-scalar-term`, over the matched class itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub name: String,
    pub vars: Vec<Var>,
}

/// Every condition a rule file may name, with its arity (0: one or more; -1: none, it
/// reads the matched class) and meaning.
pub const CONDITIONS: &[(&str, isize, &str)] = &[
    ("scalar", 1, "is 1×1"),
    ("not-scalar", 1, "is not 1×1"),
    ("vector", 1, "is a column n×1 with n ≠ 1"),
    ("row", 1, "is a row 1×n with n ≠ 1"),
    ("matrix", 1, "is neither a scalar nor a column vector"),
    ("square", 1, "has as many rows as columns"),
    (
        "const",
        1,
        "does not depend on the variable of differentiation",
    ),
    ("depends", 1, "depends on the variable of differentiation"),
    ("no-d", 0, "each can be written without a differential"),
    ("has-d", 0, "some one of them holds a differential"),
    ("is-var", 1, "is the variable of differentiation"),
    ("symmetric", 1, "is a declared symmetric matrix"),
    ("zero", 1, "is zero"),
    ("nonzero-num", 1, "is a known non-zero number"),
    ("number", 1, "is a known number"),
    ("int-ge2", 1, "is a whole number ≥ 2"),
    ("ones", 1, "is an all-ones vector or the number 1"),
    ("eye", 1, "is an identity matrix or the number 1"),
    ("same-shape", 2, "the two have one shape"),
    (
        "uncollected",
        -1,
        "(no variables) the matched term is not yet in a collected form (lin, jac, jacv)",
    ),
    (
        "not-scalar-term",
        -1,
        "(no variables) the matched term is not a scalar",
    ),
];

impl Condition {
    /// The arity of a known condition, or `None` for an unknown name.
    pub fn arity(name: &str) -> Option<isize> {
        CONDITIONS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, a, _)| *a)
    }

    pub fn check(&self, egraph: &MathGraph, eclass: Id, subst: &Subst) -> bool {
        match self.name.as_str() {
            "uncollected" => return !egraph[eclass].data.collected,
            "not-scalar-term" => return !egraph[eclass].data.shape.is_scalar(),
            _ => {}
        }
        let Some(ids) = self
            .vars
            .iter()
            .map(|v| subst.get(*v).copied())
            .collect::<Option<Vec<Id>>>()
        else {
            return false;
        };
        let d = |i: usize| -> &Data { &egraph[ids[i]].data };
        let has_leaf = |pred: &dyn Fn(&Math) -> bool| egraph[ids[0]].nodes.iter().any(pred);
        match self.name.as_str() {
            "scalar" => d(0).shape.is_scalar(),
            "not-scalar" => !d(0).shape.is_scalar(),
            "vector" => d(0).shape.is_vector(),
            "row" => d(0).shape.transposed().is_vector(),
            "matrix" => !d(0).shape.cols.is_one(),
            "square" => d(0).shape.is_square(),
            "const" => d(0).constant,
            "depends" => !d(0).constant,
            "no-d" => (0..ids.len()).all(|i| d(i).d_free),
            "has-d" => (0..ids.len()).any(|i| !d(i).d_free),
            "is-var" => d(0).is_wrt,
            "symmetric" => d(0).symmetric,
            "zero" => d(0).zero,
            "nonzero-num" => d(0).num.is_some_and(|n| n.value() != 0.0),
            "number" => d(0).num.is_some(),
            "int-ge2" => d(0).num.is_some_and(|n| n.is_integer() && n.value() >= 2.0),
            "ones" => {
                d(0).num.is_some_and(|n| n.value() == 1.0)
                    || has_leaf(&|n| matches!(n, Math::Const(ShapedConst::Ones(_))))
            }
            "eye" => {
                d(0).num.is_some_and(|n| n.value() == 1.0)
                    || has_leaf(&|n| matches!(n, Math::Const(ShapedConst::Eye(_))))
            }
            "same-shape" => d(0).shape == d(1).shape,
            // Names are validated when the rule file is read.
            _ => false,
        }
    }
}
