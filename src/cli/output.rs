//! Writing to stdout without a panic when the reader has gone (`matcalc … | head`).

use std::io::Write;

/// Prints `text` and a newline; a closed pipe ends the process quietly.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Prints `text` as it is.
pub fn raw(text: &str) {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}
