"""Todo MCP server: tools backed by the todo HTTP API at $BACKEND_URL.

Every backend call carries `Authorization: Bearer $SERVICE_AUTH_TOKEN`.
"""

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.transport_security import TransportSecuritySettings


def secret(name: str) -> str | None:
    """A secret from env NAME, else from the file named by NAME_FILE, else /run/secrets/NAME."""
    if value := os.environ.get(name):
        return value
    path = Path(os.environ.get(f"{name}_FILE", f"/run/secrets/{name}"))
    return path.read_text().strip() if path.is_file() else None


BACKEND_URL = os.environ.get("BACKEND_URL", "http://backend:8000").rstrip("/")

mcp = FastMCP(
    "todo",
    host="0.0.0.0",
    port=int(os.environ.get("PORT", "8000")),
    log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    streamable_http_path="/mcp",
    # Host/Origin checks are off here: the gateway validates Origin.
    transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
)


async def backend(method: str, path: str, body: dict | None = None) -> Any:
    headers = {"Authorization": f"Bearer {secret('SERVICE_AUTH_TOKEN')}"}
    async with httpx.AsyncClient(base_url=BACKEND_URL, headers=headers, timeout=10) as client:
        response = await client.request(method, path, json=body)
    if response.is_error:
        raise RuntimeError(f"backend {method} {path} answered {response.status_code}: {response.text}")
    return response.json()


@mcp.tool()
async def add_todo(title: str) -> dict[str, Any]:
    """Add a todo and return it."""
    return await backend("POST", "/todos", {"title": title})


@mcp.tool()
async def list_todos() -> list[dict[str, Any]]:
    """List all todos, oldest first."""
    return await backend("GET", "/todos")


@mcp.tool()
async def complete_todo(id: int) -> dict[str, Any]:
    """Mark the todo with this id as done and return it."""
    return await backend("POST", f"/todos/{id}/complete")


@mcp.tool()
async def progress(seconds: int, ctx: Context) -> str:
    """Wait `seconds` seconds, sending a progress notification every second."""
    if not 0 <= seconds <= 3600:
        raise ValueError("seconds must be between 0 and 3600")
    for i in range(1, seconds + 1):
        await asyncio.sleep(1)
        await ctx.report_progress(i, seconds, f"{i}/{seconds}s")
    return f"done after {seconds}s"


def main() -> None:
    if not secret("SERVICE_AUTH_TOKEN"):
        sys.exit("SERVICE_AUTH_TOKEN is not set")
    mcp.run(transport="streamable-http")


if __name__ == "__main__":
    main()
