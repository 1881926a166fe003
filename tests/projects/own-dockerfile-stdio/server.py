import sys

from mcp.server.fastmcp import FastMCP

mcp = FastMCP("own-dockerfile")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    print(f"own-dockerfile add {a} {b}", file=sys.stderr, flush=True)
    return a + b


if __name__ == "__main__":
    mcp.run()
