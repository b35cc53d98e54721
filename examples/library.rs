//! matcalc as a library: read an expression, derive it, check the answer against
//! finite differences, print it three ways. Run with `cargo run --example library`.

use egg::Symbol;
use matcalc::engine::derive::{derive, DeriveOptions};
use matcalc::numeric::check_derivative;
use matcalc::rules::RuleSet;
use matcalc::syntax::{latex::to_latex, numpy::to_numpy, text::to_text_in};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let decls = "W: matrix(m,n); x: vector(n); b: vector(m)";
    let (f, env) = matcalc::read_expr("norm2(W*x + b)^2", decls)?;
    let rules = RuleSet::builtin().map_err(|errs| format!("{} bad rules", errs.len()))?;
    let w = Symbol::from("W");
    let d = derive(&f, &env, w, &rules, &DeriveOptions::default())?;
    let report = check_derivative(&f.expr, &d.numerator, &env, w, 3, 1)?;
    println!("kind:       {}", d.kind);
    println!("derivative: {}", to_text_in(&d.derivative, &env));
    println!("latex:      {}", to_latex(&d.derivative));
    println!("numpy:      {}", to_numpy(&d.derivative, &env)?);
    println!(
        "checked at {} points, largest relative error {:.1e}; e-graph {} nodes, {} iterations",
        report.points, report.max_rel_err, d.saturation.nodes, d.saturation.iterations
    );
    Ok(())
}
