//! `matcalc equiv`: equal (with its proof), not equal (with a counterexample), or
//! unknown. Exit codes 0, 1, 3; bad input 2.

use serde_json::{json, Value};

use super::args::{EquivArgs, EquivFormat};
use super::proof::{proof_json, proof_lines};
use matcalc::engine::equiv::{equiv, Verdict};
use matcalc::numeric::Mat;
use matcalc::rules::soundness::compact;
use matcalc::{read_exprs, Error};

pub fn run(a: &EquivArgs) -> Result<i32, Error> {
    let rules = super::load_rules(a.engine.rules.as_deref())?;
    let (typed, env) = read_exprs(&[&a.expr1, &a.expr2], &a.decls)?;
    let opts = super::derive_options(&a.engine);
    let result = equiv(&typed[0], &typed[1], &env, &rules, &opts)?;
    let code = match &result.verdict {
        Verdict::Equal { .. } => 0,
        Verdict::NotEqual { .. } => 1,
        Verdict::Unknown { .. } => 3,
    };
    match a.format {
        EquivFormat::Text => match &result.verdict {
            Verdict::Equal { proof } => {
                println!("equal");
                for line in proof_lines(proof, &rules) {
                    println!("{line}");
                }
            }
            Verdict::NotEqual { counterexample: c } => {
                println!("not equal (relative difference {:.2e})", c.rel_err);
                println!("counterexample:");
                for (name, v) in &c.point.values {
                    println!("  {name} = {}", compact(v));
                }
                println!("  left  = {}", compact(&c.left));
                println!("  right = {}", compact(&c.right));
            }
            Verdict::Unknown { points, stop } => {
                println!("unknown: no proof within the limits ({stop}), but equal at {points} random points");
            }
        },
        EquivFormat::Json => {
            let mut v = json!({ "left": a.expr1, "right": a.expr2 });
            match &result.verdict {
                Verdict::Equal { proof } => {
                    v["verdict"] = json!("equal");
                    v["proof"] = proof_json(proof, &rules);
                }
                Verdict::NotEqual { counterexample: c } => {
                    let values: serde_json::Map<String, Value> = c
                        .point
                        .values
                        .iter()
                        .map(|(k, m)| (k.to_string(), matrix_json(m)))
                        .collect();
                    v["verdict"] = json!("not equal");
                    v["counterexample"] = json!({
                        "values": values,
                        "left": matrix_json(&c.left),
                        "right": matrix_json(&c.right),
                        "rel_err": c.rel_err,
                    });
                }
                Verdict::Unknown { points, stop } => {
                    v["verdict"] = json!("unknown");
                    v["points"] = json!(points);
                    v["stop"] = json!(stop.to_string());
                }
            }
            if let Some(s) = &result.stats {
                v["stats"] = json!({ "nodes": s.nodes, "classes": s.classes, "iterations": s.iterations, "ms": s.ms });
            }
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
    Ok(code)
}

/// A matrix as rows of numbers.
pub fn matrix_json(m: &Mat) -> Value {
    Value::Array(
        (0..m.nrows())
            .map(|i| Value::Array((0..m.ncols()).map(|j| json!(m[(i, j)])).collect()))
            .collect(),
    )
}
