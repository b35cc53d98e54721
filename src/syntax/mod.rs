//! Reading and writing the expression language of SPEC §1.
//!
//! `lexer` and `parser` turn text into an [`ast::Program`] whose every node keeps its
//! source span; `decls` reads `--let`; the printers (`text`, `latex`, `numpy`) write
//! typed expressions back out, spelling every operator as the table says; `share`
//! names repeated subterms and `sizing` decides which constants print without a size.

pub mod ast;
pub mod decls;
pub mod latex;
pub mod lexer;
pub mod numpy;
pub mod parser;
mod share;
pub use share::Names;
mod sizing;
pub mod text;

pub use parser::parse_program;
