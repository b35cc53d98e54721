//! How the cost of a derivation grows with the size of f, on families that grow: a
//! network of depth 1–20 (by its first weight), tr(X^k) for k up to 20, sums of N
//! quadratic forms, and flat sums and products of N names. Before timing, each
//! family's sizes, e-graph nodes and one wall time go to stderr, so that the growth
//! reads off one table.
//!
//! `cargo bench --bench scale`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use matcalc::{derive_request, Request, RuleSet};

/// sigmoid layers W_k … W_1 x, squared error against y; by W1.
fn network(depth: usize) -> Request {
    let mut h = "x".to_string();
    let mut decls = vec!["x: vector(n0)".to_string(), "y: vector(m)".to_string()];
    for k in 1..=depth {
        let out = if k == depth {
            "m".to_string()
        } else {
            format!("n{k}")
        };
        decls.push(format!("W{k}: matrix({out},n{})", k - 1));
        h = if k == depth {
            format!("W{k}*{h}")
        } else {
            format!("sigmoid(W{k}*{h})")
        };
    }
    Request::new(&format!("norm2({h} - y)^2"), &decls.join("; "), &["W1"])
}

fn trace_power(k: usize) -> Request {
    let product = vec!["X"; k].join("*");
    Request::new(&format!("tr({product})"), "X: matrix(n,n)", &["X"])
}

fn quadratic_forms(n: usize) -> Request {
    let terms: Vec<String> = (0..n).map(|i| format!("x'*A{i}*x")).collect();
    let decls: Vec<String> = std::iter::once("x: vector(n)".to_string())
        .chain((0..n).map(|i| format!("A{i}: matrix(n,n)")))
        .collect();
    Request::new(&terms.join(" + "), &decls.join("; "), &["x"])
}

fn flat_sum(n: usize) -> Request {
    let terms: Vec<String> = (0..n).map(|i| format!("a{i}'*x")).collect();
    Request::new(&terms.join(" + "), "x: vector(n)", &["x"])
}

fn flat_product(n: usize) -> Request {
    Request::new(&vec!["s"; n].join("*"), "s: scalar", &["s"])
}

type Family = (&'static str, fn(usize) -> Request, &'static [usize]);

const FAMILIES: &[Family] = &[
    ("network", network, &[1, 2, 5, 10, 15, 20]),
    ("trace_power", trace_power, &[2, 5, 10, 20]),
    ("quadratic_forms", quadratic_forms, &[8, 32, 128]),
    ("flat_sum", flat_sum, &[10, 100, 1000]),
    ("flat_product", flat_product, &[10, 100, 1000]),
];

/// One row per size: nodes of both searches, the wall time of one derivation, and
/// the derivative's length.
fn print_growth(rules: &RuleSet) {
    eprintln!(
        "{:<16} {:>6} {:>8} {:>10} {:>10} {:>8}",
        "family", "size", "nodes", "simp.nodes", "ms", "chars"
    );
    for (name, make, sizes) in FAMILIES {
        for n in *sizes {
            let req = make(*n);
            let t = Instant::now();
            match derive_request(&req, rules) {
                Ok(a) => {
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    let r = &a.reports[0];
                    eprintln!(
                        "{:<16} {:>6} {:>8} {:>10} {:>10.2} {:>8}",
                        name,
                        n,
                        r.stats.nodes,
                        r.stats.simplify_nodes,
                        ms,
                        r.derivative.chars().count()
                    );
                }
                Err(e) => eprintln!("{name} {n}: does not derive: {}", e.render()),
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let Ok(rules) = RuleSet::builtin() else {
        eprintln!("the built-in rules do not load");
        return;
    };
    print_growth(rules);
    for (name, make, sizes) in FAMILIES {
        let mut g = c.benchmark_group(*name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_millis(300));
        for n in *sizes {
            let req = make(*n);
            g.bench_with_input(BenchmarkId::from_parameter(n), &req, |b, req| {
                b.iter(|| black_box(derive_request(req, rules).is_ok()))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
