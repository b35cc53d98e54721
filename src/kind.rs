//! What kind of derivative a pair (function, variable) asks for, by shape (SPEC §2),
//! and which canonical form it is read from.

use std::fmt;

use crate::shape::{dim_mul, Shape};

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

/// How the differential is read: tr(C dX), D dx (by a scalar), or J vec(dX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Trace,
    ByScalar,
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
            (_, Arity::Scalar) => Form::ByScalar,
            _ => Form::VecJacobian,
        }
    }
}

/// The shape of the derivative of `f` by `x` in numerator layout (SPEC §2).
pub fn derivative_shape(f: Shape, x: Shape) -> Shape {
    if f.is_scalar() {
        x.transposed()
    } else if x.is_scalar() {
        f
    } else {
        Shape::new(dim_mul(f.rows, f.cols), dim_mul(x.rows, x.cols))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-by-{}", self.f.name(), self.x.name())
    }
}

/// How the derivative by a symmetric matrix is meant (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convention {
    /// The symmetric C with df = tr(C dS) for every symmetric dS: (G + G')/2.
    #[default]
    Sym,
    /// By the n(n+1)/2 independent entries (Cookbook §2.8): G + G' - diag(diag(G)).
    Entries,
    /// S treated as unconstrained.
    None,
}

impl Convention {
    pub fn name(self) -> &'static str {
        match self {
            Convention::Sym => "sym",
            Convention::Entries => "entries",
            Convention::None => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Dim;

    #[test]
    fn kind_names_follow_the_shapes() {
        let (s, v, m) = (
            Shape::scalar(),
            Shape::new(Dim::new("n"), Dim::one()),
            Shape::new(Dim::new("m"), Dim::new("n")),
        );
        assert_eq!(Kind::of(s, m).to_string(), "scalar-by-matrix");
        assert_eq!(Kind::of(v, v).to_string(), "vector-by-vector");
        assert_eq!(Kind::of(m, s).to_string(), "matrix-by-scalar");
        // A row vector counts as a matrix.
        assert_eq!(Kind::of(v.transposed(), v).to_string(), "matrix-by-vector");
        assert_eq!(Kind::of(m, m).to_string(), "matrix-by-matrix");
        assert_eq!(Kind::of(v, s).form(), Form::ByScalar);
        assert_eq!(Kind::of(m, v).form(), Form::VecJacobian);
        assert_eq!(derivative_shape(s, m), m.transposed());
        assert_eq!(derivative_shape(m, s), m);
        assert_eq!(derivative_shape(v, m).rows, Dim::new("n"));
    }
}
