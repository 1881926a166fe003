"""A notes server behind a click command line: `--transport` defaults to stdio."""

import click
from mcp.server.fastmcp import FastMCP

NOTES: list[str] = []


def build(host: str, port: int) -> FastMCP:
    server = FastMCP("click-notes", host=host, port=port)

    @server.tool()
    def add_note(text: str) -> str:
        """Keeps a note and says how many there are."""
        NOTES.append(text)
        return f"noted ({len(NOTES)} so far): {text}"

    return server


@click.command()
@click.option(
    "--transport",
    type=click.Choice(["stdio", "streamable-http"]),
    default="stdio",
    show_default=True,
)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8931, show_default=True, type=int)
def main(transport: str, host: str, port: int) -> None:
    """Runs the notes server."""
    build(host, port).run(transport=transport)
