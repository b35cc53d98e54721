//! The e-graph language `Math`: every operator of the table (`op`), the differential
//! `d`, the canonical forms, and the leaves (numbers, names, shaped constants).

mod constant;
mod op;
pub mod prec;

use std::fmt;
use std::str::FromStr;

use egg::{FromOp, Id, Language, Symbol};
use ordered_float::NotNan;

pub use constant::Const;
pub use op::{Class, Domain, Kernel, Latex, Numpy, Op, OpInfo, Text};

use crate::shape::{Exact, Fault, Sh, Shape};

/// A numeric literal. Ordered and hashable so that it can be an e-graph leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(NotNan<f64>);

impl Number {
    /// `None` for NaN and infinities, which no literal can produce. `-0` is `0`.
    pub fn new(v: f64) -> Option<Number> {
        if !v.is_finite() {
            return None;
        }
        let v = if v == 0.0 { 0.0 } else { v };
        NotNan::new(v).ok().map(Number)
    }
    pub fn int(v: i64) -> Number {
        // An i64 converts to a finite, non-NaN f64.
        Number(NotNan::new(v as f64).unwrap_or_default())
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
        s.parse::<f64>().ok().and_then(Number::new).ok_or(())
    }
}

/// One node of an expression or of an e-graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Math {
    Unary(Op, [Id; 1]),
    Binary(Op, [Id; 2]),
    Num(Number),
    Const(Const),
    Sym(Symbol),
}

/// What egg compares first when matching nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Discriminant {
    Op(Op),
    Num,
    Const,
    Sym,
}

impl Math {
    /// The node `op(children…)`; `None` when the count does not fit the operator.
    pub fn op(op: Op, children: &[Id]) -> Option<Math> {
        match (op.arity(), children) {
            (1, [a]) => Some(Math::Unary(op, [*a])),
            (2, [a, b]) => Some(Math::Binary(op, [*a, *b])),
            _ => None,
        }
    }
    pub fn unary(op: Op, a: Id) -> Math {
        Math::Unary(op, [a])
    }
    pub fn binary(op: Op, a: Id, b: Id) -> Math {
        Math::Binary(op, [a, b])
    }
    pub fn num(v: f64) -> Math {
        Math::Num(Number::new(v).unwrap_or_else(|| Number::int(0)))
    }
    /// The operator, for nodes that have one.
    pub fn operator(&self) -> Option<Op> {
        match self {
            Math::Unary(o, _) | Math::Binary(o, _) => Some(*o),
            _ => None,
        }
    }
    /// The scalar literal `0` or a shaped zero, whichever fits `shape`.
    pub fn zero(shape: Shape) -> Math {
        if shape.is_scalar() {
            Math::Num(Number::int(0))
        } else {
            Math::Const(Const::Zero(shape.rows, shape.cols))
        }
    }
    pub fn is_op(&self, op: Op) -> bool {
        self.operator() == Some(op)
    }
}

impl Language for Math {
    type Discriminant = Discriminant;

    fn discriminant(&self) -> Discriminant {
        match self {
            Math::Unary(o, _) | Math::Binary(o, _) => Discriminant::Op(*o),
            Math::Num(_) => Discriminant::Num,
            Math::Const(_) => Discriminant::Const,
            Math::Sym(_) => Discriminant::Sym,
        }
    }

    fn matches(&self, other: &Self) -> bool {
        match (self, other) {
            (Math::Unary(a, _), Math::Unary(b, _)) | (Math::Binary(a, _), Math::Binary(b, _)) => {
                a == b
            }
            (a, b) if a.is_leaf() && b.is_leaf() => a == b,
            _ => false,
        }
    }

    fn children(&self) -> &[Id] {
        match self {
            Math::Unary(_, c) => c,
            Math::Binary(_, c) => c,
            _ => &[],
        }
    }

    fn children_mut(&mut self) -> &mut [Id] {
        match self {
            Math::Unary(_, c) => c,
            Math::Binary(_, c) => c,
            _ => &mut [],
        }
    }
}

impl fmt::Display for Math {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Math::Unary(o, _) | Math::Binary(o, _) => f.write_str(o.name()),
            Math::Num(n) => write!(f, "{n}"),
            Math::Const(c) => write!(f, "{c}"),
            Math::Sym(s) => write!(f, "{s}"),
        }
    }
}

/// Why an S-expression head is not a node of the language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOp(pub String);

impl fmt::Display for UnknownOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromOp for Math {
    type Error = UnknownOp;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, Self::Error> {
        if children.is_empty() {
            if let Ok(n) = op.parse::<Number>() {
                return Ok(Math::Num(n));
            }
            if let Ok(c) = op.parse::<Const>() {
                return Ok(Math::Const(c));
            }
            if op.is_empty() {
                return Err(UnknownOp("an empty name".to_string()));
            }
            // A leaf that is not a number or a constant is a name, even one spelled like
            // an operator (a variable may be called `d` or `T`).
            return Ok(Math::Sym(Symbol::from(op)));
        }
        let o = Op::from_name(op).ok_or_else(|| UnknownOp(format!("unknown operator `{op}`")))?;
        Math::op(o, &children).ok_or_else(|| {
            UnknownOp(format!(
                "`{op}` takes {} operand(s), found {}",
                o.arity(),
                children.len()
            ))
        })
    }
}

/// Why a node has no shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeFault {
    /// The operator's operands do not fit it (the message names the shapes).
    Mismatch(String),
    /// A variable with no known shape.
    UnknownName(Symbol),
}

/// The shape of `node`, given its children's shapes and the variables' shapes: the
/// operator's one shape rule (from the table), with sizes compared exactly.
pub fn node_shape(
    node: &Math,
    child: impl Fn(Id) -> Shape,
    var: impl Fn(Symbol) -> Option<Shape>,
) -> Result<Shape, ShapeFault> {
    match node {
        Math::Num(_) => Ok(Shape::scalar()),
        Math::Const(c) => Ok(c.shape()),
        Math::Sym(s) => var(*s).ok_or(ShapeFault::UnknownName(*s)),
        Math::Unary(op, _) | Math::Binary(op, _) => {
            let args: Vec<Sh<crate::shape::Dim>> = node
                .children()
                .iter()
                .map(|i| {
                    let s = child(*i);
                    Sh::new(s.rows, s.cols)
                })
                .collect();
            match op.info().shape.apply(&mut Exact, &args) {
                Ok(s) => Ok(Shape::new(s.rows, s.cols)),
                Err(f) => {
                    let shown: Vec<String> = args
                        .iter()
                        .map(|a| Shape::new(a.rows, a.cols).to_string())
                        .collect();
                    Err(ShapeFault::Mismatch(format!(
                        "{} of {}{}",
                        op.name(),
                        shown.join(" and "),
                        fault_note(f)
                    )))
                }
            }
        }
    }
}

fn fault_note(f: Fault) -> &'static str {
    match f {
        Fault::NotSquare(_) => " (not square)",
        Fault::NotColumn(_) => " (not a column)",
        Fault::ExponentNotScalar => " (the exponent is not a scalar)",
        Fault::Arity | Fault::Mismatch => "",
    }
}

/// The shape of every node of `expr`, indexed like its nodes.
pub fn shapes_of(
    expr: &egg::RecExpr<Math>,
    var: impl Fn(Symbol) -> Option<Shape>,
) -> Result<Vec<Shape>, ShapeFault> {
    let mut out: Vec<Shape> = Vec::with_capacity(expr.as_ref().len());
    for node in expr.as_ref() {
        let s = node_shape(node, |id| out[usize::from(id)], &var)?;
        out.push(s);
    }
    Ok(out)
}
