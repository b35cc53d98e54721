//! Scans the built-in rule files (`rules/*.rules`) once, at build time, into a static
//! index (`$OUT_DIR/builtin_index.rs`, read by `src/rules/lazy.rs`): a process then
//! starts without reading them, and builds each rule when a search first needs it.
//! The scanner is the crate's own (`src/rules/scan.rs`, standard library only).

#[path = "src/rules/scan.rs"]
mod scan;

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/rules/scan.rs");
    let dir = std::path::Path::new("rules");
    let mut families: Vec<String> = std::fs::read_dir(dir)
        .expect("the rules folder is part of the crate")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().to_string()))
        .collect();
    families.sort();
    let mut out = String::new();
    let mut arms = String::new();
    // Every operator name a rule side uses, once: an entry lists its heads as indices
    // into this table, so a process resolves each name to its operator once, not once
    // per rule.
    let mut head_names: Vec<String> = Vec::new();
    for (k, family) in families.iter().enumerate() {
        let path = dir.join(format!("{family}.rules"));
        println!("cargo:rerun-if-changed={}", path.display());
        let src = std::fs::read_to_string(&path).expect("a rule file reads as UTF-8");
        // The same default as `parse::family_phase`.
        let first = if family == "simplify" {
            "simplify"
        } else {
            "prove"
        };
        let _ = writeln!(out, "static INDEX_{k}: &[IndexEntry] = &[");
        for r in scan::scan_rules(&src, first) {
            let mut list = |v: &[String]| {
                let mut items: Vec<usize> = v
                    .iter()
                    .map(|s| match head_names.iter().position(|h| h == s) {
                        Some(i) => i,
                        None => {
                            head_names.push(s.clone());
                            head_names.len() - 1
                        }
                    })
                    .collect();
                items.sort_unstable();
                items.dedup();
                let items: Vec<String> = items.iter().map(|i| i.to_string()).collect();
                format!("&[{}]", items.join(", "))
            };
            let (lhs, rhs) = (list(&r.lhs_heads), list(&r.rhs_heads));
            let comment: Vec<String> = r
                .comment
                .iter()
                .map(|(a, b)| format!("({a}, {b})"))
                .collect();
            let _ = writeln!(
                out,
                "    IndexEntry {{ name: {:?}, phase: {:?}, default_phase: {:?}, tidy: {}, reverse: {}, start: {}, end: {}, line: {}, comment: &[{}], lhs_heads: {}, rhs_heads: {} }},",
                r.name,
                r.phase,
                r.default_phase,
                r.tidy,
                r.reverse,
                r.start,
                r.end,
                r.line,
                comment.join(", "),
                lhs,
                rhs,
            );
        }
        let _ = writeln!(out, "];");
        let _ = writeln!(arms, "        {family:?} => INDEX_{k},");
    }
    let names: Vec<String> = head_names.iter().map(|s| format!("{s:?}")).collect();
    let _ = writeln!(
        out,
        "/// The operator names of the entries' heads.\nstatic HEAD_NAMES: &[&str] = &[{}];",
        names.join(", ")
    );
    let _ = writeln!(
        out,
        "/// The scanned rules of the built-in file of `family` (none for another name).\n#[allow(non_snake_case)]\nfn INDEX_OF(family: &str) -> &'static [IndexEntry] {{\n    match family {{\n{arms}        _ => &[],\n    }}\n}}"
    );
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_index.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
