//! The rule files: every shipped rule is sound on random conforming matrices, the audit
//! refuses unsound rules, and a malformed file is reported line by line.

use std::path::Path;

use matcalc::rules::soundness::{check_rule, Verdict};
use matcalc::rules::RuleSet;

#[test]
fn every_shipped_rule_is_sound() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    assert!(rules.rules.len() > 100, "only {} rules", rules.rules.len());
    let mut problems = Vec::new();
    for (i, r) in rules.rules.iter().enumerate() {
        match check_rule(r, 1000 + i as u64) {
            Verdict::Sound { points } => assert!(points >= 1),
            other => problems.push(format!("{} [{}]: {other:?}", r.name, r.family)),
        }
    }
    assert!(
        problems.is_empty(),
        "rules not shown sound:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_family_has_rules_with_names_identities_and_unique_names() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    for family in [
        "differential",
        "algebra",
        "transpose",
        "trace",
        "hadamard",
        "canonical",
        "simplify",
    ] {
        assert!(
            rules.rules.iter().any(|r| r.family == family),
            "no rule of family {family}"
        );
    }
    for r in &rules.rules {
        assert!(
            !r.identity.is_empty(),
            "rule {} has no comment stating its identity",
            r.name
        );
    }
}

#[test]
fn the_audit_refuses_deliberately_unsound_rules() {
    let rules = RuleSet::from_dir(Path::new("tests/fixtures/unsound")).expect("the fixture loads");
    let verdicts: Vec<(String, Verdict)> = rules
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), check_rule(r, 7 + i as u64)))
        .collect();
    for (name, v) in &verdicts {
        let unsound = matches!(v, Verdict::Unsound { .. });
        assert_eq!(unsound, name.starts_with("bad-"), "{name}: {v:?}");
    }
}

#[test]
fn a_malformed_rule_file_is_reported_line_by_line() {
    let errors = RuleSet::from_dir(Path::new("tests/fixtures/malformed"))
        .expect_err("the fixture is broken");
    let text: Vec<String> = errors
        .iter()
        .map(|e| e.to_string().replace('\\', "/"))
        .collect();
    insta::assert_snapshot!("malformed_rules", text.join("\n"));
}
