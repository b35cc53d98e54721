//! Raw flags, as clap reads them (SPEC §3).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "matcalc", version, about = "Matrix derivatives by the method of differentials, on an e-graph")]
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
    /// Inspect and audit the rule set.
    Rules(RulesArgs),
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: RulesAction,
    /// A folder of *.rules files to use instead of the built-in set.
    #[arg(long, global = true)]
    pub rules: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// Every rule: name, family, identity, rewrite, conditions, reference.
    List,
    /// Check every rule numerically on random conforming matrices.
    Check,
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
}
