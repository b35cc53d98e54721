//! Runs a fuzz target's oracle on saved inputs without libFuzzer (stable toolchain):
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --features replay --bin replay -- TARGET FILE_OR_DIR…
//! ```
//! Each file is one input; a directory means every file in it. A panic is reported
//! with the file's name and the process exits 1 (a stack overflow aborts, as in
//! libFuzzer).

use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(p: &Path) -> Vec<PathBuf> {
    if p.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    } else {
        vec![p.to_path_buf()]
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((target, paths)) = args.split_first() else {
        eprintln!("usage: replay parse_print|decls|derive|equiv|rules FILE_OR_DIR…");
        std::process::exit(2);
    };
    let (mut ran, mut failed) = (0usize, 0usize);
    let started = Instant::now();
    for p in paths {
        for f in files(Path::new(p)) {
            let data = std::fs::read(&f).unwrap_or_default();
            let t = Instant::now();
            let r = std::panic::catch_unwind(|| matcalc_fuzz::run(target, &data));
            ran += 1;
            match r {
                Ok(true) => {}
                Ok(false) => {
                    eprintln!("unknown target {target}");
                    std::process::exit(2);
                }
                Err(_) => {
                    failed += 1;
                    eprintln!("FAILED: {} ({:?})", f.display(), t.elapsed());
                }
            }
        }
    }
    eprintln!("{ran} inputs, {failed} failed, {:?}", started.elapsed());
    std::process::exit(if failed > 0 { 1 } else { 0 });
}
