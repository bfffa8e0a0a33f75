//! The layout rules of docs/architecture.md that a reader can check: no module of any crate
//! imports one that imports it back (directly or round a longer circle), and the binary's
//! entry point stays thin.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::root;

/// The modules of the crate whose sources are in `src`, by path (`plan`, `noark4::convert`),
/// each with its text, comments removed.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                parts.pop();
            }
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(parts.join("::"), text);
        }
    }
    out
}

/// Which modules each module names through `crate::` or `super::` (not its own parents or
/// children, which a module tree always links).
fn edges(modules: &BTreeMap<String, String>) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let related = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"));
    for (name, text) in modules {
        let targets = out.entry(name.as_str()).or_default();
        let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
        for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_string())] {
            for (at, _) in text.match_indices(prefix) {
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let path: String = text[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                // The longest module the path names.
                let found = (1..=segments.len()).rev().find_map(|k| {
                    let joined = segments[..k].join("::");
                    let full = if base.is_empty() { joined } else { format!("{base}::{joined}") };
                    modules.get_key_value(&full).map(|(k, _)| k.as_str())
                });
                if let Some(target) = found.filter(|t| !related(name, t)) {
                    targets.insert(target);
                }
            }
        }
    }
    out
}

/// A circle of modules, if there is one: Tarjan's strongly connected components.
fn circle<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        found: Option<Vec<&'a str>>,
    }
    fn visit<'a>(v: &'a str, edges: &BTreeMap<&'a str, BTreeSet<&'a str>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for &w in edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, edges, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 && s.found.is_none() {
                s.found = Some(component);
            }
        }
    }
    let mut s =
        State { index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), found: None };
    for &v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(v, edges, &mut s);
        }
    }
    s.found
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut sources = vec![root().join("src"), root().join("fixtures/src")];
    for entry in std::fs::read_dir(root().join("crates")).unwrap().flatten() {
        sources.push(entry.path().join("src"));
    }
    let mut crates = 0;
    for src in &sources {
        let modules = modules(src);
        assert!(!modules.is_empty(), "{} holds no modules", src.display());
        crates += 1;
        let edges = edges(&modules);
        assert_eq!(circle(&edges), None, "{}: these modules import each other in a circle", src.display());
    }
    assert!(crates >= 12, "only {crates} crates read");
}

/// The checker finds a circle where there is one (so the test above could fail).
#[test]
fn a_circle_is_found() {
    let modules: BTreeMap<String, String> = [
        ("plan", "use crate::run::join; use crate::job::Job;"),
        ("run", "fn f() { crate::report::html(); }"),
        ("report", "use crate::plan::Plan;"),
        ("job", "let x = 1; // crate::run in a comment is no import"),
        ("noark4::table", "use super::index::Index;"),
        ("noark4::index", "use crate::noark4::table::Rows;"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.lines().map(|l| l.split("//").next().unwrap()).collect::<String>()))
    .collect();
    let edges = edges(&modules);
    let mut found = circle(&edges).unwrap();
    found.sort();
    assert!(found == ["plan", "report", "run"] || found == ["noark4::index", "noark4::table"], "{found:?}");
    assert!(!edges["job"].contains("run"));
}

/// The binary's entry point parses, runs one command and maps its exit status.
#[test]
fn the_entry_point_is_thin() {
    let main = std::fs::read_to_string(root().join("src/main.rs")).unwrap();
    assert!(main.lines().count() < 150, "src/main.rs has {} lines", main.lines().count());
}
