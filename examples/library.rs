//! matcalc as a library: derive an expression, check the answer against finite
//! differences, print it three ways, and ask whether two forms are equal.
//! Run with `cargo run --release --example library`.

use matcalc::{derive_request, equiv_request, EquivOptions, Request, RuleSet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = RuleSet::builtin().map_err(|errs| format!("{} bad rules", errs.len()))?;
    let decls = "W: matrix(m,n); x: vector(n); b: vector(m)";
    let mut req = Request::new("norm2(W*x + b)^2", decls, &["W", "x"]);
    req.check = true;
    let answer = derive_request(&req, rules)?;
    for r in &answer.reports {
        println!(
            "d/d{}: {} ({}, {}×{})",
            r.wrt[0], r.derivative, r.kind, r.shape[0], r.shape[1]
        );
        println!("  latex: {}", r.latex);
        println!(
            "  numpy: {}",
            r.numpy.as_deref().unwrap_or("(no NumPy form)")
        );
        if let Some(c) = &r.check {
            println!(
                "  checked at {} points, largest relative error {:.1e}",
                c.points, c.max_rel_err
            );
        }
        println!("  e-graph {} nodes, {:.1} ms", r.stats.nodes, r.stats.ms);
    }
    // Two forms of one derivative, proved equal by the rules (or refuted numerically).
    let verdict = equiv_request(
        "2*W'*(W*x + b)",
        "2*(W'*W*x + W'*b)",
        decls,
        rules,
        &EquivOptions::default(),
    )?;
    println!("equal: {}", verdict.verdict);
    Ok(())
}
