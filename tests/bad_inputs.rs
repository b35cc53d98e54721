//! Bad inputs, as data: each line of tests/fail/cases.jsonl (`name`, `expr`, `decls`,
//! optional `mentions`) must be refused as bad input (exit code 2) with a caret under
//! the problem, its message must contain every string of `mentions` (the name at fault,
//! the readings, the declaration that fixes it: SPEC §1 "No name silently changes
//! kind"), and the rendered message is pinned by a snapshot named after the case
//! (tests/snapshots/bad_inputs__<name>.snap).
//!
//! Each case is named after its class (the first word of its name), so that the
//! snapshots of one class sort together.

use matcalc::read_expr;
use serde_json::Value;

const CASES: &str = include_str!("fail/cases.jsonl");

/// The classes of bad input, the first word of every case's name.
const CLASSES: &[&str] = &[
    "syntax",   // the parser refuses it
    "where",    // `EXPR where h = …` definitions
    "unknown",  // unknown functions (with suggestions)
    "function", // a function name used as a value
    "arity",    // wrong number of arguments
    "constant", // shaped constants: I, eye, ones, zeros, vector(c), matrix(c), unvec sizes
    "shape",    // shape mismatches of declared names
    "misread",  // an undeclared name that would have to change kind (issue 11)
    "builtin",  // declaring a built-in name (issue 9)
    "decl",     // malformed `--let` declarations
    "unicode",  // characters of other notations
];

struct Case {
    name: String,
    expr: String,
    decls: String,
    mentions: Vec<String>,
}

fn cases() -> Vec<Case> {
    let field = |v: &Value, k: &str| -> String {
        v[k].as_str()
            .unwrap_or_else(|| panic!("tests/fail line without `{k}`: {v}"))
            .to_string()
    };
    CASES
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("tests/fail lines are JSON");
            let mentions = match &v["mentions"] {
                Value::Null => Vec::new(),
                Value::Array(a) => a
                    .iter()
                    .map(|m| m.as_str().expect("mentions are strings").to_string())
                    .collect(),
                other => panic!("`mentions` is a list of strings, found {other}"),
            };
            Case {
                name: field(&v, "name"),
                expr: field(&v, "expr"),
                decls: field(&v, "decls"),
                mentions,
            }
        })
        .collect()
}

#[test]
fn every_bad_input_is_refused_with_a_pointed_message() {
    let cases = cases();
    let mut names: Vec<&str> = Vec::new();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.name.as_str();
        assert!(!names.contains(&name), "two cases named {name}");
        names.push(name);
        let class = name.split('_').next().unwrap_or_default();
        assert!(
            CLASSES.contains(&class),
            "{name}: unknown class `{class}` (one of {CLASSES:?})"
        );

        let err = match read_expr(&case.expr, &case.decls) {
            Ok(_) => {
                failures.push(format!(
                    "{name}: `{}` under `{}` was accepted",
                    case.expr, case.decls
                ));
                continue;
            }
            Err(e) => e,
        };
        let rendered = err.render();
        if err.exit_code() != 2 {
            failures.push(format!(
                "{name}: exit code {} (not bad input):\n{rendered}",
                err.exit_code()
            ));
        }
        // Every message points at its problem with a caret under the span.
        if !rendered
            .lines()
            .any(|l| l.trim_start().starts_with('│') && l.contains('^'))
        {
            failures.push(format!("{name}: no caret in\n{rendered}"));
        }
        if err.headline().trim().is_empty() {
            failures.push(format!("{name}: empty headline"));
        }
        for m in &case.mentions {
            if !rendered.contains(m.as_str()) {
                failures.push(format!(
                    "{name}: the message does not mention {m:?}:\n{rendered}"
                ));
            }
        }
        let snapshot = format!(
            "expr:  {:?}\ndecls: {:?}\n\n{rendered}",
            case.expr, case.decls
        );
        insta::assert_snapshot!(name, snapshot);
    }
    assert!(
        failures.is_empty(),
        "{} bad inputs mishandled:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(names.len() >= 80, "only {} bad inputs", names.len());
    // Every class has cases.
    for class in CLASSES {
        assert!(
            names.iter().any(|n| n.split('_').next() == Some(class)),
            "no case of class {class}"
        );
    }
}
