//! From the user's text to typed expressions: parse, read `--let`, check shapes.
//! Every problem in any of the texts is collected into one report.

use crate::error::{Diagnostic, Error, Input, Report};
use crate::shape::Shape;
use crate::syntax::decls::{parse_decls, Decls};
use crate::syntax::parse_program;
use crate::typecheck::{typecheck, Checked, Typed};

pub use crate::env::Env;

/// Parses and type-checks one expression under the declarations `decls`.
pub fn read_expr(src: &str, decls: &str) -> Result<(Typed, Env), Error> {
    let mut c = read_exprs(&[src], decls, &[])?;
    Ok((c.typed.remove(0), c.env))
}

/// Parses and type-checks expressions that share their names (`equiv` reads two). The
/// i-th must have the shape `shapes[i]` when given: a derivative's text read against
/// the shape it must have, so that a bare `I` gets its size.
pub fn read_exprs(srcs: &[&str], decls: &str, shapes: &[Option<Shape>]) -> Result<Checked, Error> {
    let inputs = [Input::Expr, Input::Expr2];
    let mut sources = vec![(Input::Let, "--let".to_string(), decls.to_string())];
    for (i, src) in srcs.iter().enumerate() {
        let name = if srcs.len() == 1 {
            "expression".to_string()
        } else {
            format!("expression {}", i + 1)
        };
        sources.push((inputs[i.min(1)], name, src.to_string()));
    }
    let fail = |diags: Vec<Diagnostic>| Error::Input(Report::new(sources.clone(), diags));

    let mut errors = Vec::new();
    let decls: Decls = parse_decls(decls).unwrap_or_else(|e| {
        errors.extend(e);
        Decls::new()
    });
    let mut parsed = Vec::new();
    for (i, src) in srcs.iter().enumerate() {
        match parse_program(src) {
            Ok(e) => parsed.push(e),
            Err(ds) => errors.extend(ds.into_iter().map(|d| d.in_input(inputs[i.min(1)]))),
        }
    }
    if !errors.is_empty() {
        return Err(fail(errors));
    }
    let programs: Vec<_> = parsed
        .iter()
        .zip(srcs)
        .enumerate()
        .map(|(i, (e, src))| (e, inputs[i.min(1)], *src))
        .collect();
    typecheck(&programs, &decls, shapes).map_err(fail)
}
