//! The command line as a new user meets it: outputs, formats and exit codes of the
//! examples the README and the issues promise.

use std::process::{Command, Output};

fn matcalc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matcalc"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The derivative printed for `expr` by `wrt`, with exit 0.
fn derive(expr: &str, wrt: &str, extra: &[&str]) -> String {
    let mut args = vec!["derive", expr, "--wrt", wrt];
    args.extend_from_slice(extra);
    let o = matcalc(&args);
    assert_eq!(o.status.code(), Some(0), "{expr}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

#[test]
fn show_infers_shapes_and_reports_them_as_json() {
    let o = matcalc(&["show", "x'*A*x", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["shape"], serde_json::json!(["1", "1"]));
    assert_eq!(v["names"]["A"]["shape"], serde_json::json!(["n", "n"]));
    assert_eq!(v["names"]["x"]["kind"], "vector");
}

#[test]
fn a_shape_mismatch_is_shown_with_a_caret_and_both_shapes() {
    let o = matcalc(&["show", "A*x", "--let", "A: matrix(m,n); x: vector(m)"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot multiply A (m×n) by x (m×1)"), "{err}");
    assert!(err.contains("^^^"), "{err}");
}

#[test]
fn the_textbook_examples() {
    assert_eq!(derive("tr(A*X*B)", "X", &[]), "B*A");
    assert_eq!(derive("logdet(X)", "X", &[]), "inv(X)");
    assert_eq!(
        derive("logdet(X)", "X", &["--layout", "denominator"]),
        "inv(X)'"
    );
    assert_eq!(derive("x'*A*x", "x", &[]), "x'*(A + A')");
    assert_eq!(
        derive("x'*A*x", "x", &["--let", "A: symmetric(n)"]),
        "2*x'*A"
    );
    assert_eq!(derive("norm2(W*x + b)^2", "W", &[]), "2*x*(W*x + b)'");
    assert_eq!(derive("A*X*B", "X", &[]), "kron(B', A)");
    // Division by a scalar, and an expression that starts with a minus sign.
    assert_eq!(
        derive("x'*S*x/2", "x", &["--let", "S: symmetric(n)"]),
        "x'*S"
    );
    assert_eq!(derive("-x'*x", "x", &[]), "-2*x'");
    assert_eq!(
        derive("inv(X)", "X", &["--format", "latex"]),
        "-\\left(X^{-\\top} \\otimes X^{-1}\\right)"
    );
}

#[test]
fn two_variables_at_once_checked() {
    let out = derive("norm2(W2*sigmoid(W1*x) - y)^2", "W1,W2", &["--check"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("W1: ") && lines[2].starts_with("W2: "),
        "{out}"
    );
    assert!(
        lines[1].starts_with("check ok") && lines[3].starts_with("check ok"),
        "{out}"
    );
}

#[test]
fn json_output_has_every_field() {
    let out = derive("x'*A*x", "x", &["--format", "json", "--check"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    for field in [
        "expr",
        "wrt",
        "kind",
        "layout",
        "shape",
        "differential",
        "derivative",
        "latex",
        "numpy",
        "stats",
        "check",
    ] {
        assert!(!v[field].is_null(), "missing {field}: {out}");
    }
    assert_eq!(v["kind"], "scalar-by-vector");
    assert_eq!(v["shape"], serde_json::json!(["1", "n"]));
    assert_eq!(v["numpy"], "x.T@(A + A.T)");
    for stat in ["nodes", "classes", "iterations", "ms"] {
        assert!(v["stats"][stat].is_number(), "{stat}: {out}");
    }
    assert!(v["check"]["max_rel_err"].as_f64().is_some_and(|e| e < 1e-6));
}

#[test]
fn steps_name_the_identities() {
    let out = derive("tr(A*X*B)", "X", &["--steps"]);
    assert!(out.contains("[d-trace"), "{out}");
    assert!(out.contains("[trace-cyclic"), "{out}");
    assert!(out.ends_with("hence d/dX = B*A"), "{out}");
}

#[test]
fn bad_variables_and_limits_have_their_exit_codes() {
    let o = matcalc(&["derive", "x'*x", "--wrt", "q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = matcalc(&[
        "derive",
        "norm2(W2*sigmoid(W1*x) - y)^2",
        "--wrt",
        "W1",
        "--node-limit",
        "20",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("node limit"), "{}", stderr(&o));
}

#[test]
fn equiv_answers_with_its_exit_codes() {
    let o = matcalc(&["equiv", "x'*(A + A')", "x'*A + (A*x)'"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("equal"));
    let o = matcalc(&[
        "equiv",
        "B*A",
        "A*B",
        "--let",
        "A: matrix(n,n); B: matrix(n,n)",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("counterexample"));
    // True, but beyond the rule set: no rule relates det of a product to a product of dets.
    let o = matcalc(&[
        "equiv",
        "det(A*B)",
        "det(A)*det(B)",
        "--let",
        "A: matrix(n,n); B: matrix(n,n)",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let o = matcalc(&["equiv", "A", "A'", "--let", "A: matrix(n,m)"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_rule_audit_passes_the_shipped_set_and_fails_a_bad_one() {
    let o = matcalc(&["rules", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = matcalc(&["rules", "check", "--rules", "tests/fixtures/unsound"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("UNSOUND  bad-transpose-product"));
    let o = matcalc(&["rules", "list"]);
    assert!(stdout(&o).contains("trace-cyclic [trace]"));
}

#[test]
fn ablation_finds_that_trace_cyclicity_is_needed() {
    let o = matcalc(&["rules", "ablate", "tests/fixtures/catalogs/small.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("trace-cyclic "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("tr_AXB"), "{line}");
    assert!(!line.contains("logdet_X"), "{line}");
    // And without it, tr(A*X*B) no longer derives.
    let o = matcalc(&[
        "derive",
        "tr(A*X*B)",
        "--wrt",
        "X",
        "--without",
        "trace-cyclic",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = matcalc(&["rules", "stats", "tests/fixtures/catalogs/small.jsonl"]);
    assert!(stdout(&o).contains("tr_AXB: "), "{}", stdout(&o));
}
