//! sluice-core is the pure decision layer: it must never depend, even transitively, on an
//! async runtime, a network or git client, a database or a Kubernetes client. This test reads
//! the resolved dependency graph from `cargo metadata` and fails when one creeps in.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

const FORBIDDEN: [&str; 9] = [
    "tokio",
    "gix",
    "git2",
    "octocrab",
    "rusqlite",
    "axum",
    "kube-client",
    "kube-runtime",
    "reqwest",
];

#[test]
fn sluice_core_depends_on_no_io_crates() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            // Only normal (non-dev, non-build) edges reach the library's users.
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    let root = names
        .iter()
        .find(|(_, name)| **name == "sluice-core")
        .map(|(id, _)| *id)
        .unwrap();

    let mut seen = BTreeSet::new();
    let mut stack = vec![(root, vec!["sluice-core"])];
    let mut violations = Vec::new();
    while let Some((id, path)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes.get(id).into_iter().flatten() {
            let name = names[dep];
            let mut next = path.clone();
            next.push(name);
            if FORBIDDEN.contains(&name) {
                violations.push(next.join(" -> "));
            }
            stack.push((dep, next));
        }
    }
    assert!(seen.len() > 10, "the graph walk found too little: {seen:?}");
    assert!(
        violations.is_empty(),
        "sluice-core must stay pure:\n{}",
        violations.join("\n")
    );
}
