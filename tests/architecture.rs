//! The architecture's one structural rule that a compiler does not check: the library's
//! top-level modules import each other without cycles (ARCHITECTURE.md), so each can be
//! understood, and tested, from the ones below it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its files name as `crate::…`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let src = stack[0].clone();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel.components().next().expect("a component");
            let top = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            // The binary and the crate root sit above every module.
            if matches!(top.as_str(), "main" | "lib" | "cli") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    out.entry(top.clone()).or_default().insert(name);
                }
            }
            out.entry(top).or_default();
        }
    }
    out
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = imports();
    assert!(graph.len() > 10, "{graph:?}");
    // Depth-first search: a module met again while still on the path closes a cycle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Result<(), Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Err(cycle);
        }
        if done.contains(m) {
            return Ok(());
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done)?;
        }
        path.pop();
        done.insert(m.to_string());
        Ok(())
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Err(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("modules import each other: {}", cycle.join(" → "));
        }
    }
}
