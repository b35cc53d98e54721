//! The built-in rule files, read lazily. Building a rule (its pattern compiled for
//! egg's matcher, its template, its conditions) is most of a small derivation's cost
//! if every rule is built at start-up, and one derivation needs few of them. So the
//! embedded files are only scanned for what choosing rules needs (name, phase, flags,
//! the operators of each side); a rule is built the first time a search asks for it.
//!
//! The scan trusts the files to be well formed: they are compiled in, and a test builds
//! every rule of them and compares it with what the scan said. Files given with
//! `--rules` are read eagerly instead (`parse::parse_rule_file`), so that every problem
//! is reported at once.

use super::heads::{Heads, OpSet};
use super::parse::{build_rule, family_phase, split_forms, Lines};
use super::{Phase, Rule};

/// Where a lazily built rule comes from.
#[derive(Debug, Clone)]
pub struct LazyForm {
    pub text: &'static str,
    pub family: &'static str,
    pub comment: Vec<&'static str>,
    pub default_phase: Phase,
    pub line: usize,
}

impl LazyForm {
    /// Builds one direction of the form's rule.
    pub fn build(&self, reverse: bool) -> Result<Rule, String> {
        let mut r = build_rule(
            self.text,
            self.family,
            &self.comment,
            self.default_phase,
            reverse,
        )?;
        r.line = self.line;
        Ok(r)
    }
}

/// What the scan of one rule (one direction of a form) found.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub name: String,
    pub phase: Phase,
    pub tidy: bool,
    pub heads: Heads,
    pub reverse: bool,
    pub form: std::sync::Arc<LazyForm>,
}

/// The rules of one embedded file, in file order, unbuilt.
pub fn scan_file(family: &'static str, src: &'static str) -> Vec<Scanned> {
    let lines = Lines::new(src);
    let mut default_phase = family_phase(family);
    let mut out = Vec::new();
    for form in split_forms(src, &mut |_, _| {}) {
        let items = top_level(form.text);
        match items.first().copied() {
            Some("family") => {
                if let Some(p) = option_value(&items, ":phase").and_then(Phase::from_name) {
                    default_phase = p;
                }
            }
            Some("rule") if items.len() >= 5 => {
                let phase = option_value(&items[5..], ":phase")
                    .and_then(Phase::from_name)
                    .unwrap_or(default_phase);
                let tidy = items[5..].contains(&":tidy");
                let lazy = std::sync::Arc::new(LazyForm {
                    text: form.text,
                    family,
                    comment: form.comment,
                    default_phase,
                    line: lines.line_col(src, form.offset).0,
                });
                let (lhs, rhs) = (OpSet::of_text(items[2]), OpSet::of_text(items[4]));
                out.push(Scanned {
                    name: items[1].to_string(),
                    phase,
                    tidy,
                    heads: Heads { lhs, rhs },
                    reverse: false,
                    form: lazy.clone(),
                });
                if items[3] == "<=>" {
                    out.push(Scanned {
                        name: format!("{}-rev", items[1]),
                        phase,
                        tidy,
                        heads: Heads { lhs: rhs, rhs: lhs },
                        reverse: true,
                        form: lazy,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The value after `key` among a form's items.
fn option_value<'a>(items: &[&'a str], key: &str) -> Option<&'a str> {
    let at = items.iter().position(|i| *i == key)?;
    items.get(at + 1).copied()
}

/// The top-level items of one form `( … )`: atoms, strings (with their quotes) and
/// lists, as slices of its text. Comments are skipped.
fn top_level(form: &str) -> Vec<&str> {
    let inner = form
        .strip_prefix('(')
        .and_then(|f| f.strip_suffix(')'))
        .unwrap_or(form);
    let bytes = inner.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'(' => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    match bytes[i] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        b';' => {
                            while i < bytes.len() && bytes[i] != b'\n' {
                                i += 1;
                            }
                            continue;
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'(' | b')' | b'"' | b';')
                {
                    i += 1;
                }
            }
        }
        items.push(&inner[start..i.min(inner.len())]);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_items() {
        let items = top_level("(rule a ; c\n (+ ?a (* ?b 0)) => ?a :ref \"x (y)\" :tidy)");
        assert_eq!(
            items,
            vec![
                "rule",
                "a",
                "(+ ?a (* ?b 0))",
                "=>",
                "?a",
                ":ref",
                "\"x (y)\"",
                ":tidy"
            ]
        );
    }
}
