"""The Python SDK's low-level Server, served over streamable HTTP at /mcp/ by uvicorn."""

import contextlib

import mcp.types as types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.applications import Starlette
from starlette.routing import Mount

server = Server("lowlevel-multiply")


@server.list_tools()
async def list_tools() -> list[types.Tool]:
    return [
        types.Tool(
            name="multiply",
            description="Multiplies two numbers.",
            inputSchema={
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                "required": ["a", "b"],
            },
        )
    ]


@server.call_tool()
async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
    if name != "multiply":
        raise ValueError(f"unknown tool {name}")
    product = arguments["a"] * arguments["b"]
    return [types.TextContent(type="text", text=f"{product:g}")]


manager = StreamableHTTPSessionManager(app=server)


async def handle(scope, receive, send) -> None:
    await manager.handle_request(scope, receive, send)


@contextlib.asynccontextmanager
async def lifespan(app):
    async with manager.run():
        yield


app = Starlette(routes=[Mount("/mcp", app=handle)], lifespan=lifespan)

if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)
