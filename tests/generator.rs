//! The random-expression generator's own properties: deterministic, within its depth,
//! every operator reachable, every case declared and numerically meaningful.

mod common;

use common::random_expr::*;

const CORE_FUNS: &[&str] = &[
    "tr", "det", "logdet", "inv", "adj", "kron", "diag", "vec", "sum", "norm2", "exp", "log",
    "sin", "cos", "tanh", "sigmoid", "sqrt", "I", "ones",
];

fn calls(text: &str) -> Vec<String> {
    let cs: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i].is_ascii_alphabetic() {
            let s = i;
            while i < cs.len() && cs[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if i < cs.len() && cs[i] == '(' {
                out.push(cs[s..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    out
}

fn declared(decls: &str) -> Vec<String> {
    decls
        .split(';')
        .filter_map(|d| d.split(':').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn balanced(t: &str) -> bool {
    let mut depth = 0i32;
    for c in t.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

#[test]
fn deterministic() {
    for seed in 0..200 {
        for cfg in [GenConfig::new(5), GenConfig::core(4)] {
            assert_eq!(case_from_seed(seed, &cfg), case_from_seed(seed, &cfg));
        }
    }
    let bytes: Vec<u8> = (0..300u32).map(|i| (i * 37 % 251) as u8).collect();
    assert_eq!(
        case_from_choices(&bytes, &GenConfig::new(6)),
        case_from_choices(&bytes, &GenConfig::new(6))
    );
    assert_eq!(token_soup(&bytes), token_soup(&bytes));
}

#[test]
fn depth_bound() {
    for d in 0..=6 {
        let mut reached = false;
        for seed in 0..300 {
            for allow in [OpSet::all(), OpSet::core(), OpSet::basic()] {
                let cfg = GenConfig {
                    max_depth: d,
                    scalar_output: None,
                    allow,
                };
                let c = case_from_seed(seed, &cfg);
                assert!(c.depth <= d, "depth {} > {}: {:?}", c.depth, d, c);
                reached |= c.depth == d;
            }
        }
        assert!(reached, "depth {d} never reached");
        // choices that run out part-way (what proptest's shrinking produces)
        for seed in 0..100 {
            let bytes = seed_bytes(seed, (seed as usize * 7) % 120);
            let c = case_from_choices(&bytes, &GenConfig::new(d));
            assert!(c.depth <= d, "{c:?}");
        }
    }
}

#[test]
fn no_declared_name_is_built_in() {
    for seed in 0..2000 {
        let c = case_from_seed(seed, &GenConfig::new(1 + (seed % 6) as usize));
        for decl in c.decls.split(';') {
            let name = decl.split(':').next().unwrap_or("").trim();
            assert!(
                !matcalc::is_builtin(name),
                "seed {seed} declares the built-in `{name}`: {}",
                c.decls
            );
        }
    }
}

#[test]
fn empty_choices_give_a_leaf() {
    let c = case_from_choices(&[], &GenConfig::new(0));
    assert_eq!(
        (c.expr.as_str(), c.decls.as_str(), c.wrt.as_str(), c.depth),
        ("s", "s: scalar", "s", 0)
    );
    // with room to grow, the root is one operator over leaves
    let c = case_from_choices(&[], &GenConfig::new(6));
    assert!(c.depth <= 1, "{c:?}");
}

#[test]
fn declarations_cover_every_name_and_wrt_occurs() {
    for seed in 0..1500 {
        let cfg = GenConfig {
            max_depth: 1 + (seed % 6) as usize,
            scalar_output: None,
            allow: OpSet::all(),
        };
        let c = case_from_seed(seed, &cfg);
        let decl = declared(&c.decls);
        let (body, defs) = match c.expr.split_once(" where ") {
            Some((b, d)) => (b.to_string(), d.to_string()),
            None => (c.expr.clone(), String::new()),
        };
        let mut bound: Vec<String> = Vec::new();
        for def in defs.split(';').filter(|s| !s.trim().is_empty()) {
            let (name, rhs) = def.split_once('=').expect("binding");
            for id in identifiers(rhs) {
                assert!(
                    decl.contains(&id) || bound.contains(&id),
                    "{id} undeclared in {c:?}"
                );
            }
            bound.push(name.trim().to_string());
        }
        let ids = identifiers(&body);
        for id in &ids {
            assert!(
                decl.contains(id) || bound.contains(id),
                "{id} undeclared in {c:?}"
            );
        }
        let all_ids = identifiers(&c.expr);
        for d in &decl {
            assert!(all_ids.contains(d), "{d} declared but unused in {c:?}");
        }
        for b in &bound {
            assert!(
                all_ids.iter().filter(|x| *x == b).count() >= 2,
                "{b} unused: {c:?}"
            );
        }
        assert!(
            decl.contains(&c.wrt) && all_ids.contains(&c.wrt),
            "wrt {} missing: {c:?}",
            c.wrt
        );
        assert!(balanced(&c.expr), "unbalanced: {}", c.expr);
    }
}

#[test]
fn core_stays_in_core() {
    for seed in 0..1000 {
        let c = case_from_seed(seed, &GenConfig::core(5));
        for f in calls(&c.expr) {
            assert!(
                CORE_FUNS.contains(&f.as_str()),
                "{f} in core case {}",
                c.expr
            );
        }
        assert!(
            !c.expr.contains("where") && !c.expr.contains(".^"),
            "{}",
            c.expr
        );
    }
}

#[test]
fn every_operator_is_reachable() {
    let mut text = String::new();
    let mut kinds = [false; 4];
    for seed in 0..3000 {
        let cfg = GenConfig {
            max_depth: 3 + (seed % 4) as usize,
            scalar_output: None,
            allow: OpSet::all(),
        };
        let c = case_from_seed(seed, &cfg);
        for (i, k) in ["scalar", "vector", "matrix", "symmetric"]
            .iter()
            .enumerate()
        {
            if c.decls
                .split("; ")
                .any(|d| d.starts_with(&format!("{}:", c.wrt)) && d.contains(k))
            {
                kinds[i] = true;
            }
        }
        text.push_str(&c.expr);
        text.push('\n');
    }
    for f in [
        "tr(",
        "det(",
        "logdet(",
        "inv(",
        "adj(",
        "kron(",
        "diag(",
        "vec(",
        "sum(",
        "norm2(",
        "norm1(",
        "exp(",
        "log(",
        "sin(",
        "cos(",
        "tan(",
        "tanh(",
        "sigmoid(",
        "sqrt(",
        "arcsin(",
        "arccos(",
        "arctan(",
        "abs(",
        "sign(",
        "relu(",
        "step(",
        "softplus(",
        "softmax(",
        "logsumexp(",
        "ones(",
        "I(",
        "vector(",
        "matrix(",
        " + ",
        " - ",
        "*",
        "/",
        "'",
        " .* ",
        " ./ ",
        " .^ ",
        "^",
        "-",
        " where ",
        "; h2 = ",
        "0.5",
        "2",
        "3",
    ] {
        assert!(text.contains(f), "never generated: {f:?}");
    }
    // Every elementwise function of the table, those added since this generator was
    // written included (they are generated from their rows).
    for op in matcalc::Op::ALL.iter().filter(|o| o.is_elementwise()) {
        let call = format!("{}(", op.name());
        assert!(text.contains(&call), "never generated: {call:?}");
    }
    assert!(
        text.split(|c: char| !c.is_alphanumeric()).any(|w| w == "I"),
        "bare I never generated"
    );
    assert!(kinds.iter().all(|&k| k), "wrt kinds {kinds:?}");
}

fn group(o: &mut OpSet, i: usize) -> &mut bool {
    match i {
        0 => &mut o.hadamard,
        1 => &mut o.power,
        2 => &mut o.elem_power,
        3 => &mut o.trace_det,
        4 => &mut o.inverse,
        5 => &mut o.kron,
        6 => &mut o.diag_vec,
        7 => &mut o.reductions,
        8 => &mut o.norm1,
        9 => &mut o.classic,
        10 => &mut o.trig,
        11 => &mut o.nonsmooth,
        12 => &mut o.ml,
        13 => &mut o.fills,
        14 => &mut o.broadcast,
        15 => &mut o.bindings,
        _ => &mut o.table,
    }
}

/// Every group off in `all()`, and every group alone on top of `basic()`: the
/// least-depth bookkeeping must hold (debug assertions) and the bound too.
#[test]
fn restricted_opsets() {
    for g in 0..17 {
        let mut without = OpSet::all();
        *group(&mut without, g) = false;
        let mut only = OpSet::basic();
        *group(&mut only, g) = true;
        for allow in [without, only] {
            for seed in 0..60 {
                let d = (seed % 7) as usize;
                let cfg = GenConfig {
                    max_depth: d,
                    scalar_output: None,
                    allow,
                };
                let c = case_from_seed(seed, &cfg);
                assert!(c.depth <= d);
                assert!(identifiers(&c.expr).contains(&c.wrt));
            }
        }
    }
}

/// The numeric self-check: every case parses with SPEC §1's precedence, is well-shaped
/// at distinct sizes, is defined with margin at a point like the tool's, and moves with
/// its `wrt`.
#[test]
fn every_case_checks_numerically() {
    for seed in 0..1500 {
        for allow in [OpSet::all(), OpSet::core()] {
            let cfg = GenConfig {
                max_depth: (seed % 7) as usize,
                scalar_output: None,
                allow,
            };
            let c = case_from_seed(seed, &cfg);
            if let Err(e) = check_case(&c) {
                panic!("seed {seed}: {e}: {c:?}");
            }
        }
    }
}

#[test]
fn numeric_check_catches_constants() {
    let case = |expr: &str, decls: &str, wrt: &str| Case {
        expr: expr.into(),
        decls: decls.into(),
        wrt: wrt.into(),
        depth: 0,
    };
    assert!(check_case(&case("x'*A*x", "x: vector(n); A: matrix(n,n)", "x")).is_ok());
    assert!(check_case(&case("s*s - s .* s", "s: scalar", "s")).is_err());
    assert!(check_case(&case(
        "h1*log(exp(A)) where h1 = inv(A)",
        "A: matrix(m,m)",
        "A"
    ))
    .is_err());
    assert!(check_case(&case("log(-1 - x .* x)", "x: vector(n)", "x")).is_err());
    assert!(check_case(&case("x + A", "x: vector(n); A: matrix(n,n)", "x")).is_err());
    // precedence: -s^2 is -(s^2); a - b - c is (a - b) - c; s^t^2 is s^(t^2)
    assert!(check_case(&case("-s^2 + (-s)^2", "s: scalar", "s")).is_err());
    assert!(check_case(&case("(s - t - s) + t", "s: scalar; t: scalar", "s")).is_err());
}

#[test]
fn soup_is_mostly_broken_and_deterministic() {
    for seed in 0..200u64 {
        let bytes = seed_bytes(seed, 64);
        let s = token_soup(&bytes);
        assert_eq!(s, token_soup(&bytes));
    }
    let _ = token_soup(&[]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn strategy_respects_config(c in case_strategy(GenConfig { max_depth: 4, scalar_output: Some(true), allow: OpSet::core() })) {
        proptest::prop_assert!(c.depth <= 4);
        proptest::prop_assert!(!c.decls.is_empty());
    }
}
