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

pub use crate::linalg::{EvalError, Mat, MAX_ENTRIES};
pub use cost::{evaluation_cost, OPS_PER_SECOND};
pub use check::{check_derivative, CheckReport, CHECK_POINTS, CHECK_SEED, CHECK_TOLERANCE};
pub use eval::{directional, eval, eval_node};
pub use fd::{derivative_shape, finite_difference, rel_err};
pub use hessian::{check_hessian, finite_difference_hessian};
pub use symmetric::check_symmetric;
pub use point::{
    const_dims, dim_size, random_point, shape_size, try_random_point, try_random_point_reversed, Point,
};
