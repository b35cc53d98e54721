//! `matcalc batch`: derive every case of a JSON Lines catalog on all cores, check
//! each derivative against finite differences and, when the case gives one, against
//! its `expected` form; print one row per case in input order, then a summary.
//!
//! A malformed line or a bad case is a failed row; it never stops the others. Exit
//! codes: 0 every case derived and checked (and none refuted by its expected form),
//! 1 some case was not, 2 the file is unreadable. The summary goes to stdout after a
//! table, to stderr after JSON, so that stdout stays one JSON document or JSON Lines.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use egg::{RecExpr, Symbol};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::args::{BatchArgs, BatchFormat};
use matcalc::catalog::{read_catalog, BadLine, Case};
use matcalc::engine::derive::{derive, DeriveOptions};
use matcalc::engine::equiv::{equiv, Verdict};
use matcalc::numeric::{check_derivative, CHECK_POINTS, CHECK_SEED};
use matcalc::rules::RuleSet;
use matcalc::shapes::shapes_of;
use matcalc::syntax::{latex::to_latex, text::to_text_in};
use matcalc::{read_expr, read_exprs, read_exprs_shaped, Env, Error, Math, Typed};

/// The numeric check of a derivative against central finite differences.
#[derive(Debug, Clone)]
enum Check {
    Passed {
        max_rel_err: f64,
    },
    Wrong {
        max_rel_err: f64,
    },
    /// The check could not evaluate (the message says why).
    Error(String),
}

/// The derivative against the case's `expected` form.
#[derive(Debug, Clone)]
enum Expected {
    /// The case gives none.
    Absent,
    /// Proved equal by the rules.
    Equal,
    /// Refuted, or the expected text is itself bad input; the note says which.
    NotEqual(String),
    /// No proof, but numerically equal; the note says how it was compared.
    Unknown(String),
}

#[derive(Debug, Clone)]
struct Derived {
    kind: String,
    derivative: String,
    derivative_latex: String,
    f_latex: String,
    wrt_latex: String,
    check: Check,
    expected: Expected,
    nodes: usize,
    iterations: usize,
    stop: String,
    derive_ms: f64,
}

#[derive(Debug, Clone)]
enum Outcome {
    Derived(Box<Derived>),
    /// Malformed line, bad input or no derivation: the error's headline.
    Failed(String),
}

#[derive(Debug, Clone)]
struct Row {
    line: usize,
    id: String,
    expr: String,
    wrt: String,
    expected: Option<String>,
    outcome: Outcome,
    ms: f64,
}

impl Row {
    fn derived(&self) -> Option<&Derived> {
        match &self.outcome {
            Outcome::Derived(d) => Some(d),
            Outcome::Failed(_) => None,
        }
    }
    fn checked(&self) -> bool {
        matches!(self.derived().map(|d| &d.check), Some(Check::Passed { .. }))
    }
    /// A row fails when it is not derived, not checked, or refuted by its expected form.
    fn failed(&self) -> bool {
        !self.checked()
            || matches!(
                self.derived().map(|d| &d.expected),
                Some(Expected::NotEqual(_))
            )
    }
    /// The first problem of the row, one line, or `None` when it has none.
    fn error(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Failed(e) => Some(e.clone()),
            Outcome::Derived(d) => match (&d.check, &d.expected) {
                (Check::Error(e), _) => Some(format!("the check could not evaluate: {e}")),
                (Check::Wrong { max_rel_err }, _) => Some(format!(
                    "the derivative disagrees with finite differences (relative error {max_rel_err:.1e})"
                )),
                (_, Expected::NotEqual(why)) => Some(format!("not equal to the expected form: {why}")),
                _ => None,
            },
        }
    }
}

pub fn run(a: &BatchArgs) -> Result<i32, Error> {
    let text = std::fs::read_to_string(&a.file)
        .map_err(|e| Error::plain(format!("cannot read {}: {e}", a.file.display())))?;
    let rules = super::load_rules(a.engine.rules.as_deref())?;
    let opts = super::derive_options(&a.engine);
    let lines = read_catalog(&text);

    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = a.jobs {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the worker threads: {e}")))?;

    let progress = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(lines.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {elapsed} {msg}")
        {
            pb.set_style(style);
        }
        pb
    } else {
        ProgressBar::hidden()
    };

    let started = Instant::now();
    let rows: Vec<Row> = pool.install(|| {
        lines
            .par_iter()
            .map(|entry| {
                let row = run_line(entry, &rules, &opts);
                progress.inc(1);
                row
            })
            .collect()
    });
    progress.finish_and_clear();
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;

    let summary = summary(&rows, wall_ms);
    let out = match a.format {
        BatchFormat::Markdown => format!("{}\n{summary}\n", markdown(&rows)),
        BatchFormat::Latex => format!("{}% {summary}\n", latex(&rows)),
        BatchFormat::Json => {
            let all = Value::Array(rows.iter().map(row_json).collect());
            format!(
                "{}\n",
                serde_json::to_string_pretty(&all).unwrap_or_default()
            )
        }
        BatchFormat::Jsonl => rows.iter().map(|r| format!("{}\n", row_json(r))).collect(),
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if matches!(a.format, BatchFormat::Json | BatchFormat::Jsonl) {
        eprintln!("{summary}");
    }
    Ok(if rows.iter().any(Row::failed) { 1 } else { 0 })
}

/// Reads, derives and checks one line; never panics out (a panic in the library on
/// one case becomes that case's failure, and the other cases go on).
fn run_line(entry: &Result<Case, BadLine>, rules: &RuleSet, opts: &DeriveOptions) -> Row {
    let started = Instant::now();
    let case = match entry {
        Ok(c) => c.clone(),
        Err(BadLine { line, id, message }) => {
            let line = *line;
            return Row {
                line,
                id: id.clone().unwrap_or_else(|| format!("line {line}")),
                expr: String::new(),
                wrt: String::new(),
                expected: None,
                outcome: Outcome::Failed(format!("line {line}: {message}")),
                ms: started.elapsed().as_secs_f64() * 1000.0,
            };
        }
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_case(&case, rules, opts)
    }))
    .unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Outcome::Failed(format!("internal error (a bug in matcalc): {why}"))
    });
    Row {
        line: case.line,
        id: case.id,
        expr: case.expr,
        wrt: case.wrt,
        expected: case.expected,
        outcome,
        ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

fn run_case(case: &Case, rules: &RuleSet, opts: &DeriveOptions) -> Outcome {
    let (f, env) = match read_expr(&case.expr, &case.decls) {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(e.headline()),
    };
    let wrt = Symbol::from(case.wrt.as_str());
    if !env.vars.contains_key(&wrt) {
        return Outcome::Failed(format!("`{}` does not occur in the expression", case.wrt));
    }
    let d = match derive(&f, &env, wrt, rules, opts) {
        Ok(d) => d,
        Err(e) => return Outcome::Failed(e.headline()),
    };
    let check = match check_derivative(&f.expr, &d.numerator, &env, wrt, CHECK_POINTS, CHECK_SEED) {
        Ok(r) if r.passed() => Check::Passed {
            max_rel_err: r.max_rel_err,
        },
        Ok(r) => Check::Wrong {
            max_rel_err: r.max_rel_err,
        },
        Err(e) => Check::Error(e.to_string()),
    };
    let expected = match &case.expected {
        None => Expected::Absent,
        Some(x) => compare_expected(case, &d.numerator, &env, x, rules, opts),
    };
    Outcome::Derived(Box::new(Derived {
        kind: d.kind.to_string(),
        derivative: to_text_in(&d.derivative, &env),
        derivative_latex: to_latex(&d.derivative),
        f_latex: to_latex(&f.expr),
        wrt_latex: to_latex(&RecExpr::from(vec![Math::Sym(wrt)])),
        check,
        expected,
        nodes: d.saturation.nodes,
        iterations: d.saturation.iterations,
        stop: d.saturation.stop.to_string(),
        derive_ms: d.saturation.ms + d.simplification.ms,
    }))
}

/// The derivative (numerator layout) against the expected text: a proof, a
/// counterexample, or unknown. The expected form is read together with `f` (so the two
/// share names and sizes) and against the derivative's shape (so that a bare `I` gets
/// its size); should that fail, the expected form alone is compared with finite
/// differences, and a match is reported as unknown.
fn compare_expected(
    case: &Case,
    numerator: &RecExpr<Math>,
    env: &Env,
    expected: &str,
    rules: &RuleSet,
    opts: &DeriveOptions,
) -> Expected {
    if let Err(e) = read_expr(expected, &case.decls) {
        return Expected::NotEqual(format!("the expected form is bad input: {}", e.headline()));
    }
    let compared = || -> Result<_, Error> {
        let shape = shapes_of(numerator, env)
            .ok()
            .and_then(|s| s.last().copied())
            .ok_or_else(|| Error::plain("the derivative has no shape"))?;
        let (typed, env2) =
            read_exprs_shaped(&[&case.expr, expected], &case.decls, &[None, Some(shape)])?;
        let derivative = Typed {
            expr: numerator.clone(),
            shape,
        };
        equiv(&derivative, &typed[1], &env2, rules, opts)
    };
    match compared() {
        Ok(e) => match e.verdict {
            Verdict::Equal { .. } => Expected::Equal,
            Verdict::NotEqual { counterexample } => Expected::NotEqual(format!(
                "they differ at a random point (relative difference {:.1e})",
                counterexample.rel_err
            )),
            Verdict::Unknown { points, stop } => Expected::Unknown(format!(
                "no proof within the limits ({stop}), but equal at {points} random points"
            )),
        },
        Err(_) => numeric_expected(case, expected),
    }
}

/// Two texts read together, sharing their names and sizes.
fn read_two(a: &str, b: &str, decls: &str) -> Result<(Typed, Typed, Env), Error> {
    let (typed, env) = read_exprs(&[a, b], decls)?;
    match <[Typed; 2]>::try_from(typed) {
        Ok([ta, tb]) => Ok((ta, tb, env)),
        Err(_) => Err(Error::Failed(
            "reading two expressions did not give two".to_string(),
        )),
    }
}

/// The expected form alone against finite differences of `f`.
fn numeric_expected(case: &Case, expected: &str) -> Expected {
    let wrt = Symbol::from(case.wrt.as_str());
    // Read together with `f`, so that the two share their sizes.
    let Ok((f, x, env)) = read_two(&case.expr, expected, &case.decls) else {
        return Expected::Unknown("the two forms could not be compared".to_string());
    };
    match check_derivative(&f.expr, &x.expr, &env, wrt, CHECK_POINTS, CHECK_SEED) {
        Ok(r) if r.passed() => Expected::Unknown(
            "the shapes could not be matched for a proof, but the expected form agrees with finite differences"
                .to_string(),
        ),
        Ok(r) => Expected::NotEqual(format!(
            "the expected form disagrees with finite differences (relative error {:.1e})",
            r.max_rel_err
        )),
        Err(e) => Expected::Unknown(format!("the expected form could not be evaluated: {e}")),
    }
}

fn summary(rows: &[Row], wall_ms: f64) -> String {
    let n = rows.len();
    let derived = rows.iter().filter(|r| r.derived().is_some()).count();
    let checked = rows.iter().filter(|r| r.checked()).count();
    let expectations: Vec<&Expected> = rows
        .iter()
        .filter_map(|r| r.derived().map(|d| &d.expected))
        .filter(|e| !matches!(e, Expected::Absent))
        .collect();
    let with_expected = rows.iter().filter(|r| r.expected.is_some()).count();
    let equal = expectations
        .iter()
        .filter(|e| matches!(e, Expected::Equal))
        .count();
    let unknown = expectations
        .iter()
        .filter(|e| matches!(e, Expected::Unknown(_)))
        .count();
    let not_equal = expectations
        .iter()
        .filter(|e| matches!(e, Expected::NotEqual(_)))
        .count();
    let failed = rows.iter().filter(|r| r.failed()).count();
    format!(
        "derived {derived}/{n}, numerically checked {checked}/{n}, equal to expected {equal}/{with_expected} \
         ({unknown} unknown, {not_equal} not equal), failed {failed}, total {wall_ms:.0} ms wall"
    )
}

fn check_word(c: &Check) -> &'static str {
    match c {
        Check::Passed { .. } => "yes",
        Check::Wrong { .. } | Check::Error(_) => "no",
    }
}

fn expected_word(e: &Expected) -> &'static str {
    match e {
        Expected::Absent => "—",
        Expected::Equal => "yes",
        Expected::NotEqual(_) => "no",
        Expected::Unknown(_) => "unknown",
    }
}

/// A table cell: no line breaks, `|` escaped.
fn md_cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

/// An expression in a table cell: a code span (with a longer fence if it holds a backtick).
fn md_code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let fence = if s.contains('`') { "``" } else { "`" };
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", md_cell(s))
}

fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| id | f | wrt | derivative | checked | expected | ms |\n");
    out.push_str("|---|---|---|---|---|---|---:|\n");
    for r in rows {
        let (derivative, checked, expected) = match &r.outcome {
            Outcome::Failed(e) => (
                format!("**failed:** {}", md_cell(e)),
                "no".to_string(),
                "—".to_string(),
            ),
            Outcome::Derived(d) => {
                let checked = match &d.check {
                    Check::Passed { .. } => "yes".to_string(),
                    Check::Wrong { max_rel_err } => {
                        format!("no (relative error {max_rel_err:.1e})")
                    }
                    Check::Error(e) => format!("no ({})", md_cell(e)),
                };
                let expected = match &d.expected {
                    Expected::NotEqual(why) => format!("no ({})", md_cell(why)),
                    e => expected_word(e).to_string(),
                };
                (md_code(&d.derivative), checked, expected)
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.0} |\n",
            md_cell(&r.id),
            md_code(&r.expr),
            md_code(&r.wrt),
            derivative,
            checked,
            expected,
            r.ms
        ));
    }
    out
}

/// Text for LaTeX's text mode.
fn tex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\n' | '\r' => out.push(' '),
            '—' => out.push_str("---"),
            _ => out.push(c),
        }
    }
    out
}

fn latex(rows: &[Row]) -> String {
    let mut out = String::from("% needs \\usepackage{longtable}\n");
    out.push_str("\\begin{longtable}{llllllr}\n");
    out.push_str(
        "id & $f$ & wrt & derivative & checked & expected & ms \\\\\n\\hline\n\\endhead\n",
    );
    for r in rows {
        let text = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("\\texttt{{{}}}", tex_escape(s))
            }
        };
        let (f, wrt, derivative, checked, expected) = match &r.outcome {
            Outcome::Failed(e) => (
                text(&r.expr),
                text(&r.wrt),
                format!("failed: {}", tex_escape(e)),
                "no".to_string(),
                "---".to_string(),
            ),
            Outcome::Derived(d) => (
                format!("${}$", d.f_latex),
                format!("${}$", d.wrt_latex),
                format!("${}$", d.derivative_latex),
                check_word(&d.check).to_string(),
                tex_escape(expected_word(&d.expected)),
            ),
        };
        out.push_str(&format!(
            "{} & {f} & {wrt} & {derivative} & {checked} & {expected} & {:.0} \\\\\n",
            tex_escape(&r.id),
            r.ms
        ));
    }
    out.push_str("\\end{longtable}\n");
    out
}

/// One row as JSON; every row has the same fields, `null` where a failed case has none.
fn row_json(r: &Row) -> Value {
    let d = r.derived();
    let max_rel_err = match d.map(|d| &d.check) {
        Some(Check::Passed { max_rel_err } | Check::Wrong { max_rel_err })
            if max_rel_err.is_finite() =>
        {
            json!(max_rel_err)
        }
        _ => Value::Null,
    };
    let expected_equal = match d.map(|d| &d.expected) {
        None | Some(Expected::Absent) => Value::Null,
        Some(e) => json!(expected_word(e)),
    };
    let expected_note = match d.map(|d| &d.expected) {
        Some(Expected::Unknown(why) | Expected::NotEqual(why)) => json!(why),
        _ => Value::Null,
    };
    json!({
        "line": r.line,
        "id": r.id,
        "expr": r.expr,
        "wrt": r.wrt,
        "expected": r.expected,
        "derived": d.is_some(),
        "kind": d.map(|d| &d.kind),
        "derivative": d.map(|d| &d.derivative),
        "latex": d.map(|d| &d.derivative_latex),
        "checked": r.checked(),
        "max_rel_err": max_rel_err,
        "expected_equal": expected_equal,
        "expected_note": expected_note,
        "ms": (r.ms * 1000.0).round() / 1000.0,
        "error": r.error(),
        "stats": d.map(|d| json!({
            "nodes": d.nodes,
            "iterations": d.iterations,
            "stop": d.stop,
            "ms": (d.derive_ms * 1000.0).round() / 1000.0,
        })),
    })
}
