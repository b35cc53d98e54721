//! Every reference case (tests/cases/catalog.jsonl, 41, and extended.jsonl, 124): its
//! expression and its textbook derivative read together (sharing their names), and the
//! text printed for each (`to_text`, with and without `where` names, with and without the
//! reader knowing the derivative's shape) reads back to an expression of the same shape
//! and the same value at random points. The text, LaTeX and NumPy forms of the 41 are
//! pinned by one table snapshot (tests/snapshots/syntax_catalog__catalog_forms.snap).

mod common;

use common::{read_cases, Case, CATALOG, EXTENDED};
use matcalc::{
    derivative_shape, eval, random_point, read_exprs, rel_err, to_latex, to_numpy, to_text,
    Checked, Dim, Env, Mat, Point, Shape, Symbol, TextOptions, VarInfo, VarKind,
};

/// How far a read-back value may be from the original's (both are evaluated the same way).
const TOLERANCE: f64 = 1e-9;
const SEEDS: u64 = 3;

/// The derivative's shape (numerator layout): from the expression's shape and the
/// variable's.
fn derivative_shape_of(case: &Case) -> Shape {
    let c = read_exprs(&[&case.expr], &case.decls, &[None]).unwrap_or_else(|e| {
        panic!(
            "{}: `{}` does not read:\n{}",
            case.id,
            case.expr,
            e.render()
        )
    });
    let x = c
        .env
        .shape(Symbol::from(case.wrt.as_str()))
        .unwrap_or_else(|| panic!("{}: no variable {}", case.id, case.wrt));
    derivative_shape(c.typed[0].shape, x)
}

/// The expression and its expected derivative, read together.
fn read_case(case: &Case) -> (Checked, Shape) {
    let d = derivative_shape_of(case);
    let c = read_exprs(&[&case.expr, &case.expected], &case.decls, &[None, Some(d)])
        .unwrap_or_else(|e| {
            panic!(
                "{}: `{}` and `{}` do not read together:\n{}",
                case.id,
                case.expr,
                case.expected,
                e.render()
            )
        });
    assert_eq!(c.typed[1].shape, d, "{}: the derivative's shape", case.id);
    (c, d)
}

/// `env` with the sizes handed out in the opposite order by `random_point` (which
/// sizes its symbols in order of first appearance): dummy vectors in front.
fn sizes_reversed(env: &Env) -> Env {
    let dims: Vec<String> = random_point(env, &[], 0, false)
        .dims
        .keys()
        .cloned()
        .collect();
    let mut out = Env::default();
    for (i, d) in dims.iter().rev().enumerate() {
        let shape = Shape::new(Dim::new(d), Dim::one());
        out.vars.insert(
            Symbol::from(format!("size_order_{i}")),
            VarInfo {
                kind: VarKind::Vector,
                shape,
                declared: false,
            },
        );
    }
    out.vars.extend(env.vars.iter().map(|(k, v)| (*k, *v)));
    out
}

/// A random point where `c`'s expressions evaluate, with their values: signed entries
/// first, positive ones (for `log`, `sqrt`) if those are outside the domain, and the
/// sizes in the other order if need be (`inv(X'*X)` needs `X` tall).
fn values(c: &Checked, seed: u64) -> Option<(Point, Vec<Mat>)> {
    let reversed = sizes_reversed(&c.env);
    let points: Vec<Point> = [&c.env, &reversed]
        .into_iter()
        .flat_map(|env| [false, true].map(|positive| random_point(env, &[], seed, positive)))
        .collect();
    points.into_iter().find_map(|p| {
        let v = c
            .typed
            .iter()
            .map(|t| eval(&t.expr, &p).ok())
            .collect::<Option<Vec<_>>>()?;
        Some((p, v))
    })
}

/// What went wrong reading back the print of one case, if anything.
fn check_reads_back(
    case: &Case,
    c: &Checked,
    d: Shape,
    share: bool,
    root_known: bool,
) -> Result<(), String> {
    let roots = [None, if root_known { Some(d) } else { None }];
    let texts: Vec<String> = c
        .typed
        .iter()
        .zip(roots)
        .map(|(t, root)| to_text(&t.expr, &c.env, TextOptions { root, share }))
        .collect();
    let srcs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let how = format!("share: {share}, root known: {root_known}");
    let again = read_exprs(&srcs, &case.decls, &roots).map_err(|e| {
        format!(
            "{}: the print {texts:?} ({how}) does not read back:\n{}",
            case.id,
            e.render()
        )
    })?;
    for (i, (a, t)) in again.typed.iter().zip(&c.typed).enumerate() {
        if a.shape != t.shape {
            return Err(format!(
                "{}: `{}` ({how}) reads back as {}, not {}",
                case.id, texts[i], a.shape, t.shape
            ));
        }
    }
    let names = |e: &Env| {
        e.vars
            .iter()
            .map(|(n, v)| (*n, v.kind, v.shape))
            .collect::<Vec<_>>()
    };
    if names(&again.env) != names(&c.env) {
        return Err(format!(
            "{}: the print {texts:?} ({how}) reads back with other names: {}",
            case.id,
            again.env.decls_text()
        ));
    }
    for seed in 0..SEEDS {
        // The read-back names are the original's, so both evaluate at one point.
        let Some((p, want)) = values(c, seed) else {
            continue;
        };
        for (i, (a, w)) in again.typed.iter().zip(&want).enumerate() {
            let got = eval(&a.expr, &p).map_err(|e| {
                format!(
                    "{}: `{}` ({how}) does not evaluate: {e:?}",
                    case.id, texts[i]
                )
            })?;
            let err = rel_err(&got, w);
            if err > TOLERANCE {
                return Err(format!(
                    "{}: `{}` ({how}) reads back with another value ({err:e} at seed {seed}); printed from `{}`",
                    case.id,
                    texts[i],
                    [&case.expr, &case.expected][i]
                ));
            }
        }
    }
    Ok(())
}

/// Reads every case and checks every print of it; returns the failures.
fn round_trips(cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut unevaluated = Vec::new();
    for case in cases {
        let (c, d) = read_case(case);
        if !(0..SEEDS).all(|s| values(&c, s).is_some()) {
            let p = random_point(&c.env, &[], 0, false);
            let why: Vec<String> = c
                .typed
                .iter()
                .map(|t| format!("{:?}", eval(&t.expr, &p).err()))
                .collect();
            unevaluated.push(format!("{} ({})", case.id, why.join(", ")));
        }
        for share in [false, true] {
            for root_known in [false, true] {
                if let Err(e) = check_reads_back(case, &c, d, share, root_known) {
                    failures.push(e);
                }
            }
        }
    }
    // Every case is compared by value at every seed, not just by shape.
    if !unevaluated.is_empty() {
        failures.push(format!(
            "{} cases do not evaluate at some random point: {}",
            unevaluated.len(),
            unevaluated.join("; ")
        ));
    }
    failures
}

#[test]
fn the_41_reference_cases_read_and_print_back() {
    let cases = read_cases(CATALOG);
    assert_eq!(cases.len(), 41);
    let failures = round_trips(&cases);
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_124_extended_cases_read_and_print_back() {
    let cases = read_cases(EXTENDED);
    assert_eq!(cases.len(), 124);
    let failures = round_trips(&cases);
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The printed forms of one expression, as table lines.
fn forms(label: &str, src: &str, c: &Checked, i: usize, root: Option<Shape>) -> String {
    let t = &c.typed[i];
    let text = to_text(&t.expr, &c.env, TextOptions { root, share: false });
    let shared = to_text(&t.expr, &c.env, TextOptions { root, share: true });
    let latex = to_latex(&t.expr, &c.env, false);
    let numpy = to_numpy(&t.expr, &c.env, false).unwrap_or_else(|e| format!("error: {e}"));
    let mut out = format!("  {label}: {src}\n    text:   {text}\n");
    if shared != text {
        out.push_str(&format!("    shared: {shared}\n"));
    }
    let latex_shared = to_latex(&t.expr, &c.env, true);
    out.push_str(&format!("    latex:  {latex}\n"));
    if latex_shared != latex {
        out.push_str(&format!("    latex (shared): {latex_shared}\n"));
    }
    out.push_str(&format!("    numpy:  {numpy}\n"));
    if let Ok(n) = to_numpy(&t.expr, &c.env, true) {
        if n != numpy {
            out.push_str(&format!("    numpy (shared): {n}\n"));
        }
    }
    out
}

#[test]
fn the_41_printed_forms_are_pinned() {
    let cases = read_cases(CATALOG);
    let mut table = String::new();
    for case in &cases {
        let (c, d) = read_case(case);
        table.push_str(&format!(
            "{} ({}, by {})\n  decls: {}\n",
            case.id, case.kind, case.wrt, case.decls
        ));
        table.push_str(&forms("expr", &case.expr, &c, 0, None));
        table.push_str(&forms("expected", &case.expected, &c, 1, Some(d)));
        // NumPy text of a well-formed expression is always produced for these.
        for t in &c.typed {
            assert!(
                to_numpy(&t.expr, &c.env, false).is_ok(),
                "{}: no NumPy form",
                case.id
            );
        }
        table.push('\n');
    }
    insta::assert_snapshot!("catalog_forms", table);
}
