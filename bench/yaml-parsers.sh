#!/usr/bin/env bash
# Times mcpstack's load of a generated mcp-stack.yaml (one pass of yaml-rust2's events that
# builds a tree with positions and refuses hostile shapes, then its own deserializer over the
# tree) against its pass alone, the two passes it made before (that pass and serde_yaml's
# deserializer), and the single-pass crates that could replace it (serde-saphyr: positions and
# limits in one pass; marked-yaml: a tree with positions that serde reads, no anchors), each
# reading into the same `Config`.
# Builds a throwaway crate outside the repository (neither is a dependency of mcpstack),
# pinned by mcpstack's Cargo.lock; its build stays in target/bench-yaml-parsers for reruns.
# Needs python3 and the crate registry. Usage: bash bench/yaml-parsers.sh [SERVERS] [RUNS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
servers="${1:-1000}"
runs="${2:-50}"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/mcpstack-yaml.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 "$root/bench/gen-stack.py" "$servers" "$work/stack" >/dev/null
mkdir -p "$work/crate/src"
cat > "$work/crate/Cargo.toml" <<TOML
[package]
name = "yaml-parsers"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
mcpstack = { package = "mcp-stack", path = "$root" }
serde_yaml = "0.9"
serde-saphyr = { version = "2", default-features = false, features = ["deserialize"] }
marked-yaml = { version = "0.8", features = ["serde"] }

[profile.release]
debug = false
TOML
cat > "$work/crate/src/main.rs" <<'RUST'
use mcpstack::config::{self, types::Config, yaml};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f();
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[0], all[runs / 2])
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let runs: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let file = dir.join("mcp-stack.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    // Both deserialisers must agree before their times mean anything.
    let ours: Config = serde_yaml::from_str(&text).unwrap();
    let ours = serde_yaml::to_string(&ours).unwrap();
    let saphyr: Config = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(ours, serde_yaml::to_string(&saphyr).unwrap(), "serde-saphyr read it differently");
    let marked: Config = marked_yaml::from_yaml(0, &text).unwrap();
    let (tree, _) = config::parse(file.clone(), dir.clone(), text.clone()).unwrap();
    assert_eq!(ours, serde_yaml::to_string(&tree).unwrap(), "mcpstack's tree read it differently");
    assert_eq!(ours, serde_yaml::to_string(&marked).unwrap(), "marked-yaml read it differently");
    let rows: Vec<(&str, (Duration, Duration))> = vec![
        ("mcpstack load (one pass to a tree, then read, unknown keys tracked)", time(runs, || {
            black_box(config::parse(file.clone(), dir.clone(), text.clone()).unwrap());
        })),
        ("mcpstack's pass alone (yaml-rust2 events to the tree)", time(runs, || {
            black_box(yaml::read(&text).unwrap());
        })),
        ("the two passes before: that pass, then serde_yaml", time(runs, || {
            black_box(yaml::read(&text).unwrap());
            black_box(serde_yaml::from_str::<Config>(&text).unwrap());
        })),
        ("serde_yaml alone", time(runs, || {
            black_box(serde_yaml::from_str::<Config>(&text).unwrap());
        })),
        ("serde-saphyr alone (default options)", time(runs, || {
            black_box(serde_saphyr::from_str::<Config>(&text).unwrap());
        })),
        ("marked-yaml, tree and deserialise", time(runs, || {
            black_box(marked_yaml::from_yaml::<Config>(0, &text).unwrap());
        })),
    ];
    println!("{} bytes of mcp-stack.yaml, {runs} runs\n", text.len());
    println!("| pass | min | median |\n|---|---|---|");
    for (name, (min, median)) in rows {
        println!("| {name} | {:.2} ms | {:.2} ms |", ms(min), ms(median));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
RUST
cp "$root/Cargo.lock" "$work/crate/Cargo.lock"
target="$root/target/bench-yaml-parsers"
CARGO_TARGET_DIR="$target" cargo build --release --quiet --manifest-path "$work/crate/Cargo.toml"
echo "$servers servers"
"$target/release/yaml-parsers" "$work/stack" "$runs"
