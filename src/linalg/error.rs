//! Why an evaluation failed. Every failure is a value, never a panic.

use std::fmt;

use egg::Symbol;

#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// A variable with no value at the point.
    UnknownName(Symbol),
    /// A size symbol with no size at the point.
    UnknownDim(String),
    /// Operands whose sizes do not fit the operator.
    Shape(String),
    /// An inverse (or adjugate) of a singular or badly conditioned matrix.
    Singular(String),
    /// An operation outside its domain (logdet of det ≤ 0, a fractional matrix power).
    Domain(String),
    /// A result with an infinity or a NaN in it.
    NonFinite(String),
    /// Finite differences whose rounding error (f is large next to its slope) would
    /// hide the error they are to measure.
    Rounding(String),
    /// A matrix too large to allocate safely.
    TooLarge(String),
    /// An expression that is not well formed (a child id out of range).
    Malformed(String),
}

impl EvalError {
    /// Failures that another random point (e.g. with positive entries) may avoid.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            EvalError::Singular(_)
                | EvalError::Domain(_)
                | EvalError::NonFinite(_)
                | EvalError::Rounding(_)
        )
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::UnknownName(s) => write!(f, "no value for the variable `{s}`"),
            EvalError::UnknownDim(d) => write!(f, "no size for the dimension `{d}`"),
            EvalError::Shape(m) => write!(f, "size mismatch: {m}"),
            EvalError::Singular(m) => write!(f, "singular matrix: {m}"),
            EvalError::Domain(m) => write!(f, "outside the domain: {m}"),
            EvalError::NonFinite(m) => write!(f, "non-finite result: {m}"),
            EvalError::Rounding(m) => write!(f, "finite differences drown in rounding: {m}"),
            EvalError::TooLarge(m) => write!(f, "matrix too large: {m}"),
            EvalError::Malformed(m) => write!(f, "malformed expression: {m}"),
        }
    }
}

impl std::error::Error for EvalError {}
