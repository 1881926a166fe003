import logging
from pathlib import Path

from mcp.server.fastmcp import FastMCP

logging.basicConfig(filename=Path(__file__).with_name("server.log"), level=logging.INFO)
cache = Path.home() / ".cache" / "writes-log"
cache.mkdir(parents=True, exist_ok=True)

mcp = FastMCP("writes-log")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    logging.info("add %s %s", a, b)
    (cache / "last").write_text(str(a + b))
    return a + b


if __name__ == "__main__":
    mcp.run()
