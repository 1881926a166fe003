"""Todo MCP server (Streamable HTTP)."""
