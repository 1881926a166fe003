//! The README's configuration reference is checked against the schema the loader uses.

use std::collections::BTreeSet;

fn reference_keys() -> BTreeSet<String> {
    let readme = include_str!("../README.md");
    let start = readme
        .find("## Configuration reference")
        .expect("reference section");
    let section = &readme[start..];
    let end = section[3..]
        .find("\n## ")
        .map(|i| i + 3)
        .unwrap_or(section.len());
    section[..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l[3..].split('`').next().unwrap().to_string())
        .collect()
}

#[test]
fn every_leaf_key_is_documented_and_every_documented_key_exists() {
    let all = mcpstack::config::schema::key_paths();
    let leaves: BTreeSet<String> = all
        .iter()
        .filter(|k| !all.iter().any(|o| o.starts_with(&format!("{k}."))))
        .cloned()
        .collect();
    let documented = reference_keys();
    let missing: Vec<_> = leaves.difference(&documented).collect();
    let unknown: Vec<_> = documented.iter().filter(|k| !all.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "keys missing from the README reference: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "README documents keys the config does not have: {unknown:?}"
    );
}
