//! The layers of `src/` (see `ARCHITECTURE.md`), kept by reading the source: a module imports
//! only from the layers below it and, inside the foundation and the shared services, from the
//! modules listed before it in its layer (so no two modules import each other); the features
//! never import one another, and moderation and privacy use only their ports (`model`,
//! `review`, `member_data`); every top-level module has a layer; only `db` can name a database
//! backend.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every top-level module of the library, with its layer; inside a layer, in the order in
/// which they may import one another (a module only from those before it).
const LAYERS: &[(&str, u8)] = &[
    // 1. foundation
    ("config", 1),
    ("telemetry", 1),
    ("db", 1),
    ("http", 1),
    ("auth", 1),
    ("app", 1),
    // 2. shared services
    ("relations", 2),
    ("notify", 2),
    ("queue", 2),
    ("modlog", 2),
    ("filters", 2),
    ("markdown", 2),
    // 3. features
    ("accounts", 3),
    ("forum", 3),
    ("trials", 3),
    ("messages", 3),
    // 4. moderation decisions
    ("moderation", 4),
    // 5. privacy rights
    ("privacy", 5),
    // 6. composition root
    ("server", 6),
];

/// The layer whose modules may not import one another.
const FEATURES: u8 = 3;
/// The composition root, which wires every feature's routes and may reach into any of them.
const ROOT: u8 = 6;
/// What the layers between the features and the root may use of a feature: its types and its
/// ports.
const PORTS: &[&str] = &["model", "review", "member_data"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// Where a module stands in [`LAYERS`].
fn rank(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|(m, _)| *m == module)
        .unwrap_or(usize::MAX)
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its path relative to `src/`.
fn rust_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(src_dir())
                .expect("under src/")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            out.push((relative, text));
        }
    }
}

/// The top-level module a file belongs to (`forum/store.rs` → `forum`, `queue.rs` → `queue`).
fn owner(relative: &str) -> &str {
    let first = relative.split('/').next().unwrap_or(relative);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The source without comments (doc comments may name any module) and without its unit tests
/// (`#[cfg(test)] mod tests` at the end of a file), which may set up data with any module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names through `crate::` paths, grouped imports
/// (`use crate::{a, b::c}`) included.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut names = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => names.push(std::mem::take(&mut item)),
                    _ => item.push(c),
                }
            }
            names.push(item);
            for name in names {
                let head: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !head.is_empty() {
                    found.insert(head);
                }
            }
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !head.is_empty() {
                found.insert(head);
            }
        }
    }
    found
}

/// The `feature::submodule` paths a piece of code names (`crate::forum::review` → `review`).
fn feature_paths<'a>(code: &'a str, feature: &str) -> Vec<&'a str> {
    let prefix = format!("crate::{feature}::");
    code.match_indices(&prefix)
        .filter_map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .collect()
}

/// Whether `code` names a backend of `db` (not diesel's `MultiBackend`).
fn names_a_backend(code: &str) -> bool {
    code.match_indices("Backend")
        .any(|(at, _)| !code[..at].ends_with("Multi"))
        || code.contains("backend_of")
}

/// The layer rules broken by one file.
fn violations(relative: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let module = owner(relative);
    let Some(own) = layer(module) else {
        return found;
    };
    let code = code_of(text);
    for imported in imports(&code) {
        let Some(theirs) = layer(&imported) else {
            continue;
        };
        if imported == module {
            continue;
        }
        if theirs > own {
            found.push(format!(
                "{relative}: `{module}` (layer {own}) imports `{imported}` (layer {theirs}) above it"
            ));
        } else if theirs == own && own == FEATURES {
            found.push(format!(
                "{relative}: the feature `{module}` imports the feature `{imported}`; go through a \
                 port in a lower layer or compose them above"
            ));
        } else if theirs == FEATURES && own > FEATURES && own < ROOT {
            for inner in feature_paths(&code, &imported) {
                if !PORTS.contains(&inner) {
                    found.push(format!(
                        "{relative}: `{module}` reaches into `{imported}::{inner}`; use the \
                         feature's ports ({})",
                        PORTS.join(", ")
                    ));
                }
            }
        } else if theirs == own && rank(&imported) > rank(module) {
            found.push(format!(
                "{relative}: `{module}` imports `{imported}`, which comes after it in layer {own} \
                 (and may import it)"
            ));
        }
    }
    if module != "db" && names_a_backend(&code) {
        found.push(format!(
            "{relative}: names a database backend; only `db` may (put the SQL that differs there)"
        ));
    }
    found
}

#[test]
fn every_module_imports_only_from_its_layer_or_below() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    assert!(files.len() > 50, "found only {} files in src/", files.len());
    let broken: Vec<String> = files
        .iter()
        .flat_map(|(relative, text)| violations(relative, text))
        .collect();
    assert!(
        broken.is_empty(),
        "layer rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("src/lib.rs");
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .filter_map(|rest| rest.strip_suffix(';'))
        .collect();
    let layered: BTreeSet<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        declared, layered,
        "src/lib.rs and the layer table disagree; give a new module its layer here and in \
         ARCHITECTURE.md"
    );
}

#[test]
fn the_rules_catch_what_they_forbid() {
    let upward = violations("forum/service.rs", "use crate::moderation::review;\n");
    assert_eq!(upward.len(), 1, "{upward:?}");
    let grouped = violations("auth/policy.rs", "use crate::{db, server::openapi};\n");
    assert_eq!(grouped.len(), 1, "{grouped:?}");
    let sideways = violations("trials/store.rs", "let x = crate::forum::model::X;\n");
    assert_eq!(sideways.len(), 1, "{sideways:?}");
    let backend = violations("forum/seed.rs", "match db::Backend::Sqlite {}\n");
    assert_eq!(backend.len(), 1, "{backend:?}");
    assert!(violations("forum/seed.rs", "MultiBackend\n").is_empty());
    assert!(violations("moderation/service.rs", "use crate::forum::review;\n").is_empty());
    assert!(violations("forum/store.rs", "// see crate::moderation\n").is_empty());
    let tests = "use crate::db;\n#[cfg(test)]\nmod tests {\n    use crate::server::x;\n}\n";
    assert!(violations("db/search.rs", tests).is_empty());
    assert!(violations("queue.rs", "use crate::db::schema::mod_items;\n").is_empty());
    let inside = violations("moderation/service.rs", "use crate::forum::store::posts;\n");
    assert_eq!(inside.len(), 1, "{inside:?}");
    assert!(violations("server/mod.rs", "use crate::forum::routes;\n").is_empty());
    let circle = violations("db/mod.rs", "use crate::app::AppState;\n");
    assert_eq!(circle.len(), 1, "{circle:?}");
    assert!(violations("app/mod.rs", "use crate::db::Db;\n").is_empty());
}
