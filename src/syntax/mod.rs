//! Reading and writing the expression language of SPEC §1.
//!
//! `lexer` and `parser` turn text into an [`ast::Expr`] whose every node keeps its
//! source span; `decls` reads `--let`; the printers (`text`, `latex`, `numpy`) write
//! typed e-graph expressions back out.

pub mod ast;
pub mod decls;
pub mod latex;
pub mod lexer;
pub mod numpy;
pub mod parser;
pub mod prec;
pub mod text;

pub use ast::{Expr, ExprKind, Span};
pub use parser::parse;
