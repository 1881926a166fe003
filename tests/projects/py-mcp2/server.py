from mcp.server import MCPServer

mcp = MCPServer("sdk-two")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


if __name__ == "__main__":
    mcp.run()
