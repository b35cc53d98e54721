//! A search is given only the rules that can fire from the operators its graph holds
//! (`rules::heads`). That must change nothing but the time: random expressions and the
//! reference cases derive to the same text with every rule given to every search.

mod common;

use common::random_expr::{case_from_seed, GenConfig};
use common::{read_cases, rules};
use matcalc::{derive_request, Request, RuleSet};

/// The derivative's text, or the error, and whether a time limit cut a search short
/// (then the two runs may legitimately differ).
fn answer(expr: &str, decls: &str, wrt: &str, set: &RuleSet) -> (String, bool) {
    match derive_request(&Request::new(expr, decls, &[wrt]), set) {
        Ok(a) => {
            let r = &a.reports[0];
            (
                r.derivative.clone(),
                r.stats.simplify_stop.starts_with("time"),
            )
        }
        Err(e) => (format!("error: {e}"), e.to_string().contains("time")),
    }
}

#[test]
fn pruned_and_unpruned_searches_agree() {
    let every = rules().clone().with_every_rule();
    let mut cases: Vec<(String, String, String)> = [common::CATALOG, common::EXTENDED]
        .iter()
        .flat_map(|t| read_cases(t))
        .map(|c| (c.expr, c.decls, c.wrt))
        .collect();
    for seed in 0..300u64 {
        let c = case_from_seed(seed, &GenConfig::new(1 + (seed % 5) as usize));
        cases.push((c.expr, c.decls, c.wrt));
    }
    let mut compared = 0;
    for (expr, decls, wrt) in &cases {
        let (pruned, cut_a) = answer(expr, decls, wrt, rules());
        let (full, cut_b) = answer(expr, decls, wrt, &every);
        if cut_a || cut_b {
            continue;
        }
        assert_eq!(pruned, full, "{expr} by {wrt}");
        compared += 1;
    }
    assert!(compared >= cases.len() * 9 / 10, "only {compared} compared");
}
