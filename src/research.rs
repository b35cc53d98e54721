//! Rule research over a catalog: which rules each derivation used (`rules stats`) and
//! which cases need each rule (`rules ablate`): without it they stop deriving, or
//! print a longer derivative.

use indexmap::IndexMap;
use rayon::prelude::*;

use crate::catalog::Case;
use crate::rules::{base_name, RuleSet};
use crate::runner::{run_case, Row, RunOptions};

/// Every case's row, in catalog order.
pub fn stats(cases: &[Case], rules: &RuleSet, opts: &RunOptions) -> Vec<Row> {
    cases.par_iter().map(|c| run_case(c, rules, opts)).collect()
}

/// Firings of each rule over a catalog, every identity of the set listed (0 = unused).
pub fn totals(rows: &[Row], rules: &RuleSet) -> IndexMap<String, usize> {
    let mut out: IndexMap<String, usize> = IndexMap::new();
    for r in rules.iter() {
        out.entry(base_name(&r.name)).or_default();
    }
    for row in rows {
        if let Some(s) = &row.stats {
            for (name, n) in &s.rules {
                *out.entry(name.clone()).or_default() += n;
            }
        }
    }
    out
}

/// Why a case needs a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Without the rule the case does not derive (or its check fails).
    Derive,
    /// Without the rule its printed derivative is longer.
    Simplicity,
}

/// For each rule some case used: the cases that need it, and why.
pub fn ablate(
    cases: &[Case],
    rules: &RuleSet,
    opts: &RunOptions,
) -> IndexMap<String, Vec<(String, Need)>> {
    let full = stats(cases, rules, opts);
    let all = totals(&full, rules);
    let names: Vec<String> = all.keys().cloned().collect();
    let results: Vec<(String, Vec<(String, Need)>)> = names
        .par_iter()
        .map(|name| {
            let mut o = opts.clone();
            o.derive.without.push(name.clone());
            let needed: Vec<(String, Need)> = cases
                .iter()
                .zip(&full)
                .filter(|(_, row)| {
                    row.stats
                        .as_ref()
                        .is_some_and(|s| s.rules.contains_key(name))
                })
                .filter_map(|(case, before)| {
                    let after = run_case(case, rules, &o);
                    if !after.checked {
                        Some((case.id.clone(), Need::Derive))
                    } else if length(&after) > length(before) {
                        Some((case.id.clone(), Need::Simplicity))
                    } else {
                        None
                    }
                })
                .collect();
            (name.clone(), needed)
        })
        .collect();
    results.into_iter().collect()
}

fn length(r: &Row) -> usize {
    r.derivative.as_deref().map(str::len).unwrap_or(usize::MAX)
}
