//! Raw flags, as clap reads them (SPEC §3).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "matcalc",
    version,
    about = "Matrix derivatives by the method of differentials, on an e-graph"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
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
}

/// Settings every saturating command shares.
#[derive(clap::Args, Debug, Clone)]
pub struct EngineArgs {
    /// A folder of *.rules files to use instead of the built-in set.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Rules to leave out, by name (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub without: Vec<String>,
    /// Most e-graph nodes in one saturation.
    #[arg(long, default_value_t = 20_000)]
    pub node_limit: usize,
    /// Most iterations in one saturation.
    #[arg(long, default_value_t = 30)]
    pub iter_limit: usize,
    /// Most milliseconds for one saturation.
    #[arg(long, default_value_t = 5_000)]
    pub time_limit_ms: u64,
    /// Most matches of one rule applied in one iteration (egg's back-off scheduler
    /// bans a rule that exceeds it for a while): bounds the work inside an iteration.
    #[arg(long, default_value_t = 2_000)]
    pub match_limit: usize,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquivFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct EquivArgs {
    #[arg(allow_hyphen_values = true)]
    pub expr1: String,
    #[arg(allow_hyphen_values = true)]
    pub expr2: String,
    #[arg(long = "let", default_value = "")]
    pub decls: String,
    #[arg(long, value_enum, default_value_t = EquivFormat::Text)]
    pub format: EquivFormat,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchFormat {
    Markdown,
    Latex,
    Json,
    Jsonl,
}

#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// JSON Lines: one case per line with `id`, `decls`, `expr`, `wrt`, optional `expected`.
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = BatchFormat::Markdown)]
    pub format: BatchFormat,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: RulesAction,
    /// A folder of *.rules files to use instead of the built-in set.
    #[arg(long, global = true)]
    pub rules: Option<PathBuf>,
    /// Rules to leave out, by name (comma-separated).
    #[arg(long, value_delimiter = ',', global = true)]
    pub without: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// Every rule: name, family, identity, rewrite, conditions, reference.
    List,
    /// Check every rule numerically on random conforming matrices.
    Check,
    /// For a catalog: how often each rule fired, rules never used, each case's rules.
    Stats { file: PathBuf },
    /// For a catalog: which cases stop deriving without each rule.
    Ablate { file: PathBuf },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Latex,
    Numpy,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    Numerator,
    Denominator,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// The expression, e.g. "x'*A*x".
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// Declarations, e.g. "A: matrix(m,n); x: vector(n); s: scalar".
    #[arg(long = "let", default_value = "")]
    pub decls: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct DeriveArgs {
    /// The expression to differentiate.
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// The variable(s), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub wrt: Vec<String>,
    #[arg(long = "let", default_value = "")]
    pub decls: String,
    #[arg(long, value_enum, default_value_t = LayoutArg::Numerator)]
    pub layout: LayoutArg,
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
