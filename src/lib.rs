//! matcalc: matrix derivatives by the method of differentials, done mechanically and
//! checked numerically.
//!
//! An expression and its differential go into an [`egg`] e-graph; the identities are
//! rewrite rules in text files (`rules/*.rules`). A forward pass pushes `d` inward (one
//! differential rule per node), a collecting pass brings `d f` to `tr(C dX)` or
//! `J vec(dX)` (one collect rule per node, the adjoint way), and a budgeted equality
//! saturation finds the simplest equal form of `C`, the derivative in numerator layout.
//!
//! ```
//! use matcalc::{derive_request, Request, RuleSet};
//!
//! let rules = RuleSet::builtin().expect("the built-in rules load");
//! let mut req = Request::new("x'*A*x", "A: matrix(n,n); x: vector(n)", &["x"]);
//! req.check = true;
//! let answer = derive_request(&req, rules).expect("derives");
//! let r = &answer.reports[0];
//! assert_eq!(r.derivative, "x'*(A + A')");
//! assert!(r.check.as_ref().is_some_and(|c| c.ok));
//! ```
//!
//! See ARCHITECTURE.md for the modules and how data flows between them.

mod analysis;
mod api;
mod catalog;
mod clock;
mod engine;
mod env;
mod error;
mod input;
mod kind;
mod lang;
mod linalg;
mod numeric;
mod report;
mod research;
mod rules;
mod runner;
mod shape;
mod syntax;
mod typecheck;

pub use egg::{Id, RecExpr, Symbol};

pub use api::{derive_request, equiv_request, variables, Answer, Request};
pub use catalog::{read_catalog, read_line, BadLine, Case};
pub use engine::derive::{derive, Convention, Derivation, DeriveOptions, DeriveStats, Layout};
pub use engine::equiv::{equiv, Counterexample, EquivOptions, Equivalence, Verdict};
pub use engine::normal::{appearance, normalise, Appearance};
pub use engine::saturate::{Limits, RunStats, Stop};
pub use engine::steps::Step;
pub use env::{Env, VarInfo, VarKind};
pub use error::{Diagnostic, Error, Input, Report as ErrorReport, Span};
pub use input::{read_expr, read_exprs};
pub use kind::{derivative_shape, Form, Kind};
pub use lang::{shapes_of, Class, Const, Domain, Math, Number, Op, OpInfo, Text};
pub use numeric::{
    check_derivative, check_hessian, check_symmetric, eval, finite_difference,
    finite_difference_hessian, random_point, rel_err, try_random_point, CheckReport, EvalError,
    Mat, Point, CHECK_POINTS, CHECK_SEED, CHECK_TOLERANCE,
};
pub use report::{
    justification, show_json, steps_report, Binding, CheckSummary, CounterexampleReport,
    DerivationReport, EquivReport, Renderings, SearchStats, StatsReport, StepReport,
};
pub use research::{ablate, stats as rule_stats, totals as rule_totals, Need};
pub use rules::audit::{check_rule, compact, Verdict as RuleVerdict};
pub use rules::condition::CONDITIONS;
pub use rules::{Phase, Rule, RuleError, RuleSet};
pub use runner::{bad_line_row, run_case, summary, Expected, Row, RunOptions, Status};
pub use shape::{Dim, Shape};
pub use syntax::decls::is_builtin;
pub use syntax::latex::to_latex;
pub use syntax::numpy::to_numpy;
pub use syntax::text::{node_text, to_text, to_text_shared, SharedText, TextOptions};
pub use syntax::Names;
pub use typecheck::{Checked, Typed};
