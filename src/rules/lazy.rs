//! The built-in rule files, read lazily. Building a rule (its pattern compiled for
//! egg's matcher, its template, its conditions) is most of a small derivation's cost
//! if every rule is built at start-up, and one derivation needs few of them. So the
//! build script scans the embedded files once (`scan`, at build time) for what choosing
//! rules needs — name, phase, flags, the operators of each side, where each form is —
//! and a rule is built the first time a search asks for it.
//!
//! The scan trusts the files to be well formed: they are compiled in, and a test builds
//! every rule of them and compares it with what the scan said. Files given with
//! `--rules` are read eagerly instead (`parse::parse_rule_file`), so that every problem
//! is reported at once.

use super::heads::{Heads, OpSet};
use super::parse::build_rule;
use super::{Phase, Rule};
use crate::lang::Op;

// `INDEX_OF`: the build script's scan of each file of `rules/`, by family.
include!(concat!(env!("OUT_DIR"), "/builtin_index.rs"));

/// One rule as the build script scanned it; offsets are into its file's text.
pub struct IndexEntry {
    pub name: &'static str,
    pub phase: &'static str,
    pub default_phase: &'static str,
    pub tidy: bool,
    pub reverse: bool,
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub comment: &'static [(usize, usize)],
    /// The operators of each side, as indices into `HEAD_NAMES`.
    pub lhs_heads: &'static [u16],
    pub rhs_heads: &'static [u16],
}

/// Where a lazily built rule comes from.
#[derive(Debug, Clone)]
pub struct LazyForm {
    /// The whole file, and the form's place in it.
    pub src: &'static str,
    pub start: usize,
    pub end: usize,
    pub family: &'static str,
    pub comment: &'static [(usize, usize)],
    pub default_phase: Phase,
    pub line: usize,
}

impl LazyForm {
    /// Builds one direction of the form's rule.
    pub fn build(&self, reverse: bool) -> Result<Rule, String> {
        let comment: Vec<&str> = self
            .comment
            .iter()
            .map(|(a, b)| &self.src[*a..*b])
            .collect();
        let mut r = build_rule(
            &self.src[self.start..self.end],
            self.family,
            &comment,
            self.default_phase,
            reverse,
        )?;
        r.line = self.line;
        Ok(r)
    }
}

/// What choosing one built-in rule needs, and where to build it from.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub name: &'static str,
    pub phase: Phase,
    pub tidy: bool,
    pub heads: Heads,
    pub reverse: bool,
    pub form: LazyForm,
}

/// The operator of each of `HEAD_NAMES` (none for shaped constants and leaves).
fn head_ops() -> &'static [Option<Op>] {
    static OPS: std::sync::OnceLock<Vec<Option<Op>>> = std::sync::OnceLock::new();
    OPS.get_or_init(|| HEAD_NAMES.iter().map(|n| Op::from_name(n)).collect())
}

/// The rules of one embedded file (`src`, of `family`), in file order, unbuilt.
pub fn scan_file(family: &'static str, src: &'static str) -> Vec<Scanned> {
    let ops = |heads: &[u16]| {
        let mut s = OpSet::default();
        for op in heads.iter().filter_map(|h| head_ops()[usize::from(*h)]) {
            s.insert(op);
        }
        s
    };
    // A phase name the scan read from the file; the test of this module checks that
    // every one names a phase.
    let phase = |p: &str| Phase::from_name(p).unwrap_or(Phase::Prove);
    INDEX_OF(family)
        .iter()
        .map(|e| Scanned {
            name: e.name,
            phase: phase(e.phase),
            tidy: e.tidy,
            heads: Heads {
                lhs: ops(e.lhs_heads),
                rhs: ops(e.rhs_heads),
            },
            reverse: e.reverse,
            form: LazyForm {
                src,
                start: e.start,
                end: e.end,
                family,
                comment: e.comment,
                default_phase: phase(e.default_phase),
                line: e.line,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index the build script wrote is the scan of the files compiled in.
    #[test]
    fn the_index_is_the_scan_of_the_embedded_files() {
        for (family, src) in super::super::BUILTIN {
            let first = super::super::parse::family_phase(family).name();
            let scanned = super::super::scan::scan_rules(src, first);
            let index = INDEX_OF(family);
            assert_eq!(scanned.len(), index.len(), "{family}");
            for (s, e) in scanned.iter().zip(index) {
                assert_eq!(
                    (s.name.as_str(), s.phase.as_str(), s.tidy, s.reverse),
                    (e.name, e.phase, e.tidy, e.reverse)
                );
                assert_eq!(
                    (s.start, s.end, s.line),
                    (e.start, e.end, e.line),
                    "{}",
                    e.name
                );
                assert_eq!(s.comment, e.comment, "{}", e.name);
                let names = |heads: &[u16]| -> Vec<String> {
                    heads
                        .iter()
                        .map(|h| HEAD_NAMES[usize::from(*h)].to_string())
                        .collect()
                };
                let set = |v: &[String]| -> Vec<String> {
                    let mut v = v.to_vec();
                    v.sort();
                    v.dedup();
                    v
                };
                let mut lhs = names(e.lhs_heads);
                let mut rhs = names(e.rhs_heads);
                lhs.sort();
                rhs.sort();
                assert_eq!(set(&s.lhs_heads), lhs, "{}", e.name);
                assert_eq!(set(&s.rhs_heads), rhs, "{}", e.name);
            }
        }
    }

    #[test]
    fn every_scanned_phase_is_a_phase() {
        for (family, _) in super::super::BUILTIN {
            for e in INDEX_OF(family) {
                assert!(
                    Phase::from_name(e.phase).is_some(),
                    "{}: {}",
                    e.name,
                    e.phase
                );
                assert!(Phase::from_name(e.default_phase).is_some(), "{}", e.name);
            }
        }
    }
}
