"""Word tools behind a typer command line: `python main.py stdio` or `... streamable-http`."""

import typer
from mcp.server.fastmcp import FastMCP

app = typer.Typer(help="The words MCP server.")
server = FastMCP("typer-words", host="0.0.0.0")


@server.tool()
def reverse(text: str) -> str:
    """Returns the text backwards."""
    return text[::-1]


@app.command()
def stdio() -> None:
    """Serves over standard input and output."""
    server.run("stdio")


@app.command("streamable-http")
def streamable_http(host: str = "0.0.0.0", port: int = 8765) -> None:
    """Serves streamable HTTP at /mcp."""
    server.settings.host = host
    server.settings.port = port
    server.run("streamable-http")


if __name__ == "__main__":
    app()
