"""MCP server on the legacy SSE transport."""
