//! Random well-shaped expressions (every operator, depth up to 5, distinct sizes) are
//! derived, checked against central finite differences, and their printed derivatives
//! read back with the reported shape and value. Proptest shrinks a failure to a small
//! expression; a fixed sweep of seeds covers a thousand cases on every run.

mod common;

use common::random_expr::{case_from_seed, case_strategy, GenConfig};
use common::{assert_checked_and_reads_back, rules};
use matcalc::{derive_request, Request};
use proptest::prelude::*;

/// What became of one case.
#[derive(PartialEq)]
enum Outcome {
    Checked,
    /// f is so large next to its slope at every point drawn (det of a Kronecker
    /// product: 1e30) that finite differences cannot judge; the check says so.
    Uncheckable,
}

/// Derives one generated case with the check on; the report must pass every
/// invariant of `assert_checked_and_reads_back`.
fn derives(expr: &str, decls: &str, wrt: &str) -> Result<Outcome, String> {
    let mut req = Request::new(expr, decls, &[wrt]);
    req.check = true;
    let answer = match derive_request(&req, rules()) {
        Ok(a) => a,
        Err(e) if e.to_string().contains("drown in rounding") => return Ok(Outcome::Uncheckable),
        Err(e) => return Err(format!("{expr} by {wrt}: {e}")),
    };
    let r = answer.reports.into_iter().next().ok_or("no report")?;
    std::panic::catch_unwind(|| assert_checked_and_reads_back(&r, expr, wrt))
        .map(|_| Outcome::Checked)
        .map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| format!("{expr} by {wrt}: failed"))
        })
}

/// A thousand cases of every depth up to 5, the same on every run.
#[test]
fn a_thousand_random_expressions_derive_correctly() {
    let mut failures = Vec::new();
    let mut uncheckable = 0;
    for seed in 0..1000u64 {
        let cfg = GenConfig::new(1 + (seed % 5) as usize);
        let c = case_from_seed(seed, &cfg);
        match derives(&c.expr, &c.decls, &c.wrt) {
            Ok(Outcome::Checked) => {}
            Ok(Outcome::Uncheckable) => uncheckable += 1,
            Err(e) => failures.push(format!("seed {seed}: {e}\n    --let \"{}\"", c.decls)),
        }
    }
    assert!(
        uncheckable <= 10,
        "{uncheckable} of 1000 could not be checked"
    );
    assert!(
        failures.is_empty(),
        "{} of 1000 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn shrinking_random_expressions_derive_correctly(c in case_strategy(GenConfig::new(5))) {
        let outcome = derives(&c.expr, &c.decls, &c.wrt).map_err(TestCaseError::fail)?;
        prop_assume!(outcome == Outcome::Checked, "finite differences cannot judge it");
    }
}
