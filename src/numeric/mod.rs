//! The numeric oracle: evaluates expressions on dense matrices at random points, and
//! differentiates them by central finite differences in numerator layout (SPEC §2).
//! `--check`, the rule audit, `equiv`'s counterexamples and the property tests all
//! trust derivatives only as far as this module confirms them.

mod check;
mod cost;
mod eval;
#[cfg(test)]
mod eval_tests;
mod fd;
mod hessian;
mod point;
mod symmetric;

pub use crate::linalg::{EvalError, Mat};
pub use check::{check_derivative, CheckReport, CHECK_POINTS, CHECK_SEED, CHECK_TOLERANCE};
pub use cost::{evaluation_cost, OPS_PER_DRAWN_ENTRY, OPS_PER_SECOND};
pub use eval::eval;
pub use fd::{finite_difference, rel_err};
pub use hessian::{check_hessian, finite_difference_hessian};
pub use point::{
    const_dims, point_entries, random_point, try_random_point, try_random_point_reversed, Point,
};
pub use symmetric::check_symmetric;
