#!/usr/bin/env bash
# Gateway overhead: `tools/call` (echo) on the example's stateless Node server, 16 connections
# (wrk, HTTP/1.1 keep-alive from the client), calls/s and the p50 latency of one connection:
#   direct   the server container's own address on the project network (the issue's anchor)
#   bare     a hand-written minimal nginx proxy (TLS, one upstream with keep-alive, no log,
#            nothing else) in the same image beside it: what the proxy hop itself costs here
#   gateway  mcpstack's gateway at its container address (as a client on another machine
#            reaches it: the kernel forwards the published port, no userland copy)
#   gateway-published  the same through 127.0.0.1:38443 (docker-proxy carries every byte)
# with the access log unbuffered (as before) and buffered (the default now).
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
trap 'docker rm -f gwbench-bare >/dev/null 2>&1; cd "$work/gateway" && "$bin" --caroot "$work/ca" --quiet down >/dev/null 2>&1; rm -rf "$work"' EXIT
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

# The minimal proxy: what a user would write by hand, with the same certificate.
cat > "$work/bare.conf" <<'NGINX'
worker_processes auto;
pid /tmp/bare.pid;
error_log /dev/stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    upstream pool { server POOL:8000; keepalive 32; }
    server {
        listen 9443 ssl http2;
        ssl_certificate /certs/fullchain.pem;
        ssl_certificate_key /certs/privkey.pem;
        location /pool/ {
            proxy_pass http://pool/mcp;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
NGINX

rate() { awk '/Requests\/sec/ {print $2}'; }
p50() { awk '$1 == "50%" {print $2}'; }
load() { # URL [wrk args...]: calls/s with 16 connections
  local url="$1"; shift
  wrk -t2 -c16 -d"${secs}s" -s "$work/call.lua" "$@" "$url" | rate
}
latency() { # URL [wrk args...]: p50 of one connection
  local url="$1"; shift
  wrk -t1 -c1 -d"$(( secs / 2 + 1 ))s" --latency -s "$work/call.lua" "$@" "$url" | p50
}

# A new session on URL (initialize, then initialized): its Mcp-Session-Id. The stdio-bridged
# server keeps sessions, so its calls carry one.
session() { # URL [curl args...]
  local url="$1"; shift
  local h=(-H "Content-Type: application/json" -H "Accept: application/json, text/event-stream"
    -H "Authorization: Bearer bench" -H "Mcp-Protocol-Version: 2025-06-18")
  local sid
  sid=$(curl -sk -D - -o /dev/null "${h[@]}" "$@" "$url" \
    -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
    | awk 'tolower($1) == "mcp-session-id:" {print $2}' | tr -d '\r')
  [ -n "$sid" ] || { echo "no session from $url" >&2; exit 1; }
  curl -sk -o /dev/null "${h[@]}" -H "Mcp-Session-Id: $sid" "$@" "$url" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  echo "$sid"
}

results="$work/results.txt"
for mode in unbuffered buffered; do
  sed -i "s/^  access_log: .*/  access_log: $mode/" mcp-stack.yaml
  "$bin" --caroot "$work/ca" --quiet render >/dev/null
  printf 'MCP_GATEWAY_TOKENS=bench\n' > deploy/.env
  "$bin" --caroot "$work/ca" --quiet up --detach --no-check --profile production >/dev/null
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' gwbench-pool-1)
  gw_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' gwbench-gateway-1)
  net=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' gwbench-pool-1)
  if [ "$mode" = buffered ]; then
    sed "s/POOL/$ip/" "$work/bare.conf" > "$work/bare.run.conf"
    docker rm -f gwbench-bare >/dev/null 2>&1 || true
    docker run -d --name gwbench-bare --network "$net" \
      -v "$work/bare.run.conf:/bare.conf:ro" -v "$PWD/deploy/certs:/certs:ro" \
      --entrypoint nginx "$MCPSTACK_TEST_NGINX_IMAGE" -c /bare.conf -g 'daemon off;' >/dev/null
    bare_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' gwbench-bare)
    sleep 1
  fi
  gw_url="https://$gw_ip:8443/pool/"
  pub_url="https://127.0.0.1:38443/pool/"
  host=(-H "Host: mcp.local")
  for r in $(seq "$rounds"); do
    line="access_log=$mode round=$r"
    line+=" direct=$(load "http://$ip:8000/mcp")"
    [ "$mode" = buffered ] && line+=" bare=$(load "https://$bare_ip:9443/pool/")"
    line+=" gateway=$(load "$gw_url" "${host[@]}")"
    line+=" gateway-published=$(load "$pub_url" "${host[@]}")"
    echo "$line" | tee -a "$results"
  done
  if [ "$mode" = buffered ]; then
    line="p50 (1 connection)"
    line+=" direct=$(latency "http://$ip:8000/mcp")"
    line+=" bare=$(latency "https://$bare_ip:9443/pool/")"
    line+=" gateway=$(latency "$gw_url" "${host[@]}")"
    line+=" gateway-published=$(latency "$pub_url" "${host[@]}")"
    echo "$line" | tee -a "$results"
    local_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' gwbench-local-1)
    sid=$(session "http://$local_ip:8000/mcp")
    line="p50 stdio-bridged (1 connection) direct=$(latency "http://$local_ip:8000/mcp" -H "Mcp-Session-Id: $sid")"
    sid=$(session "https://$gw_ip:8443/local/" -H "Host: mcp.local")
    line+=" gateway=$(latency "https://$gw_ip:8443/local/" "${host[@]}" -H "Mcp-Session-Id: $sid")"
    echo "$line" | tee -a "$results"
    # Connections the gateway opened to the server during all of the above: with keep-alive,
    # a handful; without, one per call.
    echo "gateway->server TCP connections open or in TIME-WAIT after the runs: $(docker exec gwbench-gateway-1 cat /proc/net/tcp | awk '$3 ~ /:1F40$/' | wc -l)" | tee -a "$results"
  fi
done
docker rm -f gwbench-bare >/dev/null 2>&1 || true
cat "$results"
