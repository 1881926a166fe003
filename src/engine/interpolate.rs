//! Compose's variable syntax, the part mcpstack writes: `${NAME}`, `${NAME:?message}`,
//! `${NAME:-default}`, and `$$` for a literal `$`.

use anyhow::{bail, Result};
use std::collections::BTreeMap;

pub fn interpolate(s: &str, vars: &BTreeMap<String, String>) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or_else(|| anyhow::anyhow!("unclosed `${{` in `{s}`"))?;
            out.push_str(&expand(&body[..end], vars)?);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn expand(expr: &str, vars: &BTreeMap<String, String>) -> Result<String> {
    let value = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();
    if let Some((name, message)) = expr.split_once(":?") {
        match value(name) {
            Some(v) => Ok(v),
            None => bail!("{message}"),
        }
    } else if let Some((name, default)) = expr.split_once(":-") {
        Ok(value(name).unwrap_or_else(|| default.to_string()))
    } else {
        Ok(vars.get(expr).cloned().unwrap_or_default())
    }
}

/// The variables Compose would see: `env`, the text of `.env` beside the compose file (read by
/// the caller without following links), overridden by the process environment.
pub fn variables(env: Option<&str>) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    if let Some(text) = env {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                    .unwrap_or(v);
                vars.insert(k.trim().to_string(), v.to_string());
            }
        }
    }
    vars.extend(std::env::vars());
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_syntax() {
        let vars = BTreeMap::from([
            ("A".to_string(), "1".to_string()),
            ("E".into(), String::new()),
        ]);
        assert_eq!(interpolate("x${A}y", &vars).unwrap(), "x1y");
        assert_eq!(interpolate("$${A}", &vars).unwrap(), "${A}");
        assert_eq!(interpolate("${B:-d}", &vars).unwrap(), "d");
        assert_eq!(interpolate("${E:-d}", &vars).unwrap(), "d");
        assert_eq!(interpolate("${A:?no}", &vars).unwrap(), "1");
        assert_eq!(
            interpolate("${B:?B is not set}", &vars)
                .unwrap_err()
                .to_string(),
            "B is not set"
        );
        assert_eq!(interpolate("${B}", &vars).unwrap(), "");
    }
}
