//! `matcalc batch`: every case of a catalog through the library's case runner, on all
//! cores, rendered as a table (markdown, LaTeX) or rows (JSON, JSON Lines).

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::args::{BatchArgs, BatchFormat};
use super::output::raw;
use matcalc::{
    bad_line_row, read_catalog, run_case, summary, Error, Expected, Row, RunOptions, Status,
};

pub fn run(a: &BatchArgs) -> Result<i32, Error> {
    let text = std::fs::read_to_string(&a.file)
        .map_err(|e| Error::plain(format!("cannot read {}: {e}", a.file.display())))?;
    let rules = super::load_rules(a.engine.rules.as_deref())?;
    rules.check_names(&a.engine.without).map_err(Error::plain)?;
    let opts = RunOptions {
        derive: super::derive_options(&a.engine, a.layout, a.symmetric),
        equiv: super::equiv_options(&a.engine),
    };
    let lines = read_catalog(&text);

    // Threads beyond the machine's cores only add overhead (and can fail to start).
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let jobs = a.jobs.unwrap_or(cores).clamp(1, cores);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(super::STACK_BYTES / 4)
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the worker threads: {e}")))?;

    let progress = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(lines.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {elapsed} {msg}")
        {
            pb.set_style(style);
        }
        pb
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let rows: Vec<Row> = pool.install(|| {
        lines
            .par_iter()
            .map(|entry| {
                let row = match entry {
                    Ok(case) => run_case(case, &rules, &opts),
                    Err(bad) => bad_line_row(bad),
                };
                progress.inc(1);
                row
            })
            .collect()
    });
    progress.finish_and_clear();
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;

    let summary = summary(&rows, wall_ms);
    let out = match a.format {
        BatchFormat::Markdown => format!("{}\n{summary}\n", markdown(&rows)),
        BatchFormat::Latex => format!("{}% {summary}\n", latex(&rows)),
        BatchFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        ),
        BatchFormat::Jsonl => rows
            .iter()
            .map(|r| format!("{}\n", serde_json::to_string(r).unwrap_or_default()))
            .collect(),
    };
    raw(&out);
    if matches!(a.format, BatchFormat::Json | BatchFormat::Jsonl) {
        eprintln!("{summary}");
    }
    // A failed or bad row fails the run (exit 1); bad input to the command itself (an
    // unreadable file) is exit 2, above. Each row carries its own exit class.
    Ok(if rows.iter().any(Row::failed) { 1 } else { 0 })
}

fn expected_word(e: Option<Expected>) -> &'static str {
    match e {
        None => "—",
        Some(Expected::Yes) => "yes",
        Some(Expected::No) => "no",
        Some(Expected::Unknown) => "unknown",
    }
}

/// A table cell: no line breaks, `|` escaped.
fn md_cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

/// An expression in a table cell: a code span (with a longer fence if it holds a backtick).
fn md_code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let fence = if s.contains('`') { "``" } else { "`" };
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", md_cell(s))
}

fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| id | f | wrt | derivative | shape | checked | expected | ms |\n");
    out.push_str("|---|---|---|---|---|---|---|---:|\n");
    for r in rows {
        let derivative = match (&r.derivative, r.status) {
            (Some(d), _) => md_code(d),
            (None, _) if r.verdict.is_some() => {
                let v = r.verdict.as_deref().unwrap_or("");
                match r.verdict_right {
                    Some(false) => {
                        format!("**{v}** (expected {})", r.expected.as_deref().unwrap_or(""))
                    }
                    _ => v.to_string(),
                }
            }
            (None, Status::BadInput) => format!(
                "**bad input:** {}",
                md_cell(r.error.as_deref().unwrap_or(""))
            ),
            (None, _) => format!("**failed:** {}", md_cell(r.error.as_deref().unwrap_or(""))),
        };
        let checked = match (r.checked, &r.derivative) {
            _ if r.is_identity => match r.verdict_right {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => "—".to_string(),
            },
            (true, _) => "yes".to_string(),
            (false, Some(_)) => format!("no ({})", md_cell(r.error.as_deref().unwrap_or(""))),
            (false, None) => "no".to_string(),
        };
        let mut expected = expected_word(r.expected_equal).to_string();
        if r.expected_equal == Some(Expected::No) {
            let why = r
                .counterexample
                .as_deref()
                .or(r.expected_note.as_deref())
                .unwrap_or("");
            expected = format!("no ({})", md_cell(why));
        }
        let shape = r
            .shape
            .as_ref()
            .map(|s| format!("{}×{}", s[0], s[1]))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {derivative} | {shape} | {checked} | {expected} | {:.0} |\n",
            md_cell(&r.id),
            md_code(&r.expr),
            md_code(&r.wrt),
            r.ms
        ));
    }
    out
}

/// Text for LaTeX's text mode.
fn tex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\n' | '\r' => out.push(' '),
            '—' => out.push_str("---"),
            _ => out.push(c),
        }
    }
    out
}

fn latex(rows: &[Row]) -> String {
    let mut out = String::from("% needs \\usepackage{longtable}\n");
    out.push_str("\\begin{longtable}{lllllr}\n");
    out.push_str("id & $f$ & wrt & derivative & checked & ms \\\\\n\\hline\n\\endhead\n");
    for r in rows {
        let derivative = match &r.latex {
            Some(l) => format!("${l}$"),
            None => format!("failed: {}", tex_escape(r.error.as_deref().unwrap_or(""))),
        };
        out.push_str(&format!(
            "{} & \\texttt{{{}}} & \\texttt{{{}}} & {derivative} & {} & {:.0} \\\\\n",
            tex_escape(&r.id),
            tex_escape(&r.expr),
            tex_escape(&r.wrt),
            if r.checked { "yes" } else { "no" },
            r.ms
        ));
    }
    out.push_str("\\end{longtable}\n");
    out
}
