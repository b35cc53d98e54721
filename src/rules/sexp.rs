//! The S-expressions of rule files, read in one pass without copying: atoms and
//! strings borrow the file's text. (A general reader copied every atom into its own
//! `String`, which made reading the built-in rules most of a small derivation's time.)
//!
//! The splitter in `parse` hands over one form at a time, with its parentheses
//! balanced and at most `MAX_NESTING` deep, so the recursion here is bounded.

/// One S-expression: an atom (`?a`, `*`, `:when`), a string's contents, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sexp<'a> {
    Atom(&'a str),
    Str(&'a str),
    List(Vec<Sexp<'a>>),
}

impl<'a> Sexp<'a> {
    /// The atom or string, if this is one.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Sexp::Atom(t) | Sexp::Str(t) => Some(t),
            Sexp::List(_) => None,
        }
    }

    /// The text as the rule files write it, on one line with single spaces.
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(64);
        self.write(&mut out);
        out
    }

    /// `text`, borrowed where the form is one atom or string (names, variables).
    pub fn text_cow(&self) -> std::borrow::Cow<'a, str> {
        match self.as_str() {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned(self.text()),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Sexp::Atom(t) | Sexp::Str(t) => out.push_str(t),
            Sexp::List(items) => {
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    item.write(out);
                }
                out.push(')');
            }
        }
    }
}

/// Reads the one form `text` holds; anything but white space or comments after it is
/// an error.
pub fn read(text: &str) -> Result<Sexp<'_>, String> {
    let mut r = Reader { text, at: 0 };
    let form = r.form()?;
    r.skip_blank();
    if r.at < text.len() {
        return Err(format!(
            "unexpected `{}` after the form",
            text[r.at..].chars().take(20).collect::<String>()
        ));
    }
    Ok(form)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_blank(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.at += 1,
                b';' => {
                    self.at = self.text[self.at..]
                        .find('\n')
                        .map_or(self.text.len(), |e| self.at + e);
                }
                // Other white space is rare: decode the character only then.
                0x80.. => match self.text[self.at..].chars().next() {
                    Some(c) if c.is_whitespace() => self.at += c.len_utf8(),
                    _ => break,
                },
                _ => break,
            }
        }
    }

    fn form(&mut self) -> Result<Sexp<'a>, String> {
        self.skip_blank();
        match self.peek() {
            None => Err("the text ends where a form should start".to_string()),
            Some(b'(') => {
                self.at += 1;
                // Most lists of a rule file have two to four items.
                let mut items = Vec::with_capacity(4);
                loop {
                    self.skip_blank();
                    match self.peek() {
                        None => return Err("a list is never closed".to_string()),
                        Some(b')') => {
                            self.at += 1;
                            return Ok(Sexp::List(items));
                        }
                        Some(_) => items.push(self.form()?),
                    }
                }
            }
            Some(b')') => Err("a `)` closes nothing".to_string()),
            Some(b'"') => {
                let start = self.at + 1;
                let len = self.text[start..]
                    .find('"')
                    .ok_or_else(|| "a string is never closed".to_string())?;
                self.at = start + len + 1;
                Ok(Sexp::Str(&self.text[start..start + len]))
            }
            Some(_) => {
                let start = self.at;
                let rest = &self.text[start..];
                let len = atom_len(rest);
                self.at = start + len;
                Ok(Sexp::Atom(&rest[..len]))
            }
        }
    }
}

/// The length of the atom `rest` starts with: up to white space or a delimiter.
fn atom_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\n' | b'\t' | b'\r' | b'(' | b')' | b'"' | b';' => return i,
            0x80.. => {
                // `i` is at a character boundary: every byte before it was ASCII or a
                // whole character stepped over below.
                match rest[i..].chars().next() {
                    Some(c) if c.is_whitespace() => return i,
                    Some(c) => i += c.len_utf8(),
                    None => return i,
                }
            }
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_strings_lists_and_comments() {
        let s = read("(rule a ; note\n (+ ?a 0) => ?a :ref \"eq. (3)\")").expect("reads");
        let Sexp::List(items) = &s else {
            panic!("a list")
        };
        assert_eq!(items.len(), 7);
        assert_eq!(items[2].text(), "(+ ?a 0)");
        assert_eq!(items[6], Sexp::Str("eq. (3)"));
        assert_eq!(read("()").expect("reads"), Sexp::List(vec![]));
    }

    #[test]
    fn unicode_blanks_separate_and_unicode_atoms_stay_whole() {
        let s = read("(a\u{00a0}b\u{2003}(cé) ; x\n)").expect("reads");
        let Sexp::List(items) = &s else {
            panic!("a list")
        };
        assert_eq!(items[0], Sexp::Atom("a"));
        assert_eq!(items[1], Sexp::Atom("b"));
        assert_eq!(items[2].text(), "(cé)");
    }

    #[test]
    fn malformed_forms_are_errors() {
        for bad in ["(a", "(a \"b)", "(a) b", ")", ""] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
    }
}
