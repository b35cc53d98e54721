//! `matcalc show`: the parsed expression and its shape.

use serde_json::json;

use super::args::{Format, ShowArgs};
use super::output::line;
use matcalc::{read_exprs, to_latex, to_numpy, to_text, Error, TextOptions};

pub fn run(a: &ShowArgs) -> Result<i32, Error> {
    let checked = read_exprs(&[&a.expr], &a.decls, &[])?;
    let (typed, env) = (&checked.typed[0], &checked.env);
    for w in &checked.warnings {
        eprintln!("warning: {w}");
    }
    let opts = TextOptions {
        root: None,
        share: true,
    };
    let text = to_text(&typed.expr, env, opts);
    let out = match a.format {
        Format::Text => format!("{text} : {}", typed.shape),
        Format::Latex => to_latex(&typed.expr, env, true),
        Format::Numpy => to_numpy(&typed.expr, env, true).map_err(Error::Failed)?,
        Format::Json => {
            let names: serde_json::Map<String, serde_json::Value> = env
                .vars
                .iter()
                .map(|(name, info)| {
                    (
                        name.to_string(),
                        json!({
                            "kind": info.kind.name(),
                            "shape": [info.shape.rows.to_string(), info.shape.cols.to_string()],
                            "declared": info.declared,
                        }),
                    )
                })
                .collect();
            let v = json!({
                "expr": text,
                "shape": [typed.shape.rows.to_string(), typed.shape.cols.to_string()],
                "latex": to_latex(&typed.expr, env, true),
                "numpy": to_numpy(&typed.expr, env, true).ok(),
                "decls": env.decls_text(),
                "names": names,
                "warnings": checked.warnings,
            });
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
    };
    line(&out);
    Ok(0)
}
