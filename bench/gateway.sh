#!/usr/bin/env bash
# Gateway throughput: `tools/call` (echo) on the example's stateless Node server, through the
# gateway (HTTPS, bearer token, HTTP/1.1 keep-alive from the client) against the same
# container reached directly on the project network, with the access log unbuffered (as
# before) and buffered (the default now). 16 connections, wrk; calls/s are wrk's requests/s.
# Needs what .ci/setup and .ci/images provide (wrk, docker, local images).
# Usage: bash bench/gateway.sh [SECONDS] [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-10}"
rounds="${2:-3}"
. "$root/.ci/env"
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin mcpstack
bin="$root/target/release/mcpstack"

# Docker is shared with the live suites: hold their lock for the whole run.
exec 9>/tmp/mcpstack-live.lock
flock 9
work="$(mktemp -d)"
trap 'cd "$work/gateway" && "$bin" --caroot "$work/ca" --quiet down >/dev/null 2>&1; rm -rf "$work"' EXIT
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
sed -i 's/^name: gateway$/name: gwbench/' mcp-stack.yaml
sed -i 's/^  http_port: 80$/  http_port: 38080/; s/^  https_port: 443$/  https_port: 38443/; s/^  bind: 0.0.0.0$/  bind: 127.0.0.1/' mcp-stack.yaml
# No rate limit (it would be what is measured); one replica of `pool`, so that direct and
# through-the-gateway reach the same single container.
sed -i 's/^  rate_limit: .*$/  rate_limit: { requests_per_second: 0 }/' mcp-stack.yaml
python3 - <<'PY'
import re
t = open("mcp-stack.yaml").read()
t = re.sub(r"(  pool:\n(?:    .*\n|\s*#.*\n)*?)    replicas: 3\n", r"\1    replicas: 1\n", t)
open("mcp-stack.yaml", "w").write(t)
PY
grep -q "^  access_log:" mcp-stack.yaml || sed -i 's/^gateway:$/gateway:\n  access_log: buffered/' mcp-stack.yaml

cat > "$work/call.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Authorization"] = "Bearer bench"
wrk.headers["Mcp-Protocol-Version"] = "2025-06-18"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}'
LUA

results="$work/results.txt"
for mode in unbuffered buffered; do
  sed -i "s/^  access_log: .*/  access_log: $mode/" mcp-stack.yaml
  "$bin" --caroot "$work/ca" --quiet render >/dev/null
  printf 'MCP_GATEWAY_TOKENS=bench\n' > deploy/.env
  "$bin" --caroot "$work/ca" --quiet up --detach --no-check --profile production >/dev/null
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' gwbench-pool-1)
  for r in $(seq "$rounds"); do
    gw=$(wrk -t2 -c16 -d"${secs}s" -s "$work/call.lua" -H "Host: mcp.local:38443" https://127.0.0.1:38443/pool/ | awk '/Requests\/sec/ {print $2}')
    direct=$(wrk -t2 -c16 -d"${secs}s" -s "$work/call.lua" "http://$ip:8000/mcp" | awk '/Requests\/sec/ {print $2}')
    echo "access_log=$mode round=$r gateway=$gw direct=$direct" | tee -a "$results"
  done
done
cat "$results"
