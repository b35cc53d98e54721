//! `matcalc rules list|check|stats|ablate`: the active rule set, its soundness audit,
//! and research over a catalog.

use super::args::{RulesAction, RulesArgs};
use super::output::line;
use matcalc::{
    ablate, check_rule, read_catalog, rule_stats, rule_totals, Case, Error, Need, RuleSet,
    RuleVerdict, RunOptions, CONDITIONS,
};

pub fn run(a: &RulesArgs) -> Result<i32, Error> {
    let rules = super::load_rules(a.rules.as_deref())?;
    rules.check_names(&a.without).map_err(Error::plain)?;
    match &a.action {
        RulesAction::List => list(&rules),
        RulesAction::Check => check(&rules, &a.without),
        RulesAction::Stats { file } => stats(&rules, &read_cases(file)?, a),
        RulesAction::Ablate { file } => ablation(&rules, &read_cases(file)?, a),
    }
}

fn list(rules: &RuleSet) -> Result<i32, Error> {
    for r in rules.iter() {
        let when: Vec<String> = r
            .conditions
            .iter()
            .map(|c| {
                let vars: Vec<String> = c.vars.iter().map(|v| v.to_string()).collect();
                format!("({} {})", c.name(), vars.join(" "))
            })
            .collect();
        line(&format!("{} [{}, {}]", r.name, r.family, r.phase.name()));
        if !r.identity.is_empty() {
            line(&format!("    identity:  {}", r.identity));
        }
        line(&format!("    rewrite:   {} => {}", r.lhs_text, r.rhs_text));
        if !when.is_empty() {
            line(&format!("    when:      {}", when.join(" ")));
        }
        if let Some(reference) = &r.reference {
            line(&format!("    reference: {reference}"));
        }
    }
    line("fold-numbers [analysis]");
    line("    identity:  arithmetic on number literals is done exactly (2*3 is 6); a known zero or number class keeps only its leaf");
    line(&format!("{} rules", rules.len()));
    line("");
    line("conditions:");
    for (name, _, _, meaning) in CONDITIONS {
        line(&format!("    {name:<12} {meaning}"));
    }
    Ok(0)
}

fn check(rules: &RuleSet, without: &[String]) -> Result<i32, Error> {
    let (mut sound, mut unsound, mut unknown) = (0, 0, 0);
    let active: Vec<_> = rules
        .iter()
        .filter(|r| !without.contains(&r.name))
        .collect();
    for (i, r) in active.iter().enumerate() {
        match check_rule(r, 1000 + i as u64) {
            RuleVerdict::Sound { points } => {
                sound += 1;
                line(&format!("sound    {} ({points} points)", r.name));
            }
            RuleVerdict::Unsound { counterexample } => {
                unsound += 1;
                line(&format!(
                    "UNSOUND  {} [{}]: {} => {}",
                    r.name, r.family, r.lhs_text, r.rhs_text
                ));
                for l in counterexample.lines() {
                    line(&format!("         {l}"));
                }
            }
            RuleVerdict::Unknown { reason } => {
                unknown += 1;
                line(&format!("unknown  {}: {reason}", r.name));
            }
        }
    }
    line(&format!(
        "{sound} sound, {unsound} unsound, {unknown} unknown, {} rules",
        active.len()
    ));
    Ok(if unsound > 0 { 1 } else { 0 })
}

fn options(a: &RulesArgs) -> RunOptions {
    let mut o = RunOptions::default();
    o.derive.without = a.without.clone();
    o
}

fn stats(rules: &RuleSet, cases: &[Case], a: &RulesArgs) -> Result<i32, Error> {
    let rows = rule_stats(cases, rules, &options(a));
    let totals = rule_totals(&rows, rules);
    let width = totals.keys().map(|k| k.len()).max().unwrap_or(4);
    line(&format!("{:<width$}  firings  cases", "rule"));
    for (name, n) in totals.iter().filter(|(_, n)| **n > 0) {
        let used = rows
            .iter()
            .filter(|r| r.stats.as_ref().is_some_and(|s| s.rules.contains_key(name)))
            .count();
        line(&format!("{name:<width$}  {n:>7}  {used:>5}"));
    }
    let unused: Vec<&str> = totals
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| k.as_str())
        .collect();
    line(&format!(
        "\nnever used ({}): {}",
        unused.len(),
        unused.join(", ")
    ));
    line("\nper case:");
    let mut failed = 0;
    for r in &rows {
        match &r.stats {
            Some(s) if r.checked => {
                let names: Vec<&str> = s.rules.keys().map(|k| k.as_str()).collect();
                line(&format!("  {}: {}", r.id, names.join(", ")));
            }
            _ => {
                failed += 1;
                line(&format!(
                    "  {}: does not derive: {}",
                    r.id,
                    r.error.as_deref().unwrap_or("")
                ));
            }
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn ablation(rules: &RuleSet, cases: &[Case], a: &RulesArgs) -> Result<i32, Error> {
    let needed = ablate(cases, rules, &options(a));
    let width = needed.keys().map(|k| k.len()).max().unwrap_or(4);
    for (name, ids) in needed.iter().filter(|(_, ids)| !ids.is_empty()) {
        let list: Vec<String> = ids
            .iter()
            .map(|(id, why)| match why {
                Need::Derive => id.clone(),
                Need::Simplicity => format!("{id} (simpler)"),
            })
            .collect();
        line(&format!(
            "{name:<width$}  {} case(s): {}",
            ids.len(),
            list.join(", ")
        ));
    }
    let free: Vec<&str> = needed
        .iter()
        .filter(|(_, ids)| ids.is_empty())
        .map(|(k, _)| k.as_str())
        .collect();
    line(&format!(
        "\nneeded by no case ({}): {}",
        free.len(),
        free.join(", ")
    ));
    Ok(0)
}

/// The cases of a catalog file; a malformed line is bad input here.
fn read_cases(path: &std::path::Path) -> Result<Vec<Case>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::plain(format!("cannot read {}: {e}", path.display())))?;
    let mut cases = Vec::new();
    for entry in read_catalog(&text) {
        match entry {
            Ok(c) => cases.push(c),
            Err(b) => {
                return Err(Error::plain(format!(
                    "{}:{}: {}",
                    path.display(),
                    b.line,
                    b.message
                )));
            }
        }
    }
    Ok(cases)
}
