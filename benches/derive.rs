//! In-process derivation time of every reference case (tests/cases/catalog.jsonl):
//! reading, type-checking and deriving, with the rules loaded once outside the timed
//! loop. Before timing, one table of e-graph sizes goes to stderr.
//!
//! `cargo bench --bench derive` (about a second per case).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use egg::Symbol;
use matcalc::engine::derive::{derive, DeriveOptions};
use matcalc::read_expr;
use matcalc::rules::RuleSet;
use serde_json::Value;

const CATALOG: &str = include_str!("../tests/cases/catalog.jsonl");

struct Case {
    id: String,
    decls: String,
    expr: String,
    wrt: String,
}

/// Every well-formed case; a malformed line is reported and left out (a bench has
/// no assertion to fail).
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, line) in CATALOG.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("catalog line {}: not JSON: {e}", i + 1);
                continue;
            }
        };
        let field = |k: &str| v[k].as_str().map(str::to_string);
        match (field("id"), field("expr"), field("wrt")) {
            (Some(id), Some(expr), Some(wrt)) => out.push(Case {
                id,
                decls: field("decls").unwrap_or_default(),
                expr,
                wrt,
            }),
            _ => eprintln!("catalog line {}: no `id`, `expr` or `wrt`", i + 1),
        }
    }
    out
}

/// The sizes of both e-graphs of each case, derived once.
fn print_sizes(cases: &[Case], rules: &RuleSet, opts: &DeriveOptions) {
    eprintln!(
        "{:<16} {:>7} {:>7} {:>5} {:>9} {:>12}",
        "id", "nodes", "classes", "iters", "simp.nodes", "stop"
    );
    for case in cases {
        let derived = read_expr(&case.expr, &case.decls)
            .and_then(|(f, env)| derive(&f, &env, Symbol::from(case.wrt.as_str()), rules, opts));
        match derived {
            Ok(d) => eprintln!(
                "{:<16} {:>7} {:>7} {:>5} {:>9} {:>12}",
                case.id,
                d.saturation.nodes,
                d.saturation.classes,
                d.saturation.iterations,
                d.simplification.nodes,
                d.saturation.stop.to_string()
            ),
            Err(e) => eprintln!("{:<16} failed: {e}", case.id),
        }
    }
}

fn bench_derive(c: &mut Criterion) {
    let rules = match RuleSet::builtin() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the built-in rules do not load: {e:?}");
            return;
        }
    };
    let opts = DeriveOptions::default();
    let cases = cases();
    print_sizes(&cases, &rules, &opts);

    let mut group = c.benchmark_group("derive");
    // 41 cases: short windows keep the whole run near a minute.
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(500));
    for case in &cases {
        let wrt = Symbol::from(case.wrt.as_str());
        group.bench_function(case.id.as_str(), |b| {
            b.iter(|| {
                read_expr(black_box(&case.expr), black_box(&case.decls))
                    .and_then(|(f, env)| derive(&f, &env, wrt, &rules, &opts))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_derive);
criterion_main!(benches);
