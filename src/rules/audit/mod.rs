//! The soundness audit of the rule set (ruler's `validate`): sizes for each rule's
//! variables (`shapes`), then both sides evaluated at random points (`soundness`).

mod shapes;
mod soundness;

pub use soundness::{check_rule, compact, Verdict};
