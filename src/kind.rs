//! What kind of derivative a pair (function, variable) asks for, by shape (SPEC §2).

use std::fmt;

use crate::dim::Shape;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Scalar,
    Vector,
    Matrix,
}

impl Arity {
    pub fn of(s: Shape) -> Arity {
        if s.is_scalar() {
            Arity::Scalar
        } else if s.is_vector() {
            Arity::Vector
        } else {
            Arity::Matrix
        }
    }
    fn name(self) -> &'static str {
        match self {
            Arity::Scalar => "scalar",
            Arity::Vector => "vector",
            Arity::Matrix => "matrix",
        }
    }
}

/// `scalar-by-matrix` and the like: the function's arity, then the variable's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub f: Arity,
    pub x: Arity,
}

/// How the differential is read: `tr(C dX)`, `J dx`, or `J d vec(X)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Trace,
    Jacobian,
    VecJacobian,
}

impl Kind {
    pub fn of(f: Shape, x: Shape) -> Kind {
        Kind {
            f: Arity::of(f),
            x: Arity::of(x),
        }
    }

    pub fn form(self) -> Form {
        match (self.f, self.x) {
            (Arity::Scalar, _) => Form::Trace,
            (_, Arity::Scalar) | (Arity::Vector, Arity::Vector) => Form::Jacobian,
            _ => Form::VecJacobian,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-by-{}", self.f.name(), self.x.name())
    }
}
