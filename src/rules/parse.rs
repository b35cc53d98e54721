//! Reading rule files. A file is a sequence of S-expression forms, `;` comments to the
//! end of the line. Forms are split here (so every problem has a line and column, found
//! in time linear in the file) and each is read by `sexp`, which borrows its text:
//!
//! ```text
//! ; d(AB) = dA B + A dB
//! (rule d-product (d (* ?a ?b)) => (+ (* (d ?a) ?b) (* ?a (d ?b)))
//!   :when (depends ?a) :ref "tutorial eq. (3)")
//! (family simplify :phase simplify)   ; optional: the file's default phase
//! ```
//! Every bad form is reported; nothing is skipped silently. The splitter always makes
//! progress and refuses nesting deeper than `MAX_NESTING` before any recursive reader
//! sees it.

use egg::{ENodeOrVar, FromOp, Pattern, Var};

use super::condition::{Arity, Condition};
use super::sexp::{self, Sexp};
use super::template::{DimExpr, ShapedKind, TNode, Template};
use super::{Phase, Rule};
use crate::lang::{Math, Op};

use super::scan::split_forms;
/// At most this many problems are reported for one file.
const MAX_ERRORS: usize = 100;

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

/// Byte offsets of line starts, for positions in O(log n) each.
pub(super) struct Lines(Vec<usize>);

impl Lines {
    pub fn new(src: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }
    pub fn line_col(&self, src: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(src.len());
        let line = self.0.partition_point(|s| *s <= offset);
        let start = self.0[line - 1];
        let col = src
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, col)
    }
}

/// Builds one rule of a form already known to be well formed (a built-in file).
pub(super) fn build_rule(
    text: &str,
    family: &str,
    comment: &[&str],
    default_phase: Phase,
    reverse: bool,
) -> Result<Rule, String> {
    let sexp = sexp::read(text)?;
    let Sexp::List(items) = &sexp else {
        return Err("a rule is a list".to_string());
    };
    read_rule(items, family, comment, default_phase, Some(reverse))?
        .pop()
        .ok_or_else(|| "no such direction".to_string())
}

/// The family's default phase before any `(family … :phase …)` form.
pub(super) fn family_phase(family: &str) -> Phase {
    if family == "simplify" {
        Phase::Simplify
    } else {
        Phase::Prove
    }
}

/// Reads one rule file: the rules it defines, or every problem in it.
pub fn parse_rule_file(file: &str, family: &str, src: &str) -> Result<Vec<Rule>, Vec<RuleError>> {
    let lines = Lines::new(src);
    let mut raw_errors: Vec<(usize, String)> = Vec::new();
    let forms = split_forms(src, &mut |o, m| {
        if raw_errors.len() < MAX_ERRORS {
            raw_errors.push((o, m))
        }
    });
    let mut rules = Vec::new();
    let mut default_phase = family_phase(family);
    for form in forms {
        if raw_errors.len() >= MAX_ERRORS {
            break;
        }
        let sexp = match sexp::read(form.text) {
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
        match items[0].as_str() {
            Some("family") => match read_options(&items[2.min(items.len())..]) {
                Ok(opts) => {
                    if let Some(p) = opts.phase {
                        default_phase = p;
                    }
                }
                Err(m) => raw_errors.push((form.offset, m)),
            },
            Some("rule") => match read_rule(items, family, &form.comment, default_phase, None) {
                Ok(rs) => {
                    let line = lines.line_col(src, form.offset).0;
                    rules.extend(rs.into_iter().map(|mut r| {
                        r.line = line;
                        r
                    }))
                }
                Err(m) => raw_errors.push((form.offset, m)),
            },
            _ => raw_errors.push((
                form.offset,
                format!(
                    "expected `(rule …)` or `(family …)`, found `{}`",
                    items[0].text().chars().take(40).collect::<String>()
                ),
            )),
        }
    }
    let mut errors: Vec<RuleError> = raw_errors
        .into_iter()
        .map(|(o, message)| {
            let (line, col) = lines.line_col(src, o);
            RuleError {
                file: file.to_string(),
                line,
                col,
                message,
            }
        })
        .collect();
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
    tidy: bool,
}

fn read_options(items: &[Sexp<'_>]) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut i = 0;
    while i < items.len() {
        let key = items[i]
            .as_str()
            .ok_or_else(|| format!("expected an option, found `{}`", items[i].text()))?;
        i += 1;
        match key {
            ":when" => {
                while i < items.len() && matches!(&items[i], Sexp::List(_)) {
                    opts.conditions.push(read_condition(&items[i])?);
                    i += 1;
                }
            }
            ":ref" => {
                let v = items.get(i).ok_or(":ref needs a text")?;
                opts.reference = Some(v.text());
                i += 1;
            }
            ":phase" => {
                let v = items.get(i).map(Sexp::text).unwrap_or_default();
                opts.phase = Some(Phase::from_name(&v).ok_or_else(|| {
                    format!("unknown phase `{v}`: differential, collect, simplify, prove or both")
                })?);
                i += 1;
            }
            ":bookkeeping" => opts.bookkeeping = true,
            ":tidy" => opts.tidy = true,
            other => {
                return Err(format!(
                    "unknown option `{other}`: :when, :ref, :phase, :bookkeeping or :tidy"
                ))
            }
        }
    }
    Ok(opts)
}

fn read_var(s: &Sexp) -> Result<Var, String> {
    let t = s.text_cow();
    if !t.starts_with('?') || t.len() < 2 {
        return Err(format!(
            "expected a pattern variable like `?a`, found `{t}`"
        ));
    }
    t.parse::<Var>()
        .map_err(|e| format!("bad variable `{t}`: {e}"))
}

fn read_condition(s: &Sexp) -> Result<Condition, String> {
    let Sexp::List(items) = s else {
        return Err(format!("a condition is a list, found `{}`", s.text()));
    };
    let name = items.first().map(Sexp::text_cow).unwrap_or_default();
    let (kind, arity) = Condition::lookup(&name).ok_or_else(|| {
        let known: Vec<&str> = super::condition::CONDITIONS.iter().map(|c| c.0).collect();
        format!("unknown condition `{name}` (known: {})", known.join(", "))
    })?;
    let found = items.len() - 1;
    let fits = match arity {
        Arity::Exactly(n) => found == n,
        Arity::OneOrMore => found >= 1,
    };
    if !fits {
        let want = match arity {
            Arity::Exactly(n) => format!("{n} variable(s)"),
            Arity::OneOrMore => "one or more variables".to_string(),
        };
        return Err(format!("condition `{name}` takes {want}, found {found}"));
    }
    let vars = items[1..].iter().map(read_var).collect::<Result<_, _>>()?;
    Ok(Condition { kind, vars })
}

/// The head operator of a pattern's root, if it is a list.
fn head(s: &Sexp) -> Option<String> {
    match s {
        Sexp::List(items) => items.first().map(Sexp::text),
        _ => None,
    }
}

/// The rules of one `(rule …)` form: one, or two for `<=>`. `only` picks one
/// direction of them (`Some(true)`: the `-rev` one).
fn read_rule(
    items: &[Sexp],
    family: &str,
    comment: &[&str],
    default_phase: Phase,
    only: Option<bool>,
) -> Result<Vec<Rule>, String> {
    if items.len() < 5 {
        return Err("a rule reads `(rule NAME LHS => RHS [:when …] [:ref …])`".to_string());
    }
    let name = items[1].text_cow();
    if name.is_empty() || name.starts_with('(') {
        return Err("a rule needs a name right after `rule`".to_string());
    }
    let arrow = items[3].text_cow();
    let both_ways = match arrow.as_ref() {
        "=>" => false,
        "<=>" => true,
        other => {
            return Err(format!(
                "rule `{name}`: expected `=>` or `<=>`, found `{other}`"
            ))
        }
    };
    let opts = read_options(&items[5..]).map_err(|m| format!("rule `{name}`: {m}"))?;
    let phase = opts.phase.unwrap_or(default_phase);
    let identity = comment.join(" ");
    let make = |name: String, lhs: &Sexp, rhs: &Sexp| -> Result<Rule, String> {
        let lhs_text = lhs.text();
        match (phase, head(lhs).as_deref()) {
            (Phase::Differential, Some("d")) => {}
            (Phase::Differential, _) => {
                return Err(format!(
                    "rule `{name}`: a differential rule rewrites `(d …)`"
                ))
            }
            (Phase::Collect, Some("lin" | "jacv")) => {}
            (Phase::Collect, _) => {
                return Err(format!(
                    "rule `{name}`: a collect rule rewrites `(lin C …)` or `(jacv J …)`"
                ))
            }
            _ => {}
        }
        if let Some(m) = shaped_head(lhs) {
            return Err(format!(
                "rule `{name}`: shape constants like `{m}` belong on the right-hand side"
            ));
        }
        // Built from the S-expression already read, not by printing and parsing it
        // again (a 10 MB rule file would pay for that twice).
        let mut ast: egg::RecExpr<ENodeOrVar<Math>> = egg::RecExpr::default();
        pattern_node(lhs, &mut ast)
            .map_err(|e| format!("rule `{name}`: bad left-hand side `{lhs_text}`: {e}"))?;
        let pattern = Pattern::new(ast);
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
            rhs_text: rhs.text(),
            conditions: opts.conditions.clone(),
            reference: opts.reference.clone(),
            identity: identity.clone(),
            phase,
            line: 0,
            bookkeeping: opts.bookkeeping,
            tidy: opts.tidy,
        })
    };
    let mut out = Vec::new();
    if only != Some(true) {
        out.push(make(name.to_string(), &items[2], &items[4])?);
    }
    if both_ways && only != Some(false) {
        out.push(make(format!("{name}-rev"), &items[4], &items[2])?);
    }
    Ok(out)
}

/// The first shape constant (`ones`, `eye-rows`, …) heading a list inside `s`.
fn shaped_head(s: &Sexp) -> Option<&'static str> {
    const SHAPED: [&str; 13] = [
        "zero-like",
        "ones-like",
        "ones-rows",
        "ones-cols",
        "eye-rows",
        "eye-cols",
        "eye-vec",
        "commutation-of",
        "eye",
        "ones",
        "zeros",
        "K",
        "dim",
    ];
    let mut stack = vec![s];
    while let Some(s) = stack.pop() {
        if let Sexp::List(items) = s {
            if let Some(Sexp::Atom(h)) = items.first() {
                if let Some(m) = SHAPED.iter().find(|m| **m == *h) {
                    return Some(m);
                }
            }
            stack.extend(items.iter());
        }
    }
    None
}

/// Appends the pattern `s` (names `?x` are pattern variables) to `ast`.
fn pattern_node(s: &Sexp, ast: &mut egg::RecExpr<ENodeOrVar<Math>>) -> Result<egg::Id, String> {
    let node = match s {
        Sexp::Atom(t) if t.starts_with('?') => ENodeOrVar::Var(
            t.parse::<Var>()
                .map_err(|e| format!("bad variable `{t}`: {e}"))?,
        ),
        Sexp::Atom(t) => ENodeOrVar::ENode(Math::from_op(t, vec![]).map_err(|e| e.0)?),
        Sexp::List(items) if !items.is_empty() => {
            let Sexp::Atom(head) = &items[0] else {
                return Err(format!("`{}` is not an operator", items[0].text()));
            };
            let children = items[1..]
                .iter()
                .map(|c| pattern_node(c, ast))
                .collect::<Result<Vec<_>, _>>()?;
            ENodeOrVar::ENode(Math::from_op(head, children).map_err(|e| e.0)?)
        }
        _ => return Err(format!("unexpected `{}`", s.text())),
    };
    Ok(ast.add(node))
}

fn read_template(s: &Sexp) -> Result<Template, String> {
    let mut nodes = Vec::new();
    build(s, &mut nodes)?;
    Ok(Template { nodes })
}

/// The shorthands for shaped constants sized like one matched class.
fn like(name: &str, v: Var) -> Option<TNode> {
    use DimExpr::*;
    let (kind, dims) = match name {
        "zero-like" => (ShapedKind::Zeros, vec![Rows(v), Cols(v)]),
        "ones-like" => (ShapedKind::Ones, vec![Rows(v), Cols(v)]),
        "ones-rows" => (ShapedKind::Ones, vec![Rows(v)]),
        "ones-cols" => (ShapedKind::Ones, vec![Cols(v)]),
        "eye-rows" => (ShapedKind::Eye, vec![Rows(v)]),
        "eye-cols" => (ShapedKind::Eye, vec![Cols(v)]),
        "eye-vec" => (ShapedKind::Eye, vec![Size(v)]),
        "commutation-of" => (ShapedKind::Commutation, vec![Rows(v), Cols(v)]),
        _ => return None,
    };
    Some(TNode::Shaped(kind, dims))
}

fn read_dim(s: &Sexp) -> Result<DimExpr, String> {
    match s {
        Sexp::Atom(t) | Sexp::Str(t) => t
            .parse::<u64>()
            .ok()
            .filter(|k| *k >= 1)
            .map(DimExpr::Int)
            .ok_or_else(|| {
                format!(
                    "`{t}` is not a size: write (rows ?a), (cols ?a), (size ?a) or a whole number"
                )
            }),
        Sexp::List(items) => {
            let h = items.first().map(Sexp::text).unwrap_or_default();
            match (h.as_str(), items.len()) {
                ("rows", 2) if items[1].text() == "self" => Ok(DimExpr::SelfRows),
                ("cols", 2) if items[1].text() == "self" => Ok(DimExpr::SelfCols),
                ("rows", 2) => Ok(DimExpr::Rows(read_var(&items[1])?)),
                ("cols", 2) => Ok(DimExpr::Cols(read_var(&items[1])?)),
                ("size", 2) => Ok(DimExpr::Size(read_var(&items[1])?)),
                ("*", 3) => Ok(DimExpr::Mul(
                    Box::new(read_dim(&items[1])?),
                    Box::new(read_dim(&items[2])?),
                )),
                _ => Err(format!("`{}` is not a size", s.text())),
            }
        }
    }
}

fn build(s: &Sexp, nodes: &mut Vec<TNode>) -> Result<egg::Id, String> {
    let node = match s {
        Sexp::Atom(t) if t.starts_with('?') => TNode::Var(read_var(s)?),
        Sexp::Atom(t) => TNode::Node(
            Math::from_op(t, vec![]).map_err(|_| format!("`{t}` is not a leaf of the language"))?,
        ),
        Sexp::List(items) if !items.is_empty() => {
            let head = match &items[0] {
                Sexp::Atom(h) => std::borrow::Cow::Borrowed(*h),
                other => std::borrow::Cow::Owned(other.text()),
            };
            let head = head.as_ref();
            if let (true, Some(v)) = (items.len() == 2, items.get(1)) {
                if let Some(t) = read_var(v).ok().and_then(|v| like(head, v)) {
                    nodes.push(t);
                    return Ok(egg::Id::from(nodes.len() - 1));
                }
            }
            if let Some((_, kind)) = ShapedKind::ALL.iter().find(|(n, _)| *n == head) {
                let dims = items[1..]
                    .iter()
                    .map(read_dim)
                    .collect::<Result<Vec<_>, _>>()?;
                let arity_ok = match kind {
                    ShapedKind::Eye | ShapedKind::Number => dims.len() == 1,
                    ShapedKind::Ones => dims.len() == 1 || dims.len() == 2,
                    ShapedKind::Zeros | ShapedKind::Commutation => dims.len() == 2,
                };
                if !arity_ok {
                    return Err(format!(
                        "`({head} …)` takes {} size(s)",
                        match kind {
                            ShapedKind::Eye | ShapedKind::Number => "1",
                            ShapedKind::Ones => "1 or 2",
                            _ => "2",
                        }
                    ));
                }
                TNode::Shaped(*kind, dims)
            } else {
                if Op::from_name(head).is_none() {
                    return Err(format!("`{head}` is not an operator of the language"));
                }
                let children = items[1..]
                    .iter()
                    .map(|c| build(c, nodes))
                    .collect::<Result<Vec<_>, _>>()?;
                TNode::Node(Math::from_op(head, children).map_err(|e| e.0)?)
            }
        }
        _ => return Err(format!("unexpected `{}`", s.text())),
    };
    nodes.push(node);
    Ok(egg::Id::from(nodes.len() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_line_and_column() {
        let src = "; c\n(rule a (+ ?a ?b) => (+ ?b ?a))\n\n  junk (rule)";
        let errs = parse_rule_file("f", "f", src).expect_err("bad");
        assert_eq!((errs[0].line, errs[0].col), (4, 3));
        assert!(errs[0].message.contains("junk"));
    }

    #[test]
    fn odd_whitespace_and_deep_nesting_are_errors_not_hangs() {
        for src in ["\u{b}", "\u{a0}", "x\u{b}y", "\u{2028}(rule"] {
            let r = parse_rule_file("f", "f", src);
            // Whitespace alone is an empty file; anything else is reported.
            if let Err(e) = r {
                assert!(!e.is_empty());
            }
        }
        let deep = format!("{}{}", "(".repeat(40_000), ")".repeat(40_000));
        let errs = parse_rule_file("f", "f", &deep).expect_err("too deep");
        assert!(errs[0].message.contains("nested too deeply"));
    }
}
