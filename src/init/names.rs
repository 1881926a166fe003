//! Names made from folder names: DNS labels, unique within the config.

use std::collections::BTreeSet;

/// `My_Weather Server` → `my-weather-server`; empty when nothing usable is left.
pub fn label(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(63);
    out.trim_end_matches('-').to_string()
}

/// A label from `text`, or `fallback` when nothing usable is left.
pub fn label_from(text: &str, fallback: &str) -> String {
    let l = label(text);
    if l.is_empty() {
        fallback.to_string()
    } else {
        l
    }
}

/// `name`, or `name-2`, `name-3`... whichever is not taken yet (and takes it). A taken name that
/// is reserved by mcpstack (`gateway`) becomes `gateway-mcp` first.
pub fn unique(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut base = name.to_string();
    if taken.contains(&base) && crate::config::validate::RESERVED.contains(&name) {
        base = format!("{name}-mcp");
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) || candidate.ends_with("-dev") {
        let suffix = format!("-{n}");
        let mut stem = base.trim_end_matches("-dev").to_string();
        stem.truncate(63 - suffix.len());
        candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// The config's spelling of an enum value: `streamable-http`, `python`, `acme`.
pub fn spelled<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(label("My_Weather Server"), "my-weather-server");
        assert_eq!(label("--x--"), "x");
        assert_eq!(label("___"), "");
        assert_eq!(label("Ünïcode"), "n-code");
        assert_eq!(label(&"a".repeat(80)).len(), 63);
        assert_eq!(label_from("__", "server"), "server");
    }

    #[test]
    fn unique_names() {
        let mut taken = BTreeSet::from(["gateway".to_string()]);
        assert_eq!(unique("weather", &mut taken), "weather");
        assert_eq!(unique("weather", &mut taken), "weather-2");
        assert_eq!(unique("gateway", &mut taken), "gateway-mcp");
        assert_eq!(unique("api-dev", &mut taken), "api-2");
    }
}
