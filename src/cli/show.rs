//! `matcalc show`: the parsed expression and its shape.

use serde_json::json;

use super::args::{Format, ShowArgs};
use super::json::shape_json;
use matcalc::syntax::{latex::to_latex, numpy::to_numpy, text::to_text};
use matcalc::{read_expr, Error};

pub fn run(a: &ShowArgs) -> Result<i32, Error> {
    let (typed, env) = read_expr(&a.expr, &a.decls)?;
    let out = match a.format {
        Format::Text => format!("{} : {}", to_text(&typed.expr), typed.shape),
        Format::Latex => to_latex(&typed.expr),
        Format::Numpy => to_numpy(&typed.expr, &env).map_err(Error::Failed)?,
        Format::Json => {
            let names: serde_json::Map<String, serde_json::Value> = env
                .vars
                .iter()
                .map(|(name, info)| {
                    (
                        name.to_string(),
                        json!({
                            "kind": info.kind.name(),
                            "shape": shape_json(info.shape),
                            "declared": info.declared,
                        }),
                    )
                })
                .collect();
            let v = json!({
                "expr": to_text(&typed.expr),
                "shape": shape_json(typed.shape),
                "latex": to_latex(&typed.expr),
                "numpy": to_numpy(&typed.expr, &env).ok(),
                "names": names,
            });
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
    };
    println!("{out}");
    Ok(0)
}
