//! The numeric oracle: evaluates expressions on dense matrices at random points, and
//! differentiates them by central finite differences in numerator layout (SPEC §2).
//! `--check`, the rule audit, `equiv`'s counterexamples and the property tests all
//! trust derivatives only as far as this module confirms them.

mod check;
mod error;
mod eval;
#[cfg(test)]
mod eval_tests;
mod fd;
mod ops;
mod point;

pub use check::{check_derivative, CheckReport, CHECK_POINTS, CHECK_SEED, CHECK_TOLERANCE};
pub use error::EvalError;
pub use eval::{directional, eval, eval_node};
pub use fd::{derivative_shape, finite_difference, rel_err};
pub use point::{dim_size, random_point, try_random_point, try_random_point_reversed, Point};

/// Every value is a dense matrix; scalars are 1×1 and vectors n×1.
pub type Mat = nalgebra::DMatrix<f64>;

/// The most entries any one matrix may have, so that a huge declared size or a
/// Kronecker product of big operands is an error rather than an allocation abort.
pub const MAX_ENTRIES: usize = 1 << 22;
