//! Rule files split into forms, and the forms of a rule scanned for what choosing
//! rules needs, with nothing but the standard library: the crate reads files with it
//! (`parse`), and the build script (`build.rs`) scans the built-in files with it once,
//! at build time, so that a process starts without reading them (`lazy`).

// The scan of whole rule files (`scan_rules` and what it uses) runs in build.rs and
// the tests; the crate reads the index it writes.
#![cfg_attr(not(test), allow(dead_code))]

/// The deepest nesting of parentheses a rule may have.
pub const MAX_NESTING: usize = 200;

/// One top-level form: its text, where it starts, and the comment lines right above it.
pub struct Form<'a> {
    pub text: &'a str,
    pub offset: usize,
    pub comment: Vec<&'a str>,
}

/// Splits a file into forms, tracking strings, comments and depth. It walks bytes
/// (every character that matters is ASCII) and always moves forward.
pub fn split_forms<'a>(src: &'a str, error: &mut impl FnMut(usize, String)) -> Vec<Form<'a>> {
    let bytes = src.as_bytes();
    let line_end = |i: usize| src[i..].find('\n').map_or(src.len(), |e| i + e);
    let mut forms: Vec<Form<'a>> = Vec::new();
    let mut comment: Vec<&'a str> = Vec::new();
    // A rule right below another, with no blank line, shares its comment.
    let mut blank_since_form = true;
    let mut newlines_in_a_row = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                let end = line_end(i);
                comment.push(src[i..end].trim_start_matches(';').trim());
                i = end;
                newlines_in_a_row = 0;
            }
            b'\n' => {
                i += 1;
                newlines_in_a_row += 1;
                if newlines_in_a_row >= 2 {
                    // A blank line ends the comment block that belongs to the next rule.
                    comment.clear();
                    blank_since_form = true;
                }
            }
            b'(' => {
                newlines_in_a_row = 0;
                let start = i;
                let mut depth = 0usize;
                let mut in_string = false;
                let mut end = None;
                let mut too_deep = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'"' => in_string = !in_string,
                        b';' if !in_string => {
                            i = line_end(i);
                            continue;
                        }
                        b'(' if !in_string => {
                            depth += 1;
                            if depth > MAX_NESTING && !too_deep {
                                too_deep = true;
                                error(
                                    i,
                                    format!("nested too deeply (more than {MAX_NESTING} levels)"),
                                );
                            }
                        }
                        b')' if !in_string => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i + 1);
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                let Some(end) = end else {
                    error(start, "this form is never closed".to_string());
                    return forms;
                };
                let mut own = std::mem::take(&mut comment);
                if own.is_empty() && !blank_since_form {
                    own = forms.last().map(|f| f.comment.clone()).unwrap_or_default();
                }
                blank_since_form = false;
                if !too_deep {
                    forms.push(Form {
                        text: &src[start..end],
                        offset: start,
                        comment: own,
                    });
                }
            }
            _ => {
                // `i` is always at a character boundary: it only ever moves past ASCII
                // bytes or whole characters.
                let c = src[i..].chars().next().unwrap_or(' ');
                if c.is_whitespace() {
                    i += c.len_utf8();
                    continue;
                }
                // Text outside any form: report it once and skip to the next separator.
                newlines_in_a_row = 0;
                let start = i;
                i += c.len_utf8();
                while let Some(c) = src[i..].chars().next() {
                    if c.is_whitespace() || c == '(' || c == ';' {
                        break;
                    }
                    i += c.len_utf8();
                }
                let shown: String = src[start..i].chars().take(40).collect();
                error(
                    start,
                    format!("`{}` stands outside any form", shown.escape_debug()),
                );
            }
        }
    }
    forms
}

/// The value after `key` among a form's items.
fn option_value<'a>(items: &[&'a str], key: &str) -> Option<&'a str> {
    let at = items.iter().position(|i| *i == key)?;
    items.get(at + 1).copied()
}

/// The top-level items of one form `( … )`: atoms, strings (with their quotes) and
/// lists, as slices of its text. Comments are skipped.
fn top_level(form: &str) -> Vec<&str> {
    let inner = form
        .strip_prefix('(')
        .and_then(|f| f.strip_suffix(')'))
        .unwrap_or(form);
    let bytes = inner.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'(' => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    match bytes[i] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        b';' => {
                            while i < bytes.len() && bytes[i] != b'\n' {
                                i += 1;
                            }
                            continue;
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'(' | b')' | b'"' | b';')
                {
                    i += 1;
                }
            }
        }
        items.push(&inner[start..i.min(inner.len())]);
    }
    items
}

/// What a scan of one well-formed rule form says about the rule (one direction of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    pub name: String,
    /// The `:phase` it gives itself, else the file's default at that point.
    pub phase: String,
    pub default_phase: String,
    pub tidy: bool,
    /// The `-rev` direction of a `<=>` rule.
    pub reverse: bool,
    /// The form, as byte offsets into the file.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    /// The comment lines above it, as byte ranges into the file.
    pub comment: Vec<(usize, usize)>,
    /// The names at the head of a list on each side (operators, and shaped constants).
    pub lhs_heads: Vec<String>,
    pub rhs_heads: Vec<String>,
}

/// The rules of a well-formed file, in file order; `family_phase` is the file's
/// phase before any `(family … :phase …)` form.
pub fn scan_rules(src: &str, family_phase: &str) -> Vec<Scanned> {
    let mut default_phase = family_phase.to_string();
    let mut out = Vec::new();
    let mut line = 1;
    let mut counted = 0;
    let offset = |s: &str| s.as_ptr() as usize - src.as_ptr() as usize;
    for form in split_forms(src, &mut |_, _| {}) {
        line += src.as_bytes()[counted..form.offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted = form.offset;
        let items = top_level(form.text);
        match items.first().copied() {
            Some("family") => {
                if let Some(p) = option_value(&items, ":phase") {
                    default_phase = p.to_string();
                }
            }
            Some("rule") if items.len() >= 5 => {
                let rule = Scanned {
                    name: items[1].to_string(),
                    phase: option_value(&items[5..], ":phase")
                        .unwrap_or(&default_phase)
                        .to_string(),
                    default_phase: default_phase.clone(),
                    tidy: items[5..].contains(&":tidy"),
                    reverse: false,
                    start: form.offset,
                    end: form.offset + form.text.len(),
                    line,
                    comment: form
                        .comment
                        .iter()
                        .map(|c| (offset(c), offset(c) + c.len()))
                        .collect(),
                    lhs_heads: heads(items[2]),
                    rhs_heads: heads(items[4]),
                };
                if items[3] == "<=>" {
                    let rev = Scanned {
                        name: format!("{}-rev", items[1]),
                        reverse: true,
                        lhs_heads: rule.rhs_heads.clone(),
                        rhs_heads: rule.lhs_heads.clone(),
                        ..rule.clone()
                    };
                    out.push(rule);
                    out.push(rev);
                } else {
                    out.push(rule);
                }
            }
            _ => {}
        }
    }
    out
}

/// The names right after each `(` of a side's text.
pub fn heads(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        rest = rest[open + 1..].trim_start();
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .unwrap_or(rest.len());
        out.push(rest[..end].to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_items() {
        let items = top_level("(rule a ; c\n (+ ?a (* ?b 0)) => ?a :ref \"x (y)\" :tidy)");
        assert_eq!(
            items,
            vec![
                "rule",
                "a",
                "(+ ?a (* ?b 0))",
                "=>",
                "?a",
                ":ref",
                "\"x (y)\"",
                ":tidy"
            ]
        );
    }

    #[test]
    fn a_rule_both_ways_with_its_comment_and_line() {
        let src = "(family f :phase both)\n\n; one\n(rule r (+ ?a 0) <=> (tr ?a) :tidy)\n";
        let s = scan_rules(src, "prove");
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].name.as_str(), s[1].name.as_str()), ("r", "r-rev"));
        assert_eq!(
            (s[0].line, s[0].phase.as_str(), s[0].tidy),
            (4, "both", true)
        );
        assert_eq!(&src[s[0].comment[0].0..s[0].comment[0].1], "one");
        assert_eq!(
            (s[0].lhs_heads.clone(), s[1].lhs_heads.clone()),
            (vec!["+".to_string()], vec!["tr".to_string()])
        );
    }
}
