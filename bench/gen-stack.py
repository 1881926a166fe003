#!/usr/bin/env python3
"""Writes a stack of N servers into DIR (mcp-stack.yaml and the two projects it builds).

The same shape as benches/support/stack_gen.rs: built Python servers with three stateful
replicas and Node servers, bridged stdio, prebuilt SSE, one shared secret and one per server, monitoring.
Usage: bench/gen-stack.py N DIR
"""
import os
import sys

LOCK = ('{"name": "app", "version": "0.1.0", "lockfileVersion": 3, "requires": true, '
        '"packages": {"": {"name": "app", "version": "0.1.0", '
        '"dependencies": {"@modelcontextprotocol/sdk": "^1.32.2"}}}}\n')


def stack_yaml(n):
    y = ("version: 1\nname: scale\ndomain: mcp.example.com\n"
         "gateway:\n  auth: { type: bearer, tokens_env: MCP_GATEWAY_TOKENS }\n"
         "monitoring:\n  enabled: true\nservers:\n")
    for i in range(n):
        name = f"s{i:04}"
        y += f"  {name}:\n"
        y += [
            "    build: ./apps/py\n    runtime: python\n    command: [python, -m, app]\n    health: mcp\n    replicas: 3\n",
            "    build: ./apps/node\n    runtime: node\n    command: [node, server.js]\n    replicas: 2\n    stateless: true\n",
            f"    image: registry.example.com/tools/{name}:1.0\n    runtime: python\n    transport: stdio\n    command: [python, -m, tool]\n",
            f"    image: registry.example.com/tools/{name}:1.0\n    runtime: python\n    transport: sse\n    endpoint: /sse\n    port: 9000\n",
        ][i % 4]
        y += (f"    secrets: [SHARED_API_KEY, KEY_{name.upper()}]\n"
              "    env: { LOG_LEVEL: INFO }\n    timeout: 120s\n")
    return y


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(f"{out}/apps/py", exist_ok=True)
    os.makedirs(f"{out}/apps/node", exist_ok=True)
    with open(f"{out}/apps/py/pyproject.toml", "w") as f:
        f.write('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
                'dependencies = ["mcp>=1.23,<2"]\n')
    with open(f"{out}/apps/py/uv.lock", "w") as f:
        f.write('version = 1\nrequires-python = ">=3.11"\n')
    with open(f"{out}/apps/node/package.json", "w") as f:
        f.write('{"name": "app", "version": "0.1.0", "type": "module", '
                '"dependencies": {"@modelcontextprotocol/sdk": "^1.32.2"}}\n')
    with open(f"{out}/apps/node/package-lock.json", "w") as f:
        f.write(LOCK)
    with open(f"{out}/apps/node/server.js", "w") as f:
        f.write("// a server\n")
    with open(f"{out}/mcp-stack.yaml", "w") as f:
        f.write(stack_yaml(n))


if __name__ == "__main__":
    main()
