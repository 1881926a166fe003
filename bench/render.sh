#!/usr/bin/env bash
# `mcpstack render` of 100 and 1,000 generated servers into an empty output folder, against
# copying that output (`cp -r`, and `cp -r` then `sync -f`), on the disk and on tmpfs; peak
# memory of `render --check`.
# With OLD_BINARY, the older binary is measured in the same run, beside the new one.
# Needs hyperfine and python3. Usage: bash bench/render.sh [RUNS] [OLD_BINARY]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-10}"
old="${2:-}"
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin mcpstack
new="$root/target/release/mcpstack"
bins=("new=$new")
[ -n "$old" ] && bins=("old=$old" "new=$new")

disk="$(mktemp -d "${TMPDIR:-/var/tmp}/mcpstack-render.XXXXXX")"
shm="$(mktemp -d /dev/shm/mcpstack-render.XXXXXX)"
trap 'rm -rf "$disk" "$shm"' EXIT
export MCPSTACK_CAROOT="$disk/ca" NO_COLOR=1
results="$disk/results.md"
: > "$results"

for place in "$disk" "$shm"; do
  fs="$(stat -f -c %T "$place")"
  for n in 100 1000; do
    dir="$place/s$n"
    python3 "$root/bench/gen-stack.py" "$n" "$dir"
    cmds=()
    for b in "${bins[@]}"; do
      name="${b%%=*}" bin="${b#*=}"
      cmds+=(-n "$name render $n servers ($fs)" --prepare "rm -rf $dir/deploy" "cd $dir && $bin --quiet render")
    done
    # The anchor: copying the output render writes (certificates included).
    (cd "$dir" && "$new" --quiet render >/dev/null)
    cmds+=(-n "cp -r of that output ($fs)" --prepare "rm -rf $dir/copy" "cp -r $dir/deploy $dir/copy")
    # The same copy made durable, as render makes its output (one syncfs of the file system).
    cmds+=(-n "cp -r, then sync -f ($fs)" --prepare "rm -rf $dir/copy" "cp -r $dir/deploy $dir/copy && sync -f $dir/copy")
    hyperfine --runs "$runs" --warmup 1 --export-markdown "$disk/t.md" "${cmds[@]}" >&2
    cat "$disk/t.md" >> "$results"
    echo >> "$results"
    if [ "$place" = "$disk" ]; then
      for b in "${bins[@]}"; do
        name="${b%%=*}" bin="${b#*=}"
        (cd "$dir" && "$bin" --quiet render >/dev/null)
        rss=$(cd "$dir" && /usr/bin/time -f %M "$bin" --quiet render --check 2>&1 >/dev/null | tail -1)
        out=$(du -sb --exclude=certs "$dir/deploy" | cut -f1)
        echo "peak RSS, $name render --check $n servers: $((rss / 1024)) MiB (output $((out / 1024)) KiB)" >> "$results"
      done
      echo >> "$results"
    fi
  done
done
cat "$results"
