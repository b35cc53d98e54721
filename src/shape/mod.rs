//! Sizes and shapes: dimensions (`dim`), the one shape rule per operator (`rule`),
//! and inference by unification (`infer`).

mod dim;
pub mod infer;
mod rule;

pub use dim::{dim_mul, Dim, Shape};
pub use rule::{Exact, Fault, Sh, ShapeRule, Sizes};
