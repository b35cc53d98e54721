//! `matcalc rules list|check`: the active rule set, and its soundness audit.

use super::args::{RulesAction, RulesArgs};
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
    }
}
