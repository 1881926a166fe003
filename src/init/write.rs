//! The files `init` writes: the commented `mcp-stack.yaml`, made from the typed answers with
//! every value quoted where YAML needs it, and the JSON Schema beside it for editors.

use super::answers::{Answers, From};
use super::names::spelled;
use crate::config::schema::json_schema;
use serde::Serialize;

/// The schema file `init` writes beside the config; the config's first line points at it.
pub const SCHEMA_FILE: &str = "mcp-stack.schema.json";

const TEMPLATE: &str = include_str!("mcp-stack.yaml.j2");

/// The JSON Schema as `mcpstack schema` prints it.
pub fn schema_text() -> String {
    let text = serde_json::to_string_pretty(&json_schema()).expect("a JSON value serialises");
    format!("{text}\n")
}

#[derive(Serialize)]
struct Doc {
    schema: String,
    title: String,
    output: String,
    name: String,
    domain: String,
    tls: Tls,
    auth: String,
    servers: Vec<ServerDoc>,
    monitoring: String,
}

#[derive(Serialize)]
struct Tls {
    mode: String,
    email: Option<String>,
    cert: Option<String>,
    key: Option<String>,
}

#[derive(Serialize)]
struct ServerDoc {
    key: String,
    notes: Vec<String>,
    build: Option<String>,
    runtime: String,
    image: Option<String>,
    package: Option<String>,
    args: Option<String>,
    transport: String,
    command: Option<String>,
    port: i64,
    path: String,
    endpoint: Option<String>,
    env: Vec<(String, String)>,
    secrets: Option<String>,
}

/// The text of `mcp-stack.yaml` for `a`. Every value is a YAML scalar that reads back as the
/// same string; the caller parses the text again and compares before writing it.
pub fn config_text(a: &Answers, output: &str) -> String {
    let q = |s: &str| scalar(s, false);
    let doc = Doc {
        schema: SCHEMA_FILE.into(),
        title: comment(&format!("`{}`", a.name)),
        output: comment(output),
        name: q(&a.name),
        domain: q(&a.domain),
        tls: Tls {
            mode: spelled(&a.tls.mode),
            email: a.tls.email.as_deref().map(q),
            cert: a.tls.cert.as_deref().map(q),
            key: a.tls.key.as_deref().map(q),
        },
        auth: spelled(&a.auth),
        servers: a
            .servers
            .iter()
            .map(|s| ServerDoc {
                key: q(&s.name),
                notes: s.notes.iter().map(|n| comment(n)).collect(),
                build: s.build_value().as_deref().map(q),
                runtime: match &s.from {
                    From::Build { runtime, .. } => spelled(runtime),
                    From::Image(_) | From::Package(_) => String::new(),
                },
                image: match &s.from {
                    From::Image(i) => Some(q(i)),
                    _ => None,
                },
                package: match &s.from {
                    From::Package(p) => Some(q(p)),
                    _ => None,
                },
                args: (!s.args.is_empty()).then(|| flow_list(&s.args)),
                transport: spelled(&s.transport),
                command: s.command.as_ref().map(|c| flow_list(c)),
                port: s.port.unwrap_or(super::answers::DEFAULT_PORT),
                path: q(&s.path),
                endpoint: s.endpoint.as_deref().map(q),
                env: s.env.iter().map(|(k, v)| (q(k), q(v))).collect(),
                secrets: (!s.secrets.is_empty()).then(|| flow_list(&s.secrets)),
            })
            .collect(),
        monitoring: a.monitoring.to_string(),
    };
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Values arrive quoted for YAML already; the template adds nothing to them.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_template("init", TEMPLATE)
        .expect("the init template parses");
    env.get_template("init")
        .and_then(|t| t.render(minijinja::Value::from_serialize(&doc)))
        .expect("the init template renders typed data")
}

/// `[a, b, "c d"]`.
fn flow_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| scalar(s, true)).collect();
    format!("[{}]", items.join(", "))
}

/// `s` as a YAML scalar: plain when that reads back as the same string, else double-quoted
/// (a JSON string is a valid YAML double-quoted scalar). In a flow list, `:` is quoted too.
pub fn scalar(s: &str, in_flow: bool) -> String {
    let safe_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./@+".contains(c) || (c == ':' && !in_flow));
    let safe_start = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || "/_.".contains(c))
        || (s.starts_with('-')
            && s.trim_start_matches('-')
                .starts_with(|c: char| c.is_ascii_alphanumeric()));
    let reads_back = || {
        matches!(serde_yaml::from_str::<serde_yaml::Value>(s),
            Ok(serde_yaml::Value::String(v)) if v == s)
    };
    if safe_chars && safe_start && !s.ends_with(':') && reads_back() {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// A YAML double-quoted scalar: everything that is not plainly printable is escaped, including
/// the characters YAML 1.1 reads as line breaks (NEL, LS, PS) and a byte-order mark.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn printable(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// Text for a `#` comment: one line, printable characters only (no line breaks of any kind).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if printable(c) { c } else { ' ' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back_as_the_same_string() {
        let cases = [
            "plain",
            "-m",
            "main_server",
            "ghcr.io/x/y:1.2",
            "true",
            "yes",
            "null",
            "~",
            "1.0",
            "0x1f",
            ".inf",
            "a: b",
            "a #b",
            "#x",
            "[x]",
            "{x}",
            "a,b",
            "'q'",
            "\"dq\"",
            "x\ny",
            "tab\there",
            "",
            " lead",
            "trail ",
            "*alias",
            "&anchor",
            "!tag",
            "%dir",
            "@at",
            "`tick`",
            "|",
            ">",
            "---",
            "--x",
            "-",
            "- x",
            "...",
            "ünï",
            "k:",
            "\u{7f}",
            "nel\u{85}x",
            "ls\u{2028}x",
            "\u{feff}bom",
            "nul\0",
            "emoji 🦀",
            "back\\slash",
        ];
        for s in cases {
            for flow in [false, true] {
                let text = if flow {
                    format!("v: [{}]\n", scalar(s, true))
                } else {
                    format!("v: {}\n", scalar(s, false))
                };
                let back: serde_yaml::Value = serde_yaml::from_str(&text)
                    .unwrap_or_else(|e| panic!("{s:?} as {text:?}: {e}"));
                let got = if flow { &back["v"][0] } else { &back["v"] };
                assert_eq!(got.as_str(), Some(s), "{s:?} as {text:?}");
            }
        }
        assert_eq!(scalar("python", true), "python");
        assert_eq!(scalar("-m", true), "-m");
        assert_eq!(scalar("--port", true), "--port");
        assert_eq!(scalar("/main/", false), "/main/");
        assert_eq!(scalar("./servers/main", false), "./servers/main");
        assert_eq!(scalar(".inf", false), "\".inf\"");
        assert_eq!(scalar("true", false), "\"true\"");
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb\rc\u{2028}d\u{85}e"), "a b c d e");
    }
}
