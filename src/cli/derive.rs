//! `matcalc derive`: one report per variable (or Hessian block), printed in the chosen
//! format; every format renders the library's report.

use super::args::{DeriveArgs, Format};
use super::output::line;
use matcalc::{derive_request, DerivationReport, Error, Renderings, Request, StepReport};

pub fn run(a: &DeriveArgs) -> Result<i32, Error> {
    let rules = super::load_rules(a.engine.rules.as_deref())?;
    let mut options = super::derive_options(&a.engine, a.layout, a.symmetric);
    options.steps = a.steps;
    let req = Request {
        expr: a.expr.clone(),
        decls: a.decls.clone(),
        wrt: a.wrt.clone(),
        order: a.order,
        check: a.check,
        options,
        // Only the texts this format prints.
        render: match a.format {
            Format::Json => Renderings::ALL,
            Format::Latex => Renderings {
                latex: true,
                ..Renderings::SHARED
            },
            Format::Numpy => Renderings {
                numpy: true,
                ..Renderings::SHARED
            },
            _ => Renderings::SHARED,
        },
    };
    let answer = derive_request(&req, &rules)?;
    for w in &answer.warnings {
        eprintln!("warning: {w}");
    }
    let reports = &answer.reports;
    match a.format {
        Format::Json => {
            let text = if reports.len() == 1 {
                serde_json::to_string_pretty(&reports[0])
            } else {
                serde_json::to_string_pretty(reports)
            };
            line(&text.map_err(|e| Error::Failed(format!("cannot write JSON: {e}")))?);
        }
        f => {
            for r in reports {
                print_one(r, f, reports.len() > 1);
            }
        }
    }
    let failed = reports
        .iter()
        .any(|r| r.check.as_ref().is_some_and(|c| !c.ok));
    for r in reports {
        if let Some(note) = &r.stats.note {
            eprintln!("note: {note}");
        }
    }
    if failed {
        eprintln!("error: the derivative disagrees with finite differences");
        return Ok(1);
    }
    Ok(0)
}

fn print_one(r: &DerivationReport, f: Format, several: bool) {
    if let Some(c) = &r.convention {
        line(&format!(
            "# {} is symmetric: {}",
            r.wrt[0],
            convention_words(c)
        ));
    }
    if let Some(steps) = &r.steps {
        match f {
            Format::Latex => line(&steps_latex(steps)),
            _ => {
                for l in steps_lines(steps) {
                    line(&l);
                }
            }
        }
    }
    let body = match f {
        Format::Latex => r.latex.clone(),
        Format::Numpy => r
            .numpy
            .clone()
            .unwrap_or_else(|| "# no NumPy form".to_string()),
        _ => r.text(),
    };
    let label = r.wrt.join(",");
    if r.steps.is_some() {
        let d = if r.order == 2 { "d²/d" } else { "d/d" };
        line(&format!("hence {d}{label} = {body}"));
    } else if several {
        line(&format!("{label}: {body}"));
    } else {
        line(&body);
    }
    if let Some(c) = &r.check {
        let verdict = if c.ok { "ok" } else { "FAILED" };
        line(&format!(
            "check {verdict}: {} points, largest relative error {:.1e}",
            c.points, c.max_rel_err
        ));
    }
}

fn convention_words(c: &str) -> &'static str {
    match c {
        "sym" => "convention sym, the symmetric C with df = tr(C dS) for every symmetric dS",
        "entries" => "convention entries, the derivative by each independent entry S_ij, i <= j",
        _ => "convention none, every entry independent",
    }
}

/// Aligned lines: the first term, then `= term   [justification]`.
pub fn steps_lines(steps: &[StepReport]) -> Vec<String> {
    let width = steps
        .iter()
        .map(|s| s.expr.chars().count())
        .max()
        .unwrap_or(0);
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let lead = if i == 0 { "  " } else { "= " };
            if s.justification.is_empty() {
                format!("{lead}{}", s.expr)
            } else {
                format!("{lead}{:<width$}   [{}]", s.expr, s.justification)
            }
        })
        .collect()
}

/// An `align*` block, one step a line with its rule as a `\text{}` note.
pub fn steps_latex(steps: &[StepReport]) -> String {
    let mut out = String::from("\\begin{align*}\n");
    for (i, s) in steps.iter().enumerate() {
        let lead = if i == 0 { "&" } else { "&= " };
        let why = s.justification.replace('_', "\\_");
        let note = if why.is_empty() {
            String::new()
        } else {
            format!(" && \\text{{{why}}}")
        };
        let end = if i + 1 < steps.len() { " \\\\" } else { "" };
        out.push_str(&format!("  {lead}{}{note}{end}\n", s.latex));
    }
    out.push_str("\\end{align*}");
    out
}
