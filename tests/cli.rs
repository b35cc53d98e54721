//! The command line as a new user meets it: outputs, formats and exit codes of the
//! examples the README and the issues promise.

use std::io::Read;
use std::process::{Command, Output, Stdio};

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
fn the_examples_that_used_to_fail() {
    // A scalar times the vector variable is a scaled identity, of the variable's size.
    assert_eq!(derive("2*x", "x", &[]), "2*I");
    let v: serde_json::Value =
        serde_json::from_str(&derive("2*x", "x", &["--format", "json"])).expect("JSON");
    assert_eq!(v["shape"], serde_json::json!(["n", "n"]));
    assert_eq!(derive("x*s", "x", &["--let", "s: scalar"]), "s*I");
    // Kronecker products, vec inside a sum, diag and powers all have a road now.
    for (expr, wrt) in [
        ("kron(X, A)", "X"),
        ("kron(X*B, C)", "X"),
        ("sum(vec(X))", "X"),
        ("tr(diag(x))", "x"),
        ("diag(diag(x))", "x"),
        ("diag(X*b)", "X"),
        ("2^(c'*x)", "x"),
        ("tanh(a*x')*c", "x"),
        ("tanh(a*x')*x", "x"),
        ("exp(a*x')*x", "x"),
        ("(A .* (a*x'))*x", "x"),
        ("diag(a*x'*(x*a'))", "x"),
        ("kron(C, X'*X)", "X"),
    ] {
        let out = derive(expr, wrt, &["--check", "--time-limit-ms", "2000"]);
        assert!(out.contains("check ok"), "{expr}: {out}");
    }
    // A zero of a vector shape keeps its shape in print.
    let out = derive("sum(exp(x - x) .* x)", "x", &["--check"]);
    assert!(out.contains("check ok"), "{out}");
    assert_eq!(
        derive("tr(X*X*X*X*X*X*X*X*X*X*X*X*X*X*X*X*X*X*X*X)", "X", &[]),
        "20*X^19"
    );
    assert_eq!(derive("tr(X^5)", "X", &[]), "5*X^4");
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
        "order",
        "shape",
        "differential",
        "derivative",
        "derivative_shared",
        "bindings",
        "latex",
        "numpy",
        "decls",
        "stats",
        "check",
    ] {
        assert!(v.get(field).is_some(), "missing {field}: {out}");
    }
    assert_eq!(v["kind"], "scalar-by-vector");
    assert_eq!(v["shape"], serde_json::json!(["1", "n"]));
    assert_eq!(v["numpy"], "x.T@(A + A.T)");
    assert_eq!(v["differential"], "tr(x'*(A + A')*dx)");
    for stat in [
        "nodes",
        "forward_steps",
        "collect_steps",
        "simplify_nodes",
        "ms",
    ] {
        assert!(v["stats"][stat].is_number(), "{stat}: {out}");
    }
    assert!(v["check"]["max_rel_err"].as_f64().is_some_and(|e| e < 1e-6));
}

#[test]
fn a_deep_network_names_its_activations_once() {
    let out = derive(
        "norm2(tanh(W3*sigmoid(W2*tanh(W1*x + b1) + b2) + b3) - y)^2",
        "W1",
        &["--check"],
    );
    assert!(out.contains(" where h1 = tanh(W1*x + b1); h2 = "), "{out}");
    assert!(out.contains("check ok"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&derive(
        "norm2(tanh(W3*sigmoid(W2*tanh(W1*x + b1) + b2) + b3) - y)^2",
        "W1",
        &["--format", "json"],
    ))
    .expect("JSON");
    // JSON's derivative is self-contained; the shared form and its bindings are extra.
    assert!(!v["derivative"].as_str().unwrap_or("").contains("h1"));
    assert!(
        v["bindings"].as_array().is_some_and(|b| b.len() >= 2),
        "{v}"
    );
}

/// With several variables every derivative names its shared subterms, and a name
/// means one subterm on every line: each definition, with the definitions before it
/// on its line substituted, is the same wherever the name appears.
#[test]
fn a_name_means_one_subterm_in_every_derivative() {
    for depth in 2..=6 {
        let mut h = "x".to_string();
        let mut wrt = Vec::new();
        for k in 1..=depth {
            h = format!("sigmoid(W{k}*{h})");
            wrt.push(format!("W{k}"));
        }
        let expr = format!("norm2({h} - y)^2");
        let json = derive(&expr, &wrt.join(","), &["--format", "json"]);
        let reports: Vec<serde_json::Value> = match serde_json::from_str(&json).expect("JSON") {
            serde_json::Value::Array(a) => a,
            one => vec![one],
        };
        let mut meaning: std::collections::HashMap<String, String> = Default::default();
        for r in &reports {
            let mut expanded: Vec<(String, String)> = Vec::new();
            for b in r["bindings"].as_array().expect("bindings") {
                let name = b["name"].as_str().expect("name").to_string();
                let mut text = b["text"].as_str().expect("text").to_string();
                for (n, t) in expanded.iter().rev() {
                    text = replace_word(&text, n, &format!("({t})"));
                }
                // Compared as read back: the substitution's parentheses do not count.
                let decls = r["decls"].as_str().expect("decls");
                let read = matcalc::read_expr(&text, decls)
                    .unwrap_or_else(|e| panic!("`{text}` does not read back: {e}"));
                let tree = read.0.expr.to_string();
                if let Some(before) = meaning.get(&name) {
                    assert_eq!(before, &tree, "depth {depth}: {name} means two things");
                }
                meaning.insert(name.clone(), tree);
                expanded.push((name, text));
            }
        }
        assert!(!meaning.is_empty(), "depth {depth}: nothing named");
    }
}

/// `text` with every whole-word `name` replaced by `by`.
fn replace_word(text: &str, name: &str, by: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        out.push_str(if word == name { by } else { &word });
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// A convention asked for with no symmetric variable to apply it to is said to do
/// nothing (on stderr; the derivative and exit code are as without it).
#[test]
fn a_convention_with_no_symmetric_variable_is_a_warning() {
    let o = matcalc(&["derive", "x'*A*x", "--wrt", "x", "--symmetric", "entries"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).trim(), "x'*(A + A')");
    assert!(
        stderr(&o).contains("--symmetric entries has no effect"),
        "{}",
        stderr(&o)
    );
    let o = matcalc(&[
        "derive",
        "logdet(S)",
        "--wrt",
        "S",
        "--let",
        "S: symmetric(n)",
        "--symmetric",
        "none",
    ]);
    assert!(!stderr(&o).contains("no effect"), "{}", stderr(&o));
}

#[test]
fn steps_name_the_identities() {
    let out = derive("tr(A*X*B)", "X", &["--steps"]);
    assert!(out.contains("[d-trace"), "{out}");
    assert!(out.contains("[lin-product-right"), "{out}");
    assert!(out.ends_with("hence d/dX = B*A"), "{out}");
}

#[test]
fn bad_variables_rules_and_limits_have_their_exit_codes() {
    let o = matcalc(&["derive", "x'*x", "--wrt", "q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = matcalc(&["derive", "x'*x", "--wrt", "x", "--without", "d-prodct"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `d-product`"),
        "{}",
        stderr(&o)
    );
    // Without the product rule of differentials, x'*x has no road: the pass says so.
    let o = matcalc(&["derive", "x'*x", "--wrt", "x", "--without", "d-product"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no differential rule"),
        "{}",
        stderr(&o)
    );
    // A time limit of zero stops the passes themselves.
    let o = matcalc(&["derive", "x'*x", "--wrt", "x", "--time-limit-ms", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("time limit"), "{}", stderr(&o));
}

#[test]
fn equiv_answers_with_its_exit_codes() {
    let o = matcalc(&["equiv", "x'*(A + A')", "x'*A + (A*x)'"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
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
    // Different shapes are simply not equal.
    let o = matcalc(&["equiv", "A", "A'", "--let", "A: matrix(n,m)"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("different shapes"), "{}", stdout(&o));
    let o = matcalc(&["equiv", "A", "+", "--let", "A: matrix(n,m)"]);
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
    assert!(
        stdout(&o).contains("lin-product-right [collect, collect]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_matcalc"))
        .args(["rules", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Read one line, then close the pipe, as `| head -1` does.
    let mut out = child.stdout.take().expect("piped");
    let mut buf = [0u8; 64];
    let _ = out.read(&mut buf);
    drop(out);
    let status = child.wait().expect("ends");
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(status.code(), Some(101), "{err}");
}

#[test]
fn help_describes_every_option_and_the_language() {
    let o = matcalc(&["derive", "--help"]);
    let help = stdout(&o);
    for flag in [
        "--wrt",
        "--let",
        "--layout",
        "--order",
        "--symmetric",
        "--format",
        "--check",
        "--steps",
        "--rules",
        "--without",
        "--time-limit-ms",
    ] {
        // clap's long help: the option on its own line, its description on the next.
        let mut lines = help
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(flag));
        assert!(lines.next().is_some(), "{flag} missing:\n{help}");
        let described = lines.next().is_some_and(|l| l.trim().len() > 10);
        assert!(described, "{flag} has no description:\n{help}");
    }
    let o = matcalc(&["language"]);
    let text = stdout(&o);
    for word in [
        "softmax",
        "logsumexp",
        ".^",
        "where",
        "simplex",
        "numerator",
        "kron",
    ] {
        assert!(
            text.contains(word),
            "{word} not in the language reference:\n{text}"
        );
    }
}

#[test]
fn ablation_and_stats_over_a_catalog() {
    let o = matcalc(&["rules", "ablate", "tests/fixtures/catalogs/small.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("d-product "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("xtx"), "{line}");
    let o = matcalc(&["rules", "stats", "tests/fixtures/catalogs/small.jsonl"]);
    assert!(stdout(&o).contains("tr_AXB: "), "{}", stdout(&o));
}
