"""The official MCP Python SDK client, and plain HTTP, against a live mcpstack gateway.

usage: gateway_client.py SCENARIO BASE_URL CA_FILE TOKEN [ARGS...]
Prints one JSON object; the Rust test that runs it asserts on it.
"""

import asyncio
import json
import ssl
import sys
import time

import httpx2 as httpx
from mcp import ClientSession, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

SCENARIO, BASE, CA, TOKEN = sys.argv[1:5]
ARGS = sys.argv[5:]
AUTH = {"Authorization": f"Bearer {TOKEN}"} if TOKEN else {}


def tls() -> ssl.SSLContext:
    """Trusts only the stack's CA."""
    return ssl.create_default_context(cafile=CA)


def http_client(headers=None, timeout=None, auth=None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={**AUTH, **(headers or {})},
        timeout=timeout or httpx.Timeout(30, read=300),
        auth=auth,
        verify=tls(),
        follow_redirects=False,
    )


def text(result) -> str:
    return result.content[0].text


async def streamable(path: str):
    """A session over streamable HTTP: (session, get_session_id) inside a context."""
    client = http_client()
    transport = streamable_http_client(BASE + path, http_client=client)
    return client, transport


async def basic(path: str, transport: str) -> dict:
    async def run(session: ClientSession):
        init = await session.initialize()
        tools = await session.list_tools()
        echo = await session.call_tool("echo", {"text": "hello"})
        return {
            "server": init.server_info.name,
            "protocol": init.protocol_version,
            "tools": sorted(t.name for t in tools.tools),
            "echo": text(echo),
        }

    if transport == "sse":
        async with sse_client(BASE + path, headers=AUTH, httpx_client_factory=http_client) as (r, w):
            async with ClientSession(r, w) as s:
                return await run(s)
    async with http_client() as client:
        async with streamable_http_client(BASE + path, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as s:
                return await run(s)


async def call(path: str, transport: str, tool: str, arguments: str, raw: bool = False) -> dict:
    """tools/list, then one tools/call of `tool` with JSON `arguments` (the real-project suite).

    `raw` sends both requests through the same session without the SDK's check of the
    results: some published servers list input schemas without `type: object`, which the
    SDK rejects although the calls themselves work. (The SDK has no public way to skip
    that check, so this uses its dispatcher, as `send_request` does.)"""

    async def send(session: ClientSession, request) -> dict:
        data = request.model_dump(by_alias=True, mode="json", exclude_none=True)
        opts: dict = {}
        session._stamp(data, opts)
        return await session._dispatcher.send_raw_request(data["method"], data.get("params"), opts)

    async def run_raw(session: ClientSession):
        await session.initialize()
        tools = await send(session, types.ListToolsRequest())
        result = await send(
            session,
            types.CallToolRequest(
                params=types.CallToolRequestParams(name=tool, arguments=json.loads(arguments))
            ),
        )
        texts = [c.get("text", "") for c in result.get("content", []) if c.get("type") == "text"]
        return {
            "tools": sorted(t["name"] for t in tools["tools"]),
            "is_error": bool(result.get("isError")),
            "text": "\n".join(texts),
        }

    async def run(session: ClientSession):
        if raw:
            return await run_raw(session)
        await session.initialize()
        tools = await session.list_tools()
        result = await session.call_tool(tool, json.loads(arguments))
        texts = [c.text for c in result.content if getattr(c, "type", "") == "text"]
        return {
            "tools": sorted(t.name for t in tools.tools),
            "is_error": bool(result.is_error),
            "text": "\n".join(texts),
        }

    if transport == "sse":
        async with sse_client(BASE + path, headers=AUTH, httpx_client_factory=http_client) as (r, w):
            async with ClientSession(r, w) as s:
                return await run(s)
    async with http_client() as client:
        async with streamable_http_client(BASE + path, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as s:
                return await run(s)


async def progress(path: str, seconds: int) -> dict:
    """A long tool call that reports progress every second: when does each report arrive?"""
    async with http_client() as client:
        async with streamable_http_client(BASE + path, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as s:
                await s.initialize()
                start = time.monotonic()
                arrivals = []

                async def on_progress(done, total, message):
                    arrivals.append({"progress": done, "at": round(time.monotonic() - start, 3)})

                result = await s.call_tool(
                    "progress", {"seconds": seconds}, read_timeout_seconds=seconds + 60,
                    progress_callback=on_progress,
                )
                return {
                    "result": text(result),
                    "elapsed": round(time.monotonic() - start, 3),
                    "arrivals": arrivals,
                }


async def sessions(path: str, count: int, calls: int, restart: list[str]) -> dict:
    """Concurrent sessions, each making several calls: does every call reach its replica?

    With a `restart` command: once every session has made its calls, it is run (a gateway
    restart), and the same sessions make their calls again."""
    arrived = asyncio.Barrier(count + 1) if restart else None
    restarted = asyncio.Event()

    async def one(n: int) -> dict:
        seen, errors, ids, waited = set(), [], [], False

        async def session_id(response):
            sid = response.headers.get("mcp-session-id")
            if sid and sid not in ids:
                ids.append(sid)

        try:
            async with http_client() as client:
                client.event_hooks = {"request": [], "response": [session_id]}
                async with streamable_http_client(BASE + path, http_client=client) as streams:
                    async with ClientSession(streams[0], streams[1]) as s:
                        await s.initialize()
                        for phase in range(2 if restart else 1):
                            if phase == 1:
                                waited = True
                                await arrived.wait()
                                await restarted.wait()
                            for _ in range(calls):
                                r = await s.call_tool("whoami", {})
                                if r.is_error:
                                    errors.append(text(r))
                                else:
                                    seen.add(text(r))
        except Exception as e:  # noqa: BLE001 - reported, the test asserts on it
            errors.append(f"{type(e).__name__}: {e}")
        finally:
            if arrived and not waited:
                await arrived.wait()
        return {"replicas": sorted(seen), "errors": errors, "ids": ids}

    async def restart_gateway() -> dict:
        await arrived.wait()
        # Its output would mix with the JSON this script prints.
        proc = await asyncio.create_subprocess_exec(*restart, stdout=asyncio.subprocess.DEVNULL)
        code = await proc.wait()
        # Liveness only: wait until the restarted gateway answers again.
        up = False
        async with http_client() as client:
            for _ in range(120):
                try:
                    up = (await client.get(BASE + "/health")).status_code == 200
                except httpx.HTTPError:
                    up = False
                if up:
                    break
                await asyncio.sleep(0.5)
        restarted.set()
        return {"code": code, "up": up}

    tasks = [one(n) for n in range(count)]
    if restart:
        *results, r = await asyncio.gather(*tasks, restart_gateway())
        return {"sessions": results, "restart": r}
    return {"sessions": await asyncio.gather(*tasks)}


async def spread(path: str, calls: int, tolerate: bool = False) -> dict:
    """Calls to a stateless server, each on its own connection: which replicas answer?

    `tolerate` counts failed calls in `failed` instead of stopping at the first (a call in
    flight on a replica that is killed fails: nothing can answer it)."""
    seen, failed = {}, []

    async def one():
        async with http_client() as client:
            async with streamable_http_client(BASE + path, http_client=client) as streams:
                async with ClientSession(streams[0], streams[1]) as s:
                    await s.initialize()
                    who = text(await s.call_tool("whoami", {}))
                    seen[who] = seen.get(who, 0) + 1

    for _ in range(calls):
        if not tolerate:
            await one()
            continue
        try:
            await one()
        except BaseException as e:  # the SDK raises exception groups
            failed.append(repr(e)[:300])
    return {"replicas": seen, "failed": failed}


INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "mcpstack-live", "version": "1"}},
}
ALLOWED_ORIGIN = "https://app.example.com"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


async def http(path: str, http_base: str) -> dict:
    """The gateway's HTTP behaviour, request by request."""
    out = {}
    async with httpx.AsyncClient(verify=tls(), timeout=30) as c:
        r = await c.post(http_base + path, json=INIT, headers={**MCP_HEADERS, **AUTH})
        out["http_post"] = {"status": r.status_code, "location": r.headers.get("location")}
        # Following a 308 keeps the method and the body.
        r = await c.post(r.headers["location"], json=INIT, headers={**MCP_HEADERS, **AUTH})
        out["after_redirect"] = {"status": r.status_code, "initialized": "protocolVersion" in r.text}
        session = r.headers.get("mcp-session-id")
        out["session_id"] = bool(session)
        r = await c.post(BASE + path, json=INIT, headers=MCP_HEADERS)
        out["no_token"] = {"status": r.status_code, "www_authenticate": r.headers.get("www-authenticate")}
        r = await c.post(BASE + path, json=INIT, headers={**MCP_HEADERS, "Authorization": "Bearer wrong"})
        out["bad_token"] = r.status_code
        r = await c.post(BASE + path, json=INIT,
                         headers={**MCP_HEADERS, **AUTH, "Origin": "https://evil.example"})
        out["foreign_origin"] = r.status_code
        r = await c.options(BASE + path, headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
        out["foreign_preflight"] = r.status_code
        r = await c.options(BASE + path, headers={
            "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, mcp-session-id"})
        out["allowed_preflight"] = {"status": r.status_code, "headers": {
            k: r.headers.get(k) for k in ["access-control-allow-origin", "access-control-allow-methods",
                                          "access-control-allow-headers", "access-control-expose-headers"]}}
        r = await c.post(BASE + path, json=INIT, headers={**MCP_HEADERS, **AUTH, "Origin": ALLOWED_ORIGIN})
        out["allowed_origin"] = {"status": r.status_code,
                                 "allow_origin": r.headers.get("access-control-allow-origin"),
                                 "expose": r.headers.get("access-control-expose-headers")}
        r = await c.get(BASE + "/.well-known/oauth-protected-resource" + path + "mcp")
        out["oauth_metadata"] = {"status": r.status_code, "body": r.text[:200]}
        r = await c.get(BASE + "/health")
        out["health"] = {"status": r.status_code, "headers": {
            k: r.headers.get(k) for k in ["strict-transport-security", "x-content-type-options",
                                          "x-frame-options", "referrer-policy", "server"]}}
        # A DELETE ends the session: the next request on it is 404.
        hdrs = {**MCP_HEADERS, **AUTH, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"}
        r = await c.delete(BASE + path, headers=hdrs)
        out["delete"] = r.status_code
        r = await c.post(BASE + path, headers=hdrs,
                         json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        out["after_delete"] = r.status_code
    return out


async def burst(path: str, count: int) -> dict:
    """Many requests at once from one address: how many are refused with 429?"""
    async with httpx.AsyncClient(verify=tls(), timeout=30,
                                 limits=httpx.Limits(max_connections=count)) as c:
        async def one():
            r = await c.post(BASE + path, json=INIT, headers={**MCP_HEADERS, **AUTH})
            return r.status_code
        codes = await asyncio.gather(*(one() for _ in range(count)))
    counts = {}
    for code in codes:
        counts[str(code)] = counts.get(str(code), 0) + 1
    return {"codes": counts}


async def sse_endpoint(path: str) -> dict:
    """The first event of a legacy SSE stream names where to POST: it must be inside the prefix."""
    async with httpx.AsyncClient(verify=tls(), timeout=30, headers=AUTH) as c:
        async with c.stream("GET", BASE + path, headers={"Accept": "text/event-stream"}) as r:
            lines = []
            async for line in r.aiter_lines():
                lines.append(line)
                if line.startswith("data:"):
                    break
            return {"status": r.status_code, "content_type": r.headers.get("content-type"),
                    "buffering": r.headers.get("x-accel-buffering"), "lines": lines}


async def main():
    handlers = {
        "basic": lambda: basic(ARGS[0], ARGS[1]),
        "call": lambda: call(ARGS[0], ARGS[1], ARGS[2], ARGS[3], ARGS[4:5] == ["raw"]),
        "progress": lambda: progress(ARGS[0], int(ARGS[1])),
        "sessions": lambda: sessions(ARGS[0], int(ARGS[1]), int(ARGS[2]), ARGS[3:]),
        "spread": lambda: spread(ARGS[0], int(ARGS[1]), ARGS[2:3] == ["tolerate"]),
        "http": lambda: http(ARGS[0], ARGS[1]),
        "burst": lambda: burst(ARGS[0], int(ARGS[1])),
        "sse_endpoint": lambda: sse_endpoint(ARGS[0]),
    }
    print(json.dumps(await handlers[SCENARIO]()))


asyncio.run(main())
