"""Todo backend: a small JSON API over PostgreSQL.

GET  /health               no auth; 200 when the database answers
GET  /todos                list todos
POST /todos                {"title": "..."} -> the new todo (201)
POST /todos/<id>/complete  mark a todo done (404 if unknown)

Every route but /health needs `Authorization: Bearer $SERVICE_AUTH_TOKEN`.
"""

import hmac
import json
import logging
import os
import re
import signal
import sys
import time
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pg8000.native

log = logging.getLogger("todo_backend")

SCHEMA = """
CREATE TABLE IF NOT EXISTS todos (
    id         SERIAL PRIMARY KEY,
    title      TEXT NOT NULL,
    done       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""
COLUMNS = "id, title, done, created_at"
MAX_BODY = 64 * 1024
DB: dict = {}  # connection parameters, set in main()
TOKEN = ""  # SERVICE_AUTH_TOKEN, set in main()


def secret(name: str) -> str | None:
    """A secret from env NAME, else from the file named by NAME_FILE, else /run/secrets/NAME."""
    if value := os.environ.get(name):
        return value
    path = Path(os.environ.get(f"{name}_FILE", f"/run/secrets/{name}"))
    return path.read_text().strip() if path.is_file() else None


def db_params() -> dict:
    # DATABASE_URL carries no password, e.g. postgresql://app@postgres:5432/app
    url = urlsplit(os.environ.get("DATABASE_URL", "postgresql://app@localhost:5432/app"))
    return {
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password) if url.password else secret("POSTGRES_PASSWORD"),
        "host": url.hostname or "localhost",
        "port": url.port or 5432,
        "database": url.path.lstrip("/") or None,
    }


def connect() -> pg8000.native.Connection:
    return pg8000.native.Connection(**DB, timeout=10)


def wait_for_db(timeout: float = 60) -> None:
    """Create the table, retrying while the database is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with closing(connect()) as conn:
                conn.run(SCHEMA)
            return
        except Exception as exc:  # connection refused, DNS not ready, "starting up", ...
            if time.monotonic() > deadline:
                raise
            log.info("database not ready (%s), retrying", exc)
            time.sleep(2)


def query(sql: str, **params) -> list[dict]:
    with closing(connect()) as conn:
        rows = conn.run(sql, **params)
        names = [c["name"] for c in conn.columns or []]
    return [
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in zip(names, row)}
        for row in rows
    ]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "todo-backend"

    def do_GET(self) -> None:
        self.handle_errors(self.get)

    def do_POST(self) -> None:
        self.handle_errors(self.post)

    def get(self) -> None:
        if self.path == "/health":
            query("SELECT 1 AS ok")  # an exception here answers 503
            self.reply(200, {"status": "ok"})
        elif not self.authorized():
            return
        elif self.path == "/todos":
            self.reply(200, query(f"SELECT {COLUMNS} FROM todos ORDER BY id"))
        else:
            self.reply(404, {"error": "not found"})

    def post(self) -> None:
        if not self.authorized():
            return
        if self.path == "/todos":
            body = self.read_json()
            title = body.get("title") if isinstance(body, dict) else None
            if not isinstance(title, str) or not title.strip() or len(title) > 500:
                return self.reply(400, {"error": "title must be a non-empty string (max 500 chars)"})
            rows = query(f"INSERT INTO todos (title) VALUES (:title) RETURNING {COLUMNS}", title=title.strip())
            self.reply(201, rows[0])
        elif m := re.fullmatch(r"/todos/(\d+)/complete", self.path):
            rows = query(f"UPDATE todos SET done = TRUE WHERE id = :id RETURNING {COLUMNS}", id=int(m[1]))
            if rows:
                self.reply(200, rows[0])
            else:
                self.reply(404, {"error": f"todo {m[1]} not found"})
        else:
            self.reply(404, {"error": "not found"})

    def handle_errors(self, route) -> None:
        try:
            route()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away
        except Exception as exc:
            log.warning("%s %s failed: %r", self.command, self.path, exc)
            self.reply(503, {"error": f"database unavailable: {exc}"})

    def authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), TOKEN.encode()):
            return True
        self.reply(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
        return False

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True  # the unread body must not be parsed as a request
            return None
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            return None

    def reply(self, status: int, payload, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def main() -> None:
    global DB, TOKEN
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    TOKEN = secret("SERVICE_AUTH_TOKEN") or sys.exit("SERVICE_AUTH_TOKEN is not set")
    DB = db_params()
    try:
        wait_for_db()
    except Exception as exc:
        sys.exit(f"database {DB['host']}:{DB['port']} not ready after 60 s: {exc}")
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # As PID 1 in a container, SIGTERM is ignored unless handled.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("todo backend listening on 0.0.0.0:%d (database %s:%s)", port, DB["host"], DB["port"])
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
