//! matcalc: matrix derivatives by the method of differentials, done by equality
//! saturation on an `egg` e-graph. See ARCHITECTURE.md for the pipeline.

pub mod catalog;
pub mod dim;
pub mod engine;
pub mod env;
pub mod error;
pub mod input;
pub mod kind;
pub mod lang;
pub mod numeric;
pub mod research;
pub mod rules;
pub mod shapes;
pub mod syntax;
pub mod typecheck;

pub use dim::{Dim, Shape};
pub use env::{Env, VarInfo, VarKind};
pub use error::Error;
pub use input::{read_expr, read_exprs, read_exprs_shaped};
pub use lang::Math;
pub use typecheck::Typed;
