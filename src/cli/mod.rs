//! Command-line front end: parse flags, call the library, print, choose the exit code
//! (0 success, 1 a derivation or check failed, 2 bad input; `equiv` adds 3 unknown).

mod args;
mod batch;
mod derive;
mod equiv;
mod json;
mod proof;
mod rules_cmd;
mod show;

use clap::Parser;

use std::time::Duration;

use args::{Cli, Command, EngineArgs};
use matcalc::engine::derive::DeriveOptions;
use matcalc::engine::saturate::Limits;
use matcalc::rules::RuleSet;
use matcalc::Error;

pub fn run() -> i32 {
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
pub fn load_rules(dir: Option<&std::path::Path>) -> Result<RuleSet, Error> {
    let loaded = match dir {
        Some(d) => RuleSet::from_dir(d),
        None => RuleSet::builtin(),
    };
    loaded.map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        Error::plain(format!(
            "the rule files have {} problem(s):\n{}",
            errs.len(),
            lines.join("\n")
        ))
    })
}

/// Limits and left-out rules from the shared flags.
pub fn derive_options(e: &EngineArgs) -> DeriveOptions {
    DeriveOptions {
        limits: Limits {
            nodes: e.node_limit,
            iterations: e.iter_limit,
            time: Duration::from_millis(e.time_limit_ms),
            match_limit: e.match_limit,
        },
        without: e.without.clone(),
        ..DeriveOptions::default()
    }
}
