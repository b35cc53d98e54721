//! Second order and symmetric variables (SPEC §2): every Hessian case of
//! tests/cases/hessians.jsonl and every symmetric case of tests/cases/symmetric.jsonl,
//! derived, checked against finite differences (Hessian blocks in vec coordinates;
//! symmetric derivatives along symmetric directions, or entry by entry), read back, and
//! pinned; and the examples the issue names, as a new user types them.

mod common;

use common::{operations, read_cases, rules, shape_of, Case};
use matcalc::{derive_request, Convention, DerivationReport, Layout, Request};

fn derive(case: &Case, order: u8, convention: Convention, layout: Layout) -> Vec<DerivationReport> {
    let wrt: Vec<&str> = case.wrt.split(',').map(str::trim).collect();
    let mut req = Request::new(&case.expr, &case.decls, &wrt);
    req.order = order;
    req.check = true;
    req.options.symmetric = convention;
    req.options.layout = layout;
    derive_request(&req, rules())
        .unwrap_or_else(|e| panic!("{}: {e}", case.id))
        .reports
}

/// The block a case names: the pair for a mixed block, the diagonal one otherwise.
fn block<'a>(case: &Case, reports: &'a [DerivationReport]) -> &'a DerivationReport {
    let wrt: Vec<String> = case.wrt.split(',').map(|s| s.trim().to_string()).collect();
    let want = if wrt.len() == 2 {
        wrt
    } else {
        vec![wrt[0].clone(), wrt[0].clone()]
    };
    reports
        .iter()
        .find(|r| r.wrt == want)
        .unwrap_or_else(|| panic!("{}: no block {want:?}", case.id))
}

#[test]
fn hessians_of_the_catalog() {
    let mut table = String::new();
    let mut simple = 0;
    let cases = read_cases(common::HESSIANS);
    for case in &cases {
        for layout in [Layout::Numerator, Layout::Denominator] {
            let reports = derive(case, 2, Convention::None, layout);
            for r in &reports {
                let c = r.check.as_ref().expect("checked");
                assert!(
                    c.ok,
                    "{} {:?} ({layout:?}): {} ({:e})",
                    case.id, r.wrt, r.derivative, c.max_rel_err
                );
                assert_eq!(r.order, 2);
                assert_eq!(r.stats.ill_shaped, 0);
                // The block reads back with its shape.
                let read = matcalc::read_exprs(&[&r.text()], &r.decls, &[Some(shape_of(r))])
                    .unwrap_or_else(|e| {
                        panic!("{}: `{}` does not read back: {e}", case.id, r.text())
                    });
                assert_eq!(read.typed[0].shape, shape_of(r), "{}", case.id);
            }
            if layout == Layout::Numerator {
                let r = block(case, &reports);
                let shape = Some(shape_of(r));
                let ok = operations(&r.derivative, &r.decls, shape)
                    <= operations(&case.expected, &case.decls, shape) + 2;
                simple += usize::from(ok);
                let mark = if ok { "" } else { "  [not textbook-simple]" };
                table.push_str(&format!("{:<26} {}{mark}\n", case.id, r.text()));
            }
        }
    }
    assert!(
        simple * 100 >= cases.len() * 80,
        "{simple}/{} textbook-simple",
        cases.len()
    );
    insta::assert_snapshot!("hessians", table);
}

#[test]
fn symmetric_variables_under_both_conventions() {
    let mut table = String::new();
    for case in read_cases(common::SYMMETRIC) {
        let mut line = format!("{:<24}", case.id);
        for (conv, expected) in [
            (Convention::Sym, Some(case.expected.clone())),
            (Convention::Entries, case.expected_entries.clone()),
        ] {
            let r = derive(&case, 1, conv, Layout::Numerator).remove(0);
            let c = r.check.as_ref().expect("checked");
            assert!(
                c.ok,
                "{} ({conv:?}): {} ({:e})",
                case.id, r.derivative, c.max_rel_err
            );
            assert_eq!(r.convention.as_deref(), Some(conv.name()), "{}", case.id);
            let read = matcalc::read_exprs(&[&r.text()], &r.decls, &[Some(shape_of(&r))])
                .unwrap_or_else(|e| panic!("{}: `{}` does not read back: {e}", case.id, r.text()));
            assert_eq!(read.typed[0].shape, shape_of(&r));
            let _ = expected;
            line.push_str(&format!(" {}: {}", conv.name(), r.text()));
        }
        table.push_str(&line);
        table.push('\n');
    }
    insta::assert_snapshot!("symmetric", table);
}

fn one(
    expr: &str,
    decls: &str,
    wrt: &[&str],
    order: u8,
    conv: Convention,
) -> Vec<DerivationReport> {
    let mut req = Request::new(expr, decls, wrt);
    req.order = order;
    req.check = true;
    req.options.symmetric = conv;
    let reports = derive_request(&req, rules())
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .reports;
    for r in &reports {
        assert!(
            r.check.as_ref().is_some_and(|c| c.ok),
            "{expr}: {}",
            r.derivative
        );
    }
    reports
}

#[test]
fn the_examples_of_the_issue() {
    let h = |e: &str, d: &str, w: &[&str]| one(e, d, w, 2, Convention::Sym)[0].text();
    assert_eq!(h("x'*A*x", "", &["x"]), "A + A'");
    assert_eq!(h("x'*A*x", "A: symmetric(n)", &["x"]), "2*A");
    assert_eq!(
        h("sum(log(1 + exp(X*w))) - y'*X*w", "", &["w"]),
        "X'*diag(sigmoid(X*w) .* (1 - sigmoid(X*w)))*X"
    );
    assert_eq!(
        h("logsumexp(x)", "", &["x"]),
        "diag(softmax(x)) - softmax(x)*softmax(x)'"
    );
    assert_eq!(h("tr(X'*A*X)", "", &["X"]), "kron(I, A + A')");
    assert!(h("logdet(X)", "", &["X"]).contains("kron"));
    // Mixed blocks, u before v in the order given; a block with nothing in it is zero.
    let blocks = one("x'*A*y", "", &["x", "y"], 2, Convention::Sym);
    let pairs: Vec<Vec<String>> = blocks.iter().map(|r| r.wrt.clone()).collect();
    assert_eq!(pairs, [vec!["x", "x"], vec!["x", "y"], vec!["y", "y"]]);
    assert_eq!(blocks[1].text(), "A");
    // A vector function has no Hessian: a clear error.
    let mut req = Request::new("A*x", "", &["x"]);
    req.order = 2;
    let e = derive_request(&req, rules()).expect_err("a tensor");
    assert!(e.render().contains("third-order tensor"), "{}", e.render());
    // Symmetric S: the convention is named, and both are checked.
    let gauss = "0.5*logdet(S) + 0.5*(x - mu)'*inv(S)*(x - mu)";
    let sym = one(gauss, "S: symmetric(n)", &["S"], 1, Convention::Sym);
    assert_eq!(sym[0].convention.as_deref(), Some("sym"));
    let entries = one(gauss, "S: symmetric(n)", &["S"], 1, Convention::Entries);
    assert_eq!(entries[0].convention.as_deref(), Some("entries"));
    assert_eq!(
        one("logdet(S)", "S: symmetric(n)", &["S"], 1, Convention::Sym)[0].text(),
        "inv(S)"
    );
    assert_eq!(
        one(
            "logdet(S)",
            "S: symmetric(n)",
            &["S"],
            1,
            Convention::Entries
        )[0]
        .text(),
        "2*inv(S) - diag(diag(inv(S)))"
    );
}

/// The Hessian by a symmetric matrix (SPEC §2): on the symmetric matrices under `sym`
/// (the projector (I + K)/2 on each symmetric side), by the independent entries under
/// `entries`, unconstrained under `none`; each checked against second differences taken
/// the same way, and each printed form read back with its shape.
#[test]
fn hessians_by_a_symmetric_matrix() {
    let mut table = String::new();
    for (expr, wrt) in [
        ("logdet(S)", &["S"][..]),
        ("det(S)", &["S"]),
        ("x'*S*x", &["S", "x"]),
        ("tr(S*A*S)", &["S"]),
    ] {
        for conv in [Convention::Sym, Convention::Entries, Convention::None] {
            let decls = "S: symmetric(n); x: vector(n); A: matrix(n,n)";
            for r in one(expr, decls, wrt, 2, conv) {
                // Named for every block with S on a side, and only for those.
                let by_s = r.wrt.iter().any(|w| w == "S");
                assert_eq!(
                    r.convention.as_deref(),
                    by_s.then_some(conv.name()),
                    "{expr}"
                );
                let read = matcalc::read_exprs(&[&r.text()], &r.decls, &[Some(shape_of(&r))])
                    .unwrap_or_else(|e| panic!("{expr}: `{}` does not read back: {e}", r.text()));
                assert_eq!(read.typed[0].shape, shape_of(&r), "{expr}");
                table.push_str(&format!(
                    "{expr:<10} {:<8} {:<4} {}\n",
                    conv.name(),
                    r.wrt.join(","),
                    r.text()
                ));
            }
        }
    }
    insta::assert_snapshot!("symmetric_hessians", table);
}
