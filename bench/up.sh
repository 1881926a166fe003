#!/usr/bin/env bash
# `mcpstack up` against `docker-compose up -d` on the same rendered files and prebuilt images:
# cold (no containers) and warm (everything already running). Needs what .ci/setup and
# .ci/images provide, and hyperfine. Usage: bash bench/up.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"
. "$root/.ci/env"
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/mcpstack"

work="$(mktemp -d)"
trap 'cd "$work/gateway" && "$bin" --caroot "$work/ca" down >/dev/null 2>&1; rm -rf "$work"' EXIT
cp -r "$root/examples/gateway" "$work/gateway"
rm -rf "$work/gateway/deploy"
cd "$work/gateway"
cat >> mcp-stack.yaml <<YAML
images:
  python: ${MCPSTACK_TEST_PYTHON_IMAGE}
  uv: ${MCPSTACK_TEST_UV_IMAGE}
  node: ${MCPSTACK_TEST_NODE_IMAGE}
  nginx: ${MCPSTACK_TEST_NGINX_IMAGE}
YAML
sed -i 's/^  http_port: 80$/  http_port: 38080/; s/^  https_port: 443$/  https_port: 38443/; s/^  bind: 0.0.0.0$/  bind: 127.0.0.1/' mcp-stack.yaml
"$bin" --caroot "$work/ca" render >/dev/null
printf 'COMPOSE_PROJECT_NAME=mcpstackbench\nMCP_GATEWAY_TOKENS=bench\n' > deploy/.env
# Build once; both tools then start from the same images.
"$bin" --caroot "$work/ca" up --detach --build --no-check --no-wait >/dev/null
"$bin" --caroot "$work/ca" down >/dev/null

mcp="$bin --caroot $work/ca --quiet up --detach --no-check --no-wait"
dc="docker-compose --compatibility --profile production up -d"
down="$bin --caroot $work/ca --quiet down"
cd deploy
hyperfine --runs "$runs" --export-markdown "$work/cold.md" \
  --prepare "cd .. && $down" -n "mcpstack up (cold)" "cd .. && $mcp" \
  --prepare "cd .. && $down" -n "docker-compose up -d (cold)" "$dc"
cd .. && $mcp >/dev/null && cd deploy
hyperfine --runs "$((runs * 2))" --warmup 1 --export-markdown "$work/warm.md" \
  -n "mcpstack up (warm)" "cd .. && $mcp" \
  -n "docker-compose up -d (warm)" "$dc"
cat "$work/cold.md" "$work/warm.md"
