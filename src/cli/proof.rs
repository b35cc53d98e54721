//! Printing proofs and derivations: one line per step, naming the identity.

use serde_json::{json, Value};

use matcalc::engine::explain::Step;
use matcalc::rules::{base_name, RuleSet};
use matcalc::syntax::{latex::to_latex, text::to_text};

/// `rule (reference)` for a step, with folded bookkeeping after `via`.
pub fn justification(step: &Step, rules: &RuleSet) -> String {
    let mut out = String::new();
    if let Some(rule) = &step.rule {
        let name = base_name(rule);
        out.push_str(&name);
        if step.backward || rule.ends_with("-rev") {
            out.push_str(" (right to left)");
        }
        if let Some(reference) = rules.get(rule).and_then(|r| r.reference.as_ref()) {
            out.push_str(&format!(", {reference}"));
        }
    }
    if !step.folded.is_empty() {
        let mut seen: Vec<&String> = Vec::new();
        for f in &step.folded {
            if !seen.contains(&f) {
                seen.push(f);
            }
        }
        let list: Vec<&str> = seen.iter().map(|s| s.as_str()).collect();
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&format!("via {}", list.join(", ")));
    }
    out
}

/// Aligned text lines: the first term, then `= term   [justification]`.
pub fn proof_lines(steps: &[Step], rules: &RuleSet) -> Vec<String> {
    let texts: Vec<String> = steps.iter().map(|s| to_text(&s.expr)).collect();
    let width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    steps
        .iter()
        .zip(&texts)
        .enumerate()
        .map(|(i, (s, t))| {
            let lead = if i == 0 { "  " } else { "= " };
            let why = justification(s, rules);
            if why.is_empty() {
                format!("{lead}{t}")
            } else {
                format!("{lead}{t:<width$}   [{why}]")
            }
        })
        .collect()
}

/// An `align*` block, one step a line with its rule as a `\text{}` note.
pub fn proof_latex(steps: &[Step], rules: &RuleSet) -> String {
    let mut out = String::from("\\begin{align*}\n");
    for (i, s) in steps.iter().enumerate() {
        let lead = if i == 0 { "&" } else { "&= " };
        let why = justification(s, rules).replace('_', "\\_");
        let note = if why.is_empty() {
            String::new()
        } else {
            format!(" && \\text{{{why}}}")
        };
        let end = if i + 1 < steps.len() { " \\\\" } else { "" };
        out.push_str(&format!("  {lead}{}{note}{end}\n", to_latex(&s.expr)));
    }
    out.push_str("\\end{align*}");
    out
}

pub fn proof_json(steps: &[Step], rules: &RuleSet) -> Value {
    Value::Array(
        steps
            .iter()
            .map(|s| {
                json!({
                    "expr": to_text(&s.expr),
                    "latex": to_latex(&s.expr),
                    "rule": s.rule.as_deref().map(base_name),
                    "backward": s.backward,
                    "reference": s.rule.as_deref().and_then(|r| rules.get(r)).and_then(|r| r.reference.clone()),
                    "folded": s.folded,
                    "justification": justification(s, rules),
                })
            })
            .collect(),
    )
}
