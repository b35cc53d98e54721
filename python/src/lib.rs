//! `matcalc._matcalc`: the Rust half of the Python package.
//!
//! Every function here takes plain values (strings, numbers, lists of strings) and
//! returns one JSON text: the library's serde reports (the command line's JSON) on
//! success, or `{"error": {...}}` on failure. The pure-Python layer (`matcalc/`) turns
//! the JSON into objects and the errors into exceptions, so no Python object crosses
//! into a worker thread and no exception type has to be shared with Rust.
//!
//! Each call runs on a worker thread with a large stack (expressions are walked
//! recursively in places) inside `catch_unwind`, with the GIL released, so that a
//! panic in the library becomes an `internal` error instead of reaching Python and
//! other Python threads run meanwhile. The workers are kept between calls (one pool
//! per process, so a forked child builds its own).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use serde_json::{json, Value};

use matcalc::{
    bad_line_row, check_rule, derive_request, equiv_request, read_catalog, read_exprs, run_case,
    summary, Convention, DeriveOptions, Env, EquivOptions, Error, Input, Layout, Renderings,
    Request, Row, RuleSet, RuleVerdict, RunOptions,
};

/// The stack of the thread a call runs on (the command line uses 256 MiB for its one
/// thread; a Python process may run several calls at once).
const STACK_BYTES: usize = 64 << 20;

/// The stack of each `batch` and audit worker.
const POOL_STACK_BYTES: usize = 64 << 20;

// ---------------------------------------------------------------------------------
// Running a call safely

/// Runs `f` with the GIL released, on a worker thread with a large stack, catching any
/// panic. The result is the JSON text `f` returns, or an error object.
fn run<F>(py: Python<'_>, f: F) -> String
where
    F: FnOnce() -> Value + Send,
{
    py.detach(|| on_big_stack(f))
}

/// The calls' worker threads: kept, so that a call does not pay for a new thread and
/// its stack pages each time (about 0.2 ms). At least four, so that a long derivation
/// does not hold up every other Python thread's short ones.
fn workers() -> Option<&'static rayon::ThreadPool> {
    // Keyed by the process: a child made by fork() (multiprocessing) has none of the
    // parent's threads, and must build its own pool rather than wait on the parent's.
    static POOL: Mutex<Option<(u32, &'static rayon::ThreadPool)>> = Mutex::new(None);
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((owner, pool)) = *slot {
        if owner == pid {
            return Some(pool);
        }
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores.max(4))
        .stack_size(STACK_BYTES)
        .thread_name(|i| format!("matcalc-call-{i}"))
        .build()
        .ok()?;
    let pool: &'static rayon::ThreadPool = Box::leak(Box::new(pool));
    *slot = Some((pid, pool));
    Some(pool)
}

fn on_big_stack<F>(f: F) -> String
where
    F: FnOnce() -> Value + Send,
{
    let value = match workers() {
        Some(pool) => pool.install(|| guarded(f)),
        // No pool (threads could not start): one thread for this call.
        None => std::thread::scope(|s| {
            let spawned = std::thread::Builder::new()
                .name("matcalc".to_string())
                .stack_size(STACK_BYTES)
                .spawn_scoped(s, || guarded(f));
            match spawned {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|_| internal("the worker thread ended abnormally".to_string())),
                Err(e) => internal(format!("cannot start a worker thread: {e}")),
            }
        }),
    };
    to_json(&value)
}

/// `f()`, or an `internal` error object if it panics.
fn guarded<F: FnOnce() -> Value>(f: F) -> Value {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        internal(format!("internal error (a bug in matcalc): {why}"))
    })
}

fn to_json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| {
        format!(r#"{{"error":{{"type":"internal","message":"cannot write JSON: {e}"}}}}"#)
    })
}

fn ser<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or_else(|e| internal(format!("cannot write JSON: {e}")))
}

fn internal(message: String) -> Value {
    json!({"error": {
        "type": "internal",
        "message": message,
        "render": format!("error: {message}\n"),
        "exit_code": 1,
        "diagnostics": [],
    }})
}

/// The error object of a library error: its class, headline, caret text and spans.
fn error_value(e: &Error) -> Value {
    let (kind, diagnostics, rendered) = match e {
        Error::Input(report) => {
            // The sources are named as the command line names them; from Python the
            // declarations are the `let` argument.
            let mut report = report.clone();
            for (_, name, _) in report.sources.iter_mut() {
                if name == "--let" {
                    *name = "let".to_string();
                }
            }
            let diagnostics: Vec<Value> = report
                .diagnostics
                .iter()
                .map(|d| {
                    let source = report
                        .sources
                        .iter()
                        .find(|(i, _, _)| *i == d.input)
                        .map(|(_, _, text)| text.clone());
                    json!({
                        "message": d.message,
                        "span": [d.span.start, d.span.end],
                        "input": input_name(d.input),
                        "label": d.label,
                        "notes": d.notes,
                        "source": source,
                    })
                })
                .collect();
            ("input", diagnostics, report.render())
        }
        Error::Failed(_) => ("failed", Vec::new(), e.render()),
        Error::Limit(_) => ("limit", Vec::new(), e.render()),
    };
    json!({"error": {
        "type": kind,
        "message": e.headline(),
        "render": rendered,
        "exit_code": e.exit_code(),
        "diagnostics": diagnostics,
    }})
}

fn input_name(i: Input) -> String {
    match i {
        Input::Expr => "expr".to_string(),
        Input::Expr2 => "expr2".to_string(),
        Input::Let => "let".to_string(),
        Input::Other(k) => format!("other{k}"),
    }
}

fn rules() -> Result<&'static RuleSet, Value> {
    RuleSet::builtin().map_err(|errs| {
        let lines: Vec<String> = errs.iter().take(20).map(|e| e.to_string()).collect();
        internal(format!(
            "the built-in rules do not load ({} problem(s)): {}",
            errs.len(),
            lines.join("; ")
        ))
    })
}

// ---------------------------------------------------------------------------------
// Options

fn layout_of(s: &str) -> PyResult<Layout> {
    match s {
        "numerator" => Ok(Layout::Numerator),
        "denominator" => Ok(Layout::Denominator),
        _ => Err(PyValueError::new_err(format!(
            "layout must be \"numerator\" or \"denominator\", not {s:?}"
        ))),
    }
}

fn convention_of(s: &str) -> PyResult<Convention> {
    match s {
        "sym" => Ok(Convention::Sym),
        "entries" => Ok(Convention::Entries),
        "none" => Ok(Convention::None),
        _ => Err(PyValueError::new_err(format!(
            "symmetric must be \"sym\", \"entries\" or \"none\", not {s:?}"
        ))),
    }
}

fn duration_of(seconds: Option<f64>) -> PyResult<Option<Duration>> {
    match seconds {
        None => Ok(None),
        Some(s) if (0.0..1e9).contains(&s) => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(PyValueError::new_err(format!(
            "time_limit must be a non-negative number of seconds, not {s}"
        ))),
    }
}

/// The command line's settings: the presentation search gets the smaller of its own
/// budget and the user's limit; the whole derivation gets the user's limit.
fn derive_options(
    layout: &str,
    symmetric: &str,
    steps: bool,
    time_limit: Option<f64>,
    without: Vec<String>,
) -> PyResult<DeriveOptions> {
    let mut o = DeriveOptions {
        layout: layout_of(layout)?,
        symmetric: convention_of(symmetric)?,
        steps,
        without,
        ..DeriveOptions::default()
    };
    if let Some(t) = duration_of(time_limit)? {
        o.limits.time = o.limits.time.min(t);
        o.time_limit = t;
    }
    Ok(o)
}

// ---------------------------------------------------------------------------------
// Names

/// Every name with its kind and shape (after inference), in order of first use.
fn inputs_value(env: &Env) -> Value {
    Value::Array(
        env.vars
            .iter()
            .map(|(name, info)| {
                json!({
                    "name": name.to_string(),
                    "kind": info.kind.name(),
                    "shape": [info.shape.rows.to_string(), info.shape.cols.to_string()],
                    "declared": info.declared,
                })
            })
            .collect(),
    )
}

/// A report as the command line's JSON, plus `text` (the printed form, `.text()`).
fn report_value(r: &matcalc::DerivationReport) -> Value {
    let mut v = ser(r);
    if let Value::Object(m) = &mut v {
        m.insert("text".to_string(), json!(r.text()));
    }
    v
}

// ---------------------------------------------------------------------------------
// The functions

/// Derives `expr` by each name of `wrt`; JSON `{reports, warnings, inputs}`.
#[pyfunction]
#[pyo3(signature = (expr, decls, wrt, order=1, layout="numerator", symmetric="sym",
                    check=false, steps=false, time_limit=None, without=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn derive(
    py: Python<'_>,
    expr: String,
    decls: String,
    wrt: Vec<String>,
    order: u8,
    layout: &str,
    symmetric: &str,
    check: bool,
    steps: bool,
    time_limit: Option<f64>,
    without: Vec<String>,
) -> PyResult<String> {
    let options = derive_options(layout, symmetric, steps, time_limit, without)?;
    let req = Request {
        expr,
        decls,
        wrt,
        order,
        check,
        options,
        render: Renderings::ALL,
    };
    Ok(run(py, move || derive_value(&req)))
}

fn derive_value(req: &Request) -> Value {
    let rules = match rules() {
        Ok(r) => r,
        Err(e) => return e,
    };
    match derive_request(req, rules) {
        // The expression's own renderings are `show`'s, asked for when a notebook needs
        // them: a derivation pays only for its reports.
        Ok(answer) => json!({
            "reports": answer.reports.iter().map(report_value).collect::<Vec<_>>(),
            "warnings": answer.warnings,
            "inputs": inputs_value(&answer.env),
        }),
        Err(e) => error_value(&e),
    }
}

/// Reads `expr` (the command line's `show --format json`, plus `inputs`).
#[pyfunction]
#[pyo3(signature = (expr, decls))]
fn show(py: Python<'_>, expr: String, decls: String) -> String {
    run(py, move || show_value(&expr, &decls))
}

fn show_value(expr: &str, decls: &str) -> Value {
    let checked = match read_exprs(&[expr], decls, &[]) {
        Ok(c) => c,
        Err(e) => return error_value(&e),
    };
    let mut v = matcalc::show_json(&checked);
    v["inputs"] = inputs_value(&checked.env);
    v
}

/// Compares two expressions; the `EquivReport` as JSON, plus `exit_code`.
#[pyfunction]
#[pyo3(signature = (left, right, decls, time_limit=None, without=Vec::new()))]
fn equiv(
    py: Python<'_>,
    left: String,
    right: String,
    decls: String,
    time_limit: Option<f64>,
    without: Vec<String>,
) -> PyResult<String> {
    let mut opts = EquivOptions {
        without,
        ..EquivOptions::default()
    };
    if let Some(t) = duration_of(time_limit)? {
        opts.limits.time = t;
    }
    Ok(run(py, move || {
        let rules = match rules() {
            Ok(r) => r,
            Err(e) => return e,
        };
        match equiv_request(&left, &right, &decls, rules, &opts) {
            Ok(report) => {
                let mut v = ser(&report);
                if let Value::Object(m) = &mut v {
                    m.insert("exit_code".to_string(), json!(report.exit_code()));
                }
                v
            }
            Err(e) => error_value(&e),
        }
    }))
}

/// Runs every case of a JSON Lines catalog on `jobs` threads (all cores by default):
/// JSON `{rows, summary, wall_ms}`.
#[pyfunction]
#[pyo3(signature = (text, jobs=None, layout="numerator", symmetric="sym", time_limit=None))]
fn batch(
    py: Python<'_>,
    text: String,
    jobs: Option<usize>,
    layout: &str,
    symmetric: &str,
    time_limit: Option<f64>,
) -> PyResult<String> {
    let derive = derive_options(layout, symmetric, false, time_limit, Vec::new())?;
    let mut equiv = EquivOptions::default();
    if let Some(t) = duration_of(time_limit)? {
        equiv.limits.time = t;
    }
    let opts = RunOptions { derive, equiv };
    let jobs = worker_count(jobs)?;
    Ok(py.detach(move || to_json(&guarded(|| batch_value(&text, jobs, &opts)))))
}

fn worker_count(jobs: Option<usize>) -> PyResult<usize> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    match jobs {
        Some(0) => Err(PyValueError::new_err("jobs must be at least 1")),
        // Threads beyond the machine's cores only add overhead.
        Some(n) => Ok(n.min(cores)),
        None => Ok(cores),
    }
}

fn pool(jobs: usize) -> Result<rayon::ThreadPool, Value> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(POOL_STACK_BYTES)
        .thread_name(|i| format!("matcalc-{i}"))
        .build()
        .map_err(|e| internal(format!("cannot start the worker threads: {e}")))
}

fn batch_value(text: &str, jobs: usize, opts: &RunOptions) -> Value {
    let rules = match rules() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let pool = match pool(jobs) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let lines = read_catalog(text);
    let started = Instant::now();
    // `run_case` catches a panic of its own case; a bad line is a row of its own.
    let rows: Vec<Row> = pool.install(|| {
        lines
            .par_iter()
            .map(|entry| match entry {
                Ok(case) => run_case(case, rules, opts),
                Err(bad) => bad_line_row(bad),
            })
            .collect()
    });
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    json!({
        "rows": ser(&rows),
        "summary": summary(&rows, wall_ms),
        "wall_ms": wall_ms,
    })
}

/// The built-in rule set, each rule with its parts; with `audit`, each rule's
/// numeric soundness verdict (the seeds of `matcalc rules check`), on all cores.
#[pyfunction]
#[pyo3(signature = (audit=false, jobs=None))]
fn rules_listing(py: Python<'_>, audit: bool, jobs: Option<usize>) -> PyResult<String> {
    let jobs = worker_count(jobs)?;
    Ok(py.detach(move || to_json(&guarded(|| rules_value(audit, jobs)))))
}

fn rules_value(audit: bool, jobs: usize) -> Value {
    let set = match rules() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let verdicts: Vec<Option<Value>> = if audit {
        let pool = match pool(jobs) {
            Ok(p) => p,
            Err(e) => return e,
        };
        pool.install(|| {
            set.iter()
                .collect::<Vec<_>>()
                .par_iter()
                .enumerate()
                .map(|(i, r)| {
                    let seed = 1000 + i as u64;
                    let v = catch_unwind(AssertUnwindSafe(|| check_rule(r, seed)));
                    Some(match v {
                        Ok(RuleVerdict::Sound { points }) => {
                            json!({"verdict": "sound", "points": points})
                        }
                        Ok(RuleVerdict::Unsound { counterexample }) => {
                            json!({"verdict": "unsound", "counterexample": counterexample})
                        }
                        Ok(RuleVerdict::Unknown { reason }) => {
                            json!({"verdict": "unknown", "reason": reason})
                        }
                        Err(_) => json!({"verdict": "unknown",
                                         "reason": "internal error (a bug in matcalc): the audit panicked"}),
                    })
                })
                .collect()
        })
    } else {
        vec![None; set.len()]
    };
    let listing: Vec<Value> = set
        .iter()
        .zip(verdicts)
        .map(|(r, verdict)| {
            let conditions: Vec<String> = r
                .conditions
                .iter()
                .map(|c| {
                    let vars: Vec<String> = c.vars.iter().map(|v| v.to_string()).collect();
                    format!("({} {})", c.name(), vars.join(" "))
                })
                .collect();
            let mut v = json!({
                "name": r.name,
                "family": r.family,
                "phase": r.phase.name(),
                "identity": r.identity,
                "lhs": r.lhs_text,
                "rhs": r.rhs_text,
                "conditions": conditions,
                "reference": r.reference,
                "line": r.line,
                "bookkeeping": r.bookkeeping,
            });
            if let (Some(a), Value::Object(m)) = (verdict, &mut v) {
                m.insert("audit".to_string(), a);
            }
            v
        })
        .collect();
    Value::Array(listing)
}

/// Panics on purpose, to test that a panic in Rust reaches Python as an error.
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> String {
    run(py, || -> Value { panic!("a test panic") })
}

/// Does nothing on a worker thread: the cost of a call without the library's work.
#[pyfunction]
fn _noop(py: Python<'_>) -> String {
    run(py, || json!({}))
}

/// Times `n` calls of `derive_request` in Rust, one after another on one worker thread
/// (no Python, no thread per call, no JSON), or with `with_json` of what `derive` does
/// in Rust (the report's JSON too): the mean seconds per call, for measuring the
/// bindings' overhead. Time the call from Python for the CPU it used.
#[pyfunction]
#[pyo3(signature = (expr, decls, wrt, n=100, with_json=false))]
fn _time_rust(
    py: Python<'_>,
    expr: String,
    decls: String,
    wrt: Vec<String>,
    n: usize,
    with_json: bool,
) -> String {
    run(py, move || {
        let rules = match rules() {
            Ok(r) => r,
            Err(e) => return e,
        };
        let req = Request {
            expr,
            decls,
            wrt,
            order: 1,
            check: false,
            options: DeriveOptions::default(),
            render: Renderings::ALL,
        };
        let n = n.max(1);
        let mut ok = true;
        let started = Instant::now();
        for _ in 0..n {
            if with_json {
                ok &= !to_json(&derive_value(&req)).starts_with("{\"error\"");
            } else {
                ok &= derive_request(&req, rules).is_ok();
            }
        }
        json!({"seconds_per_call": started.elapsed().as_secs_f64() / n as f64, "ok": ok})
    })
}

/// The Rust half of `import matcalc`; use the `matcalc` package, not this module.
#[pymodule]
fn _matcalc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(derive, m)?)?;
    m.add_function(wrap_pyfunction!(show, m)?)?;
    m.add_function(wrap_pyfunction!(equiv, m)?)?;
    m.add_function(wrap_pyfunction!(batch, m)?)?;
    m.add_function(wrap_pyfunction!(rules_listing, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(_noop, m)?)?;
    m.add_function(wrap_pyfunction!(_time_rust, m)?)?;
    Ok(())
}
