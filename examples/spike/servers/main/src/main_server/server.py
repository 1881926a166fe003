"""Spike MCP server: echo, add and progress over Streamable HTTP at /mcp."""

import asyncio
import os

from mcp.server.fastmcp import Context, FastMCP
from mcp.server.transport_security import TransportSecuritySettings

mcp = FastMCP(
    "main",
    host="0.0.0.0",
    port=int(os.environ.get("PORT", "8000")),
    log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    streamable_http_path="/mcp",
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
    mcp.run(transport="streamable-http")


if __name__ == "__main__":
    main()
