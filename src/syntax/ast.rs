//! The syntax tree as written, each node with its byte span in the source.

pub use crate::error::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    HMul,
    HDiv,
    /// `a / s`: division by a scalar.
    Div,
    Pow,
    /// `.^`: elementwise power.
    HPow,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Num(f64),
    Name(String),
    Neg(Box<Expr>),
    Transpose(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A call `f(args)`; `name_span` covers the function's name alone.
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
}

/// A definition `name = expr` of a `where` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
}

/// A whole input: the expression and the intermediates it is defined with
/// (`f where h1 = …; h2 = …`), each of which may use the ones before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub body: Expr,
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}
