//! The identities, as data: rule files under `rules/`, read at start-up (the default
//! set is embedded with `include_str!`, `--rules DIR` replaces it).

pub mod audit;
pub mod condition;
pub mod heads;
mod lazy;
pub mod parse;
pub mod scan;
mod sexp;
pub mod template;

use std::path::Path;
use std::sync::OnceLock;

use egg::{Pattern, Rewrite};

use crate::analysis::MathAnalysis;
use crate::lang::Math;
pub use condition::Condition;
use heads::{reachable, Heads, OpSet};
use lazy::LazyForm;
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

/// One rule of a set: what choosing rules needs, and the rule itself, built on first
/// use (see `lazy`) or when its file was read.
#[derive(Debug, Clone)]
struct Entry {
    name: std::borrow::Cow<'static, str>,
    phase: Phase,
    tidy: bool,
    heads: Heads,
    rule: OnceLock<Rule>,
    /// Where an unbuilt rule comes from, and which direction of its form it is.
    source: Option<(LazyForm, bool)>,
}

impl Entry {
    fn built(rule: Rule) -> Entry {
        Entry {
            name: rule.name.clone().into(),
            phase: rule.phase,
            tidy: rule.tidy,
            heads: Heads {
                lhs: OpSet::of_text(&rule.lhs_text),
                rhs: OpSet::of_text(&rule.rhs_text),
            },
            rule: OnceLock::from(rule),
            source: None,
        }
    }

    fn rule(&self) -> &Rule {
        self.rule.get_or_init(|| {
            let (form, reverse) = self
                .source
                .as_ref()
                .expect("an entry without a rule has a source (`Entry::built` sets the rule)");
            // Only the embedded files are read lazily, and
            // `tests::every_builtin_rule_builds_as_scanned` builds every rule of them.
            form.build(*reverse)
                .unwrap_or_else(|e| panic!("built-in rule `{}`: {e}", self.name))
        })
    }
}

/// A set of rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    entries: Vec<Entry>,
    /// Give every search every rule of its stage (see `with_every_rule`).
    unpruned: bool,
}

impl RuleSet {
    /// The default set, scanned once per process; each rule is built when first used.
    /// The embedded files are tested to load, so this does not fail; it keeps the
    /// signature of reading files.
    pub fn builtin() -> Result<&'static RuleSet, Vec<RuleError>> {
        static SET: OnceLock<RuleSet> = OnceLock::new();
        Ok(SET.get_or_init(|| {
            let entries = BUILTIN
                .iter()
                .flat_map(|(f, s)| lazy::scan_file(f, s))
                .map(|s| Entry {
                    name: s.name.into(),
                    phase: s.phase,
                    tidy: s.tidy,
                    heads: s.heads,
                    rule: OnceLock::new(),
                    source: Some((s.form, s.reverse)),
                })
                .collect();
            RuleSet {
                entries,
                unpruned: false,
            }
        }))
    }

    /// A set of rules already built, in the order given.
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet {
            entries: rules.into_iter().map(Entry::built).collect(),
            unpruned: false,
        }
    }

    /// This set, giving every search all the rules of its stage instead of only those
    /// that can fire: the answers must not change (tests/rule_pruning.rs), only the time.
    pub fn with_every_rule(mut self) -> RuleSet {
        self.unpruned = true;
        self
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every rule, in file order (building those not yet built).
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.entries.iter().map(Entry::rule)
    }

    /// Every rule's name, without building any.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_ref())
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

    /// Reads rule files (path, family, text) eagerly: every problem is reported.
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
            Ok(RuleSet::from_rules(rules))
        } else {
            Err(errors)
        }
    }

    /// The entries of one stage (tidy ones only, if `tidy`), less those left out, that
    /// can fire in a search over the operators `present` (all of them for `None`).
    fn chosen(
        &self,
        keep: impl Fn(&Entry) -> bool,
        without: &[String],
        present: Option<OpSet>,
    ) -> Vec<&Entry> {
        let candidates: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| keep(e) && !left_out(without, &e.name))
            .collect();
        match present.filter(|_| !self.unpruned) {
            None => candidates,
            Some(ops) => {
                let heads: Vec<Heads> = candidates.iter().map(|e| e.heads).collect();
                reachable(&heads, ops)
                    .into_iter()
                    .map(|i| candidates[i])
                    .collect()
            }
        }
    }

    /// The rules that run in one stage, less those named in `without`.
    pub fn rewrites(&self, phase: Phase, without: &[String]) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.rewrites_for(phase, without, None)
    }

    /// `rewrites`, only those that can fire in a search whose graph starts with the
    /// operators `present` (`None`: all).
    pub fn rewrites_for(
        &self,
        phase: Phase,
        without: &[String],
        present: Option<OpSet>,
    ) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.chosen(|e| e.phase.runs_in(phase), without, present)
            .into_iter()
            .map(|e| e.rule().to_rewrite())
            .collect()
    }

    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(Entry::rule)
    }

    /// The tidying rules of a stage (see `Rule::tidy`), less those left out.
    pub fn tidy_rewrites(
        &self,
        phase: Phase,
        without: &[String],
    ) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.tidy_rewrites_for(phase, without, None)
    }

    /// `tidy_rewrites`, only those that can fire from the operators `present`.
    pub fn tidy_rewrites_for(
        &self,
        phase: Phase,
        without: &[String],
        present: Option<OpSet>,
    ) -> Vec<Rewrite<Math, MathAnalysis>> {
        self.chosen(|e| e.tidy && e.phase.runs_in(phase), without, present)
            .into_iter()
            .map(|e| e.rule().to_rewrite())
            .collect()
    }

    /// The rules of one directed pass, in file order, less those left out; with
    /// `present`, only those whose left-hand side can match from those operators (and
    /// what the chosen rules add).
    pub fn of_phase_for(
        &self,
        phase: Phase,
        without: &[String],
        present: Option<OpSet>,
    ) -> Vec<&Rule> {
        self.chosen(|e| e.phase == phase, without, present)
            .into_iter()
            .map(Entry::rule)
            .collect()
    }

    /// `Err` naming every name in `without` that is no rule (with the closest one).
    pub fn check_names(&self, without: &[String]) -> Result<(), String> {
        let unknown: Vec<String> = without
            .iter()
            .filter(|w| !self.names().any(|n| n == w.as_str()))
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
        self.names()
            .map(|n| (score(n), n))
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

    fn eager_builtin() -> RuleSet {
        RuleSet::from_sources(
            BUILTIN
                .iter()
                .map(|(f, s)| (format!("rules/{f}.rules"), f.to_string(), s.to_string())),
        )
        .unwrap_or_else(|e| {
            panic!(
                "{}",
                e.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    /// The invariant `Entry::rule` relies on: every rule the scan of the embedded files
    /// names builds, and is what reading the files eagerly gives, with the same phase,
    /// flags and operators the scan chose it by.
    #[test]
    fn every_builtin_rule_builds_as_scanned() {
        let lazy = RuleSet::builtin().expect("scanned");
        let eager = eager_builtin();
        assert!(lazy.len() > 300, "{} rules", lazy.len());
        assert_eq!(lazy.len(), eager.len());
        for (l, e) in lazy.entries.iter().zip(&eager.entries) {
            let (built, read) = (l.rule(), e.rule());
            assert_eq!(l.name, read.name);
            assert_eq!(built.name, read.name);
            assert_eq!((l.phase, l.tidy), (read.phase, read.tidy), "{}", l.name);
            assert_eq!(l.heads, e.heads, "{}", l.name);
            assert_eq!(built.line, read.line, "{}", l.name);
            assert_eq!(built.lhs_text, read.lhs_text);
            assert_eq!(built.rhs_text, read.rhs_text);
            assert_eq!(built.identity, read.identity, "{}", l.name);
            assert_eq!(built.reference, read.reference, "{}", l.name);
            assert_eq!(built.bookkeeping, read.bookkeeping, "{}", l.name);
            assert_eq!(built.conditions.len(), read.conditions.len(), "{}", l.name);
            assert_eq!(
                OpSet::of_pattern(&built.lhs.ast),
                l.heads.lhs,
                "{}: the scan's left-hand operators",
                l.name
            );
        }
    }

    /// Choosing rules by the operators present leaves out only rules that cannot fire:
    /// every rule left out names an operator that neither the start nor any chosen
    /// rule's right-hand side brings.
    #[test]
    fn rules_left_out_cannot_fire() {
        let set = RuleSet::builtin().expect("scanned");
        let start = OpSet::of(&[crate::lang::Op::Mul]);
        let chosen: Vec<&Entry> =
            set.chosen(|e| e.phase.runs_in(Phase::Simplify), &[], Some(start));
        let reach = chosen.iter().fold(start, |s, e| s.union(e.heads.rhs));
        assert!(!chosen.is_empty() && chosen.len() < set.len());
        for e in set
            .entries
            .iter()
            .filter(|e| e.phase.runs_in(Phase::Simplify))
        {
            let picked = chosen.iter().any(|c| c.name == e.name);
            assert_eq!(picked, e.heads.lhs.is_subset(reach), "{}", e.name);
        }
    }
}
