//! The `matcalc` binary: flags in, text out, exit codes. All work is in the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
