//! The tree reads every shape of value as serde_yaml reads the same text: the typed
//! configuration, the unknown keys, and the message of each type error.

use super::super::location::KeyPath;
use super::super::types::Config;
use super::{read, Value};

/// What a reader made of a file: the configuration (as its debug text) and the unknown keys'
/// paths, or the error's message. (Where an error points is not compared: mcpstack points at
/// the key or item the error concerns, from the index, as for every other error; serde_yaml
/// pointed at the value, including its tag or anchor.)
#[derive(Debug, PartialEq)]
enum Outcome {
    Read(String, Vec<String>),
    Refused(String),
}

fn by_serde_yaml(text: &str) -> Outcome {
    let mut unknown = Vec::new();
    let de = serde_yaml::Deserializer::from_str(text);
    let read: Result<Config, _> = serde_ignored::deserialize(de, |p| unknown.push(p.to_string()));
    match read {
        Ok(c) => Outcome::Read(format!("{c:?}"), unknown),
        Err(e) => {
            let mut message = e.to_string();
            if let Some(i) = message.find(" at line ") {
                message.truncate(i);
            }
            // serde_yaml puts the key path first: `servers.main.port: invalid type: ...`.
            if let Some((path, rest)) = message.split_once(": ") {
                if !path.contains(' ') {
                    message = rest.to_string();
                }
            }
            Outcome::Refused(message)
        }
    }
}

/// serde's own messages for a value of the wrong shape (any other is the parser's).
fn is_data_error(message: &str) -> bool {
    [
        "invalid type",
        "invalid value",
        "invalid length",
        "missing field",
        "unknown variant",
    ]
    .iter()
    .any(|p| message.starts_with(p))
}

fn by_tree(text: &str) -> Outcome {
    let doc = read(text).expect("the parser accepts the text");
    let mut unknown = Vec::new();
    let read: Result<Config, _> =
        serde_ignored::deserialize(Value(doc.root()), |p| unknown.push(p.to_string()));
    match read {
        Ok(c) => Outcome::Read(format!("{c:?}"), unknown),
        Err(e) => Outcome::Refused(e.message),
    }
}

/// Values of every kind the core schema tells apart, in every style YAML writes them.
const VALUES: &[&str] = &[
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "TRUE",
    "false",
    "FALSE",
    "yes",
    "no",
    "on",
    "0",
    "-0",
    "+0",
    "42",
    "+42",
    "-42",
    "007",
    "-01",
    "0x1F",
    "0x+5",
    "-0x10",
    "+0x10",
    "0o17",
    "-0o17",
    "0b101",
    "0b",
    "0x",
    "1_000",
    "1.10",
    "1e3",
    "1.",
    ".5",
    "-.5",
    "+1.5",
    "+-1",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "+.nan",
    "inf",
    "nan",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "-170141183460469231731687303715884105729",
    "340282366920938463463374607431768211456",
    "'5'",
    "\"true\"",
    "\"\"",
    "''",
    "' ~ '",
    "stdio",
    "sse",
    "streamable-http",
    "Stdio",
    "[]",
    "[a, 1, true, ~]",
    "[[a]]",
    "{}",
    "{a: 1}",
    "{cpus: 1, memory: 2}",
    "{mount_source: yes}",
    "!!str 5",
    "!!str",
    "!!int 5",
    "!!int x",
    "!!int 0x10",
    "!!bool true",
    "!!bool yes",
    "!!null ~",
    "!!null",
    "!!null x",
    "!!float 1",
    "!!float x",
    "!!str true",
    "!!map {}",
    "!!seq []",
    "|\n@literal\n",
    ">\n@folded\n",
    "|\n@5\n",
    "!!bool |\n@true\n",
    "!!int |\n@5\n",
    "&a 5",
    "héllo",
    "\"\\t\"",
    "- a\n@- b\n",
];

/// Key paths the values go under, one of each type the configuration has.
const SLOTS: &[&str] = &[
    "version",
    "name",
    "aliases",
    "gateway.http_port",
    "gateway.publish",
    "gateway.access_log",
    "gateway.nginx_version",
    "servers.main.replicas",
    "servers.main.stateless",
    "servers.main.port",
    "servers.main.env.X",
    "servers.main.env",
    "servers.main.transport",
    "servers.main.command",
    "servers.main.args",
    "servers.main.resources.cpus",
    "servers.main.resources",
    "servers.main.read_only",
    "servers.main.dev",
    "servers.main.dev.port",
    "servers.main",
    "servers",
    "tunnel",
    "monitoring",
];

/// A small valid file with `value` under `slot` (replacing what the file had there). A `@`
/// in the value is the indentation of a line under the slot's key.
fn place(slot: &str, value: &str) -> String {
    let mut file = Vec::new();
    for (path, v) in [
        ("version", "1"),
        ("name", "demo"),
        ("servers.main.build", "./s"),
        ("servers.main.command", "[python, -m, s]"),
        (slot, value),
    ] {
        let keys: Vec<&str> = path.split('.').collect();
        insert(&mut file, &keys, v);
    }
    let mut out = String::new();
    write(&file, 0, &mut out);
    out
}

enum Tree {
    Leaf(String),
    Map(Vec<(String, Tree)>),
}

fn insert(map: &mut Vec<(String, Tree)>, keys: &[&str], value: &str) {
    let (first, rest) = keys.split_first().expect("a key");
    let at = match map.iter().position(|(k, _)| k == first) {
        Some(i) => i,
        None => {
            map.push((first.to_string(), Tree::Map(Vec::new())));
            map.len() - 1
        }
    };
    if rest.is_empty() {
        map[at].1 = Tree::Leaf(value.to_string());
        return;
    }
    if let Tree::Leaf(_) = map[at].1 {
        map[at].1 = Tree::Map(Vec::new());
    }
    if let Tree::Map(inner) = &mut map[at].1 {
        insert(inner, rest, value);
    }
}

fn write(map: &[(String, Tree)], depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for (k, t) in map {
        out.push_str(&format!("{indent}{k}:"));
        match t {
            Tree::Map(inner) => {
                out.push('\n');
                write(inner, depth + 1, out);
            }
            Tree::Leaf(v) => {
                let v = v.replace('@', &"  ".repeat(depth + 1));
                if v.starts_with("- ") {
                    out.push_str(&format!("\n{}", "  ".repeat(depth + 1)));
                } else if !v.is_empty() {
                    out.push(' ');
                }
                out.push_str(&v);
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
}

#[test]
fn every_value_in_every_slot_reads_as_serde_yaml_reads_it() {
    let mut compared = 0;
    let mut differ = Vec::new();
    for slot in SLOTS {
        for value in VALUES {
            let text = place(slot, value);
            if read(&text).is_err() {
                // Refused before any reading (a syntax error or a limit): not a reading.
                continue;
            }
            compared += 1;
            let (old, new) = (by_serde_yaml(&text), by_tree(&text));
            if old != new {
                differ.push(format!(
                    "--- {slot} = {value:?}\n{text}serde_yaml: {old:?}\ntree:       {new:?}"
                ));
            }
        }
    }
    assert!(
        compared > SLOTS.len() * VALUES.len() * 9 / 10,
        "only {compared} files read"
    );
    assert!(
        differ.is_empty(),
        "{} of {compared} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

#[test]
fn whole_files_read_as_serde_yaml_reads_them() {
    let files = [
        "{}",
        "[]",
        "5",
        "~",
        "version: 1\nname: demo\nservers: {a: &s {build: ./a, command: [x]}, b: *s}\n",
        "version: 1\nname: demo\nservers:\n  a: &s\n    build: ./a\n    env: &e {X: 1.10, Y: 0x1F}\n  b:\n    build: ./b\n    env: *e\n    resources: {cpus: *e}\n",
        "version: 1\nname: demo\nservers:\n  a: {build: ./a, trasport: stdio, dev: {prot: 1}}\n",
        "version: 1\nservers: {a: {build: ./a}}\n",
        "version: 1\nname: demo\nservers:\n  a:\n    build: ./a\n    replicas: many\n",
        "version: 1\nname: demo\nservers:\n  ? a\n  : build: ./a\n  1: {build: ./b}\n  ~: {build: ./c}\n  true: {build: ./d}\n",
        "version: 1\nname: demo\nservers:\n  [a]: {build: ./a}\n",
        "version: 1\nname: demo\n<<: {domain: x}\n",
        "%YAML 1.2\n---\nversion: 1\nname: demo\nservers: {}\n...\n",
        "version: 1\nname: demo\nservers: {a: {build: ./a, env: {\"\": x, \" \": '', 'é': \"\\u00e9\"}}}\n",
    ];
    // Block scalars at the end of the file, with and without a final line break or content.
    let ends = [
        "|\n",
        "|+\n",
        "|+\n\n",
        "|+\n\n\n",
        "|-\n",
        "|\n\n\n",
        "|2\n",
        ">\n",
        ">+\n",
        "|\n   \n",
        "|+\n   \n",
        "|\n  x",
        "|+\n  x",
        "|-\n  x",
        "|\n  x\n",
        "|+\n  x\n\n",
        "|\n  x\n\n\n",
        ">\n  x\n  y",
        ">\n  x\n\n  y\n",
        "|\n  x\n# c",
        "|\n  x\n  # not a comment",
        "|\n  x\n   y",
        "|1\n  x",
    ];
    let mut files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    for end in ends {
        let start = "version: 1\nname: demo\nservers:\n  a:\n    build: ./a\n    env:\n      X: ";
        files.push(format!("{start}{}", end.replace("\n  ", "\n        ")));
        files.push(format!(
            "version: 1\nname: demo\naliases:\n  - {}",
            end.replace("\n  ", "\n    ")
        ));
    }
    for text in &files {
        let text = text.as_str();
        assert_eq!(by_serde_yaml(text), by_tree(text), "{text}");
    }
}

#[test]
fn the_differential_files_are_what_they_claim() {
    let text = place("servers.main.env.X", "0x1F");
    assert_eq!(
        text,
        "version: 1\nname: demo\nservers:\n  main:\n    build: ./s\n    command: [python, -m, s]\n    env:\n      X: 0x1F\n"
    );
    let text = place("servers.main", "{}");
    assert_eq!(text, "version: 1\nname: demo\nservers:\n  main: {}\n");
    let text = place("name", "|\n@literal\n");
    assert_eq!(
        text,
        "version: 1\nname: |\n  literal\nservers:\n  main:\n    build: ./s\n    command: [python, -m, s]\n"
    );
}

/// Every configuration in the repository (the examples, the hostile inputs, the fixtures)
/// reads the same through both.
#[test]
fn every_configuration_in_the_repository_reads_as_serde_yaml_reads_it() {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            if path.is_dir() && !path.is_symlink() && name != "deploy" && name != "target" {
                walk(&path, found);
            } else if name.to_string_lossy().ends_with(".yaml") {
                found.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("examples"), &mut files);
    walk(&root.join("tests"), &mut files);
    files.sort();
    let mut compared = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if !text.contains("version:") || read(&text).is_err() {
            continue;
        }
        compared += 1;
        assert_eq!(by_serde_yaml(&text), by_tree(&text), "{}", file.display());
    }
    assert!(compared >= 100, "only {compared} configurations compared");
}

#[test]
fn finds_keys_and_items() {
    let text = "version: 1\nservers:\n  main:\n    port: 8000\n    depends_on: [a, b]\n    env:\n      X: y\n";
    let loc = read(text).unwrap();
    let at = |p: KeyPath| loc.exact(&p).map(|p| (p.line, p.col));
    assert_eq!(at(KeyPath::of(&["version"])), Some((1, 1)));
    assert_eq!(at(KeyPath::of(&["servers", "main"])), Some((3, 3)));
    assert_eq!(at(KeyPath::of(&["servers", "main", "port"])), Some((4, 5)));
    assert_eq!(
        at(KeyPath::of(&["servers", "main", "depends_on"]).index(1)),
        Some((5, 21))
    );
    assert_eq!(
        at(KeyPath::of(&["servers", "main", "env", "X"])),
        Some((7, 7))
    );
    let missing = KeyPath::of(&["servers", "main", "path"]);
    assert_eq!(loc.exact(&missing), None);
    assert_eq!(loc.find(&missing).map(|p| p.line), Some(3));
    assert_eq!(loc.find(&KeyPath::root()), None);
}

/// A key inside an alias is found where its anchor wrote it; the alias itself where it stands.
#[test]
fn finds_keys_through_aliases() {
    let text = "servers:\n  a: &s\n    transport: sse\n  b: *s\n";
    let loc = read(text).unwrap();
    let at = |keys: &[&str]| loc.exact(&KeyPath::of(keys)).map(|p| (p.line, p.col));
    assert_eq!(at(&["servers", "b"]), Some((4, 3)));
    assert_eq!(at(&["servers", "b", "transport"]), Some((3, 5)));
}

/// Duplicates are found in small mappings and in large ones (where keys are hashed), with the
/// first one's line; keys alike in text but not in style are the same key.
#[test]
fn duplicate_keys_in_small_and_large_mappings() {
    for n in [3, 40] {
        let mut text = String::from("env:\n");
        for i in 0..n {
            text.push_str(&format!("  K{i}: v\n"));
        }
        text.push_str("  'K1': again\n");
        let e = read(&text).unwrap_err();
        assert_eq!(e.message, "duplicate key `K1`", "{n} keys");
        assert_eq!(e.path, KeyPath::of(&["env", "K1"]));
        assert_eq!(
            (
                e.pos.map(|p| p.line),
                e.help.as_deref().is_some_and(|h| h.contains("line 3"))
            ),
            (Some(n + 2), true),
            "{e:?}"
        );
    }
    let unique: String = (0..40).map(|i| format!("K{i}: v\n")).collect();
    assert!(read(&unique).is_ok());
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    /// Scalars made of the characters and words that decide how YAML reads a value.
    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            "[+-]?(0x|0o|0b)?[0-9a-fA-F_]{0,6}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?",
            "[+-]?(\\.inf|\\.Inf|\\.nan|\\.NaN|inf|nan|~|null|true|false|yes|no)",
            "[a-z0-9 :#\\-?,&*!|>'\"%@`.+~_/$=xobeE]{0,10}",
            "[a-z]{1,4}(: | #|:|#| )[a-z]{0,4}",
        ]
    }

    /// Whether `value` names an anchor or alias with a character libyaml did not allow.
    fn odd_anchor_name(value: &str) -> bool {
        value.match_indices(['&', '*']).any(|(i, _)| {
            value[i + 1..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
                .any(|c| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// A generated value, written plain, single-quoted and double-quoted in fields of
        /// each type, reads the same through both (where the parser takes the file at all).
        #[test]
        fn generated_values_read_as_serde_yaml_reads_them(
            value in scalar(),
            slot in prop::sample::select(SLOTS.to_vec()),
        ) {
            let single = format!("'{}'", value.replace('\'', "''"));
            let double = format!("{:?}", value);
            for written in [value.clone(), single, double] {
                let text = place(slot, &written);
                if read(&text).is_err() {
                    continue;
                }
                let (old, new) = (by_serde_yaml(&text), by_tree(&text));
                // Both refusing is what matters where serde_yaml found a syntax error: the
                // two parsers word those differently.
                if let (Outcome::Refused(m), Outcome::Refused(_)) = (&old, &new) {
                    if !is_data_error(m) {
                        continue;
                    }
                }
                // YAML 1.2 names anchors with any character but spaces and flow indicators
                // (`&!`, `&a?`); libyaml took letters, digits, `-` and `_` only (and read
                // `&a?!` as the anchor `a` on the value `?!`).
                if written == value && odd_anchor_name(&value) {
                    continue;
                }
                prop_assert_eq!(old, new, "{}", text);
            }
        }
    }
}
