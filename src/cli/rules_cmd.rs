//! `matcalc rules list|check`: the active rule set, and its soundness audit.

use super::args::{RulesAction, RulesArgs};
use matcalc::catalog::{read_catalog, Case};
use matcalc::engine::derive::DeriveOptions;
use matcalc::research;
use matcalc::rules::soundness::{check_rule, Verdict};
use matcalc::Error;

pub fn run(a: &RulesArgs) -> Result<i32, Error> {
    let rules = super::load_rules(a.rules.as_deref())?;
    match &a.action {
        RulesAction::List => {
            for r in &rules.rules {
                let when: Vec<String> = r
                    .conditions
                    .iter()
                    .map(|c| {
                        let vars: Vec<String> = c.vars.iter().map(|v| v.to_string()).collect();
                        format!("({} {})", c.name, vars.join(" "))
                    })
                    .collect();
                println!("{} [{}]", r.name, r.family);
                if !r.identity.is_empty() {
                    println!("    identity:  {}", r.identity);
                }
                println!("    rewrite:   {} => {}", r.lhs_text, r.rhs_text);
                if !when.is_empty() {
                    println!("    when:      {}", when.join(" "));
                }
                if let Some(reference) = &r.reference {
                    println!("    reference: {reference}");
                }
            }
            println!("{} rules", rules.rules.len());
            Ok(0)
        }
        RulesAction::Check => {
            let (mut sound, mut unsound, mut unknown) = (0, 0, 0);
            for (i, r) in rules.rules.iter().enumerate() {
                match check_rule(r, 1000 + i as u64) {
                    Verdict::Sound { points } => {
                        sound += 1;
                        println!("sound    {} ({points} points)", r.name);
                    }
                    Verdict::Unsound { counterexample } => {
                        unsound += 1;
                        println!(
                            "UNSOUND  {} [{}]: {} => {}",
                            r.name, r.family, r.lhs_text, r.rhs_text
                        );
                        for line in counterexample.lines() {
                            println!("         {line}");
                        }
                    }
                    Verdict::Unknown { reason } => {
                        unknown += 1;
                        println!("unknown  {}: {reason}", r.name);
                    }
                }
            }
            println!(
                "{sound} sound, {unsound} unsound, {unknown} unknown, {} rules",
                rules.rules.len()
            );
            Ok(if unsound > 0 { 1 } else { 0 })
        }
        RulesAction::Stats { file } => {
            let cases = read_cases(file)?;
            let opts = options(a);
            let uses = research::stats(&cases, &rules, &opts);
            let totals = research::totals(&uses, &rules);
            let width = totals.keys().map(|k| k.len()).max().unwrap_or(4);
            println!("{:<width$}  firings  cases", "rule");
            for (name, n) in totals.iter().filter(|(_, n)| **n > 0) {
                let cases = uses
                    .iter()
                    .filter(|u| u.applied.as_ref().is_ok_and(|a| a.contains_key(name)))
                    .count();
                println!("{name:<width$}  {n:>7}  {cases:>5}");
            }
            let unused: Vec<&str> = totals
                .iter()
                .filter(|(_, n)| **n == 0)
                .map(|(k, _)| k.as_str())
                .collect();
            println!("\nnever used ({}): {}", unused.len(), unused.join(", "));
            println!("\nper case:");
            let mut failed = 0;
            for u in &uses {
                match &u.applied {
                    Ok(applied) => {
                        let names: Vec<&str> = applied.keys().map(|k| k.as_str()).collect();
                        println!("  {}: {}", u.id, names.join(", "));
                    }
                    Err(e) => {
                        failed += 1;
                        println!("  {}: does not derive: {e}", u.id);
                    }
                }
            }
            Ok(if failed > 0 { 1 } else { 0 })
        }
        RulesAction::Ablate { file } => {
            let cases = read_cases(file)?;
            let opts = options(a);
            let needed = research::ablate(&cases, &rules, &opts);
            let width = needed.keys().map(|k| k.len()).max().unwrap_or(4);
            for (name, ids) in needed.iter().filter(|(_, ids)| !ids.is_empty()) {
                println!("{name:<width$}  {} case(s): {}", ids.len(), ids.join(", "));
            }
            let free: Vec<&str> = needed
                .iter()
                .filter(|(_, ids)| ids.is_empty())
                .map(|(k, _)| k.as_str())
                .collect();
            println!("\nneeded by no case ({}): {}", free.len(), free.join(", "));
            Ok(0)
        }
    }
}

fn options(a: &RulesArgs) -> DeriveOptions {
    DeriveOptions {
        without: a.without.clone(),
        ..DeriveOptions::default()
    }
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
