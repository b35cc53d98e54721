//! Catalogs: JSON Lines of cases (`id`, `decls`, `expr`, `wrt`, optional `expected`,
//! `order`, `symmetric`; other fields are ignored), as `batch` and the rule research
//! commands read them.

use serde::Deserialize;
use serde_json::Value;

/// One case, as a catalog line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    pub decls: String,
    pub expr: String,
    /// One variable (`x`), or two for a mixed Hessian block (`u,v`).
    pub wrt: String,
    pub expected: Option<String>,
    /// 1 (derivative) or 2 (Hessian).
    pub order: u8,
    /// The convention for a symmetric variable, when the case names one.
    pub symmetric: Option<String>,
    /// An identity to prove or refute instead of a derivative (`lhs`, `rhs`, `expect`).
    pub identity: Option<Identity>,
    /// 1-based line in the file.
    pub line: usize,
}

/// A case of an identities catalog: two sides and the verdict they deserve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub lhs: String,
    pub rhs: String,
    /// `equal` or `not-equal`.
    pub expect: String,
    /// Where the identity comes from (a Cookbook equation).
    pub reference: Option<String>,
}

/// A line that is not a case: where, the id it names (if any), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub id: Option<String>,
    pub message: String,
}

/// The fields of a line, as serde reads them (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Raw {
    decls: Option<String>,
    expr: Option<String>,
    wrt: Option<String>,
    expected: Option<String>,
    expected_text: Option<String>,
    order: Option<u8>,
    symmetric: Option<String>,
    lhs: Option<String>,
    rhs: Option<String>,
    expect: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// Every case of a catalog text, in order; blank lines are skipped, a malformed line
/// is returned as a `BadLine` in its place, and a repeated id is a bad line too.
pub fn read_catalog(text: &str) -> Vec<Result<Case, BadLine>> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let case = read_line(l, i + 1)?;
            if let Some(first) = seen.insert(case.id.clone(), case.line) {
                return Err(BadLine {
                    line: case.line,
                    id: Some(case.id.clone()),
                    message: format!("the id `{}` is used already on line {first}", case.id),
                });
            }
            Ok(case)
        })
        .collect()
}

/// One line as a case.
pub fn read_line(text: &str, line: usize) -> Result<Case, BadLine> {
    let bad = |id: Option<String>, message: String| BadLine { line, id, message };
    let v: Value = serde_json::from_str(text).map_err(|e| {
        // serde's message ends "at line 1 column C": the line is this one.
        let message = e.to_string();
        let what = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        bad(
            None,
            format!("not valid JSON at column {}: {what}", e.column()),
        )
    })?;
    if !v.is_object() {
        return Err(bad(None, "a case must be a JSON object".to_string()));
    }
    let id = match v.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(bad(None, "`id` must be a string".to_string())),
    };
    let raw: Raw = serde_json::from_value(v).map_err(|e| bad(id.clone(), format!("{e}")))?;
    if let (Some(lhs), Some(rhs)) = (&raw.lhs, &raw.rhs) {
        let expect = raw.expect.clone().unwrap_or_else(|| "equal".to_string());
        if expect != "equal" && expect != "not-equal" {
            return Err(bad(
                id,
                format!("`expect` is `equal` or `not-equal`, not `{expect}`"),
            ));
        }
        return Ok(Case {
            id: id.unwrap_or_else(|| format!("line {line}")),
            decls: raw.decls.unwrap_or_default(),
            expr: String::new(),
            wrt: String::new(),
            expected: None,
            order: 1,
            symmetric: None,
            identity: Some(Identity {
                lhs: lhs.clone(),
                rhs: rhs.clone(),
                expect,
                reference: raw.reference,
            }),
            line,
        });
    }
    let expr = raw
        .expr
        .ok_or_else(|| bad(id.clone(), "the case has no `expr`".to_string()))?;
    let wrt = raw
        .wrt
        .ok_or_else(|| bad(id.clone(), "the case has no `wrt`".to_string()))?
        .trim()
        .to_string();
    let order = raw.order.unwrap_or(1);
    if !(1..=2).contains(&order) {
        return Err(bad(id, format!("`order` is 1 or 2, not {order}")));
    }
    if wrt.contains(',') && order == 1 {
        return Err(bad(
            id,
            format!("`wrt` names one variable per case, not `{wrt}`"),
        ));
    }
    Ok(Case {
        id: id.unwrap_or_else(|| format!("line {line}")),
        decls: raw.decls.unwrap_or_default(),
        expr,
        wrt,
        expected: raw
            .expected
            .or(raw.expected_text)
            .filter(|e| !e.trim().is_empty()),
        order,
        symmetric: raw.symmetric,
        identity: None,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cases_and_reports_bad_lines_in_place() {
        let text = "{\"id\":\"a\",\"expr\":\"x'*x\",\"wrt\":\"x\",\"extra\":1}\n\nnot json\n{\"id\":\"b\",\"expr\":\"x\"}\n{\"id\":\"a\",\"expr\":\"x\",\"wrt\":\"x\"}\n";
        let cases = read_catalog(text);
        assert_eq!(cases.len(), 4);
        assert_eq!(cases[0].as_ref().map(|c| c.wrt.as_str()), Ok("x"));
        assert_eq!(cases[1].as_ref().map_err(|b| b.line), Err(3));
        assert!(cases[2].as_ref().is_err_and(|b| b.message.contains("wrt")));
        assert!(cases[3]
            .as_ref()
            .is_err_and(|b| b.message.contains("used already")));
    }
}
