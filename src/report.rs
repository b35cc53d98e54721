//! The report of a derivation: every rendering of the derivative and how it was found,
//! as one serde type. The command line's JSON is this type serialised; its text, LaTeX
//! and NumPy outputs, the batch rows, the tests and the Python bindings all read it.

use serde::{Deserialize, Serialize};

use crate::engine::derive::{simplification_note, Derivation, Layout};
use crate::engine::steps::Step;
use crate::env::Env;
use crate::numeric::CheckReport;
use crate::rules::{base_name, RuleSet};
use crate::shape::Shape;
use crate::syntax::latex::{to_latex, to_latex_named};
use crate::syntax::numpy::{to_numpy, to_numpy_named};
use crate::syntax::text::{node_text, to_text, to_text_named, TextOptions};
use crate::syntax::Names;

/// A named intermediate of a printed derivative (`where h1 = …`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub name: String,
    pub text: String,
}

/// What the search did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    /// Nodes of the derivation graph (f, d f and the coefficients).
    pub nodes: usize,
    pub forward_steps: usize,
    pub collect_steps: usize,
    pub derive_ms: f64,
    pub simplify_nodes: usize,
    pub simplify_iterations: usize,
    pub simplify_stop: String,
    /// Milliseconds of the whole derivation (passes and presentation search).
    pub ms: f64,
    /// Set when a limit ended the presentation search: the form is correct but may not
    /// be the simplest.
    pub note: Option<String>,
    /// Every rule applied (directed passes and presentation search), by identity.
    pub rules: indexmap::IndexMap<String, usize>,
    /// Ill-shaped nodes the analysis saw: always 0 unless there is a bug.
    pub ill_shaped: usize,
}

/// The numeric check against central finite differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSummary {
    pub points: usize,
    pub max_rel_err: f64,
    pub ok: bool,
}

impl From<CheckReport> for CheckSummary {
    fn from(r: CheckReport) -> CheckSummary {
        CheckSummary {
            points: r.points,
            max_rel_err: r.max_rel_err,
            ok: r.passed(),
        }
    }
}

/// One line of `--steps` or of a proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    pub expr: String,
    pub latex: String,
    /// The identity applied (its base name; `backward` says right to left).
    pub rule: Option<String>,
    pub backward: bool,
    pub reference: Option<String>,
    /// Bookkeeping rules folded into this step.
    pub folded: Vec<String>,
    /// `rule (right to left), reference; via folded…`, as printed.
    pub justification: String,
}

/// A derivative and everything printed about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivationReport {
    pub expr: String,
    /// The variable (one name), or two for a mixed second-order block.
    pub wrt: Vec<String>,
    /// `scalar-by-matrix` and the like.
    pub kind: String,
    pub layout: String,
    /// 1 for a derivative, 2 for a Hessian block.
    pub order: u8,
    /// For a symmetric variable: `sym`, `entries` or `none`.
    pub convention: Option<String>,
    /// Rows and columns of the derivative.
    pub shape: [String; 2],
    /// The canonical differential with the derivative in it (`tr(C*dX)`, `J*vec(dX)`).
    pub differential: String,
    /// The derivative as text, self-contained (reads back).
    pub derivative: String,
    /// The derivative with its large repeated subterms named (see `bindings`).
    pub derivative_shared: String,
    pub bindings: Vec<Binding>,
    pub latex: String,
    /// A Python expression over `np` and the inputs, or `None` if there is none.
    pub numpy: Option<String>,
    /// The `--let` declarations the texts read back under.
    pub decls: String,
    pub stats: StatsReport,
    pub check: Option<CheckSummary>,
    pub steps: Option<Vec<StepReport>>,
}

/// Which texts a report renders. Printing is most of the cost of a large answer (the
/// self-contained text of a deep network's gradient repeats every activation), so a
/// caller that shows one format asks for that one; the shared text is always there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renderings {
    /// `derivative` and `differential`, self-contained (empty when off).
    pub self_contained: bool,
    /// `latex` (empty when off).
    pub latex: bool,
    /// `numpy` (`None` when off).
    pub numpy: bool,
}

impl Renderings {
    /// Every text: what JSON, batch and the library's callers get.
    pub const ALL: Renderings = Renderings {
        self_contained: true,
        latex: true,
        numpy: true,
    };
    /// Only `derivative_shared` and `bindings` (the text format prints those).
    pub const SHARED: Renderings = Renderings {
        self_contained: false,
        latex: false,
        numpy: false,
    };
}

impl Default for Renderings {
    fn default() -> Renderings {
        Renderings::ALL
    }
}

impl DerivationReport {
    /// The report of `d`, a derivative of the expression `expr` (as the user wrote it),
    /// with the texts `render` asks for; `decls` is `env.decls_text()`, worked out once
    /// for all the derivatives, and `names` the names of shared subterms, one for all
    /// the derivatives shown together (so that `h1` means one thing in all of them).
    #[allow(clippy::too_many_arguments)] // the derivation, its context, and the texts
    pub fn new(
        expr: &str,
        d: &Derivation,
        env: &Env,
        decls: &str,
        rules: &RuleSet,
        layout: Layout,
        ms: f64,
        render: Renderings,
        names: &Names,
    ) -> DerivationReport {
        let opts = |share| TextOptions {
            root: Some(d.shape),
            share,
        };
        let shared = to_text_named(&d.derivative, env, opts(true), names);
        let stats = &d.stats;
        DerivationReport {
            expr: expr.to_string(),
            wrt: vec![d.wrt.to_string()],
            kind: d.kind.to_string(),
            layout: match layout {
                Layout::Numerator => "numerator",
                Layout::Denominator => "denominator",
            }
            .to_string(),
            order: 1,
            convention: d.convention.map(|c| c.name().to_string()),
            shape: shape_pair(d.shape),
            differential: if render.self_contained {
                node_text(&d.differential, env)
            } else {
                String::new()
            },
            derivative: if render.self_contained {
                to_text(&d.derivative, env, opts(false))
            } else {
                String::new()
            },
            derivative_shared: shared.body.clone(),
            bindings: shared
                .bindings
                .iter()
                .map(|(name, text)| Binding {
                    name: name.clone(),
                    text: text.clone(),
                })
                .collect(),
            latex: if render.latex {
                to_latex_named(&d.derivative, env, true, names)
            } else {
                String::new()
            },
            numpy: if render.numpy {
                to_numpy_named(&d.derivative, env, true, names).ok()
            } else {
                None
            },
            decls: decls.to_string(),
            stats: StatsReport {
                nodes: stats.nodes,
                forward_steps: stats.forward_steps,
                collect_steps: stats.collect_steps,
                derive_ms: round3(stats.derive_ms),
                simplify_nodes: stats.simplify.nodes,
                simplify_iterations: stats.simplify.iterations,
                simplify_stop: stats.simplify.stop.to_string(),
                ms: round3(ms),
                note: simplification_note(&stats.simplify.stop),
                rules: rules_applied(stats),
                ill_shaped: stats.ill_shaped,
            },
            check: None,
            steps: d.steps.as_ref().map(|s| steps_report(s, env, rules)),
        }
    }

    /// The derivative as text with its definitions (`… where h1 = …`), as printed.
    pub fn text(&self) -> String {
        // With nothing named, the shared text is the self-contained one (which a
        // report may not have rendered, see `Renderings`).
        if self.bindings.is_empty() {
            return self.derivative_shared.clone();
        }
        let defs: Vec<String> = self
            .bindings
            .iter()
            .map(|b| format!("{} = {}", b.name, b.text))
            .collect();
        format!("{} where {}", self.derivative_shared, defs.join("; "))
    }
}

/// The rules a derivation applied, by identity (`-rev` folded in), sorted.
fn rules_applied(stats: &crate::engine::derive::DeriveStats) -> indexmap::IndexMap<String, usize> {
    let mut out: indexmap::IndexMap<String, usize> = indexmap::IndexMap::new();
    for (name, n) in stats.applied.iter().chain(&stats.simplify.applied) {
        if *n > 0 {
            *out.entry(base_name(name)).or_default() += n;
        }
    }
    out.sort_keys();
    out
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// A shape as `["m", "n"]`.
pub fn shape_pair(s: Shape) -> [String; 2] {
    [s.rows.to_string(), s.cols.to_string()]
}

/// Steps whose printed term repeats the previous one add nothing to a reader: they are
/// merged into it.
pub fn steps_report(steps: &[Step], env: &Env, rules: &RuleSet) -> Vec<StepReport> {
    let mut merged: Vec<Step> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for s in steps {
        let text = node_text(&s.expr, env);
        match (merged.last_mut(), texts.last()) {
            (Some(prev), Some(t)) if *t == text => {
                prev.folded.extend(s.rule.iter().map(|r| base_name(r)));
                prev.folded.extend(s.folded.iter().cloned());
            }
            _ => {
                merged.push(s.clone());
                texts.push(text);
            }
        }
    }
    merged
        .iter()
        .zip(texts)
        .map(|(s, expr)| StepReport {
            latex: to_latex(&s.expr, env, false),
            expr,
            rule: s.rule.as_deref().map(base_name),
            backward: s.backward || s.rule.as_deref().is_some_and(|r| r.ends_with("-rev")),
            reference: s
                .rule
                .as_deref()
                .and_then(|r| rules.get(r))
                .and_then(|r| r.reference.clone()),
            folded: s.folded.clone(),
            justification: justification(s, rules),
        })
        .collect()
}

/// `rule (right to left), reference` for a step, with folded bookkeeping after `via`.
pub fn justification(step: &Step, rules: &RuleSet) -> String {
    let mut out = String::new();
    if let Some(rule) = &step.rule {
        out.push_str(&base_name(rule));
        if step.backward || rule.ends_with("-rev") {
            out.push_str(" (right to left)");
        }
        if let Some(reference) = rules.get(rule).and_then(|r| r.reference.as_ref()) {
            out.push_str(&format!(", {reference}"));
        }
    }
    let mut seen: Vec<&String> = Vec::new();
    for f in &step.folded {
        if !seen.contains(&f) && step.rule.as_ref() != Some(f) {
            seen.push(f);
        }
    }
    if !seen.is_empty() {
        if !out.is_empty() {
            out.push_str("; ");
        }
        let list: Vec<&str> = seen.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!("via {}", list.join(", ")));
    }
    out
}

/// Values at which two sides differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterexampleReport {
    /// Every variable's value, as rows (at most the top left
    /// `COUNTEREXAMPLE_CORNER`² entries of each).
    pub values: indexmap::IndexMap<String, Vec<Vec<f64>>>,
    pub left: Vec<Vec<f64>>,
    pub right: Vec<Vec<f64>>,
    pub rel_err: f64,
    /// Whether some value is larger than what is shown.
    #[serde(default)]
    pub truncated: bool,
}

/// The corner of each value a counterexample shows: a 2000×2000 inverse would print
/// four million numbers.
pub const COUNTEREXAMPLE_CORNER: usize = 6;

fn corner(m: &crate::numeric::Mat) -> Vec<Vec<f64>> {
    let k = COUNTEREXAMPLE_CORNER;
    (0..m.nrows().min(k))
        .map(|i| (0..m.ncols().min(k)).map(|j| m[(i, j)]).collect())
        .collect()
}

/// What the proof search did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchStats {
    pub nodes: usize,
    pub classes: usize,
    pub iterations: usize,
    pub stop: String,
    pub ms: f64,
}

/// The verdict on two expressions, and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquivReport {
    pub left: String,
    pub right: String,
    /// `equal`, `not equal` or `unknown`.
    pub verdict: String,
    /// For `equal`: the chain of rules from the left side to the right one.
    pub proof: Option<Vec<StepReport>>,
    /// For `not equal` at a point.
    pub counterexample: Option<CounterexampleReport>,
    /// For `not equal` by shape: the two shapes.
    pub shapes: Option<[[String; 2]; 2]>,
    /// For `unknown`: the random points where the sides agree.
    pub points: Option<usize>,
    pub stats: Option<SearchStats>,
    /// For `equal` without a written proof: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl EquivReport {
    /// The exit code of `matcalc equiv`: 0 equal, 1 not equal, 3 unknown.
    pub fn exit_code(&self) -> i32 {
        match self.verdict.as_str() {
            "equal" => 0,
            "not equal" => 1,
            _ => 3,
        }
    }

    pub fn new(
        left: &str,
        right: &str,
        e: &crate::engine::equiv::Equivalence,
        env: &Env,
        rules: &RuleSet,
    ) -> EquivReport {
        use crate::engine::equiv::Verdict;
        let mut r = EquivReport {
            left: left.to_string(),
            right: right.to_string(),
            verdict: String::new(),
            proof: None,
            counterexample: None,
            shapes: None,
            points: None,
            note: e.note.clone(),
            stats: e.stats.as_ref().map(|s| SearchStats {
                nodes: s.nodes,
                classes: s.classes,
                iterations: s.iterations,
                stop: s.stop.to_string(),
                ms: round3(s.ms),
            }),
        };
        match &e.verdict {
            Verdict::Equal { proof } => {
                r.verdict = "equal".into();
                if !proof.is_empty() {
                    r.proof = Some(steps_report(proof, env, rules));
                }
            }
            Verdict::NotEqual { counterexample: c } => {
                r.verdict = "not equal".into();
                let big =
                    |m: &crate::numeric::Mat| m.nrows().max(m.ncols()) > COUNTEREXAMPLE_CORNER;
                r.counterexample = Some(CounterexampleReport {
                    values: c
                        .point
                        .values
                        .iter()
                        .map(|(k, m)| (k.to_string(), corner(m)))
                        .collect(),
                    left: corner(&c.left),
                    right: corner(&c.right),
                    rel_err: c.rel_err,
                    truncated: c.point.values.values().chain([&c.left, &c.right]).any(big),
                });
            }
            Verdict::DifferentShapes { left, right } => {
                r.verdict = "not equal".into();
                r.shapes = Some([shape_pair(*left), shape_pair(*right)]);
            }
            Verdict::Unknown { points, .. } => {
                r.verdict = "unknown".into();
                r.points = Some(*points);
            }
        }
        r
    }
}

/// What `show` reports of a read expression, as JSON: its text, shape, LaTeX and NumPy
/// spellings, the declarations and every name's kind and shape, and the warnings.
pub fn show_json(checked: &crate::typecheck::Checked) -> serde_json::Value {
    // `show` reads one expression, so there is one typed tree.
    let (typed, env) = (&checked.typed[0], &checked.env);
    let names: serde_json::Map<String, serde_json::Value> = env
        .vars
        .iter()
        .map(|(name, info)| {
            (
                name.to_string(),
                serde_json::json!({
                    "kind": info.kind.name(),
                    "shape": [info.shape.rows.to_string(), info.shape.cols.to_string()],
                    "declared": info.declared,
                }),
            )
        })
        .collect();
    let text = to_text(
        &typed.expr,
        env,
        TextOptions {
            root: None,
            share: true,
        },
    );
    serde_json::json!({
        "expr": text,
        "shape": [typed.shape.rows.to_string(), typed.shape.cols.to_string()],
        "latex": to_latex(&typed.expr, env, true),
        "numpy": to_numpy(&typed.expr, env, true).ok(),
        "decls": env.decls_text(),
        "names": names,
        "warnings": checked.warnings,
    })
}
