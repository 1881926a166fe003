from mcp.server.fastmcp import FastMCP

mcp = FastMCP("uv-app", host="0.0.0.0", port=8000)


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


if __name__ == "__main__":
    mcp.run(transport="streamable-http")
