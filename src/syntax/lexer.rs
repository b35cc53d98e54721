//! Tokens of the expression language, each with its span.

use crate::error::Diagnostic;
use crate::error::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    DotStar,
    DotSlash,
    Slash,
    Caret,
    DotCaret,
    Quote,
    Equals,
    Semicolon,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("number {v}"),
            Tok::Ident(s) => format!("name `{s}`"),
            Tok::End => "end of input".to_string(),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::DotStar => "`.*`".into(),
            Tok::DotSlash => "`./`".into(),
            Tok::Slash => "`/`".into(),
            Tok::Caret => "`^`".into(),
            Tok::DotCaret => "`.^`".into(),
            Tok::Equals => "`=`".into(),
            Tok::Semicolon => "`;`".into(),
            Tok::Quote => "`'`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
        }
    }
}

/// Splits `src` into tokens; every character that starts no token is reported, and
/// lexing goes on past it so that all such characters are reported at once.
pub fn lex(src: &str) -> (Vec<(Tok, Span)>, Vec<Diagnostic>) {
    let mut toks = Vec::new();
    let mut errors = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        let start = i;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i = number_end(bytes, i);
            let text = &src[start..i];
            // A literal too small for a double would silently be 0.
            let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
            let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
            match text.parse::<f64>() {
                Ok(v) if v == 0.0 && nonzero => errors.push(Diagnostic::new(
                    format!("`{text}` is too small for a number here: it would be read as 0"),
                    Span::new(start, i),
                )),
                Ok(v) if v.is_finite() => toks.push((Tok::Num(v), Span::new(start, i))),
                _ => errors.push(Diagnostic::new(
                    format!("`{text}` is not a number"),
                    Span::new(start, i),
                )),
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while i < src.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            toks.push((Tok::Ident(src[start..i].to_string()), Span::new(start, i)));
            continue;
        }
        let two = src.get(i..i + 2);
        let (tok, len) = match (c, two) {
            (_, Some(".*")) => (Some(Tok::DotStar), 2),
            (_, Some("./")) => (Some(Tok::DotSlash), 2),
            (_, Some(".^")) => (Some(Tok::DotCaret), 2),
            ('+', _) => (Some(Tok::Plus), 1),
            ('-', _) => (Some(Tok::Minus), 1),
            ('*', _) => (Some(Tok::Star), 1),
            ('/', _) => (Some(Tok::Slash), 1),
            ('^', _) => (Some(Tok::Caret), 1),
            ('\'', _) => (Some(Tok::Quote), 1),
            ('(', _) => (Some(Tok::LParen), 1),
            (')', _) => (Some(Tok::RParen), 1),
            (',', _) => (Some(Tok::Comma), 1),
            ('=', _) => (Some(Tok::Equals), 1),
            (';', _) => (Some(Tok::Semicolon), 1),
            _ => (None, c.len_utf8()),
        };
        i += len;
        match tok {
            Some(t) => toks.push((t, Span::new(start, i))),
            None => errors.push(Diagnostic::new(
                unexpected_char_message(c),
                Span::new(start, i),
            )),
        }
    }
    toks.push((Tok::End, Span::new(src.len(), src.len())));
    (toks, errors)
}

fn unexpected_char_message(c: char) -> String {
    let hint = match c {
        '×' | '·' => " (write `*` for a product)",
        '⊙' | '∘' => " (write `.*` for the Hadamard product)",
        '⊗' => " (write `kron(A, B)`)",
        '[' | ']' | '{' | '}' => " (group with parentheses)",
        '²' => " (write `^2`, or `.^2` elementwise)",
        '\u{a0}' => " (a no-break space)",
        _ => "",
    };
    format!("unexpected character `{c}`{hint}")
}

/// The end of a number starting at `i`: digits, an optional fraction, an optional exponent.
fn number_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    // A `.` followed by `*`, `/` or `^` is an operator, not a decimal point.
    if i < b.len() && b[i] == b'.' && !matches!(b.get(i + 1), Some(b'*' | b'/' | b'^')) {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}
