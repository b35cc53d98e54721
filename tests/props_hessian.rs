//! Second order on random expressions: scalar-valued expressions of every operator and
//! depth up to 4 (distinct sizes) are given `--order 2` with the check on, and every
//! Hessian block must agree with second differences. Every third case is by all of its
//! variables at once (mixed blocks), every other one in denominator layout. A case with
//! a symmetric matrix among its variables is derived under each of the three
//! conventions (SPEC §2), each checked on its own terms. `MATCALC_HESSIAN_CASES=N` (and `MATCALC_HESSIAN_FIRST=S`)
//! sweeps N seeds from S instead of the default.

mod common;

use common::random_expr::{case_from_seed, GenConfig};
use common::{env_number, rules};
use matcalc::{derive_request, Convention, Layout, Request};

#[test]
fn random_hessians_agree_with_second_differences() {
    let cases = env_number("MATCALC_HESSIAN_CASES", 300);
    let first = env_number("MATCALC_HESSIAN_FIRST", 0);
    let (mut checked, mut uncheckable, mut symmetric) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    for seed in first..first + cases {
        let mut cfg = GenConfig::new(1 + (seed % 4) as usize);
        cfg.scalar_output = Some(true);
        let c = case_from_seed(seed, &cfg);
        let declared: Vec<&str> = c
            .decls
            .split(';')
            .filter_map(|d| d.split(':').next())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        let wrt: Vec<&str> = if seed % 3 == 0 {
            declared.clone()
        } else {
            vec![c.wrt.as_str()]
        };
        let is_symmetric = c.decls.split(';').any(|d| {
            let name = d.split(':').next().unwrap_or("").trim();
            wrt.contains(&name) && d.contains("symmetric")
        });
        let conventions: &[Convention] = if is_symmetric {
            symmetric += 1;
            &[Convention::Sym, Convention::Entries, Convention::None]
        } else {
            &[Convention::Sym]
        };
        for conv in conventions {
            let mut req = Request::new(&c.expr, &c.decls, &wrt);
            req.order = 2;
            req.check = true;
            req.options.symmetric = *conv;
            if seed % 2 == 1 {
                req.options.layout = Layout::Denominator;
            }
            let what = format!(
                "seed {seed} ({}): {} by {} [{}]",
                conv.name(),
                c.expr,
                wrt.join(","),
                c.decls
            );
            match derive_request(&req, rules()) {
                Ok(a) => {
                    for r in &a.reports {
                        match &r.check {
                            Some(ch) if ch.ok => checked += 1,
                            other => failures.push(format!(
                                "{what}: {} (error {:?})",
                                r.derivative,
                                other.as_ref().map(|c| c.max_rel_err)
                            )),
                        }
                    }
                }
                // |f| so large next to its curvature that no step can judge it, or a
                // block whose printed form holds a matrix too large to evaluate at the
                // check's sizes (a commutation matrix of kron(B, C) by B and C).
                Err(e)
                    if e.to_string().contains("drown in rounding")
                        || e.to_string().contains("matrix too large") =>
                {
                    uncheckable += 1
                }
                Err(e) => failures.push(format!("{what}: {e}")),
            }
        }
    }
    eprintln!(
        "{cases} random Hessians from seed {first} ({symmetric} by a symmetric matrix): \
         {checked} blocks checked, {uncheckable} uncheckable, {} failures",
        failures.len()
    );
    assert!(
        uncheckable <= cases / 50 + 1,
        "{uncheckable} of {cases} could not be checked"
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
