"""MCP server on the stdio transport."""
