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

/// A line that is not a case, with its line number and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Every case of a catalog text, in order; blank lines and `#` comments are skipped, a
/// malformed line is returned as a `BadLine` in its place.
pub fn read_catalog(text: &str) -> Vec<Result<Case, BadLine>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| read_line(l, i + 1))
        .collect()
}

fn read_line(text: &str, line: usize) -> Result<Case, BadLine> {
    let bad = |message: String| BadLine { line, message };
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let field = |k: &str| -> Result<String, BadLine> {
        match &v[k] {
            Value::String(s) => Ok(s.clone()),
            Value::Null => Err(bad(format!("no `{k}` field"))),
            other => Err(bad(format!("`{k}` is not text: {other}"))),
        }
    };
    Ok(Case {
        id: field("id").unwrap_or_else(|_| format!("line {line}")),
        decls: v["decls"].as_str().unwrap_or("").to_string(),
        expr: field("expr")?,
        wrt: field("wrt")?,
        expected: v["expected"]
            .as_str()
            .or_else(|| v["expected_text"].as_str())
            .map(str::to_string),
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
