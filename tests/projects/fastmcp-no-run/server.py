"""A FastMCP server object and nothing that starts it: `fastmcp run server.py` does."""

from fastmcp import FastMCP

mcp = FastMCP("shout")


@mcp.tool
def shout(text: str) -> str:
    """Returns the text in capitals, with emphasis."""
    return text.upper() + "!"
