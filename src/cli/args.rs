//! Raw flags, as clap reads them (SPEC §3). Every option says what it does in `--help`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "matcalc",
    version,
    about = "Matrix derivatives by the method of differentials, on an e-graph",
    long_about = "Matrix derivatives by the method of differentials: d f is pushed inward by \
                  differential rules, collected into tr(C dX) or J vec(dX) by collect rules, and \
                  the simplest equal form of C is found by equality saturation. Every identity is \
                  a rule in a text file; every answer can be checked against finite differences. \
                  `matcalc language` lists the expression language."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Each subcommand's arguments are built only when it is the one run (clap's `defer`):
// building every subcommand's was a quarter of `show x`'s instructions.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum Command {
    /// Print the parsed expression and its shape.
    Show(ShowArgs),
    /// Derive an expression with respect to one or more variables.
    Derive(DeriveArgs),
    /// Prove two expressions equal, refute them with a counterexample, or say unknown.
    Equiv(EquivArgs),
    /// Derive every case of a JSON Lines catalog, on all cores.
    Batch(BatchArgs),
    /// Inspect and audit the rule set.
    Rules(RulesArgs),
    /// The expression language: operators, functions, constants, names, layouts.
    Language,
}

// Settings every command that searches shares. (A plain comment: flattened into a
// deferred subcommand, a doc comment here would replace that subcommand's own about.)
#[derive(clap::Args, Debug, Clone)]
pub struct EngineArgs {
    /// A folder of *.rules files to use instead of the built-in set.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Rules to leave out, by name (comma-separated); `matcalc rules list` names them.
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub without: Vec<String>,
    /// Most e-graph nodes in one search for a simpler form or a proof.
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub node_limit: usize,
    /// Most iterations of one search.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub iter_limit: usize,
    /// Most milliseconds of one request: a derivation (every variable and phase, a
    /// whole Hessian) or a proof.
    #[arg(long, default_value_t = 5_000, value_name = "MS")]
    pub time_limit_ms: u64,
    /// Most matches of one rule applied in one iteration (egg's back-off scheduler bans
    /// a rule that exceeds it for a while): bounds the work inside an iteration.
    #[arg(long, default_value_t = 2_000, value_name = "N")]
    pub match_limit: usize,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Text that reads back as input.
    Text,
    /// LaTeX math.
    Latex,
    /// A Python expression over `np` and the inputs.
    Numpy,
    /// One JSON object per derivative (see the README for the fields).
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    /// Rows follow the function, columns the variable (the method of differentials).
    Numerator,
    /// The transpose: a scalar's gradient has the variable's shape.
    Denominator,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymmetricArg {
    /// The symmetric C with df = tr(C dS) for symmetric dS: (G + G')/2.
    Sym,
    /// By the n(n+1)/2 independent entries (Cookbook §2.8): G + G' - diag(diag(G)).
    Entries,
    /// Every entry independent.
    None,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// The expression, e.g. "x'*A*x" (optionally `… where h = …`).
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// Declarations, e.g. "A: matrix(m,n); x: vector(n); s: scalar; S: symmetric(n)".
    #[arg(long = "let", default_value = "", value_name = "DECLS")]
    pub decls: String,
    /// How to print the expression.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct DeriveArgs {
    /// The expression to differentiate, e.g. "norm2(W*x + b)^2".
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// The variable(s), comma-separated; several are derived together.
    #[arg(long, value_delimiter = ',', required = true, value_name = "VAR,…")]
    pub wrt: Vec<String>,
    /// Declarations, e.g. "A: matrix(m,n); x: vector(n); s: scalar; S: symmetric(n)".
    #[arg(long = "let", default_value = "", value_name = "DECLS")]
    pub decls: String,
    /// Numerator layout (the method of differentials) or its transpose.
    #[arg(long, value_enum, default_value_t = LayoutArg::Numerator)]
    pub layout: LayoutArg,
    /// 1 for the derivative, 2 for the Hessian of a scalar (every block H_uv).
    #[arg(long, default_value_t = 1, value_name = "1|2")]
    pub order: u8,
    /// What the derivative by a symmetric variable means.
    #[arg(long, value_enum, default_value_t = SymmetricArg::Sym)]
    pub symmetric: SymmetricArg,
    /// How to print the derivative.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Check the result against central finite differences at random points.
    #[arg(long)]
    pub check: bool,
    /// Print the derivation step by step, each step naming its rule.
    #[arg(long)]
    pub steps: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquivFormat {
    /// The verdict and its proof or counterexample.
    Text,
    /// The proof as an align* block.
    Latex,
    /// One JSON object (see the README for the fields).
    Json,
}

#[derive(clap::Args, Debug)]
pub struct EquivArgs {
    /// The first expression.
    #[arg(allow_hyphen_values = true)]
    pub expr1: String,
    /// The second expression (read with the first: they share names and sizes).
    #[arg(allow_hyphen_values = true)]
    pub expr2: String,
    /// Declarations for both, e.g. "A: matrix(n,n); x: vector(n)".
    #[arg(long = "let", default_value = "", value_name = "DECLS")]
    pub decls: String,
    /// How to print the verdict.
    #[arg(long, value_enum, default_value_t = EquivFormat::Text)]
    pub format: EquivFormat,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchFormat {
    /// A table.
    Markdown,
    /// A longtable.
    Latex,
    /// One JSON array of rows.
    Json,
    /// One JSON row per line.
    Jsonl,
}

#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// JSON Lines: one case per line with `id`, `decls`, `expr`, `wrt`, optional
    /// `expected`, `order`, `symmetric`.
    pub file: PathBuf,
    /// How to print the rows.
    #[arg(long, value_enum, default_value_t = BatchFormat::Markdown)]
    pub format: BatchFormat,
    /// Worker threads (default: all cores; at most the machine's cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Layout of the derivatives.
    #[arg(long, value_enum, default_value_t = LayoutArg::Numerator)]
    pub layout: LayoutArg,
    /// What the derivative by a symmetric variable means (a case's own `symmetric` wins).
    #[arg(long, value_enum, default_value_t = SymmetricArg::Sym)]
    pub symmetric: SymmetricArg,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: RulesAction,
    /// A folder of *.rules files to use instead of the built-in set.
    #[arg(long, global = true, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Rules to leave out, by name (comma-separated).
    #[arg(long, value_delimiter = ',', global = true, value_name = "RULE,…")]
    pub without: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// Every rule: name, family, phase, identity, rewrite, conditions, reference.
    List,
    /// Check every rule numerically on random conforming matrices.
    Check,
    /// For a catalog: how often each rule fired, rules never used, each case's rules.
    Stats {
        /// A JSON Lines catalog, as for `batch`.
        file: PathBuf,
    },
    /// For a catalog: which cases stop deriving without each rule.
    Ablate {
        /// A JSON Lines catalog, as for `batch`.
        file: PathBuf,
    },
}
