//! Rule research over a catalog: which rules each derivation used (`rules stats`) and
//! which cases stop deriving without each rule (`rules ablate`).

use egg::Symbol;
use indexmap::IndexMap;
use rayon::prelude::*;

use crate::catalog::Case;
use std::time::Duration;

use crate::engine::derive::{derive, DeriveOptions};
use crate::engine::saturate::Limits;
use crate::rules::{base_name, RuleSet};

/// The rules one case's derivation applied, with how often (saturation and simplification).
#[derive(Debug, Clone)]
pub struct CaseUse {
    pub id: String,
    /// `Err` with the reason when the case does not derive with the full set.
    pub applied: Result<IndexMap<String, usize>, String>,
    /// E-graph nodes of the full set's saturation (0 when it failed).
    pub nodes: usize,
}

/// Derives one case: the rules it applied, by identity (`-rev` folded in), and the
/// size of its e-graph.
pub fn rules_used(
    case: &Case,
    rules: &RuleSet,
    opts: &DeriveOptions,
) -> Result<(IndexMap<String, usize>, usize), String> {
    let (f, env) = crate::read_expr(&case.expr, &case.decls).map_err(|e| e.headline())?;
    let d =
        derive(&f, &env, Symbol::from(case.wrt.as_str()), rules, opts).map_err(|e| e.headline())?;
    let mut out: IndexMap<String, usize> = IndexMap::new();
    for (name, n) in d.saturation.applied.iter().chain(&d.simplification.applied) {
        if *n > 0 {
            *out.entry(base_name(name)).or_default() += n;
        }
    }
    out.sort_keys();
    Ok((out, d.saturation.nodes))
}

/// `rules stats`: every case's rules, in catalog order.
pub fn stats(cases: &[Case], rules: &RuleSet, opts: &DeriveOptions) -> Vec<CaseUse> {
    cases
        .par_iter()
        .map(|c| {
            let used = rules_used(c, rules, opts);
            CaseUse {
                id: c.id.clone(),
                nodes: used.as_ref().map(|u| u.1).unwrap_or(0),
                applied: used.map(|u| u.0),
            }
        })
        .collect()
}

/// Firings of each rule over a catalog, every identity of the set listed (0 = unused).
pub fn totals(uses: &[CaseUse], rules: &RuleSet) -> IndexMap<String, usize> {
    let mut out: IndexMap<String, usize> = IndexMap::new();
    for r in &rules.rules {
        out.entry(base_name(&r.name)).or_default();
    }
    for u in uses {
        if let Ok(applied) = &u.applied {
            for (name, n) in applied {
                *out.entry(name.clone()).or_default() += n;
            }
        }
    }
    out
}

/// Ten times the full set's nodes (at least 2,000), and a fifth of a second.
fn ablation_limits(full: &Limits, nodes: usize) -> Limits {
    Limits {
        nodes: (nodes * 10).clamp(2_000, full.nodes),
        time: full.time.min(Duration::from_millis(200)),
        ..*full
    }
}

/// For each identity, the cases that no longer derive without it. Only rules a case
/// applied with the full set are tried on it: one it never applied cannot matter.
/// Without a rule a search may wander until its limits, so each case's search is
/// bounded by a few times what the full set needed: a derivation that needs more than
/// that without the rule counts as stopped.
pub fn ablate(
    cases: &[Case],
    rules: &RuleSet,
    opts: &DeriveOptions,
) -> IndexMap<String, Vec<String>> {
    let baseline = stats(cases, rules, opts);
    let mut jobs: Vec<(String, &Case, usize)> = Vec::new();
    for (case, used) in cases.iter().zip(&baseline) {
        if let Ok(applied) = &used.applied {
            for name in applied.keys() {
                jobs.push((name.clone(), case, used.nodes));
            }
        }
    }
    let broken: Vec<(String, String)> = jobs
        .par_iter()
        .filter_map(|(name, case, nodes)| {
            let without = DeriveOptions {
                without: opts.without.iter().cloned().chain([name.clone()]).collect(),
                limits: ablation_limits(&opts.limits, *nodes),
                ..opts.clone()
            };
            let (f, env) = crate::read_expr(&case.expr, &case.decls).ok()?;
            let wrt = Symbol::from(case.wrt.as_str());
            let fails = match derive(&f, &env, wrt, rules, &without) {
                Err(_) => true,
                // Deriving to a wrong answer would be a soundness bug; count it as a loss.
                Ok(d) => crate::numeric::check_derivative(&f.expr, &d.numerator, &env, wrt, 2, 5)
                    .map(|r| !r.passed())
                    .unwrap_or(true),
            };
            fails.then(|| (name.clone(), case.id.clone()))
        })
        .collect();
    let mut out: IndexMap<String, Vec<String>> = totals(&baseline, rules)
        .keys()
        .map(|k| (k.clone(), Vec::new()))
        .collect();
    for (name, id) in broken {
        out.entry(name).or_default().push(id);
    }
    // Cases in catalog order within each rule.
    let order: IndexMap<&str, usize> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    for ids in out.values_mut() {
        ids.sort_by_key(|id| order.get(id.as_str()).copied().unwrap_or(usize::MAX));
    }
    out
}
