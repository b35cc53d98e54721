//! `matcalc batch` through the built binary: the shipped catalogs (examples/*.jsonl)
//! derive and pass the numeric check, the tutorial's table is pinned by a snapshot,
//! and bad lines become failed rows without stopping the others.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_matcalc");

/// Cookbook entries in matcalc's language that it may not derive within the default
/// limits (kept in the catalog on purpose, and reported). They must not derive wrongly;
/// once they derive for good, take them off the list.
const COOKBOOK_OPEN: &[&str] = &[];

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn batch(file: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("batch")
        .arg(file)
        .args(extra)
        .output()
        .expect("the matcalc binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The rows of a `--format jsonl` run.
fn rows(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// The ids of a catalog file, in order (blank lines skipped).
fn ids_of(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("the catalog is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("catalog lines are JSON");
            v["id"].as_str().expect("every case has an id").to_string()
        })
        .collect()
}

fn describe(r: &Value) -> String {
    format!(
        "{}: {} (error: {})",
        r["id"],
        r["derivative"],
        r["error"].as_str().unwrap_or("none")
    )
}

/// Runs a shipped catalog and returns its rows, after checking that every case other
/// than `open` is derived and passes the numeric check, that no case that derives
/// fails the check, and that no expected form is refuted.
fn run_catalog(name: &str, open: &[&str]) -> Vec<Value> {
    let file = example(name);
    let out = batch(&file, &["--format", "jsonl"]);
    let rows = rows(&out);
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        ids,
        ids_of(&file),
        "{name}: one row per case, in input order"
    );
    let mut wrong = Vec::new();
    for r in &rows {
        let id = r["id"].as_str().unwrap_or("");
        let derived = r["status"] == "derived";
        let ok = derived && r["checked"] == Value::Bool(true);
        let excused = open.contains(&id) && !derived;
        if !(ok || excused) || r["expected_equal"] == "no" {
            wrong.push(describe(r));
        }
        assert!(
            r["expected"].is_string(),
            "{name}: {id} has an expected form"
        );
    }
    assert!(
        wrong.is_empty(),
        "{name}: cases that failed:\n{}",
        wrong.join("\n")
    );
    let n = rows.len();
    let derived = rows.iter().filter(|r| r["status"] == "derived").count();
    let code = if derived == n { 0 } else { 1 };
    assert_eq!(
        out.status.code(),
        Some(code),
        "{name}: exit code; stderr: {}",
        stderr(&out)
    );
    let summary = stderr(&out);
    assert!(
        summary.contains(&format!(
            "derived {derived}/{n}, numerically checked {derived}/{n}"
        )),
        "{name}: summary on stderr: {summary}"
    );
    rows
}

#[test]
fn the_tutorial_derives_checks_and_matches_every_expected_form() {
    let rows = run_catalog("tutorial.jsonl", &[]);
    assert_eq!(rows.len(), 10);
    for r in &rows {
        assert_eq!(
            r["expected_equal"],
            "yes",
            "proved equal to the tutorial's form: {}",
            describe(r)
        );
    }
}

#[test]
fn the_cookbook_derives_and_checks() {
    let rows = run_catalog("cookbook.jsonl", COOKBOOK_OPEN);
    assert!(
        rows.len() >= 60,
        "at least 60 Matrix Cookbook entries, found {}",
        rows.len()
    );
    let derived = rows.iter().filter(|r| r["status"] == "derived").count();
    assert!(derived >= 60, "at least 60 entries derive, {derived} do");
    let text = std::fs::read_to_string(example("cookbook.jsonl")).expect("readable");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("JSON");
        let source = v["source"].as_str().unwrap_or("");
        assert!(
            source.starts_with("Matrix Cookbook (2012)"),
            "{}: source {source:?}",
            v["id"]
        );
    }
}

/// Timings vary: the `ms` column and the wall time of the summary are masked.
fn mask_times(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| {
            if l.starts_with("| ") && !l.starts_with("| id ") {
                let body = l.trim_end_matches(" |");
                match body.rfind("| ") {
                    Some(i) => format!("{}| … |", &body[..i]),
                    None => l.to_string(),
                }
            } else if let Some(i) = l.find(", total ") {
                format!("{}, total … ms wall", &l[..i])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_tutorial_table_in_markdown() {
    let out = batch(
        &example("tutorial.jsonl"),
        &["--format", "markdown", "--jobs", "2"],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).is_empty(),
        "no progress bar when stderr is not a terminal: {}",
        stderr(&out)
    );
    insta::assert_snapshot!("tutorial_markdown", mask_times(&stdout(&out)));
}

/// A catalog with good cases around a malformed line, a bad expression, a case
/// without `wrt`, a derivative refuted by its expected form and a blank line.
const MIXED: &str = r#"{"id": "good_1", "decls": "a: vector(n); x: vector(n)", "expr": "a'*x", "wrt": "x", "expected": "a'"}
{"id": "broken", "decls": "x: vector(n)", "expr": "x'*x", "wrt":

{"id": "bad_expr", "decls": "A: matrix(m,n); b: vector(m)", "expr": "A*b", "wrt": "b"}
{"id": "no_wrt", "expr": "x'*x"}
{"id": "wrong_expected", "decls": "x: vector(n)", "expr": "x'*x", "wrt": "x", "expected": "x'", "comment": "unknown fields are ignored"}
{"id": "good_2", "decls": "X: matrix(n,n)", "expr": "tr(X)", "wrt": "X", "expected": "I"}
"#;

#[test]
fn bad_lines_become_failed_rows_and_the_rest_still_derive() {
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("batch_mixed.jsonl");
    std::fs::write(&file, MIXED).expect("the temporary catalog is written");

    let out = batch(&file, &["--format", "jsonl", "--jobs", "1"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed case makes exit code 1"
    );
    let rows = rows(&out);
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "good_1",
            "line 2",
            "bad_expr",
            "no_wrt",
            "wrong_expected",
            "good_2"
        ]
    );
    let lines: Vec<u64> = rows
        .iter()
        .map(|r| r["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(
        lines,
        [1, 2, 4, 5, 6, 7],
        "line numbers count the blank line"
    );

    for good in [&rows[0], &rows[5]] {
        assert_eq!(good["status"], "derived", "{}", describe(good));
        assert_eq!(good["checked"], true, "{}", describe(good));
        assert!(good["error"].is_null(), "{}", describe(good));
    }
    assert_eq!(rows[0]["expected_equal"], "yes");
    // `I` alone takes its size from the derivative's shape, so it is proved too.
    assert_eq!(rows[5]["expected_equal"], "yes");

    let error = |i: usize| rows[i]["error"].as_str().unwrap_or("").to_string();
    assert!(
        error(1).starts_with("line 2: not valid JSON"),
        "{}",
        error(1)
    );
    assert_eq!(rows[1]["status"], "bad-input");
    assert_eq!(rows[1]["exit"], 2);
    assert_eq!(rows[2]["status"], "bad-input");
    assert!(error(2).contains("cannot multiply"), "{}", error(2));
    assert!(
        error(3).contains("line 5") && error(3).contains("`wrt`"),
        "{}",
        error(3)
    );
    assert_eq!(rows[4]["status"], "derived");
    assert!(
        rows[4]["counterexample"].is_string(),
        "{}",
        describe(&rows[4])
    );
    assert_eq!(rows[4]["checked"], true);
    assert_eq!(rows[4]["expected_equal"], "no");
    assert!(
        error(4).contains("not equal to the expected form"),
        "{}",
        error(4)
    );
    let summary = stderr(&out);
    assert!(
        summary.contains("derived 3/6, numerically checked 3/6, equal to expected 2/3"),
        "{summary}"
    );
    assert!(summary.contains("failed 4 (3 bad input)"), "{summary}");

    // The same rows in a table, one per case, with the error in the derivative cell.
    let md = batch(&file, &["--format", "markdown"]);
    assert_eq!(md.status.code(), Some(1));
    let table = stdout(&md);
    let table_rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| id "))
        .collect();
    assert_eq!(table_rows.len(), 6, "{table}");
    assert!(
        table_rows[1].contains("**bad input:** line 2: not valid JSON"),
        "{}",
        table_rows[1]
    );
    assert!(
        table_rows[0].contains("| `a'` | 1×n | yes | yes |"),
        "{}",
        table_rows[0]
    );
    assert!(
        table
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("derived 3/6"),
        "{table}"
    );
}

#[test]
fn an_unreadable_file_is_bad_input() {
    let out = batch(Path::new("no/such/catalog.jsonl"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read no/such/catalog.jsonl"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn json_and_latex_formats() {
    let file = example("tutorial.jsonl");
    let json = batch(&file, &["--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let all: Value = serde_json::from_str(&stdout(&json)).expect("stdout is one JSON document");
    let all = all.as_array().expect("an array of rows");
    assert_eq!(all.len(), 10);
    assert_eq!(all[3]["id"], "tutorial_tr_AXB");
    assert_eq!(all[3]["derivative"], "B*A");
    assert_eq!(all[3]["kind"], "scalar-by-matrix");
    assert!(
        stderr(&json).starts_with("derived 10/10"),
        "summary on stderr: {}",
        stderr(&json)
    );

    let tex = batch(&file, &["--format", "latex", "--jobs", "1"]);
    assert_eq!(tex.status.code(), Some(0));
    let tex = stdout(&tex);
    assert!(
        tex.contains("\\begin{longtable}") && tex.contains("\\end{longtable}"),
        "{tex}"
    );
    assert!(
        tex.contains("tutorial\\_tr\\_AXB & \\texttt{tr(A*X*B)}") && tex.contains("$B A$"),
        "ids escaped, derivatives in math mode: {tex}"
    );
    let body = tex.lines().filter(|l| l.starts_with("tutorial")).count();
    assert_eq!(body, 10, "{tex}");
    assert!(
        tex.trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("% derived 10/10"),
        "{tex}"
    );
}
