//! Command-line front end: parse flags, call the library, print, choose the exit code
//! (0 success, 1 a derivation or check failed, 2 bad input; `equiv` adds 3 unknown).

mod args;
mod batch;
mod derive;
mod equiv;
mod language;
mod output;
mod rules_cmd;
mod show;

use std::time::Duration;

use clap::Parser;

use args::{Cli, Command, EngineArgs, LayoutArg, SymmetricArg};
use matcalc::{Convention, DeriveOptions, EquivOptions, Error, Layout, Limits, RuleSet};

/// The stack of the thread that does the work: the expression's tree is walked
/// recursively in places (checking, printing), to the depth the parser allows.
pub const STACK_BYTES: usize = 256 << 20;

pub fn run() -> i32 {
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(run_here)
        .ok()
        .and_then(|h| h.join().ok())
        .unwrap_or(101)
}

fn run_here() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help and version to stdout with code 0, usage errors with 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match &cli.command {
        Command::Show(a) => show::run(a),
        Command::Derive(a) => derive::run(a),
        Command::Rules(a) => rules_cmd::run(a),
        Command::Equiv(a) => equiv::run(a),
        Command::Batch(a) => batch::run(a),
        Command::Language => language::run(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", e.render());
            e.exit_code()
        }
    }
}

/// The active rule set: `--rules DIR` or the built-in one.
pub fn load_rules(
    dir: Option<&std::path::Path>,
) -> Result<std::borrow::Cow<'static, RuleSet>, Error> {
    let loaded = match dir {
        Some(d) => RuleSet::from_dir(d).map(std::borrow::Cow::Owned),
        None => RuleSet::builtin().map(std::borrow::Cow::Borrowed),
    };
    loaded.map_err(|errs| {
        let lines: Vec<String> = errs.iter().take(50).map(|e| e.to_string()).collect();
        let more = errs.len().saturating_sub(50);
        let tail = if more > 0 {
            format!("\n… and {more} more")
        } else {
            String::new()
        };
        Error::plain(format!(
            "the rule files have {} problem(s):\n{}{tail}",
            errs.len(),
            lines.join("\n")
        ))
    })
}

/// The search limits the flags set.
pub fn limits(e: &EngineArgs) -> Limits {
    Limits {
        nodes: e.node_limit,
        iterations: e.iter_limit,
        time: Duration::from_millis(e.time_limit_ms),
        match_limit: e.match_limit,
    }
}

/// Settings of a derivation from the shared flags: the presentation search is the
/// smaller of its own budget and the flags' limits.
pub fn derive_options(e: &EngineArgs, layout: LayoutArg, symmetric: SymmetricArg) -> DeriveOptions {
    let user = limits(e);
    let own = Limits::simplify();
    DeriveOptions {
        layout: match layout {
            LayoutArg::Numerator => Layout::Numerator,
            LayoutArg::Denominator => Layout::Denominator,
        },
        symmetric: match symmetric {
            SymmetricArg::Sym => Convention::Sym,
            SymmetricArg::Entries => Convention::Entries,
            SymmetricArg::None => Convention::None,
        },
        limits: Limits {
            nodes: own.nodes.min(user.nodes),
            iterations: own.iterations.min(user.iterations),
            time: own.time.min(user.time),
            match_limit: own.match_limit.min(user.match_limit),
        },
        time_limit: user.time,
        without: e.without.clone(),
        ..DeriveOptions::default()
    }
}

pub fn equiv_options(e: &EngineArgs) -> EquivOptions {
    EquivOptions {
        limits: limits(e),
        without: e.without.clone(),
        proof: true,
    }
}
