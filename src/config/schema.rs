//! The JSON Schema of the configuration, generated from the same types the loader uses.

use super::location::{KeyPath, Seg};
use super::types::Config;
use serde_json::Value;

pub fn json_schema() -> Value {
    let mut schema = schemars::schema_for!(Config).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), Value::from("mcp-stack.yaml"));
        obj.insert(
            "description".into(),
            Value::from("mcpstack configuration, version 1"),
        );
    }
    forbid_unknown_keys(&mut schema);
    schema
}

/// Every object with fixed properties rejects other keys, as the loader does.
fn forbid_unknown_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for child in map.values_mut() {
                forbid_unknown_keys(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_unknown_keys),
        _ => {}
    }
}

/// The keys the schema allows in the mapping at `path`.
pub fn keys_at(schema: &Value, path: &KeyPath) -> Vec<String> {
    let mut node = schema;
    for seg in &path.0 {
        node = match object_at(schema, node) {
            Some(n) => n,
            None => return Vec::new(),
        };
        let next = match seg {
            Seg::Key(k) => node
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object())),
            Seg::Index(_) => node.get("items"),
        };
        node = match next {
            Some(n) => n,
            None => return Vec::new(),
        };
    }
    object_at(schema, node)
        .and_then(|n| n.get("properties"))
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Follows `$ref` and picks the object branch of `anyOf`/`oneOf` (as in `Option<T>`).
fn object_at<'a>(root: &'a Value, node: &'a Value) -> Option<&'a Value> {
    if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
        let name = r.rsplit('/').next()?;
        return object_at(root, root.get("$defs")?.get(name)?);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = node.get(key).and_then(|b| b.as_array()) {
            for b in branches {
                if let Some(found) = object_at(root, b) {
                    if found.get("properties").is_some()
                        || found.get("additionalProperties").is_some()
                        || found.get("items").is_some()
                    {
                        return Some(found);
                    }
                }
            }
        }
    }
    Some(node)
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

/// Every key path the configuration accepts, with `<name>` for user-chosen map keys,
/// e.g. `servers.<name>.transport`. The README's reference is checked against this list.
pub fn key_paths() -> Vec<String> {
    fn walk(root: &Value, node: &Value, prefix: &str, out: &mut Vec<String>) {
        let Some(node) = object_at(root, node) else {
            return;
        };
        if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(path.clone());
                walk(root, v, &path, out);
            }
        } else if let Some(extra) = node.get("additionalProperties").filter(|a| a.is_object()) {
            let inner = object_at(root, extra);
            if inner.is_some_and(|i| i.get("properties").is_some()) {
                walk(root, extra, &format!("{prefix}.<name>"), out);
            }
        }
    }
    let schema = json_schema();
    let mut out = Vec::new();
    walk(&schema, &schema, "", &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_keys_of_a_server() {
        let schema = json_schema();
        let keys = keys_at(&schema, &KeyPath::of(&["servers", "main"]));
        assert!(keys.contains(&"transport".to_string()), "{keys:?}");
        let keys = keys_at(&schema, &KeyPath::of(&["gateway", "tls"]));
        assert!(keys.contains(&"mode".to_string()), "{keys:?}");
        let keys = keys_at(&schema, &KeyPath::of(&["servers", "main", "dev"]));
        assert!(keys.contains(&"mount_source".to_string()), "{keys:?}");
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = vec!["transport".to_string(), "timeout".to_string()];
        assert_eq!(closest("trasport", &keys), Some("transport"));
        assert_eq!(closest("zzz", &keys), None);
    }
}
