#!/usr/bin/env bash
# `mcpstack up` against `docker-compose up -d` on the same rendered files and prebuilt images:
# cold (no containers) until every container is healthy, and warm (everything already
# running). For Compose, "healthy" is the engine's health status of every container, polled
# every 0.2 s after `up -d` returns; `mcpstack up` waits for health itself, and with its
# check also calls every server through the gateway before it returns. Needs what .ci/setup
# and .ci/images provide, and hyperfine. Usage: bash bench/up.sh [RUNS]
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
# docker-compose up -d, then every container of the project with a health check healthy.
cat > "$work/compose-healthy.sh" <<SH
set -eu
$dc 2>/dev/null
while :; do
  pending=0
  for c in \$(docker ps -q --filter label=com.docker.compose.project=mcpstackbench); do
    case "\$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "\$c")" in
      ""|healthy) ;;
      *) pending=1 ;;
    esac
  done
  [ "\$pending" = 0 ] && exit 0
  sleep 0.2
done
SH
cd deploy
hyperfine --runs "$runs" --export-markdown "$work/cold.md" \
  --prepare "cd .. && $down" -n "mcpstack up, to healthy (cold)" "cd .. && $bin --caroot $work/ca --quiet up --detach --no-check" \
  --prepare "cd .. && $down" -n "mcpstack up, to healthy and every server called through the gateway (cold)" "cd .. && $bin --caroot $work/ca --quiet up --detach" \
  --prepare "cd .. && $down" -n "docker-compose up -d, to healthy (cold)" "bash $work/compose-healthy.sh" \
  --prepare "cd .. && $down" -n "mcpstack up --no-wait (cold)" "cd .. && $mcp" \
  --prepare "cd .. && $down" -n "docker-compose up -d (cold)" "$dc"
cd .. && $mcp >/dev/null && cd deploy
hyperfine --runs "$((runs * 2))" --warmup 1 --export-markdown "$work/warm.md" \
  -n "mcpstack up (warm)" "cd .. && $mcp" \
  -n "docker-compose up -d (warm)" "$dc"
cat "$work/cold.md" "$work/warm.md"
