//! The rule files: every shipped rule is sound on random conforming matrices, the
//! directed passes have a rule for every operator, the audit refuses unsound rules, and
//! a malformed file is reported line by line.

use std::path::Path;

use matcalc::{check_rule, Math, Op, Phase, RuleSet, RuleVerdict};

fn builtin() -> &'static RuleSet {
    RuleSet::builtin().expect("the built-in rules load")
}

#[test]
fn every_shipped_rule_is_sound() {
    let rules = builtin();
    assert!(rules.len() > 300, "only {} rules", rules.len());
    let mut problems = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        match check_rule(r, 1000 + i as u64) {
            RuleVerdict::Sound { points } => assert!(points >= 1),
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
fn every_family_has_rules_with_names_and_identities() {
    let rules = builtin();
    for family in [
        "differential",
        "collect",
        "algebra",
        "transpose",
        "trace",
        "hadamard",
        "kronecker",
        "functions",
        "determinant",
    ] {
        assert!(
            rules.iter().any(|r| r.family == family),
            "no rule of family {family}"
        );
    }
    for r in rules.iter() {
        assert!(
            !r.identity.is_empty(),
            "rule {} has no comment stating its identity",
            r.name
        );
    }
}

/// The operator at the root of the pattern under `(d …)` or `(lin C …)`/`(jacv J …)`.
fn head_under(r: &matcalc::Rule) -> Option<Op> {
    let ast = r.lhs.ast.as_ref();
    let inner = match ast.last()? {
        egg::ENodeOrVar::ENode(Math::Unary(Op::D, [p])) => *p,
        egg::ENodeOrVar::ENode(Math::Binary(Op::Lin | Op::JacV, [_, p])) => *p,
        _ => return None,
    };
    match &ast[usize::from(inner)] {
        egg::ENodeOrVar::ENode(m) => m.operator(),
        egg::ENodeOrVar::Var(_) => None,
    }
}

/// Completeness of the directed passes: every operator of the language has its
/// differential, and every operator that can surround a differential in `d f` (the
/// linear ones) has a collect rule in both canonical forms.
#[test]
fn the_directed_passes_know_every_operator() {
    let rules = builtin();
    let differential: Vec<Op> = rules
        .iter()
        .filter(|r| r.phase == Phase::Differential)
        .filter_map(head_under)
        .collect();
    for op in Op::ALL {
        if matches!(op, Op::D | Op::Lin | Op::JacV) {
            continue;
        }
        assert!(
            differential.contains(op),
            "no differential rule for `{}`",
            op.name()
        );
    }
    let linear = [
        Op::Add,
        Op::Sub,
        Op::Neg,
        Op::Mul,
        Op::HMul,
        Op::HDiv,
        Op::Trans,
        Op::Tr,
        Op::Kron,
        Op::Diag,
        Op::DiagV,
        Op::Vec,
        Op::Unvec,
        Op::Sum,
    ];
    for form in [Op::Lin, Op::JacV] {
        let heads: Vec<Op> = rules
            .iter()
            .filter(|r| r.phase == Phase::Collect)
            .filter(|r| matches!(r.lhs.ast.as_ref().last(), Some(egg::ENodeOrVar::ENode(Math::Binary(o, _))) if *o == form))
            .filter_map(head_under)
            .collect();
        for op in linear {
            assert!(
                heads.contains(&op),
                "no {} collect rule for `{}`",
                form.name(),
                op.name()
            );
        }
    }
}

#[test]
fn the_audit_refuses_deliberately_unsound_rules() {
    let rules = RuleSet::from_dir(Path::new("tests/fixtures/unsound")).expect("the fixture loads");
    assert!(rules.len() >= 6);
    for (i, r) in rules.iter().enumerate() {
        let v = check_rule(r, 7 + i as u64);
        let unsound = matches!(v, RuleVerdict::Unsound { .. });
        assert_eq!(unsound, r.name.starts_with("bad-"), "{}: {v:?}", r.name);
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
