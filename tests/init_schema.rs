//! The JSON Schema `mcpstack schema` prints (and `init` writes beside the config) accepts every
//! example and every config `init` writes, and rejects what the loader rejects: unknown keys
//! and values of the wrong type or outside an enumeration.

mod common;
mod init_fixtures;
use common::*;
use serde_json::{json, Value};
use std::path::Path;

fn schema() -> jsonschema::Validator {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&["schema"], tmp.path());
    assert!(o.status.success());
    let schema: Value = serde_json::from_slice(&o.stdout).unwrap();
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn yaml_as_json(path: &Path) -> Value {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::to_value(yaml).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| e.to_string()).collect()
}

#[test]
fn accepts_every_example() {
    let v = schema();
    let mut seen = 0;
    for entry in std::fs::read_dir(examples()).unwrap() {
        let file = entry.unwrap().path().join("mcp-stack.yaml");
        if !file.is_file() {
            continue;
        }
        let doc = yaml_as_json(&file);
        assert!(
            v.is_valid(&doc),
            "{}: {:?}",
            file.display(),
            errors(&v, &doc)
        );
        seen += 1;
    }
    assert!(seen >= 3, "the examples were not found");
}

#[test]
fn accepts_what_init_writes() {
    let v = schema();
    let tmp = tempfile::tempdir().unwrap();
    init_fixtures::two_servers(tmp.path());
    let o = run(
        &[
            "init",
            "--yes",
            "--auth",
            "--monitoring",
            "--image",
            "t=mcp/t",
            "--server",
            "w=servers/weather",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let doc = yaml_as_json(&tmp.path().join("mcp-stack.yaml"));
    assert!(v.is_valid(&doc), "{:?}", errors(&v, &doc));
    // The file init writes beside the config is this schema.
    let written: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("mcp-stack.schema.json")).unwrap())
            .unwrap();
    assert!(jsonschema::validator_for(&written).unwrap().is_valid(&doc));
}

#[test]
fn rejects_unknown_keys_at_every_level() {
    let v = schema();
    let base = yaml_as_json(&examples().join("gateway/mcp-stack.yaml"));
    assert!(v.is_valid(&base));
    // Each unknown key, at the path of the mapping that holds it.
    let cases: [(&[&str], &str); 5] = [
        (&[], "servrs"),
        (&["gateway", "tls"], "mdoe"),
        (&["servers", "stream"], "trasport"),
        (&["servers", "stream", "dev"], "mount"),
        (&["monitoring", "grafana"], "admin_password"),
    ];
    for (at, key) in cases {
        let mut doc = base.clone();
        let mut node = &mut doc;
        for k in at {
            node = &mut node[*k];
        }
        node[key] = json!(true);
        let what = format!("{}.{key}", at.join("."));
        let errs = errors(&v, &doc);
        assert!(!errs.is_empty(), "an unknown key in {what} was accepted");
        assert!(
            errs.iter().any(|e| e.contains("Additional properties")
                || e.contains("additional properties")
                || e.contains("not expected")),
            "{what}: {errs:?}"
        );
    }
}

#[test]
fn rejects_wrong_types_and_values() {
    let v = schema();
    let base = yaml_as_json(&examples().join("spike/mcp-stack.yaml"));
    let cases: [(&[&str], Value); 4] = [
        (&["servers", "main", "transport"], json!("carrier-pigeon")),
        (&["servers", "main", "replicas"], json!("three")),
        (&["gateway", "tls", "mode"], json!("selfsigned")),
        (&["version"], json!("one")),
    ];
    for (keys, bad) in cases {
        let mut doc = base.clone();
        let mut node = &mut doc;
        for k in keys {
            node = &mut node[*k];
        }
        *node = bad.clone();
        assert!(!v.is_valid(&doc), "{keys:?} = {bad} was accepted");
    }
    let mut doc = base.clone();
    doc.as_object_mut().unwrap().remove("name");
    assert!(!v.is_valid(&doc), "a config without `name` was accepted");
}
