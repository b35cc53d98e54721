//! Catalogs: JSON Lines of cases (`id`, `decls`, `expr`, `wrt`, optional `expected`;
//! other fields are ignored), as `batch` and the rule research commands read them.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    pub decls: String,
    pub expr: String,
    pub wrt: String,
    pub expected: Option<String>,
    /// 1-based line in the file.
    pub line: usize,
}

/// A line that is not a case: where, the id it names (if any), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub id: Option<String>,
    pub message: String,
}

/// Every case of a catalog text, in order; blank lines are skipped, a malformed line
/// is returned as a `BadLine` in its place.
pub fn read_catalog(text: &str) -> Vec<Result<Case, BadLine>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| read_line(l, i + 1))
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
    let Some(obj) = v.as_object() else {
        return Err(bad(None, "a case must be a JSON object".to_string()));
    };
    let id = match obj.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(bad(None, "`id` must be a string".to_string())),
    };
    let field = |key: &str, required: bool| -> Result<Option<String>, BadLine> {
        match obj.get(key) {
            None | Some(Value::Null) if required => {
                Err(bad(id.clone(), format!("the case has no `{key}`")))
            }
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(id.clone(), format!("`{key}` must be a string"))),
        }
    };
    let expr = field("expr", true)?.unwrap_or_default();
    let wrt = field("wrt", true)?.unwrap_or_default().trim().to_string();
    let decls = field("decls", false)?.unwrap_or_default();
    let expected = match field("expected", false)? {
        Some(e) => Some(e),
        None => field("expected_text", false)?,
    }
    .filter(|e| !e.trim().is_empty());
    if wrt.contains(',') {
        return Err(bad(
            id,
            format!("`wrt` names one variable per case, not `{wrt}`"),
        ));
    }
    Ok(Case {
        id: id.unwrap_or_else(|| format!("line {line}")),
        decls,
        expr,
        wrt,
        expected,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cases_and_reports_bad_lines_in_place() {
        let text = "{\"id\":\"a\",\"expr\":\"x'*x\",\"wrt\":\"x\",\"extra\":1}\n\nnot json\n{\"id\":\"b\",\"expr\":\"x\"}\n";
        let cases = read_catalog(text);
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].as_ref().map(|c| c.wrt.as_str()), Ok("x"));
        assert_eq!(cases[1].as_ref().map_err(|b| b.line), Err(3));
        assert!(cases[2].as_ref().is_err_and(|b| b.message.contains("wrt")));
    }
}
