//! `matcalc show`: the parsed expression and its shape.

use super::args::{Format, ShowArgs};
use super::output::line;
use matcalc::{read_exprs, show_json, to_latex, to_numpy, to_text, Error, TextOptions};

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
        Format::Json => serde_json::to_string_pretty(&show_json(&checked)).unwrap_or_default(),
    };
    line(&out);
    Ok(0)
}
