//! Errors with spans, rendered as diagnostics with a caret under the problem.
//!
//! The library never prints: it returns [`Error`], and the binary renders it.

use std::fmt;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};

/// Byte offsets `[start, end)` into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Which text a span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// The expression (the first one, for `equiv`).
    Expr,
    /// The second expression of `equiv`.
    Expr2,
    /// The `--let` declarations.
    Let,
    /// A rule file or a catalog line; the index is into `Report::extra`.
    Other(usize),
}

/// One problem in one input, pointing at its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    pub span: Span,
    pub input: Input,
    pub label: String,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(message: String, span: Span) -> Diagnostic {
        Diagnostic {
            message,
            span,
            input: Input::Expr,
            label: String::new(),
            notes: Vec::new(),
        }
    }
    pub fn in_input(mut self, input: Input) -> Diagnostic {
        self.input = input;
        self
    }
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
}

/// Everything that can go wrong, as the library reports it.
#[derive(Debug, Clone)]
pub enum Error {
    /// Bad input: every problem found, with the texts they point into.
    Input(Report),
    /// The input was fine but a derivation, a proof or a check did not succeed.
    Failed(String),
    /// A limit (time, nodes) ended the work before it had an answer.
    Limit(String),
}

impl Error {
    /// SPEC §3: 2 for bad input, 1 when a derivation or check failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Failed(_) | Error::Limit(_) => 1,
        }
    }
    /// A bad-input error with no source text to point into.
    pub fn plain(message: impl Into<String>) -> Error {
        Error::Input(Report::plain(message))
    }
    /// The error as plain text (no colour), for terminals, JSON and snapshots.
    pub fn render(&self) -> String {
        match self {
            Error::Input(r) => r.render(),
            Error::Failed(m) | Error::Limit(m) => format!("error: {m}\n"),
        }
    }
    /// The first message, one line, for tables.
    pub fn headline(&self) -> String {
        match self {
            Error::Input(r) => r
                .diagnostics
                .first()
                .map(|d| d.message.clone())
                .or_else(|| r.plain.clone())
                .unwrap_or_default(),
            Error::Failed(m) | Error::Limit(m) => m.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Error {}

/// Diagnostics together with the texts they point into.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sources: Vec<(Input, String, String)>,
    pub diagnostics: Vec<Diagnostic>,
    pub plain: Option<String>,
}

impl Report {
    pub fn plain(message: impl Into<String>) -> Report {
        Report {
            plain: Some(message.into()),
            ..Report::default()
        }
    }

    pub fn new(sources: Vec<(Input, String, String)>, diagnostics: Vec<Diagnostic>) -> Report {
        Report {
            sources,
            diagnostics,
            plain: None,
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(p) = &self.plain {
            out.push_str(&format!("error: {p}\n"));
        }
        let mut files = SimpleFiles::new();
        let ids: Vec<(Input, usize)> = self
            .sources
            .iter()
            .map(|(input, name, text)| (*input, files.add(name.clone(), text.clone())))
            .collect();
        let config = Config::default();
        for d in &self.diagnostics {
            let Some(&(_, file)) = ids.iter().find(|(i, _)| *i == d.input) else {
                out.push_str(&format!("error: {}\n", d.message));
                continue;
            };
            let range = d.span.start..d.span.end;
            let cs = CsDiagnostic::error()
                .with_message(&d.message)
                .with_labels(vec![Label::primary(file, range).with_message(&d.label)])
                .with_notes(d.notes.clone());
            match term::emit_into_string(&config, &files, &cs) {
                Ok(text) => out.push_str(&text),
                Err(_) => out.push_str(&format!("error: {}\n", d.message)),
            }
        }
        out
    }
}
