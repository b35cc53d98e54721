//! Bad inputs, as data: each line of tests/fail/cases.jsonl (`name`, `expr`, `decls`)
//! must be refused as bad input (exit code 2), and its rendered message is pinned by a
//! snapshot named after the case (tests/snapshots/bad_inputs__<name>.snap).

use matcalc::read_expr;
use serde_json::Value;

const CASES: &str = include_str!("fail/cases.jsonl");

fn field(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("tests/fail line without `{k}`: {v}"))
        .to_string()
}

#[test]
fn every_bad_input_is_refused_with_a_pointed_message() {
    let mut names = Vec::new();
    for line in CASES.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("tests/fail lines are JSON");
        let (name, expr, decls) = (field(&v, "name"), field(&v, "expr"), field(&v, "decls"));
        assert!(!names.contains(&name), "two cases named {name}");
        names.push(name.clone());

        let err = match read_expr(&expr, &decls) {
            Ok(_) => panic!("{name}: `{expr}` under `{decls}` was accepted"),
            Err(e) => e,
        };
        assert_eq!(err.exit_code(), 2, "{name}: not a bad-input error");
        let rendered = err.render();
        // Every message points at its problem with a caret under the span.
        assert!(rendered.contains('^'), "{name}: no caret in\n{rendered}");
        let snapshot = format!("expr:  {expr:?}\ndecls: {decls:?}\n\n{rendered}");
        insta::assert_snapshot!(name, snapshot);
    }
    assert!(names.len() >= 30, "only {} bad inputs", names.len());
}
