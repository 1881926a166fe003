"""Spike MCP server (Streamable HTTP)."""
