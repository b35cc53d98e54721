//! Random well-shaped expressions (every operator, depth up to 5, distinct sizes) are
//! derived, checked against central finite differences, and their printed derivatives
//! read back with the reported shape and value. Proptest shrinks a failure to a small
//! expression; a fixed sweep of seeds covers a thousand cases on every run.
//! `MATCALC_RANDOM_CASES=N` (and `MATCALC_RANDOM_FIRST=S`) sweeps N seeds from S
//! instead, for a long run; the sweep prints what it saw and its slowest case.

mod common;

use common::random_expr::{case_from_seed, case_strategy, GenConfig};
use common::{assert_checked_and_reads_back, env_number, rules};
use matcalc::{derive_request, Convention, Request};
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

/// A thousand cases of every depth up to 5, the same on every run; each must also end
/// within the request's time limit (the default 5 s) plus a tenth.
#[test]
fn a_thousand_random_expressions_derive_correctly() {
    let cases = env_number("MATCALC_RANDOM_CASES", 1000);
    let first = env_number("MATCALC_RANDOM_FIRST", 0);
    let limit = Request::new("x", "", &["x"]).options.time_limit;
    let mut failures = Vec::new();
    let (mut checked, mut uncheckable) = (0, 0);
    let mut slowest = (std::time::Duration::ZERO, String::new());
    for seed in first..first + cases {
        let cfg = GenConfig::new(1 + (seed % 5) as usize);
        let c = case_from_seed(seed, &cfg);
        let started = std::time::Instant::now();
        let outcome = derives(&c.expr, &c.decls, &c.wrt);
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, format!("{} by {}", c.expr, c.wrt));
        }
        if took > limit + limit / 10 {
            failures.push(format!(
                "seed {seed}: {} by {} took {took:?}",
                c.expr, c.wrt
            ));
        }
        match outcome {
            Ok(Outcome::Checked) => checked += 1,
            Ok(Outcome::Uncheckable) => uncheckable += 1,
            Err(e) => failures.push(format!("seed {seed}: {e}\n    --let \"{}\"", c.decls)),
        }
    }
    eprintln!(
        "{cases} random expressions from seed {first}: {checked} checked, {uncheckable} \
         uncheckable, {} failures; slowest {:?}: {}",
        failures.len(),
        slowest.0,
        slowest.1
    );
    assert!(
        uncheckable as u64 <= cases / 100,
        "{uncheckable} of {cases} could not be checked"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The cases of the sweep whose variable is a symmetric matrix, under the two other
/// conventions (the sweep above uses `sym`): `entries` and `none`, each checked along
/// its own directions (SPEC §2).
#[test]
fn random_symmetric_variables_under_every_convention() {
    let mut tried = 0;
    let mut failures = Vec::new();
    for seed in 0..2000 {
        let c = case_from_seed(seed, &GenConfig::new(1 + (seed % 5) as usize));
        let symmetric = c
            .decls
            .split(';')
            .any(|d| d.trim().starts_with(&format!("{}:", c.wrt)) && d.contains("symmetric"));
        if !symmetric {
            continue;
        }
        tried += 1;
        for conv in [Convention::Entries, Convention::None] {
            let mut req = Request::new(&c.expr, &c.decls, &[c.wrt.as_str()]);
            req.check = true;
            req.options.symmetric = conv;
            let what = format!("seed {seed} ({}): {} by {}", conv.name(), c.expr, c.wrt);
            match derive_request(&req, rules()) {
                Ok(a) => {
                    let r = &a.reports[0];
                    if !r.check.as_ref().is_some_and(|c| c.ok) {
                        failures.push(format!("{what}: {}", r.derivative));
                    }
                }
                Err(e) if e.to_string().contains("drown in rounding") => {}
                Err(e) => failures.push(format!("{what}: {e}")),
            }
        }
    }
    assert!(tried > 100, "only {tried} symmetric cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn shrinking_random_expressions_derive_correctly(c in case_strategy(GenConfig::new(5))) {
        let outcome = derives(&c.expr, &c.decls, &c.wrt).map_err(TestCaseError::fail)?;
        prop_assume!(outcome == Outcome::Checked, "finite differences cannot judge it");
    }
}
