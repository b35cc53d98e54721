//! The identities, as data: rule files under `rules/`, read at start-up (the default
//! set is embedded with `include_str!`, `--rules DIR` replaces it).

pub mod condition;
pub mod parse;
pub mod shapes;
pub mod soundness;
pub mod template;

use std::path::Path;

use egg::{Pattern, Rewrite};

use crate::engine::analysis::MathAnalysis;
use crate::lang::Math;
pub use condition::Condition;
pub use parse::{parse_rule_file, RuleError};
use template::{RuleApplier, Template};

/// When a rule runs: while deriving `d f` (and proving equalities), or while
/// simplifying the extracted coefficient for presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Pushing `d` inward and expanding sums that hold a differential; runs first,
    /// alone, so that the rest never re-brackets a product that still holds a sum.
    Expand,
    Derive,
    Simplify,
    /// Proofs of equality only (`equiv`, expected forms): identities such as
    /// distribution that the presentation search does not need and pays for.
    Prove,
    /// Every stage.
    Both,
}

impl Phase {
    /// Whether a rule declared for `self` runs in the stage `stage` (one of Expand,
    /// Derive, Simplify, Prove): expansion rules keep running while deriving, and
    /// proofs use the simplification rules too.
    pub fn runs_in(self, stage: Phase) -> bool {
        match self {
            Phase::Both => true,
            Phase::Expand => matches!(stage, Phase::Expand | Phase::Derive),
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
    ("algebra", include_str!("../../rules/algebra.rules")),
    ("transpose", include_str!("../../rules/transpose.rules")),
    ("trace", include_str!("../../rules/trace.rules")),
    ("hadamard", include_str!("../../rules/hadamard.rules")),
    ("kronecker", include_str!("../../rules/kronecker.rules")),
    ("canonical", include_str!("../../rules/canonical.rules")),
    ("simplify", include_str!("../../rules/simplify.rules")),
];

/// A set of rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The default set. The embedded files are tested to load, so failure is a bug
    /// that the tests catch; it is still returned as an error.
    pub fn builtin() -> Result<RuleSet, Vec<RuleError>> {
        Self::from_sources(
            BUILTIN
                .iter()
                .map(|(f, s)| (format!("rules/{f}.rules"), f.to_string(), s.to_string())),
        )
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
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (file, family, text) in sources {
            match parse_rule_file(&file, &family, &text) {
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
            .filter(|r| {
                r.phase.runs_in(phase)
                    && !without
                        .iter()
                        .any(|w| w == &r.name || w == &base_name(&r.name))
            })
            .map(Rule::to_rewrite)
            .collect()
    }

    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }
}

/// `trace-cyclic-rev` belongs to `trace-cyclic`: `--without` names the identity.
pub fn base_name(name: &str) -> String {
    name.strip_suffix("-rev").unwrap_or(name).to_string()
}
