//! The case runner of `batch`, the rule research and the tests: one catalog case read,
//! derived, checked and compared with its expected form, as one serialisable row.
//! A panic in the library on one case becomes that case's failure; the others go on.

use std::time::Instant;

use serde::Serialize;

use crate::api::equiv_request;
use crate::api::{derive_request, Request};
use crate::catalog::{BadLine, Case, Identity};
use crate::engine::derive::{Convention, DeriveOptions};
use crate::engine::equiv::{equiv, EquivOptions, Verdict};
use crate::error::Error;
use crate::input::read_exprs;
use crate::report::{DerivationReport, StatsReport};
use crate::rules::RuleSet;
use crate::shape::{Dim, Shape};
use crate::typecheck::Typed;

/// How the cases of a run are derived.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub derive: DeriveOptions,
    pub equiv: EquivOptions,
}

/// What became of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Derived and numerically checked.
    Derived,
    /// Derived, but the check failed or could not evaluate.
    Unchecked,
    /// The case is not valid input (exit class 2).
    BadInput,
    /// The input was fine, but the derivation failed (exit class 1).
    Failed,
}

/// Whether the derivative equals the case's expected form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expected {
    Yes,
    No,
    Unknown,
}

/// One row of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub line: usize,
    pub id: String,
    pub expr: String,
    pub wrt: String,
    pub status: Status,
    /// 0 success, 1 a failed derivation or check, 2 bad input (as the command line exits).
    pub exit: u8,
    pub kind: Option<String>,
    pub shape: Option<[String; 2]>,
    pub derivative: Option<String>,
    pub latex: Option<String>,
    pub numpy: Option<String>,
    pub checked: bool,
    pub max_rel_err: Option<f64>,
    pub expected: Option<String>,
    pub expected_equal: Option<Expected>,
    pub expected_note: Option<String>,
    /// A point where the derivative and the expected form differ, for a `no`.
    pub counterexample: Option<String>,
    /// For an identity case: `equal`, `not equal` or `unknown`, and whether that is
    /// the verdict the catalog expects (an unknown is neither right nor wrong).
    pub verdict: Option<String>,
    pub verdict_right: Option<bool>,
    /// For a proved identity: the number of steps of its proof.
    pub proof_steps: Option<usize>,
    /// The case is an identity (`lhs`, `rhs`, `expect`), not a derivative.
    pub is_identity: bool,
    pub ms: f64,
    pub error: Option<String>,
    pub stats: Option<StatsReport>,
}

impl Row {
    fn bare(line: usize, id: String, expr: String, wrt: String) -> Row {
        Row {
            line,
            id,
            expr,
            wrt,
            status: Status::Failed,
            exit: 1,
            kind: None,
            shape: None,
            derivative: None,
            latex: None,
            numpy: None,
            checked: false,
            max_rel_err: None,
            expected: None,
            expected_equal: None,
            expected_note: None,
            counterexample: None,
            verdict: None,
            verdict_right: None,
            proof_steps: None,
            is_identity: false,
            ms: 0.0,
            error: None,
            stats: None,
        }
    }

    /// Whether the row counts as a failure of the run.
    pub fn failed(&self) -> bool {
        self.exit != 0
    }
}

/// The row of a line that is no case.
pub fn bad_line_row(b: &BadLine) -> Row {
    let mut r = Row::bare(
        b.line,
        b.id.clone().unwrap_or_else(|| format!("line {}", b.line)),
        String::new(),
        String::new(),
    );
    r.status = Status::BadInput;
    r.exit = 2;
    r.error = Some(format!("line {}: {}", b.line, b.message));
    r
}

/// Runs one case; never panics out.
pub fn run_case(case: &Case, rules: &RuleSet, opts: &RunOptions) -> Row {
    let started = Instant::now();
    let mut row = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_case_inner(case, rules, opts)
    }))
    .unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let mut r = Row::bare(
            case.line,
            case.id.clone(),
            case.expr.clone(),
            case.wrt.clone(),
        );
        r.error = Some(format!("internal error (a bug in matcalc): {why}"));
        r
    });
    row.expected = match &case.identity {
        Some(id) => Some(id.expect.clone()),
        None => case.expected.clone(),
    };
    row.ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1000.0;
    row
}

fn run_case_inner(case: &Case, rules: &RuleSet, opts: &RunOptions) -> Row {
    if let Some(identity) = &case.identity {
        return run_identity(case, identity, rules, opts);
    }
    let mut row = Row::bare(
        case.line,
        case.id.clone(),
        case.expr.clone(),
        case.wrt.clone(),
    );
    let mut derive = opts.derive.clone();
    if let Some(c) = &case.symmetric {
        derive.symmetric = match c.as_str() {
            "entries" => Convention::Entries,
            "none" => Convention::None,
            _ => Convention::Sym,
        };
    }
    let req = Request {
        expr: case.expr.clone(),
        decls: case.decls.clone(),
        wrt: case.wrt.split(',').map(|s| s.trim().to_string()).collect(),
        order: case.order,
        check: true,
        options: derive,
        render: crate::report::Renderings::ALL,
    };
    let answer = match derive_request(&req, rules) {
        Ok(a) => a,
        Err(e) => {
            failed(&mut row, &e);
            return row;
        }
    };
    // A mixed block case names its pair; otherwise the one report there is.
    let wanted: Vec<String> = req.wrt.clone();
    let Some(r) = answer
        .reports
        .iter()
        .find(|r| {
            r.wrt == wanted
                || (wanted.len() == 1
                    && r.wrt.len() == 2
                    && r.wrt[0] == wanted[0]
                    && r.wrt[1] == wanted[0])
        })
        .or(answer.reports.first())
    else {
        row.error = Some("no derivative was produced".to_string());
        return row;
    };
    fill(&mut row, r);
    let check = r.check.clone();
    row.checked = check.as_ref().is_some_and(|c| c.ok);
    row.max_rel_err = check
        .as_ref()
        .map(|c| c.max_rel_err)
        .filter(|e| e.is_finite());
    if row.checked {
        row.status = Status::Derived;
        row.exit = 0;
    } else {
        row.status = Status::Unchecked;
        row.exit = 1;
        row.error = Some(match check {
            Some(c) => format!(
                "the derivative disagrees with finite differences (relative error {:.1e})",
                c.max_rel_err
            ),
            None => "the derivative was not checked".to_string(),
        });
    }
    if let Some(expected) = &case.expected {
        compare_expected(&mut row, r, expected, rules, opts);
    }
    row
}

/// An identity case: proved, refuted, or unknown, against the verdict expected.
fn run_identity(case: &Case, id: &Identity, rules: &RuleSet, opts: &RunOptions) -> Row {
    let mut row = Row::bare(
        case.line,
        case.id.clone(),
        format!("{} = {}", id.lhs, id.rhs),
        String::new(),
    );
    row.is_identity = true;
    match equiv_request(&id.lhs, &id.rhs, &case.decls, rules, &opts.equiv) {
        Ok(r) => {
            let right = match r.verdict.as_str() {
                "equal" => Some(id.expect == "equal"),
                "not equal" => Some(id.expect == "not-equal"),
                _ => None,
            };
            row.status = Status::Derived;
            row.exit = match right {
                Some(true) => 0,
                Some(false) => 1,
                None => 0,
            };
            row.proof_steps = r.proof.as_ref().map(Vec::len);
            row.counterexample = r
                .counterexample
                .as_ref()
                .map(|c| format!("relative difference {:.1e}", c.rel_err));
            row.verdict = Some(r.verdict);
            row.verdict_right = right;
            row.error = (right == Some(false)).then(|| format!("expected {}", id.expect));
        }
        Err(e) => {
            failed(&mut row, &e);
        }
    }
    row
}

/// A row that ends in an error: bad input (exit 2) or a failure.
fn failed(row: &mut Row, e: &Error) {
    row.exit = e.exit_code() as u8;
    row.status = if row.exit == 2 {
        Status::BadInput
    } else {
        Status::Failed
    };
    row.error = Some(e.headline());
}

fn fill(row: &mut Row, r: &DerivationReport) {
    row.kind = Some(r.kind.clone());
    row.shape = Some(r.shape.clone());
    row.derivative = Some(r.text());
    row.latex = Some(r.latex.clone());
    row.numpy = r.numpy.clone();
    row.stats = Some(r.stats.clone());
}

/// The derivative (as printed, which reads back) against the expected text: a proof,
/// a counterexample, or unknown. Both are read together with `f`, so they share names
/// and sizes, and against the derivative's shape, so that a bare `I` gets its size.
fn compare_expected(
    row: &mut Row,
    r: &DerivationReport,
    expected: &str,
    rules: &RuleSet,
    opts: &RunOptions,
) {
    let shape = Shape::new(Dim::new(&r.shape[0]), Dim::new(&r.shape[1]));
    let read = read_exprs(
        &[&r.text(), expected],
        &r.decls,
        &[Some(shape), Some(shape)],
    );
    let checked = match read {
        Ok(c) => c,
        Err(e) => {
            row.expected_equal = Some(Expected::No);
            row.expected_note = Some(format!("the expected form is bad input: {}", e.headline()));
            if row.exit == 0 {
                row.exit = 2;
            }
            return;
        }
    };
    let (a, b): (&Typed, &Typed) = (&checked.typed[0], &checked.typed[1]);
    match equiv(a, b, &checked.env, rules, &opts.equiv) {
        Ok(e) => match e.verdict {
            Verdict::Equal { .. } => row.expected_equal = Some(Expected::Yes),
            Verdict::NotEqual { counterexample } => {
                row.expected_equal = Some(Expected::No);
                row.expected_note = Some(format!(
                    "they differ at a random point (relative difference {:.1e})",
                    counterexample.rel_err
                ));
                row.counterexample = Some(counterexample.describe());
                row.exit = row.exit.max(1);
                row.error.get_or_insert_with(|| {
                    "not equal to the expected form (see the counterexample)".to_string()
                });
            }
            Verdict::DifferentShapes { left, right } => {
                row.expected_equal = Some(Expected::No);
                row.expected_note = Some(format!("different shapes: {left} and {right}"));
                row.exit = row.exit.max(1);
                row.error.get_or_insert_with(|| {
                    format!("not equal to the expected form: different shapes, {left} and {right}")
                });
            }
            Verdict::Unknown { points, stop } => {
                row.expected_equal = Some(Expected::Unknown);
                row.expected_note = Some(format!(
                    "no proof within the limits ({stop}), but equal at {points} random points"
                ));
            }
        },
        Err(e) => {
            row.expected_equal = Some(Expected::Unknown);
            row.expected_note = Some(e.headline());
        }
    }
}

/// The closing line of a run.
pub fn summary(rows: &[Row], wall_ms: f64) -> String {
    if !rows.is_empty() && rows.iter().all(|r| r.is_identity) {
        return identity_summary(rows, wall_ms);
    }
    let n = rows.len();
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let derived = count(&|r| r.derivative.is_some());
    let checked = count(&|r| r.checked);
    let with_expected = count(&|r| r.expected.is_some());
    let equal = count(&|r| r.expected_equal == Some(Expected::Yes));
    let unknown = count(&|r| r.expected_equal == Some(Expected::Unknown));
    let not_equal = count(&|r| r.expected_equal == Some(Expected::No));
    let bad = count(&|r| r.status == Status::BadInput);
    let failed = count(&|r| r.failed());
    format!(
        "derived {derived}/{n}, numerically checked {checked}/{n}, equal to expected {equal}/{with_expected} \
         ({unknown} unknown, {not_equal} not equal), failed {failed} ({bad} bad input), total {wall_ms:.0} ms wall"
    )
}

/// The closing line of an identities run.
fn identity_summary(rows: &[Row], wall_ms: f64) -> String {
    fn expecting<'a>(rows: &'a [Row], e: &'static str) -> impl Iterator<Item = &'a Row> {
        rows.iter()
            .filter(move |r| r.expected.as_deref() == Some(e))
    }
    let true_ones = expecting(rows, "equal").count();
    let wrong_ones = expecting(rows, "not-equal").count();
    let proved = expecting(rows, "equal")
        .filter(|r| r.verdict_right == Some(true))
        .count();
    let refuted = expecting(rows, "not-equal")
        .filter(|r| r.verdict_right == Some(true))
        .count();
    let wrong = rows
        .iter()
        .filter(|r| r.verdict_right == Some(false))
        .count();
    let unknown = rows
        .iter()
        .filter(|r| r.verdict.as_deref() == Some("unknown"))
        .count();
    let failed = rows.iter().filter(|r| r.verdict.is_none()).count();
    let slowest = rows
        .iter()
        .filter(|r| r.verdict.as_deref() == Some("equal"))
        .max_by(|a, b| a.ms.total_cmp(&b.ms))
        .map(|r| format!(", slowest proof {} ({:.0} ms)", r.id, r.ms))
        .unwrap_or_default();
    format!(
        "proved {proved}/{true_ones} true identities, refuted {refuted}/{wrong_ones} wrong ones, \
         {unknown} unknown, {wrong} wrong verdicts, {failed} failed{slowest}, total {wall_ms:.0} ms wall"
    )
}
