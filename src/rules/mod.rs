//! The identities, as data: rule files under `rules/`, read at start-up (the default
//! set is embedded with `include_str!`, `--rules DIR` replaces it).

pub mod audit;
pub mod condition;
pub mod parse;
pub mod template;

use std::path::Path;
use std::sync::OnceLock;

use egg::{Pattern, Rewrite};

use crate::analysis::MathAnalysis;
use crate::lang::Math;
pub use condition::Condition;
pub use parse::{parse_rule_file, RuleError};
use template::{RuleApplier, Template};

/// When a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `(d …)`: the differential of one operator, applied once per node of f by the
    /// forward pass (never saturated).
    Differential,
    /// `(lin C …)`, `(jacv J …)`: moving what surrounds a differential into the
    /// coefficient, applied once per node of `d f` by the collecting pass.
    Collect,
    /// The coefficient's presentation (and proofs of equality).
    Simplify,
    /// Proofs of equality only (`equiv`, expected forms): identities the presentation
    /// search does not need and pays for.
    Prove,
    /// Simplification and proofs.
    Both,
}

impl Phase {
    pub fn from_name(s: &str) -> Option<Phase> {
        Some(match s {
            "differential" => Phase::Differential,
            "collect" => Phase::Collect,
            "simplify" => Phase::Simplify,
            "prove" => Phase::Prove,
            "both" => Phase::Both,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Phase::Differential => "differential",
            Phase::Collect => "collect",
            Phase::Simplify => "simplify",
            Phase::Prove => "prove",
            Phase::Both => "both",
        }
    }
    /// Whether a rule declared for `self` runs in the stage `stage` (one of
    /// Differential, Collect, Simplify, Prove): proofs use the simplification rules too.
    pub fn runs_in(self, stage: Phase) -> bool {
        match self {
            Phase::Both => matches!(stage, Phase::Simplify | Phase::Prove),
            Phase::Simplify => matches!(stage, Phase::Simplify | Phase::Prove),
            other => other == stage,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// The file it came from (`differential`, `trace`, …).
    pub family: String,
    pub lhs: Pattern<Math>,
    pub lhs_text: String,
    pub rhs: Template,
    pub rhs_text: String,
    pub conditions: Vec<Condition>,
    pub reference: Option<String>,
    /// The comment above the rule: the identity in words.
    pub identity: String,
    pub phase: Phase,
    /// Where the rule starts in its file (1-based).
    pub line: usize,
    /// A rule that only moves terms around; proofs fold it into the step it serves.
    pub bookkeeping: bool,
    /// A rule whose right-hand side is smaller than what it rewrites: the presentation
    /// search runs these first, alone, so the tidy forms exist before the search for
    /// other forms multiplies the graph.
    pub tidy: bool,
    /// The egg rewrite, built once when the file is read.
    pub rewrite: Rewrite<Math, MathAnalysis>,
}

impl Rule {
    /// The egg rewrite for a rule's parts; `Err` names what egg refused (an unbound
    /// variable), which the rule-file reader reports with the rule's position.
    pub fn build_rewrite(
        name: &str,
        lhs: &Pattern<Math>,
        rhs: &Template,
        conditions: &[Condition],
    ) -> Result<Rewrite<Math, MathAnalysis>, String> {
        let applier = RuleApplier {
            template: rhs.clone(),
            conditions: conditions.to_vec(),
        };
        Rewrite::new(name, lhs.clone(), applier)
    }

    pub fn to_rewrite(&self) -> Rewrite<Math, MathAnalysis> {
        self.rewrite.clone()
    }
}

/// The embedded default rule files, one family each.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "differential",
        include_str!("../../rules/differential.rules"),
    ),
    ("collect", include_str!("../../rules/collect.rules")),
    ("algebra", include_str!("../../rules/algebra.rules")),
    ("transpose", include_str!("../../rules/transpose.rules")),
    ("trace", include_str!("../../rules/trace.rules")),
    ("hadamard", include_str!("../../rules/hadamard.rules")),
    ("kronecker", include_str!("../../rules/kronecker.rules")),
    ("functions", include_str!("../../rules/functions.rules")),
    ("determinant", include_str!("../../rules/determinant.rules")),
];

/// A set of rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The default set, read once per process. The embedded files are tested to load,
    /// so failure is a bug that the tests catch; it is still returned as an error.
    pub fn builtin() -> Result<&'static RuleSet, Vec<RuleError>> {
        static SET: OnceLock<Result<RuleSet, Vec<RuleError>>> = OnceLock::new();
        SET.get_or_init(|| {
            Self::from_sources(
                BUILTIN
                    .iter()
                    .map(|(f, s)| (format!("rules/{f}.rules"), f.to_string(), s.to_string())),
            )
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Every `*.rules` file of `dir`, in name order; the family is the file stem.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, Vec<RuleError>> {
        let io = |m: String| {
            vec![RuleError {
                file: dir.display().to_string(),
                line: 0,
                col: 0,
                message: m,
            }]
        };
        let entries =
            std::fs::read_dir(dir).map_err(|e| io(format!("cannot read the folder: {e}")))?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rules"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(io("no *.rules files in this folder".to_string()));
        }
        let mut sources = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| io(format!("cannot read {}: {e}", p.display())))?;
            let family = p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            sources.push((p.display().to_string(), family, text));
        }
        Self::from_sources(sources.into_iter())
    }

    pub fn from_sources(
        sources: impl Iterator<Item = (String, String, String)>,
    ) -> Result<RuleSet, Vec<RuleError>> {
        use rayon::prelude::*;
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        // Files are independent: read them on every core, merged in order.
        let sources: Vec<(String, String, String)> = sources.collect();
        let read: Vec<_> = sources
            .par_iter()
            .map(|(file, family, text)| parse_rule_file(file, family, text))
            .collect();
        for r in read {
            match r {
                Ok(mut r) => rules.append(&mut r),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let mut names = std::collections::HashSet::new();
        for r in &rules {
            if !names.insert(r.name.as_str()) {
                errors.push(RuleError {
                    file: r.family.clone(),
                    line: 0,
                    col: 0,
                    message: format!("the rule name `{}` is defined in two files", r.name),
                });
            }
        }
        if errors.is_empty() {
            Ok(RuleSet { rules })
        } else {
            Err(errors)
        }
    }

    /// The rules that run in one stage, less those named in `without`.
    pub fn rewrites(&self, phase: Phase, without: &[String]) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.rules
            .iter()
            .filter(|r| r.phase.runs_in(phase) && !left_out(without, &r.name))
            .map(Rule::to_rewrite)
            .collect()
    }

    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// The tidying rules of a stage (see `Rule::tidy`), less those left out.
    pub fn tidy_rewrites(
        &self,
        phase: Phase,
        without: &[String],
    ) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.rules
            .iter()
            .filter(|r| r.tidy && r.phase.runs_in(phase) && !left_out(without, &r.name))
            .map(Rule::to_rewrite)
            .collect()
    }

    /// The rules of one directed pass, in file order, less those left out.
    pub fn of_phase(&self, phase: Phase, without: &[String]) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.phase == phase && !left_out(without, &r.name))
            .collect()
    }

    /// `Err` naming every name in `without` that is no rule (with the closest one).
    pub fn check_names(&self, without: &[String]) -> Result<(), String> {
        let unknown: Vec<String> = without
            .iter()
            .filter(|w| self.get(w).is_none())
            .map(|w| match self.closest(w) {
                Some(c) => format!("`{w}` (did you mean `{c}`?)"),
                None => format!("`{w}`"),
            })
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(format!("--without names no rule: {}", unknown.join(", ")))
        }
    }

    fn closest(&self, name: &str) -> Option<&str> {
        let score = |r: &str| -> usize {
            let common = name
                .chars()
                .zip(r.chars())
                .take_while(|(a, b)| a == b)
                .count();
            name.len().max(r.len()) - common
        };
        self.rules
            .iter()
            .map(|r| (score(&r.name), r.name.as_str()))
            .filter(|(s, _)| *s <= name.len() / 2 + 2)
            .min()
            .map(|(_, n)| n)
    }
}

fn left_out(without: &[String], name: &str) -> bool {
    without.iter().any(|w| w == name || *w == base_name(name))
}

/// `trace-cyclic-rev` belongs to `trace-cyclic`: `--without` names the identity.
pub fn base_name(name: &str) -> String {
    name.strip_suffix("-rev").unwrap_or(name).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_load() {
        match RuleSet::builtin() {
            Ok(r) => assert!(r.rules.len() > 100),
            Err(e) => panic!(
                "{}",
                e.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
}
