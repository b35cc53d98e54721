//! The e-graph language: every operator of the expression language, the differential
//! `d`, and the canonical-form nodes that extraction looks for.
//!
//! Shapes are computed here too (`node_shape`), once, for every consumer: the e-graph
//! analysis, the printers and the numeric oracle all ask the same function.

use std::fmt;
use std::str::FromStr;

use egg::{define_language, Id, Symbol};
use ordered_float::NotNan;

use crate::dim::{dim_mul, Dim, Shape};

/// A numeric literal. Ordered and hashable so that it can be an e-graph leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(pub NotNan<f64>);

impl Number {
    /// `None` for NaN, which no literal can produce.
    pub fn new(v: f64) -> Option<Number> {
        NotNan::new(v).ok().map(Number)
    }
    pub fn value(self) -> f64 {
        self.0.into_inner()
    }
    pub fn is_integer(self) -> bool {
        self.value().fract() == 0.0 && self.value().abs() < 1e15
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value();
        if self.is_integer() {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v}")
        }
    }
}

impl FromStr for Number {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        // Only text that looks like a number: `inf` or `nan` are names, not literals.
        let body = s.strip_prefix('-').unwrap_or(s);
        if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return Err(());
        }
        s.parse::<f64>()
            .ok()
            .and_then(Number::new)
            .filter(|n| n.value().is_finite())
            .ok_or(())
    }
}

/// Constants whose shape is part of their identity: `I:n`, `ones:n`, `zero:r:c`,
/// and the commutation matrix `K:m:n` (with `K vec(X) = vec(X')` for `X` m×n).
/// Two zeros of different shapes must be different e-nodes, so the shape lives in
/// the leaf itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShapedConst {
    Eye(Dim),
    Ones(Dim),
    Zero(Dim, Dim),
    Commutation(Dim, Dim),
}

impl ShapedConst {
    pub fn shape(self) -> Shape {
        match self {
            ShapedConst::Eye(n) => Shape::new(n, n),
            ShapedConst::Ones(n) => Shape::new(n, Dim::one()),
            ShapedConst::Zero(r, c) => Shape::new(r, c),
            ShapedConst::Commutation(m, n) => {
                let mn = dim_mul(m, n);
                Shape::new(mn, mn)
            }
        }
    }
    /// The zero of a shape; scalars are the literal `0` instead (see `Math::zero`).
    pub fn zero_of(shape: Shape) -> ShapedConst {
        ShapedConst::Zero(shape.rows, shape.cols)
    }
}

impl fmt::Display for ShapedConst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapedConst::Eye(n) => write!(f, "I:{n}"),
            ShapedConst::Ones(n) => write!(f, "ones:{n}"),
            ShapedConst::Zero(r, c) => write!(f, "zero:{r}:{c}"),
            ShapedConst::Commutation(m, n) => write!(f, "K:{m}:{n}"),
        }
    }
}

impl FromStr for ShapedConst {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let parts: Vec<&str> = s.split(':').collect();
        let dim = |i: usize| -> Result<Dim, ()> {
            let p = parts.get(i).ok_or(())?;
            if p.is_empty() {
                return Err(());
            }
            Ok(Dim::new(p))
        };
        match (parts[0], parts.len()) {
            ("I", 2) => Ok(ShapedConst::Eye(dim(1)?)),
            ("ones", 2) => Ok(ShapedConst::Ones(dim(1)?)),
            ("zero", 3) => Ok(ShapedConst::Zero(dim(1)?, dim(2)?)),
            ("K", 3) => Ok(ShapedConst::Commutation(dim(1)?, dim(2)?)),
            _ => Err(()),
        }
    }
}

define_language! {
    /// One node of an expression or of an e-graph. `diag` of a vector and `diag` of a
    /// matrix are two operators here (`diag`, `diagv`), told apart by the type checker.
    pub enum Math {
        "+" = Add([Id; 2]),
        "-" = Sub([Id; 2]),
        "neg" = Neg(Id),
        "*" = Mul([Id; 2]),
        ".*" = HMul([Id; 2]),
        "./" = HDiv([Id; 2]),
        "^" = Pow([Id; 2]),
        "T" = Trans(Id),
        "tr" = Tr(Id),
        "det" = Det(Id),
        "logdet" = LogDet(Id),
        "inv" = Inv(Id),
        "adj" = Adj(Id),
        "kron" = Kron([Id; 2]),
        "diag" = Diag(Id),
        "diagv" = DiagV(Id),
        "vec" = Vec(Id),
        "sum" = Sum(Id),
        "norm2" = Norm2(Id),
        "exp" = Exp(Id),
        "log" = Log(Id),
        "sin" = Sin(Id),
        "cos" = Cos(Id),
        "tanh" = Tanh(Id),
        "sigmoid" = Sigmoid(Id),
        "sqrt" = Sqrt(Id),
        // The differential of its child.
        "d" = D(Id),
        // (lin C X) is tr(C dX): the canonical form of the differential of a scalar.
        "lin" = Lin([Id; 2]),
        // (jac J x) is J dx (or D dx for a scalar x): vector or matrix by scalar or vector.
        "jac" = Jac([Id; 2]),
        // (jacv J X) is J vec(dX), a column of length rows(F)*cols(F): by a matrix.
        "jacv" = JacVec([Id; 2]),
        Num(Number),
        Const(ShapedConst),
        Sym(Symbol),
    }
}

/// Elementwise functions, in one place for the printers, the oracle and the checker.
pub const ELEMENTWISE: &[&str] = &["exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt"];

impl Math {
    /// The scalar literal `0` or a shaped zero, whichever fits `shape`.
    pub fn zero(shape: Shape) -> Math {
        if shape.is_scalar() {
            Math::Num(Number::new(0.0).expect("0 is not NaN"))
        } else {
            Math::Const(ShapedConst::zero_of(shape))
        }
    }

    pub fn is_elementwise(&self) -> bool {
        matches!(
            self,
            Math::Exp(_)
                | Math::Log(_)
                | Math::Sin(_)
                | Math::Cos(_)
                | Math::Tanh(_)
                | Math::Sigmoid(_)
                | Math::Sqrt(_)
        )
    }
}

/// Why a node has no shape: the operands do not fit the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeFault {
    /// The operator's operands do not conform (message names the shapes).
    Mismatch(String),
    /// A variable with no known shape.
    UnknownName(Symbol),
}

/// The shape of `node`, given its children's shapes and the variables' shapes.
/// The single source of truth for shape rules after type checking.
pub fn node_shape(
    node: &Math,
    child: impl Fn(Id) -> Shape,
    var: impl Fn(Symbol) -> Option<Shape>,
) -> Result<Shape, ShapeFault> {
    use Math::*;
    let scalar = Shape::scalar();
    let mismatch =
        |op: &str, a: Shape, b: Shape| Err(ShapeFault::Mismatch(format!("{op}: {a} and {b}")));
    let square = |op: &str, a: Shape| {
        if a.is_square() {
            Ok(a)
        } else {
            Err(ShapeFault::Mismatch(format!("{op} of a non-square {a}")))
        }
    };
    match node {
        Num(_) => Ok(scalar),
        Const(c) => Ok(c.shape()),
        Sym(s) => var(*s).ok_or(ShapeFault::UnknownName(*s)),
        Add([a, b]) | Sub([a, b]) => {
            let (a, b) = (child(*a), child(*b));
            if a == b {
                Ok(a)
            } else {
                mismatch("sum", a, b)
            }
        }
        HMul([a, b]) | HDiv([a, b]) => {
            let (a, b) = (child(*a), child(*b));
            if a == b || b.is_scalar() {
                Ok(a)
            } else if a.is_scalar() {
                Ok(b)
            } else {
                mismatch("elementwise product", a, b)
            }
        }
        Mul([a, b]) => mul_shape(child(*a), child(*b)),
        Jac([j, x]) => mul_shape(child(*j), child(*x)),
        Lin([c, x]) => {
            let (c, x) = (child(*c), child(*x));
            if c == x.transposed() {
                Ok(scalar)
            } else {
                mismatch("lin", c, x)
            }
        }
        JacVec([j, x]) => {
            let (j, x) = (child(*j), child(*x));
            if j.cols == dim_mul(x.rows, x.cols) {
                Ok(Shape::new(j.rows, Dim::one()))
            } else {
                mismatch("jacv", j, x)
            }
        }
        Pow([a, b]) => {
            let (a, b) = (child(*a), child(*b));
            if !b.is_scalar() {
                return mismatch("power", a, b);
            }
            square("power", a)
        }
        Neg(a) | D(a) => Ok(child(*a)),
        Exp(a) | Log(a) | Sin(a) | Cos(a) | Tanh(a) | Sigmoid(a) | Sqrt(a) => Ok(child(*a)),
        Trans(a) => Ok(child(*a).transposed()),
        Tr(a) | Det(a) | LogDet(a) => square(&node.to_string(), child(*a)).map(|_| scalar),
        Inv(a) | Adj(a) => square(&node.to_string(), child(*a)),
        Kron([a, b]) => {
            let (a, b) = (child(*a), child(*b));
            Ok(Shape::new(dim_mul(a.rows, b.rows), dim_mul(a.cols, b.cols)))
        }
        Diag(a) => {
            let a = child(*a);
            if a.cols.is_one() {
                Ok(Shape::new(a.rows, a.rows))
            } else {
                Err(ShapeFault::Mismatch(format!("diag of a non-vector {a}")))
            }
        }
        DiagV(a) => square("diag", child(*a)).map(|s| Shape::new(s.rows, Dim::one())),
        Vec(a) => {
            let a = child(*a);
            Ok(Shape::new(dim_mul(a.rows, a.cols), Dim::one()))
        }
        Sum(_) | Norm2(_) => Ok(scalar),
    }
}

/// `*` scales when a side is 1×1 and multiplies matrices otherwise.
pub fn mul_shape(a: Shape, b: Shape) -> Result<Shape, ShapeFault> {
    if a.is_scalar() {
        Ok(b)
    } else if b.is_scalar() {
        Ok(a)
    } else if a.cols == b.rows {
        Ok(Shape::new(a.rows, b.cols))
    } else {
        Err(ShapeFault::Mismatch(format!("product: {a} and {b}")))
    }
}
