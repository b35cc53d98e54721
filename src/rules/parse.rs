//! Reading rule files. A file is a sequence of S-expression forms, `;` comments to the
//! end of the line. Forms are split here (so every problem has a line and column) and
//! each is read with `symbolic_expressions`:
//!
//! ```text
//! ; d(AB) = dA B + A dB
//! (rule d-product (d (* ?a ?b)) => (+ (* (d ?a) ?b) (* ?a (d ?b)))
//!   :when (depends ?a) :ref "tutorial eq. (3)")
//! (family simplify :phase simplify)   ; optional: the file's default phase
//! ```
//! Every bad form is reported; nothing is skipped silently.

use egg::{FromOp, Pattern, Var};
use symbolic_expressions::Sexp;

use super::condition::Condition;
use super::template::{Meta, TNode, Template};
use super::{Phase, Rule};
use crate::lang::Math;

/// A problem in a rule file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// One top-level form: its text, where it starts, and the comment lines right above it.
struct Form<'a> {
    text: &'a str,
    offset: usize,
    comment: Vec<String>,
}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

/// Splits a file into forms, tracking strings and comments.
fn split_forms<'a>(src: &'a str, mut error: impl FnMut(usize, String)) -> Vec<Form<'a>> {
    let mut forms: Vec<Form<'a>> = Vec::new();
    let mut comment: Vec<String> = Vec::new();
    // A rule right below another, with no blank line, shares its comment.
    let mut blank_since_form = true;
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                let end = src[i..].find('\n').map(|e| i + e).unwrap_or(src.len());
                comment.push(src[i..end].trim_start_matches(';').trim().to_string());
                i = end;
            }
            b'\n' if i + 1 < bytes.len() && bytes[i + 1] == b'\n' => {
                // A blank line ends the comment block that belongs to the next rule.
                comment.clear();
                blank_since_form = true;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'(' => {
                let start = i;
                let mut depth = 0usize;
                let mut in_string = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'"' => in_string = !in_string,
                        b';' if !in_string => {
                            i = src[i..].find('\n').map(|e| i + e).unwrap_or(src.len());
                            continue;
                        }
                        b'(' if !in_string => depth += 1,
                        b')' if !in_string => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    error(start, "this form is never closed".to_string());
                    return forms;
                }
                i += 1;
                let mut own = std::mem::take(&mut comment);
                if own.is_empty() && !blank_since_form {
                    own = forms.last().map(|f| f.comment.clone()).unwrap_or_default();
                }
                blank_since_form = false;
                forms.push(Form {
                    text: &src[start..i],
                    offset: start,
                    comment: own,
                });
            }
            _ => {
                let end = src[i..]
                    .find(|c: char| c.is_whitespace() || c == '(')
                    .map(|e| i + e)
                    .unwrap_or(src.len());
                error(i, format!("`{}` stands outside any form", &src[i..end]));
                i = end;
            }
        }
    }
    forms
}

/// Text of an S-expression, as egg's pattern parser reads it.
fn sexp_text(s: &Sexp) -> String {
    match s {
        Sexp::String(t) => t.clone(),
        Sexp::List(items) => {
            let inner: Vec<String> = items.iter().map(sexp_text).collect();
            format!("({})", inner.join(" "))
        }
        Sexp::Empty => "()".to_string(),
    }
}

/// Reads one rule file: the rules it defines, or every problem in it.
pub fn parse_rule_file(file: &str, family: &str, src: &str) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut push_error = |offset: usize, message: String| {
        let (line, col) = line_col(src, offset);
        errors.push(RuleError {
            file: file.to_string(),
            line,
            col,
            message,
        });
    };
    let mut raw_errors: Vec<(usize, String)> = Vec::new();
    let forms = split_forms(src, |o, m| raw_errors.push((o, m)));
    let mut rules = Vec::new();
    let mut default_phase = if family == "simplify" {
        Phase::Simplify
    } else {
        Phase::Derive
    };
    for form in forms {
        let sexp = match symbolic_expressions::parser::parse_str(form.text) {
            Ok(s) => s,
            Err(e) => {
                raw_errors.push((form.offset, format!("not an S-expression: {e}")));
                continue;
            }
        };
        let items = match &sexp {
            Sexp::List(items) if !items.is_empty() => items,
            _ => {
                raw_errors.push((form.offset, "an empty form".to_string()));
                continue;
            }
        };
        match items[0].string().map(|s| s.as_str()) {
            Ok("family") => match read_options(&items[2.min(items.len())..]) {
                Ok(opts) => {
                    if let Some(p) = opts.phase {
                        default_phase = p;
                    }
                }
                Err(m) => raw_errors.push((form.offset, m)),
            },
            Ok("rule") => match read_rule(items, family, &form.comment, default_phase) {
                Ok(rs) => rules.extend(rs.into_iter().map(|mut r| {
                    r.line = line_col(src, form.offset).0;
                    r
                })),
                Err(m) => raw_errors.push((form.offset, m)),
            },
            _ => raw_errors.push((
                form.offset,
                format!(
                    "expected `(rule …)` or `(family …)`, found `{}`",
                    sexp_text(&items[0])
                ),
            )),
        }
    }
    for (o, m) in raw_errors {
        push_error(o, m);
    }
    let mut seen = std::collections::HashSet::new();
    for r in &rules {
        if !seen.insert(r.name.clone()) {
            errors.push(RuleError {
                file: file.to_string(),
                line: r.line,
                col: 1,
                message: format!("the rule name `{}` is used twice", r.name),
            });
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        errors.sort_by_key(|e| (e.line, e.col));
        Err(errors)
    }
}

#[derive(Default)]
struct Options {
    conditions: Vec<Condition>,
    reference: Option<String>,
    phase: Option<Phase>,
    bookkeeping: bool,
}

fn read_options(items: &[Sexp]) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut i = 0;
    while i < items.len() {
        let key = items[i]
            .string()
            .map_err(|_| format!("expected an option, found `{}`", sexp_text(&items[i])))?;
        i += 1;
        match key.as_str() {
            ":when" => {
                while i < items.len() && matches!(&items[i], Sexp::List(_)) {
                    opts.conditions.push(read_condition(&items[i])?);
                    i += 1;
                }
            }
            ":ref" => {
                let v = items.get(i).ok_or(":ref needs a text")?;
                opts.reference = Some(sexp_text(v));
                i += 1;
            }
            ":phase" => {
                let v = items.get(i).map(sexp_text).unwrap_or_default();
                opts.phase = Some(match v.as_str() {
                    "expand" => Phase::Expand,
                    "derive" => Phase::Derive,
                    "simplify" => Phase::Simplify,
                    "prove" => Phase::Prove,
                    "both" => Phase::Both,
                    other => {
                        return Err(format!("unknown phase `{other}`: derive, simplify or both"))
                    }
                });
                i += 1;
            }
            ":bookkeeping" => opts.bookkeeping = true,
            other => {
                return Err(format!(
                    "unknown option `{other}`: :when, :ref, :phase or :bookkeeping"
                ))
            }
        }
    }
    Ok(opts)
}

fn read_var(s: &Sexp) -> Result<Var, String> {
    let t = sexp_text(s);
    if !t.starts_with('?') {
        return Err(format!(
            "expected a pattern variable like `?a`, found `{t}`"
        ));
    }
    t.parse::<Var>()
        .map_err(|e| format!("bad variable `{t}`: {e}"))
}

fn read_condition(s: &Sexp) -> Result<Condition, String> {
    let Sexp::List(items) = s else {
        return Err(format!("a condition is a list, found `{}`", sexp_text(s)));
    };
    let name = items.first().map(sexp_text).unwrap_or_default();
    let arity = Condition::arity(&name).ok_or_else(|| {
        let known: Vec<&str> = super::condition::CONDITIONS.iter().map(|c| c.0).collect();
        format!("unknown condition `{name}` (known: {})", known.join(", "))
    })?;
    let found = items.len() as isize - 1;
    let fits = match arity {
        -1 => found == 0,
        0 => found >= 1,
        n => found == n,
    };
    if !fits {
        let want = match arity {
            -1 => "no variables".to_string(),
            0 => "one or more variables".to_string(),
            n => format!("{n} variable(s)"),
        };
        return Err(format!("condition `{name}` takes {want}, found {found}"));
    }
    let vars = items[1..].iter().map(read_var).collect::<Result<_, _>>()?;
    Ok(Condition { name, vars })
}

fn read_rule(
    items: &[Sexp],
    family: &str,
    comment: &[String],
    default_phase: Phase,
) -> Result<Vec<Rule>, String> {
    if items.len() < 5 {
        return Err("a rule reads `(rule NAME LHS => RHS [:when …] [:ref …])`".to_string());
    }
    let name = sexp_text(&items[1]);
    let arrow = sexp_text(&items[3]);
    let both_ways = match arrow.as_str() {
        "=>" => false,
        "<=>" => true,
        other => {
            return Err(format!(
                "rule `{name}`: expected `=>` or `<=>`, found `{other}`"
            ))
        }
    };
    let opts = read_options(&items[5..]).map_err(|m| format!("rule `{name}`: {m}"))?;
    let identity = comment.join(" ");
    let make = |name: String, lhs: &Sexp, rhs: &Sexp| -> Result<Rule, String> {
        let lhs_text = sexp_text(lhs);
        if Meta::ALL
            .iter()
            .any(|(m, _)| lhs_text.contains(&format!("({m} ")))
        {
            return Err(format!(
                "rule `{name}`: shape constants like zero-like belong on the right-hand side"
            ));
        }
        let pattern: Pattern<Math> = lhs_text
            .parse()
            .map_err(|e| format!("rule `{name}`: bad left-hand side `{lhs_text}`: {e}"))?;
        let template = read_template(rhs).map_err(|m| format!("rule `{name}`: {m}"))?;
        let bound = pattern.vars();
        for v in template
            .vars()
            .iter()
            .chain(opts.conditions.iter().flat_map(|c| c.vars.iter()))
        {
            if !bound.contains(v) {
                return Err(format!(
                    "rule `{name}`: {v} is not bound by the left-hand side"
                ));
            }
        }
        let rewrite = Rule::build_rewrite(&name, &pattern, &template, &opts.conditions)
            .map_err(|e| format!("rule `{name}`: {e}"))?;
        Ok(Rule {
            rewrite,
            name,
            family: family.to_string(),
            lhs: pattern,
            lhs_text,
            rhs: template,
            rhs_text: sexp_text(rhs),
            conditions: opts.conditions.clone(),
            reference: opts.reference.clone(),
            identity: identity.clone(),
            phase: opts.phase.unwrap_or(default_phase),
            line: 0,
            bookkeeping: opts.bookkeeping,
        })
    };
    let mut out = vec![make(name.clone(), &items[2], &items[4])?];
    if both_ways {
        out.push(make(format!("{name}-rev"), &items[4], &items[2])?);
    }
    Ok(out)
}

fn read_template(s: &Sexp) -> Result<Template, String> {
    let mut nodes = Vec::new();
    build(s, &mut nodes)?;
    Ok(Template { nodes })
}

fn build(s: &Sexp, nodes: &mut Vec<TNode>) -> Result<egg::Id, String> {
    let node = match s {
        Sexp::String(t) if t.starts_with('?') => TNode::Var(read_var(s)?),
        Sexp::String(t) => TNode::Node(
            Math::from_op(t, vec![]).map_err(|_| format!("`{t}` is not a leaf of the language"))?,
        ),
        Sexp::List(items) if !items.is_empty() => {
            let head = sexp_text(&items[0]);
            if let Some(meta) = Meta::from_name(&head) {
                if items.len() != 2 {
                    return Err(format!("`{head}` takes one variable"));
                }
                TNode::Meta(meta, read_var(&items[1])?)
            } else {
                let children = items[1..]
                    .iter()
                    .map(|c| build(c, nodes))
                    .collect::<Result<Vec<_>, _>>()?;
                TNode::Node(Math::from_op(&head, children).map_err(|_| {
                    format!(
                        "`{head}` with {} argument(s) is not an operator of the language",
                        items.len() - 1
                    )
                })?)
            }
        }
        _ => return Err(format!("unexpected `{}`", sexp_text(s))),
    };
    nodes.push(node);
    Ok(egg::Id::from(nodes.len() - 1))
}
