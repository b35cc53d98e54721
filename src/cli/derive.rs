//! `matcalc derive`: one derivation per variable, printed in the chosen format.

use egg::Symbol;
use serde_json::json;

use super::args::{DeriveArgs, Format, LayoutArg};
use super::json::shape_json;
use super::proof::{proof_json, proof_latex, proof_lines};
use matcalc::engine::derive::{derive, Derivation, DeriveOptions, Layout};
use matcalc::engine::explain::Step;
use matcalc::numeric::{check_derivative, CHECK_POINTS, CHECK_SEED};
use matcalc::syntax::{latex::to_latex, numpy::to_numpy, text::to_text, text::to_text_in};
use matcalc::{read_expr, Error};

pub fn run(a: &DeriveArgs) -> Result<i32, Error> {
    let rules = super::load_rules(a.engine.rules.as_deref())?;
    let (typed, env) = read_expr(&a.expr, &a.decls)?;
    let opts = DeriveOptions {
        layout: match a.layout {
            LayoutArg::Numerator => Layout::Numerator,
            LayoutArg::Denominator => Layout::Denominator,
        },
        steps: a.steps,
        ..super::derive_options(&a.engine)
    };
    for w in &a.wrt {
        if !env.vars.contains_key(&Symbol::from(w.as_str())) {
            return Err(Error::plain(format!(
                "--wrt {w}: `{w}` does not occur in the expression"
            )));
        }
    }
    let mut outputs = Vec::new();
    let mut code = 0;
    for w in &a.wrt {
        let wrt = Symbol::from(w.as_str());
        let d = derive(&typed, &env, wrt, &rules, &opts)?;
        let check = if a.check {
            let r = check_derivative(
                &typed.expr,
                &d.numerator,
                &env,
                wrt,
                CHECK_POINTS,
                CHECK_SEED,
            )
            .map_err(|e| Error::Failed(format!("the check could not evaluate: {e}")))?;
            if !r.passed() {
                code = 1;
            }
            Some(r)
        } else {
            None
        };
        outputs.push((d, check));
    }
    let layout = match a.layout {
        LayoutArg::Numerator => "numerator",
        LayoutArg::Denominator => "denominator",
    };
    match a.format {
        Format::Json => {
            let objs: Vec<serde_json::Value> = outputs
                .iter()
                .map(|(d, check)| {
                    let mut v = json_of(&a.expr, d, check.as_ref(), layout, &env);
                    if let Some(steps) = &d.steps {
                        v["steps"] = proof_json(&distinct_steps(steps), &rules);
                    }
                    v
                })
                .collect();
            let v = if objs.len() == 1 {
                objs[0].clone()
            } else {
                serde_json::Value::Array(objs)
            };
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        f => {
            for (d, check) in &outputs {
                if let Some(steps) = &d.steps {
                    let steps = distinct_steps(steps);
                    match f {
                        Format::Latex => println!("{}", proof_latex(&steps, &rules)),
                        _ => {
                            for line in proof_lines(&steps, &rules) {
                                println!("{line}");
                            }
                        }
                    }
                    print!("hence d/d{} = ", d.wrt);
                }
                let body = match f {
                    Format::Latex => to_latex(&d.derivative),
                    Format::Numpy => to_numpy(&d.derivative, &env).map_err(Error::Failed)?,
                    _ => to_text_in(&d.derivative, &env),
                };
                if outputs.len() > 1 {
                    println!("{}: {body}", d.wrt);
                } else {
                    println!("{body}");
                }
                if let Some(r) = check {
                    let verdict = if r.passed() { "ok" } else { "FAILED" };
                    println!(
                        "check {verdict}: {} points, largest relative error {:.1e}",
                        r.points, r.max_rel_err
                    );
                }
            }
        }
    }
    if code != 0 {
        eprintln!("error: the derivative disagrees with finite differences");
    }
    Ok(code)
}

/// Steps whose printed term repeats the previous one (say, `tr(C dX)` read as
/// `lin(C, X)`) add nothing to a reader: they are merged into it.
fn distinct_steps(steps: &[Step]) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for s in steps {
        match out.last_mut() {
            Some(prev) if to_text(&prev.expr) == to_text(&s.expr) => {
                prev.folded.extend(s.rule.iter().cloned());
                prev.folded.extend(s.folded.iter().cloned());
            }
            _ => out.push(s.clone()),
        }
    }
    out
}

fn json_of(
    expr: &str,
    d: &Derivation,
    check: Option<&matcalc::numeric::CheckReport>,
    layout: &str,
    env: &matcalc::Env,
) -> serde_json::Value {
    let mut v = json!({
        "expr": expr,
        "wrt": d.wrt.to_string(),
        "kind": d.kind.to_string(),
        "layout": layout,
        "shape": shape_json(d.shape),
        "differential": to_text(&d.differential),
        "derivative": to_text_in(&d.derivative, env),
        "latex": to_latex(&d.derivative),
        "numpy": to_numpy(&d.derivative, env).ok(),
        "stats": {
            "nodes": d.saturation.nodes,
            "classes": d.saturation.classes,
            "iterations": d.saturation.iterations,
            "stop": d.saturation.stop.to_string(),
            "simplify_nodes": d.simplification.nodes,
            "simplify_iterations": d.simplification.iterations,
            "simplify_stop": d.simplification.stop.to_string(),
            "derive_ms": d.saturation.ms,
            "ms": d.saturation.ms + d.simplification.ms,
        },
    });
    if let Some(r) = check {
        v["check"] = json!({ "points": r.points, "max_rel_err": r.max_rel_err, "ok": r.passed() });
    }
    v
}
