//! `matcalc equiv`: equal (with its proof), not equal (with a counterexample or the two
//! shapes), or unknown. Exit codes 0, 1, 3; bad input 2.

use super::args::{EquivArgs, EquivFormat};
use super::derive::{steps_latex, steps_lines};
use super::output::line;
use matcalc::{equiv_request, Error};

pub fn run(a: &EquivArgs) -> Result<i32, Error> {
    let rules = super::load_rules(a.engine.rules.as_deref())?;
    let opts = super::equiv_options(&a.engine);
    let r = equiv_request(&a.expr1, &a.expr2, &a.decls, &rules, &opts)?;
    match a.format {
        EquivFormat::Json => line(&serde_json::to_string_pretty(&r).unwrap_or_default()),
        f => match (&r.proof, &r.counterexample, &r.shapes) {
            (None, None, None) if r.verdict == "equal" => {
                line(&format!(
                    "equal ({})",
                    r.note.as_deref().unwrap_or("no proof")
                ));
            }
            (Some(proof), _, _) => {
                line("equal");
                if f == EquivFormat::Latex {
                    line(&steps_latex(proof));
                } else {
                    for l in steps_lines(proof) {
                        line(&l);
                    }
                }
            }
            (_, Some(c), _) => {
                line(&format!(
                    "not equal (relative difference {:.2e})",
                    c.rel_err
                ));
                line("counterexample:");
                for (name, v) in &c.values {
                    line(&format!("  {name} = {}", rows(v)));
                }
                line(&format!("  left  = {}", rows(&c.left)));
                line(&format!("  right = {}", rows(&c.right)));
                if c.truncated {
                    line("  (the top left corner of each value)");
                }
            }
            (_, _, Some([x, y])) => line(&format!(
                "not equal: the sides have different shapes, {}×{} and {}×{}",
                x[0], x[1], y[0], y[1]
            )),
            _ => {
                let stop = r.stats.as_ref().map(|s| s.stop.as_str()).unwrap_or("?");
                line(&match r.points.unwrap_or(0) {
                        0 => format!(
                            "unknown: no proof within the limits ({stop}), and no random point \
                             was evaluated (outside the domain, or too large for the time limit)"
                        ),
                        n => format!("unknown: no proof within the limits ({stop}), but equal at {n} random points"),
                    })
            }
        },
    }
    Ok(r.exit_code())
}

/// A matrix on one line: `[[1.0000, 2.0000]; [3.0000, 4.0000]]`.
fn rows(m: &[Vec<f64>]) -> String {
    let rows: Vec<String> = m
        .iter()
        .map(|r| {
            let cells: Vec<String> = r.iter().map(|v| format!("{v:.4}")).collect();
            format!("[{}]", cells.join(", "))
        })
        .collect();
    format!("[{}]", rows.join("; "))
}
