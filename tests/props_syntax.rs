//! Properties of reading and printing: every well-shaped expression reads and its text
//! reads back to the same nodes; no input whatsoever makes reading panic.

mod common;

use matcalc::read_expr;
use matcalc::syntax::text::to_text;
use proptest::prelude::*;

/// Characters a user might type, including some that are no part of the language.
const ALPHABET: &str = "[a-zA-Z0-9_ +\\-*/.^'(),;:×⊗é∘·\\[\\]{}\t]{0,48}";

/// Words and operators of the language, to reach deeper than random characters do.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "x", "A", "s", "I", "ones", "0", "2", "-1", "1.5", "+", "-", "*", ".*", "./", "^", "'",
        "(", ")", ",", "tr", "det", "inv", "kron", "diag", "vec", "norm2", "exp", "sigmoid", "foo",
        "1e400", "é",
    ])
}

fn decls() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("A: matrix(n,n); x: vector(n); s: scalar".to_string()),
        Just("A: matrix(m,n); x: vector(m); s: scalar; S: symmetric(3)".to_string()),
        "[a-zA-Z0-9 :;(),]{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_round_trips((expr, decls) in common::gen::well_shaped()) {
        let (typed, _) = read_expr(&expr, &decls)
            .map_err(|e| TestCaseError::fail(format!("{expr}\n{}", e.render())))?;
        let text = to_text(&typed.expr);
        let (again, _) = read_expr(&text, &decls)
            .map_err(|e| TestCaseError::fail(format!("{expr} printed as {text}\n{}", e.render())))?;
        prop_assert_eq!(again.expr, typed.expr, "{} printed as {}", expr, text);
    }

    #[test]
    fn random_text_never_panics(src in ALPHABET, decls in decls()) {
        // Either outcome is fine; a bad input must come back as a bad-input error.
        if let Err(e) = read_expr(&src, &decls) {
            prop_assert_eq!(e.exit_code(), 2);
            prop_assert!(!e.render().is_empty());
        }
    }

    #[test]
    fn random_tokens_never_panic(toks in prop::collection::vec(token(), 0..24), decls in decls()) {
        let src = toks.join(" ");
        match read_expr(&src, &decls) {
            Err(e) => prop_assert_eq!(e.exit_code(), 2),
            Ok((typed, _)) => {
                // What reads must also print and read back.
                let text = to_text(&typed.expr);
                prop_assert!(read_expr(&text, &decls).is_ok(), "{} printed as {}", src, text);
            }
        }
    }
}
