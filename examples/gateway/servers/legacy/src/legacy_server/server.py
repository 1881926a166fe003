"""MCP server on the legacy HTTP+SSE transport.

The client opens GET /sse; the first event (`endpoint`) tells it where to POST
its messages: `<MOUNT_PATH>/messages/?session_id=<hex>`, a path from the root.
MOUNT_PATH (default /) is only for a proxy that strips a path prefix without
rewriting this event; the mcpstack gateway rewrites it, so leave it unset there.
"""

import os

from mcp.server.fastmcp import FastMCP
from mcp.server.transport_security import TransportSecuritySettings

mcp = FastMCP(
    "legacy",
    host="0.0.0.0",
    port=int(os.environ.get("PORT", "8000")),
    log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    sse_path="/sse",
    message_path="/messages/",
    # Host/Origin checks are off here: the gateway validates Origin.
    transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
)


@mcp.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@mcp.tool()
def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def main() -> None:
    mcp.run(transport="sse", mount_path=os.environ.get("MOUNT_PATH", "/"))


if __name__ == "__main__":
    main()
