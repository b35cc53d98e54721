//! The reference cases (tests/cases/*.jsonl, copied from the shared catalog), read once.

use serde_json::Value;

pub const CATALOG: &str = include_str!("../cases/catalog.jsonl");

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub decls: String,
    pub expr: String,
    pub wrt: String,
    pub kind: String,
    pub expected: String,
}

/// Every case of a JSON Lines text; a malformed line fails the test that reads it.
pub fn read_cases(text: &str) -> Vec<Case> {
    let field = |v: &Value, k: &str| -> String {
        v[k].as_str()
            .unwrap_or_else(|| panic!("case line without `{k}`: {v}"))
            .to_string()
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("case lines are JSON");
            Case {
                id: field(&v, "id"),
                decls: v["decls"].as_str().unwrap_or("").to_string(),
                expr: field(&v, "expr"),
                wrt: field(&v, "wrt"),
                kind: v["kind"].as_str().unwrap_or("").to_string(),
                expected: v["expected_text"].as_str().unwrap_or("").to_string(),
            }
        })
        .collect()
}

pub fn catalog() -> Vec<Case> {
    read_cases(CATALOG)
}
