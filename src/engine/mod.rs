//! The e-graph machinery: the analysis, saturation with limits, cost functions, and
//! the derivation pipeline that strings them together.

pub mod analysis;
pub mod cost;
pub mod derive;
pub mod equiv;
pub mod explain;
pub mod saturate;
pub mod simplify;
