//! Built-in templates, overridable file by file from a folder the config names.

use anyhow::{Context, Result};
use std::collections::BTreeMap;

const BUILTIN: &[(&str, &str)] = &[
    (
        "Dockerfile.python",
        include_str!("../../templates/Dockerfile.python.j2"),
    ),
    (
        "Dockerfile.node",
        include_str!("../../templates/Dockerfile.node.j2"),
    ),
    (
        "Dockerfile.bridge",
        include_str!("../../templates/Dockerfile.bridge.j2"),
    ),
    (
        "Dockerfile.pypi",
        include_str!("../../templates/Dockerfile.pypi.j2"),
    ),
    (
        "Dockerfile.npm",
        include_str!("../../templates/Dockerfile.npm.j2"),
    ),
    ("nginx.conf", include_str!("../../templates/nginx.conf.j2")),
    (
        "gateway-entrypoint.sh",
        include_str!("../../templates/gateway-entrypoint.sh.j2"),
    ),
];

/// The templates in use: built-in ones, with overrides read by the caller.
#[derive(Debug, Clone)]
pub struct Templates {
    /// Its loader holds the overrides and falls back to the built-in templates; minijinja's loader compiles each template the first time it is used and keeps it (a
    /// stack renders the same Dockerfile template once per server).
    env: minijinja::Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Templates::with_overrides(BTreeMap::new())
    }
}

impl Templates {
    /// Names a user may override, as `<name>.j2` files in the templates folder.
    pub fn names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    pub fn with_overrides(overrides: BTreeMap<String, String>) -> Self {
        let mut env = environment();
        env.set_loader(move |name| Ok(source(&overrides, name).map(str::to_string)));
        Templates { env }
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let template = self.env.get_template(name).map_err(|e| {
            if e.kind() == minijinja::ErrorKind::TemplateNotFound {
                anyhow::anyhow!("no template named {name}")
            } else {
                anyhow::Error::new(e).context(format!("template {name} is invalid"))
            }
        })?;
        let out = template
            .render(ctx)
            .with_context(|| format!("template {name} failed to render"))?;
        Ok(collapse_blank_lines(out))
    }
}

/// The text of template `name`: the user's override, else the built-in one.
fn source<'a>(overrides: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    match overrides.get(name) {
        Some(s) => Some(s.as_str()),
        None => BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, s)| *s),
    }
}

/// The environment every template renders in.
fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.add_filter("indent", indent);
    env.add_filter(
        "json",
        |v: minijinja::Value| -> Result<String, minijinja::Error> {
            serde_json::to_string(&v).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
            })
        },
    );
    env
}

/// minijinja's `indent`, the same text made without formatting each line: the gateway of a
/// large stack indents megabytes of macro output (BENCHMARKS.md). Held to the built-in filter
/// by a property test.
fn indent(
    value: &minijinja::Value,
    width: Option<usize>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    let width = match width {
        Some(width) => width,
        None => kwargs.get::<Option<usize>>("width")?.unwrap_or(4),
    };
    let first = match first {
        Some(first) => first,
        None => kwargs.get::<Option<bool>>("first")?.unwrap_or(false),
    };
    let blank = match blank {
        Some(blank) => blank,
        None => kwargs.get::<Option<bool>>("blank")?.unwrap_or(false),
    };
    kwargs.assert_all_used()?;
    let owned;
    let text = match value.as_str() {
        Some(text) => text,
        None => {
            owned = value.to_string();
            &owned
        }
    };
    let text = without_line_end(text);
    let pad = " ".repeat(width);
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut out = String::with_capacity(text.len() + lines * (width + 1));
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    let mut start = 0;
    for (i, end) in ends.enumerate() {
        let line = &text[start..end];
        start = end + 1;
        if i == 0 && !first {
            out.push_str(line);
        } else if !line.is_empty() || blank {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.truncate(without_line_end(&out).len());
    Ok(match value.is_safe() {
        true => minijinja::Value::from_safe_string(out),
        false => minijinja::Value::from(out),
    })
}

/// `text` without one trailing `\n`, then one `\r`.
fn without_line_end(text: &str) -> &str {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.strip_suffix('\r').unwrap_or(text)
}

/// At most one blank line in a row, none at the end, no white space at a line's end. Done in
/// place: the gateway's configuration of a large stack is megabytes, and a copy would double it.
fn collapse_blank_lines(text: String) -> String {
    let mut bytes = text.into_bytes();
    let (mut read, mut write, mut blank) = (0, 0, 0);
    while read < bytes.len() {
        let begin = read;
        let end = memchr::memchr(b'\n', &bytes[begin..]).map_or(bytes.len(), |i| begin + i);
        read = end + 1;
        let line = trimmed_len(&bytes[begin..end]);
        if line == 0 {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        // `write` never passes `begin`: the text only shrinks.
        bytes.copy_within(begin..begin + line, write);
        write += line;
        if write < bytes.len() {
            bytes[write] = b'\n';
        } else {
            bytes.push(b'\n');
        }
        write += 1;
    }
    bytes.truncate(write);
    while bytes.ends_with(b"\n\n") {
        bytes.pop();
    }
    String::from_utf8(bytes).expect("text cut at line ends is still UTF-8")
}

/// The length of one line of text without its trailing whitespace, as `str::trim_end` counts
/// it: ASCII spaces are dropped here, and a line that then ends in a byte above ASCII (which
/// may be the end of Unicode whitespace) is left to `str`.
fn trimmed_len(line: &[u8]) -> usize {
    let mut n = line.len();
    while n > 0 && matches!(line[n - 1], b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r') {
        n -= 1;
    }
    if n > 0 && line[n - 1] >= 0x80 {
        return std::str::from_utf8(&line[..n])
            .expect("text split at a newline is still UTF-8")
            .trim_end()
            .len();
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `collapse_blank_lines` does, written plainly with a second string.
    fn collapsed_by_copy(s: &str) -> String {
        let mut out = String::new();
        let mut blank = 0;
        for line in s.lines() {
            let line = line.trim_end();
            blank = if line.is_empty() { blank + 1 } else { 0 };
            if blank < 2 {
                out.push_str(line);
                out.push('\n');
            }
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    /// A template's text through this crate's `indent` and through minijinja's own.
    fn indented_both_ways(call: &str, text: &str, safe: bool) -> (String, String) {
        let template = format!("{{{{ text|{call} }}}}");
        let text = match safe {
            true => minijinja::Value::from_safe_string(text.to_string()),
            false => minijinja::Value::from(text),
        };
        let render = |env: &minijinja::Environment| {
            env.render_str(&template, minijinja::context! { text => text.clone() })
                .map_err(|e| e.kind())
        };
        let ours = render(&environment());
        let builtin = render(&minijinja::Environment::new());
        (format!("{ours:?}"), format!("{builtin:?}"))
    }

    proptest::proptest! {
        #[test]
        fn indent_is_minijinjas_indent(
            text in "([ab ]{0,3}[\n\r]{0,2}){0,6}",
            width in 0usize..6,
            first in proptest::option::of(proptest::bool::ANY),
            blank in proptest::option::of(proptest::bool::ANY),
            by_name in proptest::bool::ANY,
            safe in proptest::bool::ANY,
        ) {
            let flag = |v: Option<bool>| v.map_or("none".to_string(), |b| b.to_string());
            let call = match (by_name, first, blank) {
                (true, _, _) => {
                    let mut args = vec![format!("width={width}")];
                    args.extend(first.map(|f| format!("first={f}")));
                    args.extend(blank.map(|b| format!("blank={b}")));
                    format!("indent({})", args.join(", "))
                }
                (false, None, None) => format!("indent({width})"),
                (false, _, _) => format!("indent({width}, {}, {})", flag(first), flag(blank)),
            };
            let (ours, builtin) = indented_both_ways(&call, &text, safe);
            proptest::prop_assert_eq!(ours, builtin, "{}", call);
        }
    }

    #[test]
    fn indent_refuses_what_minijinjas_refuses() {
        for call in [
            "indent(2, width=3)",
            "indent(size=2)",
            "indent",
            "indent(true, true)",
        ] {
            let (ours, builtin) = indented_both_ways(call, "a\nb", false);
            assert_eq!(ours, builtin, "{call}");
        }
        let (ours, _) = indented_both_ways("indent(2, true)", "a\n\nb\n", false);
        assert_eq!(ours, "Ok(\"  a\\n\\n  b\")");
    }

    proptest::proptest! {
        #[test]
        fn collapsing_in_place_is_the_same_as_by_copy(
            text in "([a{}\u{a0}\u{3000}\u{85}\u{2028}é ]{0,4}[\n\r\t\x0b\x0c ]{0,3}){0,12}"
        ) {
            proptest::prop_assert_eq!(collapse_blank_lines(text.clone()), collapsed_by_copy(&text));
        }
    }

    #[test]
    fn collapses_blank_lines_and_trailing_space() {
        for (text, want) in [
            ("", ""),
            ("\n", "\n"),
            ("a", "a\n"),
            ("a  \r\n\n\n\nb\u{3000}\n\n", "a\n\nb\n"),
            ("\n\n\nx\n \n\t\n", "\nx\n"),
        ] {
            assert_eq!(collapse_blank_lines(text.to_string()), want, "{text:?}");
            assert_eq!(collapsed_by_copy(text), want, "{text:?}");
        }
    }

    #[test]
    fn a_missing_name_an_invalid_override_and_an_override_in_use_are_told_apart() {
        let name = Templates::names().next().unwrap();
        let err = Templates::default()
            .render("no-such", minijinja::Value::UNDEFINED)
            .unwrap_err();
        assert_eq!(err.to_string(), "no template named no-such");
        let broken = BTreeMap::from([(name.to_string(), "{% if %}".to_string())]);
        let err = Templates::with_overrides(broken)
            .render(name, minijinja::Value::UNDEFINED)
            .unwrap_err();
        assert_eq!(err.to_string(), format!("template {name} is invalid"));
        let own = BTreeMap::from([(name.to_string(), "mine\n".to_string())]);
        let out = Templates::with_overrides(own)
            .render(name, minijinja::Value::UNDEFINED)
            .unwrap();
        assert_eq!(out, "mine\n");
    }
}
