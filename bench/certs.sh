#!/usr/bin/env bash
# `mcpstack certs` (a new local CA and leaf, ECDSA and RSA) against `mkcert` making the same
# (a new CA and a leaf for the same names), each run from an empty CA folder; then a leaf
# alone, each tool with its own CA already there (the usual case after the first project).
# Needs hyperfine and mkcert. Usage: bash bench/certs.sh [RUNS] [OLD_BINARY]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-10}"
old="${2:-}"
for tool in hyperfine mkcert; do
  command -v "$tool" >/dev/null || { echo "$tool is required (apt-get install $tool)" >&2; exit 1; }
done
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin mcpstack
new="$root/target/release/mcpstack"
bins=("new=$new")
[ -n "$old" ] && bins=("old=$old" "new=$new")

work="$(mktemp -d "${TMPDIR:-/var/tmp}/mcpstack-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'version: 1\nname: certs\ndomain: mcp.local\naliases: [localhost, 127.0.0.1]\nservers:\n  tools: { image: example/tools:1, health: none }\n' > mcp-stack.yaml
# mkcert writes the leaf into the current folder; TRUST_STORES=none: nothing is installed.
export TRUST_STORES=none
# No globs: with -N, hyperfine runs these without a shell too.
pems="$work/mcp.local+2.pem $work/mcp.local+2-key.pem"
fresh="rm -rf $work/ca $work/deploy $pems"
leaf="rm -rf $work/deploy $pems"
for kind in ecdsa rsa; do
  flag="" mkflag=""
  [ "$kind" = ecdsa ] && mkflag="-ecdsa"
  [ "$kind" = rsa ] && flag="--rsa"
  cmds=() leafcmds=()
  for b in "${bins[@]}"; do
    name="${b%%=*}" bin="${b#*=}"
    cmds+=(-n "$name mcpstack certs $flag" --prepare "$fresh" "$bin --quiet --caroot $work/ca certs $flag")
    leafcmds+=(-n "$name mcpstack certs $flag (leaf)" --prepare "$leaf" "$bin --quiet --caroot $work/ca-$name-$kind certs $flag")
    "$bin" --quiet --caroot "$work/ca-$name-$kind" certs $flag >/dev/null
  done
  cmds+=(-n "mkcert $mkflag" --prepare "$fresh" "mkcert $mkflag mcp.local localhost 127.0.0.1")
  leafcmds+=(-n "mkcert $mkflag (leaf)" --prepare "$leaf" "mkcert $mkflag mcp.local localhost 127.0.0.1")
  CAROOT="$work/ca-mkcert-$kind" mkcert $mkflag -install >/dev/null 2>&1
  # -N: no shell around a run of a few milliseconds (subtracting a shell's start is noisier
  # than the difference measured); mkcert's CAROOT is exported instead, mcpstack gets --caroot.
  CAROOT="$work/ca" hyperfine -N --runs "$runs" --warmup 1 --export-markdown "$work/$kind.md" "${cmds[@]}" >&2
  CAROOT="$work/ca-mkcert-$kind" hyperfine -N --runs "$runs" --warmup 1 --export-markdown "$work/$kind-leaf.md" "${leafcmds[@]}" >&2
done
cat "$work/ecdsa.md" "$work/ecdsa-leaf.md" "$work/rsa.md" "$work/rsa-leaf.md"
