//! In-process time of every reference case (tests/cases/catalog.jsonl): reading,
//! type-checking, deriving and printing, with the rules loaded once outside the
//! timed loop. Before timing, one table of e-graph sizes goes to stderr.
//!
//! `cargo bench --bench derive` (a few seconds per case).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use matcalc::{derive_request, read_catalog, Case, Request, RuleSet};

const CATALOG: &str = include_str!("../tests/cases/catalog.jsonl");

fn request(c: &Case) -> Request {
    let wrt: Vec<&str> = c.wrt.split(',').map(str::trim).collect();
    Request::new(&c.expr, &c.decls, &wrt)
}

/// The sizes of each case's searches, derived once.
fn print_sizes(cases: &[Case], rules: &RuleSet) {
    eprintln!(
        "{:<16} {:>7} {:>10} {:>6} {:>9}  stop",
        "id", "nodes", "simp.nodes", "iters", "ms"
    );
    for c in cases {
        match derive_request(&request(c), rules) {
            Ok(a) => {
                for r in &a.reports {
                    let s = &r.stats;
                    eprintln!(
                        "{:<16} {:>7} {:>10} {:>6} {:>9.2}  {}",
                        c.id,
                        s.nodes,
                        s.simplify_nodes,
                        s.simplify_iterations,
                        s.ms,
                        s.simplify_stop
                    );
                }
            }
            Err(e) => eprintln!("{:<16} does not derive: {}", c.id, e.render()),
        }
    }
}

fn bench(crit: &mut Criterion) {
    let Ok(rules) = RuleSet::builtin() else {
        eprintln!("the built-in rules do not load");
        return;
    };
    let cases: Vec<Case> = read_catalog(CATALOG)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    print_sizes(&cases, rules);
    let mut g = crit.benchmark_group("catalog");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for c in &cases {
        let req = request(c);
        g.bench_function(&c.id, |b| {
            b.iter(|| black_box(derive_request(&req, rules).is_ok()))
        });
    }
    g.finish();
    // The whole catalog, one after the other: the figure the README quotes.
    let reqs: Vec<Request> = cases.iter().map(request).collect();
    let mut g = crit.benchmark_group("catalog_total");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("all_41", |b| {
        b.iter(|| {
            reqs.iter()
                .filter(|r| derive_request(r, rules).is_ok())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
