//! YAML written for YAML 1.1 readers too (docker-compose v1, Go's yaml.v2).
//!
//! serde_yaml quotes a string only when YAML 1.2 would read it as something else, so `yes`,
//! `on`, `off` or `1:20` stay plain, and a YAML 1.1 reader turns them into a boolean or a
//! number. We never write a YAML 1.1 boolean or sexagesimal number on purpose, so every such
//! plain scalar is a string: quote it.

/// Appends serde_yaml's block output `text` to `out`, quoting every plain scalar a YAML 1.1
/// reader would not read as a string. Block scalar contents (`|`, `>`) are left as they are.
pub fn quote_for_yaml11_into(out: &mut String, text: &str) {
    out.reserve(text.len());
    // Inside a block scalar: lines indented deeper than this are its content.
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let indent = body.len() - body.trim_start().len();
        if let Some(parent) = block {
            if body.trim().is_empty() || indent > parent {
                out.push_str(line);
                continue;
            }
            block = None;
        }
        let (head, value, column) = split_value(body);
        if value.starts_with('|') || value.starts_with('>') {
            block = Some(column);
        }
        if !value.is_empty() && is_yaml11_special(value) {
            out.push_str(head);
            out.push('\'');
            out.push_str(value);
            out.push('\'');
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
}

/// Splits `  key: value` or `  - value` into the part before the value and the value, with
/// the column of the node the value belongs to (the key's, or the item's dash): a block
/// scalar's lines are indented deeper than it.
fn split_value(line: &str) -> (&str, &str, usize) {
    let mut rest = line.trim_start();
    let mut item = None;
    while let Some(r) = rest.strip_prefix("- ") {
        item = Some(line.len() - rest.len());
        rest = r;
    }
    let start = line.len() - rest.len();
    // A plain key has no `: ` (serde_yaml quotes keys that need it); a quoted one ends at its
    // closing quote.
    let key = match rest.as_bytes().first() {
        Some(b'\'') => quoted_len(rest, b'\''),
        Some(b'"') => quoted_len(rest, b'"'),
        _ => rest
            .find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1)),
    };
    match key.map(|k| &rest[k..]) {
        Some(":") => (line, "", start),
        Some(after) if after.starts_with(": ") => {
            let head = start + rest.len() - after.len() + 2;
            (&line[..head], &line[head..], start)
        }
        _ => (&line[..start], rest, item.unwrap_or(start)),
    }
}

/// The length of the quoted scalar `text` starts with, quotes included (`''` inside single
/// quotes and `\\x` inside double quotes are escapes), or `None` if it does not end on this line.
fn quoted_len(text: &str, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A plain scalar that YAML 1.1 reads as a boolean, a null, a number with `_` or a
/// base-60 number, or a merge/value key.
pub(super) fn is_yaml11_special(v: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "=", "<<",
    ];
    // Each of those, and each number, starts with one of these.
    let Some(lead) = v.bytes().next() else {
        return false;
    };
    if !lead.is_ascii_digit() && !b"+-yYnNoO=<".contains(&lead) {
        return false;
    }
    if WORDS.contains(&v) {
        return true;
    }
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let underscored = v.starts_with(|c: char| c.is_ascii_digit())
        && v.contains('_')
        && v.chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == '.');
    underscored || is_base60(v)
}

/// `[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`, YAML 1.1's base-60 numbers (`1:20` is 80).
fn is_base60(v: &str) -> bool {
    let (whole, _) = v.split_once('.').unwrap_or((v, ""));
    let frac_ok = v
        .split_once('.')
        .is_none_or(|(_, f)| f.chars().all(|c| c.is_ascii_digit() || c == '_'));
    let mut parts = whole.split(':');
    let first = parts.next().unwrap_or("");
    let first_ok = first.starts_with(|c: char| c.is_ascii_digit())
        && first.chars().all(|c| c.is_ascii_digit() || c == '_');
    let mut rest = parts.peekable();
    let has_rest = rest.peek().is_some();
    let rest_ok = rest.all(|p| {
        (1..=2).contains(&p.len())
            && p.chars().all(|c| c.is_ascii_digit())
            && (p.len() == 1 || p.as_bytes()[0] <= b'5')
    });
    first_ok && has_rest && rest_ok && frac_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_yaml11_specials_only() {
        let text = "a:\n  B: yes\n  C: 'no'\n  D: 1:20\n  E: 1_000\n  F: yesterday\n  G: 8000\n  H: 127.0.0.1:8000:8000\n  I: 10:00:59.5\n  - on\n  - x\nscript: |-\n  k: on\n  - off\nz: Off\n'': yes\n'a''b': no\n\"x\\\": \": on\n'k': 'on'\n- - |-\n    a\n  - 1_000\n- s: |\n    on\n  t: off\n";
        let mut out = String::from("# header: yes\n");
        quote_for_yaml11_into(&mut out, text);
        assert_eq!(
            out,
            "# header: yes\na:\n  B: 'yes'\n  C: 'no'\n  D: '1:20'\n  E: '1_000'\n  F: yesterday\n  G: 8000\n  H: 127.0.0.1:8000:8000\n  I: '10:00:59.5'\n  - 'on'\n  - x\nscript: |-\n  k: on\n  - off\nz: 'Off'\n'': 'yes'\n'a''b': 'no'\n\"x\\\": \": 'on'\n'k': 'on'\n- - |-\n    a\n  - '1_000'\n- s: |\n    on\n  t: 'off'\n"
        );
    }
}
