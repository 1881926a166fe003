//! Plain text scanning of source files: calls with their arguments, literals, and
//! `os.getenv("X", default)`-style reads. No parser: it sees calls written out in the source,
//! not values computed at run time, and it does not know which code path runs.

use std::path::Path;

/// Folders never read: installed packages, caches, build output of other tools.
pub const SKIPPED_DIRS: &[&str] = &["node_modules", "__pycache__", "venv", "site-packages"];

/// Folders whose source is not the server's own: read for no guess.
const NOT_THE_SERVER: &[&str] = &["tests", "test", "__tests__", "docs"];

const MAX_FILES: usize = 400;
const MAX_BYTES: u64 = 512 * 1024;
const MAX_DEPTH: usize = 6;

/// One source file: its path relative to the project folder, and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

impl Source {
    /// `path:line` of a byte offset, for messages.
    pub fn at(&self, offset: usize) -> String {
        format!("{}:{}", self.path, line_of(&self.text, offset))
    }
}

/// The files below `dir` whose names end with one of `exts`, sorted by path; hidden, dependency
/// and cache folders are skipped, and at most a few hundred small files are read.
pub fn sources(dir: &Path, exts: &[&str]) -> Vec<Source> {
    let mut out = Vec::new();
    walk(dir, dir, 0, exts, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, depth: usize, exts: &[&str], out: &mut Vec<Source>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= MAX_FILES {
            return;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if depth < MAX_DEPTH
                && !name.starts_with('.')
                && !SKIPPED_DIRS.contains(&name.as_str())
                && !NOT_THE_SERVER.contains(&name.as_str())
                && !name.ends_with(".egg-info")
            {
                walk(root, &e.path(), depth + 1, exts, out);
            }
        } else if kind.is_file()
            && exts.iter().any(|x| name.ends_with(&format!(".{x}")))
            && !name.ends_with(".d.ts")
            && e.metadata().is_ok_and(|m| m.len() <= MAX_BYTES)
        {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            let Ok(rel) = e.path().strip_prefix(root).map(Path::to_path_buf) else {
                continue;
            };
            let path = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push(Source { path, text });
        }
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A call found in the text: where its name starts, and what is between its parentheses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub offset: usize,
    /// The byte offset just after the closing parenthesis.
    pub end: usize,
    /// The text before the name on the same line (e.g. `mcp = ` or `server.`).
    pub before: String,
    pub args: Vec<Arg>,
}

/// One argument: `key=value` or a positional value, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub key: Option<String>,
    pub value: String,
}

impl Call {
    /// The keyword argument `key`, or else the positional argument `index`.
    pub fn arg(&self, key: &str, index: Option<usize>) -> Option<&str> {
        if let Some(a) = self.args.iter().find(|a| a.key.as_deref() == Some(key)) {
            return Some(&a.value);
        }
        let i = index?;
        self.args
            .iter()
            .filter(|a| a.key.is_none())
            .nth(i)
            .map(|a| a.value.as_str())
    }

    pub fn positional(&self) -> impl Iterator<Item = &str> {
        self.args
            .iter()
            .filter(|a| a.key.is_none())
            .map(|a| a.value.as_str())
    }
}

/// Every call of `name` (e.g. `FastMCP`, `.run`, `add_argument`). A name starting with `.`
/// matches a method on any object; otherwise the name must not follow a letter, digit, `_`
/// or `.`. Calls on a comment line are skipped.
pub fn calls(text: &str, name: &str) -> Vec<Call> {
    let mut out = Vec::new();
    let pat = format!("{name}(");
    let mut from = 0;
    while let Some(i) = text[from..].find(&pat) {
        let start = from + i;
        from = start + pat.len();
        if !name.starts_with('.') {
            let prev = text[..start].chars().next_back();
            if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
        }
        let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
        let before = &text[line_start..start];
        let trimmed = before.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        let Some(inner) = balanced(&text[from..]) else {
            continue;
        };
        out.push(Call {
            offset: start,
            end: from + inner.len() + 1,
            before: before.to_string(),
            args: split_args(inner),
        });
    }
    out
}

/// The characters of `text` outside string literals, with their byte offsets.
fn code_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    text.char_indices().filter(move |&(_, c)| {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            return false;
        }
        if matches!(c, '"' | '\'' | '`') {
            quote = Some(c);
            return false;
        }
        true
    })
}

/// The text up to the parenthesis that closes an opened one (strings are skipped).
pub fn balanced(text: &str) -> Option<&str> {
    let mut depth = 1usize;
    for (i, c) in code_chars(text) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Arguments split at top-level commas, each `key=value` (not `==`) or a value.
pub fn split_args(text: &str) -> Vec<Arg> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in code_chars(text) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(|p| strip_comments(p).trim().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| keyword(&p))
        .collect()
}

fn strip_comments(part: &str) -> String {
    part.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with('#') || t.starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn keyword(part: &str) -> Arg {
    let ident_end = part
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(part.len(), |(i, _)| i);
    let rest = part[ident_end..].trim_start();
    if ident_end > 0 && rest.starts_with('=') && !rest.starts_with("==") {
        return Arg {
            key: Some(part[..ident_end].to_string()),
            value: rest[1..].trim().to_string(),
        };
    }
    Arg {
        key: None,
        value: part.to_string(),
    }
}

/// A literal as written: a quoted string or an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Int(i64),
}

/// The string in `"..."`, `'...'` or `` `...` `` (no interpolation), or an integer.
pub fn literal(expr: &str) -> Option<Lit> {
    let e = expr.trim();
    if let Ok(n) = e.replace('_', "").parse::<i64>() {
        return Some(Lit::Int(n));
    }
    string(e).map(Lit::Str)
}

/// The text of a quoted string literal (an f-string or a template with `${` is not one).
pub fn string(expr: &str) -> Option<String> {
    let e = expr.trim();
    let q = e.chars().next().filter(|c| "\"'`".contains(*c))?;
    let inner = e.strip_prefix(q)?.strip_suffix(q)?;
    if inner.contains(q) || (q == '`' && inner.contains("${")) {
        return None;
    }
    Some(inner.to_string())
}

/// An integer literal, or the integer inside `int("8000")`, `Number(...)`, `parseInt(...)`.
pub fn int(expr: &str) -> Option<i64> {
    match literal(unwrap_conversion(expr.trim()))? {
        Lit::Int(n) => Some(n),
        Lit::Str(s) => s.trim().parse().ok(),
    }
}

/// An environment read with a default: `os.getenv("PORT", "8000")`, `os.environ.get(...)`,
/// `int(os.getenv(...))`, `process.env.PORT || 3000`, `process.env.PORT ?? "3000"`.
/// Returns the variable and the default as written.
pub fn env_default(expr: &str) -> Option<(String, Option<Lit>)> {
    let e = unwrap_conversion(expr.trim());
    for f in ["os.getenv", "os.environ.get", "getenv", "environ.get"] {
        if let Some(call) = calls(e, f).into_iter().next() {
            let var = string(call.arg("key", Some(0))?)?;
            let default = call.arg("default", Some(1)).and_then(literal);
            return Some((var, default));
        }
    }
    let rest = e.strip_prefix("process.env.")?;
    let var: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let tail = rest[var.len()..].trim_start();
    let default = tail
        .strip_prefix("||")
        .or_else(|| tail.strip_prefix("??"))
        .and_then(|d| literal(unwrap_conversion(d.trim())));
    (!var.is_empty()).then_some((var, default))
}

/// `int(x)`, `Number(x)`, `parseInt(x, 10)`, `str(x)` → `x`.
fn unwrap_conversion(e: &str) -> &str {
    for f in ["int(", "Number(", "parseInt(", "str(", "String("] {
        if let Some(rest) = e.strip_prefix(f) {
            if let Some(inner) = balanced(rest) {
                if inner.len() + f.len() + 1 == e.len() {
                    let first = split_first(inner);
                    return first;
                }
            }
        }
    }
    e
}

fn split_first(inner: &str) -> &str {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in inner.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return inner[..i].trim(),
            _ => {}
        }
    }
    inner.trim()
}

/// Whether a host value only accepts connections from inside the container.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "::1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_arguments() {
        let text = "mcp = FastMCP(\"w\", host='0.0.0.0', port=int(\"9000\"))\n# FastMCP(port=1)\nx.run(transport=t, f(a, b)==c)\n";
        let c = calls(text, "FastMCP");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].before, "mcp = ");
        assert_eq!(c[0].arg("host", None), Some("'0.0.0.0'"));
        assert_eq!(c[0].arg("port", None).and_then(int), Some(9000));
        assert_eq!(c[0].arg("name", Some(0)), Some("\"w\""));
        let r = calls(text, ".run");
        assert_eq!(r[0].arg("transport", None), Some("t"));
        assert_eq!(r[0].positional().collect::<Vec<_>>(), ["f(a, b)==c"]);
        assert!(calls("myFastMCP(x)", "FastMCP").is_empty());
        assert!(calls("FastMCP(unclosed", "FastMCP").is_empty());
    }

    #[test]
    fn literals() {
        assert_eq!(literal("8_000"), Some(Lit::Int(8000)));
        assert_eq!(literal("'a b'"), Some(Lit::Str("a b".into())));
        assert_eq!(literal("f\"{x}\""), None);
        assert_eq!(literal("`a${b}`"), None);
        assert_eq!(literal("PORT"), None);
    }

    #[test]
    fn environment_reads() {
        assert_eq!(
            env_default("int(os.getenv(\"PORT\", \"8080\"))"),
            Some(("PORT".into(), Some(Lit::Str("8080".into()))))
        );
        assert_eq!(
            env_default("os.environ.get('HOST', '127.0.0.1')"),
            Some(("HOST".into(), Some(Lit::Str("127.0.0.1".into()))))
        );
        assert_eq!(
            env_default("parseInt(process.env.PORT || '3000', 10)"),
            Some(("PORT".into(), Some(Lit::Str("3000".into()))))
        );
        assert_eq!(
            env_default("process.env.PORT ?? 3001"),
            Some(("PORT".into(), Some(Lit::Int(3001))))
        );
        assert_eq!(env_default("os.getenv('X')"), Some(("X".into(), None)));
        assert_eq!(env_default("8000"), None);
    }
}
