//! Issue 9, class 6: the cost of every entry point is at most n log n in its input.
//!
//! * reading rule files of 1 MB and 10 MB (one file each: the built-in rules of every
//!   family replicated, the rules renamed `NAME-cK` so that every name is new);
//! * type-checking a sum of 1,000 / 10,000 / 100,000 distinct names (a balanced tree of
//!   `+`), undeclared (vectors whose sizes unify) and declared (`x0: scalar; …`);
//! * `derive` of a sum of 100 / 1,000 declared scalars with respect to all of them;
//! * searches under 200 ms limits whose cost was found outside them (`limits`): `derive`
//!   by a symmetric matrix, `equiv` of large matrices.
//!
//! Before timing, one line per input goes to stderr with a single timed run, so that the
//! growth can be read without criterion's reports. Run with
//! `cargo bench --bench inputs` (a few minutes); `-- rules` etc. to pick a group.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use matcalc::{derive_request, read_exprs, Request, RuleSet};

const FAMILIES: [(&str, &str); 9] = [
    ("differential", include_str!("../rules/differential.rules")),
    ("collect", include_str!("../rules/collect.rules")),
    ("algebra", include_str!("../rules/algebra.rules")),
    ("transpose", include_str!("../rules/transpose.rules")),
    ("trace", include_str!("../rules/trace.rules")),
    ("hadamard", include_str!("../rules/hadamard.rules")),
    ("kronecker", include_str!("../rules/kronecker.rules")),
    ("functions", include_str!("../rules/functions.rules")),
    ("determinant", include_str!("../rules/determinant.rules")),
];

/// `text` with every `(rule NAME` renamed `(rule NAME-cK`, and its `(family …)` form
/// dropped unless `keep_family`.
fn renamed(text: &str, k: usize, keep_family: bool) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("(family") && !keep_family {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("(rule ") {
            let (head, tail) = rest.split_at(at + "(rule ".len());
            out.push_str(head);
            let name_end = tail
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(tail.len());
            out.push_str(&tail[..name_end]);
            out.push_str(&format!("-c{k}"));
            rest = &tail[name_end..];
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

/// One rule file of about `bytes` bytes: copies of one family's rules with new names
/// (its `(family …)` form once), so every form goes through the reader.
fn rule_file(family: usize, bytes: usize) -> String {
    let (_, text) = FAMILIES[family];
    let mut out = String::with_capacity(bytes + text.len());
    let mut k = 0;
    while out.len() < bytes {
        out.push_str(&renamed(text, k, k == 0));
        out.push('\n');
        k += 1;
    }
    out
}

/// The sources `RuleSet::from_sources` reads: one file per family, about `bytes` in all.
fn rule_files(bytes: usize) -> Vec<(String, String, String)> {
    let total: usize = FAMILIES.iter().map(|(_, t)| t.len()).sum();
    FAMILIES
        .iter()
        .enumerate()
        .map(|(i, (f, t))| {
            let share = bytes * t.len() / total;
            (format!("{f}.rules"), f.to_string(), rule_file(i, share))
        })
        .collect()
}

fn load(sources: &[(String, String, String)]) -> usize {
    match RuleSet::from_sources(sources.iter().cloned()) {
        Ok(set) => set.len(),
        Err(e) => {
            // A bench has nothing to fail; say why the set did not load.
            eprintln!("the replicated rules do not load: {}", e[0]);
            e.len()
        }
    }
}

/// Prints one timed run of `f` (seconds) with a label.
fn once<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    eprintln!("{label}: {:.4} s (one run)", t.elapsed().as_secs_f64());
    out
}

fn rules(c: &mut Criterion) {
    let mut g = c.benchmark_group("rules");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for mb in [1usize, 10] {
        // One file of `mb` MB (the per-file cost: line numbers) and `mb` MB over nine files.
        let single = vec![(
            "one.rules".to_string(),
            "collect".to_string(),
            rule_file(1, mb << 20),
        )];
        let spread = rule_files(mb << 20);
        let n = once(&format!("rules: one file of {mb} MB"), || load(&single));
        eprintln!("  ({n} rules or errors, {} bytes)", single[0].2.len());
        once(&format!("rules: {mb} MB in nine files"), || load(&spread));
        g.throughput(Throughput::Bytes(single[0].2.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("one_file", format!("{mb}MB")),
            &single,
            |b, s| b.iter(|| black_box(load(s))),
        );
        g.bench_with_input(
            BenchmarkId::new("nine_files", format!("{mb}MB")),
            &spread,
            |b, s| b.iter(|| black_box(load(s))),
        );
    }
    g.finish();
}

/// The sum of `n` distinct names `{prefix}0 … {prefix}(n-1)`, as a balanced tree
/// (`(a + b) + (c + d)`): the reader refuses a flat sum of more than 1000 terms as "too
/// deep" (more than 1000 operators on one path), so a flat one cannot measure 100,000.
fn long_sum(n: usize, prefix: &str) -> String {
    fn go(lo: usize, hi: usize, prefix: &str, out: &mut String) {
        if hi - lo == 1 {
            out.push_str(prefix);
            out.push_str(&lo.to_string());
            return;
        }
        let mid = (lo + hi) / 2;
        out.push('(');
        go(lo, mid, prefix, out);
        out.push_str(") + (");
        go(mid, hi, prefix, out);
        out.push(')');
    }
    let mut s = String::with_capacity(n * 12);
    go(0, n.max(1), prefix, &mut s);
    s
}

fn scalar_decls(n: usize, prefix: &str) -> String {
    (0..n)
        .map(|i| format!("{prefix}{i}: scalar"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn typecheck(c: &mut Criterion) {
    let mut g = c.benchmark_group("typecheck");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for n in [1_000usize, 10_000, 100_000] {
        let sum = long_sum(n, "x");
        let decls = scalar_decls(n, "x");
        let ok = once(&format!("typecheck: {n} undeclared names"), || {
            read_exprs(&[&sum], "", &[]).is_ok()
        });
        let ok2 = once(&format!("typecheck: {n} declared names"), || {
            read_exprs(&[&sum], &decls, &[]).is_ok()
        });
        if !(ok && ok2) {
            eprintln!("  (refused: undeclared {ok}, declared {ok2})");
        }
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("undeclared", n), &sum, |b, s| {
            b.iter(|| black_box(read_exprs(&[s], "", &[]).is_ok()))
        });
        g.bench_with_input(
            BenchmarkId::new("declared", n),
            &(sum.clone(), decls.clone()),
            |b, (s, d)| b.iter(|| black_box(read_exprs(&[s], d, &[]).is_ok())),
        );
    }
    g.finish();
}

fn many_wrt(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let mut g = c.benchmark_group("derive_wrt");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));
    for n in [100usize, 1_000] {
        let expr = long_sum(n, "s");
        let decls = scalar_decls(n, "s");
        let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let wrt: Vec<&str> = names.iter().map(String::as_str).collect();
        let req = Request::new(&expr, &decls, &wrt);
        let r = once(&format!("derive: {n} --wrt names"), || {
            derive_request(&req, rules)
        });
        match &r {
            Ok(a) => eprintln!("  ({} derivatives)", a.reports.len()),
            Err(e) => eprintln!("  (refused: {})", e.headline()),
        }
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("scalars", n), &req, |b, req| {
            b.iter(|| black_box(derive_request(req, rules).is_ok()))
        });
    }
    g.finish();
}

/// Searches that must stay inside their limits whatever the input: `derive` by a
/// symmetric matrix (the symmetry proof), and `equiv` (the numeric comparison before the
/// search), with the limits of the fuzz targets (200 ms). One timed run each for the
/// inputs that were found to take far longer, criterion for the others.
fn limits(c: &mut Criterion) {
    use matcalc::{equiv_request, EquivOptions, Limits};
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let small = Limits {
        nodes: 2_000,
        iterations: 8,
        time: Duration::from_millis(100),
        match_limit: 200,
    };
    let mut g = c.benchmark_group("limits");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    for k in 2..=4 {
        let expr = format!("logdet(S^{k} + I)");
        let mut req = Request::new(&expr, "S: symmetric(n)", &["S"]);
        req.options.limits = small;
        req.options.time_limit = Duration::from_millis(200);
        once(
            &format!("limits: derive {expr} by symmetric S (200 ms limit)"),
            || derive_request(&req, rules).is_ok(),
        );
        if k <= 3 {
            g.bench_with_input(
                BenchmarkId::new("symmetric_logdet_power", k),
                &req,
                |b, req| b.iter(|| black_box(derive_request(req, rules).is_ok())),
            );
        }
    }
    let opts = EquivOptions {
        limits: small,
        ..EquivOptions::default()
    };
    for n in [100usize, 300, 1_000] {
        let decls = format!("X: matrix({n},{n})");
        once(
            &format!("limits: equiv inv(X) inv(X)' with X {n}×{n} (200 ms limit)"),
            || equiv_request("inv(X)", "inv(X)'", &decls, rules, &opts).is_ok(),
        );
        if n <= 300 {
            g.bench_with_input(BenchmarkId::new("equiv_inverse", n), &decls, |b, d| {
                b.iter(|| black_box(equiv_request("inv(X)", "inv(X)'", d, rules, &opts).is_ok()))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, rules, typecheck, many_wrt, limits);
criterion_main!(benches);
