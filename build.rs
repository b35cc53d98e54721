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
            let list = |v: &[String]| {
                let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
                format!("&[{}]", items.join(", "))
            };
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
                list(&r.lhs_heads),
                list(&r.rhs_heads),
            );
        }
        let _ = writeln!(out, "];");
        let _ = writeln!(arms, "        {family:?} => INDEX_{k},");
    }
    let _ = writeln!(
        out,
        "/// The scanned rules of the built-in file of `family` (none for another name).\n#[allow(non_snake_case)]\nfn INDEX_OF(family: &str) -> &'static [IndexEntry] {{\n    match family {{\n{arms}        _ => &[],\n    }}\n}}"
    );
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_index.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
