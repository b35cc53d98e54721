//! The oracles of matcalc's fuzz targets (issue 9), shared by the libFuzzer targets in
//! `fuzz_targets/` and by the stable `replay` binary. Each function takes the raw bytes
//! of one input and panics (a libFuzzer crash) when matcalc breaks a promise:
//!
//! * it panics, overflows its stack or aborts (libFuzzer sees these directly);
//! * it refuses an input without a rendered, bad-input (exit 2) error;
//! * text it printed does not read back, under the declarations it printed, to the
//!   same shape and the same value at a random point;
//! * a search runs past about twice the limits it was given.
//!
//! Inputs with several parts separate them with a NUL byte (`expr \0 decls \0 wrt`);
//! the seed corpora (`make_seeds`) are written that way.

use std::time::{Duration, Instant};

use matcalc::{
    derive_request, equiv_request, random_point, read_exprs, to_latex, to_numpy, to_text, Checked,
    Convention, Dim, Env, EquivOptions, Error, Layout, Limits, Mat, Math, Phase, RecExpr, Request,
    RuleSet, Shape, TextOptions,
};

/// The budget of one derivation or equivalence search in the `derive` and `equiv`
/// targets (the brief: 200 ms, 2000 nodes).
pub const TIME_LIMIT: Duration = Duration::from_millis(200);

/// Small search limits for fuzzing.
pub fn small_limits() -> Limits {
    Limits {
        nodes: 2_000,
        iterations: 8,
        time: Duration::from_millis(100),
        match_limit: 200,
    }
}

/// How much longer than its limit an input may take before it counts as a finding:
/// `MATCALC_FUZZ_SLACK` (a factor, default 2). Sanitizers slow everything down; raise
/// it when running under ASan on a loaded machine.
pub fn slack() -> f64 {
    std::env::var("MATCALC_FUZZ_SLACK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

/// The parts of an input, split at NUL bytes, as (lossy) UTF-8.
pub fn parts(data: &[u8], n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = text.splitn(n, '\0').map(str::to_string).collect();
    while out.len() < n {
        out.push(String::new());
    }
    out
}

/// A refusal must be a bad-input error that renders, or a failure with a message.
fn assert_clean_error(e: &Error, what: &str) {
    let rendered = e.render();
    assert!(
        !rendered.trim().is_empty(),
        "{what}: an error with no message"
    );
    assert!(
        !e.headline().trim().is_empty(),
        "{what}: an error with no headline"
    );
    assert!(
        matches!(e.exit_code(), 1 | 2),
        "{what}: exit code {} for {rendered}",
        e.exit_code()
    );
}

/// Whether two values agree: same size, and every entry equal up to rounding (NaN and
/// the infinities only match themselves).
pub fn same_value(a: &Mat, b: &Mat) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    a.iter().zip(b.iter()).all(|(x, y)| {
        if x.is_nan() || y.is_nan() {
            return x.is_nan() && y.is_nan();
        }
        if x.is_infinite() || y.is_infinite() {
            return x == y;
        }
        (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs()))
    })
}

/// `printed` (read back as `back`) has the value of `orig` at a random point of `env`.
/// Points where the original cannot be evaluated (a singular inverse, an unknown size,
/// a matrix too large) decide nothing.
pub fn assert_same_value(
    orig: &RecExpr<Math>,
    shape: Shape,
    env: &Env,
    back: &RecExpr<Math>,
    what: &str,
) {
    for (seed, positive) in [(11u64, false), (12, true)] {
        let point = random_point(env, &[shape.rows, shape.cols], seed, positive);
        let Ok(a) = matcalc::eval(orig, &point) else {
            continue;
        };
        match matcalc::eval(back, &point) {
            Ok(b) => assert!(
                same_value(&a, &b),
                "{what}: the printed text has another value at a random point\n{a}\nversus\n{b}"
            ),
            Err(e) => panic!("{what}: the original evaluates but the printed text does not: {e}"),
        }
    }
}

/// Prints the first expression of `c` (plain and with `where` names), reads each text
/// back under the printed declarations, and asserts the same shape and value. Also runs
/// the LaTeX and NumPy printers (they must not panic). Returns the texts.
pub fn assert_round_trip(c: &Checked, src: &str) -> Vec<String> {
    let t = &c.typed[0];
    let env = &c.env;
    let decls = env.decls_text();
    let mut texts = Vec::new();
    for share in [false, true] {
        let text = to_text(&t.expr, env, TextOptions { root: None, share });
        let what = format!("`{src}` printed as `{text}` (share {share}) under `{decls}`");
        let back = read_exprs(&[&text], &decls, &[])
            .unwrap_or_else(|e| panic!("{what}: does not read back:\n{}", e.render()));
        assert_eq!(
            back.typed[0].shape, t.shape,
            "{what}: reads back with another shape"
        );
        assert_same_value(&t.expr, t.shape, env, &back.typed[0].expr, &what);
        texts.push(text);
    }
    let _ = to_latex(&t.expr, env, false);
    let _ = to_latex(&t.expr, env, true);
    let _ = to_numpy(&t.expr, env, false);
    let _ = to_numpy(&t.expr, env, true);
    texts
}

/// `parse_print`: `expr [\0 decls]`. Reading never panics; what reads, prints and reads
/// back to the same shape and value.
pub fn parse_print(data: &[u8]) {
    let p = parts(data, 2);
    let (src, decls) = (&p[0], &p[1]);
    match read_exprs(&[src], decls, &[]) {
        Err(e) => {
            assert_clean_error(&e, src);
            assert_eq!(
                e.exit_code(),
                2,
                "`{src}`: reading fails with a non-input error: {}",
                e.render()
            );
        }
        Ok(c) => {
            assert_round_trip(&c, src);
        }
    }
}

/// The names of an environment with their kinds and shapes (not whether `--let` or the
/// capital/lower-case convention gave them).
fn names(env: &Env) -> Vec<(String, &'static str, Shape)> {
    let mut v: Vec<_> = env
        .vars
        .iter()
        .map(|(n, i)| (n.to_string(), i.kind.name(), i.shape))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// `decls`: `decls [\0 expr]`. The `--let` text (alone, or with an expression) reads or
/// is refused cleanly; the declarations printed from what it read (`Env::decls_text`)
/// read back to the same names, kinds and shapes (and the expression to the same shape).
pub fn decls(data: &[u8]) {
    let p = parts(data, 2);
    let (decls, src) = (&p[0], &p[1]);
    let srcs: Vec<&str> = if src.is_empty() {
        vec![]
    } else {
        vec![src.as_str()]
    };
    let c = match read_exprs(&srcs, decls, &[]) {
        Err(e) => {
            assert_clean_error(&e, decls);
            assert_eq!(
                e.exit_code(),
                2,
                "`{decls}`: refused with a non-input error: {}",
                e.render()
            );
            return;
        }
        Ok(c) => c,
    };
    let printed = c.env.decls_text();
    let what = format!("--let `{decls}` (expression `{src}`) printed as `{printed}`");
    let back = read_exprs(&srcs, &printed, &[])
        .unwrap_or_else(|e| panic!("{what}: does not read back:\n{}", e.render()));
    assert_eq!(
        names(&back.env),
        names(&c.env),
        "{what}: reads back to other names"
    );
    assert_eq!(
        back.env.decls_text(),
        printed,
        "{what}: prints differently the second time"
    );
    if let (Some(a), Some(b)) = (c.typed.first(), back.typed.first()) {
        assert_eq!(a.shape, b.shape, "{what}: the expression has another shape");
    }
}

/// The shape of a report's `shape` field.
fn report_shape(s: &[String; 2]) -> Shape {
    Shape::new(Dim::new(&s[0]), Dim::new(&s[1]))
}

/// `derive`: `expr \0 decls \0 wrt[,wrt…] [\0 flags]` (no `wrt`: the expression's first
/// name). Flags, one character each: `s` steps, `2` second order, `d` denominator
/// layout, `e` / `n` the `entries` / `none` convention for a symmetric variable, `c` the
/// numeric check (run, not asserted: fuzzed expressions meet singular points).
/// With 200 ms and 2000 nodes the answer is Ok or Err, within about twice the limit
/// (a Hessian's derivations share one limit);
/// every derivative printed reads back under the printed declarations with the
/// reported shape; no classes of different shapes were merged.
pub fn derive(data: &[u8]) {
    let p = parts(data, 4);
    let (src, decls, wrt, flags) = (&p[0], &p[1], &p[2], &p[3]);
    let Ok(c) = read_exprs(&[src], decls, &[]) else {
        return; // parse_print covers refusals
    };
    let wrt: Vec<String> = if wrt.trim().is_empty() {
        match c.env.vars.keys().next() {
            Some(s) => vec![s.to_string()],
            None => return,
        }
    } else {
        wrt.split(',').map(str::to_string).collect()
    };
    let wrt_refs: Vec<&str> = wrt.iter().map(String::as_str).collect();
    let mut req = Request::new(src, decls, &wrt_refs);
    req.options.limits = small_limits();
    req.options.time_limit = TIME_LIMIT;
    req.options.steps = flags.contains('s');
    if flags.contains('d') {
        req.options.layout = Layout::Denominator;
    }
    if flags.contains('e') {
        req.options.symmetric = Convention::Entries;
    } else if flags.contains('n') {
        req.options.symmetric = Convention::None;
    }
    req.check = flags.contains('c');
    if flags.contains('2') {
        req.order = 2;
    }
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let started = Instant::now();
    let answer = derive_request(&req, rules);
    let took = started.elapsed();
    let what = format!(
        "derive `{src}` --let `{decls}` --wrt {} (flags `{flags}`)",
        wrt.join(",")
    );
    // The check evaluates f at points; its cost is outside the search limits (and
    // bounded by the size limit of the evaluator), so it is not timed.
    if !req.check {
        assert!(
            took.as_secs_f64() <= slack() * TIME_LIMIT.as_secs_f64(),
            "{what}: took {took:?}, limit {TIME_LIMIT:?}"
        );
    }
    let answer = match answer {
        Err(e) => {
            assert_clean_error(&e, &what);
            return;
        }
        Ok(a) => a,
    };
    for r in &answer.reports {
        assert_eq!(
            r.stats.ill_shaped, 0,
            "{what}: classes of different shapes were merged"
        );
        let shape = report_shape(&r.shape);
        for text in [r.derivative.clone(), r.text()] {
            let back = read_exprs(&[&text], &r.decls, &[Some(shape)]).unwrap_or_else(|e| {
                panic!(
                    "{what}: the derivative `{text}` does not read back under `{}`:\n{}",
                    r.decls,
                    e.render()
                )
            });
            assert_eq!(
                back.typed[0].shape, shape,
                "{what}: the derivative `{text}` reads back with another shape"
            );
        }
    }
}

/// `equiv`: `left \0 right \0 decls`. Ok or Err within about twice the limit; an
/// expression is never "not equal" to itself.
pub fn equiv(data: &[u8]) {
    let p = parts(data, 3);
    let (left, right, decls) = (&p[0], &p[1], &p[2]);
    if read_exprs(&[left, right], decls, &[]).is_err() {
        return;
    }
    let opts = EquivOptions {
        limits: small_limits(),
        ..EquivOptions::default()
    };
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let started = Instant::now();
    let r = equiv_request(left, right, decls, rules, &opts);
    let took = started.elapsed();
    let what = format!("equiv `{left}` `{right}` --let `{decls}`");
    assert!(
        took.as_secs_f64() <= slack() * TIME_LIMIT.as_secs_f64(),
        "{what}: took {took:?}, limit {:?}",
        TIME_LIMIT
    );
    match r {
        Err(e) => assert_clean_error(&e, &what),
        Ok(r) => {
            // An expression is never numerically different from itself. (Two copies
            // of a size-less constant, `I` and `I`, get two unrelated sizes and are
            // "not equal" by shape: reported separately, not a crash here.)
            if left.trim() == right.trim() && r.shapes.is_none() {
                assert_ne!(
                    r.verdict, "not equal",
                    "{what}: an expression differs from itself"
                );
            }
        }
    }
}

/// `rules`: a rule file's text. `RuleSet::from_sources` returns rules or errors (at most
/// a bounded number, each with a position inside the file), quickly; the rules it
/// accepts build their rewrites without panicking.
pub fn rules(data: &[u8]) {
    let text = String::from_utf8_lossy(data).to_string();
    let lines = text.lines().count().max(1);
    let started = Instant::now();
    let r = RuleSet::from_sources(std::iter::once((
        "fuzz.rules".to_string(),
        "fuzz".to_string(),
        text.clone(),
    )));
    let took = started.elapsed();
    // Linear reading: a few KB take microseconds; a second is a finding.
    assert!(
        took < Duration::from_secs(1),
        "reading {} bytes of rules took {took:?}",
        text.len()
    );
    match r {
        Err(errors) => {
            assert!(!errors.is_empty(), "an error result with no errors");
            assert!(
                errors.len() <= 1000,
                "{} errors for {} bytes",
                errors.len(),
                text.len()
            );
            for e in &errors {
                assert!(!e.message.trim().is_empty(), "an error with no message");
                assert!(
                    e.line <= lines + 1,
                    "error at line {} of a {lines}-line file: {e}",
                    e.line
                );
            }
        }
        Ok(set) => {
            for phase in [
                Phase::Differential,
                Phase::Collect,
                Phase::Simplify,
                Phase::Prove,
                Phase::Both,
            ] {
                let _ = set.rewrites(phase, &[]);
                let _ = set.tidy_rewrites(phase, &[]);
            }
        }
    }
}

/// Runs the oracle of the named target on one input (for `replay`).
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "parse_print" => parse_print(data),
        "decls" => decls(data),
        "derive" => derive(data),
        "equiv" => equiv(data),
        "rules" => rules(data),
        _ => return false,
    }
    true
}
