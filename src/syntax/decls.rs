//! The `--let` declarations: `A: matrix(m,n); x: vector(n); s: scalar; S: symmetric(n);
//! y: simplex(n)`. Sizes are names, whole numbers or products of them (`vector(m*n)`).

use indexmap::IndexMap;

use crate::error::{Diagnostic, Input, Span};

/// What a declaration says a name is. Sizes may be left out (`None`): they are inferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclKind {
    Scalar,
    Vector(Option<String>),
    Matrix(Option<(String, String)>),
    Symmetric(Option<String>),
    /// A vector with positive entries that sum to 1 (probabilities).
    Simplex(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    pub kind: DeclKind,
    pub span: Span,
}

/// Declarations in the order given.
pub type Decls = IndexMap<String, Decl>;

/// Reads every declaration, reporting every bad one (spans point into the `--let` text).
pub fn parse_decls(src: &str) -> Result<Decls, Vec<Diagnostic>> {
    let mut decls = Decls::new();
    let mut errors = Vec::new();
    let mut offset = 0;
    for part in src.split(';') {
        let start = offset + (part.len() - part.trim_start().len());
        offset += part.len() + 1;
        let text = part.trim();
        if text.is_empty() {
            continue;
        }
        let span = Span::new(start, start + text.len());
        match parse_one(text, start) {
            Ok((name, kind)) => {
                if let Some(prev) = decls.get(&name) {
                    if prev.kind != kind {
                        errors.push(
                            Diagnostic::new(format!("conflicting declarations of `{name}`"), span)
                                .in_input(Input::Let)
                                .with_label("declared differently before"),
                        );
                    }
                    continue;
                }
                decls.insert(name, Decl { kind, span });
            }
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(decls)
    } else {
        Err(errors)
    }
}

fn parse_one(text: &str, start: usize) -> Result<(String, DeclKind), Diagnostic> {
    let whole = Span::new(start, start + text.len());
    let err = |m: String, span: Span| Err(Diagnostic::new(m, span).in_input(Input::Let));
    let Some(colon) = text.find(':') else {
        return err(
            format!("`{text}` is not a declaration"),
            whole,
        )
        .map_err(|d: Diagnostic| d.with_note("write `name: scalar`, `name: vector(n)`, `name: matrix(m,n)` or `name: symmetric(n)`"));
    };
    let name = text[..colon].trim();
    if name.is_empty() {
        return err(
            "a declaration needs a name before its `:`".to_string(),
            Span::new(start, start + colon + 1),
        )
        .map_err(|d: Diagnostic| d.with_note("write `name: scalar`, `name: vector(n)`, `name: matrix(m,n)` or `name: symmetric(n)`"));
    }
    if !is_identifier(name) {
        return err(
            format!("`{name}` is not a name"),
            Span::new(start, start + colon.max(1)),
        );
    }
    if is_builtin(name) {
        return err(
            format!("`{name}` is a built-in name and cannot be declared"),
            Span::new(start, start + colon.max(1)),
        )
        .map_err(|d: Diagnostic| d.with_note("choose another name for the variable"));
    }
    let rest = &text[colon + 1..];
    let rest_start = start + colon + 1 + (rest.len() - rest.trim_start().len());
    let rest = rest.trim();
    let rest_span = Span::new(rest_start, rest_start + rest.len());
    let (kind_word, dims) = match rest.find('(') {
        Some(open) => {
            if !rest.ends_with(')') {
                return err("unclosed `(` in a declaration".into(), rest_span);
            }
            let inner = &rest[open + 1..rest.len() - 1];
            let dims: Vec<String> = inner.split(',').map(|d| d.trim().to_string()).collect();
            if let Some(bad) = dims.iter().find(|d| !is_dimension(d)) {
                let inner_span = Span::new(rest_start + open + 1, rest_start + rest.len() - 1);
                let message = if bad.is_empty() {
                    "a size is missing (a name, a positive whole number or a product of them)"
                        .to_string()
                } else {
                    format!("`{bad}` is not a size (a name, a positive whole number or a product of them)")
                };
                return err(message, inner_span);
            }
            (rest[..open].trim(), Some(dims))
        }
        None => (rest, None),
    };
    let arity =
        |want: usize, dims: Option<Vec<String>>| -> Result<Option<Vec<String>>, Diagnostic> {
            match dims {
                Some(d) if d.len() != want => Err(Diagnostic::new(
                    format!(
                        "`{kind_word}` takes {want} size{}, found {}",
                        if want == 1 { "" } else { "s" },
                        d.len()
                    ),
                    rest_span,
                )
                .in_input(Input::Let)),
                other => Ok(other),
            }
        };
    let kind = match kind_word {
        "scalar" => {
            if dims.is_some() {
                return err("a scalar takes no sizes".into(), rest_span);
            }
            DeclKind::Scalar
        }
        "vector" => DeclKind::Vector(arity(1, dims)?.map(|d| d[0].clone())),
        "symmetric" => DeclKind::Symmetric(arity(1, dims)?.map(|d| d[0].clone())),
        "simplex" => DeclKind::Simplex(arity(1, dims)?.map(|d| d[0].clone())),
        "matrix" => DeclKind::Matrix(arity(2, dims)?.map(|d| (d[0].clone(), d[1].clone()))),
        "" => {
            return err(
                format!("`{name}:` needs a kind after the colon: scalar, vector(n), matrix(m,n), symmetric(n) or simplex(n)"),
                Span::new(start, start + colon + 1),
            )
        }
        other => {
            return err(
                format!("unknown kind `{other}`: expected scalar, vector, matrix, symmetric or simplex"),
                rest_span,
            )
        }
    };
    let one_sized = match &kind {
        DeclKind::Vector(Some(n)) | DeclKind::Simplex(Some(n)) | DeclKind::Symmetric(Some(n)) => {
            crate::shape::Dim::new(n).is_one()
        }
        DeclKind::Matrix(Some((r, c))) => {
            crate::shape::Dim::new(r).is_one() && crate::shape::Dim::new(c).is_one()
        }
        _ => false,
    };
    if one_sized {
        return err(
            format!("`{name}` would be 1×1: declare it `{name}: scalar`"),
            rest_span,
        );
    }
    Ok((name.to_string(), kind))
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A size: names and positive whole numbers, multiplied (`m*n`, `2*n`).
fn is_dimension(s: &str) -> bool {
    !s.is_empty()
        && s.split('*').map(str::trim).all(|f| {
            is_identifier(f)
                || (!f.is_empty()
                    && f.len() < 10
                    && f.chars().all(|c| c.is_ascii_digit())
                    && f.parse::<u64>().is_ok_and(|v| v > 0))
        })
}

/// Names the language gives a meaning of its own: constants, functions, `where`.
pub fn is_builtin(name: &str) -> bool {
    const CONSTANTS: &[&str] = &[
        "I", "K", "eye", "ones", "zeros", "vector", "matrix", "where",
    ];
    CONSTANTS.contains(&name) || !crate::lang::Op::from_call(name).is_empty()
}
